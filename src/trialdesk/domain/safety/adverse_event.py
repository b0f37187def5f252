"""The adverse-event record: its consistency rules and what follows from it.

Everything derived (seriousness, SUSAR status, reporting clocks) is computed from the recorded
facts, never typed in. An inconsistent record is refused with one
:class:`~trialdesk.domain.errors.FieldError` per problem.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.domain.safety.clocks import (
    ReportingClock,
    ReportingRules,
    reporting_clocks,
    to_utc,
)
from trialdesk.domain.safety.ctcae import CtcaeGrade, ctcae_grade
from trialdesk.domain.safety.seriousness import (
    ProductAssessment,
    SeriousnessCriterion,
    is_serious,
    susar_products,
)

__all__ = ["ENDED_OUTCOMES", "AdverseEvent", "AeOutcome"]


class AeOutcome(enum.StrEnum):
    """Outcome of the event (CDISC AEOUT controlled terms)."""

    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


#: Outcomes after which the event has an end date.
ENDED_OUTCOMES = frozenset(
    {AeOutcome.RECOVERED, AeOutcome.RECOVERED_WITH_SEQUELAE, AeOutcome.FATAL}
)


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """One adverse event as the site records it.

    ``onset`` and ``resolved_on`` are calendar dates at the site; ``aware_at`` (when the site
    learnt of the event) and ``sponsor_aware_at`` are instants with a time zone.
    ``allowed_grades`` are the grades the CTCAE term defines (``None``: 1–5).
    """

    term: str
    grade: int
    onset: dt.date
    aware_at: dt.datetime
    outcome: AeOutcome
    seriousness: frozenset[SeriousnessCriterion] = frozenset()
    products: tuple[ProductAssessment, ...] = ()
    resolved_on: dt.date | None = None
    sponsor_aware_at: dt.datetime | None = None
    allowed_grades: frozenset[int] | None = None

    def __post_init__(self) -> None:
        errors = self._problems()
        if errors:
            raise InputError(errors)

    def _problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if not self.term.strip():
            errors.append(FieldError("term", "must not be blank"))
        try:
            ctcae_grade(self.grade, self.allowed_grades)
        except InputError as error:
            errors.extend(error.errors)
        errors.extend(self._date_problems())
        fatal = self.outcome is AeOutcome.FATAL
        if (self.grade == CtcaeGrade.DEATH) and not fatal:
            errors.append(FieldError("outcome", "must be fatal for a grade 5 event"))
        if fatal and self.grade != CtcaeGrade.DEATH:
            errors.append(FieldError("grade", "must be 5 when the outcome is fatal"))
        if fatal != (SeriousnessCriterion.DEATH in self.seriousness):
            errors.append(
                FieldError(
                    "seriousness",
                    "must include death exactly when the outcome is fatal",
                )
            )
        if self.resolved_on is not None and self.outcome not in ENDED_OUTCOMES:
            errors.append(
                FieldError(
                    "resolved_on",
                    f"is only recorded once the event has ended, not when {self.outcome!s}",
                )
            )
        seen: set[str] = set()
        for i, product in enumerate(self.products):
            if not product.product.strip():
                errors.append(FieldError(f"products[{i}].product", "must not be blank"))
            elif product.product in seen:
                errors.append(FieldError(f"products[{i}].product", "is assessed twice"))
            seen.add(product.product)
        return errors

    def _date_problems(self) -> list[FieldError]:
        errors: list[FieldError] = []
        for name in ("onset", "resolved_on"):
            if isinstance(getattr(self, name), dt.datetime):
                errors.append(FieldError(name, "must be a date without a time"))
        if errors:
            return errors
        if self.resolved_on is not None and self.resolved_on < self.onset:
            errors.append(FieldError("resolved_on", "must not be before onset"))
        try:
            to_utc(self.aware_at, "aware_at")
        except InputError as error:
            return [*errors, *error.errors]
        # The site's own calendar date, so a site east of UTC is not refused at night.
        if self.aware_at.date() < self.onset:
            errors.append(FieldError("aware_at", "must not be before onset"))
        if self.sponsor_aware_at is not None:
            try:
                sponsor = to_utc(self.sponsor_aware_at, "sponsor_aware_at")
            except InputError as error:
                return [*errors, *error.errors]
            if sponsor < self.aware_at:
                errors.append(FieldError("sponsor_aware_at", "must not be before aware_at"))
        return errors

    @property
    def has_ended(self) -> bool:
        """Recovered (with or without sequelae) or fatal: the event has an end date."""
        return self.outcome in ENDED_OUTCOMES

    @property
    def ctcae(self) -> CtcaeGrade:
        return CtcaeGrade(self.grade)

    @property
    def is_serious(self) -> bool:
        return is_serious(self.seriousness)

    @property
    def susar_products(self) -> tuple[str, ...]:
        """Products for which this event is a SUSAR."""
        return susar_products(self.seriousness, self.products)

    @property
    def is_susar(self) -> bool:
        return bool(self.susar_products)

    def reporting_clocks(self, rules: ReportingRules | None = None) -> tuple[ReportingClock, ...]:
        """The expedited reporting clocks this event starts (none when not serious)."""
        return reporting_clocks(
            self.seriousness,
            self.products,
            aware_at=self.aware_at,
            sponsor_aware_at=self.sponsor_aware_at,
            rules=rules,
        )
