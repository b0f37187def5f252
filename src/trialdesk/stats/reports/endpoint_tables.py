"""Report tables of the endpoint detail: intercurrent events, corticosteroid exposure, organ
response at week 4, best response by day 28 and time to response — by group, ITT set."""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.domain.intercurrent_events import IntercurrentEventKind
from trialdesk.domain.steroid_exposure import TaperStatus
from trialdesk.stats.reports._format import count_pct, num
from trialdesk.stats.reports.groups import Grouping

__all__ = ["intercurrent_events_table", "steroid_exposure_table"]


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
    failed = [g["CRW4REAS"].str.contains(" day ", regex=False) for g in groups]
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
