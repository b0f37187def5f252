"""What the closed DSMB report must not show by arm, because it would tell the arms apart.

With coded arms (Arm A / Arm B) a board member must not learn which arm got which product. A
product given in one arm only unmasks through anything tied to it: its name, its exposure (zero in
the other arm by design) and the adverse events specific to it (the protocol lists them in
``safety.product_specific_terms``, e.g. infusion reactions to the cells). The final report and the
pooled open report keep all of it; an unmasked closed report (a board that chose to see the arms)
keeps it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.reports.groups import Grouping, ReportKind

__all__ = ["Masking"]


@dataclass(frozen=True, slots=True)
class Masking:
    """The products and AE terms a report leaves out of its by-arm tables (none: nothing)."""

    #: Codes of the products given in some arms only.
    products: frozenset[str]
    #: CTCAE terms (case-folded) specific to those products.
    terms: frozenset[str]

    @property
    def active(self) -> bool:
        return bool(self.products or self.terms)

    def hides_term(self, term: str) -> bool:
        return term.casefold() in self.terms

    @classmethod
    def for_report(cls, protocol: Protocol, kind: ReportKind, grouping: Grouping) -> Masking:
        """Masking for the closed report with coded arms; nothing for any other report."""
        coded = kind is ReportKind.DSMB_CLOSED and all(
            label != arm.label for arm in protocol.arms for label in grouping.labels.values()
        )
        if not coded:
            return cls(frozenset(), frozenset())
        every_arm = set.intersection(*({i.code for i in a.interventions} for a in protocol.arms))
        some_arms = {i.code for a in protocol.arms for i in a.interventions} - every_arm
        terms = frozenset(
            term.casefold()
            for product, listed in protocol.safety.product_specific_terms
            if product in some_arms for term in listed
        )  # fmt: skip
        return cls(frozenset(some_arms), terms)
