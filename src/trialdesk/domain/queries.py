"""The life of a query: its statuses, who moves it where, and how old it is.

A query is raised open and assigned to the site. The site answers an open or re-opened query,
which hands it back to the role that raised it (a monitor or a data manager). A reviewer closes
an open or answered query, or re-opens an answered one, which hands it to the site again.
Closed is final: a new question is a new query.

Age is counted in whole days since the status last changed (``status_changed_at``), falling
back to the query's creation for rows written before that column existed; the query list
filters by the bands in :data:`AGE_BANDS`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from trialdesk.domain.access import Role
from trialdesk.domain.errors import StateError

__all__ = [
    "AGE_BANDS",
    "OPEN_QUERY_STATES",
    "Assignee",
    "QueryMove",
    "QueryStatus",
    "Transition",
    "age_band",
    "age_in_days",
    "in_age_band",
    "move",
    "raiser_assignee",
]


class QueryStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    REOPENED = "reopened"
    CLOSED = "closed"


#: Statuses in which the site owes an answer; dashboards count these as "open".
OPEN_QUERY_STATES: frozenset[QueryStatus] = frozenset({QueryStatus.OPEN, QueryStatus.REOPENED})


class Assignee(enum.StrEnum):
    """The role expected to act next on a query (``queries.assigned_role``)."""

    SITE = "site"
    MONITOR = "monitor"
    DATA_MANAGER = "data_manager"


class QueryMove(enum.StrEnum):
    ANSWER = "answer"  # the site
    CLOSE = "close"  # a reviewer
    REOPEN = "reopen"  # a reviewer


@dataclass(frozen=True, slots=True)
class Transition:
    status: QueryStatus
    assigned_role: Assignee


#: Which statuses each move starts from.
_FROM: dict[QueryMove, frozenset[QueryStatus]] = {
    QueryMove.ANSWER: OPEN_QUERY_STATES,
    QueryMove.CLOSE: frozenset({QueryStatus.OPEN, QueryStatus.REOPENED, QueryStatus.ANSWERED}),
    QueryMove.REOPEN: frozenset({QueryStatus.ANSWERED}),
}


def move(status: QueryStatus, action: QueryMove, *, raised_by: Assignee) -> Transition:
    """The status and assignee after ``action``; refused (a state error) where it cannot apply.

    ``raised_by`` is the reviewer role that raised the query: an answer goes back to it. A
    closed query stays with the reviewer who raised it.
    """
    if status not in _FROM[action]:
        if status is QueryStatus.CLOSED:
            raise StateError("the query is closed; raise a new query for a new question")
        raise StateError(f"a query that is {status.value} cannot be {_DONE[action]}")
    if action is QueryMove.ANSWER:
        return Transition(QueryStatus.ANSWERED, raised_by)
    if action is QueryMove.CLOSE:
        return Transition(QueryStatus.CLOSED, raised_by)
    return Transition(QueryStatus.REOPENED, Assignee.SITE)


_DONE = {QueryMove.ANSWER: "answered", QueryMove.CLOSE: "closed", QueryMove.REOPEN: "re-opened"}


def raiser_assignee(roles: Iterable[Role]) -> Assignee:
    """The reviewer role an answer goes back to, from the roles of whoever raised the query.

    A data manager (or a query no reviewer raised, such as an edit check's) goes to data
    management; a monitor's to the monitor.
    """
    held = set(roles)
    if Role.MONITOR in held and Role.DATA_MANAGER not in held:
        return Assignee.MONITOR
    return Assignee.DATA_MANAGER


def age_in_days(
    now: dt.datetime, *, status_changed_at: dt.datetime | None, created_at: dt.datetime
) -> int:
    """Whole days the query has been in its current status (never negative)."""
    since = status_changed_at if status_changed_at is not None else created_at
    return max(0, (now - since).days)


#: Age bands for filtering, as ``(name, first day, last day or None)``.
_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-14", 8, 14),
    ("15-30", 15, 30),
    (">30", 31, None),
)
AGE_BANDS: tuple[str, ...] = tuple(name for name, _, _ in _BANDS)


def age_band(days: int) -> str:
    """The band a query ``days`` old falls in."""
    for name, first, last in _BANDS:
        if days >= first and (last is None or days <= last):
            return name
    return AGE_BANDS[0]  # negative ages do not happen (see age_in_days)


def in_age_band(days: int, band: str) -> bool:
    """Whether ``days`` falls in ``band``; an unknown band is a ``ValueError``."""
    if band not in AGE_BANDS:
        raise ValueError(f"unknown age band {band!r}")
    return age_band(days) == band
