"""Rendering pages: the template environment, navigation by role and the CSRF token in forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from trialdesk.domain.access import Action, role_allows
from trialdesk.entrypoints.api.deps import Principal
from trialdesk.entrypoints.api.security import csrf_token_for
from trialdesk.entrypoints.web.presenting import install_presentation, reader_zones
from trialdesk.services.accounts.site_zones import load_site_zones

__all__ = ["STATIC_DIR", "NavItem", "navigation", "render"]

_HERE = Path(__file__).parent
STATIC_DIR = _HERE / "static"
templates = Jinja2Templates(directory=_HERE / "templates")
# Templates ship with the package and never change under a running server: compile each once
# and skip the per-render check of the file's modification time.
templates.env.auto_reload = False
install_presentation(templates.env)


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str


def navigation(principal: Principal | None) -> list[NavItem]:
    """The menu a user sees: what their roles let them use (the services still check each act)."""
    items = [NavItem("/trial", "Trial")]
    if principal is None:
        return [*items, NavItem("/login", "Log in")]
    if principal.user.pending_step is not None:
        return items  # the session reaches only its sign-in step's page until that is done
    items = [NavItem("/", "Dashboard"), *items, NavItem("/gvhd/calculator", "GVHD calculator")]
    if role_allows(principal.user.roles, Action.VIEW_SUBJECT):
        items.append(NavItem("/subjects", "Subjects"))
        items.append(NavItem("/queries", "Queries"))
    if role_allows(principal.user.roles, Action.VERIFY_SOURCE):
        items.append(NavItem("/review/sdv", "Source verification"))
    if role_allows(principal.user.roles, Action.LOCK):
        items.append(NavItem("/review/locks", "Locks"))
    if role_allows(principal.user.roles, Action.SIGN):
        items.append(NavItem("/review/signatures", "Sign-off"))
    if role_allows(principal.user.roles, Action.MANAGE_ACCOUNTS):
        items += [
            NavItem("/admin/sites", "Sites"),
            NavItem("/admin/users", "Users"),
            NavItem("/admin/roles", "Roles"),
        ]
    if role_allows(principal.user.roles, Action.VIEW_AGGREGATES):
        items.append(NavItem("/reports", "Reports"))
    return [*items, NavItem("/tokens", "API tokens"), NavItem("/account/password", "Account")]


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page with the layout's navigation, the signed-in user and their CSRF token.

    A signed-in reader also gets every site's time zone, so the page can show each time in the
    zone of the site it belongs to (see ``presenting``).
    """
    token = principal.session_token if principal is not None else None
    times: dict[str, Any] = {}
    if principal is not None:
        app_context = request.app.state.trialdesk
        zones = load_site_zones(
            app_context.store.new_read_uow(), default=app_context.protocol.time_zone
        )
        times = reader_zones(zones, [grant.site_code for grant in principal.user.grants])
    full = {
        "principal": principal,
        "nav": navigation(principal),
        "csrf_token": csrf_token_for(token) if token else "",
        "errors": {},
        **times,
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, full, status_code=status_code)
