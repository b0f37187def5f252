"""Chronic GVHD by the NIH 2014 consensus: diagnosis and global severity at each boundary."""

from typing import Any

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.catalogue import DERIVATIONS
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.gvhd.chronic import (
    ChronicOrgan,
    ChronicOrganScores,
    GlobalSeverity,
    assess_chronic_gvhd,
    is_moderate_or_severe,
    nih_chronic_gvhd,
)


def severity(**scores: int) -> GlobalSeverity:
    return assess_chronic_gvhd(
        ChronicOrganScores(**scores), diagnostic_sign=True, distinctive_sign_confirmed=False
    ).global_severity


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"skin": 1}, GlobalSeverity.MILD),  # one organ, score 1
        ({"skin": 1, "mouth": 1}, GlobalSeverity.MILD),  # two organs: still mild
        ({"skin": 1, "mouth": 1, "eyes": 1}, GlobalSeverity.MODERATE),  # three organs of 1
        ({"mouth": 2}, GlobalSeverity.MODERATE),  # one organ (not lung) at 2
        ({"mouth": 2, "eyes": 2, "gi": 2, "genital": 2}, GlobalSeverity.MODERATE),  # many 2s
        ({"lungs": 1}, GlobalSeverity.MODERATE),  # lung 1 alone is moderate, not mild
        ({"skin": 1, "lungs": 1}, GlobalSeverity.MODERATE),
        ({"lungs": 2}, GlobalSeverity.SEVERE),  # lung 2 is severe, not moderate
        ({"lungs": 3}, GlobalSeverity.SEVERE),
        ({"joints_fascia": 3}, GlobalSeverity.SEVERE),  # any organ at 3
        ({"liver": 3, "skin": 1}, GlobalSeverity.SEVERE),
        ({"skin": 1, "mouth": 1, "eyes": 1, "gi": 1, "liver": 1, "joints_fascia": 1,
          "genital": 1}, GlobalSeverity.MODERATE),
    ],
)  # fmt: skip
def test_global_severity_follows_the_nih_2014_table(
    scores: dict[str, int], expected: GlobalSeverity
) -> None:
    assert severity(**scores) is expected


def test_diagnosis_needs_a_diagnostic_sign_or_a_confirmed_distinctive_sign() -> None:
    scores = ChronicOrganScores(skin=2)
    none = assess_chronic_gvhd(scores, diagnostic_sign=False, distinctive_sign_confirmed=False)
    distinctive = assess_chronic_gvhd(
        scores, diagnostic_sign=False, distinctive_sign_confirmed=True
    )
    assert not none.diagnosed
    assert none.global_severity is GlobalSeverity.NONE
    assert "no diagnostic sign" in none.reason
    assert "skin 2" in none.reason
    assert distinctive.diagnosed
    assert distinctive.global_severity is GlobalSeverity.MODERATE
    assert distinctive.reason.startswith("distinctive sign confirmed")


def test_a_sign_without_any_organ_scored_is_not_chronic_gvhd() -> None:
    result = assess_chronic_gvhd(
        ChronicOrganScores(), diagnostic_sign=True, distinctive_sign_confirmed=False
    )
    assert not result.diagnosed
    assert result.organs_involved == 0
    assert "no organ scores 1 or more" in result.reason


def test_an_organ_explained_by_another_cause_is_left_out_of_the_global_severity() -> None:
    scores = ChronicOrganScores(skin=1, mouth=1, lungs=2)
    counted = assess_chronic_gvhd(scores, diagnostic_sign=True, distinctive_sign_confirmed=False)
    explained = assess_chronic_gvhd(
        scores,
        diagnostic_sign=True,
        distinctive_sign_confirmed=False,
        explained_by_other_cause=[ChronicOrgan.LUNGS],
    )
    assert counted.global_severity is GlobalSeverity.SEVERE
    assert explained.global_severity is GlobalSeverity.MILD
    assert explained.counted == (ChronicOrgan.SKIN, ChronicOrgan.MOUTH)
    assert explained.explained == (ChronicOrgan.LUNGS,)
    assert "not counted (non-GVHD cause): lungs 2" in explained.reason


@pytest.mark.parametrize("bad", [-1, 4, 1.5, "2", True])
def test_scores_outside_0_to_3_or_not_whole_numbers_are_refused(bad: Any) -> None:
    with pytest.raises(InputError) as raised:
        ChronicOrganScores(eyes=bad)
    assert raised.value.errors[0].field == "eyes"


def form_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {f"{organ.value}_score": 0 for organ in ChronicOrgan}
    values.update(diagnostic_sign=False, distinctive_sign_confirmed=False)
    values.update(overrides)
    return values


def test_the_form_derivation_is_registered_under_the_protocol_name() -> None:
    assert DERIVATIONS["nih_chronic_gvhd"] is nih_chronic_gvhd


def test_the_form_derivation_returns_diagnosis_organs_severity_and_reason() -> None:
    derived = nih_chronic_gvhd(
        form_values(diagnostic_sign=True, skin_score=1, mouth_score=1, eyes_score=1),
        FormContext(),
    )
    assert derived == {
        "diagnosed": True,
        "organs_involved": 3,
        "global_severity": "moderate",
        "reason": derived["reason"],
    }
    assert "3 organs involved" in derived["reason"]


def test_the_forms_other_cause_flag_leaves_every_scored_organ_out() -> None:
    values = form_values(diagnostic_sign=True, lungs_score=2, other_cause_explains=True)
    derived = nih_chronic_gvhd(values, FormContext())
    assert derived["diagnosed"] is False
    assert derived["global_severity"] == "none"
    assert "explained by a non-GVHD cause" in derived["reason"]
    values["other_cause_explains"] = False
    assert nih_chronic_gvhd(values, FormContext())["global_severity"] == "severe"


def test_the_form_derivation_names_the_form_field_of_a_bad_score() -> None:
    with pytest.raises(InputError) as raised:
        nih_chronic_gvhd(form_values(gi_score=5), FormContext())
    assert raised.value.errors[0].field == "gi_score"


@pytest.mark.parametrize(
    ("severity_code", "expected"),
    [("none", False), ("mild", False), ("moderate", True), ("severe", True)],
)
def test_moderate_or_severe_is_the_endpoint_event(severity_code: str, expected: bool) -> None:
    assert is_moderate_or_severe(severity_code) is expected
