"""Trial-wide sign-in settings: who needs two-factor sign-in, how long a password lasts.

Stored as ``trial_settings`` rows (``two_factor_roles``, ``password_max_age_days``); a trial that
never set them gets the defaults below. Only an administrator changes them, with a reason, and
each change is audited in the same transaction. Changes apply from the next sign-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trialdesk.domain.access import Action, Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import FieldError, InputError
from trialdesk.services.accounts.access import load_actor, require_action_anywhere
from trialdesk.services.clinical.recording import audit_event, require_reason, update_audited
from trialdesk.services.ports import UnitOfWork

__all__ = [
    "DEFAULT_PASSWORD_MAX_AGE_DAYS",
    "DEFAULT_TWO_FACTOR_ROLES",
    "SecuritySettings",
    "read_security_settings",
    "security_settings_in",
    "update_security_settings",
]

#: Roles that can change who may do what or sign for clinical data: a stolen password alone
#: must not be enough for them.
DEFAULT_TWO_FACTOR_ROLES: frozenset[Role] = frozenset(
    {Role.SPONSOR_ADMIN, Role.DATA_MANAGER, Role.INVESTIGATOR}
)
DEFAULT_PASSWORD_MAX_AGE_DAYS = 180
_MAX_AGE_LIMIT = 3650
_ROLES_KEY = "two_factor_roles"
_AGE_KEY = "password_max_age_days"


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    #: Holders of any of these roles must sign in with a second factor (and enrol first).
    two_factor_roles: frozenset[Role]
    #: A password older than this must be changed at sign-in; 0 turns periodic change off.
    password_max_age_days: int

    def requires_two_factor(self, roles: Iterable[Role]) -> bool:
        return any(role in self.two_factor_roles for role in roles)


def _parse_roles(stored: str) -> frozenset[Role]:
    return frozenset(Role(name) for name in stored.split(",") if name)


def security_settings_in(uow: UnitOfWork) -> SecuritySettings:
    """The settings, read inside the caller's unit of work."""
    rows = {row["key"]: row["value"] for row in uow.records.find("trial_settings")}
    roles = rows.get(_ROLES_KEY)
    age = rows.get(_AGE_KEY)
    return SecuritySettings(
        two_factor_roles=DEFAULT_TWO_FACTOR_ROLES if roles is None else _parse_roles(roles),
        password_max_age_days=DEFAULT_PASSWORD_MAX_AGE_DAYS if age is None else int(age),
    )


def read_security_settings(uow: UnitOfWork) -> SecuritySettings:
    """The trial's sign-in settings."""
    with uow:
        return security_settings_in(uow)


def _checked(
    two_factor_roles: Iterable[str] | None, password_max_age_days: int | None
) -> tuple[frozenset[Role] | None, int | None]:
    problems: list[FieldError] = []
    roles: frozenset[Role] | None = None
    if two_factor_roles is not None:
        names = list(two_factor_roles)
        unknown = [name for name in names if name not in {r.value for r in Role}]
        if unknown:
            allowed = ", ".join(r.value for r in Role)
            problems.append(
                FieldError("two_factor_roles", f"unknown role {unknown[0]!r}; use: {allowed}")
            )
        else:
            roles = frozenset(Role(name) for name in names)
    if password_max_age_days is not None and not 0 <= password_max_age_days <= _MAX_AGE_LIMIT:
        problems.append(
            FieldError(
                "password_max_age_days", f"must be 0 (no periodic change) to {_MAX_AGE_LIMIT} days"
            )
        )
    if problems:
        raise InputError(problems)
    return roles, password_max_age_days


def update_security_settings(
    uow: UnitOfWork,
    *,
    as_user: int | None,
    reason: str,
    two_factor_roles: Iterable[str] | None = None,
    password_max_age_days: int | None = None,
) -> SecuritySettings:
    """Change the settings given (``None`` leaves one as it is); audited with the reason."""
    why = require_reason(reason)
    roles, age = _checked(two_factor_roles, password_max_age_days)
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.MANAGE_ACCOUNTS)
        changes: dict[str, str] = {}
        if roles is not None:
            changes[_ROLES_KEY] = ",".join(sorted(r.value for r in roles))
        if age is not None:
            changes[_AGE_KEY] = str(age)
        for key, value in changes.items():
            found = uow.records.find("trial_settings", key=key)
            if found:
                update_audited(
                    uow, actor, "trial_settings", found[0], {"value": value},
                    reason=why, subject_id=None,
                )  # fmt: skip
            else:
                values = {"key": key, "value": value}
                row_id = uow.records.add(
                    "trial_settings",
                    {**values, "created_at": uow.clock.now(), "created_by": actor.user_id},
                )
                audit_event(
                    uow, actor, AuditAction.INSERT, "trial_settings", row_id,
                    new=values, reason=why,
                )  # fmt: skip
        result = security_settings_in(uow)
        uow.commit()
    return result
