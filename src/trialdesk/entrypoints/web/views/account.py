"""The signed-in user's own account: change the password, set up two-factor sign-in.

Both pages are also sign-in steps: a session with a one-time or expired password is sent to the
password page before any other, and a user whose roles require two-factor sign-in to the
enrolment page; finishing the step moves the session on to the next step or the dashboard.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.api.sign_in_steps import STEP_PAGES
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import errors_by_field
from trialdesk.services.accounts import account_lifecycle, two_factor
from trialdesk.services.accounts.security_settings import read_security_settings

__all__ = ["router"]

router = APIRouter(prefix="/account")


def _after_step(pending: str | None) -> Response:
    return RedirectResponse(STEP_PAGES.get(pending or "", "/"), status_code=303)


def _text(form: CheckedForm, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _password_page(
    request: Request, context: ContextDep, principal: Principal, *, status_code: int = 200,
    **extra: object,
) -> Response:  # fmt: skip
    settings = read_security_settings(context.store.new_read_uow())
    return render(
        request, "account/password.html",
        {"pending": principal.user.pending_step, "max_age_days": settings.password_max_age_days,
         **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("/password")
def password_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    return _password_page(request, context, principal)


@router.post("/password")
def change_password(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    new, repeated = _text(form, "new_password"), _text(form, "repeat_password")
    if new != repeated:
        errors = {"repeat_password": "does not match the new password"}
        return _password_page(request, context, principal, status_code=422, errors=errors)
    try:
        pending = account_lifecycle.change_password(
            context.store.new_uow(), as_user=principal.user_id,
            current_password=_text(form, "current_password"), new_password=new,
            session_token=principal.session_token,
        )  # fmt: skip
    except InputError as error:
        return _password_page(
            request, context, principal, status_code=422, errors=errors_by_field(error)
        )
    return _after_step(pending)


def _two_factor_page(
    request: Request, context: ContextDep, principal: Principal, *, status_code: int = 200,
    **extra: object,
) -> Response:  # fmt: skip
    # Imported here: only this page draws QR codes.
    import segno

    status = two_factor.two_factor_status(context.store.new_read_uow(), as_user=principal.user_id)
    values: dict[str, object] = {"status": status, "pending": principal.user.pending_step}
    if not status.enrolled:
        enrolment = two_factor.start_enrolment(context.store.new_uow(), as_user=principal.user_id)
        # Drawn on the server as inline SVG: no script, no outside service sees the secret.
        qr_svg = segno.make(enrolment.uri, error="m").svg_inline(
            scale=4, title="QR code for your authenticator app"
        )
        values |= {"secret": enrolment.secret, "qr_svg": qr_svg}
    return render(
        request, "account/two_factor.html", {**values, **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("/two-factor")
def two_factor_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    return _two_factor_page(request, context, principal)


@router.post("/two-factor")
def confirm_two_factor(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    try:
        codes, pending = two_factor.confirm_enrolment(
            context.store.new_uow(), as_user=principal.user_id, code=_text(form, "code"),
            session_token=principal.session_token,
        )  # fmt: skip
    except InputError as error:
        return _two_factor_page(
            request, context, principal, status_code=422, errors=errors_by_field(error)
        )
    # The recovery codes are in this response only; the page says where to go next.
    return render(
        request, "account/recovery_codes.html",
        {"codes": codes, "next_page": STEP_PAGES.get(pending or "", "/")},
        principal=principal, status_code=201,
    )  # fmt: skip
