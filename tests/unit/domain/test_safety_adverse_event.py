"""The adverse-event record: consistency rules and what is derived from it."""

import dataclasses
import datetime as dt

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.safety import (
    AdverseEvent,
    AeOutcome,
    Causality,
    ClockKind,
    CtcaeGrade,
    ProductAssessment,
    ReportingRules,
    SeriousnessCriterion,
)

S = SeriousnessCriterion
ONSET = dt.date(2024, 3, 1)
AWARE = dt.datetime(2024, 3, 2, 8, 0, tzinfo=dt.UTC)
MSC_POSSIBLE = ProductAssessment("uc_msc", Causality.POSSIBLE, expected=False)
CD25_UNLIKELY = ProductAssessment("anti_cd25", Causality.UNLIKELY, expected=True)


def event(**changes: object) -> AdverseEvent:
    fields: dict[str, object] = {
        "term": "Sepsis",
        "grade": 3,
        "onset": ONSET,
        "aware_at": AWARE,
        "outcome": AeOutcome.RECOVERING,
    }
    return AdverseEvent(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_grade_3_event_without_criteria_is_severe_but_not_serious() -> None:
    ae = event(products=(MSC_POSSIBLE,))
    assert ae.ctcae is CtcaeGrade.SEVERE
    assert not ae.is_serious
    assert not ae.is_susar
    assert ae.reporting_clocks() == ()


def test_a_grade_1_event_with_hospitalization_is_serious() -> None:
    ae = event(grade=1, seriousness=frozenset({S.HOSPITALIZATION}), products=(CD25_UNLIKELY,))
    assert ae.is_serious
    assert not ae.is_susar
    assert [c.kind for c in ae.reporting_clocks()] == [ClockKind.INVESTIGATOR_TO_SPONSOR]


def test_a_fatal_unexpected_related_event_is_a_susar_with_the_7_day_clock() -> None:
    ae = event(
        grade=5,
        outcome=AeOutcome.FATAL,
        resolved_on=dt.date(2024, 3, 5),
        seriousness=frozenset({S.DEATH}),
        products=(MSC_POSSIBLE, CD25_UNLIKELY),
        sponsor_aware_at=AWARE + dt.timedelta(hours=20),
    )
    assert ae.susar_products == ("uc_msc",)
    clocks = ae.reporting_clocks(ReportingRules())
    assert [c.kind for c in clocks] == [
        ClockKind.INVESTIGATOR_TO_SPONSOR,
        ClockKind.FATAL_SUSAR,
        ClockKind.FATAL_SUSAR_FOLLOW_UP,
    ]
    assert clocks[1].due_at == AWARE + dt.timedelta(hours=20, days=7)


def test_a_recovered_event_may_carry_its_resolution_date() -> None:
    ae = event(outcome=AeOutcome.RECOVERED, resolved_on=ONSET)
    assert ae.resolved_on == ONSET


def test_awareness_is_judged_on_the_site_s_own_calendar_date() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    ae = event(aware_at=dt.datetime(2024, 3, 1, 6, 0, tzinfo=beijing))
    assert ae.reporting_clocks() == ()


BAD_RECORDS = [
    ("blank term", {"term": "  "}, "term: must not be blank"),
    ("grade 6", {"grade": 6}, "grade: must be a CTCAE grade"),
    ("grade the term does not allow", {"grade": 4, "allowed_grades": frozenset({1, 2, 3})},
     "grade: grade 4 is not defined"),
    ("resolution before onset", {"outcome": AeOutcome.RECOVERED,
     "resolved_on": dt.date(2024, 2, 28)}, "resolved_on: must not be before onset"),
    ("resolution of an ongoing event", {"resolved_on": dt.date(2024, 3, 9)},
     "resolved_on: is only recorded once the event has ended"),
    ("awareness before onset", {"aware_at": dt.datetime(2024, 2, 29, 23, tzinfo=dt.UTC)},
     "aware_at: must not be before onset"),
    ("awareness without time zone", {"aware_at": dt.datetime(2024, 3, 2, 8)},
     "aware_at: must carry a time zone"),
    ("sponsor before site", {"sponsor_aware_at": AWARE - dt.timedelta(minutes=1)},
     "sponsor_aware_at: must not be before aware_at"),
    ("sponsor without time zone", {"sponsor_aware_at": dt.datetime(2024, 3, 3)},
     "sponsor_aware_at: must carry a time zone"),
    ("grade 5 that did not end in death", {"grade": 5}, "outcome: must be fatal for a grade 5"),
    ("fatal outcome at grade 4", {"grade": 4, "outcome": AeOutcome.FATAL,
     "seriousness": frozenset({S.DEATH})}, "grade: must be 5 when the outcome is fatal"),
    ("fatal outcome without the death criterion", {"grade": 5, "outcome": AeOutcome.FATAL,
     "seriousness": frozenset({S.LIFE_THREATENING})}, "seriousness: must include death"),
    ("death criterion for a survivor", {"seriousness": frozenset({S.DEATH})},
     "seriousness: must include death exactly when the outcome is fatal"),
    ("onset given with a time", {"onset": dt.datetime(2024, 3, 1, 10)},
     "onset: must be a date without a time"),
    ("product assessed twice", {"products": (MSC_POSSIBLE, MSC_POSSIBLE)},
     r"products\[1\].product: is assessed twice"),
    ("product without a code", {"products": (ProductAssessment(" ", Causality.UNRELATED, True),)},
     r"products\[0\].product: must not be blank"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_RECORDS],
)
def test_an_inconsistent_record_is_refused_naming_the_field(changes, message) -> None:
    with pytest.raises(InputError, match=message):
        event(**changes)


def test_every_problem_of_a_record_is_reported_at_once() -> None:
    with pytest.raises(InputError) as caught:
        event(term="", grade=9, resolved_on=dt.date(2024, 1, 1))
    fields = [error.field for error in caught.value.errors]
    assert fields == ["term", "grade", "resolved_on", "resolved_on"]


def test_the_record_cannot_be_changed_after_validation() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        event().grade = 5  # type: ignore[misc]
