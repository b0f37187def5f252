"""Benchmark: MAGIC staging + grading + response for 1,000,000 virtual assessments on one core.

The vectorised array path is timed on the full batch; the one-patient path (the same rules called
once per assessment, as the web form does) is timed on a smaller batch in the same run and
extrapolated, as the baseline. Inputs are generated with a seeded Generator outside the timing.

Run: python bench/bench_gvhd.py [N]
"""

from __future__ import annotations

import os

# One core: keep any BLAS/OpenMP pool from spreading the work (must precede the numpy import).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from trialdesk.domain.gvhd import (  # noqa: E402
    GradingSystem,
    MeasurementArrays,
    OrganMeasurements,
    OrganStages,
    ResponseRuleSet,
    assess_response,
    classify_response,
    grade,
    grade_arrays,
    stage,
    stage_arrays,
)

N_VECTORISED = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
N_SCALAR = 20_000
REPEATS = 5


def virtual_assessments(rng: np.random.Generator, n: int) -> tuple[MeasurementArrays, np.ndarray]:
    """Random raw measurements (about half of the patients involved per organ) and baselines."""

    def sometimes(p: float) -> np.ndarray:
        return rng.random(n) < p

    stool_ml = np.where(sometimes(0.7), rng.gamma(2.0, 400.0, n), np.nan)
    episodes = np.where(sometimes(0.7), rng.poisson(4.0, n).astype(float), np.nan)
    measurements = MeasurementArrays(
        skin_bsa_pct=np.where(sometimes(0.5), rng.uniform(0, 100, n), 0.0),
        bullae=sometimes(0.1),
        desquamation_bsa_pct=rng.uniform(0, 20, n),
        bilirubin_mg_dl=rng.lognormal(0.3, 1.0, n),
        upper_gi_persistent=sometimes(0.3),
        stool_ml_per_day=stool_ml,
        stool_episodes_per_day=episodes,
        severe_abdominal_pain=sometimes(0.05),
        bloody_stool=sometimes(0.05),
    )
    highest = np.array([5, 5, 2, 5])
    baseline = rng.integers(0, highest, size=(n, 4)).astype(np.int8)
    return measurements, baseline


def vectorised(measurements: MeasurementArrays, baseline: np.ndarray) -> np.ndarray:
    staged = stage_arrays(measurements, GradingSystem.MAGIC)
    grade_arrays(staged.stages, GradingSystem.MAGIC)
    return classify_response(baseline, staged.stages, ResponseRuleSet.CSH)


def one_patient_at_a_time(records: list[tuple[OrganMeasurements, OrganStages]]) -> None:
    for measurement, baseline in records:
        result = stage(measurement, GradingSystem.MAGIC)
        grade(result.stages, GradingSystem.MAGIC)
        assess_response(baseline, result.stages, ResponseRuleSet.CSH)


def main() -> None:
    rng = np.random.default_rng(20210201)
    fields = MeasurementArrays.__dataclass_fields__
    measurements, baseline = virtual_assessments(rng, N_VECTORISED)
    raw = {name: getattr(measurements, name) for name in fields}

    # Timed: building (and so checking) the arrays, staging, grading, response.
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        vectorised(MeasurementArrays(**raw), baseline)
        best = min(best, time.perf_counter() - start)
    vector_rate = N_VECTORISED / best

    records = [
        (
            OrganMeasurements(
                skin_bsa_pct=float(raw["skin_bsa_pct"][i]),
                bilirubin=float(raw["bilirubin_mg_dl"][i]),
                bullae=bool(raw["bullae"][i]),
                desquamation_bsa_pct=float(raw["desquamation_bsa_pct"][i]),
                upper_gi_persistent=bool(raw["upper_gi_persistent"][i]),
                stool_ml_per_day=None if np.isnan(v := raw["stool_ml_per_day"][i]) else float(v),
                stool_episodes_per_day=(
                    None if np.isnan(e := raw["stool_episodes_per_day"][i]) else float(e)
                ),
                severe_abdominal_pain=bool(raw["severe_abdominal_pain"][i]),
                bloody_stool=bool(raw["bloody_stool"][i]),
            ),
            OrganStages(*baseline[i].tolist()),
        )
        for i in range(N_SCALAR)
    ]
    start = time.perf_counter()
    one_patient_at_a_time(records)
    scalar_seconds = time.perf_counter() - start
    scalar_rate = N_SCALAR / scalar_seconds

    print(f"cpu cores reported: {os.cpu_count()} (threads pinned to 1)")
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    print(
        f"vectorised  : {N_VECTORISED:>9,} assessments in {best * 1e3:8.1f} ms "
        f"(best of {REPEATS}) = {vector_rate:>12,.0f} assessments/s"
    )
    print(
        f"one patient : {N_SCALAR:>9,} assessments in {scalar_seconds * 1e3:8.1f} ms "
        f"= {scalar_rate:>12,.0f} assessments/s "
        f"({scalar_seconds / N_SCALAR * 1e6:.1f} µs per call; "
        f"{N_VECTORISED / scalar_rate:.1f} s extrapolated to {N_VECTORISED:,})"
    )
    print(f"speed-up    : {vector_rate / scalar_rate:,.0f}x")
    print(f"target ≥ 1,000,000 assessments/s: {'met' if vector_rate >= 1e6 else 'NOT met'}")


if __name__ == "__main__":
    main()
