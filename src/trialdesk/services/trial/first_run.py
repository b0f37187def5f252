"""First start of a new database: demo sites and an administrator with a one-time password.

Idempotent: once any account exists nothing is created, so a restart never adds a second
administrator or prints a password again.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trialdesk.domain.access import Role
from trialdesk.services.accounts import accounts
from trialdesk.services.ports import UnitOfWork

__all__ = ["DEMO_SITES", "FirstRun", "generate_password", "initialise_demo"]

#: Demo sites of a multicenter trial led from Beijing (codes are what coordinators type).
DEMO_SITES: tuple[tuple[str, str], ...] = (
    ("PKU01", "Peking University People's Hospital"),
    ("SH01", "Shanghai demo hospital"),
    ("GZ01", "Guangzhou demo hospital"),
)
ADMIN_USERNAME = "admin"


@dataclass(frozen=True, slots=True)
class FirstRun:
    """What the first start created; ``password`` is shown once and stored only as a hash."""

    sites: tuple[str, ...]
    username: str
    password: str


def generate_password(length: int = 20) -> str:
    """A random password that satisfies the account password policy."""
    alphabet = string.ascii_letters + string.digits + "-_.!"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not accounts.PASSWORD_POLICY.problems(candidate, username=ADMIN_USERNAME):
            return candidate


def initialise_demo(
    new_uow: Callable[[], UnitOfWork],
    *,
    sites: Sequence[tuple[str, str]] = DEMO_SITES,
    password: Callable[[], str] = generate_password,
) -> FirstRun | None:
    """Create the demo sites and the administrator on an empty database; else do nothing."""
    with new_uow() as uow:
        if uow.records.count("users") > 0:
            return None
    existing = {site.code for site in accounts.list_sites(new_uow())}
    for code, name in sites:
        if code not in existing:
            accounts.create_site(new_uow(), code=code, name=name, as_user=None)
    secret = password()
    accounts.create_user(
        new_uow(), username=ADMIN_USERNAME, full_name="Trial administrator", password=secret,
        role=Role.SPONSOR_ADMIN.value, site_code=None, as_user=None,
    )  # fmt: skip
    return FirstRun(
        sites=tuple(code for code, _ in sites), username=ADMIN_USERNAME, password=secret
    )
