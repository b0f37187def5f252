"""ADCGVHD: chronic GVHD by the NIH 2014 consensus, one row per assessment; the worst severity
on ADSL; onset of moderate–severe chronic GVHD as an ADTTE parameter.

Global severity is recomputed from each record's saved values with
:func:`trialdesk.domain.gvhd.chronic.nih_chronic_gvhd` (the same rule that derived it at
entry). ADTTE parameter ``MSCGVHD``: time from study day 1 to the first assessment of moderate
or severe chronic GVHD; death without it first is the competing event; subjects with neither
are censored at their last known date alive. An event and death on the same day count as the
event.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.gvhd.chronic import GlobalSeverity, is_moderate_or_severe, nih_chronic_gvhd
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import yes_no
from trialdesk.stats.datasets.form_rows import form_frame
from trialdesk.stats.datasets.records import TrialRecords
from trialdesk.stats.datasets.study_days import days_from_origin, study_day_of, study_origin

__all__ = ["CHRONIC_PARAMETER", "SEVERITY_ORDER", "add_chronic_summary", "build_adcgvhd",
           "chronic_gvhd_tte"]  # fmt: skip

#: ADTTE parameter code and label of the moderate–severe chronic GVHD endpoint.
CHRONIC_PARAMETER = ("MSCGVHD", "Time to moderate-severe chronic GVHD (days)")
#: Global severities from least to most severe (the worst is the highest).
SEVERITY_ORDER = tuple(s.value for s in GlobalSeverity)
_COLUMNS = ["SUBJID", "USUBJID", "SITEID", "ARMCD", "CGSEQ", "AVISIT", "ADT", "ADY",
            "CGDIAGFL", "CGORGN", "CGSEV", "CGMSFL", "CGREAS"]  # fmt: skip


def _derive(values: Any, stored: Any) -> dict[str, Any]:
    try:
        return nih_chronic_gvhd(values, FormContext())
    except InputError:
        return dict(stored)  # values edited outside trialdesk: keep what was derived at entry


def build_adcgvhd(records: TrialRecords, adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """One row per chronic GVHD assessment of a registered subject, in date order."""
    frame = form_frame(records.forms, protocol, "nih_chronic_gvhd")
    frame = frame[frame["subject_id"].isin(adsl.index)].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _COLUMNS})
    derived = [_derive(v, d) for v, d in zip(frame["values"], frame["derived"], strict=True)]
    subjects = frame["subject_id"].astype(np.int64)
    severity = [str(d.get("global_severity", "none")) for d in derived]
    out = pd.DataFrame({"SUBJID": subjects.to_numpy()})
    out = out.join(adsl[["USUBJID", "SITEID", "ARMCD"]], on="SUBJID")
    out["CGSEQ"] = frame["id"].astype(np.int64).to_numpy()
    out["AVISIT"] = frame["visit_code"].fillna("").to_numpy()
    out["ADT"] = frame["date"].to_numpy()
    out["ADY"] = study_day_of(adsl, subjects.to_numpy(), frame["date"]).to_numpy()
    out["CGDIAGFL"] = yes_no([d.get("diagnosed") is True for d in derived])
    out["CGORGN"] = [int(d.get("organs_involved") or 0) for d in derived]
    out["CGSEV"] = severity
    out["CGMSFL"] = yes_no([is_moderate_or_severe(s) for s in severity])
    out["CGREAS"] = [str(d.get("reason", "")) for d in derived]
    return out[_COLUMNS]


def add_chronic_summary(adsl: pd.DataFrame, adcgvhd: pd.DataFrame) -> None:
    """``CGWORST``: worst global severity over every assessment ('' when never assessed);
    ``CGMSDT``: date of the first assessment of moderate or severe chronic GVHD."""
    rank = adcgvhd["CGSEV"].map({s: i for i, s in enumerate(SEVERITY_ORDER)})
    worst = rank.groupby(adcgvhd["SUBJID"]).max()
    adsl["CGWORST"] = worst.map(dict(enumerate(SEVERITY_ORDER))).reindex(adsl.index).fillna("")
    moderate_severe = adcgvhd[adcgvhd["CGMSFL"] == "Y"]
    first = moderate_severe.groupby("SUBJID")["ADT"].min()
    adsl["CGMSDT"] = pd.to_datetime(first).reindex(adsl.index).astype("datetime64[ns]")


def chronic_gvhd_tte(adsl: pd.DataFrame) -> pd.DataFrame:
    """ADTTE rows of ``MSCGVHD`` for every ITT subject (needs ``CGMSDT`` on ADSL)."""
    itt = adsl[adsl["ITTFL"] == "Y"]
    origin = study_origin(itt)
    event, death = itt["CGMSDT"], itt["DTHDT"]
    competing = death.notna() & (event.isna() | (death < event))
    end = itt["LSTALVDT"].fillna(origin)
    when = event.where(event.notna(), end).where(~competing, death)
    status = np.where(event.notna() & ~competing, 1, np.where(competing, 2, 0))
    code, label = CHRONIC_PARAMETER
    return pd.DataFrame(
        {
            "SUBJID": itt.index.to_numpy(),
            "USUBJID": itt["USUBJID"].to_numpy(),
            "SITEID": itt["SITEID"].to_numpy(),
            "ARMCD": itt["ARMCD"].to_numpy(),
            "PARAMCD": code,
            "PARAM": label,
            "STARTDT": origin.to_numpy(),
            "ADT": when.to_numpy(),
            "AVAL": np.maximum(days_from_origin(itt, when).to_numpy(dtype=float), 0.0),
            "EVNTCD": status.astype(np.int64),
            "CNSR": (status != 1).astype(np.int64),
        }
    )
