"""Trial-wide settings: key/value rows written once, audited, read by every page.

The one setting so far is ``demo``: a database filled by ``trialdesk demo`` says so, and the web
application marks every page DEMO, so simulated patients are never mistaken for real ones.
"""

from __future__ import annotations

from trialdesk.domain.errors import StateError
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.clinical.recording import insert_audited
from trialdesk.services.ports import UnitOfWork

__all__ = ["DEMO_KEY", "is_demo_database", "mark_demo_database"]

DEMO_KEY = "demo"


def mark_demo_database(uow: UnitOfWork, *, as_user: int | None, description: str) -> None:
    """Record that this database holds a simulated demonstration trial (audited, once)."""
    with uow:
        actor = load_actor(uow, as_user)
        if uow.records.find("trial_settings", key=DEMO_KEY):
            raise StateError("this database is already marked as a demo trial")
        insert_audited(
            uow, actor, "trial_settings", {"key": DEMO_KEY, "value": description[:200]},
            subject_id=None,
        )  # fmt: skip
        uow.commit()


def is_demo_database(uow: UnitOfWork) -> bool:
    """Whether ``trialdesk demo`` filled this database."""
    with uow:
        return bool(uow.records.find("trial_settings", key=DEMO_KEY))
