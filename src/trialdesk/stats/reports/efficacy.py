"""Primary and secondary response analyses, subgroup forest, survival and competing risks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.errors import FieldError, InputError, TrialdeskError
from trialdesk.domain.protocol import AnalysisPlan
from trialdesk.stats.breslow_day import breslow_day
from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.finegray import FineGray
from trialdesk.stats.kaplan_meier import KaplanMeier
from trialdesk.stats.logistic import StratifiedLogisticRegression
from trialdesk.stats.logrank import logrank_test
from trialdesk.stats.proportions import ProportionsComparison, compare_proportions
from trialdesk.stats.reports import figures
from trialdesk.stats.reports._format import count_pct, num, pct, pvalue
from trialdesk.stats.reports.groups import Grouping
from trialdesk.stats.reports.primary_endpoint import arm_intervals, primary_row
from trialdesk.stats.reports.survival_figures import ArmData, cif_figure, km_figure
from trialdesk.stats.stratified import mantel_haenszel, stratified_tables
from trialdesk.stats.stratified_risk_difference import stratified_risk_difference

__all__ = [
    "primary_choice",
    "response_analysis",
    "stratified_variant",
    "subgroup_forest",
    "survival_analyses",
]

_RESPONSES = (("CRW4FL", "Complete response at week 4"),
              ("ORW4FL", "Overall response (CR + PR) at week 4"),
              ("DURRFL", "Durable response at day 56"))  # fmt: skip
#: Protocol endpoint code → the ADSL flag that carries it.
_ENDPOINT_FLAGS = {"cr_week4": "CRW4FL", "or_week4": "ORW4FL", "durable_response_d56": "DURRFL"}
#: Test codes the analysis plan may name, in the order the report shows the variants.
_TESTS = ("newcombe_difference", "mn_difference", "chi2", "chi2_yates", "fisher")
_STRATIFIED_TESTS = ("cmh", "logistic")


def primary_choice(plan: AnalysisPlan) -> tuple[str, str, str]:
    """The primary flag, test and stratified test the plan names, checked against what the
    report computes, so the row marked primary is the one the protocol promised."""
    problems = []
    if plan.primary_endpoint not in _ENDPOINT_FLAGS:
        problems.append(("analysis.primary_endpoint", plan.primary_endpoint,
                         sorted(_ENDPOINT_FLAGS)))  # fmt: skip
    if plan.test not in _TESTS:
        problems.append(("analysis.test", plan.test, list(_TESTS)))
    if plan.stratified_test not in _STRATIFIED_TESTS:
        problems.append(("analysis.stratified_test", plan.stratified_test,
                         list(_STRATIFIED_TESTS)))  # fmt: skip
    if problems:
        raise InputError(
            FieldError(field, f"the report cannot compute {value!r}; use one of {', '.join(known)}")
            for field, value, known in problems
        )
    return _ENDPOINT_FLAGS[plan.primary_endpoint], plan.test, plan.stratified_test


def _itt(adsl: pd.DataFrame, grouping: Grouping) -> pd.DataFrame:
    itt = adsl[adsl["ITTFL"] == "Y"]
    return itt.assign(GROUP=itt["ARMCD"].map(grouping.labels))


def _compare(rows: pd.DataFrame, flag: str, grouping: Grouping) -> ProportionsComparison | None:
    exp = rows[rows["GROUP"] == grouping.experimental]
    ctl = rows[rows["GROUP"] == grouping.control]
    if exp.empty or ctl.empty:
        return None
    return compare_proportions(int((exp[flag] == "Y").sum()), len(exp),
                               int((ctl[flag] == "Y").sum()), len(ctl))  # fmt: skip


def response_analysis(
    adsl: pd.DataFrame, grouping: Grouping, plan: AnalysisPlan
) -> list[dict[str, Any]]:
    """Each response endpoint, the plan's primary first: counts per group with their Wilson and
    Clopper–Pearson intervals and, when comparing, every test variant; the primary endpoint
    also gets the one primary-analysis row the plan describes, in words."""
    primary_flag, primary_test, stratified_test = primary_choice(plan)
    itt = _itt(adsl, grouping)
    results = []
    for flag, title in sorted(_RESPONSES, key=lambda r: r[0] != primary_flag):
        primary = flag == primary_flag
        counts = [count_pct(int((itt.loc[itt["GROUP"] == g, flag] == "Y").sum()),
                            int((itt["GROUP"] == g).sum())) for g in grouping.columns]  # fmt: skip
        entry: dict[str, Any] = {"flag": flag, "title": f"{title} (primary)" if primary else title,
                                 "primary": primary, "counts": counts, "tests": [],
                                 "arm_intervals": arm_intervals(itt, flag, grouping,
                                                                plan.alpha)}  # fmt: skip
        comparison = _compare(itt, flag, grouping) if grouping.compares else None
        if comparison is not None:
            c = comparison
            entry["difference"] = pct(c.risk_difference)
            variants = [
                ("Difference, Newcombe hybrid score 95% CI",
                 f"{pct(c.risk_difference)} ({pct(c.risk_difference_ci[0])}, "
                 f"{pct(c.risk_difference_ci[1])})", "–"),
                ("Difference, Miettinen–Nurminen 95% CI",
                 f"{pct(c.risk_difference)} ({pct(c.risk_difference_ci_mn[0])}, "
                 f"{pct(c.risk_difference_ci_mn[1])})", "–"),
                ("Pearson chi-square", num(c.chi2, 3), pvalue(c.p_value_chi2)),
                ("Chi-square with Yates correction", num(c.chi2_yates, 3),
                 pvalue(c.p_value_chi2_yates)),
                ("Fisher's exact test; conditional OR (exact CI)",
                 f"{num(c.odds_ratio_conditional, 2)} ({num(c.odds_ratio_ci_exact[0], 2)}, "
                 f"{num(c.odds_ratio_ci_exact[1], 2)})", pvalue(c.p_value_fisher)),
            ]  # fmt: skip
            stratified = {"cmh": _cmh(itt, flag, grouping),
                          "logistic": _logistic(itt, flag, grouping)}  # fmt: skip
            # Only the primary-analysis row is "primary"; its parts are marked in the variants.
            entry["tests"] = [(*variant, _role(primary, code == primary_test))
                              for code, variant in zip(_TESTS, variants, strict=True)]  # fmt: skip
            entry["tests"] += [(*variant, _role(primary, code == stratified_test))
                               for code, variant in stratified.items()]  # fmt: skip
            if primary:
                entry["primary_row"] = primary_row(
                    plan, title, variants[_TESTS.index(primary_test)], stratified[stratified_test]
                )
            if primary and stratified_test == "cmh":
                entry["tests"] += [
                    (*row, "supportive") for row in _cmh_companions(itt, flag, grouping)
                ]
            entry["comparison"] = c.to_dict()
        results.append(entry)
    return results


def _role(primary_endpoint: bool, named: bool) -> str:
    return "part of the primary analysis" if primary_endpoint and named else "supportive"


def stratified_variant(
    itt: pd.DataFrame, flag: str, grouping: Grouping, code: str
) -> tuple[str, str, str]:
    """The stratified test ``code`` (``cmh`` or ``logistic``) of ``flag`` between the compared
    groups of ``itt`` (with its ``GROUP`` column): (name, estimate, p)."""
    return (_cmh if code == "cmh" else _logistic)(itt, flag, grouping)


def _cmh(itt: pd.DataFrame, flag: str, grouping: Grouping) -> tuple[str, str, str]:
    title = "Cochran–Mantel–Haenszel, stratified by randomization stratum; MH OR (95% CI)"
    try:
        tables = stratified_tables((itt[flag] == "Y").astype(int).to_numpy(),
                                   (itt["GROUP"] == grouping.experimental).astype(int).to_numpy(),
                                   itt["STRATUM"].fillna("none").to_numpy())  # fmt: skip
        result = mantel_haenszel(tables)
    except (TrialdeskError, ZeroDivisionError, FloatingPointError) as error:
        return title, f"not estimable ({error})", "–"
    return (title, f"{num(result.common_odds_ratio, 2)} ({num(result.common_odds_ratio_ci[0], 2)}"
            f", {num(result.common_odds_ratio_ci[1], 2)})", pvalue(result.p_value))  # fmt: skip


def _cmh_companions(itt: pd.DataFrame, flag: str, grouping: Grouping) -> list[tuple[str, str, str]]:
    """Beside the CMH test the plan names: whether the odds ratio is the same in every stratum
    (Breslow–Day with Tarone's correction) and the common risk difference (MH, Sato CI)."""
    homogeneity = "Breslow–Day–Tarone test of equal odds ratios across strata; chi-square (df)"
    difference = "Difference, Mantel–Haenszel weighted by stratum, Sato 95% CI"
    try:
        tables = stratified_tables((itt[flag] == "Y").astype(int).to_numpy(),
                                   (itt["GROUP"] == grouping.experimental).astype(int).to_numpy(),
                                   itt["STRATUM"].fillna("none").to_numpy())  # fmt: skip
    except TrialdeskError as error:
        return [(homogeneity, f"not estimable ({error})", "–"),
                (difference, f"not estimable ({error})", "–")]  # fmt: skip
    bd, rd = breslow_day(tables), stratified_risk_difference(tables)
    bd_text = f"{num(bd.statistic_tarone, 3)} ({bd.df})" if bd.estimable else bd.reason
    rd_text = (f"{pct(rd.estimate)} ({pct(rd.ci_sato[0])}, {pct(rd.ci_sato[1])})"
               if rd.estimable else rd.reason)  # fmt: skip
    return [(homogeneity, bd_text, pvalue(bd.p_value_tarone)),
            (difference, rd_text, pvalue(rd.p_value_sato))]  # fmt: skip


def _logistic(itt: pd.DataFrame, flag: str, grouping: Grouping) -> tuple[str, str, str]:
    title = "Logistic regression adjusted for randomization stratum; OR (95% CI)"
    frame = pd.DataFrame({"response": (itt[flag] == "Y").astype(int),
                          "treatment": (itt["GROUP"] == grouping.experimental).astype(int),
                          "stratum": itt["STRATUM"].fillna("none").astype(str)})  # fmt: skip
    strata = ["stratum"] if frame["stratum"].nunique() > 1 else []
    labels = {1: grouping.experimental or "experimental", 0: grouping.control or "control"}
    try:
        fit = StratifiedLogisticRegression().fit(frame, response="response", treatment="treatment",
                                                 strata=strata, labels=labels)  # fmt: skip
    except TrialdeskError as error:
        return title, f"not estimable ({error})", "–"
    if not fit.estimable_:
        return title, fit.reason_, "–"
    effect = fit.to_dict()  # the treatment term's odds ratio, interval and p as floats
    low, high = effect["odds_ratio_ci"]
    return (title, f"{num(effect['odds_ratio'], 2)} ({num(low, 2)}, {num(high, 2)})",
            pvalue(effect["p_value"]))  # fmt: skip


def subgroup_forest(adsl: pd.DataFrame, grouping: Grouping) -> dict[str, Any]:
    """CR difference (Newcombe CI) overall and by grade, site and organ involvement."""
    itt = _itt(adsl, grouping)
    subgroups: list[tuple[str, pd.Series[Any]]] = [("All patients", itt["ITTFL"] == "Y")]
    subgroups += [(f"Grade {g}", itt["BGRADEGR"] == g) for g in ("II", "III-IV")]
    subgroups += [(f"Site {s}", itt["SITEID"] == s) for s in sorted(itt["SITEID"].unique())]
    for column, organ in (("SKININV", "Skin"), ("LIVERINV", "Liver"), ("LGIINV", "Lower GI")):
        subgroups += [(f"{organ} involved: {'yes' if v == 'Y' else 'no'}", itt[column] == v)
                      for v in ("Y", "N")]  # fmt: skip
    rows = []
    for label, members in subgroups:
        c = _compare(itt[members.to_numpy()], "CRW4FL", grouping)
        diff, low, high = ((100 * c.risk_difference, 100 * c.risk_difference_ci[0],
                            100 * c.risk_difference_ci[1]) if c else (np.nan,) * 3)  # fmt: skip
        rows.append(
            {
                "label": f"{label} (n={int(members.sum())})",
                "difference": diff,
                "lower": low,
                "upper": high,
                "text": f"{num(diff)} ({num(low)}, {num(high)})",
            }
        )
    return {"rows": rows, "plot": figures.forest_plot(rows)}


def _km(adtte: pd.DataFrame, code: str, title: str, grouping: Grouping) -> dict[str, Any]:
    rows = adtte[adtte["PARAMCD"] == code]
    arms, medians = {}, []
    for label in grouping.columns:
        members = rows[rows["GROUP"] == label]
        if members.empty:
            continue
        fit = KaplanMeier(label=label).fit(members["AVAL"], members["EVNTCD"] == 1)
        arms[label] = ArmData(members["AVAL"].to_numpy(dtype=float),
                              (members["EVNTCD"] == 1).astype(np.int64).to_numpy())  # fmt: skip
        medians.append((label, len(members), int((members["EVNTCD"] == 1).sum()),
                        num(fit.median_, 0)))  # fmt: skip
    test = "–"
    if grouping.compares and rows["GROUP"].nunique() == 2 and (rows["EVNTCD"] == 1).any():
        result = logrank_test(rows["AVAL"], rows["EVNTCD"] == 1, rows["GROUP"])
        test = f"log-rank chi-square {num(result.statistic, 3)}, p = {pvalue(result.p_value)}"
    return {"title": title, "rows": medians, "test": test,
            "plot": km_figure(arms, title) if arms else None}  # fmt: skip


def _cuminc(adtte: pd.DataFrame, code: str, title: str, grouping: Grouping) -> dict[str, Any]:
    rows = adtte[adtte["PARAMCD"] == code]
    result: dict[str, Any] = {"title": title, "rows": [], "test": "–", "finegray": "–",
                              "plot": None}  # fmt: skip
    if not (rows["EVNTCD"] == 1).any():
        result["test"] = "no events"
        return result
    fit = CumulativeIncidence().fit(rows["AVAL"], rows["EVNTCD"], rows["GROUP"])
    at = fit.at([90, 180, 365])
    for label in grouping.columns:
        at_group = at[(at["group"] == label) & (at["cause"] == 1)]
        # Beyond the group's follow-up the estimate is undefined (cmprsk::timepoints): say why.
        result["rows"].append((label, [
            f"{pct(v)}%" if np.isfinite(v) else f"not estimable: no patient followed to day {d:g}"
            for d, v in zip(at_group["time"], at_group["estimate"], strict=True)
        ]))  # fmt: skip
    tests = [t for t in fit.tests_ if t.cause == 1]
    if tests:
        result["test"] = f"Gray's test {num(tests[0].statistic, 3)}, p = {pvalue(tests[0].p_value)}"
    if grouping.compares and rows["GROUP"].nunique() == 2:
        try:
            fg = FineGray().fit(rows["AVAL"], rows["EVNTCD"],
                                (rows["GROUP"] == grouping.experimental).astype(float).to_numpy(),
                                cause=1, names=["experimental"])  # fmt: skip
            row = fg.coefficients_.iloc[0]
            result["finegray"] = (f"subdistribution HR {num(row['hazard_ratio'], 2)} "
                                  f"({num(row['lower'], 2)}, {num(row['upper'], 2)}), "
                                  f"p = {pvalue(row['p'])}")  # fmt: skip
            if not row["estimable"]:  # e.g. every event in one arm: the SHR runs off to ±∞
                result["finegray"] = f"{row['reason']}".replace(": ", " (", 1) + ")"
        except TrialdeskError as error:
            result["finegray"] = f"not estimable ({error})"
    arms = {label: ArmData(rows.loc[rows["GROUP"] == label, "AVAL"].to_numpy(dtype=float),
                           rows.loc[rows["GROUP"] == label, "EVNTCD"].astype(np.int64).to_numpy())
            for label in grouping.columns if (rows["GROUP"] == label).any()}  # fmt: skip
    result["plot"] = cif_figure(arms, title)
    return result


def survival_analyses(adtte: pd.DataFrame, grouping: Grouping) -> dict[str, Any]:
    """KM with log-rank for OS and FFS; cumulative incidence with Gray and Fine–Gray for
    chronic GVHD, relapse and non-relapse mortality."""
    frame = adtte.assign(GROUP=adtte["ARMCD"].map(grouping.labels))
    return {
        "km": [_km(frame, "OS", "Overall survival", grouping),
               _km(frame, "FFS", "Failure-free survival", grouping)],
        "cuminc": [_cuminc(frame, "CGVHD", "Chronic GVHD", grouping),
                   _cuminc(frame, "RELAPSE", "Relapse", grouping),
                   _cuminc(frame, "NRM", "Non-relapse mortality", grouping)],
    }  # fmt: skip
