"""The stored form of an adverse event: the facts as recorded and everything derived from them.

One function for the first save and for a correction, so seriousness, SUSAR status and the
reporting deadlines of a corrected event come from the same code as those of a new one.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from trialdesk.domain.errors import InputError
from trialdesk.domain.safety.adverse_event import AdverseEvent, AeOutcome
from trialdesk.domain.safety.clocks import reporting_clocks
from trialdesk.domain.safety.seriousness import (
    Causality,
    ProductAssessment,
    SeriousnessCriterion,
    is_serious,
    susar_products,
)
from trialdesk.services.ports import Record

__all__ = ["adverse_event_values", "choice", "recorded_facts"]

_E = TypeVar("_E", bound=enum.Enum)


def choice(kind: type[_E], value: str, field: str) -> _E:
    """The member of ``kind`` named by ``value``; otherwise an input error listing the choices."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise InputError.single(field, f"unknown value {value!r}; use one of: {allowed}") from None


def adverse_event_values(
    *,
    term: str,
    ctcae_grade: int,
    onset_on: dt.date,
    aware_at: dt.datetime,
    outcome: str,
    seriousness: Iterable[str] = (),
    products: Mapping[str, tuple[str, bool]] | None = None,
) -> dict[str, Any]:
    """The columns of an ``adverse_events`` row (without ``subject_id``), checked by the domain.

    ``products`` maps a product code to (investigator causality, expected).
    """
    criteria = frozenset(choice(SeriousnessCriterion, c, "seriousness") for c in seriousness)
    assessments = tuple(
        ProductAssessment(code, choice(Causality, causality, f"products.{code}"), expected)
        for code, (causality, expected) in (products or {}).items()
    )
    event = AdverseEvent(
        term=term, grade=ctcae_grade, onset=onset_on, aware_at=aware_at,
        outcome=choice(AeOutcome, outcome, "outcome"), seriousness=criteria, products=assessments,
    )  # fmt: skip
    clocks = reporting_clocks(criteria, assessments, aware_at=aware_at)
    derived = {
        "susar_products": list(susar_products(criteria, assessments)),
        "deadlines": {c.kind.value: c.due_at.isoformat() for c in clocks},
        "outcome": event.outcome.value,
    }
    return {
        "term": event.term, "ctcae_grade": event.grade, "onset_on": onset_on,
        "aware_at": aware_at, "seriousness_criteria": sorted(c.value for c in criteria),
        "serious": is_serious(criteria),
        "related_to": {a.product: a.causality.value for a in assessments},
        "expected": all(a.expected for a in assessments), "derived": derived,
    }  # fmt: skip


def recorded_facts(row: Record) -> dict[str, Any]:
    """The arguments of :func:`adverse_event_values` that reproduce a stored event."""
    return {
        "term": row["term"], "ctcae_grade": row["ctcae_grade"], "onset_on": row["onset_on"],
        "aware_at": row["aware_at"], "outcome": row["derived"]["outcome"],
        "seriousness": tuple(row["seriousness_criteria"]),
        # One "expected" flag is stored for the event: every product shares it.
        "products": {code: (c, bool(row["expected"])) for code, c in row["related_to"].items()},
    }  # fmt: skip
