"""The port the randomization use cases need beyond the generic record repository.

Allocation must take "the next unused position of the stratum" atomically, and minimization must
read and update its counts atomically; a generic ``find``/``update`` cannot express the lock that
makes this true under concurrent requests, so the locking read is part of this port and each
adapter implements it with its engine's strongest tool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from trialdesk.services.ports import Record, UnitOfWork

__all__ = ["RandomizationRepository", "RandomizationUnitOfWork"]


class RandomizationRepository(Protocol):
    def lock_list(self, list_id: int) -> None:
        """Hold the list's lock until the transaction ends; allocations from it queue here."""
        ...

    def add_entries(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Insert list entries in one statement."""
        ...

    def entries(self, list_id: int, stratum: str | None = None) -> list[Record]:
        """The list's entries ordered by stratum and position (optionally one stratum)."""
        ...

    def strata(self, list_id: int) -> dict[str, int]:
        """Stratum code → number of entries generated for it."""
        ...

    def lock_stratum(self, list_id: int, stratum: str) -> None:
        """Hold the stratum's lock until the transaction ends; its allocations queue here."""
        ...

    def claim_next_entry(self, list_id: int, stratum: str, subject_id: int) -> Record | None:
        """Give the stratum's lowest unused entry to the subject, in one statement.

        Returns the claimed entry's ``position`` and ``arm``, or ``None`` when the stratum has
        no unused entry left. The caller holds the stratum's lock.
        """
        ...

    def save_secret(self, list_id: int, seed: int, spec: Mapping[str, Any]) -> None:
        """Store the list's seed and the settings it was generated with."""
        ...

    def secret(self, list_id: int) -> tuple[int, dict[str, Any]]:
        """The list's seed and settings (statistician-level code paths only)."""
        ...

    def minimization_counts(self, list_id: int) -> list[Record]:
        """Every (factor, level, arm, count) cell of a minimization list."""
        ...

    def add_to_minimization_cell(self, list_id: int, factor: str, level: str, arm: str) -> None:
        """Add one subject to a cell, creating it at zero first if needed."""
        ...

    def add_allocation_details(self, allocation_id: int, details: Mapping[str, Any]) -> None:
        """Keep what the algorithm computed for an allocation (statistician-only)."""
        ...

    def allocation_details(self, list_id: int) -> dict[int, dict[str, Any]]:
        """Allocation id → details, for the allocations of one list."""
        ...


class RandomizationUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the randomization tables."""

    randomization: RandomizationRepository
