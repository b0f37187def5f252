"""ADRS: one row per GVHD assessment of a randomized subject (stages, grade, response)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.domain.visit_matching import STAGING_ASSESSMENT
from trialdesk.stats.datasets._frames import as_frame, study_day, to_dates, yes_no
from trialdesk.stats.datasets.records import TrialRecords

__all__ = ["build_adrs"]


def _visit_of_day(days: pd.Series, protocol: Protocol) -> np.ndarray:
    """The protocol visit (with GVHD staging) whose window holds each study day."""
    labels = np.full(len(days), "UNSCHEDULED", dtype=object)
    values = days.to_numpy(dtype=float)
    for visit in reversed([v for v in protocol.visits if STAGING_ASSESSMENT in v.assessments]):
        inside = (values >= visit.day - visit.window_before) & (
            values <= visit.day + visit.window_after
        )
        labels[inside] = visit.code
    return labels


def build_adrs(records: TrialRecords, adsl: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Assessments of randomized subjects, in date and recording order, baseline flagged."""
    columns = [
        "id",
        "subject_id",
        "assessed_on",
        "skin_stage",
        "liver_stage",
        "upper_gi_stage",
        "lower_gi_stage",
        "grade",
        "response",
        "grading_system",
        "response_rule_set",
    ]
    raw = as_frame(records.assessments, columns)
    randomized = adsl.loc[adsl["ITTFL"] == "Y", ["USUBJID", "SITEID", "ARMCD", "DAY1DT"]]
    raw = raw[raw["subject_id"].isin(randomized.index)]
    raw = raw.sort_values(["subject_id", "assessed_on", "id"], kind="stable")
    frame = pd.DataFrame({"SUBJID": raw["subject_id"].astype(np.int64).to_numpy()})
    frame = frame.join(randomized, on="SUBJID")
    frame["ASEQ"] = raw["id"].astype(np.int64).to_numpy()
    frame["ADT"] = to_dates(raw["assessed_on"]).to_numpy()
    frame["ADY"] = study_day(frame["ADT"], frame["DAY1DT"])
    frame["AVISIT"] = _visit_of_day(frame["ADY"], protocol)
    for column, source in (("SKIN", "skin_stage"), ("LIVER", "liver_stage"),
                           ("UGI", "upper_gi_stage"), ("LGI", "lower_gi_stage"),
                           ("GRADE", "grade")):  # fmt: skip
        frame[column] = raw[source].astype(np.int64).to_numpy()
    frame["AVALC"] = raw["response"].fillna("").to_numpy()
    frame["ABLFL"] = yes_no(~frame.duplicated("SUBJID"))
    frame["GRDSYS"] = raw["grading_system"].to_numpy()
    frame["RULESET"] = raw["response_rule_set"].fillna("").to_numpy()
    frame["PARAMCD"] = "OVRLRESP"
    return frame.drop(columns=["DAY1DT"]).reset_index(drop=True)
