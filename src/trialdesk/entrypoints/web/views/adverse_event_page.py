"""The adverse-event page: the event now, its reporting clocks, follow-up and "report sent" forms.

Each form posts to :mod:`trialdesk.services.safety.adverse_event_follow_up`; a refusal shows the
page again with the message next to the field of that form (422) and saves nothing; success
redirects back to the form's section.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from trialdesk.domain import labels
from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.domain.safety.adverse_event import AeOutcome
from trialdesk.domain.safety.follow_up import ReportRecipient
from trialdesk.domain.safety.seriousness import SeriousnessCriterion
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import FormValues, errors_by_field, submit_form
from trialdesk.entrypoints.web.views.site_day import site_today
from trialdesk.services.accounts import site_zones
from trialdesk.services.safety import adverse_event_follow_up
from trialdesk.services.subjects import subject_view

__all__ = ["router"]

router = APIRouter(prefix="/subjects")

#: The follow-up's changed fields as a person reads them, with the label table of their values.
_FOLLOWED: dict[str, tuple[str, str | None]] = {
    "ctcae_grade": ("CTCAE grade", None),
    "outcome": ("Outcome", "ae_outcome"),
    "resolved_on": ("End date", None),
    "seriousness_criteria": ("Seriousness criteria", "seriousness"),
    "related_to": ("Relatedness", None),
}


def _shown(value: Any, kind: str | None) -> str:
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, list):
        return ", ".join(_shown(v, kind) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v, kind)}" for k, v in value.items())
    return labels.label(kind, value) if kind is not None else str(value)


def follow_up_changes(changes: dict[str, list[object]]) -> list[tuple[str, str, str]]:
    """Each change of a follow-up report as (what, before, after), in words not codes."""
    shown = []
    for name, (before, after) in changes.items():
        title, kind = _FOLLOWED.get(name, (name.replace("_", " ").capitalize(), None))
        shown.append((title, _shown(before, kind), _shown(after, kind)))
    return shown


def _page(
    request: Request,
    context: ContextDep,
    principal: Principal,
    subject_id: int,
    event_id: int,
    **extra: Any,
) -> Response:
    page = subject_view.load_subject_page(
        context.store.new_read_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip
    event = next((e for e in page.adverse_events if e.id == event_id), None)
    if event is None:
        raise NotFoundError(f"adverse event {event_id} not found")
    now = page.now.astimezone(dt.UTC)
    return render(
        request, "subjects/adverse_event.html",
        {"page": page, "event": event, "today": site_today(context, subject_id, now),
         "values": {}, "errors": {}, "form": "",
         "follow_up_changes": follow_up_changes,
         "ae_outcomes": list(AeOutcome), "criteria": list(SeriousnessCriterion),
         "recipients": list(ReportRecipient), **extra},
        principal=principal, status_code=422 if extra.get("errors") else 200,
    )  # fmt: skip


@router.get("/{subject_id}/adverse-events/{event_id}")
def adverse_event_page(
    request: Request, context: ContextDep, principal: WebUser, subject_id: int, event_id: int
) -> Response:
    return _page(request, context, principal, subject_id, event_id)


def _zone(context: ContextDep, subject_id: int) -> zoneinfo.ZoneInfo:
    """Times on this page are typed like the AE's awareness time: in the subject's site zone."""
    return site_zones.subject_time_zone(
        context.store.new_read_uow(), subject_id=subject_id, default=context.protocol.time_zone
    )


def _submit(
    request: Request,
    context: ContextDep,
    principal: Principal,
    ids: tuple[int, int],
    form_name: str,
    values: FormValues,
    action: Callable[[], object],
) -> Response:
    subject_id, event_id = ids

    def checked_action() -> object:
        values.check()
        return action()

    def redisplay(error: InputError) -> Response:
        typed: dict[str, Any] = {k: v for k, v in values.form.items() if k != "csrf_token"}
        typed["seriousness"] = [str(c) for c in values.form.getlist("seriousness")]
        return _page(
            request, context, principal, subject_id, event_id, errors=errors_by_field(error),
            form=form_name, values=typed,
        )  # fmt: skip

    done = f"/subjects/{subject_id}/adverse-events/{event_id}#{form_name}"
    return submit_form(checked_action, redisplay=redisplay, done=done)


@router.post("/{subject_id}/adverse-events/{event_id}/follow-ups")
def record_follow_up(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    event_id: int,
) -> Response:
    v = FormValues(form)
    zone = _zone(context, subject_id)
    learnt, grade = v.local_moment("reported_at", zone), v.required_number("ctcae_grade")
    resolved_on = v.optional_date("resolved_on")
    # The form shows every criterion ticked as it stands, so what is posted is the new set.
    criteria = {str(c) for c in form.getlist("seriousness")}
    return _submit(
        request, context, principal, (subject_id, event_id), "follow-up", v,
        lambda: adverse_event_follow_up.record_ae_follow_up(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            adverse_event_id=event_id, reported_at=learnt, outcome=v.required("outcome"),
            resolved_on=resolved_on, ctcae_grade=int(grade), seriousness=criteria,
            narrative=v.optional_text("narrative"), reason=v.optional_text("reason"),
            default_time_zone=context.protocol.time_zone,
        ),
    )  # fmt: skip


@router.post("/{subject_id}/adverse-events/{event_id}/reports")
def record_report(
    request: Request,
    context: ContextDep,
    principal: WebUser,
    form: CheckedForm,
    subject_id: int,
    event_id: int,
) -> Response:
    v = FormValues(form)
    zone = _zone(context, subject_id)
    recipient, sent = v.required("recipient"), v.local_moment("reported_at", zone)
    return _submit(
        request, context, principal, (subject_id, event_id), f"report-{recipient}", v,
        lambda: adverse_event_follow_up.record_ae_report(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            adverse_event_id=event_id, recipient=recipient, reported_at=sent,
            reason=v.optional_text("reason"),
        ),
    )  # fmt: skip
