"""Verification of stored lists and of the allocations made from them.

``verify_list`` regenerates each stratum's list from the secret seed and compares it, entry by
entry, with what is stored. ``verify_allocations`` checks the allocations against the list: every
allocation sits on a list position with the same arm, no position is used twice or skipped, and
each stratum is consumed strictly in list order. Both return a report rather than raising, so a
caller can show every discrepancy; :meth:`VerificationReport.raise_if_failed` turns a failed
report into an :class:`IntegrityError`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from trialdesk.domain.errors import IntegrityError
from trialdesk.domain.randomization.blocks import ListEntry, generate_stratum_list
from trialdesk.domain.randomization.concealment import AllocationRecord
from trialdesk.domain.randomization.spec import RandomizationSpec

__all__ = ["Discrepancy", "VerificationReport", "verify_allocations", "verify_list"]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One difference found; ``position`` is ``None`` when it concerns a whole stratum."""

    stratum: str
    position: int | None
    problem: str

    def __str__(self) -> str:
        where = self.stratum if self.position is None else f"{self.stratum} #{self.position}"
        return f"{where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class VerificationReport:
    list_id: str
    checked: int
    discrepancies: tuple[Discrepancy, ...]

    @property
    def ok(self) -> bool:
        return not self.discrepancies

    def raise_if_failed(self) -> None:
        """Raise :class:`IntegrityError` naming the first discrepancies, if there are any."""
        if self.discrepancies:
            shown = "; ".join(str(d) for d in self.discrepancies[:5])
            more = len(self.discrepancies) - 5
            suffix = f" (and {more} more)" if more > 0 else ""
            raise IntegrityError(f"list {self.list_id} failed verification: {shown}{suffix}")


def verify_list(
    spec: RandomizationSpec, seed: int, list_id: str, stored: Sequence[ListEntry]
) -> VerificationReport:
    """Regenerate every stratum present in ``stored`` and compare it with the stored entries."""
    problems: list[Discrepancy] = []
    by_stratum: dict[str, list[ListEntry]] = defaultdict(list)
    for entry in stored:
        if entry.list_id != list_id:
            problems.append(
                Discrepancy(entry.stratum, entry.position, f"belongs to list {entry.list_id!r}")
            )
        else:
            by_stratum[entry.stratum].append(entry)
    for stratum, entries in by_stratum.items():
        entries.sort(key=lambda e: e.position)
        length = max(len(entries), entries[-1].position)
        expected = generate_stratum_list(spec, seed, list_id, stratum, length)
        problems += _position_problems(stratum, [e.position for e in entries])
        for got in entries:
            want = expected[got.position - 1] if 1 <= got.position <= len(expected) else None
            if want is None:
                problems.append(Discrepancy(stratum, got.position, "is not a list position"))
                continue
            for name in ("arm", "block_number", "block_size"):
                if getattr(want, name) != getattr(got, name):
                    problems.append(
                        Discrepancy(
                            stratum,
                            got.position,
                            f"{name} is {getattr(got, name)!r}, the seed gives "
                            f"{getattr(want, name)!r}",
                        )
                    )
        if len(expected) > length:
            problems.append(
                Discrepancy(stratum, None, f"ends inside block {expected[length].block_number}")
            )
    return VerificationReport(list_id, len(stored), tuple(problems))


def verify_allocations(
    list_id: str, entries: Sequence[ListEntry], allocations: Sequence[AllocationRecord]
) -> VerificationReport:
    """Check ``allocations`` (in the order they were made) against the list ``entries``."""
    listed = {(e.stratum, e.position): e for e in entries if e.list_id == list_id}
    problems: list[Discrepancy] = []
    used: dict[str, list[int]] = defaultdict(list)
    for record in allocations:
        if record.list_id != list_id:
            continue
        key = (record.stratum, record.position)
        entry = listed.get(key)
        if entry is None:
            problems.append(Discrepancy(*key, "is not a position of the list"))
        elif entry.arm != record.arm:
            problems.append(
                Discrepancy(
                    *key, f"subject {record.subject_id} got {record.arm!r}, list says {entry.arm!r}"
                )
            )
        positions = used[record.stratum]
        if record.position in positions:
            problems.append(Discrepancy(*key, "is used twice"))
        elif positions and record.position < positions[-1]:
            problems.append(Discrepancy(*key, "used out of list order"))
        positions.append(record.position)
    for stratum, positions in used.items():
        problems += _skipped(stratum, positions)
    return VerificationReport(list_id, len(allocations), tuple(problems))


def _position_problems(stratum: str, positions: Sequence[int]) -> list[Discrepancy]:
    problems: list[Discrepancy] = []
    seen: set[int] = set()
    for position in positions:
        if position in seen:
            problems.append(Discrepancy(stratum, position, "is used twice"))
        seen.add(position)
    return problems + _skipped(stratum, positions)


def _skipped(stratum: str, positions: Sequence[int]) -> list[Discrepancy]:
    missing = sorted(set(range(1, max(positions) + 1)) - set(positions))
    if not missing:
        return []
    shown = ", ".join(str(p) for p in missing[:10])
    return [Discrepancy(stratum, None, f"positions skipped: {shown}")]
