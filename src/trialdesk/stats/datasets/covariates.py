"""Baseline risk covariates on ADSL, from the protocol's baseline risk form.

Columns (empty text / NaN when the subject has no baseline risk record):

- ``MNRISK`` refined Minnesota risk at aGVHD onset (``standard`` / ``high``);
- ``MAGICP`` MAGIC algorithm probability (only when both ST2 and REG3α were entered) and
  ``MAGICGR`` its group (``high`` from 0.290, else ``low``);
- ``DONOR`` donor type and ``CONDINT`` conditioning intensity (the form's choice codes);
- ``TXTORAND`` days from transplant (day 0) to randomization, ``TXTOONS`` to aGVHD onset.

The rules are those of :mod:`trialdesk.domain.gvhd.risk`, recomputed from the saved values
with the randomization date of ADSL (the form is filled at screening, before randomization).
Categorical columns enter :class:`~trialdesk.stats.logistic.StratifiedLogisticRegression` as
adjustment factors as they are; :func:`indicator_columns` turns them into the 0/1 columns that
:class:`~trialdesk.stats.cox.CoxPH` takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd.risk import assess_baseline_risk
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets.form_rows import form_frame, value_date
from trialdesk.stats.datasets.records import TrialRecords

__all__ = ["COVARIATE_COLUMNS", "add_baseline_risk", "indicator_columns"]

#: ADSL covariate columns this module adds, in order.
COVARIATE_COLUMNS = ("MNRISK", "MAGICP", "MAGICGR", "DONOR", "CONDINT", "TXTORAND", "TXTOONS")
_DATES = ("transplant_on", "agvhd_onset_on")


def _row(values: dict[str, Any], randomized: Any) -> dict[str, Any]:
    typed = {**values, **{name: value_date(values.get(name)) for name in _DATES}}
    randomized_on = None if pd.isna(randomized) else pd.Timestamp(randomized).date()
    try:
        risk = assess_baseline_risk(typed, randomized_on)
    except InputError:
        # A record the form validation let through cannot fail here; stored data that does
        # (edited outside trialdesk) is left missing rather than guessed.
        return {}
    return {
        "MNRISK": "" if risk.minnesota is None else risk.minnesota.value,
        "MAGICP": np.nan if risk.magic_probability is None else risk.magic_probability,
        "MAGICGR": "" if risk.magic_group is None else risk.magic_group.value,
        "DONOR": str(values.get("donor_type") or ""),
        "CONDINT": str(values.get("conditioning_intensity") or ""),
        "TXTORAND": np.nan if risk.days_transplant_to_randomization is None
        else float(risk.days_transplant_to_randomization),
        "TXTOONS": np.nan if risk.days_transplant_to_onset is None
        else float(risk.days_transplant_to_onset),
    }  # fmt: skip


def add_baseline_risk(adsl: pd.DataFrame, records: TrialRecords, protocol: Protocol) -> None:
    """Add the covariate columns to ADSL (indexed by ``SUBJID``), from each subject's latest
    baseline risk record."""
    frame = form_frame(records.forms, protocol, "baseline_risk")
    latest = frame.drop_duplicates("subject_id", keep="last").set_index("subject_id")
    rows = {
        subject: _row(dict(values), adsl["RANDDT"].get(subject))
        for subject, values in latest["values"].items()
        if subject in adsl.index
    }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(COVARIATE_COLUMNS))
    table = table.reindex(adsl.index)
    for column in COVARIATE_COLUMNS:
        if column in ("MAGICP", "TXTORAND", "TXTOONS"):
            adsl[column] = pd.to_numeric(table[column]).astype(float)
        else:
            adsl[column] = table[column].fillna("").astype(object)


def indicator_columns(adsl: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """0/1 indicator columns (``MNRISK[high]`` …) of categorical ADSL columns, the first level in
    sorted order as reference (as R's treatment contrasts); NaN where the value is missing."""
    out = pd.DataFrame(index=adsl.index)
    for column in columns:
        if column not in adsl.columns:
            raise InputError.single(column, "no such ADSL column")
        values = adsl[column].replace("", np.nan)
        levels = sorted(values.dropna().unique())
        if len(levels) < 2:
            raise InputError.single(column, "has fewer than two levels; nothing to adjust for")
        for level in levels[1:]:
            out[f"{column}[{level}]"] = (values == level).astype(float).where(values.notna())
    return out
