"""Benchmark the trial simulator: 10,000 trials on one core, and 100,000 on two Dask workers.

Figures, each next to a baseline measured in the same run:

1. 10,000 replicate trials of 130 patients with the full weekly rules (staging, grading,
   response, protocol decisions, stratified blocks, Newcombe test) on one core — target ≤ 10 s —
   against the same code run one replicate at a time (extrapolated from a few hundred);
2. 100,000 replicates on a local Dask cluster of 2 single-threaded process workers against the
   same batches on one core — target speed-up ≥ 1.6× (the cluster is started and warmed up
   before timing);
3. where R's rpact is installed, ``getSimulationRates`` for the same design (10,000 iterations,
   binomial outcomes only, no weekly rules), for scale.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
from trialdesk.bootstrap import load_protocol
from trialdesk.simulation.dask_backend import dask_client, simulate_on_dask
from trialdesk.simulation.operating import plan_batches, simulate_locally

RPACT = """
suppressMessages(library(rpact))
design <- getDesignGroupSequential(kMax = 1, alpha = 0.025, sided = 1)
elapsed <- system.time(sim <- getSimulationRates(design, groups = 2, pi1 = 0.75, pi2 = 0.5,
    plannedSubjects = 130, maxNumberOfIterations = 10000, seed = 1))[["elapsed"]]
cat(elapsed, sim$overallReject, "\\n")
"""


def _timed(function, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    protocol = load_protocol()
    scenario = read_scenario_file(builtin_scenario_path("default"))
    print(f"cores available: {os.cpu_count()}")

    one_by_one, _ = _timed(simulate_locally, protocol, scenario, plan_batches(300, 1, 1))
    vectorised, outcomes = _timed(simulate_locally, protocol, scenario, plan_batches(10_000, 1))
    print(
        f"10,000 trials x 130 patients, one core: {vectorised:.2f} s (target <= 10 s); "
        f"one replicate at a time: {one_by_one / 300 * 10_000:.1f} s (extrapolated from 300); "
        f"power {outcomes.rejected.mean():.3f}"
    )

    big = plan_batches(100_000, 2)
    local, _ = _timed(simulate_locally, protocol, scenario, big)
    with dask_client(workers=2) as client:
        simulate_on_dask(client, protocol, scenario, plan_batches(2_000, 3))  # warm-up
        distributed, _ = _timed(simulate_on_dask, client, protocol, scenario, big)
    print(
        f"100,000 trials: one core {local:.1f} s, 2 Dask workers {distributed:.1f} s, "
        f"speed-up {local / distributed:.2f}x (target >= 1.6x)"
    )

    if shutil.which("Rscript") is None:
        print("rpact: Rscript not installed; skipped")
        return
    run = subprocess.run(
        ["Rscript", "-e", RPACT], capture_output=True, text=True, check=False, timeout=600
    )
    if run.returncode != 0:
        print("rpact: not installed (Debian r-cran-rpact); skipped")
        return
    elapsed, power = run.stdout.split()
    print(
        f"rpact getSimulationRates, 10,000 iterations of the same design (binomial only): "
        f"{float(elapsed):.2f} s, power {float(power):.3f}"
    )


if __name__ == "__main__":
    main()
