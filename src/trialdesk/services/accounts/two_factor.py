"""Enrolling in two-factor sign-in (TOTP, RFC 6238) and reading one's enrolment.

Enrolment has two steps so a typo in the app never locks anyone out: the first visit stores a new
secret (not yet in force) and shows it; the first correct code from the app confirms it, and ten
single-use recovery codes are issued, shown once and stored only as hashes. From then on each
sign-in asks for a code after the password. API tokens are not affected: a script holds a token,
not a phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, StateError
from trialdesk.services.accounts import totp
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.accounts.sessions import live_session
from trialdesk.services.accounts.sign_in import SignInStep, advance_session
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import UnitOfWork

__all__ = [
    "Enrolment",
    "TwoFactorStatus",
    "confirm_enrolment",
    "start_enrolment",
    "two_factor_status",
]


@dataclass(frozen=True, slots=True)
class TwoFactorStatus:
    enrolled: bool
    #: Unused recovery codes left (0 when not enrolled).
    recovery_codes_left: int


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the enrolment page shows: the secret and the address the QR code encodes."""

    secret: str
    uri: str


def two_factor_status(uow: UnitOfWork, *, as_user: int) -> TwoFactorStatus:
    """Whether the user signs in with a second factor, and how many recovery codes remain."""
    with uow:
        load_actor(uow, as_user)
        user = uow.records.get("users", as_user)
        assert user is not None
        if user["totp_confirmed_at"] is None:
            return TwoFactorStatus(False, 0)
        left = uow.records.find("recovery_codes", user_id=as_user, used_at=None)
        return TwoFactorStatus(True, len(left))


def start_enrolment(uow: UnitOfWork, *, as_user: int) -> Enrolment:
    """The secret to enrol with: a new one, or the one already shown and not yet confirmed."""
    with uow:
        actor = load_actor(uow, as_user)
        user = uow.records.get("users", as_user)
        assert user is not None
        if user["totp_confirmed_at"] is not None:
            raise StateError("two-factor sign-in is already set up; an administrator can reset it")
        secret = user["totp_secret"]
        if secret is None:
            secret = totp.new_secret()
            uow.records.update("users", as_user, {"totp_secret": secret, "totp_last_step": None})
            audit_event(
                uow, actor, AuditAction.ACCOUNT_CHANGED, "users", as_user,
                field="two_factor", new="enrolment started",
            )  # fmt: skip
            uow.commit()
    return Enrolment(secret=secret, uri=totp.provisioning_uri(secret, user["username"]))


def confirm_enrolment(
    uow: UnitOfWork, *, as_user: int, code: str, session_token: str | None = None
) -> tuple[list[str], str | None]:
    """Confirm with a first code from the app: the recovery codes (shown once) and next step."""
    with uow:
        actor = load_actor(uow, as_user)
        found = uow.records.get_with_lock_state("users", as_user, for_update=True)
        assert found is not None
        user = found[0]
        if user["totp_confirmed_at"] is not None:
            raise StateError("two-factor sign-in is already set up")
        if user["totp_secret"] is None:
            raise StateError("open the two-factor page first to get a secret")
        now = uow.clock.now()
        step = totp.matching_step(user["totp_secret"], code, now, after=None)
        if step is None:
            raise InputError.single(
                "code", "does not match: enter the 6-digit code your app shows now"
            )
        uow.records.update("users", as_user, {"totp_confirmed_at": now, "totp_last_step": step})
        for old in uow.records.find("recovery_codes", user_id=as_user, used_at=None):
            uow.records.update("recovery_codes", old["id"], {"used_at": now})
        codes = totp.new_recovery_codes()
        for code_text in codes:
            uow.records.add(
                "recovery_codes",
                {"user_id": as_user, "code_hash": totp.recovery_code_hash(code_text),
                 "created_at": now, "used_at": None},
            )  # fmt: skip
        audit_event(
            uow, actor, AuditAction.ACCOUNT_CHANGED, "users", as_user,
            field="two_factor", old="not enrolled", new="enrolled",
            reason=f"{len(codes)} recovery codes issued",
        )  # fmt: skip
        pending = None
        if session_token is not None:
            # The code just entered is the second factor of this session.
            current = live_session(uow, session_token).pending_step
            done = current in (None, SignInStep.ENROL_TWO_FACTOR)
            pending = advance_session(uow, session_token, second_factor_done=done)
        uow.commit()
    return codes, pending
