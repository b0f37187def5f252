"""Dask backend: the same seed gives identical results on 1 and 2 workers and locally."""

import os

import numpy as np

from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
from trialdesk.bootstrap import load_protocol
from trialdesk.simulation.dask_backend import dask_client, simulate_on_dask
from trialdesk.simulation.operating import plan_batches, simulate_locally


def _worker_environment() -> dict[str, str | None]:
    names = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return {name: os.environ.get(name) for name in names}


def test_one_and_two_dask_workers_and_the_local_backend_agree_exactly() -> None:
    protocol = load_protocol()
    scenario = read_scenario_file(builtin_scenario_path("default"))
    batches = plan_batches(1300, 42, batch_size=200)
    done: list[int] = []
    results = []
    for workers in (1, 2):
        with dask_client(workers=workers) as client:
            assert len(client.scheduler_info()["workers"]) == workers
            # Without a malloc trim threshold and with one BLAS thread, as a one-core run.
            for environment in client.run(_worker_environment).values():
                assert environment == {
                    "MALLOC_TRIM_THRESHOLD_": None,
                    "OMP_NUM_THREADS": "1",
                    "OPENBLAS_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1",
                }
            results.append(simulate_on_dask(client, protocol, scenario, batches, done.append))
            # A second run on the same client must not trip over the first run's released data.
            results.append(simulate_on_dask(client, protocol, scenario, batches[:2]))
    local = simulate_locally(protocol, scenario, batches)
    for second_run in (results[1], results[3]):
        assert np.array_equal(second_run.difference, local.difference[:400])
    for outcome in (results[0], results[2]):
        assert np.array_equal(outcome.difference, local.difference)
        assert np.array_equal(outcome.rejected, local.rejected)
        assert np.array_equal(dict(outcome.doses)["anti_cd25"], dict(local.doses)["anti_cd25"])
    assert sum(done) == 2 * 1300
