"""ADTTE: time-to-event parameters of the ITT set, in days from study day 1 (``DAY1DT``: the
first dose of study treatment, or randomization for a subject never dosed).

``EVNTCD`` is 0 (censored), 1 (the parameter's event) or 2 (a competing event); ``CNSR`` is the
CDISC censoring flag (1 when no event of interest). Parameters:

- ``OS``: death from any cause;
- ``FFS``: failure-free survival, failure = death, relapse or a new systemic (rescue) therapy;
- ``CGVHD``: chronic GVHD, competing = relapse or death first;
- ``RELAPSE``: relapse of the primary disease, competing = death without relapse;
- ``NRM``: death without prior relapse, competing = relapse.

An event of interest and a competing event on the same day count as the event of interest.
Subjects without an event are censored at their last known date alive (``LSTALVDT``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PARAMETERS", "build_adtte"]

#: Parameter code → label.
PARAMETERS: dict[str, str] = {
    "OS": "Overall survival (days)",
    "FFS": "Failure-free survival (days)",
    "CGVHD": "Time to chronic GVHD (days)",
    "RELAPSE": "Time to relapse (days)",
    "NRM": "Time to non-relapse mortality (days)",
}

_NO_DATE = pd.Timestamp.max.normalize()


def _earliest(*columns: pd.Series) -> pd.Series:
    return pd.concat(columns, axis=1).min(axis=1)


def _parameter(
    itt: pd.DataFrame,
    code: str,
    event: pd.Series,
    competing: pd.Series | None,
) -> pd.DataFrame:
    end = itt["LSTALVDT"].fillna(itt["DAY1DT"])
    status = np.where(event.notna(), 1, 0)
    when = event.fillna(end)
    if competing is not None:
        first_competing = competing.notna() & (competing < event.fillna(_NO_DATE))
        status = np.where(first_competing, 2, status)
        when = when.where(~first_competing, competing)
    return pd.DataFrame(
        {
            "SUBJID": itt.index.to_numpy(),
            "USUBJID": itt["USUBJID"].to_numpy(),
            "SITEID": itt["SITEID"].to_numpy(),
            "ARMCD": itt["ARMCD"].to_numpy(),
            "PARAMCD": code,
            "PARAM": PARAMETERS[code],
            "STARTDT": itt["DAY1DT"].to_numpy(),
            "ADT": when.to_numpy(),
            "AVAL": np.maximum((when - itt["DAY1DT"]).dt.days.to_numpy(dtype=float), 0.0),
            "EVNTCD": status.astype(np.int64),
            "CNSR": (status != 1).astype(np.int64),
        }
    )


def build_adtte(adsl: pd.DataFrame) -> pd.DataFrame:
    """All parameters for every ITT subject, stacked (one row per subject and parameter)."""
    itt = adsl[adsl["ITTFL"] == "Y"]
    death, relapse = itt["DTHDT"], itt["RELDT"]
    nrm_death = death.where(relapse.isna() | (death < relapse))
    frames = [
        _parameter(itt, "OS", death, None),
        _parameter(itt, "FFS", _earliest(death, relapse, itt["RESCDT"]), None),
        _parameter(itt, "CGVHD", itt["CGVHDDT"], _earliest(relapse, death)),
        _parameter(itt, "RELAPSE", relapse, death),
        _parameter(itt, "NRM", nrm_death, relapse.where(relapse <= death.fillna(_NO_DATE))),
    ]
    return pd.concat(frames, ignore_index=True)
