"""Intercurrent events of each subject and the response flags under the composite strategy.

The events (:mod:`trialdesk.domain.intercurrent_events`) come from the records:

- additional systemic GVHD therapy: a ``therapies`` row of kind ``rescue`` (its start date), or
  a post-baseline GVHD assessment recording ``additional_therapy`` (dated on that assessment);
- steroid re-escalation: the corticosteroid form's periods (the forms whose derivation is
  ``corticosteroid_period``), by the protocol's ``form_settings.steroid_re_escalation``; a
  protocol without that setting does not count re-escalation;
- death; withdrawal or loss to follow-up (``outcomes``).

Only the first event matters for the flags: an event on or before the counted assessment is a
failure, and the first event is on or before it whenever any is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from trialdesk.domain.gvhd.endpoints import durable_response_arrays
from trialdesk.domain.gvhd.response import RESPONSE_CODE
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.intercurrent_events import (
    EVENT_PRECEDENCE,
    IntercurrentEventKind,
    composite_failure_arrays,
)
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.steroid_exposure import periods_from_records, re_escalation
from trialdesk.stats.datasets._frames import study_day, to_dates, yes_no
from trialdesk.stats.datasets.adsl import ORIGIN
from trialdesk.stats.datasets.endpoints import counted_at, endpoint_window, response_labels
from trialdesk.stats.datasets.records import TrialRecords

__all__ = [
    "DURABLE_ENDPOINT",
    "PRIMARY_WINDOW_ENDPOINT",
    "STEROID_FORM_DERIVATION",
    "add_composite_endpoints",
    "add_intercurrent_events",
    "steroid_rows_by_subject",
]

#: Endpoint codes of the protocol the response flags are derived for.
PRIMARY_WINDOW_ENDPOINT = "cr_week4"
DURABLE_ENDPOINT = "durable_response_d56"
#: Derivation name that marks a protocol form as the corticosteroid dose log.
STEROID_FORM_DERIVATION = "corticosteroid_period"
_SETTING = "steroid_re_escalation"


def steroid_rows_by_subject(
    records: TrialRecords, protocol: Protocol
) -> dict[int, list[Mapping[str, Any]]]:
    """The corticosteroid form's values of each subject."""
    codes = {f.code for f in protocol.forms if f.derive == STEROID_FORM_DERIVATION}
    rows: dict[int, list[Mapping[str, Any]]] = {}
    for row in records.forms:
        if row["form"] in codes:
            rows.setdefault(int(row["subject_id"]), []).append(row["values"] or {})
    return rows


def _candidates(
    adsl: pd.DataFrame, records: TrialRecords, protocol: Protocol
) -> list[tuple[int, IntercurrentEventKind, Any, str]]:
    """(subject, kind, date, detail) of every recorded intercurrent event."""
    found: list[tuple[int, IntercurrentEventKind, Any, str]] = []
    therapy = IntercurrentEventKind.ADDITIONAL_THERAPY
    for row in records.therapies:
        if row["kind"] == "rescue":
            found.append((int(row["subject_id"]), therapy, row["started_on"], str(row["name"])))
    # The baseline assessment's "since the last assessment" is before study treatment: prior
    # therapy, not an intercurrent event.
    baseline = {
        row["subject_id"]: row["id"]
        for row in sorted(records.assessments, key=lambda r: (r["assessed_on"], r["id"]),
                          reverse=True)
    }  # fmt: skip
    for row in records.assessments:
        if row.get("additional_therapy") is True and baseline[row["subject_id"]] != row["id"]:
            names = row.get("additional_therapy_names") or "recorded at assessment"
            found.append((int(row["subject_id"]), therapy, row["assessed_on"], str(names)))
    for column, kind, detail in (
        ("DTHDT", IntercurrentEventKind.DEATH, "death"),
        ("WDDT", IntercurrentEventKind.WITHDRAWAL, "withdrawal"),
        ("LTFUDT", IntercurrentEventKind.WITHDRAWAL, "lost to follow-up"),
    ):
        dated = adsl[column].dropna()
        found += [(int(str(s)), kind, d, detail) for s, d in dated.items()]
    rule = protocol.form_settings.get(_SETTING)
    if rule is not None:
        origins = adsl[ORIGIN]
        for subject, rows in steroid_rows_by_subject(records, protocol).items():
            day_one = origins.get(subject)
            if day_one is None or pd.isna(day_one):
                continue
            escalation = re_escalation(periods_from_records(rows), day_one.date(), str(rule))
            if escalation is not None:
                found.append((subject, IntercurrentEventKind.STEROID_RE_ESCALATION,
                              escalation.date, escalation.description))  # fmt: skip
    return found


def add_intercurrent_events(adsl: pd.DataFrame, records: TrialRecords, protocol: Protocol) -> None:
    """``ICEVENT`` (kind of the first intercurrent event), ``ICEDT``, ``ICEDY`` (its study day)
    and ``ICEDETL`` (what it was) for every randomized subject; empty when none."""
    frame = pd.DataFrame(
        _candidates(adsl, records, protocol), columns=["subject_id", "kind", "date", "detail"]
    )
    frame = frame[frame["subject_id"].isin(adsl.index[adsl["ITTFL"] == "Y"])]
    frame["date"] = to_dates(frame["date"])
    frame["day"] = study_day(frame["date"], frame["subject_id"].map(adsl[ORIGIN]))
    # The first event of each subject: earliest day, then the domain's same-day precedence.
    frame = frame.dropna(subset=["day"]).assign(rank=frame["kind"].map(EVENT_PRECEDENCE))
    first = frame.sort_values(["subject_id", "day", "rank"], kind="stable")
    first = first.drop_duplicates("subject_id").set_index("subject_id").reindex(adsl.index)
    adsl["ICEVENT"] = [kind.label if isinstance(kind, IntercurrentEventKind) else ""
                       for kind in first["kind"]]  # fmt: skip
    adsl["ICEDT"] = first["date"].astype("datetime64[ns]")
    adsl["ICEDY"] = first["day"].astype(float)
    adsl["ICEDETL"] = first["detail"].fillna("").astype(object)


def _reasons(
    codes: Sequence[int], failed: Sequence[bool], adsl: pd.DataFrame, want_cr: bool
) -> list[str]:
    """Why each subject is not a (complete) responder: the event, no assessment, or what was
    observed; empty for a responder."""
    reasons = []
    for code, by_event, event, day in zip(codes, failed, adsl["ICEVENT"], adsl["ICEDY"],
                                          strict=True):  # fmt: skip
        observed = None if code < 0 else list(RESPONSE_CODE)[code]
        responded = observed is Response.CR or (not want_cr and observed is Response.PR)
        if by_event:
            reasons.append(f"{event} day {int(day)}")
        elif observed is None:
            reasons.append("no assessment in the window")
        else:
            reasons.append("" if responded else f"observed {observed.value}")
    return reasons


def add_composite_endpoints(adsl: pd.DataFrame, adrs: pd.DataFrame, protocol: Protocol) -> None:
    """Observed responses (``RSPW4``, ``RSPD56``) and the composite-strategy flags
    (``CRW4FL``, ``ORW4FL``, ``DURRFL``) with the reason a subject is not a responder
    (``CRW4REAS``, ``DURREAS``); needs :func:`add_intercurrent_events` first."""
    ids = adsl.index.to_numpy()
    first_window = endpoint_window(protocol, PRIMARY_WINDOW_ENDPOINT)
    later_window = endpoint_window(protocol, DURABLE_ENDPOINT)
    week4, week4_day = counted_at(ids, adrs, first_window)
    later, later_day = counted_at(ids, adrs, later_window)
    event_day = adsl["ICEDY"].to_numpy(dtype=float)
    failed4 = composite_failure_arrays(week4_day, event_day, first_window)
    failed56 = composite_failure_arrays(later_day, event_day, later_window)
    itt = (adsl["ITTFL"] == "Y").to_numpy()
    cr, pr = RESPONSE_CODE[Response.CR], RESPONSE_CODE[Response.PR]
    adsl["RSPW4"] = response_labels(week4)
    adsl["RSPD56"] = response_labels(later)
    # ITT: a missing week-4 response is a non-response (the flags below are N, never missing),
    # and so is a response after an intercurrent event (composite strategy).
    adsl["CRW4FL"] = yes_no(itt & (week4 == cr) & ~failed4)
    adsl["ORW4FL"] = yes_no(itt & ((week4 == cr) | (week4 == pr)) & ~failed4)
    durable = durable_response_arrays(week4, later) & ~failed4 & ~failed56
    adsl["DURRFL"] = yes_no(itt & durable)
    adsl["CRW4REAS"] = _reasons(week4.tolist(), failed4.tolist(), adsl, want_cr=True)
    week4_fails = ~(((week4 == cr) | (week4 == pr)) & ~failed4)
    week4_reasons = _reasons(week4.tolist(), failed4.tolist(), adsl, want_cr=False)
    later_reasons = _reasons(later.tolist(), failed56.tolist(), adsl, want_cr=False)
    adsl["DURREAS"] = [
        (f"week 4: {first}" if first else "") if fails else (f"day 56: {then}" if then else "")
        for fails, first, then in zip(week4_fails, week4_reasons, later_reasons, strict=True)
    ]
    columns = ["RSPW4", "RSPD56", "CRW4FL", "ORW4FL", "DURRFL", "CRW4REAS", "DURREAS"]
    adsl.loc[~itt, columns] = ""
