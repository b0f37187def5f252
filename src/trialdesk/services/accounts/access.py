"""Who is acting, and whether they may touch a subject: enforced here, below every entrypoint.

A subject the user may not see is reported exactly as a subject that does not exist, so the
refusal leaks nothing about other sites' patients. A subject the user may see but not act on in
the requested way (a monitor recording a consent) is refused as such: the user already knows the
subject exists, and "not found" would only mislead them.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.domain.access import Action, Role, role_allows
from trialdesk.domain.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from trialdesk.domain.refusals import refusal_message
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "SYSTEM_USERNAME",
    "Actor",
    "load_actor",
    "require_action_anywhere",
    "require_subject",
]

#: Name recorded for administration done directly on the database (the command line).
SYSTEM_USERNAME = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or the command-line operator, ``user_id=None``) a use case runs for."""

    user_id: int | None
    username: str
    grants: tuple[tuple[Role, int | None], ...] = ()

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    def roles_at(self, site_id: int) -> set[Role]:
        """Roles held at this site, including study-wide roles (granted without a site)."""
        return {role for role, site in self.grants if site is None or site == site_id}

    def may(self, action: Action, site_id: int) -> bool:
        return self.is_system or role_allows(self.roles_at(site_id), action)

    def may_anywhere(self, action: Action) -> bool:
        return self.is_system or role_allows((role for role, _ in self.grants), action)


def load_actor(uow: UnitOfWork, user_id: int | None) -> Actor:
    """The acting user with their current, active role grants; ``None`` is the CLI operator."""
    if user_id is None:
        return Actor(user_id=None, username=SYSTEM_USERNAME)
    found = uow.records.get_user_with_grants(user_id)
    if found is None or not found[0]["is_active"]:
        raise AuthenticationError("unknown or deactivated user")
    user, held = found
    grants = tuple((Role(row["role"]), row["site_id"]) for row in held)
    return Actor(user_id=user_id, username=user["username"], grants=grants)


def _subject_not_found(subject_id: int) -> NotFoundError:
    """The one refusal for a subject that is missing *or* out of the user's reach."""
    return NotFoundError(f"subject {subject_id} not found")


def require_subject(
    uow: UnitOfWork, actor: Actor, subject_id: int, action: Action, *, for_update: bool = False
) -> Record:
    """The subject's row, if the actor may perform ``action`` on it.

    Refused with "not found" when the subject is missing or out of the actor's sight (another
    site), and with :class:`PermissionDeniedError` when the actor sees the subject but their role
    does not allow ``action`` there.

    The subject's lock state is read with it, so a following audited write checks the lock
    without another trip to the database. A use case that changes the subject (its state, or
    anything decided from the row) passes ``for_update=True``: the row is then held until the
    transaction ends, and a concurrent change of the same subject waits and reads the result.
    """
    found = uow.records.get_with_lock_state("subjects", subject_id, for_update=for_update)
    if found is None:
        raise _subject_not_found(subject_id)
    site_id = found[0]["site_id"]
    if actor.may(action, site_id):
        return found[0]
    if actor.may(Action.VIEW_SUBJECT, site_id):
        raise PermissionDeniedError(refusal_message(action, subject_id=subject_id))
    raise _subject_not_found(subject_id)


def require_action_anywhere(actor: Actor, action: Action) -> None:
    """Study-level actions (account management, study-wide export) need the role somewhere."""
    if not actor.may_anywhere(action):
        raise PermissionDeniedError(refusal_message(action))
