"""One user's administration page: deactivate, reactivate, revoke roles, reset password or
two-factor sign-in (each with a reason), and the trial's sign-in settings.

A reset's one-time password is shown in the answer to the reset only; the user must change it at
the next sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.access import Action, Role
from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import errors_by_field
from trialdesk.services.accounts import account_lifecycle, accounts
from trialdesk.services.accounts.identity import require_study_action
from trialdesk.services.accounts.security_settings import (
    read_security_settings,
    update_security_settings,
)

__all__ = ["router"]

router = APIRouter(prefix="/admin")
_USERNAME = Path(min_length=1, max_length=64)


def _require_admin(context: ContextDep, principal: Principal) -> None:
    require_study_action(
        context.store.new_uow(), as_user=principal.user_id, action=Action.MANAGE_ACCOUNTS
    )


def _text(form: CheckedForm, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _user_page(
    request: Request, context: ContextDep, principal: Principal, username: str, *,
    status_code: int = 200, **extra: Any,
) -> Response:  # fmt: skip
    found = [u for u in accounts.list_users(context.store.new_uow()) if u.username == username]
    if not found:
        from trialdesk.domain.errors import NotFoundError

        raise NotFoundError(f"user {username!r} not found")
    return render(
        request, "admin/user.html",
        {"account": found[0], "is_self": found[0].id == principal.user_id, **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("/users/{username}")
def user_page(
    request: Request, context: ContextDep, principal: WebUser, username: str = _USERNAME
) -> Response:
    _require_admin(context, principal)
    return _user_page(request, context, principal, username)


def _act(
    request: Request, context: ContextDep, principal: Principal, username: str,
    action: Callable[[], object], form_name: str,
) -> Response:  # fmt: skip
    try:
        action()
    except InputError as error:
        return _user_page(
            request, context, principal, username, status_code=422,
            errors=errors_by_field(error), failed_form=form_name,
        )  # fmt: skip
    return RedirectResponse(f"/admin/users/{username}", status_code=303)


@router.post("/users/{username}/deactivate")
def deactivate(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm,
    username: str = _USERNAME,
) -> Response:  # fmt: skip
    return _act(request, context, principal, username, lambda: account_lifecycle.deactivate_user(
        context.store.new_uow(), username=username, reason=_text(form, "reason"),
        as_user=principal.user_id,
    ), "active")  # fmt: skip


@router.post("/users/{username}/reactivate")
def reactivate(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm,
    username: str = _USERNAME,
) -> Response:  # fmt: skip
    return _act(request, context, principal, username, lambda: account_lifecycle.reactivate_user(
        context.store.new_uow(), username=username, reason=_text(form, "reason"),
        as_user=principal.user_id,
    ), "active")  # fmt: skip


@router.post("/users/{username}/revoke")
def revoke(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm,
    username: str = _USERNAME,
) -> Response:  # fmt: skip
    role, _, site = _text(form, "grant").partition("@")
    return _act(request, context, principal, username, lambda: account_lifecycle.revoke_role(
        context.store.new_uow(), username=username, role=role, site_code=site or None,
        reason=_text(form, "reason"), as_user=principal.user_id,
    ), "revoke")  # fmt: skip


@router.post("/users/{username}/two-factor-reset")
def reset_two_factor(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm,
    username: str = _USERNAME,
) -> Response:  # fmt: skip
    return _act(request, context, principal, username, lambda: account_lifecycle.reset_two_factor(
        context.store.new_uow(), username=username, reason=_text(form, "reason"),
        as_user=principal.user_id,
    ), "two_factor")  # fmt: skip


@router.post("/users/{username}/password-reset")
def reset_password(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm,
    username: str = _USERNAME,
) -> Response:  # fmt: skip
    try:
        reset = account_lifecycle.reset_password(
            context.store.new_uow(), username=username, reason=_text(form, "reason"),
            as_user=principal.user_id,
        )  # fmt: skip
    except InputError as error:
        return _user_page(
            request, context, principal, username, status_code=422,
            errors=errors_by_field(error), failed_form="password",
        )  # fmt: skip
    # Shown in this answer only (not after a reload): hand it to the user by a separate channel.
    return _user_page(request, context, principal, username, one_time_password=reset.password)


def _security_page(
    request: Request, context: ContextDep, principal: Principal, *, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    return render(
        request, "admin/security.html",
        {"settings": read_security_settings(context.store.new_read_uow()), "roles": list(Role),
         **extra},
        principal=principal, status_code=status_code,
    )  # fmt: skip


@router.get("/security")
def security_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    _require_admin(context, principal)
    return _security_page(request, context, principal)


@router.post("/security")
def update_security(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    raw_age = _text(form, "password_max_age_days")
    try:
        if not raw_age.isdigit():
            raise InputError.single("password_max_age_days", "must be a whole number of days")
        update_security_settings(
            context.store.new_uow(), as_user=principal.user_id, reason=_text(form, "reason"),
            two_factor_roles=[r for r in form.getlist("two_factor_roles") if isinstance(r, str)],
            password_max_age_days=int(raw_age),
        )  # fmt: skip
    except InputError as error:
        return _security_page(
            request, context, principal, status_code=422, errors=errors_by_field(error)
        )
    return RedirectResponse("/admin/security", status_code=303)
