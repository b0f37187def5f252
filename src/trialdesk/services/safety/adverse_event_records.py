"""An adverse event's stored row: building the event, deriving its columns, reading its clocks.

The first report (:func:`trialdesk.services.clinical.clinical.report_adverse_event`) and every
follow-up (:mod:`trialdesk.services.safety.adverse_event_follow_up`) derive the stored values
through :func:`adverse_event_values`, so seriousness, SUSAR status and deadlines follow one rule.
Rows saved before follow-up existed keep their outcome inside ``derived`` and no clock starts; both
are read here, so every reader (subject view, dashboard, AE page) sees the same state.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from trialdesk.domain.errors import InputError
from trialdesk.domain.safety.adverse_event import AdverseEvent, AeOutcome
from trialdesk.domain.safety.clocks import ClockKind, ReportingClock
from trialdesk.domain.safety.follow_up import (
    CLOCK_RECIPIENT,
    ClockReading,
    ReportRecipient,
    clocks_since,
    read_clock,
)
from trialdesk.domain.safety.seriousness import (
    Causality,
    ProductAssessment,
    SeriousnessCriterion,
    susar_products,
)
from trialdesk.services.ports import Record

__all__ = [
    "FOLLOW_UPS",
    "REPORT_COLUMNS",
    "adverse_event_values",
    "build_adverse_event",
    "choice",
    "clock_readings",
    "clock_starts",
    "current_outcome",
    "event_from_row",
    "row_clocks",
]

#: The table of follow-up reports.
FOLLOW_UPS = "adverse_event_follow_ups"

#: The column holding when each report was sent.
REPORT_COLUMNS: Mapping[ReportRecipient, str] = {
    ReportRecipient.SPONSOR: "reported_to_sponsor_at",
    ReportRecipient.REGULATOR: "reported_to_regulator_at",
    ReportRecipient.REGULATOR_FOLLOW_UP: "follow_up_to_regulator_at",
    ReportRecipient.ETHICS_COMMITTEE: "reported_to_ethics_committee_at",
}

_E = TypeVar("_E", bound=enum.Enum)


def choice(kind: type[_E], value: str, field: str) -> _E:
    """``value`` as a member of ``kind``; otherwise a problem with ``field`` listing the choices."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise InputError.single(field, f"unknown value {value!r}; use one of: {allowed}") from None


def build_adverse_event(
    *,
    term: str,
    ctcae_grade: int,
    onset_on: dt.date,
    aware_at: dt.datetime,
    outcome: str,
    seriousness: Iterable[str],
    products: Mapping[str, tuple[str, bool]],
    resolved_on: dt.date | None = None,
) -> AdverseEvent:
    """The domain's event from typed-in values; ``products``: code → (causality, expected)."""
    return AdverseEvent(
        term=term, grade=ctcae_grade, onset=onset_on, aware_at=aware_at,
        outcome=choice(AeOutcome, outcome, "outcome"),
        seriousness=frozenset(choice(SeriousnessCriterion, c, "seriousness") for c in seriousness),
        products=tuple(
            ProductAssessment(code, choice(Causality, causality, f"products.{code}"), expected)
            for code, (causality, expected) in products.items()
        ),
        resolved_on=resolved_on,
    )  # fmt: skip


def adverse_event_values(
    event: AdverseEvent, *, learnt_at: dt.datetime, started: Mapping[ClockKind, dt.datetime]
) -> dict[str, Any]:
    """The stored columns of ``event``, derived values included.

    ``learnt_at`` is when the site learnt these facts (first report or follow-up): a clock the
    event newly runs starts there; a clock in ``started`` keeps its start.
    """
    clocks = clocks_since(event.seriousness, event.products, aware_at=learnt_at, started=started)
    derived = {
        "susar_products": list(susar_products(event.seriousness, event.products)),
        "deadlines": {c.kind.value: c.due_at.isoformat() for c in clocks},
        "clock_starts": {c.kind.value: c.starts_at.isoformat() for c in clocks},
        # Expectedness per product: ``expected`` (all of them) cannot rebuild a SUSAR decision.
        "expected_by_product": {a.product: a.expected for a in event.products},
        "outcome": event.outcome.value,
    }
    return {
        "term": event.term,
        "ctcae_grade": event.grade,
        "onset_on": event.onset,
        "aware_at": event.aware_at,
        "seriousness_criteria": sorted(c.value for c in event.seriousness),
        "serious": event.is_serious,
        "related_to": {a.product: a.causality.value for a in event.products},
        "expected": all(a.expected for a in event.products),
        "outcome": event.outcome.value,
        "resolved_on": event.resolved_on,
        "derived": derived,
    }


def current_outcome(row: Record) -> AeOutcome:
    """The outcome column, or for a row saved before it existed, the outcome in ``derived``."""
    return AeOutcome(row.get("outcome") or row["derived"].get("outcome", AeOutcome.UNKNOWN))


def _products(row: Record) -> tuple[ProductAssessment, ...]:
    by_product = row["derived"].get("expected_by_product", {})
    return tuple(
        ProductAssessment(
            code, Causality(causality), bool(by_product.get(code, row["expected"]))
        )
        for code, causality in row["related_to"].items()
    )  # fmt: skip


def event_from_row(row: Record) -> AdverseEvent:
    """The stored event as the domain's record (the starting point of a follow-up)."""
    return AdverseEvent(
        term=row["term"], grade=row["ctcae_grade"], onset=row["onset_on"],
        aware_at=row["aware_at"], outcome=current_outcome(row),
        seriousness=frozenset(SeriousnessCriterion(c) for c in row["seriousness_criteria"]),
        products=_products(row), resolved_on=row.get("resolved_on"),
    )  # fmt: skip


def _stored_starts(row: Record) -> dict[ClockKind, dt.datetime]:
    return {
        ClockKind(kind): dt.datetime.fromisoformat(at)
        for kind, at in row["derived"].get("clock_starts", {}).items()
    }


def row_clocks(row: Record) -> tuple[ReportingClock, ...]:
    """The clocks the stored event runs, each from its own start.

    A row saved before follow-up existed stored no starts: its clocks run from awareness.
    """
    return clocks_since(
        [SeriousnessCriterion(c) for c in row["seriousness_criteria"]], _products(row),
        aware_at=row["aware_at"], started=_stored_starts(row),
    )  # fmt: skip


def clock_starts(row: Record) -> dict[ClockKind, dt.datetime]:
    """When each clock the stored event runs started: what a follow-up must keep."""
    return {clock.kind: clock.starts_at for clock in row_clocks(row)}


def clock_readings(row: Record, now: dt.datetime) -> tuple[ClockReading, ...]:
    """Each clock at ``now``: met or late once its report was sent, else running or overdue."""
    return tuple(
        read_clock(clock, now, row.get(REPORT_COLUMNS[CLOCK_RECIPIENT[clock.kind]]))
        for clock in row_clocks(row)
    )
