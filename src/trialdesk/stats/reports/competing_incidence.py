"""Cumulative incidence by group at chosen days, with Gray's test and a plot, for the report
sections on chronic GVHD and infections (Aalen–Johansen estimator, death as competing event)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.reports import figures
from trialdesk.stats.reports._format import num, pct, pvalue
from trialdesk.stats.reports.groups import Grouping

__all__ = ["incidence_at"]


def incidence_at(
    time: pd.Series[Any],
    status: pd.Series[Any],
    groups: pd.Series[Any],
    grouping: Grouping,
    days: Sequence[int],
    title: str,
    *,
    plot: bool = True,
) -> dict[str, Any]:
    """Cause-1 cumulative incidence (%) per group at ``days`` ("–" beyond a group's follow-up),
    events per group, Gray's test when two groups are compared, and the curves' plot."""
    result: dict[str, Any] = {"title": title, "days": list(days), "rows": [], "test": "–",
                              "plot": None}  # fmt: skip
    events = status.to_numpy() == 1
    present = [g for g in grouping.columns if (groups == g).any()]
    if not events.any():
        result["rows"] = [(g, int((groups == g).sum()), 0, ["0.0"] * len(days)) for g in present]
        result["test"] = "no events"
        return result
    fit = CumulativeIncidence().fit(time.to_numpy(dtype=float), status.to_numpy(),
                                    groups.to_numpy())  # fmt: skip
    at = fit.at(list(days))
    at = at[at["cause"] == 1]
    for label in present:
        members = (groups == label).to_numpy()
        estimates = at.loc[at["group"] == label, "estimate"].to_numpy()
        values = [pct(v) for v in estimates] if len(estimates) else ["0.0"] * len(days)
        result["rows"].append((label, int(members.sum()), int(events[members].sum()), values))
    tests = [t for t in fit.tests_ if t.cause == 1]
    if grouping.compares and tests:
        result["test"] = f"Gray's test {num(tests[0].statistic, 3)}, p = {pvalue(tests[0].p_value)}"
    if plot:
        cause = fit.curves_[fit.curves_["cause"] == 1]
        curves = {str(g): c for g, c in cause.groupby("group")}
        result["plot"] = figures.cumulative_incidence_plot(curves, title)
    return result
