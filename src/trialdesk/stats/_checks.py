"""Input checks shared by the estimators: each failure names the offending argument."""

from __future__ import annotations

from collections.abc import Sized
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trialdesk.domain.errors import InputError

__all__ = [
    "as_count",
    "as_event_indicator",
    "as_float_vector",
    "as_status",
    "as_times",
    "check_alpha",
    "check_same_length",
]


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` when it is a usable significance level (0 < alpha < 1)."""
    if not 0.0 < alpha < 1.0:
        raise InputError.single("alpha", f"must be between 0 and 1 (exclusive), got {alpha}")
    return float(alpha)


def as_count(value: Any, name: str) -> int:
    """A non-negative whole number of subjects."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
        raise InputError.single(name, f"must be a whole number, got {value!r}")
    if float(value) != int(value):
        raise InputError.single(name, f"must be a whole number, got {value!r}")
    if value < 0:
        raise InputError.single(name, f"must be >= 0, got {value}")
    return int(value)


def as_float_vector(values: Any, name: str) -> NDArray[np.float64]:
    """A one-dimensional array of finite numbers."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError.single(name, "must contain numbers only") from None
    if array.ndim != 1:
        raise InputError.single(name, "must be one-dimensional")
    if array.size == 0:
        raise InputError.single(name, "must not be empty")
    if not np.all(np.isfinite(array)):
        raise InputError.single(name, "must not contain missing or infinite values")
    return array


def as_times(values: Any, name: str = "time") -> NDArray[np.float64]:
    """Follow-up times: finite and non-negative."""
    times = as_float_vector(values, name)
    if np.any(times < 0):
        raise InputError.single(name, "times must be >= 0")
    return times


def as_event_indicator(values: Any, name: str = "event") -> NDArray[np.bool_]:
    """An event indicator coded 1 (event) or 0 (censored)."""
    events = as_float_vector(values, name)
    if not np.all(np.isin(events, (0.0, 1.0))):
        raise InputError.single(name, "must be coded 1 (event) or 0 (censored)")
    return np.asarray(events == 1.0, dtype=np.bool_)


def as_status(values: Any, name: str = "status") -> NDArray[np.int64]:
    """A competing-risks status: 0 censored, 1..k the cause of failure."""
    status = as_float_vector(values, name)
    if np.any(status < 0) or np.any(status != np.round(status)):
        raise InputError.single(name, "must be 0 (censored) or a whole cause number 1, 2, ...")
    return status.astype(np.int64)


def check_same_length(**arrays: Sized) -> int:
    """The common length of the arrays; an error names the first one that differs."""
    items = list(arrays.items())
    first_name, first = items[0]
    for name, array in items[1:]:
        if len(array) != len(first):
            raise InputError.single(
                name, f"has {len(array)} values but {first_name} has {len(first)}"
            )
    return len(first)
