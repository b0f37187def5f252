"""Sites, user accounts, role grants and login (21 CFR 11.10(d), 11.300); sessions: ``sessions``.

Every account and role change, login, failed login and logout is written to the audit trail in
the same transaction. ``as_user=None`` means the command-line operator, who already holds the
database itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from trialdesk.domain.access import Action, Role, conflicting_roles
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import FieldError, InputError, NotFoundError, PermissionDeniedError
from trialdesk.domain.labels import label
from trialdesk.domain.password_policy import PasswordPolicy
from trialdesk.services.accounts.access import Actor, load_actor, require_action_anywhere
from trialdesk.services.accounts.sessions import (
    SESSION_TOUCH_INTERVAL,
    Session,
    SessionCheck,
    live_session,
    logout,
    session_holder,
    validate_session,
)
from trialdesk.services.accounts.sign_in import LOCKOUT_POLICY, login, verify_password
from trialdesk.services.clinical.recording import audit_event, insert_audited
from trialdesk.services.ports import Record, UnitOfWork

__all__ = [
    "LOCKOUT_POLICY",
    "PASSWORD_POLICY",
    "SESSION_TOUCH_INTERVAL",
    "RoleGrant",
    "Session",
    "SessionCheck",
    "SiteRead",
    "UserRead",
    "create_site",
    "create_user",
    "grant_role",
    "list_sites",
    "list_users",
    "live_session",
    "login",
    "logout",
    "session_holder",
    "validate_session",
    "verify_password",
]

PASSWORD_POLICY = PasswordPolicy()

_SITE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
#: Roles that only make sense at one site, and roles that are study-wide by nature.
_SITE_ROLES = frozenset({Role.SITE_COORDINATOR, Role.INVESTIGATOR})
_STUDY_ROLES = frozenset({Role.STATISTICIAN, Role.SPONSOR_ADMIN, Role.DSMB_VIEWER})


@dataclass(frozen=True, slots=True)
class SiteRead:
    id: int
    code: str
    name: str
    #: IANA zone the site reads times in; ``None`` follows the protocol's default.
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class RoleGrant:
    role: Role
    site_code: str | None


@dataclass(frozen=True, slots=True)
class UserRead:
    id: int
    username: str
    full_name: str
    is_active: bool
    locked_until: dt.datetime | None
    roles: tuple[RoleGrant, ...]
    #: The password is one-time (new account or administrator's reset): changed at next sign-in.
    must_change_password: bool = False
    two_factor_enrolled: bool = False


def admin_actor(uow: UnitOfWork, as_user: int | None) -> Actor:
    actor = load_actor(uow, as_user)
    require_action_anywhere(actor, Action.MANAGE_ACCOUNTS)
    return actor


def _site_by_code(uow: UnitOfWork, code: str) -> Record:
    found = uow.records.find("sites", code=code)
    if not found:
        raise NotFoundError(f"site {code!r} not found")
    return found[0]


def create_site(uow: UnitOfWork, *, code: str, name: str, as_user: int | None) -> SiteRead:
    """Register a trial site."""
    errors = []
    if not _SITE_CODE.match(code):
        errors.append(FieldError("code", "use 1–32 letters, digits, '-' or '_'"))
    if not name.strip() or len(name) > 200:
        errors.append(FieldError("name", "must be 1–200 characters"))
    if errors:
        raise InputError(errors)
    with uow:
        actor = admin_actor(uow, as_user)
        if uow.records.find("sites", code=code):
            raise InputError.single("code", f"site {code!r} already exists")
        site_id = insert_audited(
            uow, actor, "sites", {"code": code, "name": name.strip()}, subject_id=None
        )
        uow.commit()
    return SiteRead(id=site_id, code=code, name=name.strip())


def list_sites(uow: UnitOfWork) -> list[SiteRead]:
    """Every site, in order of registration."""
    with uow:
        return [
            SiteRead(r["id"], r["code"], r["name"], r["time_zone"])
            for r in uow.records.find("sites")
        ]


def _refuse_conflicts(uow: UnitOfWork, actor: Actor, user: Record, role: Role) -> None:
    held = [Role(g["role"]) for g in uow.records.find(
        "role_assignments", user_id=user["id"], is_active=True
    )]  # fmt: skip
    clash = conflicting_roles(held, role)
    if clash:
        whom = "yourself" if user["id"] == actor.user_id else user["username"]
        roles = ", ".join(label("role", r) for r in sorted(clash))
        raise PermissionDeniedError(
            f"You may not grant {whom} the role {label('role', role)}: it may not be held "
            f"together with {roles} (separation of duties)"
        )


def _grant(uow: UnitOfWork, actor: Actor, user: Record, role: Role, site_code: str | None) -> None:
    if role in _SITE_ROLES and site_code is None:
        raise InputError.single("site", f"role {role.value} is held at a site: give --site")
    if role in _STUDY_ROLES and site_code is not None:
        raise InputError.single("site", f"role {role.value} is study-wide: give no site")
    _refuse_conflicts(uow, actor, user, role)
    site_id = _site_by_code(uow, site_code)["id"] if site_code is not None else None
    if uow.records.find(
        "role_assignments", user_id=user["id"], role=role.value, site_id=site_id, is_active=True
    ):
        raise InputError.single("role", f"{user['username']} already holds {role.value} there")
    values = {"user_id": user["id"], "role": role.value, "site_id": site_id, "is_active": True}
    grant_id = uow.records.add(
        "role_assignments", {**values, "created_at": uow.clock.now(), "created_by": actor.user_id}
    )
    audit_event(
        uow, actor, AuditAction.ROLE_GRANTED, "role_assignments", grant_id,
        new={"username": user["username"], "role": role.value, "site": site_code},
    )  # fmt: skip


def _parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InputError.single("role", f"unknown role {role!r}; use one of: {allowed}") from None


def create_user(
    uow: UnitOfWork,
    *,
    username: str,
    full_name: str,
    password: str,
    role: str,
    site_code: str | None,
    as_user: int | None,
    one_time_password: bool = True,
) -> UserRead:
    """Create a personal account with a first role (the password is stored as an argon2 hash).

    The first password is chosen by someone else, so by default it is one-time: the user must
    change it at the first sign-in. ``one_time_password=False`` is for accounts whose password
    the user chose themselves (and for test set-ups).
    """
    errors = []
    if not _USERNAME.match(username):
        errors.append(FieldError("username", "use 3–64 lower-case letters, digits, '.', '_', '-'"))
    if not full_name.strip():
        errors.append(FieldError("full_name", "must not be empty"))
    errors.extend(PASSWORD_POLICY.problems(password, username=username))
    parsed_role = _parse_role(role)
    if errors:
        raise InputError(errors)
    with uow:
        actor = admin_actor(uow, as_user)
        # Accounts are never reassigned (21 CFR 11.100): a username is used once, for ever.
        if uow.records.find("users", username=username):
            raise InputError.single("username", f"{username!r} is taken")
        now = uow.clock.now()
        values = {
            "username": username,
            "full_name": full_name.strip(),
            "password_hash": uow.passwords.hash(password),
            "is_active": True,
            "failed_logins": 0,
            "locked_until": None,
            "password_changed_at": now,
            "must_change_password": one_time_password,
            "created_at": now,
            "created_by": actor.user_id,
        }
        user_id = uow.records.add("users", values)
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CREATED, "users", user_id,
            new={"username": username, "full_name": values["full_name"]},
        )  # fmt: skip
        user = uow.records.get("users", user_id)
        assert user is not None
        _grant(uow, actor, user, parsed_role, site_code)
        result = read_user(uow, user)
        uow.commit()
    return result


def user_by_name(uow: UnitOfWork, username: str) -> Record:
    found = uow.records.find("users", username=username)
    if not found:
        raise NotFoundError(f"user {username!r} not found")
    return found[0]


def grant_role(
    uow: UnitOfWork, *, username: str, role: str, site_code: str | None, as_user: int | None
) -> UserRead:
    """Give a user one more role, at a site or study-wide."""
    parsed = _parse_role(role)
    with uow:
        actor = admin_actor(uow, as_user)
        user = user_by_name(uow, username)
        _grant(uow, actor, user, parsed, site_code)
        result = read_user(uow, user)
        uow.commit()
    return result


def read_user(uow: UnitOfWork, user: Record) -> UserRead:
    codes = {site["id"]: site["code"] for site in uow.records.find("sites")}
    grants = tuple(
        RoleGrant(Role(g["role"]), codes.get(g["site_id"]))
        for g in uow.records.find("role_assignments", user_id=user["id"], is_active=True)
    )
    return UserRead(
        id=user["id"],
        username=user["username"],
        full_name=user["full_name"],
        is_active=bool(user["is_active"]),
        locked_until=user["locked_until"],
        roles=grants,
        must_change_password=bool(user.get("must_change_password")),
        two_factor_enrolled=user.get("totp_confirmed_at") is not None,
    )


def list_users(uow: UnitOfWork) -> list[UserRead]:
    """Every account with its active roles."""
    with uow:
        return [read_user(uow, user) for user in uow.records.find("users")]
