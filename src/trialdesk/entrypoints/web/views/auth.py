"""Log in and log out (session cookie; the account services apply lockout and expiry)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.errors import AuthenticationError, InputError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, WebUser
from trialdesk.entrypoints.api.lanes import run_slow
from trialdesk.entrypoints.api.security import (
    clear_session_cookie,
    new_login_nonce,
    set_session_cookie,
)
from trialdesk.entrypoints.api.sign_in_steps import STEP_PAGES
from trialdesk.entrypoints.web.rendering import render
from trialdesk.services.accounts import accounts, sign_in

__all__ = ["router"]

router = APIRouter()
_NONCE_FIELD = "login_nonce"


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would help phishing.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _login_page(
    request: Request, context: ContextDep, *, status_code: int = 200, **extra: object
) -> Response:
    nonce = new_login_nonce()
    values = {"nonce": nonce, "next": _safe_next(request.query_params.get("next")), **extra}
    response = render(request, "login.html", values, status_code=status_code)
    response.set_cookie(
        context.settings.login_cookie, nonce, httponly=True, samesite="lax",
        secure=context.settings.secure_cookies, path="/login",
    )  # fmt: skip
    return response


@router.get("/login")
def login_form(request: Request, context: ContextDep) -> Response:
    reason = request.query_params.get("reason")
    return _login_page(request, context, notice=reason)


@router.post("/login")
async def login(request: Request, context: ContextDep) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    expected = request.cookies.get(context.settings.login_cookie)
    if not expected or form.get(_NONCE_FIELD) != expected:
        return _login_page(
            request, context, status_code=403, username=username, next=target,
            failure="the login form expired; please try again",
        )  # fmt: skip
    if not username or not password:
        errors = {
            name: "required" for name, value in (("username", username), ("password", password))
            if not value
        }  # fmt: skip
        return _login_page(
            request, context, status_code=422, username=username, next=target, errors=errors
        )
    try:
        session = await run_slow(
            request, accounts.login, context.store.new_uow(), username=username, password=password
        )
    except AuthenticationError as error:
        return _login_page(
            request, context, status_code=401, username=username, next=target,
            failure=error.message,
        )  # fmt: skip
    # A session still owing a step (two-factor code, new password, enrolment) goes there first.
    step_page = STEP_PAGES.get(session.pending_step or "")
    response = RedirectResponse(step_page or target, status_code=303)
    set_session_cookie(response, context.settings, session.token)
    response.delete_cookie(context.settings.login_cookie, path="/login")
    return response


@router.get("/login/two-factor")
def two_factor_form(request: Request, principal: WebUser) -> Response:
    return render(request, "login_two_factor.html", {}, principal=principal)


@router.post("/login/two-factor")
async def two_factor(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    code = form.get("code", "")
    assert principal.session_token is not None
    try:
        pending = await run_slow(
            request, sign_in.submit_second_factor, context.store.new_uow(),
            token=principal.session_token, code=code if isinstance(code, str) else "",
        )  # fmt: skip
    except (AuthenticationError, InputError) as error:
        return render(
            request, "login_two_factor.html", {"failure": error.message},
            principal=principal, status_code=401,
        )  # fmt: skip
    return RedirectResponse(STEP_PAGES.get(pending or "", "/"), status_code=303)


@router.post("/logout")
def logout(context: ContextDep, principal: WebUser, _form: CheckedForm) -> Response:
    assert principal.session_token is not None
    accounts.logout(context.store.new_uow(), token=principal.session_token)
    response = RedirectResponse("/login?reason=logged+out", status_code=303)
    clear_session_cookie(response, context.settings)
    return response
