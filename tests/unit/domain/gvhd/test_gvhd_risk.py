"""Baseline risk: refined Minnesota risk by involvement pattern, MAGIC algorithm probability."""

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.catalogue import DERIVATIONS
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.gvhd.risk import (
    MAGIC_HIGH_THRESHOLD,
    MagicGroup,
    MinnesotaRisk,
    baseline_risk,
    magic_algorithm_probability,
    magic_group,
    minnesota_risk,
    minnesota_risk_arrays,
)
from trialdesk.domain.gvhd.types import OrganStages

STANDARD, HIGH = MinnesotaRisk.STANDARD, MinnesotaRisk.HIGH


# Stages are (skin, liver, upper GI, lower GI).
@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        # one organ
        ((1, 0, 0, 0), STANDARD), ((3, 0, 0, 0), STANDARD), ((4, 0, 0, 0), HIGH),
        ((0, 0, 1, 0), STANDARD),
        ((0, 0, 0, 1), STANDARD), ((0, 0, 0, 2), STANDARD), ((0, 0, 0, 3), HIGH),
        ((0, 0, 0, 4), HIGH),
        ((0, 1, 0, 0), HIGH), ((0, 4, 0, 0), HIGH),  # liver alone is always high risk
        # skin with a GI tract
        ((3, 0, 1, 0), STANDARD), ((4, 0, 1, 0), HIGH),
        ((3, 0, 0, 1), STANDARD), ((3, 0, 0, 2), HIGH), ((1, 0, 0, 2), HIGH),
        ((3, 0, 1, 1), STANDARD), ((1, 0, 1, 2), HIGH),
        # skin with liver
        ((1, 1, 0, 0), STANDARD), ((3, 4, 0, 0), STANDARD), ((4, 1, 0, 0), HIGH),
        ((1, 1, 1, 0), HIGH), ((1, 1, 0, 1), HIGH),  # three organs with liver
        # both GI tracts
        ((0, 0, 1, 1), STANDARD), ((0, 0, 1, 2), HIGH),
        ((0, 1, 0, 1), HIGH), ((0, 1, 1, 0), HIGH),
    ],
)  # fmt: skip
def test_minnesota_risk_is_standard_only_for_the_published_patterns(
    stages: tuple[int, int, int, int], expected: MinnesotaRisk
) -> None:
    assert minnesota_risk(OrganStages(*stages)) is expected


def test_minnesota_risk_is_not_applicable_without_an_involved_organ() -> None:
    assert minnesota_risk(OrganStages(0, 0, 0, 0)) is None


def test_minnesota_arrays_agree_with_the_one_patient_rule_over_every_stage_combination() -> None:
    grid = np.array(
        [(s, li, u, lo) for s in range(5) for li in range(5) for u in range(2) for lo in range(5)]
    )
    codes = minnesota_risk_arrays(grid)
    assert codes.shape == (len(grid),)
    expected = {None: -1, STANDARD: 0, HIGH: 1}
    for row, code in zip(grid.tolist(), codes.tolist(), strict=True):
        assert code == expected[minnesota_risk(OrganStages(*row))]
    # 1 (none) + 3 skin + 1 upper + 2 lower + 3×3 skin+GI + 3×4 skin+liver + 1 GI pair
    assert int((codes == 0).sum()) == 3 + 1 + 2 + 9 + 12 + 1


def test_magic_probability_follows_the_published_formula() -> None:
    # ST2 = REG3α = 1 ng/mL: only the intercept remains.
    assert magic_algorithm_probability(1.0, 1.0) == pytest.approx(1.283921e-05, rel=1e-6)
    # ln(ST2) = 6, REG3α = 1: η = −11.263 + 1.844·6 = −0.199.
    assert magic_algorithm_probability(math.exp(6), 1.0) == pytest.approx(0.559370, abs=1e-6)


def test_magic_group_is_high_from_0_290_inclusive() -> None:
    assert magic_group(MAGIC_HIGH_THRESHOLD) is MagicGroup.HIGH
    assert magic_group(0.2899999) is MagicGroup.LOW
    assert magic_group(0.2900001) is MagicGroup.HIGH
    # With REG3α 50 ng/mL the threshold falls at ST2 ≈ 73.90 ng/mL.
    assert magic_group(magic_algorithm_probability(73.89, 50)) is MagicGroup.LOW
    assert magic_group(magic_algorithm_probability(73.91, 50)) is MagicGroup.HIGH


@pytest.mark.parametrize(
    ("st2", "reg3a", "field"),
    [(0.0, 10.0, "st2_ng_ml"), (10.0, 0.0, "reg3a_ng_ml"), (-1.0, 10.0, "st2_ng_ml"),
     (math.nan, 10.0, "st2_ng_ml"), (10.0, "12", "reg3a_ng_ml")],
)  # fmt: skip
def test_magic_probability_refuses_values_it_cannot_take_the_log_of(
    st2: Any, reg3a: Any, field: str
) -> None:
    with pytest.raises(InputError) as raised:
        magic_algorithm_probability(st2, reg3a)
    assert raised.value.errors[0].field == field


def risk_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "recorded_on": dt.date(2026, 3, 1),
        "donor_type": "haploidentical",
        "transplant_on": dt.date(2026, 1, 1),
        "conditioning_intensity": "myeloablative",
        "agvhd_onset_on": dt.date(2026, 2, 10),
        "onset_skin_stage": 3,
        "onset_liver_stage": 0,
        "onset_upper_gi_stage": 0,
        "onset_lower_gi_stage": 3,
    }
    values.update(overrides)
    return values


def test_the_baseline_risk_derivation_is_registered_under_the_protocol_name() -> None:
    assert DERIVATIONS["baseline_risk"] is baseline_risk


def test_baseline_risk_without_biomarkers_has_no_map_and_no_randomization_interval() -> None:
    derived = baseline_risk(risk_values(st2_ng_ml=80.0), FormContext())
    assert derived == {
        "minnesota_risk": "high",
        "magic_probability": None,  # only one biomarker entered
        "magic_group": None,
        "days_transplant_to_onset": 40,
        "days_transplant_to_randomization": None,
        "days_onset_to_randomization": None,
    }


def test_baseline_risk_with_both_biomarkers_and_a_randomization_date() -> None:
    derived = baseline_risk(
        risk_values(st2_ng_ml=73.91, reg3a_ng_ml=50.0, onset_lower_gi_stage=1),
        FormContext(randomized_on=dt.date(2026, 3, 2)),
    )
    assert derived["minnesota_risk"] == "standard"
    assert derived["magic_probability"] == pytest.approx(0.29, abs=1e-4)
    assert derived["magic_group"] == "high"
    assert derived["days_transplant_to_randomization"] == 60
    assert derived["days_onset_to_randomization"] == 20


def test_baseline_risk_names_the_form_fields_of_bad_input() -> None:
    with pytest.raises(InputError) as raised:
        baseline_risk(risk_values(onset_upper_gi_stage=2), FormContext())
    assert raised.value.errors[0].field == "onset_upper_gi_stage"
    with pytest.raises(InputError) as raised:
        baseline_risk(risk_values(agvhd_onset_on=dt.date(2025, 12, 31)), FormContext())
    assert raised.value.errors[0].field == "agvhd_onset_on"
