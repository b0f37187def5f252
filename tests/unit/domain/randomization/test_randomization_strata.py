"""A subject's raw values map to a stratum, or randomizing is refused with what is missing."""

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.randomization import StratumKey, normalise_raw_value, stratum_key


def test_grade_three_and_four_share_the_iii_iv_stratum(randomization_spec) -> None:
    strata = randomization_spec().strata
    three = stratum_key(strata, {"site": "S01", "baseline_grade": 3})
    four = stratum_key(strata, {"site": "S01", "baseline_grade": "4"})
    assert three == four == StratumKey((("site", "S01"), ("baseline_grade", "III-IV")))
    assert three.code == "site=S01/baseline_grade=III-IV"
    assert str(stratum_key(strata, {"site": " S02 ", "baseline_grade": 2})) == (
        "site=S02/baseline_grade=II"
    )


def test_a_level_code_itself_is_accepted_as_a_raw_value(randomization_spec) -> None:
    key = stratum_key(randomization_spec().strata, {"site": "S01", "baseline_grade": "III-IV"})
    assert key.levels[1] == ("baseline_grade", "III-IV")


def test_missing_and_unknown_values_are_all_listed(randomization_spec) -> None:
    with pytest.raises(InputError) as caught:
        stratum_key(
            randomization_spec().strata, {"site": "", "baseline_grade": 1}, field_prefix="subject."
        )
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("subject.site", "is missing (needed for stratum 'site')"),
        ("subject.baseline_grade", "'1' is not a level of baseline_grade: II (2), III-IV (3/4)"),
    ]


def test_no_stratification_factors_gives_the_single_stratum_all() -> None:
    assert stratum_key((), {"site": "S01"}).code == "all"


@pytest.mark.parametrize(
    ("raw", "text"), [(None, None), ("  ", None), (True, "yes"), (False, "no"), (3, "3")]
)
def test_raw_values_are_normalised_to_text(raw, text) -> None:
    assert normalise_raw_value(raw) == text
