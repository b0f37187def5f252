"""The saved records of a protocol form, found by the derivation the form names.

A form is found by its ``derive`` name (``baseline_risk``, ``nih_chronic_gvhd``, ``infection``)
rather than by its code, so another protocol may call its forms what it likes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from trialdesk.domain.forms.spec import FormSpec
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import as_frame, to_dates
from trialdesk.stats.datasets.records import Row

__all__ = ["form_by_derivation", "form_frame", "value_date"]

_COLUMNS = ["id", "subject_id", "form", "visit_code", "record_date", "values", "derived"]


def form_by_derivation(protocol: Protocol, derive: str) -> FormSpec | None:
    """The protocol's form computed by derivation ``derive`` (``None`` when it has none)."""
    return next((form for form in protocol.forms if form.derive == derive), None)


def form_frame(forms: Sequence[Row], protocol: Protocol, derive: str) -> pd.DataFrame:
    """Records of that form, ordered by subject, date and id; ``date`` as datetime64."""
    spec = form_by_derivation(protocol, derive)
    frame = as_frame(forms, _COLUMNS)
    frame = frame.iloc[0:0] if spec is None else frame[frame["form"] == spec.code]
    frame = frame.assign(
        date=to_dates(frame["record_date"]),
        values=pd.Series([v if isinstance(v, Mapping) else {} for v in frame["values"]],
                         index=frame.index, dtype=object),
        derived=pd.Series([d if isinstance(d, Mapping) else {} for d in frame["derived"]],
                          index=frame.index, dtype=object),
    )  # fmt: skip
    return frame.sort_values(["subject_id", "date", "id"], kind="stable").reset_index(drop=True)


def value_date(value: Any) -> dt.date | None:
    """A date stored in a record's JSON values (ISO text) or already a date; else ``None``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
