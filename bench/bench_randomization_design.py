"""Benchmark: the randomization design simulator for NCT04738981 (130 patients per trial).

Minimization: the batched simulator (all replicates advance one subject at a time through the
domain's array core) is timed on the full number of replicates; the baseline is the one-subject
``minimize`` call the randomize service makes, looped over fewer replicates in the same run and
extrapolated. Blocks: the simulator is timed against generating the same number of stratum lists
through ``generate_stratum_list`` (the path the statistician's list generation takes).

Run: python bench/bench_randomization_design.py [REPLICATES]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.randomization import MinimizationState, generate_stratum_list, minimize
from trialdesk.simulation.randomization_design import CovariateMix, DesignMethod, simulate_design

REPLICATES = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
SUBJECTS = 130
BASELINE_REPLICATES = 20
REPEATS = 3


def _best_of(run: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    spec = load_protocol().randomization
    rng = np.random.default_rng(20250301)
    raw = CovariateMix().draw(BASELINE_REPLICATES, SUBJECTS, rng)

    def one_subject_loop() -> None:
        for r in range(BASELINE_REPLICATES):
            state = MinimizationState.empty(spec)
            for i in range(SUBJECTS):
                subject = {field: values[r, i] for field, values in raw.items()}
                state = state.after(minimize(spec, state, subject, rng))

    def strata_lists() -> None:
        for r in range(BASELINE_REPLICATES):
            for stratum in range(12):
                generate_stratum_list(spec, r, "bench", f"stratum-{stratum}", SUBJECTS // 12 + 1)

    rows = []
    for method, baseline, label in (
        (DesignMethod.MINIMIZATION, one_subject_loop, "one-subject minimize() loop"),
        (DesignMethod.BLOCKS, strata_lists, "generate_stratum_list() per stratum"),
    ):
        simulated = _best_of(
            lambda m=method: simulate_design(
                spec, m, SUBJECTS, REPLICATES, np.random.default_rng(1)
            )
        )
        base = _best_of(baseline) * REPLICATES / BASELINE_REPLICATES
        rows.append((method.value, simulated, label, base))

    print(
        f"randomization design simulator: {REPLICATES} trials × {SUBJECTS} patients, best of "
        f"{REPEATS}"
    )
    for method, simulated, label, base in rows:
        print(
            f"  {method:<13} simulator {simulated:7.2f} s ({REPLICATES / simulated:8.0f} trials/s)"
            f" | baseline {label}: {base:7.2f} s (extrapolated from {BASELINE_REPLICATES})"
            f" | speed-up ×{base / simulated:.1f}"
        )


if __name__ == "__main__":
    main()
