"""Write the data sets that the golden-value script (make_golden.R) and the tests both read.

Public data come from the data sets bundled with lifelines (Rossi's recidivism study and the
Waltons' fly survival data); the synthetic cohorts are drawn from a fixed seed. Everything is
written as CSV with full precision so that R and Python read exactly the same rows.

Run from the repository root: ``python tests/golden/make_data.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from lifelines.datasets import load_rossi, load_waltons

DATA = Path(__file__).resolve().parent / "data"
SEED = 20260601


def competing_risks_cohort(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """A two-arm cohort with relapse (1), non-relapse death (2) and censoring (0).

    Times are rounded to whole days so that the estimators' handling of ties is exercised.
    """
    arm = rng.integers(0, 2, size=n)
    age = np.round(rng.normal(50.0, 12.0, size=n), 1)
    grade = rng.integers(0, 3, size=n)  # three groups for Gray's K-sample test
    site = rng.integers(0, 2, size=n)  # a stratum for the stratified tests
    lp1 = -0.5 * arm + 0.02 * (age - 50.0) + 0.3 * (grade == 2)
    lp2 = 0.3 * arm + 0.03 * (age - 50.0)
    t1 = rng.exponential(400.0 * np.exp(-lp1))
    t2 = rng.exponential(600.0 * np.exp(-lp2))
    censor = rng.uniform(30.0, 900.0, size=n)
    time = np.ceil(np.minimum(np.minimum(t1, t2), censor))
    status = np.where(censor <= np.minimum(t1, t2), 0, np.where(t1 <= t2, 1, 2))
    return pd.DataFrame(
        {
            "time": time,
            "status": status,
            "arm": arm,
            "age": age,
            "grade": grade,
            "site": site,
            "event": (status > 0).astype(int),
        }
    )


def binary_cohort(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """A two-arm trial with a binary response and two stratification factors."""
    arm = rng.integers(0, 2, size=n)
    grade = rng.integers(0, 3, size=n)
    site = rng.integers(0, 4, size=n)
    logit = -0.2 + 0.6 * arm - 0.4 * grade + 0.15 * site
    response = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"response": response, "arm": arm, "grade": grade, "site": site})


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    load_rossi().to_csv(DATA / "rossi.csv", index=False)
    load_waltons().to_csv(DATA / "waltons.csv", index=False)
    rng = np.random.default_rng(SEED)
    competing_risks_cohort(rng, 400).to_csv(DATA / "competing_risks.csv", index=False)
    binary_cohort(rng, 300).to_csv(DATA / "binary.csv", index=False)


if __name__ == "__main__":
    main()
