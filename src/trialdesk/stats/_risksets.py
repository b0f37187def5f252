"""Risk-set bookkeeping shared by the survival estimators: sort once, count with cumulative sums.

Every estimator here works on the distinct observed times; the number at risk at a time is the
number of subjects whose time is at least that time, i.e. a reverse cumulative sum of the
subjects leaving at each distinct time. That keeps every estimator O(n log n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["GroupedEventTable", "grouped_event_table", "reverse_cumsum"]


def reverse_cumsum(values: NDArray[np.float64], axis: int = 0) -> NDArray[np.float64]:
    """``out[i] = sum(values[i:])`` along ``axis``."""
    flipped = np.flip(values, axis=axis)
    return np.asarray(np.flip(np.cumsum(flipped, axis=axis), axis=axis))


@dataclass(frozen=True, slots=True)
class GroupedEventTable:
    """Counts per distinct time (rows) and group (columns).

    ``events[t, g, k]`` counts subjects of group g with status k at ``times[t]`` (status 0 is
    censoring); ``at_risk[t, g]`` counts subjects of group g with time >= ``times[t]``.
    """

    times: NDArray[np.float64]
    at_risk: NDArray[np.float64]
    events: NDArray[np.float64]


def grouped_event_table(
    time: NDArray[np.float64],
    status: NDArray[np.int64],
    group_index: NDArray[np.int64],
    n_groups: int,
    n_status: int,
) -> GroupedEventTable:
    """Tabulate ``status`` (0..n_status-1) by distinct time and group (0..n_groups-1)."""
    times, time_index = np.unique(time, return_inverse=True)
    flat = (time_index * n_groups + group_index) * n_status + status
    counts = np.bincount(flat, minlength=len(times) * n_groups * n_status).astype(np.float64)
    events = counts.reshape(len(times), n_groups, n_status)
    at_risk = reverse_cumsum(events.sum(axis=2))
    return GroupedEventTable(times=times, at_risk=at_risk, events=events)
