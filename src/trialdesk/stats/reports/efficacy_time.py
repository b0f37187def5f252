"""Time-to-event detail of the efficacy section: Cox hazard ratios with the log-rank test for
OS and FFS, landmark survival at days 90, 180 and 365, and the time to first response (cumulative
incidence with the intercurrent events competing).

Estimability is said in words: a hazard ratio with no event in one arm is "not estimable: no
event in <arm>" (the partial likelihood has no finite maximum there; a fitter would print an
enormous ratio), and a landmark day beyond every patient's follow-up is "not estimable: no
patient followed to day 365" rather than a dash.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.errors import TrialdeskError
from trialdesk.domain.protocol import AnalysisPlan
from trialdesk.stats.cox import CoxPH
from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.landmark import landmark_survival
from trialdesk.stats.logrank import logrank_test
from trialdesk.stats.reports._format import num, pct, pvalue
from trialdesk.stats.reports.groups import Grouping
from trialdesk.stats.reports.survival_figures import ArmData, cif_band, cif_figure

__all__ = [
    "LANDMARK_DAYS",
    "RESPONSE_DAYS",
    "hazard_ratio",
    "incidence_by",
    "landmark_rows",
    "time_to_event_detail",
    "time_to_response",
]

#: Days after study day 1 (the ADTTE time scale) of the landmark survival estimates.
LANDMARK_DAYS = (90, 180, 365)
#: Study days (the week-2, week-4 and week-8 visits) of the time-to-response table.
RESPONSE_DAYS = (15, 29, 57)
#: Beyond this |log HR| standard error the partial likelihood is flat: no finite estimate.
_FLAT_SE = 20.0
_ENDPOINTS = (("OS", "Overall survival"), ("FFS", "Failure-free survival"))


def _frame(adtte: pd.DataFrame, adsl: pd.DataFrame, code: str, grouping: Grouping) -> pd.DataFrame:
    rows = adtte[adtte["PARAMCD"] == code]
    strata = adsl.set_index("SUBJID")["STRATUM"]
    return rows.assign(GROUP=rows["ARMCD"].map(grouping.labels),
                       STRATUM=rows["SUBJID"].map(strata).fillna("none").astype(str))  # fmt: skip


def hazard_ratio(rows: pd.DataFrame, grouping: Grouping, *, stratified: bool) -> dict[str, Any]:
    """Cox HR of the experimental vs the control arm (Efron ties, Wald 95 % CI), stratified by
    the randomization stratum when asked and there is more than one, with the matching
    log-rank test; "not estimable: why" when the data give no finite ratio."""
    exp, ctl = grouping.experimental, grouping.control
    by_stratum = stratified and rows["STRATUM"].nunique() > 1
    method = "stratified by randomization stratum" if by_stratum else "unstratified"
    result: dict[str, Any] = {"method": method, "estimable": False, "hr": math.nan,
                              "lower": math.nan, "upper": math.nan, "p_wald": math.nan,
                              "logrank_p": math.nan, "text": "", "logrank": "–"}  # fmt: skip
    rows = rows[rows["GROUP"].isin([exp, ctl])]
    events = {g: int(((rows["GROUP"] == g) & (rows["EVNTCD"] == 1)).sum()) for g in (exp, ctl)}
    if rows.empty or rows["GROUP"].nunique() < 2:
        result["text"] = "not estimable: one arm has no patients"
        return result
    if sum(events.values()) > 0:
        test = logrank_test(rows["AVAL"], rows["EVNTCD"] == 1, rows["GROUP"],
                            strata=rows["STRATUM"] if by_stratum else None)  # fmt: skip
        result["logrank_p"] = test.p_value
        result["logrank"] = (f"{'stratified ' if by_stratum else ''}log-rank chi-square "
                             f"{num(test.statistic, 3)}, p = {pvalue(test.p_value)}")  # fmt: skip
    empty = [g for g in (exp, ctl) if events[g] == 0]
    if len(empty) == 2:
        result["text"] = "not estimable: no events"
        return result
    if empty:
        result["text"] = f"not estimable: no event in {empty[0]}"
        return result
    data = pd.DataFrame({"time": rows["AVAL"].to_numpy(dtype=float),
                         "event": (rows["EVNTCD"] == 1).astype(int).to_numpy(),
                         "treatment": (rows["GROUP"] == exp).astype(float).to_numpy(),
                         "stratum": rows["STRATUM"].to_numpy()})  # fmt: skip
    try:
        fit = CoxPH().fit(data, time="time", event="event", covariates=["treatment"],
                          strata="stratum" if by_stratum else None)  # fmt: skip
    except (TrialdeskError, np.linalg.LinAlgError, ValueError) as error:
        result["text"] = f"not estimable: {error}"
        return result
    row = fit.coefficients_.iloc[0]
    if not fit.estimable_:
        # The model's own reason, e.g. every event with only one arm left at risk: the partial
        # likelihood keeps rising (a monotone likelihood).
        reason = str(row["reason"])
        result["text"] = reason if reason.startswith("not estimable") else (
            f"not estimable: {reason}")  # fmt: skip
        return result
    if not (np.isfinite(row["coef"]) and np.isfinite(row["se"]) and row["se"] < _FLAT_SE):
        result["text"] = "not estimable: no finite maximum of the partial likelihood"
        return result
    result.update(estimable=True, hr=float(row["hazard_ratio"]), lower=float(row["lower"]),
                  upper=float(row["upper"]), p_wald=float(row["p"]),
                  text=f"{num(row['hazard_ratio'], 2)} ({num(row['lower'], 2)}, "
                       f"{num(row['upper'], 2)}), Wald p = {pvalue(row['p'])}")  # fmt: skip
    return result


def _landmark_text(row: pd.Series[Any]) -> str:
    if not row["estimable"]:
        return f"not estimable: {row['reason']}"
    if np.isfinite(row["lower"]) and np.isfinite(row["upper"]):
        interval = f"({pct(row['lower'])}, {pct(row['upper'])})"
    else:  # the log-log interval is undefined at 1 (no event yet) and at 0
        interval = "(CI not defined: no event yet)" if row["survival"] == 1.0 else (
            "(CI not defined)")  # fmt: skip
    return f"{pct(row['survival'])}% {interval}; at risk {int(row['n_risk'])}"


def landmark_rows(
    rows: pd.DataFrame, grouping: Grouping, days: Sequence[int] = LANDMARK_DAYS
) -> list[dict[str, Any]]:
    """Kaplan–Meier survival per group at each landmark day
    (:func:`~trialdesk.stats.landmark.landmark_survival`: log-log 95 % CI, number still at risk,
    and why a day is not estimable)."""
    result = []
    for label in grouping.columns:
        members = rows[rows["GROUP"] == label]
        if members.empty:
            continue
        time = members["AVAL"].to_numpy(dtype=float)
        table = landmark_survival(time, (members["EVNTCD"] == 1).to_numpy(), list(days)).table_
        cells = [{"estimate": float(r["survival"]), "lower": float(r["lower"]),
                  "upper": float(r["upper"]), "n_risk": int(r["n_risk"]),
                  "text": _landmark_text(r)} for _, r in table.iterrows()]  # fmt: skip
        result.append({"label": label, "n": len(members), "cells": cells})
    return result


def _first_reaching(times: np.ndarray, values: np.ndarray, level: float) -> float:
    reached = np.flatnonzero(values >= level - 1e-12)
    return float(times[reached[0]]) if reached.size else math.nan


def incidence_by(
    fit: CumulativeIncidence, time: np.ndarray, status: np.ndarray, days: Sequence[float]
) -> list[tuple[float, float]]:
    """Cause-1 incidence and variance of a one-group fit at ``days`` (days after study day 1).

    Past the last follow-up time the incidence is known only if nobody was censored then:
    with every patient's event of interest or competing event observed, the curve is final
    (``cmprsk::timepoints`` gives NA there regardless); otherwise NaN.
    """
    last = float(time.max())
    final = not ((time == last) & (status == 0)).any()
    query = [min(float(d), last) if final else float(d) for d in days]
    at = fit.at(query)
    at = at[at["cause"] == 1]
    values = dict(zip(at["time"].astype(float), zip(at["estimate"].astype(float),
                                                    at["variance"].astype(float),
                                                    strict=True), strict=True))  # fmt: skip
    return [values[when] for when in query]


def time_to_response(
    adtte: pd.DataFrame, grouping: Grouping, days: Sequence[int] = RESPONSE_DAYS
) -> dict[str, Any]:
    """Cumulative incidence of the first response (CR or PR; ADTTE ``TTR``) per group with the
    intercurrent events competing: patients, responses, competing events, the incidence by the
    study ``days`` with 95 % CI, the median time to response where the incidence reaches 50 %,
    Gray's test when two groups are compared, and the figure."""
    rows = adtte[adtte["PARAMCD"] == "TTR"]
    rows = rows.assign(GROUP=rows["ARMCD"].map(grouping.labels))
    result: dict[str, Any] = {"days": list(days), "rows": [], "test": "–", "plot": None}
    if rows.empty:
        return result
    arms: dict[str, ArmData] = {}
    for label in grouping.columns:
        members = rows[rows["GROUP"] == label]
        if members.empty:
            continue
        time = members["AVAL"].to_numpy(dtype=float)
        status = members["EVNTCD"].to_numpy(dtype=np.int64)
        arms[label] = ArmData(time, status)
        cells, median = [], "not reached"
        if (status == 1).any():
            fit = CumulativeIncidence().fit(time, status)
            curve = fit.curves_[fit.curves_["cause"] == 1]
            # ``days`` are study days (visits); ADTTE times count days after study day 1.
            values = incidence_by(fit, time, status, [d - 1 for d in days])
            for day, (estimate, variance) in zip(days, values, strict=True):
                if not np.isfinite(estimate):
                    cells.append(f"not estimable: no patient followed to day {day}")
                    continue
                low, high = cif_band(np.array([estimate]), np.array([variance]))
                cells.append(f"{pct(estimate)}% ({pct(low[0])}, {pct(high[0])})")
            reached = _first_reaching(curve["time"].to_numpy(), curve["estimate"].to_numpy(), 0.5)
            median = "not reached" if math.isnan(reached) else f"{num(reached, 0)}"
        else:
            cells = [
                "0.0%"
                if day - 1 <= time.max()
                else f"not estimable: no patient followed to day {day}"
                for day in days
            ]
        result["rows"].append({"label": label, "n": len(members),
                               "responses": int((status == 1).sum()),
                               "competing": int((status == 2).sum()),
                               "cells": cells, "median": median})  # fmt: skip
    if (rows["EVNTCD"] == 1).any():
        if grouping.compares and rows["GROUP"].nunique() == 2:
            fit = CumulativeIncidence().fit(rows["AVAL"], rows["EVNTCD"], rows["GROUP"])
            tests = [t for t in fit.tests_ if t.cause == 1]
            if tests and np.isfinite(tests[0].statistic):
                result["test"] = (f"Gray's test {num(tests[0].statistic, 3)}, "
                                  f"p = {pvalue(tests[0].p_value)}")  # fmt: skip
        result["plot"] = cif_figure(arms, "Time to first response (CR or PR)",
                                    ylabel="Cumulative incidence of response")  # fmt: skip
    return result


def time_to_event_detail(
    adtte: pd.DataFrame, adsl: pd.DataFrame, grouping: Grouping, plan: AnalysisPlan
) -> dict[str, Any]:
    """Context of the section: hazard ratios (when two arms are compared), landmark survival
    and time to response."""
    stratified = bool(plan.stratified_test)
    endpoints = []
    for code, title in _ENDPOINTS:
        rows = _frame(adtte, adsl, code, grouping)
        entry: dict[str, Any] = {"code": code, "title": title,
                                 "landmarks": landmark_rows(rows, grouping)}  # fmt: skip
        entry["hr"] = hazard_ratio(rows, grouping, stratified=stratified) if (
            grouping.compares) else None  # fmt: skip
        endpoints.append(entry)
    return {
        "endpoints": endpoints,
        "landmark_days": list(LANDMARK_DAYS),
        "experimental": grouping.experimental,
        "control": grouping.control,
        "response": time_to_response(adtte, grouping),
    }
