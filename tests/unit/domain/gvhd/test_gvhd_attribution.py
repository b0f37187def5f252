"""Organ attribution (an organ attributed to another cause is staged 0) and additional therapy."""

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import (
    OrganStages,
    apply_attribution,
    attribution_notes,
    check_additional_therapy,
    parse_attribution,
)


def test_an_organ_attributed_to_another_cause_is_staged_0_and_the_record_says_why() -> None:
    attribution = parse_attribution(
        {"liver": {"biopsy": "not_done", "causes": ["drug_cholestasis"],
                   "attributed_to_other_cause": True}}
    )  # fmt: skip
    stages, record = apply_attribution(OrganStages(1, 2, 0, 3), attribution)
    assert stages == OrganStages(1, 0, 0, 3)
    assert record == {
        "liver": {
            "biopsy": "not_done",
            "causes": ["drug_cholestasis"],
            "attributed_to_other_cause": True,
            "stage_measured": 2,
            "staged": 0,
            "reason": "attributed to drug cholestasis",
        }
    }
    assert attribution_notes(record) == ["Liver: not staged — attributed to drug cholestasis"]


def test_causes_considered_but_not_attributed_leave_the_stage_as_measured() -> None:
    attribution = parse_attribution(
        {"lower_gi": {"biopsy": "consistent_with_gvhd", "causes": ["cmv_enteritis", "c_difficile"]}}
    )
    stages, record = apply_attribution(OrganStages(0, 0, 0, 2), attribution)
    assert stages.lower_gi == 2
    assert record["lower_gi"]["reason"] is None
    assert attribution_notes(record) == []


def test_several_causes_are_named_together() -> None:
    attribution = parse_attribution(
        {"lower_gi": {"causes": ["cmv_enteritis", "c_difficile", "infection"],
                      "attributed_to_other_cause": True}}
    )  # fmt: skip
    _, record = apply_attribution(OrganStages(0, 0, 0, 2), attribution)
    assert record["lower_gi"]["reason"] == (
        "attributed to CMV enteritis, C. difficile infection and infection"
    )


def test_no_block_attributes_nothing() -> None:
    stages, record = apply_attribution(OrganStages(2, 1, 1, 1), parse_attribution(None))
    assert stages == OrganStages(2, 1, 1, 1)
    assert record == {}
    assert attribution_notes(None) == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"kidney": {}}, "attribution.kidney"),
        ({"liver": {"biopsy": "maybe"}}, "attribution.liver.biopsy"),
        ({"liver": {"causes": ["gallstones"]}}, "attribution.liver.causes[0]"),
        ({"liver": {"causes": ["sos_vod", "sos_vod"]}}, "attribution.liver.causes[1]"),
        ({"liver": {"attributed_to_other_cause": True}}, "attribution.liver.causes"),
        (
            {"liver": {"attributed_to_other_cause": "yes"}},
            "attribution.liver.attributed_to_other_cause",
        ),
        ({"liver": {"colour": "yellow"}}, "attribution.liver.colour"),
        ({"liver": "drug"}, "attribution.liver"),
    ],
)
def test_a_bad_attribution_is_refused_naming_its_path(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_attribution(raw)
    assert [e.field for e in caught.value.errors] == [field]


# Additional systemic GVHD therapy since the last assessment.


def test_additional_therapy_yes_needs_the_names() -> None:
    assert check_additional_therapy(True, " ruxolitinib ", required=True).names == "ruxolitinib"
    with pytest.raises(InputError, match="additional_therapy_names: name the"):
        check_additional_therapy(True, "  ", required=True)


def test_additional_therapy_is_required_after_randomization_and_optional_before() -> None:
    with pytest.raises(InputError, match=r"^additional_therapy: answer yes or no"):
        check_additional_therapy(None, None, required=True)
    assert check_additional_therapy(None, None, required=False).given is None


def test_additional_therapy_no_refuses_names() -> None:
    assert check_additional_therapy(False, "", required=True).given is False
    with pytest.raises(InputError, match="additional_therapy_names: leave empty"):
        check_additional_therapy(False, "ruxolitinib", required=True)


@pytest.mark.parametrize(("length", "ok"), [(199, True), (200, True), (201, False)])
def test_additional_therapy_names_are_at_most_200_characters(length: int, ok: bool) -> None:
    names = "x" * length
    if ok:
        assert check_additional_therapy(True, names, required=True).names == names
    else:
        with pytest.raises(InputError, match="at most 200 characters, got 201"):
            check_additional_therapy(True, names, required=True)


def test_additional_therapy_must_be_a_boolean() -> None:
    with pytest.raises(InputError, match=r"^additional_therapy: must be yes or no"):
        check_additional_therapy("yes", None, required=True)
