"""The labels pages print for stored codes, from the domain tables and from the protocol."""

from __future__ import annotations

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.access import Action, Role
from trialdesk.domain.calendar import PlanState, WindowStatus
from trialdesk.domain.decisions import NextStep
from trialdesk.domain.eligibility import CriterionStatus
from trialdesk.domain.gvhd.staging import StageDriver
from trialdesk.domain.labels import LABELS, label, protocol_label
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.safety.adverse_event import AeOutcome
from trialdesk.domain.safety.clocks import ClockKind, ClockStatus
from trialdesk.domain.safety.follow_up import ReportRecipient
from trialdesk.domain.safety.seriousness import Causality, SeriousnessCriterion

#: Every enumeration a page shows, with the table that labels it.
LABELLED = [
    ("role", Role), ("action", Action), ("state", SubjectState), ("ae_outcome", AeOutcome),
    ("seriousness", SeriousnessCriterion), ("causality", Causality), ("next_step", NextStep),
    ("plan_state", PlanState), ("window", WindowStatus), ("clock", ClockKind),
    ("clock_status", ClockStatus), ("criterion_status", CriterionStatus), ("driver", StageDriver),
    ("recipient", ReportRecipient),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "enumeration"), LABELLED)
def test_every_member_of_a_shown_enumeration_has_a_label(kind: str, enumeration: type) -> None:
    missing = [m.value for m in enumeration if m.value not in LABELS[kind]]
    assert missing == []
    assert all("_" not in text for text in LABELS[kind].values())


def test_a_label_is_found_from_the_code_or_the_enum_member() -> None:
    assert label("role", Role.SITE_COORDINATOR) == "Site coordinator"
    assert label("role", "site_coordinator") == "Site coordinator"
    assert label("ae_outcome", AeOutcome.NOT_RECOVERED) == "Not recovered/not resolved"
    assert label("seriousness", "life_threatening") == "Life-threatening"


def test_the_service_level_kinds_are_labelled_too() -> None:
    # Outcome and therapy kinds are defined by the clinical services; their words live here.
    from trialdesk.services.clinical.clinical import OutcomeKind, TherapyKind

    assert [m.value for m in OutcomeKind if m.value not in LABELS["outcome"]] == []
    assert [m.value for m in TherapyKind if m.value not in LABELS["therapy"]] == []


def test_an_unknown_code_is_shown_readably_rather_than_hidden() -> None:
    assert label("state", "on_hold_pending_review") == "on hold pending review"


def test_an_unknown_table_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="no label table 'colour'"):
        label("colour", "red")


def test_products_visits_and_arms_are_named_by_the_protocol() -> None:
    protocol = load_protocol()
    assert protocol_label(protocol, "product", "uc_msc").startswith("UC-MSC (umbilical cord")
    assert protocol_label(protocol, "visit", "D29") == "D29 – Week 4 (day-28 response)"
    assert protocol_label(protocol, "arm", protocol.arms[0].code) == protocol.arms[0].label
    assert protocol_label(protocol, "product", "unknown_drug") == "unknown_drug"
    with pytest.raises(KeyError):
        protocol_label(protocol, "site", "BJ01")
