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

from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.gvhd.endpoints import TimedResponse
from trialdesk.domain.gvhd.response import RESPONSE_BY_CODE, RESPONSE_CODE
from trialdesk.domain.gvhd.response_detail import (
    ORGAN_RESPONSE_BY_CODE,
    loss_of_response,
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


def _events(adsl: pd.DataFrame, subject: int) -> list[IntercurrentEvent]:
    kind = _KINDS.get(str(adsl.at[subject, "ICEVENT"]))
    day = float(adsl["ICEDY"].get(subject, np.nan))
    return [] if kind is None or pd.isna(day) else [IntercurrentEvent(kind, int(day))]


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
    lost: dict[int, Any] = {}
    for subject, own in rows[rows["SUBJID"].isin(first.index)].groupby("SUBJID"):
        timed = [TimedResponse(int(d), Response(r)) for d, r in zip(own["ADY"], own["AVALC"],
                                                                    strict=True)]  # fmt: skip
        found = loss_of_response(timed, _events(adsl, int(str(subject))))
        if found is not None:
            lost[int(str(subject))] = found
    adsl["LORFL"] = yes_no(adsl.index.isin(list(lost)))
    adsl["LORDY"] = pd.Series({s: float(f.study_day) for s, f in lost.items()}, dtype=float)
    adsl["LORDY"] = adsl["LORDY"].reindex(adsl.index)
    adsl["LORREAS"] = [lost[s].reason if s in lost else "" for s in adsl.index]
    grade34 = adrs[(adrs["ABLFL"] == "N") & (adrs["GRADE"] >= 3)]
    adsl["AGV34DT"] = grade34.groupby("SUBJID")["ADT"].min().reindex(adsl.index)
    not_itt = adsl["ITTFL"] != "Y"
    adsl.loc[not_itt, ["BORD28", "LORREAS", *[w for *_, w in ORGANS]]] = ""
    adsl.loc[not_itt, "LORFL"] = ""
