"""Kaplan–Meier survival at chosen days (landmarks) with intervals and the number at risk."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import (
    as_event_indicator,
    as_float_vector,
    as_times,
    check_alpha,
    check_same_length,
)
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats.kaplan_meier import KaplanMeier

__all__ = ["LandmarkSurvival", "group_levels", "landmark_survival"]


def group_levels(group: Any, n: int) -> tuple[pd.Series, list[Any]]:
    """The group of every subject (one group "all" without ``group``) and the sorted levels."""
    groups = pd.Series(["all"] * n if group is None else np.asarray(group))
    check_same_length(time=range(n), group=groups)
    if groups.isna().any():
        raise InputError.single("group", "must not contain missing values")
    return groups, sorted(groups.unique().tolist())


def beyond_follow_up(day: float, last: float, survival_at_last: float) -> str:
    """Why an estimate at ``day`` is undefined ("" when it is defined).

    Past the last follow-up time the curve is unknown, unless it has already reached 0.
    """
    if day > last and survival_at_last > 0.0:
        return f"no patient followed to day {day:g} (last follow-up day {last:g})"
    return ""


class LandmarkSurvival(StatisticalResult):
    """Survival at landmark days, one row per group and day (see :func:`landmark_survival`).

    Attributes
    ----------
    table_ : pandas.DataFrame
        ``group``, ``time``, ``n_risk`` (followed to at least that day), ``survival``,
        ``std_err`` (Greenwood standard error of the survival, as R's ``summary``), ``lower``,
        ``upper`` (log-log interval), ``estimable`` and ``reason``.
    """

    title = "Kaplan–Meier survival at landmark days"

    def __init__(self, table: pd.DataFrame, alpha: float) -> None:
        self.table_ = table
        self.alpha = alpha

    def __repr__(self) -> str:
        return f"<LandmarkSurvival: {len(self.table_)} estimates>"

    def _summary_frame(self) -> pd.DataFrame:
        return self.table_.set_index(["group", "time"])

    def to_dict(self) -> dict[str, Any]:
        """Every estimate with its interval, number at risk and, when undefined, why."""
        return plain_dict(
            {
                "confidence_level": 1.0 - self.alpha,
                "interval": "log-log",
                "estimates": self.table_.to_dict(orient="records"),
            }
        )


def landmark_survival(
    time: Any, event: Any, times: Any, group: Any = None, alpha: float = 0.05
) -> LandmarkSurvival:
    r"""Kaplan–Meier survival at each of ``times`` in every group, as R's
    ``summary(survfit(..., conf.type = "log-log"), times = ...)``.

    The interval is the log-log one trialdesk's :class:`~trialdesk.stats.KaplanMeier` uses,
    :math:`\hat S^{\exp(\pm z\,\mathrm{se}/\log\hat S)}`; it is undefined while
    :math:`\hat S = 1` (no event yet) or 0. A day beyond a group's last follow-up has no
    estimate: the row says ``"estimable": false`` and why ("no patient followed to day 365").
    """
    alpha = check_alpha(alpha)
    follow_up = as_times(time)
    events = as_event_indicator(event)
    check_same_length(time=follow_up, event=events)
    days = np.sort(np.unique(as_float_vector(times, "times")))
    if np.any(days < 0):
        raise InputError.single("times", "landmark days must be >= 0")
    groups, levels = group_levels(group, len(follow_up))
    rows = []
    for level in levels:
        members = (groups == level).to_numpy()
        fit = KaplanMeier(alpha).fit(follow_up[members], events[members])
        table = fit.table_
        last, at_last = float(table["time"].iloc[-1]), float(table["survival"].iloc[-1])
        position = np.searchsorted(table["time"].to_numpy(), days, side="right") - 1
        for day, index in zip(days, position, strict=True):
            reason = beyond_follow_up(float(day), last, at_last)
            row = table.iloc[index] if index >= 0 else None
            survival = 1.0 if row is None else float(row["survival"])
            log_se = 0.0 if row is None else float(row["std_err"])
            rows.append(
                {
                    "group": str(level),
                    "time": float(day),
                    "n_risk": int(np.sum(follow_up[members] >= day)),
                    "survival": math.nan if reason else survival,
                    "std_err": math.nan if reason else survival * log_se,
                    "lower": math.nan if reason or row is None else float(row["lower"]),
                    "upper": math.nan if reason or row is None else float(row["upper"]),
                    "estimable": not reason,
                    "reason": reason,
                }
            )
    return LandmarkSurvival(pd.DataFrame(rows), alpha)
