"""Sensitivity analyses of the primary endpoint, as the protocol's ``analysis.sensitivity``
lists them: per protocol, worst case, best case and the tipping point over the subjects whose
primary endpoint is missing.

A primary endpoint is *missing* when the subject had no assessment in the endpoint's window and
no intercurrent event decided it (the reason column says "no assessment in the window"); the
primary analysis counts such a subject as a failure (composite strategy). Worst case: missing =
failure in the experimental arm and success in the control arm; best case: the reverse.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.protocol import AnalysisPlan, SensitivityAnalysis
from trialdesk.domain.protocol.analysis_words import (
    SENSITIVITY_NAMES,
    STRATIFIED_TEST_NAMES,
    population_name,
)
from trialdesk.stats.proportions import compare_proportions
from trialdesk.stats.reports._format import count_pct, pct, pvalue
from trialdesk.stats.reports.efficacy import primary_choice, stratified_variant
from trialdesk.stats.reports.groups import Grouping
from trialdesk.stats.tipping_point import tipping_point

__all__ = ["MISSING", "sensitivity_analyses"]

#: The reason the datasets give a subject whose response could not be assessed.
MISSING = "no assessment in the window"
#: Response flag → the column with the reason a subject is not a responder.
_REASONS = {"CRW4FL": "CRW4REAS", "ORW4FL": "CRW4REAS", "DURRFL": "DURREAS"}
#: At most this many imputed counts per arm are shown in the tipping-point table.
_MOST_STEPS = 11
_SENSITIVE = "SENSFL"
_CASES = {SensitivityAnalysis.WORST_CASE: "Worst case", SensitivityAnalysis.BEST_CASE: "Best case"}


def _steps(missing: int) -> list[int]:
    """0 … ``missing``, thinned to at most :data:`_MOST_STEPS` evenly spaced counts."""
    if missing + 1 <= _MOST_STEPS:
        return list(range(missing + 1))
    return sorted({int(v) for v in np.rint(np.linspace(0, missing, _MOST_STEPS))})


def sensitivity_analyses(
    adsl: pd.DataFrame, grouping: Grouping, plan: AnalysisPlan, *, masked: bool = False
) -> dict[str, Any] | None:
    """The rows of the declared analyses (name, what was done, per-arm counts, difference with
    its Newcombe interval, the plan's stratified test) and the tipping-point grid; ``None``
    when nothing is compared (pooled report) or the plan declares none.

    ``masked`` (coded arms of the closed DSMB report): the worst and best cases are named for
    the coded arm, not "the experimental arm", so the names do not tell which code is which."""
    if not grouping.compares or not plan.sensitivity:
        return None
    flag, _, stratified_code = primary_choice(plan)
    itt = adsl[adsl["ITTFL"] == "Y"]
    itt = itt.assign(GROUP=itt["ARMCD"].map(grouping.labels))
    missing = itt[_REASONS[flag]] == MISSING
    experimental = itt["GROUP"] == grouping.experimental
    observed = itt[flag] == "Y"
    population = population_name(plan, plan.primary_population)
    rows, tipping = [], None
    for analysis in plan.sensitivity:
        name = SENSITIVITY_NAMES[analysis]
        if masked and analysis in _CASES:
            name = f"{_CASES[analysis]} for {grouping.experimental}"
        if analysis is SensitivityAnalysis.TIPPING_POINT:
            tipping = _tipping(itt, observed, missing, grouping, plan.alpha)
            continue
        if analysis is SensitivityAnalysis.PER_PROTOCOL:
            subset, flags = itt["PPROTFL"] == "Y", observed
            what = "per-protocol set; missing = failure"
        elif analysis is SensitivityAnalysis.WORST_CASE:
            subset, flags = itt["ITTFL"] == "Y", observed | (missing & ~experimental)
            what = (f"{population}; missing = failure in {grouping.experimental}, "
                    f"success in {grouping.control}")  # fmt: skip
        else:
            subset, flags = itt["ITTFL"] == "Y", observed | (missing & experimental)
            what = (f"{population}; missing = success in {grouping.experimental}, "
                    f"failure in {grouping.control}")  # fmt: skip
        rows.append({"name": name, "what": what,
                     **_compared(itt.assign(**{_SENSITIVE: np.where(flags, "Y", "N")})[subset],
                                 grouping, stratified_code)})  # fmt: skip
    return {
        "rows": rows,
        "tipping": tipping,
        "stratified_test": STRATIFIED_TEST_NAMES[stratified_code],
        "missing": [int((missing & (itt["GROUP"] == g)).sum()) for g in grouping.columns],
    }


def _compared(rows: pd.DataFrame, grouping: Grouping, stratified_code: str) -> dict[str, Any]:
    counts, arms = [], {}
    for label in grouping.columns:
        members = rows[rows["GROUP"] == label]
        arms[label] = (int((members[_SENSITIVE] == "Y").sum()), len(members))
        counts.append(count_pct(*arms[label]))
    (x1, n1), (x2, n2) = arms[str(grouping.experimental)], arms[str(grouping.control)]
    if n1 == 0 or n2 == 0:
        return {"counts": counts, "difference": "not estimable (an empty arm)", "p": "–"}
    c = compare_proportions(x1, n1, x2, n2)
    _, _, p = stratified_variant(rows, _SENSITIVE, grouping, stratified_code)
    low, high = c.risk_difference_ci
    return {"counts": counts, "difference": f"{pct(c.risk_difference)} ({pct(low)}, {pct(high)})",
            "p": p}  # fmt: skip


def _tipping(
    itt: pd.DataFrame, observed: pd.Series[bool], missing: pd.Series[bool], grouping: Grouping,
    alpha: float,
) -> dict[str, Any]:  # fmt: skip
    """The grid of imputed responders among the missing: rows experimental, columns control."""
    per_arm = {}
    for label in (grouping.experimental, grouping.control):
        in_arm = itt["GROUP"] == label
        per_arm[label] = (int((observed & in_arm).sum()), int(in_arm.sum()),
                          int((missing & in_arm).sum()))  # fmt: skip
    (x1, n1, m1), (x2, n2, m2) = per_arm[grouping.experimental], per_arm[grouping.control]
    if n1 == 0 or n2 == 0:
        return {"empty": True, "missing": (m1, m2)}
    grid = tipping_point(x1, n1, m1, x2, n2, m2, alpha=alpha)
    columns = _steps(m2)
    table = [
        {"imputed": k1,
         "cells": [{"text": f"{pct(grid.difference[k1, k2])} (p {pvalue(grid.p_value[k1, k2])})",
                    "flips": bool(grid.flips[k1, k2])} for k2 in columns]}
        for k1 in _steps(m1)
    ]  # fmt: skip
    return {"empty": False, "missing": (m1, m2), "columns": columns, "rows": table,
            "any_flip": bool(grid.flips.any()), "alpha": alpha,
            "base_significant": bool(grid.significant[0, 0])}  # fmt: skip
