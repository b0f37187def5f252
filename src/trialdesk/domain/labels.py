"""Words a person reads for the codes the system stores: one table per kind of code.

The database, the API and the audit trail keep the codes (``not_recovered``, ``uc_msc``); pages
and printed reports show these labels. Codes that come from the protocol file (products, visits,
arms) are labelled from the protocol itself by :func:`protocol_label`, so a second trial's file
brings its own words.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from trialdesk.domain.protocol import Protocol

__all__ = ["LABELS", "label", "protocol_label"]

_TABLES: dict[str, dict[str, str]] = {
    "role": {
        "site_coordinator": "Site coordinator",
        "investigator": "Investigator",
        "monitor": "Monitor",
        "data_manager": "Data manager",
        "statistician": "Statistician",
        "sponsor_admin": "Sponsor administrator",
        "dsmb_viewer": "DSMB member",
    },
    "action": {
        "view_subject": "view subjects",
        "enter_data": "enter clinical data",
        "randomize": "randomize",
        "raise_query": "raise queries",
        "answer_query": "answer queries",
        "close_query": "close queries",
        "sign": "sign records",
        "lock": "lock records",
        "export_audit": "export the audit trail",
        "manage_accounts": "manage accounts",
        "manage_randomization_lists": "manage randomization lists",
        "export_randomization_list": "export randomization lists",
        "view_aggregates": "view aggregate figures",
        "attest_eligibility": "attest and sign eligibility",
        "verify_source": "verify source data",
    },
    "state": {
        "screening": "In screening",
        "eligible": "Eligible",
        "screen_failed": "Screen failed",
        "randomized": "Randomized",
        "on_treatment": "On treatment",
        "course_2": "Second course",
        "off_study_treatment": "Off study treatment",
        "follow_up": "In follow-up",
        "completed": "Completed",
        "died": "Died",
        "withdrawn": "Withdrawn",
        "lost_to_follow_up": "Lost to follow-up",
    },
    "outcome": {
        "death": "Death",
        "relapse": "Relapse of the underlying disease",
        "chronic_gvhd": "Chronic GVHD",
        "end_of_study_treatment": "End of study treatment",
        "withdrawal": "Withdrawal of consent",
        "lost_to_follow_up": "Lost to follow-up",
    },
    "ae_outcome": {
        "recovered": "Recovered/resolved",
        "recovering": "Recovering/resolving",
        "not_recovered": "Not recovered/not resolved",
        "recovered_with_sequelae": "Recovered with sequelae",
        "fatal": "Fatal",
        "unknown": "Unknown",
    },
    "seriousness": {
        "death": "Results in death",
        "life_threatening": "Life-threatening",
        "hospitalization": "Requires or prolongs hospitalization",
        "disability": "Persistent or significant disability",
        "congenital_anomaly": "Congenital anomaly/birth defect",
        "important_medical_event": "Important medical event",
    },
    "causality": {
        "unrelated": "Unrelated",
        "unlikely": "Unlikely related",
        "possible": "Possibly related",
        "probable": "Probably related",
        "definite": "Definitely related",
    },
    "therapy": {"other": "Concomitant therapy", "rescue": "Rescue therapy"},
    "next_step": {
        "continue": "Continue the course",
        "repeat_course": "Give a second course",
        "switch_therapy": "Switch to another therapy",
        "course_complete": "Course complete",
    },
    "plan_state": {
        "planned": "Planned",
        "done": "Done",
        "missed": "Missed",
        "cancelled": "Cancelled",
    },
    "window": {
        "in_window": "In window",
        "early": "Early",
        "late": "Late",
        "overdue": "Overdue",
        "due": "Due",
        "upcoming": "Upcoming",
        "cancelled": "Cancelled",
        "closed": "Closed (no longer owed)",
    },
    "clock": {
        "investigator_to_sponsor": "SAE report to the sponsor",
        "fatal_or_life_threatening_susar": "Fatal or life-threatening SUSAR report",
        "fatal_or_life_threatening_susar_follow_up": (
            "Follow-up of a fatal or life-threatening SUSAR"
        ),
        "susar": "SUSAR report",
    },
    "clock_status": {
        "open": "open",
        "due_soon": "due soon",
        "overdue": "overdue",
        "met": "reported in time",
        "late": "reported late",
    },
    "recipient": {
        "sponsor": "sponsor",
        "regulator": "regulatory authority",
        "regulator_follow_up": "regulatory authority (follow-up report)",
        "ethics_committee": "ethics committee",
    },
    "query_status": {
        "open": "Open",
        "answered": "Answered",
        "reopened": "Re-opened",
        "closed": "Closed",
    },
    "query_assignee": {"site": "Site", "monitor": "Monitor", "data_manager": "Data manager"},
    "criterion_status": {
        "met": "Met",
        "not_met": "Not met",
        "missing": "Missing",
        "attested": "Attested",
        "not_attested": "Not attested",
    },
    "organ": {"skin": "Skin", "liver": "Liver", "upper_gi": "Upper GI", "lower_gi": "Lower GI"},
    "driver": {
        "skin_bsa": "rash extent (% BSA)",
        "bullae+desquamation": "bullae and desquamation",
        "bilirubin": "bilirubin",
        "upper_gi_symptoms": "persistent nausea, vomiting or anorexia",
        "stool_volume": "stool volume",
        "stool_episodes": "stool episodes (volume not measured)",
        "stool_volume+upper_gi_symptoms": "stool volume and upper-GI symptoms",
        "severe_pain": "severe abdominal pain",
        "bloody_stool": "grossly bloody stool",
        "severe_pain+bloody_stool": "severe abdominal pain and bloody stool",
    },
    "entity": {
        "subjects": "Subject",
        "screening_records": "Screening",
        "consents": "Consent",
        "visits": "Visit",
        "dose_administrations": "Dose",
        "gvhd_assessments": "GVHD assessment",
        "adverse_events": "Adverse event",
        "therapies": "Therapy",
        "outcomes": "Outcome",
        "form_records": "Protocol form",
        "signatures": "Signature",
        "allocations": "Allocation",
        "queries": "Query",
        "sites": "Site",
        "study": "Study",
        "locks": "Lock",
        "sdv_marks": "Source verification",
    },
    "lock_level": {"form": "Form", "subject": "Subject", "site": "Site", "study": "Study"},
    "grading_system": {"magic": "MAGIC", "glucksberg": "Glucksberg"},
}

#: ``LABELS[kind][code]`` is what a person reads for ``code``; read-only.
LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {kind: MappingProxyType(table) for kind, table in _TABLES.items()}
)


def _code(value: object) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def label(kind: str, value: object) -> str:
    """The label of ``value`` (a code or an enum member) in the table ``kind``.

    A code missing from the table (a value written by a newer version, or free text) is shown
    with its underscores as spaces rather than hidden: the reader still sees what is stored.
    """
    if kind not in LABELS:
        raise KeyError(f"no label table {kind!r}; known: {', '.join(sorted(LABELS))}")
    code = _code(value)
    return LABELS[kind].get(code, code.replace("_", " "))


def protocol_label(protocol: Protocol, kind: str, code: object) -> str:
    """The protocol's own name for a product (``product``), visit (``visit``) or arm (``arm``).

    A visit reads ``D8 – Day 8``: its code with its label, as the two are used side by side on
    paper forms; an unknown code is returned unchanged.
    """
    text = _code(code)
    if kind == "product":
        for arm in protocol.arms:
            for intervention in arm.interventions:
                if intervention.code == text:
                    return intervention.name
    elif kind == "visit":
        for visit in protocol.visits:
            if visit.code == text:
                return f"{visit.code} – {visit.label}"
    elif kind == "arm":
        for arm in protocol.arms:
            if arm.code == text:
                return arm.label
    else:
        raise KeyError(f"no protocol labels of kind {kind!r}; use product, visit or arm")
    return text
