"""Report figures drawn with matplotlib's object API (no global pyplot state), as SVG data URIs.

The survival and cumulative-incidence figures are in :mod:`.survival_figures`."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

__all__ = ["enrolment_plot", "forest_plot"]

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _figure(width: float = 6.4, height: float = 3.2) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height))
    FigureCanvasSVG(figure)
    return figure, figure.add_subplot()


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    # A fixed hash salt and no date keep the SVG identical for identical data.
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def enrolment_plot(dates: pd.Series[Any], sites: pd.Series[Any]) -> str:
    """Cumulative randomizations over time, one line per site and the total."""
    figure, axes = _figure()
    frame = pd.DataFrame({"date": dates, "site": sites}).dropna().sort_values("date")
    for colour, (site, rows) in zip(_COLOURS[1:], frame.groupby("site"), strict=False):
        axes.step(rows["date"], np.arange(1, len(rows) + 1), where="post", color=colour,
                  label=str(site))  # fmt: skip
    axes.step(frame["date"], np.arange(1, len(frame) + 1), where="post", color=_COLOURS[0],
              label="all sites", linewidth=2)  # fmt: skip
    axes.set_ylabel("randomized (cumulative)")
    axes.legend(loc="upper left", fontsize=8)
    figure.autofmt_xdate()
    return _data_uri(figure)


def forest_plot(rows: Sequence[dict[str, Any]]) -> str:
    """Risk difference (percentage points) with its interval, one line per subgroup."""
    figure, axes = _figure(height=0.35 * len(rows) + 1.2)
    positions = np.arange(len(rows))[::-1]
    for y, row in zip(positions, rows, strict=True):
        if np.isfinite(row["difference"]):
            axes.plot([row["lower"], row["upper"]], [y, y], color="black")
            axes.plot([row["difference"]], [y], "s", color=_COLOURS[0])
    axes.axvline(0.0, color="grey", linestyle="--")
    axes.set_yticks(positions, [row["label"] for row in rows], fontsize=8)
    axes.set_xlabel("difference in CR rate (percentage points)")
    return _data_uri(figure)
