"""Soft edit-check warnings on the subject page's forms.

A save with unconfirmed warnings re-renders its form with every value kept and each warning
next to its field, with an "I have checked this value" box per warning and a reason field; the
boxes post as ``confirm`` and the reason as ``confirm_reason``, which the use case takes.
"""

from __future__ import annotations

from typing import TypedDict

from starlette.datastructures import FormData

from trialdesk.domain.errors import ConfirmationRequiredError, EditWarning

__all__ = ["Confirmation", "confirmation", "warnings_by_field"]


class Confirmation(TypedDict):
    """The keyword arguments every create use case takes to confirm soft warnings."""

    confirm: list[str]
    confirm_reason: str


def confirmation(form: FormData) -> Confirmation:
    """The ``confirm`` and ``confirm_reason`` arguments of a create use case, from its form."""
    codes = [str(code) for code in form.getlist("confirm")]
    reason = form.get("confirm_reason", "")
    return {"confirm": codes, "confirm_reason": reason if isinstance(reason, str) else ""}


def warnings_by_field(
    error: ConfirmationRequiredError, prefix: str = ""
) -> dict[str, list[EditWarning]]:
    """``{field: [warning…]}`` for a template (prefix removed, like field errors)."""
    found: dict[str, list[EditWarning]] = {}
    for warning in error.warnings:
        found.setdefault(warning.field.removeprefix(prefix), []).append(warning)
    return found
