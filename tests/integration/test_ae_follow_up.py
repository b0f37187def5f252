"""AE follow-up on both engines: current values change with audit rows, report dates stop clocks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import lock_moves
from db_fixtures import SettableClock
from trial_world import TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, NotFoundError, PermissionDeniedError, StateError
from trialdesk.services.clinical import clinical
from trialdesk.services.review.dashboard import trial_dashboard
from trialdesk.services.safety.adverse_event_follow_up import record_ae_follow_up, record_ae_report
from trialdesk.services.subjects import subject_view

AWARE = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
ONSET = dt.date(2026, 3, 1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _report(world: TrialWorld, *, serious: bool = True, grade: int = 3) -> int:
    return clinical.report_adverse_event(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        term="Pneumonia", ctcae_grade=grade, onset_on=ONSET, aware_at=AWARE,
        outcome="recovering", seriousness=frozenset({"hospitalization"} if serious else set()),
        products={"anti_cd25": ("unlikely", True)},
    )  # fmt: skip


def _row(world: TrialWorld, event_id: int) -> dict[str, Any]:
    with world.store.new_uow() as uow:
        row = uow.records.get("adverse_events", event_id)
    assert row is not None
    return row


def _view(world: TrialWorld, event_id: int) -> subject_view.AdverseEventView:
    page = subject_view.load_subject_page(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        protocol=world.protocol,
    )  # fmt: skip
    return next(e for e in page.adverse_events if e.id == event_id)


def _updates(world: TrialWorld, event_id: int) -> dict[str, str | None]:
    with world.store.new_uow() as uow:
        return {
            str(e.field): e.reason
            for e in uow.audit.entries(subject_id=world.subject_id)
            if e.action is AuditAction.UPDATE and e.entity_id == str(event_id)
        }


def _follow_up(world: TrialWorld, event_id: int, **kwargs: Any) -> int:
    return record_ae_follow_up(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        adverse_event_id=event_id, **kwargs,
    )  # fmt: skip


def _sent(world: TrialWorld, event_id: int, recipient: str, at: dt.datetime, **kw: Any) -> None:
    record_ae_report(
        world.store.new_uow(), as_user=world.coordinator, subject_id=world.subject_id,
        adverse_event_id=event_id, recipient=recipient, reported_at=at, **kw,
    )  # fmt: skip


def test_a_follow_up_changes_the_current_values_with_audit_rows(world: TrialWorld) -> None:
    event_id = _report(world, serious=False, grade=2)
    assert _view(world, event_id).clocks == ()
    learnt = AWARE + 20 * HOUR
    _follow_up(
        world, event_id, reported_at=learnt, ctcae_grade=3, seriousness={"hospitalization"},
        narrative="Admitted for IV antibiotics.",
    )  # fmt: skip
    row = _row(world, event_id)
    assert (row["ctcae_grade"], row["serious"], row["outcome"]) == (3, True, "recovering")
    # Seriousness learnt at the follow-up: the 24-hour clock counts from the follow-up.
    assert row["derived"]["deadlines"] == {
        "investigator_to_sponsor": (learnt + 24 * HOUR).isoformat()
    }
    assert _updates(world, event_id)["ctcae_grade"] == "follow-up report 1"
    _follow_up(
        world, event_id, reported_at=learnt + HOUR, outcome="recovered",
        resolved_on=dt.date(2026, 3, 2), reason="discharge letter received",
    )  # fmt: skip
    view = _view(world, event_id)
    assert (view.outcome, view.resolved_on) == ("recovered", dt.date(2026, 3, 2))
    [clock] = view.clocks
    assert clock.starts_at == learnt  # the second follow-up did not restart it
    assert [(f.number, sorted(f.changes)) for f in view.follow_ups] == [
        (1, ["ctcae_grade", "seriousness_criteria"]),
        (2, ["outcome", "resolved_on"]),
    ]
    assert view.follow_ups[0].narrative == "Admitted for IV antibiotics."
    assert view.follow_ups[1].changes["outcome"] == ["recovering", "recovered"]
    assert _updates(world, event_id)["resolved_on"] == "discharge letter received"


def test_a_row_saved_before_follow_up_existed_is_followed_from_its_derived_outcome(
    world: TrialWorld,
) -> None:
    event_id = _report(world)
    with world.store.new_uow() as uow:  # as migration 0006 leaves an older row
        derived = {"susar_products": [], "deadlines": {}, "outcome": "recovering"}
        uow.records.update("adverse_events", event_id, {"outcome": None, "derived": derived})
        uow.commit()
    assert _view(world, event_id).outcome == "recovering"
    _follow_up(world, event_id, reported_at=AWARE + HOUR, narrative="Still on the ward.")
    row = _row(world, event_id)
    assert row["outcome"] == "recovering"
    assert row["derived"]["clock_starts"] == {"investigator_to_sponsor": AWARE.isoformat()}


def test_a_report_date_stops_the_clock_and_the_dashboard_stops_showing_it(
    world: TrialWorld,
) -> None:
    event_id = _report(world)
    dashboard = trial_dashboard(world.store.new_uow(), as_user=world.coordinator,
                                protocol=world.protocol)  # fmt: skip
    [listed] = dashboard.open_serious_events
    assert [c.kind for c in listed.clocks] == ["investigator_to_sponsor"]
    _sent(world, event_id, "sponsor", AWARE + 2 * HOUR)
    [clock] = _view(world, event_id).clocks
    assert (clock.status.value, clock.summary, clock.reported_at) == (
        "met",
        "met",
        AWARE + 2 * HOUR,
    )
    dashboard = trial_dashboard(world.store.new_uow(), as_user=world.coordinator,
                                protocol=world.protocol)  # fmt: skip
    assert [e.clocks for e in dashboard.open_serious_events] == [()]
    assert _updates(world, event_id)["reported_to_sponsor_at"] == "report to the sponsor sent"


def test_a_report_after_the_deadline_reads_late_by_how_much(
    world: TrialWorld, clock: SettableClock
) -> None:
    event_id = _report(world)
    [running] = _view(world, event_id).clocks
    assert running.summary == "overdue by 30 min"  # due 08:30, read at 09:00
    clock.advance(hours=5)
    _sent(world, event_id, "sponsor", AWARE + 26 * HOUR + 15 * dt.timedelta(minutes=1))
    [late] = _view(world, event_id).clocks
    assert (late.status.value, late.delay, late.summary) == (
        "late",
        dt.timedelta(hours=2, minutes=15),
        "late by 2 h 15 min",
    )


def test_correcting_a_report_date_needs_a_reason(world: TrialWorld) -> None:
    event_id = _report(world)
    _sent(world, event_id, "sponsor", AWARE + 2 * HOUR)
    with pytest.raises(InputError, match="reason: a reason for change is required"):
        _sent(world, event_id, "sponsor", AWARE + 3 * HOUR)
    _sent(world, event_id, "sponsor", AWARE + 3 * HOUR, reason="fax log shows 11:30")
    assert _row(world, event_id)["reported_to_sponsor_at"] == AWARE + 3 * HOUR
    assert _updates(world, event_id)["reported_to_sponsor_at"] == "fax log shows 11:30"


_BAD: dict[str, tuple[Callable[[TrialWorld, int], object], str]] = {
    "report before awareness": (
        lambda w, e: _sent(w, e, "sponsor", AWARE - HOUR), "reported_at"),
    "report in the future": (
        lambda w, e: _sent(w, e, "sponsor", AWARE + 48 * HOUR), "reported_at"),
    "report without a time zone": (
        lambda w, e: _sent(w, e, "sponsor", dt.datetime(2026, 3, 1, 10)), "reported_at"),
    "regulator report of an event that is no SUSAR": (
        lambda w, e: _sent(w, e, "regulator", AWARE + HOUR), "recipient"),
    "unknown recipient": (lambda w, e: _sent(w, e, "press", AWARE + HOUR), "recipient"),
    "recovered without end date": (
        lambda w, e: _follow_up(w, e, reported_at=AWARE + HOUR, outcome="recovered"),
        "resolved_on"),
    "end date before onset": (
        lambda w, e: _follow_up(w, e, reported_at=AWARE + HOUR, outcome="recovered",
                                resolved_on=ONSET - dt.timedelta(days=1)), "resolved_on"),
    "end date in the future": (
        lambda w, e: _follow_up(w, e, reported_at=AWARE + HOUR, outcome="recovered",
                                resolved_on=ONSET + dt.timedelta(days=5)), "resolved_on"),
    "fatal at grade 3": (
        lambda w, e: _follow_up(w, e, reported_at=AWARE + HOUR, outcome="fatal",
                                resolved_on=ONSET, seriousness={"death"}), "grade"),
    "follow-up learnt before the event": (
        lambda w, e: _follow_up(w, e, reported_at=AWARE - HOUR, ctcae_grade=4), "reported_at"),
    "follow-up that says nothing": (
        lambda w, e: _follow_up(w, e, reported_at=AWARE + HOUR), "narrative"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(_BAD))
def test_bad_input_names_the_field_and_saves_nothing(world: TrialWorld, case: str) -> None:
    event_id = _report(world)
    before = _row(world, event_id)
    with world.store.new_uow() as uow:
        entries = len(list(uow.audit.entries()))
    action, field = _BAD[case]
    with pytest.raises(InputError) as raised:
        action(world, event_id)
    assert field in [e.field for e in raised.value.errors]
    assert _row(world, event_id) == before
    assert world.count("adverse_event_follow_ups") == 0
    with world.store.new_uow() as uow:
        assert len(list(uow.audit.entries())) == entries


def test_a_locked_event_refuses_follow_ups_and_report_dates(world: TrialWorld) -> None:
    event_id = _report(world)
    lock_moves.lock_record(
        world.store.new_uow(), as_user=world.user(Role.DATA_MANAGER), entity="adverse_events",
        record_id=event_id,
    )  # fmt: skip
    with pytest.raises(StateError, match="locked"):
        _follow_up(world, event_id, reported_at=AWARE + HOUR, narrative="more news")
    with pytest.raises(StateError, match="locked"):
        _sent(world, event_id, "sponsor", AWARE + HOUR)
    assert world.count("adverse_event_follow_ups") == 0
    assert _row(world, event_id)["reported_to_sponsor_at"] is None


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ((Role.SITE_COORDINATOR, "SH02"), NotFoundError),
        ((Role.MONITOR, "BJ01"), PermissionDeniedError),
    ],
    ids=["other site", "monitor"],
)
def test_only_data_entry_at_the_subjects_site_may_follow_up(
    world: TrialWorld, who: tuple[Role, str], refusal: type[Exception]
) -> None:
    # Another site's subject is not found; a monitor who sees it is told they may not.
    event_id = _report(world)
    with pytest.raises(refusal):
        record_ae_follow_up(
            world.store.new_uow(), as_user=world.user(*who), subject_id=world.subject_id,
            adverse_event_id=event_id, reported_at=AWARE + HOUR, narrative="news",
        )  # fmt: skip
    with pytest.raises(refusal):
        record_ae_report(
            world.store.new_uow(), as_user=world.user(*who), subject_id=world.subject_id,
            adverse_event_id=event_id, recipient="sponsor", reported_at=AWARE + HOUR,
        )  # fmt: skip


def test_follow_ups_are_numbered_in_the_order_the_site_learnt_them(world: TrialWorld) -> None:
    event_id = _report(world)
    _follow_up(world, event_id, reported_at=AWARE + 2 * HOUR, narrative="CT scan done.")
    with pytest.raises(InputError, match="reported_at: must not be before the previous follow-up"):
        _follow_up(world, event_id, reported_at=AWARE + HOUR, narrative="Earlier news.")
    _follow_up(world, event_id, reported_at=AWARE + 2 * HOUR, ctcae_grade=4)
    assert [f.number for f in _view(world, event_id).follow_ups] == [1, 2]
