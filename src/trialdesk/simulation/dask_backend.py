"""Run replicate batches on Dask distributed: a local cluster or an existing scheduler.

Each batch carries its own child seed (:func:`~trialdesk.simulation.operating.plan_batches`),
so the result does not depend on how many workers there are or which worker ran what.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dask.distributed import Client, LocalCluster, as_completed

from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.simulation.operating import Batch, ProgressCallback, combine, run_batch
from trialdesk.simulation.scenario import Scenario
from trialdesk.simulation.trial import TrialOutcomes

__all__ = ["dask_client", "simulate_on_dask"]


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
