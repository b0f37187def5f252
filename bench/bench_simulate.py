"""Benchmark the trial simulator: 10,000 trials on one core, and 100,000 on two Dask workers.

Figures, each next to a baseline measured in the same run:

1. 10,000 replicate trials of 130 patients with the full weekly rules (staging, grading,
   response, protocol decisions, stratified blocks, Newcombe test) on one core — target ≤ 10 s —
   against the same code run one replicate at a time (extrapolated from a few hundred);
2. 100,000 replicates on a local Dask cluster of 2 single-threaded process workers against the
   same batches on one core — target speed-up ≥ 1.6×. Like with like: the same 200 batches of
   500, one BLAS/OpenMP thread in this process as in the workers, and the CPU time per batch
   of both sides; the cluster is started and warmed up before timing and its start-up is
   reported apart;
3. where R's rpact is installed, ``getSimulationRates`` for the same design (10,000 iterations,
   binomial outcomes only, no weekly rules), for scale.

The two sides of 2. alternate in 5 rounds of 20,000 trials, so that load from other work on the
machine falls on both alike. The load average (start and end) and the cores each side obtained
(its CPU time over its wall time) tell how much of the machine the run had: the speed-up is
the ratio of cores obtained times the ratio of CPU time per batch.
"""

from __future__ import annotations

import os

# Before numpy is imported: BLAS reads its thread count once, at load time.
os.environ.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})

import resource
import shutil
import subprocess
import time

from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.protocol import Protocol
from trialdesk.simulation.dask_backend import dask_client, simulate_on_dask
from trialdesk.simulation.operating import plan_batches, simulate_locally
from trialdesk.simulation.scenario import Scenario

#: The one-core and the Dask runs alternate in rounds so that load from other work on the
#: machine, which comes and goes, falls on both alike.
ROUNDS = 5

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


def _cpu_seconds() -> float:
    """User + system CPU time of the calling process (run on each worker by ``client.run``)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _scale_out(protocol: Protocol, scenario: Scenario) -> None:
    """100,000 trials on one core and on 2 Dask workers, interleaved in rounds of 20,000."""
    big = plan_batches(100_000, 2)
    rounds = [big[i : i + len(big) // ROUNDS] for i in range(0, len(big), len(big) // ROUNDS)]
    local = distributed = local_cpu = workers_cpu = 0.0
    start = time.perf_counter()
    with dask_client(workers=2) as client:
        started = time.perf_counter() - start
        simulate_on_dask(client, protocol, scenario, plan_batches(2_000, 3))  # warm-up
        for batches in rounds:
            cpu_before = _cpu_seconds()
            seconds, _ = _timed(simulate_locally, protocol, scenario, batches)
            local, local_cpu = local + seconds, local_cpu + _cpu_seconds() - cpu_before
            workers_before = client.run(_cpu_seconds)  # type: ignore[no-untyped-call]
            seconds, _ = _timed(simulate_on_dask, client, protocol, scenario, batches)
            workers_after = client.run(_cpu_seconds)  # type: ignore[no-untyped-call]
            distributed += seconds
            workers_cpu += sum(workers_after[w] - workers_before[w] for w in workers_before)
    print(
        f"100,000 trials ({len(big)} batches, {ROUNDS} rounds alternating): one core "
        f"{local:.1f} s, 2 Dask workers {distributed:.1f} s, speed-up "
        f"{local / distributed:.2f}x (target >= 1.6x); cluster start-up {started:.1f} s, not "
        f"timed; CPU per batch: one core {local_cpu / len(big) * 1000:.0f} ms, workers "
        f"{workers_cpu / len(big) * 1000:.0f} ms; cores obtained (CPU / wall time): one core "
        f"{local_cpu / local:.2f}, workers {workers_cpu / distributed:.2f} of 2; {_load()}"
    )


def main() -> None:
    protocol = load_protocol()
    scenario = read_scenario_file(builtin_scenario_path("default"))
    print(f"cores available: {os.cpu_count()}; {_load()}")

    one_by_one, _ = _timed(simulate_locally, protocol, scenario, plan_batches(300, 1, 1))
    vectorised, outcomes = _timed(simulate_locally, protocol, scenario, plan_batches(10_000, 1))
    print(
        f"10,000 trials x 130 patients, one core: {vectorised:.2f} s (target <= 10 s); "
        f"one replicate at a time: {one_by_one / 300 * 10_000:.1f} s (extrapolated from 300); "
        f"power {outcomes.rejected.mean():.3f}"
    )

    _scale_out(protocol, scenario)

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
