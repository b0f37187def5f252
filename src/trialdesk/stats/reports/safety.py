"""Exposure, adverse-event tables with tests, SAE and death listings (safety set, as treated)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets import exposure_columns
from trialdesk.stats.proportions import compare_proportions
from trialdesk.stats.reports._format import count_pct, num, pvalue
from trialdesk.stats.reports.groups import Grouping

__all__ = ["adverse_event_tables", "exposure_table", "listings"]


def _safety(adsl: pd.DataFrame, grouping: Grouping) -> pd.DataFrame:
    safety = adsl[adsl["SAFFL"] == "Y"]
    return safety.assign(GROUP=safety["TRTACD"].map(grouping.labels))


def exposure_table(adsl: pd.DataFrame, protocol: Protocol, grouping: Grouping) -> list[Any]:
    """Administrations received per product: mean, median, range, by group (safety set)."""
    safety = _safety(adsl, grouping)
    names = {i.code: i.name for arm in protocol.arms for i in arm.interventions}
    rows = []
    for product, column in exposure_columns(protocol).items():
        values = []
        for label in grouping.columns:
            doses = safety.loc[safety["GROUP"] == label, column]
            values.append("–" if doses.empty else
                          f"{num(doses.mean())}; median {num(doses.median(), 0)} "
                          f"[{doses.min()}–{doses.max()}]")  # fmt: skip
        rows.append({"label": f"{names[product]}: doses received", "values": values})
    return rows


def _subjects_with(adae: pd.DataFrame, safety: pd.DataFrame, grouping: Grouping,
                   label: str, mask: pd.Series[Any]) -> dict[str, Any]:  # fmt: skip
    affected = set(adae.loc[mask, "SUBJID"])
    counts, totals = [], []
    for group in grouping.columns:
        members = safety.loc[safety["GROUP"] == group, "SUBJID"]
        counts.append(sum(1 for s in members if s in affected))
        totals.append(len(members))
    p = "–"
    if grouping.compares and all(totals):
        i, j = (
            grouping.columns.index(grouping.experimental or ""),
            grouping.columns.index(grouping.control or ""),
        )
        p = pvalue(compare_proportions(counts[i], totals[i], counts[j], totals[j]).p_value_fisher)
    return {
        "label": label,
        "values": [count_pct(c, n) for c, n in zip(counts, totals, strict=True)],
        "p": p,
    }


def adverse_event_tables(adae: pd.DataFrame, adsl: pd.DataFrame, grouping: Grouping) -> Any:
    """Subjects with any AE, grade ≥ 3, serious, related, fatal; then by term (Fisher tests)."""
    safety = _safety(adsl, grouping).reset_index(drop=True)
    events = adae[(adae["SAFFL"] == "Y") & (adae["TRTEMFL"] == "Y")]
    overview = [
        _subjects_with(events, safety, grouping, "Any adverse event", events["SUBJID"] > 0),
        _subjects_with(events, safety, grouping, "Grade ≥ 3", events["AEGR3FL"] == "Y"),
        _subjects_with(events, safety, grouping, "Serious", events["AESER"] == "Y"),
        _subjects_with(
            events, safety, grouping, "Related to study product", events["AEREL"] == "Y"
        ),
        _subjects_with(events, safety, grouping, "Fatal (grade 5)", events["AETOXGR"] == 5),
    ]
    terms = events["AEDECOD"].value_counts().index.tolist()
    by_term = [_subjects_with(events, safety, grouping, term, events["AEDECOD"] == term)
               for term in terms]  # fmt: skip
    by_term_grade3 = [
        _subjects_with(events, safety, grouping, term,
                       (events["AEDECOD"] == term) & (events["AEGR3FL"] == "Y"))
        for term in terms
    ]  # fmt: skip
    return {
        "n": [int((safety["GROUP"] == g).sum()) for g in grouping.columns],
        "overview": overview,
        "by_term": by_term,
        "by_term_grade3": by_term_grade3,
    }


def listings(adae: pd.DataFrame, adsl: pd.DataFrame, grouping: Grouping) -> dict[str, Any]:
    """Serious adverse events and deaths, one line each, with the group label shown."""
    sae = adae[adae["AESER"] == "Y"].assign(GROUP=lambda f: f["TRTACD"].map(grouping.labels))
    deaths = adsl[adsl["DTHFL"] == "Y"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    days_to_death = (deaths["DTHDT"] - deaths["DAY1DT"]).dt.days + 1
    return {
        "sae": [{"subject": r["USUBJID"], "group": r["GROUP"], "term": r["AEDECOD"],
                 "grade": r["AETOXGR"], "day": num(float(r["ASTDY"]), 0),
                 "related": r["AEREL"], "outcome": r["AEOUT"]}
                for r in sae.to_dict(orient="records")],
        "deaths": [{"subject": r["USUBJID"], "group": r["GROUP"], "cause": r["DTHCAUS"],
                    "day": int(day)}
                   for r, day in zip(deaths.to_dict(orient="records"), days_to_death,
                                     strict=True)],
    }  # fmt: skip
