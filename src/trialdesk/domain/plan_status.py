"""Where each planned dose and visit stands once the subject's events are known.

The calendar (:mod:`trialdesk.domain.calendar`) plans doses and visits; events close parts of the
plan:

* a switch to rescue therapy (its start date) and the end of study treatment close the study
  treatment: the remaining doses and course visits are cancelled, the follow-up visits stay;
* death, withdrawal and loss to follow-up close every open plan: nothing is planned, due or
  overdue after them.

An item not done whose window was still open (or not yet open) when its part of the plan closed
is *cancelled*, with the event as its reason ("rescue therapy basiliximab started 2026-03-20").
An item whose window had already closed without it stays *missed* — it was a deviation — but is
no longer *overdue*: nothing can be done about it any more (window status ``closed``). Only an
item that is still owed is overdue, so the subject page's timeline and the dashboard's overdue
list, both derived from :func:`plan_item_status`, agree.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from trialdesk.domain.calendar import (
    PlannedAdministration,
    PlanState,
    WindowStatus,
    window_status,
)

__all__ = [
    "ItemStatus",
    "PlanEvent",
    "PlanEventKind",
    "closing_event",
    "describe_event",
    "pair_doses",
    "plan_item_status",
]


class PlanEventKind(enum.StrEnum):
    RESCUE_THERAPY = "rescue_therapy"
    END_OF_STUDY_TREATMENT = "end_of_study_treatment"
    DEATH = "death"
    WITHDRAWAL = "withdrawal"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"


#: Events that end study treatment only; the others end the whole plan.
_TREATMENT_ENDING = frozenset({PlanEventKind.RESCUE_THERAPY, PlanEventKind.END_OF_STUDY_TREATMENT})


@dataclass(frozen=True, slots=True)
class PlanEvent:
    """Something that happened to the subject and closes (part of) the plan on ``on``."""

    kind: PlanEventKind
    on: dt.date
    #: The therapy's name for a switch to rescue therapy.
    name: str = ""

    @property
    def ends_treatment_only(self) -> bool:
        return self.kind in _TREATMENT_ENDING


@dataclass(frozen=True, slots=True)
class ItemStatus:
    state: PlanState
    window: WindowStatus
    #: Why the item is cancelled or closed (``None`` otherwise).
    reason: str | None = None


def describe_event(event: PlanEvent) -> str:
    """What happened, for a person: ``rescue therapy ruxolitinib started 2026-03-20``."""
    on = event.on.isoformat()
    if event.kind is PlanEventKind.RESCUE_THERAPY:
        named = f"rescue therapy {event.name}" if event.name else "rescue therapy"
        return f"{named} started {on}"
    if event.kind is PlanEventKind.END_OF_STUDY_TREATMENT:
        return f"end of study treatment on {on}"
    if event.kind is PlanEventKind.DEATH:
        return f"died on {on}"
    if event.kind is PlanEventKind.WITHDRAWAL:
        return f"withdrawn on {on}"
    return f"lost to follow-up on {on}"


def closing_event(events: Iterable[PlanEvent], *, treatment: bool) -> PlanEvent | None:
    """The first event that closes a treatment item (``treatment``) or any other planned item."""
    applicable = [e for e in events if treatment or not e.ends_treatment_only]
    # On the same day the switch of therapy is named first: it is why study treatment ended.
    order = list(PlanEventKind)
    return min(applicable, key=lambda e: (e.on, order.index(e.kind)), default=None)


def plan_item_status(
    *,
    earliest: dt.date,
    latest: dt.date,
    done_on: dt.date | None,
    today: dt.date,
    treatment: bool,
    events: Sequence[PlanEvent],
) -> ItemStatus:
    """State, window status and reason of one planned item.

    ``treatment`` is true for a study dose or a course visit (closed by the end of study
    treatment), false for a screening or follow-up visit (closed only by the end of the study
    for the subject). A done item is done, whatever happened later.
    """
    state, window = window_status(earliest, latest, done_on, today)
    if done_on is not None:
        return ItemStatus(state, window)
    closing = closing_event(events, treatment=treatment)
    if closing is None or closing.on > today:
        return ItemStatus(state, window)
    reason = describe_event(closing)
    if latest >= closing.on:
        return ItemStatus(PlanState.CANCELLED, WindowStatus.CANCELLED, reason)
    return ItemStatus(PlanState.MISSED, WindowStatus.CLOSED, f"missed before: {reason}")


def pair_doses(
    administrations: Sequence[PlannedAdministration], given: Sequence[tuple[str, dt.date]]
) -> list[PlannedAdministration | None]:
    """The planned administration each given dose ``(product, date)`` stands for.

    The n-th dose of a product, by date, is its n-th planned administration; a dose beyond the
    plan stands for none (``None``). The result is in the order of ``given``.
    """
    planned: dict[str, list[PlannedAdministration]] = {}
    for administration in administrations:
        planned.setdefault(administration.intervention, []).append(administration)
    order = sorted(range(len(given)), key=lambda i: given[i][1])
    seen: dict[str, int] = {}
    paired: list[PlannedAdministration | None] = [None] * len(given)
    for index in order:
        product = given[index][0]
        nth = seen.get(product, 0)
        seen[product] = nth + 1
        of_product = planned.get(product, [])
        paired[index] = of_product[nth] if nth < len(of_product) else None
    return paired
