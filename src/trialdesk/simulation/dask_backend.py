"""Run replicate batches on Dask distributed: a local cluster or an existing scheduler.

Each batch carries its own child seed (:func:`~trialdesk.simulation.operating.plan_batches`),
so the result does not depend on how many workers there are or which worker ran what.

Local clusters start their process workers without Dask's default ``MALLOC_TRIM_THRESHOLD_``
(65536). Setting that variable at all switches off glibc's adaptive mmap threshold, so every
array above 128 KiB — most intermediate arrays of a 500-replicate batch — is mapped and unmapped
afresh: about five times the page faults and 45 % more CPU time per batch than in the parent
process, enough to make two workers slower than one core. Worker memory stays bounded without
it because each batch frees what it allocated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import dask
from dask.distributed import Client, LocalCluster, as_completed

from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.simulation.operating import Batch, ProgressCallback, combine, run_batch
from trialdesk.simulation.scenario import Scenario
from trialdesk.simulation.trial import TrialOutcomes

__all__ = ["WORKER_ENVIRONMENT", "dask_client", "simulate_on_dask"]

#: Set in a local cluster's worker processes before they start (``None`` leaves a variable
#: unset). One BLAS/OpenMP thread each, as in a one-core run: two workers on two cores must not
#: start four threads. No malloc trim threshold (see the module docstring).
WORKER_ENVIRONMENT: dict[str, int | None] = {
    "MALLOC_TRIM_THRESHOLD_": None,
    "OMP_NUM_THREADS": 1,
    "OPENBLAS_NUM_THREADS": 1,
    "MKL_NUM_THREADS": 1,
}


@contextmanager
def dask_client(
    scheduler: str | None = None, workers: int = 2, *, processes: bool = True
) -> Iterator[Client]:
    """A client of ``scheduler``, or of a new LocalCluster on 127.0.0.1 shut down afterwards.

    Scripts that start process workers need an ``if __name__ == "__main__":`` guard.
    """
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except OSError as error:
            raise InputError.single("scheduler", f"cannot reach {scheduler}: {error}") from None
        with client:
            yield client
        return
    if workers < 1:
        raise InputError.single("workers", "must be ≥ 1")
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": WORKER_ENVIRONMENT}),
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def simulate_on_dask(
    client: Client,
    protocol: Protocol,
    scenario: Scenario,
    batches: Sequence[Batch],
    progress: ProgressCallback | None = None,
) -> TrialOutcomes:
    """Run the batches on the cluster behind ``client`` and combine them in batch order."""
    # Unique keys: with content-hashed keys, a second run on the same client could reuse keys
    # that the first run is releasing, and lose them ("lost dependencies").
    protocol_future, scenario_future = client.scatter(  # type: ignore[no-untyped-call]
        [protocol, scenario], broadcast=True, hash=False
    )
    futures = [
        client.submit(run_batch, protocol_future, scenario_future, batch, pure=False)
        for batch in batches
    ]
    index = {future.key: i for i, future in enumerate(futures)}
    parts: list[TrialOutcomes | None] = [None] * len(futures)
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        parts[index[future.key]] = future.result()
        if progress is not None:
            progress(batches[index[future.key]].replicates)
    return combine([p for p in parts if p is not None])
