"""Sample size for two proportions: the reconstruction table of the trial's 130 patients."""

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.stats.sample_size import (
    TwoProportionDesign,
    analytic_power,
    per_arm_normal,
    per_arm_with_dropout,
)

# (control, experimental): per arm at 80 %, 80 % + Fleiss CC, 90 %, 90 % + Fleiss CC; two-sided
# α 0.05. The clinical reference lists 51 for 50 % vs 80 % at 90 % power: the exact value is
# 51.01, which rounds *up* to 52 whole patients.
TABLE = [
    ((0.50, 0.75), (58, 66, 77, 85)),
    ((0.55, 0.80), (54, 62, 72, 80)),
    ((0.45, 0.70), (61, 68, 81, 88)),
    ((0.50, 0.80), (39, 45, 52, 58)),
    ((0.55, 0.78), (65, 74, 87, 95)),
]


@pytest.mark.parametrize(("rates", "expected"), TABLE)
def test_each_row_of_the_reconstruction_table(
    rates: tuple[float, float], expected: tuple[int, ...]
) -> None:
    found = tuple(
        per_arm_normal(TwoProportionDesign(*rates, power=power), continuity_correction=cc)
        for power in (0.80, 0.90)
        for cc in (False, True)
    )
    assert found == expected


def test_ten_percent_dropout_turns_58_per_arm_into_the_trials_130() -> None:
    per_arm = per_arm_with_dropout(58, 0.10)
    assert (per_arm, 2 * per_arm) == (65, 130)


def test_analytic_power_inverts_the_sample_size_formula() -> None:
    design = TwoProportionDesign(0.5, 0.75)
    assert analytic_power(design, 58) >= 0.80 > analytic_power(design, 57)
    assert analytic_power(design, 65) == pytest.approx(0.8458, abs=1e-4)


def test_a_one_sided_test_needs_fewer_patients() -> None:
    two = per_arm_normal(TwoProportionDesign(0.5, 0.75))
    one = per_arm_normal(TwoProportionDesign(0.5, 0.75, sides=1))
    assert one < two


def test_impossible_designs_name_the_field() -> None:
    with pytest.raises(InputError) as caught:
        TwoProportionDesign(0.5, 1.2, alpha=0.0)
    assert {e.field for e in caught.value.errors} == {"p_treatment", "alpha"}
    with pytest.raises(InputError, match="p_treatment"):
        TwoProportionDesign(0.5, 0.5)
    with pytest.raises(InputError, match="dropout"):
        per_arm_with_dropout(58, 1.0)
