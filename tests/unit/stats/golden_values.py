"""Reading the golden values R produced (tests/golden/make_golden.R) and comparing with them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN = Path(__file__).resolve().parents[2] / "golden"

#: Agreement required with R: relative error for estimates and for p-values.
ESTIMATE_RTOL = 1e-6
P_VALUE_RTOL = 1e-4


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    if value == "Infinity":
        return math.inf
    if value == "-Infinity":
        return -math.inf
    return float(value)


def as_numbers(values: Any) -> np.ndarray[Any, Any]:
    """A golden array with R's NA as NaN and R's Inf as inf."""
    if isinstance(values, list):
        return np.array([_number(v) for v in values], dtype=float)
    return np.array([_number(values)], dtype=float)


def assert_close(actual: Any, expected: Any, rtol: float) -> None:
    """Equal within ``rtol`` (relative), with NaN matching NaN and inf matching inf."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float).ravel(), as_numbers(expected), rtol=rtol, atol=0.0
    )
