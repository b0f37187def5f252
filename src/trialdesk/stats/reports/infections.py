"""Report section "Infections": subjects with each category of infection by arm, and the
cumulative incidence of the first infection of each category at days 100 and 365 with death as
the competing event (safety set, as treated; onsets from study day 1)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets.adinf import first_infection_times, infection_categories
from trialdesk.stats.reports._format import count_pct
from trialdesk.stats.reports.competing_incidence import incidence_at
from trialdesk.stats.reports.groups import Grouping

__all__ = ["CIF_DAYS", "infection_section"]

#: Days at which the cumulative incidence is shown.
CIF_DAYS = (100, 365)


def infection_section(
    adinf: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol, grouping: Grouping
) -> Any:
    """Per category: subjects with ≥ 1 infection (any onset; treated ones), episodes, and the
    CIF of the first on-study infection."""
    safety = adsl[adsl["SAFFL"] == "Y"]
    safety = safety.assign(GROUP=safety["TRTACD"].map(grouping.labels))
    members = [set(safety.index[safety["GROUP"] == g]) for g in grouping.columns]
    recorded = adinf[adinf["SUBJID"].isin(safety.index)] if len(adinf) else adinf
    categories = infection_categories(protocol)
    table, incidence = [], []
    for code, label in categories.items():
        of_category = recorded[recorded["INFCAT"] == code] if len(recorded) else recorded
        with_any = set(of_category["SUBJID"]) if len(of_category) else set()
        treated = (set(of_category.loc[of_category["INFTRTFL"] == "Y", "SUBJID"])
                   if len(of_category) else set())  # fmt: skip
        table.append({
            "label": label,
            "values": [count_pct(len(with_any & m), len(m)) for m in members],
            "treated": [count_pct(len(treated & m), len(m)) for m in members],
            "episodes": [int(of_category["SUBJID"].isin(m).sum()) if len(of_category) else 0
                         for m in members],
        })  # fmt: skip
        if with_any:
            times = first_infection_times(recorded, safety, code)
            incidence.append(
                incidence_at(times["AVAL"], times["EVNTCD"], times["TRTACD"].map(grouping.labels),
                             grouping, CIF_DAYS, label, plot=False)
            )  # fmt: skip
    return {"n": [len(m) for m in members], "table": table, "incidence": incidence,
            "days": list(CIF_DAYS)}  # fmt: skip
