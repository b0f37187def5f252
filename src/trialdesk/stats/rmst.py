"""Restricted mean survival time (RMST) to a horizon, per group and between groups."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import norm

from trialdesk.domain.errors import InputError
from trialdesk.stats._checks import as_event_indicator, as_times, check_alpha, check_same_length
from trialdesk.stats._result import StatisticalResult, plain_dict
from trialdesk.stats.kaplan_meier import KaplanMeier
from trialdesk.stats.landmark import beyond_follow_up, group_levels

__all__ = ["RMSTResult", "rmst"]


def _area(times: NDArray[np.float64], survival: NDArray[np.float64], d: NDArray[np.float64],
          n: NDArray[np.float64], tau: float) -> tuple[float, float]:  # fmt: skip
    """Area under the Kaplan–Meier step function from 0 to ``tau`` and its standard error.

    The variance is R's (``survival:::survmean``):
    :math:`\\sum_i A_i^2\\, d_i / \\{n_i(n_i - d_i)\\}` with :math:`A_i` the area between
    :math:`t_i` and tau, a term being 0 where everybody at risk fails.
    """
    keep = times <= tau
    edges = np.concatenate(([0.0], times[keep], [tau]))
    heights = np.concatenate(([1.0], survival[keep]))
    rectangles = np.diff(edges) * heights
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(n[keep] - d[keep] == 0, 0.0, d[keep] / (n[keep] * (n[keep] - d[keep])))
    beyond = np.cumsum(rectangles[::-1])[::-1][1:]  # area from each t_i to tau
    return float(rectangles.sum()), math.sqrt(float(np.sum(beyond**2 * hazard)))


class RMSTResult(StatisticalResult):
    """RMST per group and each group minus the reference group (see :func:`rmst`).

    Attributes
    ----------
    groups_ : pandas.DataFrame
        ``group``, ``n``, ``events``, ``rmst``, ``se``, ``lower``, ``upper``, ``estimable``,
        ``reason``.
    differences_ : pandas.DataFrame
        ``comparison`` ("B − A"), ``difference``, ``se``, ``lower``, ``upper``, ``z``, ``p``,
        ``estimable``, ``reason``.
    """

    title = "Restricted mean survival time"

    def __init__(self, tau: float, alpha: float, groups: pd.DataFrame,
                 differences: pd.DataFrame) -> None:  # fmt: skip
        self.tau = tau
        self.alpha = alpha
        self.groups_ = groups
        self.differences_ = differences

    def __repr__(self) -> str:
        return f"<RMSTResult tau={self.tau:g}: {len(self.groups_)} groups>"

    def _summary_frame(self) -> pd.DataFrame:
        return self.groups_.drop(columns=["reason"]).set_index("group")

    def summary_text(self, decimals: int = 4) -> str:
        """Per-group RMST, the differences, and the reasons for what is undefined."""
        text = [f"{self.title} to day {self.tau:g}", self.summary.round(decimals).to_string()]
        if len(self.differences_):
            frame = self.differences_.drop(columns=["reason"]).set_index("comparison")
            text += ["", frame.round(decimals).to_string()]
        text += [
            f"Not estimable - {g}: {r}"
            for g, r in zip(self.groups_["group"], self.groups_["reason"], strict=True)
            if r
        ]
        return "\n".join(text)

    def to_dict(self) -> dict[str, Any]:
        """Per-group RMST and the differences as plain values."""
        return plain_dict(
            {
                "tau": self.tau,
                "confidence_level": 1.0 - self.alpha,
                "groups": self.groups_.to_dict(orient="records"),
                "differences": self.differences_.to_dict(orient="records"),
            }
        )


def rmst(
    time: Any, event: Any, tau: float, group: Any = None, alpha: float = 0.05,
    reference: Any = None,
) -> RMSTResult:  # fmt: skip
    r"""Restricted mean survival time to ``tau``: :math:`\int_0^\tau \hat S(t)\,dt` per group
    (Kaplan–Meier), with R's standard error (``print(survfit(...), rmean = tau)``) and a
    normal interval; each group minus the reference group (the first sorted level unless
    ``reference`` is given) with interval and two-sided z-test, the groups being independent.

    When tau lies beyond a group's last follow-up (and its curve has not reached 0), that
    group's RMST is undefined and the result says why instead of extrapolating the curve.
    """
    alpha = check_alpha(alpha)
    follow_up = as_times(time)
    events = as_event_indicator(event)
    check_same_length(time=follow_up, event=events)
    if not (math.isfinite(tau) and tau > 0):
        raise InputError.single("tau", f"must be a positive number of days, got {tau}")
    groups, levels = group_levels(group, len(follow_up))
    if reference is not None and reference not in levels:
        raise InputError.single("reference", f"{reference!r} is not one of the groups")
    z = float(norm.ppf(1.0 - alpha / 2.0))
    rows = []
    for level in levels:
        members = (groups == level).to_numpy()
        table = KaplanMeier(alpha).fit(follow_up[members], events[members]).table_
        at, curve, died, exposed = (
            table[c].to_numpy(dtype=np.float64) for c in ("time", "survival", "n_event", "n_risk")
        )
        reason = beyond_follow_up(tau, float(at[-1]), float(curve[-1]))
        area, se = (math.nan, math.nan) if reason else _area(at, curve, died, exposed, tau)
        rows.append({"group": str(level), "n": int(members.sum()),
                     "events": int(events[members].sum()), "rmst": area, "se": se,
                     "lower": area - z * se, "upper": area + z * se, "estimable": not reason,
                     "reason": reason})  # fmt: skip
    per_group = pd.DataFrame(rows)
    base = levels[0] if reference is None else reference
    first = per_group.set_index("group").loc[str(base)]
    differences = []
    for _, row in per_group[per_group["group"] != str(base)].iterrows():
        difference = row["rmst"] - first["rmst"]
        se = math.hypot(row["se"], first["se"])
        reason = "; ".join(f"{g}: {r}" for g, r in ((base, first["reason"]),
                           (row["group"], row["reason"])) if r)  # fmt: skip
        differences.append({"comparison": f"{row['group']} − {base}", "difference": difference,
                            "se": se, "lower": difference - z * se, "upper": difference + z * se,
                            "z": difference / se if se > 0 else math.nan,
                            "p": 2.0 * norm.sf(abs(difference / se)) if se > 0 else math.nan,
                            "estimable": not reason, "reason": reason})  # fmt: skip
    names = ["comparison", "difference", "se", "lower", "upper", "z", "p", "estimable", "reason"]
    return RMSTResult(float(tau), alpha, per_group, pd.DataFrame(differences, columns=names))
