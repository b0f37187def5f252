"""Allocation concealment: what is recorded versus what a site may see.

The full :class:`AllocationRecord` (list id, stratum, list position, block number and size, or
the minimization scores) is for the statistician and the audit trail. Sites see a
:class:`SiteVisibleAllocation`, which by construction has no field from which the next assignment
could be worked out: no position, block number, block size, list id or imbalance score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["SITE_HIDDEN_FIELDS", "AllocationRecord", "SiteVisibleAllocation", "site_view"]

#: Fields of an :class:`AllocationRecord` that never leave the statistician's side.
SITE_HIDDEN_FIELDS = frozenset(
    {"list_id", "position", "block_number", "block_size", "scores", "probabilities"}
)


@dataclass(frozen=True, slots=True)
class AllocationRecord:
    """Everything recorded about one allocation; irrevocable once written.

    For stratified blocks ``position`` is the 1-based position in the stratum's list and the block
    fields are set; for minimization ``position`` is the allocation's sequence number in the
    stratum and ``scores``/``probabilities`` hold what the algorithm computed, per arm.
    """

    subject_id: str
    arm: str
    stratum: str
    list_id: str
    position: int
    allocated_at: dt.datetime
    allocated_by: str
    block_number: int | None = None
    block_size: int | None = None
    scores: tuple[tuple[str, float], ...] = ()
    probabilities: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class SiteVisibleAllocation:
    """The allocation as a site coordinator sees it: who, which arm, when and by whom."""

    subject_id: str
    arm: str
    allocated_at: dt.datetime
    allocated_by: str


def site_view(record: AllocationRecord) -> SiteVisibleAllocation:
    """The concealed form of ``record`` for site roles."""
    return SiteVisibleAllocation(
        subject_id=record.subject_id,
        arm=record.arm,
        allocated_at=record.allocated_at,
        allocated_by=record.allocated_by,
    )
