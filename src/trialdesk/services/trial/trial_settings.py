"""Trial-wide settings: key/value rows written once, audited, read by every page.

``demo``: a database filled by ``trialdesk demo`` says so, and the web application marks every
page DEMO, so simulated patients are never mistaken for real ones.

``dsmb_arm_coding``: which arm the closed DSMB report calls Arm A, Arm B, … — drawn at random
the first time a closed report is produced and kept, so the board follows the same coded arm
from meeting to meeting and nobody can decode it from the protocol's arm order.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from trialdesk.domain.errors import StateError
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.clinical.recording import insert_audited
from trialdesk.services.ports import UnitOfWork

__all__ = [
    "DEMO_KEY",
    "DSMB_ARM_CODING_KEY",
    "dsmb_arm_coding",
    "is_demo_database",
    "mark_demo_database",
]

DEMO_KEY = "demo"
DSMB_ARM_CODING_KEY = "dsmb_arm_coding"


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


def dsmb_arm_coding(
    uow: UnitOfWork, *, as_user: int | None, arm_codes: Sequence[str]
) -> tuple[str, ...]:
    """The arm codes in the order the closed DSMB report codes them (A, B, …).

    The first call draws the order with :mod:`secrets` and stores it, audited; later calls read
    it back. A stored order that no longer names the protocol's arms is an error, not redrawn:
    the board's earlier reports used it.
    """
    with uow:
        stored = uow.records.find("trial_settings", key=DSMB_ARM_CODING_KEY)
        if stored:
            order = tuple(str(stored[0]["value"]).split(","))
            if sorted(order) != sorted(arm_codes):
                raise StateError(
                    f"the stored DSMB arm coding ({', '.join(order)}) does not match the "
                    f"protocol's arms ({', '.join(arm_codes)})"
                )
            return order
        drawn = list(arm_codes)
        secrets.SystemRandom().shuffle(drawn)
        actor = load_actor(uow, as_user)
        insert_audited(
            uow, actor, "trial_settings", {"key": DSMB_ARM_CODING_KEY, "value": ",".join(drawn)},
            subject_id=None,
        )  # fmt: skip
        uow.commit()
        return tuple(drawn)
