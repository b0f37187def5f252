"""Following an adverse event up: new facts over time, and the reports that stop its clocks.

A follow-up report changes the event's current values (outcome, end date, CTCAE grade,
seriousness, causality) through the audited update, re-derives seriousness, SUSAR status and
deadlines with the first report's rule, and keeps a numbered follow-up row with what changed.
Entering when a report was sent stops the matching clock; correcting that time needs a reason.
Both need data-entry rights at the subject's site and refuse a locked event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from trialdesk.domain.access import Action
from trialdesk.domain.errors import FieldError, InputError, NotFoundError
from trialdesk.domain.safety.adverse_event import ENDED_OUTCOMES, AdverseEvent, AeOutcome
from trialdesk.domain.safety.follow_up import (
    CLOCK_RECIPIENT,
    ReportRecipient,
    follow_up_problems,
    report_time_problems,
)
from trialdesk.services.accounts.access import Actor, load_actor, require_subject
from trialdesk.services.accounts.site_zones import zone_of_subject
from trialdesk.services.clinical.recording import insert_audited, update_audited
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.review.lock_lookup import LockedError, covering_lock
from trialdesk.services.safety.adverse_event_records import (
    FOLLOW_UPS,
    REPORT_COLUMNS,
    adverse_event_values,
    build_adverse_event,
    choice,
    clock_starts,
    current_outcome,
    event_from_row,
    row_clocks,
)
from trialdesk.services.subjects.subjects import not_in_future

__all__ = ["record_ae_follow_up", "record_ae_report"]

#: Fields a follow-up may change, as shown in its "what changed".
_FOLLOWED = ("ctcae_grade", "outcome", "resolved_on", "seriousness_criteria", "related_to")


def _open_event(uow: UnitOfWork, actor: Actor, subject_id: int, adverse_event_id: int) -> Record:
    """The subject's event, held with its subject; another subject's or a deleted one is
    "not found", a locked one is refused."""
    require_subject(uow, actor, subject_id, Action.ENTER_DATA, for_update=True)
    row = uow.records.get("adverse_events", adverse_event_id)
    if row is None or row["subject_id"] != subject_id or row.get("deleted_at") is not None:
        raise NotFoundError(f"adverse event {adverse_event_id} not found")
    lock = covering_lock(uow, "adverse_events", adverse_event_id, subject_id)
    if lock is not None:
        raise LockedError(lock)
    return row


def _followed_event(
    row: Record,
    *,
    outcome: str | None,
    resolved_on: dt.date | None,
    ctcae_grade: int | None,
    seriousness: Collection[str] | None,
    products: Mapping[str, tuple[str, bool]] | None,
) -> AdverseEvent:
    """The event as the follow-up leaves it; ``None`` keeps the current value.

    An end date belongs to an ended event: when the new outcome is not an ended one and no end
    date is given, the stored one is cleared rather than refused.
    """
    now = event_from_row(row)
    new_outcome = outcome if outcome is not None else now.outcome.value
    criteria = seriousness if seriousness is not None else [c.value for c in now.seriousness]
    current = {p.product: (p.investigator.value, p.expected) for p in now.products}
    end = resolved_on
    if end is None and choice(AeOutcome, new_outcome, "outcome") in ENDED_OUTCOMES:
        end = now.resolved_on
    return build_adverse_event(
        term=now.term, ctcae_grade=ctcae_grade if ctcae_grade is not None else now.grade,
        onset_on=now.onset, aware_at=now.aware_at, outcome=new_outcome, seriousness=criteria,
        products=products if products is not None else current, resolved_on=end,
    )  # fmt: skip


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def record_ae_follow_up(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    adverse_event_id: int,
    reported_at: dt.datetime,
    outcome: str | None = None,
    resolved_on: dt.date | None = None,
    ctcae_grade: int | None = None,
    seriousness: Collection[str] | None = None,
    products: Mapping[str, tuple[str, bool]] | None = None,
    narrative: str | None = None,
    reason: str | None = None,
    default_time_zone: str = "UTC",
) -> int:
    """Save follow-up report N of an event; returns the follow-up's id.

    ``default_time_zone`` (the protocol's) is the zone of a site that has none of its own: an
    end date is "in the future" by the site's calendar.

    ``reported_at`` is when the site learnt the new information: a clock the event runs only
    from now on (it became serious, or a SUSAR) starts there. Values left ``None`` stay as they
    are; the audit entries carry ``reason`` or "follow-up report N".
    """
    text = (narrative or "").strip() or None
    with uow:
        actor = load_actor(uow, as_user)
        row = _open_event(uow, actor, subject_id, adverse_event_id)
        event = _followed_event(
            row, outcome=outcome, resolved_on=resolved_on, ctcae_grade=ctcae_grade,
            seriousness=seriousness, products=products,
        )  # fmt: skip
        earlier = uow.records.find(FOLLOW_UPS, adverse_event_id=adverse_event_id)
        errors = follow_up_problems(event, reported_at=reported_at, now=uow.clock.now())
        latest = max((f["reported_at"] for f in earlier), default=None)
        if not errors and latest is not None and reported_at < latest:
            errors.append(
                FieldError(
                    "reported_at",
                    f"must not be before the previous follow-up ({latest.isoformat()})",
                )
            )
        if errors:
            raise InputError(errors)
        if event.resolved_on is not None:
            zone = zone_of_subject(uow, subject_id, default_time_zone)
            not_in_future(uow, "resolved_on", event.resolved_on, zone)
        number = len(earlier) + 1
        values = adverse_event_values(event, learnt_at=reported_at, started=clock_starts(row))
        # A row saved before the outcome had its own column kept it in ``derived``.
        before = {**row, "outcome": current_outcome(row).value}
        changes = {
            name: [_plain(before.get(name)), _plain(values[name])]
            for name in _FOLLOWED
            if before.get(name) != values[name]
        }
        if not changes and text is None:
            raise InputError.single(
                "narrative", "a follow-up report changes something or says what was learnt"
            )
        update_audited(
            uow, actor, "adverse_events", row, values,
            reason=(reason or "").strip() or f"follow-up report {number}", subject_id=subject_id,
        )  # fmt: skip
        follow_up_id = insert_audited(
            uow, actor, FOLLOW_UPS,
            {"adverse_event_id": adverse_event_id, "subject_id": subject_id,
             "follow_up_number": number, "reported_at": reported_at, "changes": changes,
             "narrative": text},
            subject_id=subject_id,
        )  # fmt: skip
        uow.commit()
    return follow_up_id


def record_ae_report(
    uow: UnitOfWork,
    *,
    as_user: int,
    subject_id: int,
    adverse_event_id: int,
    recipient: str,
    reported_at: dt.datetime,
    reason: str | None = None,
) -> None:
    """Enter when the report to ``recipient`` was sent; it stops that recipient's clock.

    The first entry needs no reason; changing a time already entered does. A report is refused
    for a clock the event does not run (a regulator report of an event that is no SUSAR), and
    before the site knew what it reports.
    """
    to = choice(ReportRecipient, recipient, "recipient")
    column = REPORT_COLUMNS[to]
    with uow:
        actor = load_actor(uow, as_user)
        row = _open_event(uow, actor, subject_id, adverse_event_id)
        starts = [c.starts_at for c in row_clocks(row) if CLOCK_RECIPIENT[c.kind] is to]
        if not starts and to is not ReportRecipient.ETHICS_COMMITTEE:
            raise InputError.single(
                "recipient", f"this event runs no clock for a report to the {to.replace('_', ' ')}"
            )
        start = min(starts, default=row["aware_at"])
        errors = report_time_problems(reported_at, clock_start=start, now=uow.clock.now())
        if errors:
            raise InputError(errors)
        first = row.get(column) is None
        update_audited(
            uow, actor, "adverse_events", row, {column: reported_at},
            reason=(reason or f"report to the {to.replace('_', ' ')} sent") if first else reason,
            subject_id=subject_id,
        )  # fmt: skip
        uow.commit()
