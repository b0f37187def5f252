"""Response over time: at every protocol visit with GVHD staging after baseline (D8, D15, D22,
D29, W8 for NCT04738981) and per group, how many patients were in CR, PR, MR, NR or PD, had no
assessment, or had had an intercurrent event — a table and a stacked-bar figure.

The assessment that counts at a visit is the one the endpoints use
(:func:`trialdesk.domain.gvhd.endpoints.select_in_window`: in the visit's window, closest to the
target day). Composite strategy, as for the response endpoints: an intercurrent event on or
before that assessment (with no assessment: on or before the window's last day) puts the patient
in "intercurrent event", whatever was observed. A patient whose follow-up had not reached the end
of the window at the data cut-off, without an assessment or an event, is not yet due and is left
out of that visit's denominator (its N says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.gvhd.endpoints import EndpointWindow, select_in_window
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.visit_matching import STAGING_ASSESSMENT
from trialdesk.stats.reports._format import count_pct
from trialdesk.stats.reports.groups import Grouping

__all__ = ["CATEGORIES", "response_by_visit", "response_over_time_figure"]

#: Categories in the order of the table rows and of the stacks (bottom first).
CATEGORIES = ("CR", "PR", "MR", "NR", "PD", "not assessed", "intercurrent event")
_LABELS = {"CR": "Complete response (CR)", "PR": "Partial response (PR)",
           "MR": "Mixed response (MR)", "NR": "No response (NR)",
           "PD": "Progression (PD)", "not assessed": "Not assessed",
           "intercurrent event": "Intercurrent event before the visit"}  # fmt: skip
_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#d73027", "#bdbdbd", "#4d4d4d")


def _visits(protocol: Protocol) -> list[Any]:
    baseline = protocol.assessment.baseline_visit
    staged = [v for v in protocol.visits if STAGING_ASSESSMENT in v.assessments]
    return [v for v in staged if v.code != baseline and v.day > 1]


def _category(itt: pd.DataFrame, adrs: pd.DataFrame, window: EndpointWindow) -> list[str | None]:
    """Category of every ITT subject (in ``itt`` order) at one visit; ``None`` when not due."""
    rows = adrs[adrs["SUBJID"].isin(itt.index)]
    observed: dict[Any, tuple[str, pd.Timestamp]] = {}
    for subject, mine in rows.groupby("SUBJID"):
        days = mine["ADY"].to_numpy(dtype=float)[np.newaxis, :]
        index = int(select_in_window(days, window)[0])
        if index >= 0:
            observed[subject] = (str(mine["AVALC"].iloc[index]), mine["ADT"].iloc[index])
    window_end = itt["DAY1DT"] + pd.to_timedelta(window.last_day - 1, unit="D")
    last_contact = itt["LSTALVDT"].fillna(itt["DAY1DT"])
    found: list[str | None] = []
    for subject, event_on, end, last in zip(itt.index, itt["ICEDT"], window_end, last_contact,
                                            strict=True):  # fmt: skip
        response, assessed_on = observed.get(subject, ("", pd.NaT))
        reference = end if pd.isna(assessed_on) else assessed_on
        if pd.notna(event_on) and event_on <= reference:
            found.append("intercurrent event")
        elif response in CATEGORIES:
            found.append(response)
        elif pd.notna(assessed_on) or last >= end:
            # Due (followed past the window) without a usable assessment; an unknown stored
            # code is shown as not assessed, never dropped.
            found.append("not assessed")
        else:
            found.append(None)  # still followed, window not over at the cut-off
    return found


def response_by_visit(
    adsl: pd.DataFrame, adrs: pd.DataFrame, protocol: Protocol, grouping: Grouping
) -> dict[str, Any]:
    """Per visit and group: N (patients due) and n (%) per category; plus the figure."""
    itt = adsl[adsl["ITTFL"] == "Y"].set_index("SUBJID")
    itt = itt.assign(GROUP=itt["ARMCD"].map(grouping.labels))
    visits = []
    for visit in _visits(protocol):
        window = EndpointWindow(float(visit.day), float(visit.window_before),
                                float(visit.window_after))  # fmt: skip
        categories = _category(itt, adrs, window)
        groups = []
        for label in grouping.columns:
            members = [c for c, g in zip(categories, itt["GROUP"], strict=True)
                       if g == label and c is not None]  # fmt: skip
            counts = {c: members.count(c) for c in CATEGORIES}
            cells = [count_pct(counts[c], len(members)) for c in CATEGORIES]
            groups.append({"label": label, "n": len(members), "counts": counts,
                           "cells": cells})  # fmt: skip
        visits.append({"code": visit.code, "label": visit.label, "day": visit.day,
                       "window": f"day {visit.day} ± {visit.window_before}" if
                       visit.window_before == visit.window_after else
                       f"days {visit.day - visit.window_before}–{visit.day + visit.window_after}",
                       "groups": groups})  # fmt: skip
    return {
        "categories": [_LABELS[c] for c in CATEGORIES],
        "visits": visits,
        "plot": response_over_time_figure(visits, grouping.columns) if visits else None,
    }


def response_over_time_figure(visits: list[dict[str, Any]], columns: list[str]) -> str:
    """Stacked bars of the categories (percent of the patients due) per visit, one bar per
    group side by side, as an SVG data URI."""
    import base64
    import io

    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.6))
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    width = 0.8 / max(len(columns), 1)
    centres = np.arange(len(visits), dtype=float)
    for g in range(len(columns)):
        x = centres - 0.4 + width * (g + 0.5)
        bottom = np.zeros(len(visits))
        for c, category in enumerate(CATEGORIES):
            heights = np.array([
                100.0 * v["groups"][g]["counts"][category] / v["groups"][g]["n"]
                if v["groups"][g]["n"] else 0.0 for v in visits
            ])  # fmt: skip
            axes.bar(x, heights, width * 0.92, bottom=bottom, color=_COLOURS[c],
                     edgecolor="white", linewidth=0.4,
                     label=_LABELS[category] if g == 0 else None)  # fmt: skip
            bottom += heights
        for xi, v in zip(x, visits, strict=True):
            axes.text(xi, 101, f"{v['groups'][g]['n']}", ha="center", va="bottom", fontsize=6.5)
    axes.set_xticks(centres, [f"{v['code']}\n(day {v['day']})" for v in visits], fontsize=8)
    axes.set_ylim(0, 118)
    axes.set_yticks([0, 20, 40, 60, 80, 100])
    axes.set_ylabel("Patients (% of those due)")
    order = ", ".join(columns)
    axes.set_xlabel(f"Protocol visit — bars left to right: {order}; N due above each bar"
                    if len(columns) > 1 else "Protocol visit; N due above each bar")  # fmt: skip
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "trialdesk"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
