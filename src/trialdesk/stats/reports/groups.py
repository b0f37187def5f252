"""Who is compared with whom in a report: arms, coded arms (closed DSMB) or pooled (open)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from trialdesk.domain.protocol import Protocol

__all__ = ["Grouping", "ReportKind"]


class ReportKind(enum.StrEnum):
    FINAL = "final"
    DSMB_CLOSED = "dsmb_closed"
    DSMB_OPEN = "dsmb_open"


@dataclass(frozen=True, slots=True)
class Grouping:
    """Arm code → column label; ``experimental`` and ``control`` are labels (None when pooled)."""

    labels: dict[str, str]
    experimental: str | None
    control: str | None

    @property
    def columns(self) -> list[str]:
        """Column labels in display order."""
        return list(dict.fromkeys(self.labels.values()))

    @property
    def compares(self) -> bool:
        """Two arms are compared (not the pooled open report)."""
        return self.experimental is not None and self.control is not None

    @classmethod
    def for_report(
        cls,
        protocol: Protocol,
        kind: ReportKind,
        *,
        unmasked: bool,
        coded_order: Sequence[str] | None = None,
    ) -> Grouping:
        """Final report: arm labels. Closed DSMB: ``Arm A``, ``Arm B``… unless the board is
        unmasked. Open DSMB: everybody pooled.

        ``coded_order`` lists the arm codes in the order that receives A, B, …: the trial's own
        coding key (kept in the trial settings and drawn at random once), so the code does not
        follow the protocol's arm order and a reader cannot decode it from the protocol. Coded
        arms are compared as A against B; which of them is experimental stays unsaid.
        """
        arms = sorted(protocol.arms, key=lambda a: a.type.value != "experimental")
        if kind is ReportKind.DSMB_OPEN:
            return cls({a.code: "All patients" for a in arms}, None, None)
        if kind is ReportKind.DSMB_CLOSED and not unmasked:
            order = list(coded_order) if coded_order is not None else [a.code for a in arms]
            if sorted(order) != sorted(a.code for a in protocol.arms):
                raise ValueError(f"the arm coding {order} does not list the protocol's arms")
            labels = {code: f"Arm {chr(ord('A') + i)}" for i, code in enumerate(order)}
            ordered = dict(sorted(labels.items(), key=lambda item: item[1]))
            return cls(ordered, "Arm A", f"Arm {chr(ord('A') + len(order) - 1)}")
        labels = {a.code: a.label for a in arms}
        return cls(labels, labels[arms[0].code], labels[arms[-1].code])
