"""Expedited reporting clocks and their status at a given moment."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.domain.errors import InputError
from trialdesk.domain.safety import (
    Causality,
    ClockKind,
    ClockStatus,
    ProductAssessment,
    ReportingRules,
    SeriousnessCriterion,
    reporting_clocks,
)

S = SeriousnessCriterion
AWARE = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
RELATED_UNEXPECTED = [ProductAssessment("uc_msc", Causality.PROBABLE, expected=False)]
RELATED_EXPECTED = [ProductAssessment("uc_msc", Causality.PROBABLE, expected=True)]
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# (case, criteria, products, [(kind, due after awareness)])
CLOCK_CASES = [
    ("non-serious: no expedited clock", set(), RELATED_UNEXPECTED, []),
    ("SAE, expected", {S.HOSPITALIZATION}, RELATED_EXPECTED,
     [(ClockKind.INVESTIGATOR_TO_SPONSOR, 24 * HOUR)]),
    ("SUSAR, hospitalization", {S.HOSPITALIZATION}, RELATED_UNEXPECTED,
     [(ClockKind.INVESTIGATOR_TO_SPONSOR, 24 * HOUR), (ClockKind.OTHER_SUSAR, 15 * DAY)]),
    ("SUSAR, fatal", {S.DEATH}, RELATED_UNEXPECTED,
     [(ClockKind.INVESTIGATOR_TO_SPONSOR, 24 * HOUR), (ClockKind.FATAL_SUSAR, 7 * DAY),
      (ClockKind.FATAL_SUSAR_FOLLOW_UP, 15 * DAY)]),
    ("SUSAR, life-threatening", {S.LIFE_THREATENING, S.HOSPITALIZATION}, RELATED_UNEXPECTED,
     [(ClockKind.INVESTIGATOR_TO_SPONSOR, 24 * HOUR), (ClockKind.FATAL_SUSAR, 7 * DAY),
      (ClockKind.FATAL_SUSAR_FOLLOW_UP, 15 * DAY)]),
    ("fatal but unrelated", {S.DEATH}, [ProductAssessment("uc_msc", Causality.UNLIKELY, False)],
     [(ClockKind.INVESTIGATOR_TO_SPONSOR, 24 * HOUR)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("criteria", "products", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CLOCK_CASES],
)
def test_each_kind_of_event_starts_its_clocks_from_awareness(criteria, products, expected) -> None:
    clocks = reporting_clocks(criteria, products, aware_at=AWARE)
    assert [(c.kind, c.due_at - AWARE) for c in clocks] == expected
    assert all(c.due_at.tzinfo is dt.UTC for c in clocks)


def test_sponsor_clocks_start_at_the_sponsor_s_first_knowledge() -> None:
    sponsor_aware = AWARE + 30 * HOUR
    clocks = reporting_clocks({S.DISABILITY}, RELATED_UNEXPECTED, aware_at=AWARE,
                              sponsor_aware_at=sponsor_aware)  # fmt: skip
    assert clocks[0].due_at == AWARE + 24 * HOUR
    assert clocks[1].starts_at == sponsor_aware
    assert clocks[1].due_at == sponsor_aware + 15 * DAY


def test_awareness_in_another_time_zone_gives_a_utc_deadline() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    clocks = reporting_clocks({S.HOSPITALIZATION}, [], aware_at=dt.datetime(2024, 3, 2, 7, 0,
                              tzinfo=beijing))  # fmt: skip
    assert clocks[0].due_at == dt.datetime(2024, 3, 1, 23, 0, tzinfo=dt.UTC) + 24 * HOUR
    assert clocks[0].due_at.tzinfo is dt.UTC


def test_protocol_deadlines_replace_the_defaults() -> None:
    rules = ReportingRules(
        investigator_to_sponsor=12 * HOUR,
        fatal_susar=5 * DAY,
        fatal_susar_follow_up=3 * DAY,
        other_susar=10 * DAY,
    )
    fatal = reporting_clocks({S.DEATH}, RELATED_UNEXPECTED, aware_at=AWARE, rules=rules)
    assert [c.due_at - AWARE for c in fatal] == [12 * HOUR, 5 * DAY, 8 * DAY]
    other = reporting_clocks({S.DISABILITY}, RELATED_UNEXPECTED, aware_at=AWARE, rules=rules)
    assert [c.due_at - AWARE for c in other] == [12 * HOUR, 10 * DAY]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"investigator_to_sponsor": dt.timedelta(0)}, "investigator_to_sponsor"),
        ({"fatal_susar": -DAY}, "fatal_susar"),
        ({"fatal_susar_follow_up": dt.timedelta(0)}, "fatal_susar_follow_up"),
        ({"other_susar": -HOUR}, "other_susar"),
        ({"due_soon_fraction": 1.0}, "due_soon_fraction"),
        ({"due_soon_fraction": -0.1}, "due_soon_fraction"),
    ],
)
def test_impossible_deadlines_are_refused_naming_the_setting(kwargs, field) -> None:
    with pytest.raises(InputError, match=f"^{field}: "):
        ReportingRules(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"aware_at": dt.datetime(2024, 3, 1, 9, 30)}, "aware_at: must carry a time zone"),
        ({"aware_at": AWARE, "sponsor_aware_at": AWARE - HOUR}, "sponsor_aware_at: must not be"),
        (
            {"aware_at": AWARE, "sponsor_aware_at": dt.datetime(2024, 3, 2)},
            "sponsor_aware_at: must",
        ),
    ],
)
def test_bad_awareness_times_are_refused_naming_the_field(kwargs, field) -> None:
    with pytest.raises(InputError, match=field):
        reporting_clocks({S.DEATH}, RELATED_UNEXPECTED, **kwargs)


SAE_CLOCK = reporting_clocks({S.HOSPITALIZATION}, [], aware_at=AWARE)[0]

# (hours after awareness for now, hours after awareness for the report or None, status)
STATUS_CASES = [
    ("just started", 1, None, ClockStatus.OPEN),
    ("just before the last quarter", 17.99, None, ClockStatus.OPEN),
    ("last quarter begins", 18, None, ClockStatus.DUE_SOON),
    ("at the deadline", 24, None, ClockStatus.DUE_SOON),
    ("one minute late", 24 + 1 / 60, None, ClockStatus.OVERDUE),
    ("reported in time", 30, 23, ClockStatus.MET),
    ("reported exactly at the deadline", 30, 24, ClockStatus.MET),
    ("reported late", 30, 25, ClockStatus.LATE),
]


@pytest.mark.parametrize(
    ("now_h", "reported_h", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in STATUS_CASES],
)
def test_clock_status_at_a_given_moment(now_h, reported_h, expected) -> None:
    now = AWARE + dt.timedelta(hours=now_h)
    reported = None if reported_h is None else AWARE + dt.timedelta(hours=reported_h)
    assert SAE_CLOCK.status(now, reported) is expected


@pytest.mark.parametrize(
    ("now", "reported", "message"),
    [
        (dt.datetime(2024, 3, 1, 12), None, "now: must carry a time zone"),
        (AWARE + HOUR, AWARE + 2 * HOUR, "reported_at: is after now"),
        (AWARE + HOUR, AWARE - HOUR, "reported_at: is before the clock started"),
        (AWARE + HOUR, dt.datetime(2024, 3, 1, 10), "reported_at: must carry a time zone"),
    ],
)
def test_impossible_status_questions_are_refused_naming_the_field(now, reported, message) -> None:
    with pytest.raises(InputError, match=message):
        SAE_CLOCK.status(now, reported)


criteria_sets = st.frozensets(st.sampled_from(list(SeriousnessCriterion)))
product_lists = st.lists(
    st.builds(
        ProductAssessment,
        product=st.sampled_from(["uc_msc", "anti_cd25"]),
        investigator=st.sampled_from(list(Causality)),
        expected=st.booleans(),
        sponsor=st.one_of(st.none(), st.sampled_from(list(Causality))),
    ),
    max_size=2,
)
awareness = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
)


@given(criteria_sets, product_lists, awareness, st.integers(0, 20 * 24))
def test_no_clock_is_ever_due_before_awareness(criteria, products, aware, sponsor_delay_h) -> None:
    sponsor_aware = aware + dt.timedelta(hours=sponsor_delay_h)
    clocks = reporting_clocks(criteria, products, aware_at=aware, sponsor_aware_at=sponsor_aware)
    for clock in clocks:
        assert aware <= clock.starts_at < clock.due_soon_at <= clock.due_at
    assert [c.due_at for c in clocks] == sorted(c.due_at for c in clocks)


@given(criteria_sets, st.sampled_from(list(SeriousnessCriterion)), product_lists, awareness)
def test_adding_a_seriousness_criterion_never_removes_a_deadline(
    criteria, extra, products, aware
) -> None:
    before = reporting_clocks(criteria, products, aware_at=aware)
    after = reporting_clocks(criteria | {extra}, products, aware_at=aware)
    assert len(after) >= len(before)
    for clock in before:
        assert any(other.due_at <= clock.due_at for other in after)


@given(awareness, st.integers(0, 40 * 24), st.integers(0, 40 * 24))
def test_an_unreported_clock_never_goes_back_from_overdue(aware, first_h, second_h) -> None:
    order = [ClockStatus.OPEN, ClockStatus.DUE_SOON, ClockStatus.OVERDUE]
    clock = reporting_clocks({S.DEATH}, RELATED_UNEXPECTED, aware_at=aware)[1]
    early, late = sorted((first_h, second_h))
    early_status = clock.status(aware + dt.timedelta(hours=early))
    late_status = clock.status(aware + dt.timedelta(hours=late))
    assert order.index(early_status) <= order.index(late_status)
