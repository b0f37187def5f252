"""Datasets from the protocol forms: baseline risk covariates, chronic GVHD, infections."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from form_records_world import (
    CONTROL,
    DAY_ONE,
    EXPERIMENTAL,
    RecordsBuilder,
    day,
    protocol,
)
from trialdesk.domain.errors import InputError
from trialdesk.stats.cox import CoxPH
from trialdesk.stats.datasets import build_datasets, write_datasets
from trialdesk.stats.datasets.adinf import first_infection_times
from trialdesk.stats.datasets.covariates import indicator_columns
from trialdesk.stats.datasets.study_days import study_day_of, study_origin

PROTOCOL = protocol()


def test_baseline_risk_columns_come_from_the_form_with_the_adsl_randomization_date() -> None:
    b = RecordsBuilder()
    with_biomarkers = b.subject(EXPERIMENTAL)
    b.baseline_risk(with_biomarkers, (3, 0, 0, 1), st2_ng_ml=73.91, reg3a_ng_ml=50.0)
    high = b.subject(CONTROL)
    b.baseline_risk(
        high, (3, 0, 0, 2), st2_ng_ml=73.89, reg3a_ng_ml=50.0,
        donor_type="matched_related", conditioning_intensity="reduced_intensity",
    )  # fmt: skip
    without_biomarkers = b.subject(CONTROL)
    b.baseline_risk(without_biomarkers, (0, 1, 0, 0), st2_ng_ml=80.0)
    no_form = b.subject(EXPERIMENTAL)
    adsl = build_datasets(b.records(), PROTOCOL).adsl.set_index("SUBJID")
    assert adsl.at[with_biomarkers, "MNRISK"] == "standard"
    assert adsl.at[with_biomarkers, "MAGICGR"] == "high"
    assert adsl.at[with_biomarkers, "MAGICP"] == pytest.approx(0.29, abs=1e-4)
    assert adsl.at[high, "MNRISK"] == "high"
    assert adsl.at[high, "MAGICGR"] == "low"
    assert adsl.at[high, "DONOR"] == "matched_related"
    assert adsl.at[high, "CONDINT"] == "reduced_intensity"
    assert adsl.at[without_biomarkers, "MNRISK"] == "high"  # liver alone
    assert math.isnan(adsl.at[without_biomarkers, "MAGICP"])
    assert adsl.at[without_biomarkers, "MAGICGR"] == ""
    # Transplant 2026-01-01, onset 2026-02-10, randomized 2026-03-02.
    assert adsl.at[with_biomarkers, "TXTOONS"] == 40
    assert adsl.at[with_biomarkers, "TXTORAND"] == 60
    assert adsl.loc[no_form, ["MNRISK", "MAGICGR", "DONOR", "CONDINT"]].tolist() == [""] * 4
    assert math.isnan(adsl.at[no_form, "TXTORAND"])


def test_categorical_covariates_become_indicators_for_the_cox_model() -> None:
    adsl = pd.DataFrame({"MNRISK": ["standard", "high", "", "high"],
                         "MAGICGR": ["low", "low", "high", ""]})  # fmt: skip
    indicators = indicator_columns(adsl, ["MNRISK", "MAGICGR"])
    assert list(indicators.columns) == ["MNRISK[standard]", "MAGICGR[low]"]
    assert indicators["MNRISK[standard]"].tolist()[:2] == [1.0, 0.0]
    assert math.isnan(indicators["MNRISK[standard]"].iloc[2])
    with pytest.raises(InputError) as raised:
        indicator_columns(adsl.iloc[:1], ["MNRISK"])
    assert raised.value.errors[0].field == "MNRISK"
    data = pd.DataFrame({"time": [5.0, 8, 12, 20, 30, 41], "event": [1, 0, 1, 1, 0, 1],
                         "MNRISK": ["high", "standard", "high", "standard", "standard",
                                    "high"]})  # fmt: skip
    design = data.join(indicator_columns(data, ["MNRISK"]))
    fit = CoxPH().fit(design, time="time", event="event", covariates=["MNRISK[standard]"])
    assert fit.coefficients_.index.tolist() == ["MNRISK[standard]"]


def test_study_days_count_from_the_first_dose_not_randomization() -> None:
    b = RecordsBuilder()
    dosed = b.subject(EXPERIMENTAL)
    never_dosed = b.subject(CONTROL, dosed=False)
    adsl = build_datasets(b.records(), PROTOCOL).adsl.set_index("SUBJID")
    assert study_origin(adsl)[dosed] == pd.Timestamp(DAY_ONE)
    assert study_origin(adsl)[never_dosed] == adsl.at[never_dosed, "RANDDT"]
    days = study_day_of(adsl, [dosed, dosed, never_dosed],
                        pd.Series(pd.to_datetime([DAY_ONE, day(29), DAY_ONE])))  # fmt: skip
    assert days.tolist() == [1.0, 29.0, 4.0]


def chronic_world() -> tuple[RecordsBuilder, dict[str, int]]:
    b = RecordsBuilder()
    ids = {
        "mild_only": b.subject(EXPERIMENTAL),
        "moderate": b.subject(EXPERIMENTAL),
        "died_first": b.subject(CONTROL),
        "same_day": b.subject(CONTROL),
        "no_sign": b.subject(CONTROL),
    }
    b.chronic(ids["mild_only"], 57, "W8", skin=1, mouth=1)
    b.chronic(ids["moderate"], 57, "W8", skin=1)
    b.chronic(ids["moderate"], 85, "W12", lungs=1)
    b.chronic(ids["moderate"], 183, "W26", lungs=2)
    b.chronic(ids["died_first"], 57, "W8", skin=1)
    b.died(ids["died_first"], 70)
    b.chronic(ids["same_day"], 85, "W12", eyes=3)
    b.died(ids["same_day"], 85)
    b.chronic(ids["no_sign"], 57, "W8", sign=False, skin=2)
    return b, ids


def test_chronic_gvhd_dataset_has_one_row_per_assessment_with_the_nih_severity() -> None:
    b, ids = chronic_world()
    data = build_datasets(b.records(), PROTOCOL)
    rows = data.adcgvhd[data.adcgvhd["SUBJID"] == ids["moderate"]]
    assert rows["AVISIT"].tolist() == ["W8", "W12", "W26"]
    assert rows["ADY"].tolist() == [57.0, 85.0, 183.0]
    assert rows["CGSEV"].tolist() == ["mild", "moderate", "severe"]
    assert rows["CGMSFL"].tolist() == ["N", "Y", "Y"]
    no_sign = data.adcgvhd[data.adcgvhd["SUBJID"] == ids["no_sign"]].iloc[0]
    assert no_sign["CGDIAGFL"] == "N"
    assert no_sign["CGSEV"] == "none"
    assert no_sign["CGORGN"] == 0
    adsl = data.adsl.set_index("SUBJID")
    assert adsl.at[ids["moderate"], "CGWORST"] == "severe"
    assert adsl.at[ids["mild_only"], "CGWORST"] == "mild"
    assert adsl.at[ids["moderate"], "CGMSDT"] == pd.Timestamp(day(85))
    assert pd.isna(adsl.at[ids["mild_only"], "CGMSDT"])


def test_moderate_severe_chronic_gvhd_is_an_adtte_parameter_with_death_competing() -> None:
    b, ids = chronic_world()
    adtte = build_datasets(b.records(), PROTOCOL).adtte
    tte = adtte[adtte["PARAMCD"] == "MSCGVHD"].set_index("SUBJID")
    assert len(tte) == len(ids)
    # Days from study day 1: the day-85 assessment is 84 days after day 1.
    assert tte.loc[ids["moderate"], ["AVAL", "EVNTCD", "CNSR"]].tolist() == [84.0, 1, 0]
    assert tte.loc[ids["died_first"], ["AVAL", "EVNTCD"]].tolist() == [69.0, 2]
    assert tte.loc[ids["same_day"], ["AVAL", "EVNTCD"]].tolist() == [84.0, 1]
    assert tte.loc[ids["mild_only"], "EVNTCD"] == 0  # mild is not the event: censored
    assert tte.loc[ids["mild_only"], "AVAL"] == 56.0  # at the last date known alive
    assert (tte["STARTDT"] == pd.Timestamp(DAY_ONE)).all()


def test_infections_dataset_and_first_infection_times_with_death_competing() -> None:
    b = RecordsBuilder()
    cmv = b.subject(EXPERIMENTAL)
    b.infection(cmv, 20, "cmv_dnaemia", load=12_000.0)
    b.infection(cmv, 45, "cmv_dnaemia", load=3_000.0)
    fungal_then_death = b.subject(CONTROL)
    b.infection(fungal_then_death, 30, "invasive_fungal", treated=True)
    b.died(fungal_then_death, 50)
    prevalent = b.subject(CONTROL)
    b.infection(prevalent, 0, "cmv_dnaemia", load=800.0, treated=False)
    data = build_datasets(b.records(), PROTOCOL)
    adinf = data.adinf
    assert len(adinf) == 4
    first = adinf.iloc[0]
    assert first["INFCATL"] == "CMV DNAemia"
    assert first["ASTDY"] == 20
    assert first["VLOAD"] == 12_000.0
    assert first["INFTRTFL"] == "Y"
    fungal = adinf[adinf["INFCAT"] == "invasive_fungal"].iloc[0]
    assert math.isnan(fungal["VLOAD"])
    adsl = data.adsl.set_index("SUBJID")
    times = first_infection_times(adinf, adsl, "cmv_dnaemia")
    assert times.loc[cmv, ["AVAL", "EVNTCD"]].tolist() == [19.0, 1]  # the first CMV, day 20
    assert times.loc[fungal_then_death, ["AVAL", "EVNTCD"]].tolist() == [49.0, 2]
    assert times.loc[prevalent, "EVNTCD"] == 0  # onset on day 0, before the first dose
    fungal_times = first_infection_times(adinf, adsl, "invasive_fungal")
    assert fungal_times.loc[fungal_then_death, ["AVAL", "EVNTCD"]].tolist() == [29.0, 1]


def test_the_form_datasets_are_part_of_the_snapshot_and_empty_without_forms() -> None:
    b = RecordsBuilder()
    subject = b.subject(EXPERIMENTAL)
    empty = build_datasets(b.records(), PROTOCOL)
    assert [name for name, _ in empty.items()][-2:] == ["adcgvhd", "adinf"]
    assert empty.adcgvhd.empty
    assert empty.adinf.empty
    b.infection(subject, 10, "bacteraemia")
    assert build_datasets(b.records(), PROTOCOL).sha256 != empty.sha256
    assert np.isin(["MNRISK", "CGWORST"], empty.adsl.columns).all()


def test_the_form_datasets_export_to_xpt_with_labels(tmp_path: Path) -> None:
    b, ids = chronic_world()
    # Every organ scored: the longest reason text there is.
    b.chronic(ids["no_sign"], 183, "W26", skin=2, mouth=2, eyes=2, gi=2, liver=2, lungs=1,
              joints_fascia=2, genital=2)  # fmt: skip
    b.infection(ids["moderate"], 12, "ebv_dnaemia", load=25_000.0)
    data = build_datasets(b.records(), PROTOCOL)
    write_datasets(data, tmp_path, "xpt")
    frame, meta = pyreadstat.read_xport(str(tmp_path / "adcgvhd.xpt"))
    assert list(frame["CGSEV"]) == list(data.adcgvhd["CGSEV"])
    assert list(frame["CGREAS"]) == list(data.adcgvhd["CGREAS"])
    assert meta.column_names_to_labels["CGSEV"] == "cGVHD Global Severity (NIH 2014)"
    infections, _ = pyreadstat.read_xport(str(tmp_path / "adinf.xpt"))
    assert list(infections["INFCATL"]) == ["EBV DNAemia"]
    assert infections["VLOAD"].tolist() == [25_000.0]
