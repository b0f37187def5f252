"""The shared shape of every statistics result: a summary table, a dictionary, a printout."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["StatisticalResult", "plain", "plain_dict"]


def plain(value: Any) -> Any:
    """Turn numpy scalars and arrays (also nested in tuples, lists and dicts) into plain Python."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else value
    return value


def plain_dict(mapping: dict[str, Any]) -> dict[str, Any]:
    """:func:`plain` applied to every value of a result's dictionary."""
    return {key: plain(value) for key, value in mapping.items()}


class StatisticalResult:
    """Base of result objects: ``summary`` (a DataFrame), ``to_dict()`` and ``print_summary()``.

    Subclasses implement :meth:`_summary_frame` and :meth:`to_dict`; the renderings
    (text, HTML, LaTeX, notebook) are derived from the summary table so they never disagree.
    """

    #: One-line title used by :meth:`print_summary` and the HTML rendering.
    title: str = "result"

    def _summary_frame(self) -> pd.DataFrame:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form (JSON-ready except for infinities) of the result."""
        raise NotImplementedError

    @property
    def summary(self) -> pd.DataFrame:
        """The result as a table, one row per estimate or test."""
        return self._summary_frame()

    def summary_text(self, decimals: int = 4) -> str:
        """The summary table as fixed-width text under the result's title."""
        return f"{self.title}\n{self.summary.round(decimals).to_string()}"

    def print_summary(self, decimals: int = 4) -> None:
        """Print :meth:`summary_text` to standard output."""
        print(self.summary_text(decimals))  # noqa: T201 - printing is this method's purpose

    def to_html(self) -> str:
        """The summary table as an HTML fragment with the title as caption."""
        return str(self.summary.style.set_caption(self.title).to_html())

    def to_latex(self) -> str:
        """The summary table as a LaTeX tabular."""
        return str(self.summary.to_latex())

    def _repr_html_(self) -> str:
        return self.to_html()
