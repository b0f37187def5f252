"""Administration pages: sites, users and roles (sponsor administrators only)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from trialdesk.domain.access import PERMISSIONS, Action, Role
from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.api.deps import CheckedForm, ContextDep, Principal, WebUser
from trialdesk.entrypoints.web.rendering import render
from trialdesk.entrypoints.web.views.form_values import submit_form
from trialdesk.services.accounts import accounts, site_zones
from trialdesk.services.accounts.identity import require_study_action

__all__ = ["router"]

router = APIRouter(prefix="/admin")

#: Suggestions for the time-zone field (any IANA name is accepted and checked on save).
_ZONE_NAMES = sorted(zoneinfo.available_timezones())


def _require_admin(context: ContextDep, principal: Principal) -> None:
    require_study_action(
        context.store.new_uow(), as_user=principal.user_id, action=Action.MANAGE_ACCOUNTS
    )


def _text(form: CheckedForm, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _errors(error: InputError) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in error.errors:
        found.setdefault(problem.field, problem.message)
    return found


def _sites_page(
    request: Request, context: ContextDep, principal: Principal, **extra: Any
) -> Response:
    sites = accounts.list_sites(context.store.new_uow())
    status = 422 if extra.get("errors") else 200
    return render(
        request, "admin/sites.html",
        {"sites": sites, "values": {}, "default_zone": context.protocol.time_zone,
         "zone_names": _ZONE_NAMES, **extra},
        principal=principal, status_code=status,
    )  # fmt: skip


@router.get("/sites")
def sites_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    _require_admin(context, principal)
    return _sites_page(request, context, principal)


def _submit(
    action: Callable[[], object],
    redisplay: Callable[..., Response],
    values: dict[str, str],
    done: str,
) -> Response:
    return submit_form(
        action, redisplay=lambda error: redisplay(errors=_errors(error), values=values), done=done
    )


@router.post("/sites")
def create_site(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    values = {"code": _text(form, "code"), "name": _text(form, "name")}
    return _submit(
        lambda: accounts.create_site(
            context.store.new_uow(),
            code=values["code"],
            name=values["name"],
            as_user=principal.user_id,
        ),
        lambda **extra: _sites_page(request, context, principal, **extra),
        values,
        "/admin/sites",
    )


@router.post("/sites/time-zone")
def set_site_time_zone(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    values = {"code": _text(form, "code"), "time_zone": _text(form, "time_zone")}
    return _submit(
        lambda: site_zones.set_site_time_zone(
            context.store.new_uow(),
            code=values["code"],
            zone=values["time_zone"] or None,
            as_user=principal.user_id,
        ),
        lambda **extra: _sites_page(
            request, context, principal, zone_values=extra.pop("values"), **extra
        ),
        values,
        "/admin/sites",
    )


def _users_page(
    request: Request, context: ContextDep, principal: Principal, **extra: Any
) -> Response:
    users = accounts.list_users(context.store.new_uow())
    sites = accounts.list_sites(context.store.new_uow())
    status = 422 if extra.get("errors") else 200
    return render(
        request, "admin/users.html",
        {"users": users, "sites": sites, "roles": list(Role), "values": {}, **extra},
        principal=principal, status_code=status,
    )  # fmt: skip


@router.get("/users")
def users_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    _require_admin(context, principal)
    return _users_page(request, context, principal)


@router.post("/users")
def create_user(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    values = {name: _text(form, name) for name in ("username", "full_name", "role", "site_code")}
    password = form.get("password", "")
    return _submit(
        lambda: accounts.create_user(
            context.store.new_uow(),
            username=values["username"],
            full_name=values["full_name"],
            password=password if isinstance(password, str) else "",
            role=values["role"],
            site_code=values["site_code"] or None,
            as_user=principal.user_id,
        ),
        lambda **extra: _users_page(request, context, principal, **extra),
        values,
        "/admin/users",
    )


@router.post("/users/grant")
def grant_role(
    request: Request, context: ContextDep, principal: WebUser, form: CheckedForm
) -> Response:
    values = {name: _text(form, name) for name in ("username", "role", "site_code")}
    return _submit(
        lambda: accounts.grant_role(
            context.store.new_uow(),
            username=values["username"],
            role=values["role"],
            site_code=values["site_code"] or None,
            as_user=principal.user_id,
        ),
        lambda **extra: _users_page(request, context, principal, grant_values=values, **extra),
        values,
        "/admin/users",
    )


@router.get("/roles")
def roles_page(request: Request, context: ContextDep, principal: WebUser) -> Response:
    _require_admin(context, principal)
    return render(
        request,
        "admin/roles.html",
        {"permissions": PERMISSIONS, "actions": list(Action)},
        principal=principal,
    )
