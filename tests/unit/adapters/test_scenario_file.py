"""Scenario files: the built-in ones load; every mistake is reported at its path in the file."""

from pathlib import Path

import pytest

from trialdesk.adapters.scenario_file import (
    builtin_scenario_path,
    parse_scenario,
    read_scenario_file,
)
from trialdesk.domain.errors import InputError

DEFAULT_TEXT = builtin_scenario_path("default").read_text(encoding="utf-8")


def test_the_built_in_scenarios_differ_only_in_the_experimental_arm() -> None:
    default = read_scenario_file(builtin_scenario_path("default"))
    null = read_scenario_file(builtin_scenario_path("null"))
    assert (default.name, null.name, default.subjects) == ("default", "null", 130)
    assert null.dynamics("msc_cd25") == null.dynamics("cd25") == default.dynamics("cd25")
    assert default.dynamics("msc_cd25").improve > default.dynamics("cd25").improve
    assert (default.baseline, default.hazards) == (null.baseline, null.hazards)
    assert dict(default.accrual.site_weights)["S01"] == 0.30


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("improve: 0.671", "improve: 1.4", "arms.cd25.improve"),
        ("death: 0.005", "death: -0.1", "hazards.death"),
        (
            "upper_gi: [0.60, 0.40]",
            "upper_gi: [0.60, 0.30, 0.10]",
            "baseline.organ_stage_probabilities",
        ),
        ("patients_per_month: 4.0", "patients_per_month: 0", "accrual.patients_per_month"),
        ("subjects: 130", "subjects: lots", "subjects"),
        ("mean_kg: 62", "mean_kg: 20", "body_weight"),
        ("hazards: {", "hazard: {", "hazard"),
    ],
)
def test_a_mistake_is_reported_at_its_path(old: str, new: str, field: str) -> None:
    assert old in DEFAULT_TEXT
    with pytest.raises(InputError) as caught:
        parse_scenario(DEFAULT_TEXT.replace(old, new))
    assert field in {e.field for e in caught.value.errors}


def test_probabilities_that_do_not_sum_to_one_are_refused() -> None:
    text = DEFAULT_TEXT.replace("liver: [0.75,", "liver: [0.85,")
    with pytest.raises(InputError, match="sum to 1"):
        parse_scenario(text)


def test_a_missing_file_and_broken_yaml_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such scenario file"):
        read_scenario_file(tmp_path / "absent.yaml")
    with pytest.raises(InputError, match="invalid YAML"):
        parse_scenario("arms: [unclosed")
    with pytest.raises(InputError, match="unknown built-in scenario"):
        builtin_scenario_path("optimistic")
