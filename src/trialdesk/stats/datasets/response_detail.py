"""Response detail in ADRS and ADSL, by the rules of
:mod:`trialdesk.domain.gvhd.response_detail`.

ADRS gains each organ's response against the subject's baseline (``SKINR``, ``LIVERR``,
``UGIR``, ``LGIR``) and ``POSTICE`` (the assessment is on or after the first intercurrent
event, so under the composite strategy it cannot count as a response). ADSL gains the organ
responses at the week-4 assessment that counts (``SKINRW4`` …), the best overall response by
the end of the week-4 window before any intercurrent event (``BORD28``), the first response
(``RSP1DT``, ``RSP1DY``), loss of response (``LORFL``, ``LORDY``, ``LORREAS``) and the first
post-baseline grade III–IV assessment (``AGV34DT``, for GRFS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialdesk.domain.gvhd.endpoints import TimedResponse
from trialdesk.domain.gvhd.response import RESPONSE_BY_CODE, RESPONSE_CODE
from trialdesk.domain.gvhd.response_detail import (
    FLARE_EVENTS,
    ORGAN_RESPONSE_BY_CODE,
    LossOfResponse,
    organ_response_arrays,
)
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.intercurrent_events import IntercurrentEvent, IntercurrentEventKind
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import yes_no
from trialdesk.stats.datasets.endpoints import counted_at, endpoint_window
from trialdesk.stats.datasets.intercurrent import PRIMARY_WINDOW_ENDPOINT

__all__ = ["ORGANS", "add_response_detail"]

#: (ADRS stage column, ADSL baseline column, ADRS organ response, ADSL week-4 organ response).
ORGANS: tuple[tuple[str, str, str, str], ...] = (
    ("SKIN", "BSKIN", "SKINR", "SKINRW4"),
    ("LIVER", "BLIVER", "LIVERR", "LIVRW4"),
    ("UGI", "BUGI", "UGIR", "UGIRW4"),
    ("LGI", "BLGI", "LGIR", "LGIRW4"),
)
_LABELS = np.array([r.label for r in ORGAN_RESPONSE_BY_CODE], dtype=object)
_KINDS = {kind.label: kind for kind in IntercurrentEventKind}


def _responses(adrs: pd.DataFrame) -> pd.DataFrame:
    rows = adrs[adrs["AVALC"].isin([r.value for r in Response])]
    return rows.sort_values(["SUBJID", "ADY", "ASEQ"], kind="stable")


def _add_organ_responses(adsl: pd.DataFrame, adrs: pd.DataFrame, protocol: Protocol) -> None:
    for stage, baseline, per_row, _ in ORGANS:
        base = adrs["SUBJID"].map(adsl[baseline]).fillna(adrs[stage]).to_numpy(dtype=np.int64)
        adrs[per_row] = _LABELS[organ_response_arrays(base, adrs[stage].to_numpy(np.int64))]
    adrs["POSTICE"] = yes_no(
        (adrs["ADY"] >= adrs["SUBJID"].map(adsl["ICEDY"])).fillna(False).to_numpy(dtype=bool)
    )
    ids = adsl.index.to_numpy()
    _, days = counted_at(ids, adrs, endpoint_window(protocol, PRIMARY_WINDOW_ENDPOINT))
    counted = _responses(adrs).drop_duplicates(["SUBJID", "ADY"], keep="last")
    key = pd.MultiIndex.from_arrays([ids, days])
    picked = counted.set_index(["SUBJID", "ADY"]).reindex(key)
    for _, _, per_row, week4 in ORGANS:
        adsl[week4] = picked[per_row].fillna("").to_numpy(dtype=object)


def _add_loss_of_response(adsl: pd.DataFrame, rows: pd.DataFrame) -> None:
    """``LORFL``, ``LORDY``, ``LORREAS`` by the rule of
    :func:`~trialdesk.domain.gvhd.response_detail.loss_of_response`, on whole columns: after the
    first response, the first later assessment not CR/PR or a flare event (the assessment wins
    a same-day tie, as in the domain function)."""
    first = rows["SUBJID"].map(adsl["RSP1DY"])
    lapsed = rows[(rows["ADY"] > first) & ~rows["AVALC"].isin([Response.CR, Response.PR])]
    lapsed = lapsed.drop_duplicates("SUBJID").set_index("SUBJID").reindex(adsl.index)
    flare_labels = [kind.label for kind in FLARE_EVENTS]
    event_day = adsl["ICEDY"].where(
        adsl["ICEVENT"].isin(flare_labels) & (adsl["ICEDY"] > adsl["RSP1DY"])
    )
    by_assessment = lapsed["ADY"].notna() & ~(event_day < lapsed["ADY"])
    by_event = event_day.notna() & ~by_assessment
    reasons = np.full(len(adsl), "", dtype=object)
    lapsed_days, lapsed_codes = lapsed["ADY"].to_numpy(float), lapsed["AVALC"].to_numpy(object)
    event_days, events = event_day.to_numpy(float), adsl["ICEVENT"].to_numpy(object)
    for i in np.flatnonzero(by_assessment.to_numpy()).tolist():
        timed = TimedResponse(int(lapsed_days[i]), Response(lapsed_codes[i]))
        reasons[i] = LossOfResponse.from_assessment(timed).reason
    for i in np.flatnonzero(by_event.to_numpy()).tolist():
        event = IntercurrentEvent(_KINDS[str(events[i])], int(event_days[i]))
        reasons[i] = LossOfResponse.from_event(event).reason
    adsl["LORFL"] = yes_no(by_assessment | by_event)
    adsl["LORDY"] = lapsed["ADY"].where(by_assessment, event_day.where(by_event)).astype(float)
    adsl["LORREAS"] = reasons


def add_response_detail(adsl: pd.DataFrame, adrs: pd.DataFrame, protocol: Protocol) -> None:
    """Add the columns listed in the module docstring (needs the intercurrent events)."""
    _add_organ_responses(adsl, adrs, protocol)
    rows = _responses(adrs)
    before = rows[rows["POSTICE"] == "N"]
    last_day = endpoint_window(protocol, PRIMARY_WINDOW_ENDPOINT).last_day
    codes = before[before["ADY"] <= last_day]["AVALC"].map(
        {r.value: int(RESPONSE_CODE[r]) for r in Response}
    )
    best = codes.groupby(before.loc[codes.index, "SUBJID"]).min().reindex(adsl.index)
    names = [r.value for r in RESPONSE_BY_CODE]
    adsl["BORD28"] = [names[int(c)] if pd.notna(c) else "NE" for c in best]
    responders = before[before["AVALC"].isin([Response.CR.value, Response.PR.value])]
    first = responders.drop_duplicates("SUBJID").set_index("SUBJID")
    adsl["RSP1DT"] = first["ADT"].reindex(adsl.index)
    adsl["RSP1DY"] = first["ADY"].reindex(adsl.index).astype(float)
    _add_loss_of_response(adsl, rows)
    grade34 = adrs[(adrs["ABLFL"] == "N") & (adrs["GRADE"] >= 3)]
    adsl["AGV34DT"] = grade34.groupby("SUBJID")["ADT"].min().reindex(adsl.index)
    not_itt = adsl["ITTFL"] != "Y"
    adsl.loc[not_itt, ["BORD28", "LORREAS", *[w for *_, w in ORGANS]]] = ""
    adsl.loc[not_itt, "LORFL"] = ""
