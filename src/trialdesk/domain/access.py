"""Who may do what: roles × actions, password policy, lockout and session expiry (21 CFR 11.300).

Roles are held per site (or study-wide when no site is given). The service layer asks
:func:`role_allows` before touching a record and treats a refusal exactly like a missing record.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from trialdesk.domain.password_policy import PasswordPolicy

__all__ = [
    "CLINICAL_SIGNING",
    "PERMISSIONS",
    "SITE_CLINICAL_ROLES",
    "Action",
    "LockoutPolicy",
    "PasswordPolicy",
    "Role",
    "SessionPolicy",
    "conflicting_roles",
    "role_allows",
]


class Role(enum.StrEnum):
    SITE_COORDINATOR = "site_coordinator"
    INVESTIGATOR = "investigator"
    MONITOR = "monitor"
    DATA_MANAGER = "data_manager"
    STATISTICIAN = "statistician"
    SPONSOR_ADMIN = "sponsor_admin"
    DSMB_VIEWER = "dsmb_viewer"


class Action(enum.StrEnum):
    VIEW_SUBJECT = "view_subject"
    ENTER_DATA = "enter_data"
    RANDOMIZE = "randomize"
    RAISE_QUERY = "raise_query"
    ANSWER_QUERY = "answer_query"
    CLOSE_QUERY = "close_query"
    SIGN = "sign"
    ATTEST_ELIGIBILITY = "attest_eligibility"
    LOCK = "lock"
    EXPORT_AUDIT = "export_audit"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_RANDOMIZATION_LISTS = "manage_randomization_lists"
    EXPORT_RANDOMIZATION_LIST = "export_randomization_list"
    VIEW_AGGREGATES = "view_aggregates"
    VERIFY_SOURCE = "verify_source"


_A = Action
#: The permission matrix. Site staff enter data; monitors and data managers review it; only the
#: investigator signs and attests the judgement criteria of eligibility (ICH E6); statisticians
#: and the DSMB see aggregates, never a subject's record.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.SITE_COORDINATOR: frozenset(
        {_A.VIEW_SUBJECT, _A.ENTER_DATA, _A.RANDOMIZE, _A.ANSWER_QUERY}
    ),
    Role.INVESTIGATOR: frozenset(
        {
            _A.VIEW_SUBJECT,
            _A.ENTER_DATA,
            _A.RANDOMIZE,
            _A.ANSWER_QUERY,
            _A.SIGN,
            _A.ATTEST_ELIGIBILITY,
        }
    ),
    Role.MONITOR: frozenset(
        {_A.VIEW_SUBJECT, _A.RAISE_QUERY, _A.CLOSE_QUERY, _A.EXPORT_AUDIT, _A.VERIFY_SOURCE}
    ),
    Role.DATA_MANAGER: frozenset(
        {_A.VIEW_SUBJECT, _A.RAISE_QUERY, _A.CLOSE_QUERY, _A.LOCK, _A.EXPORT_AUDIT}
    ),
    Role.STATISTICIAN: frozenset(
        {_A.MANAGE_RANDOMIZATION_LISTS, _A.EXPORT_RANDOMIZATION_LIST, _A.VIEW_AGGREGATES}
    ),
    Role.SPONSOR_ADMIN: frozenset(
        {_A.MANAGE_ACCOUNTS, _A.EXPORT_AUDIT, _A.EXPORT_RANDOMIZATION_LIST}
    ),
    Role.DSMB_VIEWER: frozenset({_A.VIEW_AGGREGATES}),
}


#: Roles that enter, sign and attest a site's clinical records.
SITE_CLINICAL_ROLES: frozenset[Role] = frozenset({Role.SITE_COORDINATOR, Role.INVESTIGATOR})
#: Acts that make someone answerable for clinical records.
CLINICAL_SIGNING: frozenset[Action] = frozenset({Action.SIGN, Action.ATTEST_ELIGIBILITY})


def conflicting_roles(held: Iterable[Role], wanted: Role) -> frozenset[Role]:
    """The held roles that may not be combined with ``wanted`` (separation of duties).

    Whoever manages accounts could otherwise give themselves any clinical power and then act
    with it: the sponsor administrator never also holds a site clinical role (ICH E6(R3) 3.16).
    """
    roles = frozenset(held)
    if wanted is Role.SPONSOR_ADMIN:
        return roles & SITE_CLINICAL_ROLES
    if wanted in SITE_CLINICAL_ROLES and Role.SPONSOR_ADMIN in roles:
        return frozenset({Role.SPONSOR_ADMIN})
    return frozenset()


def role_allows(roles: Iterable[Role], action: Action) -> bool:
    """Whether any of the roles grants the action.

    A sponsor administrator never signs or attests clinical records, even with a clinical role
    granted before the rule existed: the administrator role outweighs it for those acts.
    """
    held = frozenset(roles)
    if action in CLINICAL_SIGNING and Role.SPONSOR_ADMIN in held:
        return False
    return any(action in PERMISSIONS[role] for role in held)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """After ``max_failures`` consecutive failed logins the account is locked for a while."""

    max_failures: int = 5
    lock_duration: dt.timedelta = dt.timedelta(minutes=30)

    def locked_until(self, failures: int, now: dt.datetime) -> dt.datetime | None:
        """When a run of ``failures`` locks the account, the time the lock ends."""
        return now + self.lock_duration if failures >= self.max_failures else None


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """Sessions end after a period of inactivity and, at the latest, after an absolute limit."""

    idle_timeout: dt.timedelta = dt.timedelta(minutes=30)
    absolute_timeout: dt.timedelta = dt.timedelta(hours=12)

    def expires_at(self, *, started_at: dt.datetime, last_seen_at: dt.datetime) -> dt.datetime:
        """The moment the session stops being valid unless it is used again before then."""
        return min(last_seen_at + self.idle_timeout, started_at + self.absolute_timeout)
