"""Benchmark: the next protocol step for 1,000,000 virtual course assessments on one core.

The vectorised rule (``next_steps``) is timed on the full batch; the one-patient path
(``decide_next_step``, as the web form calls it) is timed on a smaller batch in the same run and
extrapolated, as the baseline. Inputs come from a seeded Generator, drawn outside the timing.

Run: python bench/bench_decisions.py [N]
"""

from __future__ import annotations

import os

# One core: keep any BLAS/OpenMP pool from spreading the work (must precede the numpy import).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from trialdesk.bootstrap import load_protocol  # noqa: E402
from trialdesk.domain.decisions import decide_next_step, next_steps  # noqa: E402
from trialdesk.domain.gvhd.types import Response  # noqa: E402
from trialdesk.domain.protocol import VisitPhase  # noqa: E402

N_VECTORISED = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
N_SCALAR = 20_000
REPEATS = 5


def main() -> None:
    protocol = load_protocol()
    rng = np.random.default_rng(20240301)
    visit_codes = np.array([v.code for v in protocol.visits_in(VisitPhase.COURSE)])
    response_codes = np.array([r.value for r in Response])
    visits = rng.choice(visit_codes, N_VECTORISED)
    responses = rng.choice(response_codes, N_VECTORISED)
    courses = rng.integers(1, protocol.course.max_courses + 1, N_VECTORISED)

    best = min(
        _timed(lambda: next_steps(protocol.course, visits, responses, courses))
        for _ in range(REPEATS)
    )
    history = [
        ([(str(v), Response(str(r)))], int(c))
        for v, r, c in zip(visits[:N_SCALAR], responses[:N_SCALAR], courses[:N_SCALAR], strict=True)
    ]
    scalar = _timed(lambda: [decide_next_step(protocol, h, c) for h, c in history])

    vector_rate = N_VECTORISED / best
    scalar_rate = N_SCALAR / scalar
    print(f"assessments                : {N_VECTORISED:,}")
    print(f"vectorised next_steps      : {best:.3f} s  ({vector_rate:,.0f} assessments/s)")
    print(
        f"baseline decide_next_step  : {scalar:.3f} s for {N_SCALAR:,}  ({scalar_rate:,.0f} "
        f"assessments/s; {N_VECTORISED / scalar_rate:.1f} s extrapolated)"
    )
    print(f"speed-up                   : {vector_rate / scalar_rate:,.0f}x")


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
