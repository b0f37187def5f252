"""ADAE: one row per adverse event, with the subject's arms and safety flag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.safety.seriousness import Causality
from trialdesk.domain.safety.terminology import ctcae_terminology
from trialdesk.stats.datasets._frames import as_frame, study_day, to_dates, yes_no
from trialdesk.stats.datasets.records import Row

__all__ = ["build_adae"]


def _related(assessments: object) -> bool:
    """Related to any product (possible or above, as the safety rules define it)."""
    if not isinstance(assessments, dict):
        return False
    return any(Causality(value).is_related for value in assessments.values())


def _coding(raw: pd.DataFrame) -> tuple[list[str], pd.Series[Any], list[str]]:
    """CTCAE term, MedDRA code and SOC; an uncoded row keeps its text, no code, an empty SOC.

    For "Other, specify" ``AEDECOD`` is the SOC's catch-all CTCAE term and ``AETERM`` the text.
    """
    terminology = ctcae_terminology()
    decoded, socs = [], []
    for text, code, soc in zip(raw["term"], raw["meddra_code"], raw["soc"], strict=True):
        found = None if code is None or code != code else terminology.find(int(code))
        decoded.append(found.term if found is not None else str(text))
        socs.append(found.soc if found is not None else str(soc or ""))
    codes = pd.array([None if c is None or c != c else int(c) for c in raw["meddra_code"]],
                     dtype="Int64")  # fmt: skip
    return decoded, pd.Series(codes, index=raw.index), socs


def build_adae(adverse_events: Sequence[Row], adsl: pd.DataFrame) -> pd.DataFrame:
    """AEs in onset order; ``TRTEMFL`` when onset is on or after the first dose."""
    columns = ["id", "subject_id", "term", "ctcae_grade", "onset_on", "serious",
               "seriousness_criteria", "related_to", "derived", "outcome", "meddra_code",
               "soc"]  # fmt: skip
    raw = as_frame(adverse_events, columns)
    raw = raw.sort_values(["subject_id", "onset_on", "id"], kind="stable")
    frame = pd.DataFrame({"SUBJID": raw["subject_id"].astype(np.int64).to_numpy()})
    frame = frame.join(
        adsl[["USUBJID", "SITEID", "ARMCD", "TRTACD", "SAFFL", "DAY1DT", "TRTSDT"]], on="SUBJID"
    )
    frame["AESEQ"] = raw["id"].astype(np.int64).to_numpy()
    frame["AETERM"] = raw["term"].to_numpy()
    frame["AEDECOD"], frame["AEPTCD"], frame["AESOC"] = _coding(raw)
    frame["AETOXGR"] = raw["ctcae_grade"].astype(np.int64).to_numpy()
    frame["AEGR3FL"] = yes_no(frame["AETOXGR"] >= 3)
    frame["AESER"] = yes_no(raw["serious"].eq(True).to_numpy())
    frame["AESDTH"] = yes_no(["death" in (c or []) for c in raw["seriousness_criteria"]])
    frame["AEREL"] = yes_no([_related(r) for r in raw["related_to"]])
    # The latest outcome (follow-up updates the column); rows saved before it keep it in derived.
    frame["AEOUT"] = [str(o or (d or {}).get("outcome", ""))
                      for o, d in zip(raw["outcome"], raw["derived"], strict=True)]  # fmt: skip
    frame["ASTDT"] = to_dates(raw["onset_on"]).to_numpy()
    frame["ASTDY"] = study_day(frame["ASTDT"], frame["DAY1DT"])
    frame["TRTEMFL"] = yes_no(frame["TRTSDT"].notna() & (frame["ASTDT"] >= frame["TRTSDT"]))
    return frame.drop(columns=["DAY1DT", "TRTSDT"]).reset_index(drop=True)
