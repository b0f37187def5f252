"""The primary-analysis row in the plan's words, and the per-arm intervals of a response rate."""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.domain.protocol import AnalysisPlan
from trialdesk.domain.protocol.analysis_words import primary_analysis_name
from trialdesk.stats.exact_binomial import proportion_cis
from trialdesk.stats.reports._format import pct
from trialdesk.stats.reports.groups import Grouping

__all__ = ["arm_intervals", "primary_row"]


def _interval(bounds: tuple[float, float]) -> str:
    return f"{pct(bounds[0])}–{pct(bounds[1])}%"


def arm_intervals(
    itt: pd.DataFrame, flag: str, grouping: Grouping, alpha: float
) -> list[dict[str, Any]]:
    """For each group (``GROUP`` column): the number of subjects and the Wilson score and
    Clopper–Pearson exact intervals of the response rate at the plan's level."""
    rows = []
    for label in grouping.columns:
        members = itt[itt["GROUP"] == label]
        n, x = len(members), int((members[flag] == "Y").sum())
        if n == 0:
            rows.append({"group": label, "n": 0, "wilson": "–", "exact": "–"})
            continue
        cis = proportion_cis(x, n, alpha=alpha)
        rows.append({"group": label, "n": n, "wilson": _interval(cis["wilson"]),
                     "exact": _interval(cis["clopper_pearson"])})  # fmt: skip
    return rows


def primary_row(
    plan: AnalysisPlan,
    endpoint: str,
    test: tuple[str, str, str],
    stratified: tuple[str, str, str],
) -> dict[str, str]:
    """The one row of the primary analysis: its name in the plan's words, the estimate (or
    statistic) and p of the plan's test, and the estimate and p of its stratified test.

    ``test`` and ``stratified`` are the (name, estimate, p) variants the report computed."""
    return {
        "name": primary_analysis_name(plan, endpoint),
        "estimate": test[1],
        "p": test[2],
        "stratified_estimate": stratified[1],
        "stratified_p": stratified[2],
    }
