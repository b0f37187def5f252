"""Who is compared with whom in a report: arms, coded arms (closed DSMB) or pooled (open)."""

from __future__ import annotations

import enum
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
    def for_report(cls, protocol: Protocol, kind: ReportKind, *, unmasked: bool) -> Grouping:
        """Final report: arm labels. Closed DSMB: ``A``/``B`` in protocol arm order unless the
        board is unmasked. Open DSMB: everybody pooled."""
        arms = sorted(protocol.arms, key=lambda a: a.type.value != "experimental")
        if kind is ReportKind.DSMB_OPEN:
            return cls({a.code: "All patients" for a in arms}, None, None)
        if kind is ReportKind.DSMB_CLOSED and not unmasked:
            codes = [a.code for a in protocol.arms]
            labels = {code: f"Arm {chr(ord('A') + i)}" for i, code in enumerate(codes)}
        else:
            labels = {a.code: a.label for a in arms}
        return cls(labels, labels[arms[0].code], labels[arms[-1].code])
