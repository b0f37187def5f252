"""Rescue and concomitant therapy by group (ITT): patients with a rescue therapy, by class and
agent, the time to the first rescue, and concomitant systemic therapies by class.

Therapies come from the therapy records (kind ``rescue`` or ``other``) started on or after study
day 1 and by the data cut-off; a therapy's class is the domain's
(:func:`trialdesk.domain.therapy_classes.therapy_class`). The time to the first rescue therapy
is the cumulative incidence with death as the competing event (Aalen–Johansen), censored at the
last date known alive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.therapy_classes import therapy_class
from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.datasets import AnalysisDatasets, TrialRecords
from trialdesk.stats.datasets.records import apply_cutoff
from trialdesk.stats.reports._format import count_pct, num, pct
from trialdesk.stats.reports.groups import Grouping

__all__ = ["RESCUE_DAYS", "rescue_time", "therapy_section"]

#: Study days (the week-4 and week-8 visits) at which the incidence of rescue is shown.
RESCUE_DAYS = (29, 57)


def _therapies(records: TrialRecords, itt: pd.DataFrame, cutoff: dt.date | None) -> pd.DataFrame:
    rows = pd.DataFrame(list(apply_cutoff(records, cutoff).therapies),
                        columns=["subject_id", "kind", "name", "started_on"])  # fmt: skip
    rows = rows[rows["subject_id"].isin(itt.index)].copy()
    rows["started_on"] = pd.to_datetime(rows["started_on"])
    day1 = rows["subject_id"].map(itt["DAY1DT"])
    rows["day"] = (rows["started_on"] - day1).dt.days + 1
    rows = rows[rows["day"] >= 1]  # before study day 1 it is prior therapy
    rows["agent"] = rows["name"].fillna("unnamed").astype(str).str.strip().str.capitalize()
    rows["class"] = rows["agent"].map(therapy_class)
    return rows


def rescue_time(
    itt: pd.DataFrame, first_rescue_day: pd.Series[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Time (days from study day 1) and status (1 rescue, 2 death first, 0 censored) per subject
    of ``itt``; ``first_rescue_day`` is indexed by subject."""
    end = itt["LSTALVDT"].fillna(itt["DAY1DT"])
    last_day = ((end - itt["DAY1DT"]).dt.days + 1).to_numpy(dtype=float)
    death_day = ((itt["DTHDT"] - itt["DAY1DT"]).dt.days + 1).to_numpy(dtype=float)
    rescue = first_rescue_day.reindex(itt.index).to_numpy(dtype=float)
    has_rescue = np.isfinite(rescue)
    # A rescue on the day of death counts as the rescue (the event of interest wins a tie).
    dead_first = ~has_rescue & np.isfinite(death_day)
    time = np.where(has_rescue, rescue, np.where(dead_first, death_day, last_day))
    status = np.where(has_rescue, 1, np.where(dead_first, 2, 0)).astype(np.int64)
    return np.maximum(time - 1.0, 0.0), status  # days since study day 1, as ADTTE's AVAL


def _incidence(time: np.ndarray, status: np.ndarray, days: Sequence[int]) -> list[str]:
    if time.size == 0:
        return ["–" for _ in days]
    if not (status == 1).any():
        return ["0.0%" if d <= time.max() else "–" for d in days]
    at = CumulativeIncidence().fit(time, status).at(list(days))
    at = at[at["cause"] == 1]
    return ["–" if not np.isfinite(v) else f"{pct(v)}%" for v in at["estimate"]]


def therapy_section(
    datasets: AnalysisDatasets, records: TrialRecords, grouping: Grouping
) -> dict[str, Any]:
    """Context of the rescue and concomitant therapy tables."""
    adsl = datasets.adsl
    itt = adsl[adsl["ITTFL"] == "Y"].set_index("SUBJID")
    group = itt["ARMCD"].map(grouping.labels)
    therapies = _therapies(records, itt, datasets.cutoff)
    rescue = therapies[therapies["kind"] == "rescue"]
    other = therapies[therapies["kind"] != "rescue"]
    members = [itt.index[(group == label).to_numpy()] for label in grouping.columns]
    sizes = [len(m) for m in members]

    def share(rows: pd.DataFrame) -> list[str]:
        """Patients of each group with at least one of ``rows``."""
        return [count_pct(int(rows.loc[rows["subject_id"].isin(m), "subject_id"].nunique()),
                          len(m)) for m in members]  # fmt: skip

    first = rescue.groupby("subject_id")["day"].min()
    rows: list[dict[str, Any]] = [
        {"label": "Patients with ≥ 1 rescue therapy", "values": share(rescue), "kind": "total"}
    ]
    for klass, of_class in sorted(rescue.groupby("class"), key=lambda kv: (-len(kv[1]), kv[0])):
        rows.append({"label": f"{klass}", "values": share(of_class), "kind": "class"})
        for agent, of_agent in sorted(of_class.groupby("agent")):
            rows.append({"label": f"{agent}", "values": share(of_agent), "kind": "agent"})
    timing = []
    for m in members:
        days = first.reindex(m).dropna()
        spread = f"{num(days.median(), 0)} [{num(days.min(), 0)}–{num(days.max(), 0)}]"
        timing.append("–" if days.empty else spread)
    incidence = []
    for label, m in zip(grouping.columns, members, strict=True):
        time, status = rescue_time(itt.loc[m], first)
        # Study day d is d - 1 days after study day 1 (the time scale of ``rescue_time``).
        incidence.append((label, _incidence(time, status, [d - 1 for d in RESCUE_DAYS])))
    concomitant = [
        {"label": klass, "values": share(of_class)}
        for klass, of_class in sorted(other.groupby("class"), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return {"n": sizes, "rescue": rows, "first_day": timing, "days": list(RESCUE_DAYS),
            "incidence": incidence, "concomitant": concomitant}  # fmt: skip
