"""Report tables of the endpoint detail: intercurrent events, corticosteroid exposure, organ
response at week 4, best response by day 28 and time to response — by group, ITT set."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.gvhd.response_detail import OrganResponse
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.intercurrent_events import IntercurrentEventKind
from trialdesk.domain.steroid_exposure import TaperStatus
from trialdesk.stats.cumulative_incidence import CumulativeIncidence
from trialdesk.stats.reports._format import count_pct, num, pct
from trialdesk.stats.reports.efficacy_time import incidence_by
from trialdesk.stats.reports.groups import Grouping

__all__ = [
    "best_response_table",
    "intercurrent_events_table",
    "organ_response_table",
    "steroid_exposure_table",
]


def _groups(adsl: pd.DataFrame, grouping: Grouping) -> list[pd.DataFrame]:
    itt = adsl[adsl["ITTFL"] == "Y"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    return [itt[itt["GROUP"] == label] for label in grouping.columns]


def _row(label: str, values: list[str]) -> dict[str, Any]:
    return {"label": label, "values": values}


def _median_range(values: pd.Series[Any], digits: int = 0) -> str:
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return "–"
    return (
        f"{num(values.median(), digits)} [{num(values.min(), digits)}–"
        f"{num(values.max(), digits)}] (n={len(values)})"
    )


def intercurrent_events_table(adsl: pd.DataFrame, grouping: Grouping) -> list[dict[str, Any]]:
    """First intercurrent event by kind, and how many made the week-4 response a failure."""
    groups = _groups(adsl, grouping)
    rows = [_row("N", [str(len(g)) for g in groups])]
    for kind in IntercurrentEventKind:
        rows.append(_row(f"First event: {kind.label}",
                         [count_pct(int((g["ICEVENT"] == kind.label).sum()), len(g))
                          for g in groups]))  # fmt: skip
    # The week-4 reason names the event when the event made the failure.
    failed = [
        pd.Series([bool(e) and str(r).startswith(str(e)) for e, r in
                   zip(g["ICEVENT"], g["CRW4REAS"], strict=True)], dtype=bool)
        for g in groups
    ]  # fmt: skip
    rows.append(_row("Week-4 failure because of an intercurrent event",
                     [count_pct(int(f.sum()), len(g)) for f, g in zip(failed, groups,
                                                                     strict=True)]))  # fmt: skip
    observed_cr = [int(((g["RSPW4"] == "CR") & (g["CRW4FL"] != "Y")).sum()) for g in groups]
    rows.append(_row("CR observed at week 4 but counted as failure",
                     [count_pct(n, len(g)) for n, g in zip(observed_cr, groups,
                                                          strict=True)]))  # fmt: skip
    return rows


def steroid_exposure_table(adsl: pd.DataFrame, grouping: Grouping) -> list[dict[str, Any]]:
    """Corticosteroid exposure by group (prednisone-equivalent; empty when not recorded)."""
    if "CSTD1" not in adsl.columns:
        return []
    groups = _groups(adsl, grouping)
    rows = [
        _row("Subjects with steroid records", [count_pct(int(g["CSTD1"].notna().sum()), len(g))
                                               for g in groups]),
        _row("Day-1 dose, mg/day: median [range]", [_median_range(g["CSTD1"]) for g in groups]),
    ]  # fmt: skip
    for day in (28, 56):
        rows.append(_row(f"Day-{day} dose, mg/day: median [range]",
                         [_median_range(g[f"CSTD{day}"]) for g in groups]))  # fmt: skip
        rows.append(_row(f"Cumulative to day {day}, mg: median [range]",
                         [_median_range(g[f"CSCUM{day}"]) for g in groups]))  # fmt: skip
        rows.append(_row(f"Cumulative to day {day}, mg/kg: median [range]",
                         [_median_range(g[f"CSCUMK{day}"], 1) for g in groups]))  # fmt: skip
        for status in TaperStatus:
            column = f"CSTAP{day}"
            counts = [(int((g[column] == status.label).sum()), int((g[column] != "").sum()))
                      for g in groups]  # fmt: skip
            rows.append(_row(f"Day {day}: {status.label}", [count_pct(*c) for c in counts]))
    return rows


def organ_response_table(adsl: pd.DataFrame, grouping: Grouping) -> list[dict[str, Any]]:
    """Each organ's response at the week-4 assessment that counts: among the subjects with the
    organ involved at baseline (resolved, improved, unchanged, worse) and among those without
    (new involvement)."""
    groups = _groups(adsl, grouping)
    rows: list[dict[str, Any]] = []
    for name, baseline, week4 in (("Skin", "SKININV", "SKINRW4"), ("Liver", "LIVERINV", "LIVRW4"),
                                  ("Upper GI", "UGIINV", "UGIRW4"),
                                  ("Lower GI", "LGIINV", "LGIRW4")):  # fmt: skip
        involved = [g[(g[baseline] == "Y") & (g[week4] != "")] for g in groups]
        rows.append(_row(f"{name}: involved at baseline, assessed at week 4",
                         [str(len(g)) for g in involved]))  # fmt: skip
        for status in (OrganResponse.RESOLVED, OrganResponse.IMPROVED, OrganResponse.UNCHANGED,
                       OrganResponse.WORSE):  # fmt: skip
            rows.append(_row(f"{name}: {status.label}",
                             [count_pct(int((g[week4] == status.label).sum()), len(g))
                              for g in involved]))  # fmt: skip
        free = [g[(g[baseline] == "N") & (g[week4] != "")] for g in groups]
        rows.append(_row(f"{name}: new involvement (uninvolved at baseline)",
                         [count_pct(int((g[week4] == OrganResponse.WORSE.label).sum()), len(g))
                          for g in free]))  # fmt: skip
    return rows


def best_response_table(
    adsl: pd.DataFrame, adtte: pd.DataFrame, grouping: Grouping
) -> dict[str, Any]:
    """Best overall response by day 28 (before any intercurrent event), first response day,
    loss of response among responders, and the cumulative incidence of response by study days
    8, 15 and 29 with intercurrent events competing."""
    groups = _groups(adsl, grouping)
    rows = [_row("N", [str(len(g)) for g in groups])]
    for category in (*(r.value for r in Response), "NE"):
        label = "no assessment before an event (NE)" if category == "NE" else category
        rows.append(_row(f"Best response by day 28: {label}",
                         [count_pct(int((g["BORD28"] == category).sum()), len(g))
                          for g in groups]))  # fmt: skip
    rows.append(_row("Study day of first response: median [range]",
                     [_median_range(g["RSP1DY"]) for g in groups]))  # fmt: skip
    responders = [g[g["RSP1DY"].notna()] for g in groups]
    rows.append(_row("Loss of response (flare) among responders",
                     [count_pct(int((g["LORFL"] == "Y").sum()), len(g))
                      for g in responders]))  # fmt: skip
    ttr = adtte[adtte["PARAMCD"] == "TTR"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    incidence: list[tuple[str, list[str]]] = []
    if (ttr["EVNTCD"] == 1).any():
        for label in grouping.columns:
            mine = ttr[ttr["GROUP"] == label]
            time = mine["AVAL"].to_numpy(dtype=float)
            status = mine["EVNTCD"].to_numpy(dtype=np.int64)
            if not (status == 1).any():
                incidence.append((label, ["0.0%" if d <= time.max() else
                                          f"not estimable: no patient followed to day {d + 1}"
                                          for d in _RESPONSE_DAYS]))  # fmt: skip
                continue
            # The same rule as the time-to-response table: final once nobody is left censored;
            # otherwise undefined beyond the group's follow-up, said in words, not "–%".
            values = incidence_by(CumulativeIncidence().fit(time, status), time, status,
                                  _RESPONSE_DAYS)  # fmt: skip
            unknown = "not estimable: no patient followed to day {}"
            incidence.append((label, [
                f"{pct(v)}%" if np.isfinite(v) else unknown.format(d + 1)
                for d, (v, _) in zip(_RESPONSE_DAYS, values, strict=True)
            ]))  # fmt: skip
    return {"rows": rows, "days": [d + 1 for d in _RESPONSE_DAYS], "incidence": incidence}


#: Days after study day 1 at which the cumulative incidence of response is shown (days 8, 15,
#: 29: the weekly visits and week 4).
_RESPONSE_DAYS = (7, 14, 28)
