"""Small helpers shared by the dataset builders: row lists to typed frames, study days."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.stats.datasets.records import Row

__all__ = ["as_frame", "first_per_subject", "study_day", "to_dates", "yes_no"]


def as_frame(rows: Sequence[Row], columns: Sequence[str]) -> pd.DataFrame:
    """The given columns of ``rows`` (an empty frame with those columns when there are none)."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame.from_records([{c: row.get(c) for c in columns} for row in rows])


def to_dates(values: pd.Series[Any]) -> pd.Series[Any]:
    """Dates (or aware datetimes) as ``datetime64[ns]`` at midnight; missing stays NaT."""
    converted = pd.to_datetime(values, utc=True, errors="coerce")
    return converted.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")


def study_day(dates: pd.Series[Any], origin: pd.Series[Any]) -> pd.Series[Any]:
    """Study day with day 1 on the origin date (no day 0), as float (NaN when unknown)."""
    return ((dates - origin).dt.days + 1).astype(float)


def first_per_subject(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """The earliest row of each subject (ties: the lowest id, i.e. recorded first)."""
    ordered = frame.sort_values(["subject_id", date_column, "id"], kind="stable")
    return ordered.drop_duplicates("subject_id", keep="first").set_index("subject_id")


def yes_no(flags: Any) -> np.ndarray[Any, np.dtype[np.object_]]:
    """CDISC-style ``Y``/``N`` flags."""
    return np.where(np.asarray(flags, dtype=bool), "Y", "N").astype(object)
