"""Report section "Chronic GVHD (NIH 2014)": worst global severity by arm and the cumulative
incidence of moderate–severe chronic GVHD with death as the competing event (ITT)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.stats.datasets.adcgvhd import CHRONIC_PARAMETER
from trialdesk.stats.reports._format import count_pct
from trialdesk.stats.reports.competing_incidence import incidence_at
from trialdesk.stats.reports.groups import Grouping

__all__ = ["CIF_DAYS", "chronic_gvhd_section"]

#: Days at which the cumulative incidence is shown.
CIF_DAYS = (100, 180, 365)
_SEVERITIES = (("none", "No chronic GVHD"), ("mild", "Mild"), ("moderate", "Moderate"),
               ("severe", "Severe"), ("", "Not assessed"))  # fmt: skip


def chronic_gvhd_section(adsl: pd.DataFrame, adtte: pd.DataFrame, grouping: Grouping) -> Any:
    """Worst global severity over follow-up (subjects, % of ITT) and the CIF of moderate–severe
    chronic GVHD at days 100, 180 and 365."""
    itt = adsl[adsl["ITTFL"] == "Y"]
    itt = itt.assign(GROUP=itt["ARMCD"].map(grouping.labels))
    groups = [itt[itt["GROUP"] == g] for g in grouping.columns]
    worst = [
        {"label": label,
         "values": [count_pct(int((g["CGWORST"] == code).sum()), len(g)) for g in groups]}
        for code, label in _SEVERITIES
    ]  # fmt: skip
    code, _ = CHRONIC_PARAMETER
    rows = adtte[adtte["PARAMCD"] == code]
    cif = incidence_at(rows["AVAL"], rows["EVNTCD"], rows["ARMCD"].map(grouping.labels),
                       grouping, CIF_DAYS, "Moderate–severe chronic GVHD (NIH 2014)")  # fmt: skip
    return {"n": [len(g) for g in groups], "worst": worst, "cif": cif}
