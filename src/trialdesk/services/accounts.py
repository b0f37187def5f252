"""Sites, user accounts, role grants and login (21 CFR 11.10(d), 11.300); sessions: ``sessions``.

Every account and role change, login, failed login and logout is written to the audit trail in
the same transaction. ``as_user=None`` means the command-line operator, who already holds the
database itself.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from trialdesk.domain.access import Action, LockoutPolicy, PasswordPolicy, Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import AuthenticationError, FieldError, InputError, NotFoundError
from trialdesk.services.access import Actor, load_actor, require_action_anywhere
from trialdesk.services.ports import Record, UnitOfWork
from trialdesk.services.recording import audit_event, insert_audited
from trialdesk.services.sessions import (
    SESSION_POLICY,
    SESSION_TOUCH_INTERVAL,
    Session,
    SessionCheck,
    live_session,
    logout,
    session_holder,
    session_token_hash,
    validate_session,
)

__all__ = [
    "SESSION_TOUCH_INTERVAL",
    "RoleGrant",
    "Session",
    "SessionCheck",
    "SiteRead",
    "UserRead",
    "create_site",
    "create_user",
    "deactivate_user",
    "grant_role",
    "list_sites",
    "list_users",
    "live_session",
    "login",
    "logout",
    "revoke_role",
    "session_holder",
    "validate_session",
    "verify_password",
]

PASSWORD_POLICY = PasswordPolicy()
LOCKOUT_POLICY = LockoutPolicy()

_SITE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
#: Roles that only make sense at one site, and roles that are study-wide by nature.
_SITE_ROLES = frozenset({Role.SITE_COORDINATOR, Role.INVESTIGATOR})
_STUDY_ROLES = frozenset({Role.STATISTICIAN, Role.SPONSOR_ADMIN, Role.DSMB_VIEWER})
_BAD_LOGIN = "wrong username or password"


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


def _admin(uow: UnitOfWork, as_user: int | None) -> Actor:
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
        actor = _admin(uow, as_user)
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


def _grant(uow: UnitOfWork, actor: Actor, user: Record, role: Role, site_code: str | None) -> None:
    if role in _SITE_ROLES and site_code is None:
        raise InputError.single("site", f"role {role.value} is held at a site: give --site")
    if role in _STUDY_ROLES and site_code is not None:
        raise InputError.single("site", f"role {role.value} is study-wide: give no site")
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
) -> UserRead:
    """Create a personal account with a first role (the password is stored as an argon2 hash)."""
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
        actor = _admin(uow, as_user)
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
        result = _read_user(uow, user)
        uow.commit()
    return result


def _user_by_name(uow: UnitOfWork, username: str) -> Record:
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
        actor = _admin(uow, as_user)
        user = _user_by_name(uow, username)
        _grant(uow, actor, user, parsed, site_code)
        result = _read_user(uow, user)
        uow.commit()
    return result


def revoke_role(
    uow: UnitOfWork, *, username: str, role: str, site_code: str | None, as_user: int | None
) -> UserRead:
    """Withdraw a role; the grant row stays (inactive) so history keeps who could do what."""
    parsed = _parse_role(role)
    with uow:
        actor = _admin(uow, as_user)
        user = _user_by_name(uow, username)
        site_id = _site_by_code(uow, site_code)["id"] if site_code is not None else None
        grants = uow.records.find(
            "role_assignments", user_id=user["id"], role=parsed.value, site_id=site_id,
            is_active=True,
        )  # fmt: skip
        if not grants:
            raise NotFoundError(f"{username} holds no {parsed.value} role there")
        uow.records.update("role_assignments", grants[0]["id"], {"is_active": False})
        audit_event(
            uow, actor, AuditAction.ROLE_REVOKED, "role_assignments", grants[0]["id"],
            old={"username": username, "role": parsed.value, "site": site_code},
        )  # fmt: skip
        result = _read_user(uow, user)
        uow.commit()
    return result


def deactivate_user(
    uow: UnitOfWork, *, username: str, reason: str, as_user: int | None
) -> UserRead:
    """Disable an account for good (it is never deleted or handed to someone else)."""
    if not reason.strip():
        raise InputError.single("reason", "say why the account is deactivated")
    with uow:
        actor = _admin(uow, as_user)
        user = _user_by_name(uow, username)
        uow.records.update("users", user["id"], {"is_active": False})
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "users", user["id"],
            field="is_active", old=user["is_active"], new=False, reason=reason.strip(),
        )  # fmt: skip
        result = _read_user(uow, {**user, "is_active": False})
        uow.commit()
    return result


def _read_user(uow: UnitOfWork, user: Record) -> UserRead:
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
    )


def list_users(uow: UnitOfWork) -> list[UserRead]:
    """Every account with its active roles."""
    with uow:
        return [_read_user(uow, user) for user in uow.records.find("users")]


def verify_password(uow: UnitOfWork, user: Record, password: str) -> None:
    """Check a password inside the caller's transaction, counting failures towards lockout.

    On failure the failure is recorded and committed before the error is raised, so a locked-out
    attacker cannot undo the count by making the request fail.
    """
    now = uow.clock.now()
    actor = Actor(user_id=user["id"], username=user["username"])
    locked_until = user["locked_until"]
    if locked_until is not None and locked_until > now:
        audit_event(
            uow, actor, AuditAction.LOGIN_FAILED, "users", user["id"], reason="account locked"
        )
        uow.commit()
        raise AuthenticationError(f"account locked until {locked_until.isoformat()}")
    if not user["is_active"] or not uow.passwords.verify(user["password_hash"], password):
        failures = int(user["failed_logins"]) + 1
        lock = LOCKOUT_POLICY.locked_until(failures, now)
        uow.records.update("users", user["id"], {"failed_logins": failures, "locked_until": lock})
        audit_event(uow, actor, AuditAction.LOGIN_FAILED, "users", user["id"], reason=_BAD_LOGIN)
        if lock is not None:
            audit_event(
                uow, actor, AuditAction.ACCOUNT_CHANGED, "users", user["id"],
                field="locked_until", new=lock, reason=f"{failures} failed logins in a row",
            )  # fmt: skip
        uow.commit()
        raise AuthenticationError(_BAD_LOGIN)
    if user["failed_logins"] or user["locked_until"] is not None:
        uow.records.update("users", user["id"], {"failed_logins": 0, "locked_until": None})


def login(uow: UnitOfWork, *, username: str, password: str) -> Session:
    """Check the credentials and open a session; failures count towards the lockout."""
    with uow:
        found = uow.records.find("users", username=username)
        if not found:
            audit_event(
                uow, Actor(None, username), AuditAction.LOGIN_FAILED, "users",
                field="username", new=username, reason="unknown username",
            )  # fmt: skip
            uow.commit()
            raise AuthenticationError(_BAD_LOGIN)
        user = found[0]
        verify_password(uow, user, password)
        now = uow.clock.now()
        token = secrets.token_urlsafe(32)
        session_id = uow.records.add(
            "sessions",
            {"token_hash": session_token_hash(token), "user_id": user["id"], "started_at": now,
             "last_seen_at": now, "ended_at": None},
        )  # fmt: skip
        actor = Actor(user_id=user["id"], username=user["username"])
        audit_event(uow, actor, AuditAction.LOGIN, "sessions", session_id)
        uow.commit()
    expires = SESSION_POLICY.expires_at(started_at=now, last_seen_at=now)
    return Session(token=token, user_id=user["id"], expires_at=expires)
