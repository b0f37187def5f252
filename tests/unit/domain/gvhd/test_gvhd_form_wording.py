"""Chronic GVHD and baseline risk records in words on the subject page."""

import datetime as dt

from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.forms.summary import derived_lines
from trialdesk.domain.gvhd.chronic import nih_chronic_gvhd
from trialdesk.domain.gvhd.risk import baseline_risk

SCORES = {f"{o}_score": 0 for o in ("skin", "mouth", "eyes", "gi", "liver", "lungs",
                                    "joints_fascia", "genital")}  # fmt: skip


def test_a_moderate_chronic_gvhd_is_a_flagged_finding_with_its_reason() -> None:
    derived = nih_chronic_gvhd(
        {**SCORES, "lungs_score": 1, "diagnostic_sign": True, "distinctive_sign_confirmed": False},
        FormContext(),
    )
    head, why = derived_lines("nih_chronic_gvhd", derived)
    assert head.text == "Chronic GVHD, moderate (NIH 2014), 1 organ involved"
    assert head.flagged
    assert why.text == "Why: diagnostic sign; moderate: lung score 1 (lungs 1)"


def test_mild_and_absent_chronic_gvhd_are_not_flagged() -> None:
    mild = nih_chronic_gvhd({**SCORES, "skin_score": 1, "mouth_score": 1,
                             "diagnostic_sign": True, "distinctive_sign_confirmed": False},
                            FormContext())  # fmt: skip
    none = nih_chronic_gvhd({**SCORES, "diagnostic_sign": False,
                             "distinctive_sign_confirmed": False}, FormContext())  # fmt: skip
    assert derived_lines("nih_chronic_gvhd", mild)[0].text == (
        "Chronic GVHD, mild (NIH 2014), 2 organs involved"
    )
    assert not derived_lines("nih_chronic_gvhd", mild)[0].flagged
    assert derived_lines("nih_chronic_gvhd", none)[0].text == "Not chronic GVHD (NIH 2014)"


def test_baseline_risk_in_words() -> None:
    values = {
        "donor_type": "haploidentical", "conditioning_intensity": "myeloablative",
        "transplant_on": dt.date(2026, 1, 1), "agvhd_onset_on": dt.date(2026, 2, 10),
        "onset_skin_stage": 4, "onset_liver_stage": 0, "onset_upper_gi_stage": 0,
        "onset_lower_gi_stage": 0, "st2_ng_ml": 73.91, "reg3a_ng_ml": 50.0,
    }  # fmt: skip
    lines = derived_lines("baseline_risk", baseline_risk(values, FormContext()))
    assert [line.text for line in lines] == [
        "Minnesota risk: high risk",
        "MAGIC algorithm probability 0.29 (high; high from 0.290)",
        "Transplant to aGVHD onset: 40 days",
    ]
    assert [line.flagged for line in lines] == [True, True, False]
    del values["reg3a_ng_ml"]
    values["onset_skin_stage"] = 1
    lines = derived_lines(
        "baseline_risk", baseline_risk(values, FormContext(randomized_on=dt.date(2026, 3, 2)))
    )
    assert [line.text for line in lines] == [
        "Minnesota risk: standard risk",
        "MAGIC algorithm probability: needs both ST2 and REG3α",
        "Transplant to aGVHD onset: 40 days",
        "Transplant to randomization: 60 days",
    ]
