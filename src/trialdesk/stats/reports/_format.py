"""Number formatting shared by the report sections."""

from __future__ import annotations

import math

__all__ = ["count_pct", "num", "pct", "pvalue"]


def num(value: float, digits: int = 1) -> str:
    """A number with fixed decimals; an en dash when not estimable."""
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def pct(value: float, digits: int = 1) -> str:
    """A proportion as a percentage."""
    return num(100.0 * value, digits)


def count_pct(count: int, total: int) -> str:
    """``n (p%)``; ``0`` when the denominator is empty."""
    return f"{count} ({pct(count / total)}%)" if total else "0"


def pvalue(value: float) -> str:
    """A p-value with 4 decimals, or ``<0.0001``."""
    if value is None or not math.isfinite(value):
        return "–"
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"
