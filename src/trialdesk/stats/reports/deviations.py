"""Protocol deviations by arm and site, with a listing, for the ITT set.

The rule is the domain's (:func:`trialdesk.domain.deviations.subject_deviations`); this module
gathers each subject's dosing record, screening result, the events that ended study treatment and
the soft edit-check warnings confirmed at entry (the queries whose origin is
``edit_check:<code>``), all as of the data cut-off. In a DSMB report the listing says "Study
product" instead of the product's name, so a listing line cannot tell which arm a patient is in.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from trialdesk.domain.deviations import (
    ConfirmedWarning,
    Deviation,
    DeviationKind,
    GivenDose,
    subject_deviations,
)
from trialdesk.domain.plan_status import PlanEvent, PlanEventKind, closing_event
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets import AnalysisDatasets, TrialRecords
from trialdesk.stats.datasets.records import apply_cutoff
from trialdesk.stats.reports._format import count_pct
from trialdesk.stats.reports.groups import Grouping

__all__ = ["EDIT_CHECK_ORIGIN", "deviation_section", "deviations_by_subject"]

#: Origin of the query a confirmed soft edit check opens (``edit_check:<code>``).
EDIT_CHECK_ORIGIN = "edit_check:"


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _by_subject(rows: Any) -> dict[int, list[Mapping[str, Any]]]:
    grouped: dict[int, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(int(row["subject_id"]), []).append(row)
    return grouped


def _events(
    subject: pd.Series, rescues: list[Mapping[str, Any]], day1: dt.date | None
) -> list[PlanEvent]:
    events = [PlanEvent(PlanEventKind.RESCUE_THERAPY, _date(r["started_on"]) or dt.date.max,
                        str(r.get("name") or "")) for r in rescues]  # fmt: skip
    for column, kind in (("DTHDT", PlanEventKind.DEATH), ("WDDT", PlanEventKind.WITHDRAWAL),
                         ("LTFUDT", PlanEventKind.LOST_TO_FOLLOW_UP)):  # fmt: skip
        on = _date(subject.get(column))
        if on is not None:
            events.append(PlanEvent(kind, on))
    switch = subject.get("PSWDY")
    if day1 is not None and switch is not None and not pd.isna(switch):
        # A stop rule fired: study treatment ended on that day (the protocol-mandated switch).
        on = day1 + dt.timedelta(days=int(switch) - 1)
        events.append(PlanEvent(PlanEventKind.END_OF_STUDY_TREATMENT, on))
    return events


def _data_end(records: TrialRecords, cutoff: dt.date | None) -> dt.date:
    """The day the data describe: the cut-off, else the latest dated record."""
    if cutoff is not None:
        return cutoff
    dates = [_date(row.get(column)) for name, column in (
        ("doses", "administered_on"), ("assessments", "assessed_on"), ("visits", "visit_date"),
        ("therapies", "started_on"), ("outcomes", "occurred_on"), ("adverse_events", "onset_on"),
    ) for row in getattr(records, name)]  # fmt: skip
    known = [d for d in dates if d is not None]
    return max(known) if known else dt.date.today()


def deviations_by_subject(
    datasets: AnalysisDatasets, records: TrialRecords, protocol: Protocol
) -> dict[int, list[Deviation]]:
    """Each ITT subject's deviations as of the datasets' cut-off (subject id → deviations)."""
    cut = apply_cutoff(records, datasets.cutoff)
    today = _data_end(cut, datasets.cutoff)
    doses = _by_subject(cut.doses)
    therapies = _by_subject(t for t in cut.therapies if t.get("kind") == "rescue")
    warnings = _by_subject(q for q in cut.queries
                           if str(q.get("origin") or "").startswith(EDIT_CHECK_ORIGIN))  # fmt: skip
    criteria = {c.id: c.text for c in protocol.criteria}
    found: dict[int, list[Deviation]] = {}
    itt = datasets.adsl[datasets.adsl["ITTFL"] == "Y"]
    for _, subject in itt.iterrows():
        sid = int(subject["SUBJID"])
        given = [GivenDose(str(d["product"]), _date(d["administered_on"]) or today,
                           _float(d.get("dose_value")), _float(d.get("weight_kg")))
                 for d in doses.get(sid, [])]  # fmt: skip
        day1 = _date(subject["DAY1DT"]) if given else None
        failed = [criteria.get(code, code) for code in str(subject.get("SFREAS") or "").split("; ")
                  if code]  # fmt: skip
        confirmed = [ConfirmedWarning(str(q["origin"])[len(EDIT_CHECK_ORIGIN):],
                                      _date(q["created_at"]) or today, str(q.get("field") or ""))
                     for q in warnings.get(sid, [])]  # fmt: skip
        ended = closing_event(_events(subject, therapies.get(sid, []), day1), treatment=True)
        found[sid] = subject_deviations(
            protocol, arm_code=str(subject["ARMCD"]), day1=day1, doses=given,
            treatment_ended=ended, today=today,
            eligible=None if pd.isna(subject.get("ELIGFL")) else subject.get("ELIGFL") == "Y",
            failed_criteria="; ".join(failed), randomized_on=_date(subject.get("RANDDT")),
            confirmed_warnings=confirmed,
        )  # fmt: skip
    return found


def deviation_section(
    datasets: AnalysisDatasets,
    records: TrialRecords,
    protocol: Protocol,
    grouping: Grouping,
    *,
    masked: bool,
) -> dict[str, Any]:
    """Patients with ≥ 1 deviation and deviations by kind and group; by site and group; and the
    listing (subject, site, group, deviation in words, date)."""
    found = deviations_by_subject(datasets, records, protocol)
    itt = datasets.adsl[datasets.adsl["ITTFL"] == "Y"].set_index("SUBJID")
    group = itt["ARMCD"].map(grouping.labels)
    sizes = [int((group == label).sum()) for label in grouping.columns]

    def patients(members: pd.Index, kind: DeviationKind | None) -> list[int]:
        return [sum(1 for s in members[group[members] == label]
                    if any(kind is None or d.kind is kind for d in found[int(s)]))
                for label in grouping.columns]  # fmt: skip

    def events(members: pd.Index, kind: DeviationKind | None) -> list[int]:
        return [sum(1 for s in members[group[members] == label] for d in found[int(s)]
                    if kind is None or d.kind is kind)
                for label in grouping.columns]  # fmt: skip

    by_kind = []
    for kind in (None, *DeviationKind):
        n_patients, n_events = patients(itt.index, kind), events(itt.index, kind)
        by_kind.append({"label": "Any deviation" if kind is None else kind.label,
                        "values": [f"{count_pct(p, size)}; {e} deviation{'s' * (e != 1)}"
                                   for p, e, size in zip(n_patients, n_events, sizes,
                                                         strict=True)]})  # fmt: skip
    by_site = []
    for site in sorted(itt["SITEID"].dropna().unique()):
        members = itt.index[(itt["SITEID"] == site).to_numpy()]
        site_sizes = [int((group[members] == label).sum()) for label in grouping.columns]
        n_patients, n_events = patients(members, None), events(members, None)
        by_site.append({"label": f"Site {site}",
                        "values": [f"{count_pct(p, size)}; {e} deviation{'s' * (e != 1)}"
                                   for p, e, size in zip(n_patients, n_events, site_sizes,
                                                         strict=True)]})  # fmt: skip
    listing = [
        {"subject": str(itt.at[sid, "USUBJID"]), "site": str(itt.at[sid, "SITEID"]),
         "group": str(group[sid]), "kind": d.kind.label, "deviation": d.text(masked=masked),
         "date": "–" if d.on is None else d.on.isoformat()}
        for sid in itt.index for d in found[int(sid)]
    ]  # fmt: skip
    listing.sort(key=lambda r: (r["site"], r["subject"], r["date"]))
    return {"n": sizes, "by_kind": by_kind, "by_site": by_site, "listing": listing}
