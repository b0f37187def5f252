"""Seriousness (ICH E2A), causality per study product, expectedness and SUSAR determination.

An adverse event is *serious* when at least one ICH E2A criterion applies, whatever its CTCAE
grade. It is a *SUSAR* (suspected unexpected serious adverse reaction) when it is serious and,
for at least one study product, both related and unexpected.

Causality is assessed per study product (here UC-MSC and anti-CD25 mAb) on the five-point scale
unrelated < unlikely < possible < probable < definite; "related" means possible or above. When
investigator and sponsor disagree and either of them cannot rule out a relationship, the event
is handled as related (the more cautious view wins), as Chinese practice requires.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass

__all__ = [
    "Causality",
    "ProductAssessment",
    "SeriousnessCriterion",
    "is_serious",
    "susar_products",
]


class SeriousnessCriterion(enum.StrEnum):
    """ICH E2A criteria that make an adverse event serious."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    #: Requires inpatient hospitalization or prolongs an existing one.
    HOSPITALIZATION = "hospitalization"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    #: Medically important: needs intervention to prevent one of the outcomes above.
    IMPORTANT_MEDICAL_EVENT = "important_medical_event"


def is_serious(criteria: Collection[SeriousnessCriterion]) -> bool:
    """Serious if and only if at least one ICH E2A criterion applies."""
    return len(criteria) > 0


class Causality(enum.StrEnum):
    """Relationship between an adverse event and a study product."""

    UNRELATED = "unrelated"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"

    @property
    def rank(self) -> int:
        """Position on the scale, 0 (unrelated) to 4 (definite)."""
        return list(Causality).index(self)

    @property
    def is_related(self) -> bool:
        """Possible or above counts as related."""
        return self.rank >= Causality.POSSIBLE.rank


@dataclass(frozen=True, slots=True)
class ProductAssessment:
    """Causality and expectedness of one adverse event for one study product.

    ``product`` is the protocol's intervention code (``uc_msc``, ``anti_cd25``). ``expected`` is
    judged against that product's reference safety information (investigator's brochure or
    label). ``sponsor`` is ``None`` until the sponsor has assessed the case.
    """

    product: str
    investigator: Causality
    expected: bool
    sponsor: Causality | None = None

    @property
    def causality(self) -> Causality:
        """The causality that counts: the more cautious of investigator and sponsor."""
        if self.sponsor is None or self.investigator.rank >= self.sponsor.rank:
            return self.investigator
        return self.sponsor

    @property
    def is_related(self) -> bool:
        """Related unless both investigator and sponsor rule a relationship out."""
        return self.causality.is_related

    @property
    def is_suspected_unexpected(self) -> bool:
        """Related and not listed in the product's reference safety information."""
        return self.is_related and not self.expected


def susar_products(
    criteria: Collection[SeriousnessCriterion], products: Iterable[ProductAssessment]
) -> tuple[str, ...]:
    """Codes of the products for which the event is a SUSAR (empty: not a SUSAR)."""
    if not is_serious(criteria):
        return ()
    return tuple(p.product for p in products if p.is_suspected_unexpected)
