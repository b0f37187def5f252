"""Study day of a date, from the ADSL origin column — the one place the form datasets (chronic
GVHD, infections, baseline risk) take their time origin from.

Study day 1 is the first dose of study treatment, as in the protocol and the visit calendar; a
subject never dosed falls back to the randomization date. ADSL carries that date as ``DAY1DT``;
an ADSL built without it (older builds) gets the same rule from ``TRTSDT`` and ``RANDDT``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.stats.datasets._frames import study_day

__all__ = ["ORIGIN_COLUMN", "days_from_origin", "study_day_of", "study_origin"]

#: ADSL column holding study day 1 of each subject.
ORIGIN_COLUMN = "DAY1DT"


def study_origin(adsl: pd.DataFrame) -> pd.Series[Any]:
    """Study day 1 of each subject (ADSL indexed by ``SUBJID``)."""
    if ORIGIN_COLUMN in adsl.columns:
        return adsl[ORIGIN_COLUMN]
    return adsl["TRTSDT"].where(adsl["TRTSDT"].notna(), adsl["RANDDT"])


def study_day_of(adsl: pd.DataFrame, subject_ids: Any, dates: pd.Series[Any]) -> pd.Series[Any]:
    """Study day (day 1 = origin, no day 0; the day before is day 0, then -1 …) of each date,
    for the subject on the same row; NaN when the date or the origin is unknown."""
    origin = study_origin(adsl).reindex(pd.Index(subject_ids)).to_numpy()
    return study_day(pd.Series(dates.to_numpy()), pd.Series(origin)).set_axis(dates.index)


def days_from_origin(adsl: pd.DataFrame, dates: pd.Series[Any]) -> pd.Series[Any]:
    """Days elapsed from study day 1 to ``dates`` (indexed like ADSL): the time scale of
    ADTTE's ``AVAL``."""
    return (dates - study_origin(adsl)).dt.days.astype(float)
