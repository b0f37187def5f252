"""Benchmark: how long the ``trialdesk`` command takes to start, against importing numpy.

Each command runs in a fresh interpreter, as a user's shell or script would start it: after one
untimed warm-up run, the wall time of REPEATS runs is measured and the median reported, with the
median CPU time (user + system) of the child, which a busy machine disturbs less (also shown as a
multiple of the baseline's). In the same run:

- baseline: ``python -c "import numpy"``;
- ``trialdesk --help``;
- ``trialdesk gvhd stage ... --json``, one patient's organ stages and overall grade.

The command runs as ``python -m trialdesk.entrypoints.cli`` with the interpreter running this
script, so it measures the source tree on ``PYTHONPATH`` rather than whatever is installed.

Run: python bench/bench_cli.py [REPEATS]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 7

TRIALDESK = [sys.executable, "-m", "trialdesk.entrypoints.cli"]
#: A grade III patient: rash over 30 % of the body, bilirubin 2.5 mg/dL, 800 mL of stool a day.
STAGE = ["gvhd", "stage", "--skin-bsa", "30", "--bilirubin", "2.5", "--stool-ml", "800", "--json"]

#: (label, command, target wall seconds or None)
CASES = [
    ('python -c "import numpy" (baseline)', [sys.executable, "-c", "import numpy"], None),
    ("trialdesk --help", [*TRIALDESK, "--help"], 0.3),
    ("trialdesk gvhd stage ... --json", [*TRIALDESK, *STAGE], 0.6),
]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` (which must succeed)."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started, _children_cpu() - cpu_before


def measure(command: list[str]) -> tuple[float, float]:
    """Median wall and CPU seconds over REPEATS runs, after one warm-up run."""
    run_once(command)  # compiled bytecode and the page cache, as for any user's second call
    runs = [run_once(command) for _ in range(REPEATS)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def main() -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load}; "
        f"median of {REPEATS} runs each"
    )
    baseline_cpu = None
    for label, command, target in CASES:
        wall, cpu = measure(command)
        baseline_cpu = baseline_cpu or cpu
        verdict = "" if target is None else (
            f" ({cpu / baseline_cpu:.1f}x baseline)  target <= {target:.1f} s wall: "
            f"{'within' if wall <= target else 'OVER'}"
        )  # fmt: skip
        print(f"{label:<38} wall {wall:6.3f} s   cpu {cpu:6.3f} s{verdict}")


if __name__ == "__main__":
    main()
