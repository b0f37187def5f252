"""The vectorised Newcombe interval equals the scalar one, table by table."""

import itertools

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.stats import newcombe_hybrid_score_ci, wilson_ci
from trialdesk.stats.risk_difference_arrays import (
    newcombe_hybrid_score_ci_arrays,
    newcombe_rejects,
    wilson_ci_arrays,
)

TABLES = [
    (x1, 12, x2, n2)
    for x1, x2, n2 in itertools.product(range(13), (0, 1, 5, 9), (9, 17))
    if x2 <= n2
]


@pytest.mark.parametrize("alpha", [0.05, 0.10])
def test_every_table_gets_the_scalar_newcombe_limits(alpha: float) -> None:
    x1, n1, x2, n2 = (np.array(column) for column in zip(*TABLES, strict=True))
    lower, upper = newcombe_hybrid_score_ci_arrays(x1, n1, x2, n2, alpha=alpha)
    for i, table in enumerate(TABLES):
        expected = newcombe_hybrid_score_ci(*table, alpha=alpha)
        assert (lower[i], upper[i]) == pytest.approx(expected, abs=1e-12)


def test_wilson_limits_match_the_scalar_function() -> None:
    lower, upper = wilson_ci_arrays(np.arange(21), 20)
    for x in range(21):
        assert (lower[x], upper[x]) == pytest.approx(wilson_ci(x, 20), abs=1e-12)


def test_the_test_rejects_exactly_when_the_interval_excludes_zero() -> None:
    x1, n1, x2, n2 = (np.array(column) for column in zip(*TABLES, strict=True))
    rejected = newcombe_rejects(x1, n1, x2, n2)
    for i, table in enumerate(TABLES):
        low, high = newcombe_hybrid_score_ci(*table)
        assert rejected[i] == (low > 0 or high < 0)


def test_impossible_counts_are_refused_naming_the_group() -> None:
    with pytest.raises(InputError) as caught:
        newcombe_hybrid_score_ci_arrays([3, 14], [12, 12], [0, 1], [0, 5])
    assert {e.field for e in caught.value.errors} == {"x1", "n2"}
