"""The review facts behind the casebook's cells: queries, source verification, signatures, locks.

Each table is read once for the subject (the site and study locks once each) and indexed by
record, so building a grid of a hundred cells costs four reads, not four hundred. The facts are
read straight from the tables the review workflow writes: a query is open while its status is
``open`` or ``reopened``; a source-verification mark counts while it has not been reset and
covers the whole form (``field`` NULL); a signature counts while it is valid; a lock while it has
not been unlocked. A valid signature on the subject itself signs the whole casebook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from trialdesk.domain.casebook import CellFacts
from trialdesk.services.ports import Record, UnitOfWork

__all__ = ["OPEN_QUERY_STATUSES", "ReviewFacts", "load_review_facts", "review_facts"]

#: Query statuses the casebook counts as open ("answered" awaits the raiser's review).
OPEN_QUERY_STATUSES = frozenset({"open", "reopened"})

_Key = tuple[str, int]


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    open_queries: Counter[_Key]
    verified: frozenset[_Key]
    signed: frozenset[_Key]
    locked: frozenset[_Key]
    #: A subject, site or study lock: every form of the subject is locked.
    all_locked: bool
    #: A valid signature on the subject: the investigator signed the casebook.
    casebook_signed: bool

    def cell(
        self,
        table: str,
        record_ids: Iterable[int],
        *,
        applicable: bool = True,
        cancelled: bool = False,
        incomplete: bool = False,
    ) -> CellFacts:
        """The facts of a cell holding ``record_ids`` of ``table``."""
        keys = [(table, i) for i in record_ids]
        signed = bool(keys) and (self.casebook_signed or all(k in self.signed for k in keys))
        return CellFacts(
            applicable=applicable,
            cancelled=cancelled,
            records=len(keys),
            incomplete=incomplete,
            open_queries=sum(self.open_queries[k] for k in keys),
            verified=bool(keys) and all(k in self.verified for k in keys),
            signed=signed,
            locked=self.all_locked or (bool(keys) and any(k in self.locked for k in keys)),
        )


def _keys(rows: Iterable[Record]) -> frozenset[_Key]:
    return frozenset((r["entity"], r["entity_id"]) for r in rows)


def review_facts(
    subject: Record,
    queries: Iterable[Record],
    marks: Iterable[Record],
    signatures: Iterable[Record],
    locks: Iterable[Record],
) -> ReviewFacts:
    """Index one subject's review rows; ``locks`` may include site and study locks of others."""
    subject_id = subject["id"]
    valid = _keys(s for s in signatures if s["is_valid"])
    live = [lock for lock in locks if not lock["unlocked_at"]]
    wide = {("subjects", subject_id), ("sites", subject["site_id"])}
    return ReviewFacts(
        open_queries=Counter(
            (q["entity"], q["entity_id"]) for q in queries if q["status"] in OPEN_QUERY_STATUSES
        ),
        verified=_keys(m for m in marks if m["reset_at"] is None and m["field"] is None),
        signed=valid,
        locked=_keys(live),
        all_locked=any(
            (lock["entity"], lock["entity_id"]) in wide or lock["entity"] == "study"
            for lock in live
        ),
        casebook_signed=("subjects", subject_id) in valid,
    )


def load_review_facts(uow: UnitOfWork, subject: Record) -> ReviewFacts:
    """The subject's queries, marks, signatures and locks (with its site's and the study's)."""
    subject_id = subject["id"]
    locks = uow.records.find("locks", subject_id=subject_id)
    locks += uow.records.find("locks", entity="sites", entity_id=subject["site_id"])
    locks += uow.records.find("locks", entity="study")
    return review_facts(
        subject,
        uow.records.find("queries", subject_id=subject_id),
        uow.records.find("sdv_marks", subject_id=subject_id),
        uow.records.find("signatures", subject_id=subject_id),
        locks,
    )
