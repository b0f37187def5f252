"""The datasets made from protocol forms, added to the core ones in one step: baseline risk
covariates and the chronic GVHD summary on ADSL, the ``MSCGVHD`` parameter rows for ADTTE, and
the ADCGVHD and ADINF datasets. Run before ADTTE is built, so every parameter censors at the
same last known date alive."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import as_frame, to_dates
from trialdesk.stats.datasets.adcgvhd import add_chronic_summary, build_adcgvhd, chronic_gvhd_tte
from trialdesk.stats.datasets.adinf import build_adinf
from trialdesk.stats.datasets.covariates import add_baseline_risk
from trialdesk.stats.datasets.records import TrialRecords

__all__ = ["FormDatasets", "add_form_datasets"]


def _alive_at_form_dates(adsl: pd.DataFrame, records: TrialRecords) -> None:
    """A form record (e.g. a chronic GVHD assessment) shows the subject alive that day, so
    ``LSTALVDT`` of a living subject is at least the last form record's date."""
    frame = as_frame(records.forms, ["subject_id", "record_date"])
    last = to_dates(frame["record_date"]).groupby(frame["subject_id"]).max()
    last = last.reindex(adsl.index)
    alive = adsl["DTHDT"].isna() & last.notna()
    later = alive & (adsl["LSTALVDT"].isna() | (last > adsl["LSTALVDT"]))
    adsl.loc[later, "LSTALVDT"] = last[later]


@dataclass(frozen=True, slots=True)
class FormDatasets:
    adsl: pd.DataFrame
    #: ADTTE rows of the form parameters (``MSCGVHD``), to stack under the core parameters.
    adtte: pd.DataFrame
    adcgvhd: pd.DataFrame
    adinf: pd.DataFrame


def add_form_datasets(
    records: TrialRecords, protocol: Protocol, adsl: pd.DataFrame
) -> FormDatasets:
    """ADSL (with a ``SUBJID`` column) extended; ADTTE rows, ADCGVHD and ADINF built."""
    indexed = adsl.set_index("SUBJID")
    _alive_at_form_dates(indexed, records)
    add_baseline_risk(indexed, records, protocol)
    adcgvhd = build_adcgvhd(records, indexed, protocol)
    add_chronic_summary(indexed, adcgvhd)
    adinf = build_adinf(records, indexed, protocol)
    return FormDatasets(indexed.reset_index(), chronic_gvhd_tte(indexed), adcgvhd, adinf)
