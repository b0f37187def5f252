"""Subject list, registration, screening (live eligibility checklist), consent and randomization.

Every form posts to a service; a refusal re-renders the page with the message next to the field
(status 422) and nothing is saved; success redirects (303) to the page that shows the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.access import Action, role_allows
from trialdesk.domain.calendar import check_weight
from trialdesk.domain.eligibility import investigator_fields
from trialdesk.domain.errors import AuthenticationError, FieldError, InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.api.routes.planning import calendar_read
from trialdesk.entrypoints.api.schemas.subjects import CalendarPreview
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import FormValues, errors_by_field, submit_form
from trialdesk.entrypoints.web.views.site_day import site_today
from trialdesk.services.accounts import accounts
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.subjects import eligibility_signoff, subject_view, subjects

__all__ = ["router"]

router = APIRouter(prefix="/subjects")


def _sites_for(principal: Principal) -> list[str]:
    return sorted(
        g.site_code
        for g in principal.user.grants
        if g.site_code is not None and role_allows([g.role], Action.ENTER_DATA)
    )


def _list_page(
    request: Request, context: ContextDep, principal: Principal, **extra: Any
) -> Response:
    found = subjects.list_subjects(context.store.new_uow(), as_user=principal.user_id)
    sites = {s.code: s.name for s in accounts.list_sites(context.store.new_uow())}
    return render(
        request, "subjects/list.html",
        {"subjects": found, "sites": sites, "entry_sites": _sites_for(principal), "values": {},
         **extra},
        principal=principal, status_code=422 if extra.get("errors") else 200,
    )  # fmt: skip


@router.get("")
def subject_list(request: Request, context: ContextDep, principal: WebUser) -> Response:
    return _list_page(request, context, principal)


@router.post("")
def register(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    values = FormValues(form)
    site, number = values.text("site_code"), values.text("screening_number")
    try:
        created = subjects.register_subject(
            context.store.new_uow(), as_user=principal.user_id, site_code=site,
            screening_number=number,
        )  # fmt: skip
    except InputError as error:
        return _list_page(
            request, context, principal, errors=errors_by_field(error),
            values={"site_code": site, "screening_number": number},
        )  # fmt: skip
    return RedirectResponse(f"/subjects/{created.id}/screening", status_code=303)


def _page(context: ContextDep, principal: Principal, subject_id: int) -> subject_view.SubjectPage:
    return subject_view.load_subject_page(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip


def _screening_page(
    request: Request, context: ContextDep, principal: Principal, subject_id: int, **extra: Any
) -> Response:
    page = _page(context, principal, subject_id)
    protocol: Protocol = context.protocol
    signoff = _signoff(context, principal, subject_id)
    latest = page.screenings[-1] if page.screenings else None
    if signoff.screening_id is not None:  # the record in force, as randomization reads it
        latest = next((s for s in page.screenings if s["id"] == signoff.screening_id), latest)
    today = site_today(context, subject_id, page.now)
    return render(
        request, "subjects/screening.html",
        {"page": page, "protocol": protocol, "latest": latest, "today": today,
         "answers": latest["answers"] if latest else {}, "errors": {}, "form": "",
         "signoff": signoff, "reserved": investigator_fields(protocol), **extra},
        principal=principal, status_code=422 if extra.get("errors") else 200,
    )  # fmt: skip


def _signoff(
    context: ContextDep, principal: Principal, subject_id: int
) -> eligibility_signoff.EligibilitySignoff:
    return eligibility_signoff.load_signoff(
        context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
        protocol=context.protocol,
    )  # fmt: skip


@router.get("/{subject_id}/screening")
def screening_page(
    request: Request, context: ContextDep, principal: WebUser, subject_id: int
) -> Response:
    return _screening_page(request, context, principal, subject_id)


def _submit(
    request: Request,
    context: ContextDep,
    principal: Principal,
    subject_id: int,
    form_name: str,
    action: Callable[[], object],
    done: str,
    **extra: Any,
) -> Response:
    return submit_form(
        action,
        redisplay=lambda error: _screening_page(
            request, context, principal, subject_id, errors=errors_by_field(error, "answers."),
            form=form_name, **extra,
        ),
        done=done,
    )  # fmt: skip


def _answers(values: FormValues, protocol: Protocol) -> dict[str, object]:
    answers: dict[str, object] = {}
    for field in protocol.screening_fields:
        if field.type.value == "boolean":
            raw = values.text(field.name)
            if raw in {"yes", "no"}:
                answers[field.name] = raw == "yes"
        else:
            number = values.number(field.name)
            if number is not None:
                answers[field.name] = int(number) if field.type.value == "integer" else number
    return answers


@router.post("/{subject_id}/screening")
def save_screening(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    values = FormValues(form)
    answers = _answers(values, context.protocol)
    screened_on = values.date("screened_on")

    def save() -> None:
        values.check()
        subjects.record_screening(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            screened_on=screened_on, answers=answers, protocol=context.protocol,
        )  # fmt: skip

    return _submit(
        request, context, principal, subject_id, "screening", save,
        f"/subjects/{subject_id}/screening", answers=answers,
    )  # fmt: skip


@router.post("/{subject_id}/screening/attestations")
def attest_criteria(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    """The investigator answers the criteria reserved to them on the saved screening."""
    values = FormValues(form)
    answers = {
        name: values.text(name) == "yes"
        for name in investigator_fields(context.protocol)
        if values.text(name) in {"yes", "no"}
    }

    def save() -> None:
        values.check()
        eligibility_signoff.attest_criteria(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            answers=answers, protocol=context.protocol, reason=values.text("reason") or None,
        )  # fmt: skip

    return _submit(
        request, context, principal, subject_id, "attestation", save,
        f"/subjects/{subject_id}/screening",
    )  # fmt: skip


@router.post("/{subject_id}/eligibility-signature")
def sign_eligibility(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    """The investigator signs the eligibility with their password."""
    values = FormValues(form)

    def save() -> None:
        values.check()
        try:
            eligibility_signoff.sign_eligibility(
                context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
                password=values.text("password"),
            )  # fmt: skip
        except AuthenticationError as error:
            raise InputError.single("password", error.message) from None

    return _submit(
        request, context, principal, subject_id, "signature", save,
        f"/subjects/{subject_id}/screening",
    )  # fmt: skip


@router.post("/{subject_id}/consent")
def save_consent(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    values = FormValues(form)
    consented_on = values.date("consented_on")

    def save() -> None:
        values.check()
        subjects.record_consent(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            consented_on=consented_on, form_version=values.text("form_version"),
            obtained_by=values.text("obtained_by"),
        )  # fmt: skip

    return _submit(
        request, context, principal, subject_id, "consent", save,
        f"/subjects/{subject_id}/screening",
    )  # fmt: skip


@router.post("/{subject_id}/state")
def change_state(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    values = FormValues(form)
    target = values.text("state")

    def save() -> None:
        reason = values.required("reason")
        values.check()
        subjects.change_state(
            context.store.new_uow(), as_user=principal.user_id, subject_id=subject_id,
            target=target, reason=reason,
        )  # fmt: skip

    return _submit(
        request, context, principal, subject_id, "state", save,
        f"/subjects/{subject_id}/screening",
    )  # fmt: skip


def _randomize_page(
    request: Request, context: ContextDep, principal: Principal, subject_id: int, **extra: Any
) -> Response:
    page = _page(context, principal, subject_id)
    today = site_today(context, subject_id, page.now)
    values = {"baseline_grade": "", "gi_involvement": "", "weight_kg": "",
              "day1": today.isoformat(), **extra.pop("values", {})}  # fmt: skip
    return render(
        request, "subjects/randomize.html",
        {"page": page, "protocol": context.protocol, "values": values, "errors": {},
         "confirm": False, "signoff": _signoff(context, principal, subject_id), **extra},
        principal=principal, status_code=422 if extra.get("errors") else 200,
    )  # fmt: skip


@router.get("/{subject_id}/randomize")
def randomize_form(
    request: Request, context: ContextDep, principal: WebUser, subject_id: int
) -> Response:
    return _randomize_page(request, context, principal, subject_id)


def _randomization_values(values: FormValues, protocol: Protocol) -> dict[str, Any]:
    grade = values.required_number("baseline_grade")
    if grade == grade and grade not in {1, 2, 3, 4}:  # NaN (missing) is reported already
        values.problems.append(FieldError("baseline_grade", "use 1–4"))
    gi = values.text("gi_involvement")
    if gi not in {"yes", "no"}:
        values.problems.append(FieldError("gi_involvement", "choose yes or no"))
    weight = values.required_number("weight_kg")
    if weight == weight:
        try:
            check_weight(weight, protocol.weight_limits)
        except InputError as error:
            values.problems.extend(error.errors)
    day1 = values.date("day1")
    values.check()
    return {"baseline_grade": int(grade), "gi_involvement": gi, "weight_kg": weight, "day1": day1}


@router.post("/{subject_id}/randomize")
def randomize(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm, subject_id: int
) -> Response:
    """First post: the confirmation step. Second post (``confirmed=yes``): the allocation."""
    values = FormValues(form)
    typed = {k: values.text(k) for k in ("baseline_grade", "gi_involvement", "weight_kg", "day1")}
    try:
        chosen = _randomization_values(values, context.protocol)
        if values.text("confirmed") != "yes":
            return _randomize_page(
                request, context, principal, subject_id, values=typed, confirm=True
            )
        allocation = randomize_subject(
            context.store.new_randomization_uow(), as_user=principal.user_id,
            subject_id=subject_id,
            stratification={"baseline_grade": chosen["baseline_grade"],
                            "gi_involvement": chosen["gi_involvement"]},
        )  # fmt: skip
    except InputError as error:
        return _randomize_page(
            request, context, principal, subject_id, values=typed,
            errors=errors_by_field(error, "eligibility."),
        )  # fmt: skip
    preview = CalendarPreview(
        arm=allocation.arm, weight_kg=chosen["weight_kg"], day1=chosen["day1"]
    )
    try:
        calendar = calendar_read(preview, context.protocol)
    except InputError:
        calendar = None  # the allocation stands; the calendar follows once a weight is recorded
    return render(
        request, "subjects/allocation.html",
        {"page": _page(context, principal, subject_id), "allocation": allocation,
         "arm": context.protocol.arm(allocation.arm), "calendar": calendar},
        principal=principal, status_code=201,
    )  # fmt: skip
