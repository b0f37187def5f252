"""Write the small survival data sets behind tests/golden/survival_methods.json.

Each one has the shape that once defeated a survival model (every event in one arm, collinear
covariates, follow-up ending before a landmark day) or exercises a method (ties, strata, RMST,
cumulative-incidence intervals). Drawn from a fixed seed; integer times so that ties occur and
R reads exactly the same rows. make_golden_survival.R reads them.

Run from the repository root: ``python tests/golden/make_data_survival.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
SEED = 20261206


def separated_cohort(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Two arms; every death (and every cause-1 failure) is in arm 1, arm 0 only censored or
    failing from cause 2. ``age`` is an ordinary covariate, ``site`` a stratum."""
    arm = np.repeat([0, 1], n // 2)
    age = rng.integers(30, 70, size=n)
    site = rng.integers(0, 2, size=n)
    time = rng.integers(5, 200, size=n).astype(float)
    event = np.where(arm == 1, rng.uniform(size=n) < 0.6, 0).astype(int)
    # Competing risks: cause 1 only in arm 1; cause 2 in both arms.
    cause2 = rng.uniform(size=n) < 0.3
    status = np.where(event == 1, 1, np.where(cause2, 2, 0))
    return pd.DataFrame(
        {"time": time, "event": event, "status": status, "arm": arm, "age": age, "site": site}
    )


def collinear_cohort(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``total`` is exactly ``arm + age``, so the three covariates are collinear."""
    arm = rng.integers(0, 2, size=n)
    age = rng.integers(30, 70, size=n)
    hazard = np.exp(-0.6 * arm + 0.03 * (age - 50))
    time = np.ceil(rng.exponential(100.0 / hazard))
    censor = rng.integers(20, 300, size=n)
    event = (time <= censor).astype(int)
    return pd.DataFrame(
        {"time": np.minimum(time, censor), "event": event, "arm": arm, "age": age,
         "total": arm + age}
    )  # fmt: skip


def short_follow_up(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Two arms followed for at most 300 days (so day 365 is beyond every patient) with
    deaths, censoring and ties."""
    arm = rng.integers(0, 2, size=n)
    time = np.ceil(rng.exponential(np.where(arm == 1, 260.0, 160.0)))
    censor = rng.integers(60, 301, size=n)
    event = (time <= censor).astype(int)
    return pd.DataFrame({"time": np.minimum(time, censor), "event": event, "arm": arm})


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    separated_cohort(rng, 40).to_csv(DATA / "separated.csv", index=False)
    collinear_cohort(rng, 120).to_csv(DATA / "collinear.csv", index=False)
    short_follow_up(rng, 80).to_csv(DATA / "short_follow_up.csv", index=False)


if __name__ == "__main__":
    main()
