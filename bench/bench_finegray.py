"""Benchmark: Fine–Gray regression with two covariates on 100,000 rows, on one core.

trialdesk's O(n log n) implementation (``trialdesk.stats.FineGray``) is timed on 100,000 rows
against the 10 s target. As the baseline, R's ``cmprsk::crr`` (the reference implementation,
O(n²) or worse) is timed in the same run on 1,000, 5,000 and 10,000 rows, inside R with
``system.time`` around the ``crr`` call only, next to trialdesk on the same rows; the agreement
of the coefficients and robust standard errors is printed too. crr is not run on 100,000 rows:
its growth (about n^2.7) puts that at hours. Data come from a seeded Generator.

Run: python bench/bench_finegray.py [N_LARGE] [R_SIZES, e.g. 1000,5000,10000]
"""

from __future__ import annotations

import os

# One core: keep any BLAS/OpenMP pool from spreading the work (must precede the numpy import).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from trialdesk.stats import FineGray  # noqa: E402

N_LARGE = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
R_SIZES = [int(v) for v in sys.argv[2].split(",")] if len(sys.argv) > 2 else [1_000, 5_000, 10_000]
TARGET_SECONDS = 10.0
REPEATS = 3

R_SCRIPT = """
suppressPackageStartupMessages(library(cmprsk))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
elapsed <- system.time(fit <- crr(d$time, d$status, cov1 = cbind(arm = d$arm, age = d$age),
                                  failcode = 1, cencode = 0))[["elapsed"]]
cat(sprintf("%.17g", c(elapsed, fit$coef, sqrt(diag(fit$var)))), "\\n")
"""


def cohort(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Relapse (1), death without relapse (2) and censoring (0), times rounded to days."""
    arm = rng.integers(0, 2, size=n)
    age = np.round(rng.normal(50.0, 12.0, size=n), 1)
    t1 = rng.exponential(400.0 * np.exp(0.5 * arm - 0.02 * (age - 50.0)))
    t2 = rng.exponential(600.0 * np.exp(-0.3 * arm - 0.03 * (age - 50.0)))
    censor = rng.uniform(30.0, 900.0, size=n)
    first = np.minimum(t1, t2)
    status = np.where(censor <= first, 0, np.where(t1 <= t2, 1, 2))
    return pd.DataFrame(
        {"time": np.ceil(np.minimum(first, censor)), "status": status, "arm": arm, "age": age}
    )


def ours(data: pd.DataFrame) -> tuple[float, FineGray]:
    """Best wall time of REPEATS fits, and the fitted model."""
    best, model = float("inf"), FineGray()
    for _ in range(REPEATS):
        start = time.perf_counter()
        model = FineGray().fit(data["time"], data["status"], data[["arm", "age"]], cause=1)
        best = min(best, time.perf_counter() - start)
    return best, model


def crr(data: pd.DataFrame, rscript: str, workdir: Path) -> tuple[float, np.ndarray, np.ndarray]:
    path = workdir / f"cohort_{len(data)}.csv"
    data.to_csv(path, index=False)
    script = workdir / "crr.R"
    script.write_text(R_SCRIPT, encoding="utf-8")
    output = subprocess.run(
        [rscript, str(script), str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    values = np.array([float(v) for v in output])
    return float(values[0]), values[1:3], values[3:5]


def main() -> None:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"cores: {os.cpu_count()} on the machine, {affinity} usable; BLAS limited to 1 thread")
    rng = np.random.default_rng(20260601)

    large = cohort(rng, N_LARGE)
    seconds, model = ours(large)
    verdict = "within" if seconds <= TARGET_SECONDS else "OVER"
    print(
        f"trialdesk FineGray, 2 covariates, {N_LARGE:,} rows: {seconds:.3f} s "
        f"(target <= {TARGET_SECONDS:.0f} s: {verdict}); {model.n_iter_} Newton steps, "
        f"coef {np.round(model.coefficients_['coef'].to_numpy(), 4).tolist()}"
    )

    rscript = shutil.which("Rscript")
    if rscript is None:
        print("cmprsk::crr baseline: R not installed (make golden installs it)")
        return
    print(f"{'rows':>8} {'trialdesk s':>12} {'crr s':>10} {'speed-up':>9} "
          f"{'max |coef diff|':>16} {'max rel se diff':>16}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for n in R_SIZES:
            data = cohort(rng, n)
            our_seconds, fitted = ours(data)
            r_seconds, r_coef, r_se = crr(data, rscript, Path(tmp))
            coef_diff = np.max(np.abs(fitted.coefficients_["coef"].to_numpy() - r_coef))
            se_diff = np.max(np.abs(fitted.coefficients_["se"].to_numpy() / r_se - 1.0))
            print(
                f"{n:>8,} {our_seconds:>12.4f} {r_seconds:>10.2f} {r_seconds / our_seconds:>8.0f}x "
                f"{coef_diff:>16.2e} {se_diff:>16.2e}"
            )


if __name__ == "__main__":
    main()
