"""ADINF: infections, one row per recorded infection (the protocol's infection form), and the
time to the first infection of a category for cumulative incidence.

Columns: category code and label (``INFCAT``, ``INFCATL``), onset date and study day (``ASTDT``,
``ASTDY``; day 1 = first dose), peak viral load in copies/mL (``VLOAD``, DNAemia only),
treated (``INFTRTFL``) and resolution date (``RESDT``).

:func:`first_infection_times`: for every subject of the safety set (analysed as treated), days
from study day 1 to the first infection of the category with onset on or after study day 1
(event 1; one present before is prevalent, not incident), or to death without it (competing
event 2), else censored at the last known date alive (0). An infection and death on the same
day count as the infection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import to_dates, yes_no
from trialdesk.stats.datasets.form_rows import form_by_derivation, form_frame, value_date
from trialdesk.stats.datasets.records import TrialRecords
from trialdesk.stats.datasets.study_days import days_from_origin, study_day_of, study_origin

__all__ = ["build_adinf", "first_infection_times", "infection_categories"]

_COLUMNS = ["SUBJID", "USUBJID", "SITEID", "ARMCD", "TRTACD", "SAFFL", "INFSEQ", "INFCAT",
            "INFCATL", "ASTDT", "ASTDY", "VLOAD", "INFTRTFL", "RESDT"]  # fmt: skip


def infection_categories(protocol: Protocol) -> dict[str, str]:
    """Category code → label, in the order the protocol's infection form lists them."""
    spec = form_by_derivation(protocol, "infection")
    field = None if spec is None else spec.field("category")
    return dict(field.choices) if field is not None else {}


def build_adinf(records: TrialRecords, adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Infections of registered subjects in onset order (ADSL indexed by ``SUBJID``)."""
    frame = form_frame(records.forms, protocol, "infection")
    frame = frame[frame["subject_id"].isin(adsl.index)].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _COLUMNS})
    labels = infection_categories(protocol)
    subjects = frame["subject_id"].astype(np.int64)
    values = frame["values"]
    out = pd.DataFrame({"SUBJID": subjects.to_numpy()})
    out = out.join(adsl[["USUBJID", "SITEID", "ARMCD", "TRTACD", "SAFFL"]], on="SUBJID")
    out["INFSEQ"] = frame["id"].astype(np.int64).to_numpy()
    out["INFCAT"] = [str(v.get("category", "")) for v in values]
    out["INFCATL"] = [labels.get(c, c) for c in out["INFCAT"]]
    out["ASTDT"] = frame["date"].to_numpy()
    out["ASTDY"] = study_day_of(adsl, subjects.to_numpy(), frame["date"]).to_numpy()
    out["VLOAD"] = pd.to_numeric(
        pd.Series([v.get("viral_load_copies_ml") for v in values]), errors="coerce"
    ).to_numpy(dtype=float)
    out["INFTRTFL"] = yes_no([v.get("treated") is True for v in values])
    out["RESDT"] = to_dates(pd.Series([value_date(v.get("resolved_on")) for v in values]))
    return out[_COLUMNS]


def first_infection_times(adinf: pd.DataFrame, adsl: pd.DataFrame, category: str) -> pd.DataFrame:
    """``AVAL`` (days from study day 1) and ``EVNTCD`` (1 infection, 2 death first, 0 censored)
    of every subject of the safety set for the first infection of ``category``, with the arm
    as treated (``TRTACD``)."""
    safety = adsl[adsl["SAFFL"] == "Y"]
    # An infection present before study day 1 is prevalent, not incident on study.
    of_category = adinf[(adinf["INFCAT"] == category) & (adinf["ASTDY"] >= 1)]
    first = of_category.groupby("SUBJID")["ASTDT"].min()
    event = pd.to_datetime(first).reindex(safety.index).astype("datetime64[ns]")
    death = safety["DTHDT"]
    competing = death.notna() & (event.isna() | (death < event))
    end = safety["LSTALVDT"].fillna(study_origin(safety))
    when = event.where(event.notna(), end).where(~competing, death)
    status = np.where(event.notna() & ~competing, 1, np.where(competing, 2, 0))
    return pd.DataFrame(
        {
            "TRTACD": safety["TRTACD"].to_numpy(),
            "AVAL": np.maximum(days_from_origin(safety, when).to_numpy(dtype=float), 0.0),
            "EVNTCD": status.astype(np.int64),
        },
        index=safety.index,
    )
