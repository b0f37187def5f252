"""Who is signed in: the user behind a session, their roles, and study-level permission checks.

Entrypoints use this to choose navigation and to refuse study-level pages early; the use cases
still check every action themselves, so this is a convenience, never the only gate.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from trialdesk.domain.access import Action, Role, role_allows
from trialdesk.domain.errors import AuthenticationError
from trialdesk.services.accounts.access import load_actor, require_action_anywhere
from trialdesk.services.accounts.accounts import RoleGrant, live_session
from trialdesk.services.accounts.api_tokens import token_owner
from trialdesk.services.ports import UnitOfWork

__all__ = [
    "UserContext",
    "describe_session_holder",
    "describe_token_holder",
    "require_study_action",
]


@dataclass(frozen=True, slots=True)
class UserContext:
    """The signed-in user with their active role grants."""

    user_id: int
    username: str
    full_name: str
    grants: tuple[RoleGrant, ...]
    #: For a session: the sign-in step it must still pass before anything else, or ``None``.
    pending_step: str | None = None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.grants)

    def may(self, action: Action, site_code: str | None = None) -> bool:
        """Whether the roles held at ``site_code`` (study-wide ones included) allow ``action``.

        For showing only the forms a user may submit; the use case still decides.
        """
        held = (
            self.roles
            if site_code is None
            else {g.role for g in self.grants if g.site_code in (None, site_code)}
        )
        return role_allows(held, action)


def describe_token_holder(uow: UnitOfWork, *, token: str) -> UserContext:
    """The active user a live API token belongs to, checked and described in one transaction."""
    with uow:
        # The token's owner is checked for being active by _user_context, in the same read.
        return _user_context(uow, token_owner(uow, token))


def describe_session_holder(uow: UnitOfWork, *, token: str) -> tuple[UserContext, bool]:
    """The active user of a live session, and whether its last activity is due to be written.

    One transaction, which may be read-only: the caller records the activity (through
    :func:`trialdesk.services.accounts.accounts.validate_session`) only when it is due.
    """
    with uow:
        # The session's user is checked for being active by _user_context, in the same read.
        checked = live_session(uow, token)
        user = _user_context(uow, checked.user_id)
        if checked.pending_step is not None:
            user = dataclasses.replace(user, pending_step=checked.pending_step)
        return user, checked.touch_due


def _user_context(uow: UnitOfWork, user_id: int) -> UserContext:
    found = uow.records.get_user_with_grants(user_id)
    if found is None or not found[0]["is_active"]:
        raise AuthenticationError("not logged in")
    user, held = found
    grants = tuple(RoleGrant(Role(row["role"]), row["site_code"]) for row in held)
    return UserContext(user_id, user["username"], user["full_name"], grants)


def require_study_action(uow: UnitOfWork, *, as_user: int, action: Action) -> None:
    """Refuse unless the user's roles allow ``action`` somewhere in the study."""
    with uow:
        require_action_anywhere(load_actor(uow, as_user), action)
