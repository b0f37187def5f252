"""Response endpoints of every subject at once, through the domain's window rules.

The time points come from the protocol (an endpoint names its visit; the visit gives the target
day and window), and the assessment that counts is chosen by
:func:`trialdesk.domain.gvhd.endpoints.response_at_arrays`, the same rule the web app applies to
one patient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd.endpoints import EndpointWindow, response_at_arrays, select_in_window
from trialdesk.domain.gvhd.response import RESPONSE_BY_CODE, RESPONSE_CODE
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.protocol import Protocol

__all__ = ["counted_at", "endpoint_window", "response_labels", "responses_at"]


def endpoint_window(protocol: Protocol, endpoint_code: str) -> EndpointWindow:
    """The window of an endpoint: its visit's day with the visit's allowed days either side."""
    endpoint = next((e for e in protocol.endpoints if e.code == endpoint_code), None)
    if endpoint is None:
        raise InputError.single("endpoint", f"the protocol has no endpoint {endpoint_code!r}")
    visit = next((v for v in protocol.visits if v.code == endpoint.visit), None)
    if visit is None:
        if endpoint.day is None:
            raise InputError.single("endpoint", f"{endpoint_code!r} names no visit and no day")
        return EndpointWindow(target_day=endpoint.day)
    return EndpointWindow(visit.day, visit.window_before, visit.window_after)


def responses_at(
    subject_ids: NDArray[Any], adrs: pd.DataFrame, window: EndpointWindow
) -> NDArray[np.int8]:
    """Response code counting at ``window`` for each subject (``NOT_EVALUABLE`` when none).

    ``adrs`` holds the post-baseline assessments with ``SUBJID``, ``ADY`` (study day), ``AVALC``
    (response category) and ``ASEQ`` (the order they were recorded in).
    """
    return counted_at(subject_ids, adrs, window)[0]


def counted_at(
    subject_ids: NDArray[Any], adrs: pd.DataFrame, window: EndpointWindow
) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    """Response code and study day of the assessment counting at ``window`` for each subject
    (``NOT_EVALUABLE`` and NaN when none), by the rule of :func:`responses_at`."""
    days, codes = _response_matrix(subject_ids, adrs)
    index = select_in_window(days, window)
    picked = np.take_along_axis(days, np.maximum(index, 0)[:, np.newaxis], axis=-1)[:, 0]
    counted_days = np.where(index >= 0, picked, np.nan)
    return response_at_arrays(days, codes, window), counted_days


def _response_matrix(
    subject_ids: NDArray[Any], adrs: pd.DataFrame
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """Each subject's assessments with a response as a row: study days (NaN pads) and codes."""
    rows = adrs.loc[adrs["AVALC"].isin([r.value for r in Response]), ["SUBJID", "ADY", "AVALC",
                                                                      "ASEQ"]]  # fmt: skip
    rows = rows.sort_values(["SUBJID", "ADY", "ASEQ"], kind="stable")
    position = pd.Index(subject_ids).get_indexer(pd.Index(rows["SUBJID"]))
    rows = rows[position >= 0]
    position = position[position >= 0]
    slot = rows.groupby("SUBJID").cumcount().to_numpy()
    width = int(slot.max()) + 1 if len(slot) else 1
    days = np.full((len(subject_ids), width), np.nan)
    codes = np.zeros((len(subject_ids), width), dtype=np.int8)
    days[position, slot] = rows["ADY"].to_numpy(dtype=float)
    lookup = {r.value: RESPONSE_CODE[r] for r in Response}
    codes[position, slot] = rows["AVALC"].map(lookup).to_numpy(dtype=np.int8)
    return days, codes


def response_labels(codes: NDArray[np.int8]) -> NDArray[np.object_]:
    """Category names of response codes; ``NE`` (not evaluable) for a missing time point."""
    names = np.array([r.value for r in RESPONSE_BY_CODE] + ["NE"], dtype=object)
    return names[np.where(codes < 0, len(RESPONSE_BY_CODE), codes)]
