"""ADSL corticosteroid exposure columns, from the corticosteroid form by the domain's rules
(:func:`trialdesk.domain.steroid_exposure.steroid_exposure`).

Doses are prednisone-equivalent mg/day; cumulative doses count from study day 1 (``DAY1DT``);
everything is known as of the subject's last contact (``LSTALVDT``), so a milestone the subject
had not reached is missing. Added only when the protocol declares a corticosteroid form, and
only for randomized subjects with at least one recorded period (no record: missing, not 0).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.domain.steroid_exposure import (
    SteroidMilestone,
    periods_from_records,
    steroid_exposure,
)
from trialdesk.stats.datasets.adsl import ORIGIN
from trialdesk.stats.datasets.intercurrent import STEROID_FORM_DERIVATION, steroid_rows_by_subject
from trialdesk.stats.datasets.records import TrialRecords

__all__ = ["STEROID_COLUMNS", "add_steroid_exposure"]

#: ADSL column → label (also used by the export).
STEROID_COLUMNS: dict[str, str] = {
    "CSTD1": "Steroid Dose Day 1 (mg/d pred-eq)",
    "CSTD28": "Steroid Dose Day 28 (mg/d pred-eq)",
    "CSTD56": "Steroid Dose Day 56 (mg/d pred-eq)",
    "CSTAP28": "Steroid Taper at Day 28",
    "CSTAP56": "Steroid Taper at Day 56",
    "CSCUM28": "Cumulative Steroid to Day 28 (mg)",
    "CSCUM56": "Cumulative Steroid to Day 56 (mg)",
    "CSCUMK28": "Cumulative Steroid to Day 28 (mg/kg)",
    "CSCUMK56": "Cumulative Steroid to Day 56 (mg/kg)",
}


def _milestone(m: SteroidMilestone | None) -> tuple[Any, Any, Any, Any]:
    if m is None:
        return np.nan, "", np.nan, np.nan
    per_kg = np.nan if m.cumulative_mg_per_kg is None else m.cumulative_mg_per_kg
    return m.dose_mg, m.status.label, m.cumulative_mg, per_kg


def add_steroid_exposure(adsl: pd.DataFrame, records: TrialRecords, protocol: Protocol) -> None:
    """The :data:`STEROID_COLUMNS` of each subject (nothing when the protocol has no
    corticosteroid form)."""
    if not any(f.derive == STEROID_FORM_DERIVATION for f in protocol.forms):
        return
    rule = str(protocol.form_settings.get("steroid_re_escalation", "above_day1_dose"))
    values: dict[int, list[Any]] = {}
    itt = adsl.index[adsl["ITTFL"] == "Y"]
    origins, last_seen, weights = adsl[ORIGIN], adsl["LSTALVDT"], adsl["WEIGHTBL"]
    for subject, rows in steroid_rows_by_subject(records, protocol).items():
        origin: Any = origins.get(subject)
        if subject not in itt or origin is None or pd.isna(origin):
            continue
        day_one: dt.date = origin.date()
        last: Any = last_seen.get(subject)
        weight: Any = weights.get(subject)
        exposure = steroid_exposure(
            periods_from_records(rows),
            day_one,
            None if weight is None or pd.isna(weight) else float(weight),
            as_of=day_one if last is None or pd.isna(last) else max(last.date(), day_one),
            re_escalation_rule=rule,
        )
        d28, d56 = _milestone(exposure.day28), _milestone(exposure.day56)
        values[subject] = [exposure.day1_dose_mg, d28[0], d56[0], d28[1], d56[1],
                           d28[2], d56[2], d28[3], d56[3]]  # fmt: skip
    frame = pd.DataFrame.from_dict(values, orient="index", columns=list(STEROID_COLUMNS))
    frame = frame.reindex(adsl.index)
    for column in STEROID_COLUMNS:
        if column.startswith("CSTAP"):
            adsl[column] = frame[column].fillna("").astype(object)
        else:
            adsl[column] = pd.to_numeric(frame[column]).astype(float)
