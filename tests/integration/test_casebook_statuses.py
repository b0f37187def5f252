"""The casebook service on both engines: statuses from the review tables, access, few reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event

from db_fixtures import SettableClock
from trialdesk.bootstrap import Store, load_protocol
from trialdesk.domain.casebook import CellStatus
from trialdesk.domain.errors import NotFoundError
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from trialdesk.services.review.audit_head_memo import AuditHeadMemo
from trialdesk.services.subjects import casebook, subjects

DAY1 = dt.date(2026, 3, 2)


def _subject(store: Store) -> tuple[int, int, int]:
    """A randomized subject at BJ01 with its day-1 dose and visit; (subject, coordinator, other)."""
    uow = store.new_uow
    for code in ("BJ01", "SH01"):
        accounts.create_site(uow(), code=code, name=code, as_user=None)
    ids = []
    for username, site in (("coord.bj", "BJ01"), ("coord.sh", "SH01")):
        ids.append(accounts.create_user(
            uow(), username=username, full_name=username, password="Correct-Horse-42",
            role="site_coordinator", site_code=site, as_user=None, one_time_password=False,
        ).id)  # fmt: skip
    subject = subjects.register_subject(
        uow(), as_user=ids[0], site_code="BJ01", screening_number="BJ01-S001"
    ).id
    now = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
    with uow() as work:
        work.records.update("subjects", subject, {"state": "randomized"})
        work.records.add("allocations", {"subject_id": subject, "stratum": "s", "arm": "cd25",
                                         "allocated_at": now, "allocated_by": ids[0],
                                         "is_error": False})  # fmt: skip
        work.commit()
    protocol = load_protocol()
    clinical.record_dose(
        uow(), as_user=ids[0], subject_id=subject, product="anti_cd25", administered_on=DAY1,
        weight_kg=65, dose_value=20, dose_unit="mg", protocol=protocol,
    )  # fmt: skip
    clinical.record_visit(
        uow(), as_user=ids[0], subject_id=subject, visit_code="D1", visit_date=DAY1,
        protocol=protocol,
    )  # fmt: skip
    return subject, ids[0], ids[1]


def _status(book: casebook.Casebook, row: str, column: str) -> CellStatus:
    keys = [c.key for c in book.columns]
    grid = next(r for r in book.rows if (r.row.form_code or r.row.kind.value) == row)
    return grid.cells[keys.index(column)].status


def _load(store: Store, user: int, subject: int) -> casebook.Casebook:
    return casebook.load_casebook(
        store.new_read_uow(), as_user=user, subject_id=subject, protocol=load_protocol()
    )


def _add(store: Store, table: str, values: dict[str, Any]) -> None:
    with store.new_uow() as uow:
        uow.records.add(table, values)
        uow.commit()


def test_review_rows_change_the_cell_status(store: Store, clock: SettableClock) -> None:
    subject, coordinator, _ = _subject(store)
    book = _load(store, coordinator, subject)
    assert _status(book, "visit", "D1") is CellStatus.COMPLETE
    assert _status(book, "visit", "D4") is CellStatus.NOT_STARTED
    assert _status(book, "consent", "D1") is CellStatus.NOT_APPLICABLE
    visit = book.rows[3].cells[1].record_ids[0]
    now = clock.now()
    query = {"subject_id": subject, "entity": "visits", "entity_id": visit, "field": None,
             "status": "answered", "created_at": now, "created_by": coordinator}  # fmt: skip
    _add(store, "queries", query)
    # An answered query awaits the raiser's review: not "open" for the casebook.
    assert _status(_load(store, coordinator, subject), "visit", "D1") is CellStatus.COMPLETE
    _add(store, "queries", {**query, "status": "reopened"})
    assert _status(_load(store, coordinator, subject), "visit", "D1") is CellStatus.OPEN_QUERY
    _add(store, "locks", {"subject_id": None, "entity": "study", "entity_id": 0,
                          "locked_at": now, "locked_by": coordinator})  # fmt: skip
    locked = _load(store, coordinator, subject)
    assert _status(locked, "visit", "D1") is CellStatus.LOCKED
    assert _status(locked, "visit", "D4") is CellStatus.LOCKED
    assert not locked.may_enter_data


def test_another_site_s_subject_is_not_found(store: Store) -> None:
    subject, _, other = _subject(store)
    with pytest.raises(NotFoundError):
        _load(store, other, subject)


def test_the_casebook_reads_each_table_once(store: Store) -> None:
    subject, coordinator, _ = _subject(store)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        book = _load(store, coordinator, subject)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert len(book.rows) * len(book.columns) > 90
    assert len(statements) < 30, statements


def test_a_remembered_casebook_lasts_until_the_audit_trail_moves_on(
    store: Store, clock: SettableClock
) -> None:
    subject, coordinator, other = _subject(store)
    memo: AuditHeadMemo[casebook.Casebook] = AuditHeadMemo()
    protocol = load_protocol()

    def load(user: int) -> casebook.Casebook:
        return casebook.load_casebook(
            store.new_read_uow(), as_user=user, subject_id=subject, protocol=protocol, memo=memo
        )

    first = load(coordinator)
    assert load(coordinator) is first  # nothing changed: the same read model
    with pytest.raises(NotFoundError):  # the access check is made on every read
        load(other)
    assert _status(first, "visit", "D4") is CellStatus.NOT_STARTED
    clock.advance(days=3)  # day 4
    clinical.record_visit(
        store.new_uow(), as_user=coordinator, subject_id=subject, visit_code="D4",
        visit_date=DAY1 + dt.timedelta(days=3), protocol=protocol,
    )  # fmt: skip
    after = load(coordinator)
    assert after is not first
    assert _status(after, "visit", "D4") is CellStatus.COMPLETE


def test_the_memo_forgets_the_least_recently_used_model() -> None:
    memo: AuditHeadMemo[str] = AuditHeadMemo(size=2)
    built: list[str] = []

    def build(name: str) -> str:
        built.append(name)
        return name

    for key in ("a", "b", "a", "c", "a", "b"):
        memo.get_or_build(key, lambda key=key: build(key))
    assert built == ["a", "b", "c", "b"]  # "b" was the least recent when "c" came in
