"""Cumulative incidence by group at chosen days, with Gray's test and a plot, for the report
sections on chronic GVHD and infections (Aalen–Johansen estimator, death as competing event)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.reports._format import num, pct, pvalue
from trialdesk.stats.reports.groups import Grouping
from trialdesk.stats.reports.survival_figures import ArmData, cif_figure

__all__ = ["incidence_at"]

_AXIS = "Days from study day 1 (first dose)"


def _percent(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{pct(value)}%"


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
    """Cause-1 cumulative incidence per group at ``days`` (``"12.5%"``; "–" beyond the group's
    last follow-up time, as ``cmprsk::timepoints``), subjects and events per group, Gray's test
    when two groups are compared, and the curves' plot."""
    result: dict[str, Any] = {"title": title, "days": list(days), "rows": [], "test": "–",
                              "plot": None}  # fmt: skip
    times = time.to_numpy(dtype=float)
    events = status.to_numpy() == 1
    labels = groups.to_numpy()
    estimates: dict[str, list[float]] = {}
    if events.any():
        fit = CumulativeIncidence().fit(times, status.to_numpy(), labels)
        at = fit.at(list(days))
        at = at[at["cause"] == 1]
        estimates = {str(g): list(rows["estimate"]) for g, rows in at.groupby("group")}
        tests = [t for t in fit.tests_ if t.cause == 1]
        if grouping.compares and tests and np.isfinite(tests[0].statistic):
            test = tests[0]
            result["test"] = f"Gray's test {num(test.statistic, 3)}, p = {pvalue(test.p_value)}"
        if plot:
            codes = status.to_numpy(dtype=np.int64)
            arms = {label: ArmData(times[labels == label], codes[labels == label])
                    for label in grouping.columns if (labels == label).any()}  # fmt: skip
            result["plot"] = cif_figure(arms, title, xlabel=_AXIS)
    else:
        result["test"] = "no events"
    for label in grouping.columns:
        members = labels == label
        if not members.any():
            continue
        # A group without events has no curve: 0 up to its last follow-up time, then unknown.
        values = estimates.get(label) or [
            0.0 if d <= times[members].max() else np.nan for d in days
        ]
        result["rows"].append((label, int(members.sum()), int(events[members].sum()),
                               [_percent(v) for v in values]))  # fmt: skip
    return result
