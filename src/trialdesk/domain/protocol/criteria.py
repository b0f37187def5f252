"""Eligibility criteria and the screening fields they are computed from.

A criterion is either computable (a :class:`Rule` over one named screening field) or an
attestation by the investigator (a judgement item, recorded as a yes/no screening field).

Semantics of exclusion criteria: the rule or attestation of an exclusion criterion describes
the *excluding condition* (``active_infection == true``); the criterion is **met** — the patient
passes it — when that condition is absent. An attestation is phrased as what the investigator
confirms (for an exclusion: that the excluding condition is absent), so ``true`` always passes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Attestation",
    "Attester",
    "Comparison",
    "Criterion",
    "CriterionKind",
    "FieldType",
    "Rule",
    "ScreeningField",
]


class FieldType(enum.StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True)
class ScreeningField:
    """A named value recorded at screening, with its unit and plausible range (numbers only)."""

    name: str
    label: str
    type: FieldType
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None


class Comparison(enum.StrEnum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"
    EQ = "=="
    NE = "!="
    BETWEEN = "between"


@dataclass(frozen=True, slots=True)
class Rule:
    """``field op value``; ``between`` uses the inclusive range ``low``–``high``."""

    field: str
    op: Comparison
    value: float | bool | None = None
    low: float | None = None
    high: float | None = None

    @property
    def text(self) -> str:
        """The rule as a reader would write it, e.g. ``anc_10e9_per_l >= 0.5``."""
        if self.op is Comparison.BETWEEN:
            return f"{self.low:g} <= {self.field} <= {self.high:g}"
        value = str(self.value).lower() if isinstance(self.value, bool) else f"{self.value:g}"
        return f"{self.field} {self.op.value} {value}"


@dataclass(frozen=True, slots=True)
class Attestation:
    """A judgement item: the investigator confirms ``statement`` by answering ``field``."""

    field: str
    statement: str


class Attester(enum.StrEnum):
    """Who may record a criterion's answer.

    ``data_entry``: anyone who enters data at the site. ``investigator``: only an investigator at
    the subject's site, for judgement items that ICH E6 makes the investigator's responsibility.
    """

    DATA_ENTRY = "data_entry"
    INVESTIGATOR = "investigator"


class CriterionKind(enum.StrEnum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One eligibility criterion with its text as written; exactly one of rule/attestation."""

    id: str
    kind: CriterionKind
    text: str
    rule: Rule | None = None
    attestation: Attestation | None = None
    attested_by: Attester = Attester.DATA_ENTRY

    @property
    def field(self) -> str:
        """The screening field this criterion reads."""
        if self.rule is not None:
            return self.rule.field
        assert self.attestation is not None  # guaranteed by the protocol reader
        return self.attestation.field

    @property
    def investigator_only(self) -> bool:
        """Whether only an investigator at the subject's site may answer this criterion."""
        return self.attested_by is Attester.INVESTIGATOR
