"""Reading typed values out of a submitted form, collecting every problem by field name.

A form posts text; a value that is not a number or a date is a problem with that field, reported
next to it like any error the services raise, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Callable, Collection

from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from trialdesk.domain.display import DATE_HINT, parse_local_moment
from trialdesk.domain.errors import FieldError, InputError

__all__ = ["FormValues", "errors_by_field", "kept_values", "submit_form"]

#: Never sent back to the browser in a re-displayed form.
_NOT_KEPT = frozenset({"csrf_token", "password"})


def kept_values(form: FormData, exclude: Collection[str] = _NOT_KEPT) -> dict[str, str | list[str]]:
    """Everything the user entered, to show a refused form again exactly as it was sent.

    A field sent once keeps its text; a field sent several times (ticked checkboxes of one
    group) keeps the list, so every ticked box is ticked again.
    """
    kept: dict[str, str | list[str]] = {}
    for name in form:
        if name in exclude:
            continue
        sent = [v for v in form.getlist(name) if isinstance(v, str)]
        kept[name] = sent if len(sent) > 1 else (sent[0] if sent else "")
    return kept


def errors_by_field(error: InputError, prefix: str = "") -> dict[str, str]:
    """``{field: message}`` for a template (the first message per field; prefix removed)."""
    found: dict[str, str] = {}
    for problem in error.errors:
        found.setdefault(problem.field.removeprefix(prefix), problem.message)
    return found


def submit_form(
    action: Callable[[], object], *, redisplay: Callable[[InputError], Response], done: str
) -> Response:
    """Run the use case behind a posted form: post/redirect/get when it saved, else the same form.

    A refused use case changed nothing (one transaction), so showing the form again with the
    errors next to their fields is all there is to do.
    """
    try:
        action()
    except InputError as error:
        return redisplay(error)
    return RedirectResponse(done, status_code=303)


class FormValues:
    """Typed access to a form; :meth:`check` raises once with every problem found."""

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.problems: list[FieldError] = []

    def text(self, name: str) -> str:
        value = self.form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def optional_text(self, name: str) -> str | None:
        return self.text(name) or None

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.problems.append(FieldError(name, "is required"))
        return value

    def flag(self, name: str) -> bool:
        return self.text(name) in {"on", "true", "yes", "1"}

    def number(self, name: str) -> float | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.problems.append(FieldError(name, f"{raw!r} is not a number"))
            return None
        if not math.isfinite(value):
            self.problems.append(FieldError(name, "must be a finite number"))
            return None
        return value

    def required_number(self, name: str) -> float:
        value = self.number(name)
        if value is None and not any(p.field == name for p in self.problems):
            self.problems.append(FieldError(name, "is required"))
        return value if value is not None else math.nan

    def date(self, name: str) -> dt.date:
        raw = self.text(name)
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            message = (
                f"is required; {DATE_HINT}" if not raw else f"{raw!r} is not a date; {DATE_HINT}"
            )
            self.problems.append(FieldError(name, message))
            return dt.date.min

    def optional_date(self, name: str) -> dt.date | None:
        return self.date(name) if self.text(name) else None

    def moment(self, name: str) -> dt.datetime:
        """A date and time with its UTC offset (``2026-03-02T08:00+08:00``); naive is refused."""
        raw = self.text(name)
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            message = "is required" if not raw else f"{raw!r} is not a date and time"
            self.problems.append(FieldError(name, message))
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        if value.tzinfo is None:
            self.problems.append(FieldError(name, "needs a UTC offset, e.g. +08:00"))
            return value.replace(tzinfo=dt.UTC)
        return value

    def local_moment(self, name: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
        """A date and time typed in the site's ``zone`` (or with an explicit offset), in UTC."""
        try:
            return parse_local_moment(self.text(name), zone, name)
        except InputError as error:
            self.problems.extend(error.errors)
            return dt.datetime.min.replace(tzinfo=dt.UTC)

    def check(self) -> None:
        if self.problems:
            raise InputError(self.problems)
