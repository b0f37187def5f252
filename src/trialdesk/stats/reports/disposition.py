"""CONSORT flow, enrolment, baseline characteristics and data-quality tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain import labels
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.queries import QueryStatus
from trialdesk.domain.visit_matching import STAGING_ASSESSMENT
from trialdesk.stats.datasets import AnalysisDatasets, TrialRecords
from trialdesk.stats.datasets.per_protocol import PP_EXCLUSIONS
from trialdesk.stats.reports._format import count_pct, num
from trialdesk.stats.reports.consort import consort
from trialdesk.stats.reports.groups import Grouping

__all__ = [
    "baseline_table",
    "consort",
    "data_quality",
    "enrolment_by_site",
    "per_protocol_exclusions",
]


def per_protocol_exclusions(adsl: pd.DataFrame, grouping: Grouping) -> dict[str, Any]:
    """Per-protocol exclusions by group and reason (a subject may have several reasons), the
    protocol-mandated switches kept in the set, and one listing line per excluded subject."""
    itt = adsl[adsl["ITTFL"] == "Y"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    groups = [itt[itt["GROUP"] == label] for label in grouping.columns]

    def has(reason: str, frame: pd.DataFrame) -> int:
        return sum(reason in str(text).split("; ") for text in frame["PPEXREAS"])

    rows = [
        {
            "label": "Excluded (any reason)",
            "values": [count_pct(int((g["PPROTFL"] != "Y").sum()), len(g)) for g in groups],
        }
    ]
    rows += [
        {"label": reason, "values": [count_pct(has(reason, g), len(g)) for g in groups]}
        for reason in PP_EXCLUSIONS
    ]
    rows.append(
        {
            "label": "Kept: protocol-mandated switch (counted as failure)",
            "values": [
                count_pct(int(((g["PSWFL"] == "Y") & (g["PPROTFL"] == "Y")).sum()), len(g))
                for g in groups
            ],
        }
    )
    excluded = itt[itt["PPROTFL"] != "Y"].sort_values(["GROUP", "USUBJID"])
    listing = [{"subject": r["USUBJID"], "group": r["GROUP"], "reasons": r["PPEXREAS"]}
               for r in excluded.to_dict(orient="records")]  # fmt: skip
    return {"rows": rows, "listing": listing}


def enrolment_by_site(adsl: pd.DataFrame, grouping: Grouping) -> list[dict[str, Any]]:
    """Randomized subjects per site and group, with the first and last randomization dates."""
    itt = adsl[adsl["ITTFL"] == "Y"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    rows = []
    for site, members in itt.groupby("SITEID"):
        counts = members["GROUP"].value_counts()
        rows.append({
            "site": site, "total": len(members),
            "by_group": [int(counts.get(label, 0)) for label in grouping.columns],
            "first": members["RANDDT"].min().date().isoformat(),
            "last": members["RANDDT"].max().date().isoformat(),
        })  # fmt: skip
    return rows


def _continuous(values: pd.Series[Any]) -> str:
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return "–"
    return (
        f"{num(values.mean())} ({num(values.std(ddof=1) if len(values) > 1 else np.nan)}); "
        f"median {num(values.median())} [{num(values.min(), 0)}–{num(values.max(), 0)}]"
    )


def baseline_table(adsl: pd.DataFrame, grouping: Grouping) -> list[dict[str, Any]]:
    """Baseline characteristics of the ITT set by group: rows of (label, value per column)."""
    itt = adsl[adsl["ITTFL"] == "Y"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    groups = [itt[itt["GROUP"] == label] for label in grouping.columns]
    rows: list[dict[str, Any]] = [{"label": "N", "values": [str(len(g)) for g in groups]}]
    rows.append({"label": "Age, years: mean (SD)",
                 "values": [_continuous(g["AGE"]) for g in groups]})  # fmt: skip
    rows.append({"label": "Weight, kg: mean (SD)",
                 "values": [_continuous(g["WEIGHTBL"]) for g in groups]})  # fmt: skip
    for label, column, level in (
        ("Grade II", "BGRADEGR", "II"), ("Grade III–IV", "BGRADEGR", "III-IV"),
        ("Skin involved", "SKININV", "Y"), ("Liver involved", "LIVERINV", "Y"),
        ("Upper GI involved", "UGIINV", "Y"), ("Lower GI involved", "LGIINV", "Y"),
    ):  # fmt: skip
        rows.append({"label": label,
                     "values": [count_pct(int((g[column] == level).sum()), len(g))
                                for g in groups]})  # fmt: skip
    for site in sorted(itt["SITEID"].dropna().unique()):
        rows.append({"label": f"Site {site}",
                     "values": [count_pct(int((g["SITEID"] == site).sum()), len(g))
                                for g in groups]})  # fmt: skip
    return rows


def data_quality(
    datasets: AnalysisDatasets, records: TrialRecords, protocol: Protocol
) -> dict[str, Any]:
    """Missing scheduled GVHD assessments (visits due before the subject's follow-up ended)
    and queries by status."""
    adsl = datasets.adsl[datasets.adsl["ITTFL"] == "Y"].set_index("SUBJID")
    follow_up_day = (adsl["LSTALVDT"] - adsl["DAY1DT"]).dt.days + 1
    seen: dict[str, set[int]] = {}
    for visit_code, subject_id in zip(datasets.adrs["AVISIT"], datasets.adrs["SUBJID"],
                                      strict=True):  # fmt: skip
        seen.setdefault(str(visit_code), set()).add(int(subject_id))
    missing = []
    for visit in protocol.visits:
        if STAGING_ASSESSMENT not in visit.assessments:
            continue
        due = follow_up_day.index[follow_up_day >= visit.day + visit.window_after]
        done = seen.get(visit.code, set())
        absent = [s for s in due if s not in done]
        missing.append({"visit": visit.code, "due": len(due), "missing": len(absent)})
    statuses = Counter(str(q["status"]) for q in records.queries)
    return {"missing_visits": missing, "queries": queries_by_status(records.queries),
            "open_queries": statuses.get("open", 0)}  # fmt: skip


def queries_by_status(queries: Iterable[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """(status label, count) in the order a query moves, labelled as the query pages label them
    ("Re-opened", never the stored "reopened")."""
    statuses = Counter(str(q["status"]) for q in queries)
    order = {status.value: i for i, status in enumerate(QueryStatus)}
    return [
        (labels.label("query_status", status), statuses[status])
        for status in sorted(statuses, key=lambda s: order.get(s, len(order)))
    ]
