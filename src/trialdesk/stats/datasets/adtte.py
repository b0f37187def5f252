"""ADTTE: time-to-event parameters of the ITT set, in days from study day 1 (``DAY1DT``: the
first dose of study treatment, or randomization for a subject never dosed).

``EVNTCD`` is 0 (censored), 1 (the parameter's event) or 2 (a competing event); ``CNSR`` is the
CDISC censoring flag (1 when no event of interest). Parameters:

- ``OS``: death from any cause;
- ``FFS``: failure-free survival, failure = death, relapse or a new systemic (rescue) therapy;
- ``CGVHD``: chronic GVHD, competing = relapse or death first;
- ``RELAPSE``: relapse of the primary disease, competing = death without relapse;
- ``NRM``: death without prior relapse, competing = relapse;
- ``TTR``: time to first response (CR or PR before any intercurrent event), competing = an
  intercurrent event first (additional therapy, re-escalation, death: composite strategy),
  censored at withdrawal or loss to follow-up, else at the last contact;
- ``GRFS``: GVHD-free relapse-free survival (Holtan SG et al., Blood 2015;125:1333-8), events:
  grade III–IV acute GVHD at a post-baseline assessment, moderate–severe chronic GVHD requiring
  systemic therapy (ADSL ``CGMSDT``, the first moderate–severe NIH global severity, when the
  chronic GVHD form data provide it), relapse, death.

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
    "TTR": "Time to first response CR/PR (days)",
    "GRFS": "GVHD-free relapse-free survival (days)",
}
#: ADSL date of onset of moderate–severe chronic GVHD needing systemic therapy (if derived).
MODERATE_SEVERE_CGVHD = "CGMSDT"

_NO_DATE = pd.Timestamp.max.normalize()


def _earliest(*columns: pd.Series) -> pd.Series:
    return pd.concat(columns, axis=1).min(axis=1)


def _parameter(
    itt: pd.DataFrame,
    code: str,
    event: pd.Series,
    competing: pd.Series | None,
    censored_on: pd.Series | None = None,
) -> pd.DataFrame:
    end = itt["LSTALVDT"].fillna(itt["DAY1DT"])
    if censored_on is not None:
        end = censored_on.where(censored_on.notna() & (censored_on < end), end)
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
    if "RSP1DT" in itt.columns:
        withdrawn = itt["ICEVENT"] == "withdrawal or loss to follow-up"
        frames.append(_parameter(itt, "TTR", itt["RSP1DT"], itt["ICEDT"].where(~withdrawn),
                                 itt["ICEDT"].where(withdrawn)))  # fmt: skip
        chronic = itt.get(MODERATE_SEVERE_CGVHD, pd.Series(pd.NaT, index=itt.index))
        frames.append(_parameter(itt, "GRFS", _earliest(itt["AGV34DT"], chronic, relapse, death),
                                 None))  # fmt: skip
    return pd.concat(frames, ignore_index=True)
