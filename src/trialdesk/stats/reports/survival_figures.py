"""Kaplan–Meier and cumulative-incidence figures as a trial report shows them: step curves by
arm with shaded pointwise 95 % confidence bands, censor marks (+) on the Kaplan–Meier curves and
the numbers at risk per arm under the x axis at regular days.

Text is written as SVG ``<text>`` (not outlined glyphs), so the numbers at risk can be read back
from the figure; every artist that a reader checks carries an SVG id (``censor-<arm>``,
``band-<arm>``, ``at-risk``).
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from trialdesk.stats.cumulative_incidence import CumulativeIncidence, log_log_limits
from trialdesk.stats.kaplan_meier import KaplanMeier

__all__ = [
    "ArmData",
    "at_risk_days",
    "cif_band",
    "cif_figure",
    "km_figure",
    "numbers_at_risk",
]

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
#: Tick spacings tried, smallest first, until the axis needs at most 8 ticks.
_STEPS = (7, 14, 30, 60, 90, 180, 365, 730)


@dataclass(frozen=True, slots=True)
class ArmData:
    """One arm's follow-up times and status (0 censored, 1 event, 2 competing event)."""

    time: NDArray[np.float64]
    status: NDArray[np.integer[Any]]


def at_risk_days(last_time: float) -> list[int]:
    """Regular days for the numbers at risk: 0 and multiples of a round step up to the last
    follow-up time (at most 8 ticks)."""
    end = max(float(last_time), 1.0)
    step = next((s for s in _STEPS if end / s <= 7), _STEPS[-1])
    return [int(d) for d in np.arange(0, end + 1e-9, step)]


def numbers_at_risk(time: NDArray[np.float64], days: list[int]) -> list[int]:
    """Subjects still under observation at each day (follow-up time ≥ day), as R's
    ``summary(survfit(...), times = days)$n.risk``."""
    return [int((time >= day).sum()) for day in days]


def cif_band(
    estimate: NDArray[np.float64], variance: NDArray[np.float64], alpha: float = 0.05
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Pointwise interval of a cumulative incidence from Gray's variance (``cmprsk::cuminc``),
    on the log(−log) scale so it stays in [0, 1]:

    .. math:: \hat F^{\exp(\pm z\,\sqrt{V}/(\hat F \log \hat F))}

    (:func:`trialdesk.stats.cumulative_incidence.log_log_limits`, as ``tidycmprsk`` reports it).
    Where :math:`\hat F` is 0 or 1 the band is the point itself.
    """
    lower, upper = log_log_limits(estimate, variance, float(norm.ppf(1.0 - alpha / 2.0)))
    # Where the interval is undefined (F of 0 or 1) the band closes on the curve.
    return np.where(np.isnan(lower), estimate, lower), np.where(np.isnan(upper), estimate, upper)


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _axes(title: str, labels: list[str]) -> tuple[Any, Any, Any]:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.6 + 0.22 * len(labels)))
    FigureCanvasSVG(figure)
    grid = figure.add_gridspec(2, 1, height_ratios=[4.2, 0.5 + 0.3 * len(labels)], hspace=0.55)
    axes = figure.add_subplot(grid[0])
    table = figure.add_subplot(grid[1], sharex=axes)
    axes.set_title(title, fontsize=10)
    return figure, axes, table


def _at_risk_rows(table: Any, arms: Mapping[str, ArmData], days: list[int]) -> None:
    """The numbers at risk as a small table under the plot, one row per arm."""
    table.set_gid("at-risk")
    table.set_ylim(-0.5, len(arms) - 0.5)
    table.set_yticks(range(len(arms)), list(arms)[::-1], fontsize=8)
    table.tick_params(axis="x", labelbottom=False, length=0)
    table.tick_params(axis="y", length=0, pad=14)  # clear of the day-0 numbers
    for side in ("top", "right", "bottom", "left"):
        table.spines[side].set_visible(False)
    table.set_title("Number at risk", fontsize=8, loc="left")
    for row, (label, data) in enumerate(reversed(list(arms.items()))):
        colour = _COLOURS[(len(arms) - 1 - row) % len(_COLOURS)]
        for day, n in zip(days, numbers_at_risk(data.time, days), strict=True):
            table.text(day, row, str(n), ha="center", va="center", fontsize=8, color=colour,
                       gid=f"at-risk-{_safe_id(label)}-{day}")  # fmt: skip


def _finish(figure: Any, axes: Any, days: list[int], xlabel: str, ylabel: str) -> str:
    import matplotlib

    axes.set_xticks(days)
    axes.set_xlim(0, days[-1] * 1.02 if days[-1] > 0 else 1)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.xaxis.set_tick_params(labelbottom=True)
    buffer = io.BytesIO()
    # Text as <text> elements, so readers and tests can find the numbers at risk; no date and
    # a fixed hash salt keep the SVG identical for identical data.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "trialdesk"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def km_figure(
    arms: Mapping[str, ArmData],
    title: str,
    *,
    xlabel: str = "Days from study day 1 (first dose)",
    ylabel: str = "Probability of survival",
    alpha: float = 0.05,
) -> str:
    """Kaplan–Meier curves by arm with log-log 95 % bands (the interval
    :class:`~trialdesk.stats.kaplan_meier.KaplanMeier` reports), censor marks and numbers at
    risk, as an SVG data URI."""
    figure, axes, table = _axes(title, list(arms))
    last = max((float(d.time.max()) for d in arms.values() if d.time.size), default=1.0)
    days = at_risk_days(last)
    for index, (label, data) in enumerate(arms.items()):
        colour = _COLOURS[index % len(_COLOURS)]
        if data.time.size == 0:
            continue
        event = data.status == 1
        curve = KaplanMeier(alpha=alpha, label=label).fit(data.time, event).table_
        times = np.concatenate(([0.0], curve["time"].to_numpy()))
        survival = np.concatenate(([1.0], curve["survival"].to_numpy()))
        # The log-log interval is undefined where S is 1 (no event yet) or 0: the band closes.
        lower = np.concatenate(([1.0], curve["lower"].fillna(curve["survival"]).to_numpy()))
        upper = np.concatenate(([1.0], curve["upper"].fillna(curve["survival"]).to_numpy()))
        axes.step(times, survival, where="post", color=colour, label=label, linewidth=1.4)
        band = axes.fill_between(times, lower, upper, step="post", color=colour, alpha=0.15,
                                 linewidth=0)  # fmt: skip
        band.set_gid(f"band-{_safe_id(label)}")
        censored = np.unique(data.time[~event])
        if censored.size:
            # A mark sits on the curve's value at its time (after any drop on the same day).
            at = survival[np.searchsorted(times, censored, side="right") - 1]
            (marks,) = axes.plot(censored, at, linestyle="none", marker="+", markersize=7,
                                 color=colour)  # fmt: skip
            marks.set_gid(f"censor-{_safe_id(label)}")
    axes.set_ylim(0, 1.02)
    axes.legend(loc="lower left", fontsize=8, title="Arm", title_fontsize=8)
    _at_risk_rows(table, arms, days)
    return _finish(figure, axes, days, xlabel, ylabel)


def cif_figure(
    arms: Mapping[str, ArmData],
    title: str,
    *,
    xlabel: str = "Days from study day 1 (first dose)",
    ylabel: str = "Cumulative incidence",
    alpha: float = 0.05,
) -> str:
    """Cumulative incidence of cause 1 by arm (Aalen–Johansen) with 95 % bands from Gray's
    variance (:func:`cif_band`) and numbers at risk, as an SVG data URI."""
    figure, axes, table = _axes(title, list(arms))
    last = max((float(d.time.max()) for d in arms.values() if d.time.size), default=1.0)
    days = at_risk_days(last)
    top = 0.0
    for index, (label, data) in enumerate(arms.items()):
        colour = _COLOURS[index % len(_COLOURS)]
        if data.time.size == 0:
            continue
        if (data.status == 1).any():
            fit = CumulativeIncidence().fit(data.time, data.status)
            curve = fit.curves_[fit.curves_["cause"] == 1]
            estimate = curve["estimate"].to_numpy(dtype=float)
            lower, upper = cif_band(estimate, curve["variance"].to_numpy(dtype=float), alpha)
            times = np.concatenate(([0.0], curve["time"].to_numpy(dtype=float),
                                    [float(data.time.max())]))  # fmt: skip
            values = np.concatenate(([0.0], estimate, estimate[-1:]))
            lows = np.concatenate(([0.0], lower, lower[-1:]))
            highs = np.concatenate(([0.0], upper, upper[-1:]))
        else:  # no event of interest: 0 over the arm's follow-up
            times = np.array([0.0, float(data.time.max())])
            values = lows = highs = np.zeros(2)
        axes.step(times, values, where="post", color=colour, label=label, linewidth=1.4)
        band = axes.fill_between(times, lows, highs, step="post", color=colour, alpha=0.15,
                                 linewidth=0)  # fmt: skip
        band.set_gid(f"band-{_safe_id(label)}")
        top = max(top, float(np.nanmax(highs)))
    axes.set_ylim(0, min(1.0, max(0.1, math.ceil(top * 10 + 0.5) / 10)))
    axes.legend(loc="best", fontsize=8, title="Arm", title_fontsize=8)
    _at_risk_rows(table, arms, days)
    return _finish(figure, axes, days, xlabel, ylabel)
