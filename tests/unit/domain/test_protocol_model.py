"""The protocol model's lookups and readable forms."""

from __future__ import annotations

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Comparison, Rule, VisitPhase, format_amount

PROTOCOL = load_protocol()


def test_arm_is_found_by_code() -> None:
    assert PROTOCOL.arm("cd25").label == "Anti-CD25 mAb"


def test_unknown_arm_is_an_input_error_listing_the_arms() -> None:
    with pytest.raises(InputError) as caught:
        PROTOCOL.arm("placebo")
    assert str(caught.value.errors[0]) == (
        "arm: unknown arm 'placebo'; this protocol has msc_cd25, cd25"
    )


def test_unknown_screening_field_is_an_input_error() -> None:
    assert PROTOCOL.screening_field("age_years").unit == "years"
    with pytest.raises(InputError, match="height_cm: is not a screening field"):
        PROTOCOL.screening_field("height_cm")


def test_visits_are_grouped_by_phase_in_protocol_order() -> None:
    assert [v.code for v in PROTOCOL.visits_in(VisitPhase.SCREENING)] == ["SCR"]
    assert [v.code for v in PROTOCOL.visits_in(VisitPhase.COURSE)] == [
        "D1", "D4", "D8", "D15", "D22", "D29"
    ]  # fmt: skip
    assert [v.code for v in PROTOCOL.visits_in(VisitPhase.FOLLOW_UP)] == [
        "W8", "W12", "W26", "W52"
    ]  # fmt: skip


def test_criteria_name_the_field_they_read() -> None:
    fields = [c.field for c in PROTOCOL.criteria]
    assert fields[:2] == ["confirmed_sr_agvhd", "anc_10e9_per_l"]


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (Rule("active_infection", Comparison.NE, True), "active_infection != true"),
        (Rule("creatinine_x_uln", Comparison.LE, 1.5), "creatinine_x_uln <= 1.5"),
        (Rule("age_years", Comparison.BETWEEN, low=12, high=75), "12 <= age_years <= 75"),
    ],
)
def test_rule_reads_as_written(rule: Rule, text: str) -> None:
    assert rule.text == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [(20, "20"), (0.5, "0.5"), (1e6, "1×10^6"), (6.5e7, "6.5×10^7"), (123456.0, "1.2346×10^5")],
)
def test_dose_amounts_read_naturally(amount: float, text: str) -> None:
    assert format_amount(amount) == text
