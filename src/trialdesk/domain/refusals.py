"""What a refusal says: the action the user may not take and the roles it is for.

"You may not close queries: that is for monitors and data managers." A refusal names the roles
that do hold the action, so the user knows whom to ask, and it is written here once for the
pages, the API and the command line alike.
"""

from __future__ import annotations

from trialdesk.domain.access import PERMISSIONS, Action, Role
from trialdesk.domain.labels import label

__all__ = ["refusal_message", "roles_for"]


def roles_for(action: Action) -> list[Role]:
    """The roles that hold ``action``, in the permission matrix's order."""
    return [role for role, allowed in PERMISSIONS.items() if action in allowed]


def _plural(role: Role) -> str:
    name = label("role", role)
    # "Site coordinator" → "site coordinators"; an acronym keeps its capitals ("DSMB members").
    first, _, rest = name.partition(" ")
    head = first if first.isupper() else first.lower()
    return f"{head} {rest}s" if rest else f"{head}s"


def _listed(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names) or "no role"
    return ", ".join(names[:-1]) + " and " + names[-1]


def refusal_message(action: Action, *, subject_id: int | None = None) -> str:
    """``You may not <action>[ for subject <id>]: that is for <roles>.``"""
    target = f" for subject {subject_id}" if subject_id is not None else ""
    roles = _listed([_plural(role) for role in roles_for(action)])
    return f"You may not {label('action', action)}{target}: that is for {roles}."
