"""Endpoint flags of the analysis datasets: composite strategy and one study-day origin."""

from __future__ import annotations

import pandas as pd
import pytest
from endpoint_records import RecordsBuilder

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets import AnalysisDatasets, build_datasets
from trialdesk.stats.datasets.adtte import build_adtte

CR = (0, 0, 0, 0)
PD = (3, 0, 0, 2)
PR = (1, 0, 0, 1)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol()


def _adsl(data: AnalysisDatasets) -> pd.DataFrame:
    return data.adsl.set_index("SUBJID")


def test_pd_day15_rescue_day16_cr_day29_fails_and_without_rescue_responds(
    protocol: Protocol,
) -> None:
    builder = RecordsBuilder()
    for subject in (1, 2):
        builder.subject(subject, responses=((15, "PD", PD), (29, "CR", CR)))
    builder.rescue(1, 16)
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "RSPW4"] == "CR"  # the observed response is kept
    assert adsl.at[1, "CRW4FL"] == "N"
    assert adsl.at[1, "ORW4FL"] == "N"
    assert adsl.at[1, "ICEVENT"] == "additional systemic therapy"
    assert adsl.at[1, "ICEDY"] == 16
    assert adsl.at[1, "ICEDETL"] == "Ruxolitinib"
    assert adsl.at[1, "CRW4REAS"] == "additional systemic therapy day 16"
    assert adsl.at[2, "CRW4FL"] == "Y"
    assert adsl.at[2, "ICEVENT"] == ""
    assert adsl.at[2, "CRW4REAS"] == ""


def test_additional_therapy_recorded_on_the_assessment_makes_its_response_a_failure(
    protocol: Protocol,
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, responses=((15, "PR", PR),))
    builder.assessment(1, 29, CR, "CR", additional_therapy=True)
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "CRW4FL"] == "N"
    assert adsl.at[1, "ICEDY"] == 29
    assert adsl.at[1, "ICEDETL"] == "ruxolitinib"


@pytest.mark.parametrize(("death_day", "durable"), [(57, "N"), (58, "Y")])
def test_durable_response_fails_on_death_up_to_the_day56_assessment(
    protocol: Protocol, death_day: int, durable: str
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, responses=((29, "CR", CR), (57, "CR", CR)))
    builder.outcome(1, "death", death_day)
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "CRW4FL"] == "Y"
    assert adsl.at[1, "DURRFL"] == durable
    assert adsl.at[1, "DURREAS"] == ("day 56: death day 57" if durable == "N" else "")


@pytest.mark.parametrize(("dose", "flag"), [(50.0, "Y"), (50.5, "N")])
def test_steroid_re_escalation_above_the_day1_dose_is_a_failure(
    protocol: Protocol, dose: float, flag: str
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, responses=((29, "CR", CR),))
    builder.steroid(1, "prednisone", 50.0, -10, 9)
    builder.steroid(1, "prednisone", dose, 10, None)
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "CRW4FL"] == flag
    assert adsl.at[1, "ICEVENT"] == ("" if flag == "Y" else "steroid re-escalation")


def test_randomized_three_days_before_the_first_dose_a_day29_assessment_is_in_window(
    protocol: Protocol,
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, randomized_days_before=3, responses=((29, "CR", CR),))
    data = build_datasets(builder.build(), protocol)
    adsl = _adsl(data)
    assert adsl.at[1, "DAY1DT"] == adsl.at[1, "TRTSDT"]
    assert adsl.at[1, "RANDDY"] == -2  # day 1 - 3 days, no gap: the calendar's count
    row = data.adrs[data.adrs["ADY"] == 29]
    assert list(row["AVISIT"]) == ["D29"]
    assert adsl.at[1, "RSPW4"] == "CR"
    assert adsl.at[1, "CRW4FL"] == "Y"
    tte = data.adtte[data.adtte["PARAMCD"] == "OS"].set_index("SUBJID")
    assert tte.at[1, "STARTDT"] == adsl.at[1, "DAY1DT"]


def test_a_subject_never_dosed_counts_from_randomization(protocol: Protocol) -> None:
    builder = RecordsBuilder()
    day_one = builder.subject(1, dosed=False, randomized_days_before=3,
                              responses=((29, "NR", BASELINE),))  # fmt: skip
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "DAY1DT"] == pd.Timestamp(day_one)
    assert adsl.at[1, "RANDDY"] == 1
    assert adsl.at[1, "RSPW4"] == "NR"


BASELINE = (2, 0, 0, 2)


def test_a_protocol_mandated_switch_stays_in_the_per_protocol_set_as_a_failure(
    protocol: Protocol,
) -> None:
    builder = RecordsBuilder()
    # Three of four UC-MSC doses (75 %) and no week-4 visit: the stop rule explains both.
    builder.subject(1, dose_days=(1, 4, 8, 15), responses=((15, "PD", PD),))
    builder.rescue(1, 16)
    builder.subject(2, dose_days=(1, 4, 8, 15), responses=((15, "NR", BASELINE),))
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "PSWFL"] == "Y"
    assert adsl.at[1, "PSWDY"] == 15
    assert adsl.at[1, "PSWREAS"].startswith("PD at D15: aGVHD progressed within 3 weeks")
    assert adsl.at[1, "PPROTFL"] == "Y"
    assert adsl.at[1, "PPEXREAS"] == ""
    assert adsl.at[1, "CRW4FL"] == "N"
    assert adsl.at[2, "PSWFL"] == "N"
    assert adsl.at[2, "PPROTFL"] == "N"
    assert adsl.at[2, "PPEXREAS"] == "< 80 % of course-1 doses; no evaluable week-4 response"


@pytest.mark.parametrize(("visit_day", "switched"), [(22, "Y"), (29, "N")])
def test_pd_mandates_a_switch_up_to_the_week3_visit(
    protocol: Protocol, visit_day: int, switched: str
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, responses=((visit_day, "PD", PD),))
    adsl = _adsl(build_datasets(builder.build(), protocol))
    # PD at week 4 is "no response at week 4", also a stop rule; only the reason differs.
    assert adsl.at[1, "PSWFL"] == "Y"
    assert ("within 3 weeks" in adsl.at[1, "PSWREAS"]) is (switched == "Y")


def test_per_protocol_exclusions_are_listed_with_their_reasons(protocol: Protocol) -> None:
    builder = RecordsBuilder()
    builder.subject(1, eligible=False, responses=((29, "CR", CR),))
    builder.subject(2, dosed=False, responses=((29, "NR", BASELINE),))
    builder.subject(3, responses=((15, "PR", PR),))
    builder.outcome(3, "death", 20)
    builder.subject(4, responses=((15, "PR", PR),))
    builder.outcome(4, "death", 32)
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "PPEXREAS"] == "major eligibility violation"
    assert adsl.at[2, "PPEXREAS"] == "not treated as randomized; < 80 % of course-1 doses"
    assert adsl.at[3, "PPROTFL"] == "Y"  # died by day 31: a failure, not missing
    assert adsl.at[4, "PPEXREAS"] == "no evaluable week-4 response"  # died after the window


@pytest.mark.parametrize(("pd_day", "excused"), [(22, True), (29, False)])
def test_only_a_switch_before_the_last_course_dose_excuses_missing_doses(
    protocol: Protocol, pd_day: int, excused: bool
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, dose_days=(1, 4, 8, 15), responses=((pd_day, "PD", PD),))
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "PSWFL"] == "Y"
    assert adsl.at[1, "PPEXREAS"] == ("" if excused else "< 80 % of course-1 doses")


def test_steroid_exposure_columns_follow_the_domain_rules(protocol: Protocol) -> None:
    builder = RecordsBuilder()
    builder.subject(1, weight_kg=50.0, responses=((29, "CR", CR), (57, "CR", CR)))
    builder.steroid(1, "methylprednisolone", 80.0, -5, 14)  # 100 mg prednisone
    builder.steroid(1, "prednisone", 50.0, 15, 40)
    builder.steroid(1, "prednisone", 0.0, 41, None)
    builder.subject(2, responses=((20, "PR", PR),))  # no steroid record, seen last on day 20
    builder.subject(3, responses=((20, "PR", PR),))
    builder.steroid(3, "prednisone", 30.0, 1, None)
    adsl = _adsl(build_datasets(builder.build(), protocol))
    row = adsl.loc[1]
    assert row["CSTD1"] == pytest.approx(100.0)
    assert row["CSTD28"] == pytest.approx(50.0)
    assert row["CSTAP28"] == "≤ 50 % of day-1 dose"
    assert row["CSTAP56"] == "off steroids"
    assert row["CSCUM28"] == pytest.approx(14 * 100 + 14 * 50)
    assert row["CSCUMK28"] == pytest.approx((14 * 100 + 14 * 50) / 50)
    assert row["CSCUM56"] == pytest.approx(14 * 100 + 26 * 50)
    assert pd.isna(adsl.at[2, "CSTD1"])  # nothing recorded is missing, not zero
    assert adsl.at[2, "CSTAP28"] == ""
    assert adsl.at[3, "CSTD1"] == pytest.approx(30.0)
    assert pd.isna(adsl.at[3, "CSTD28"])  # last contact day 20: day 28 not reached


def test_response_detail_columns(protocol: Protocol) -> None:
    builder = RecordsBuilder()
    # Baseline skin 2, lower GI 2. Week 4: skin resolved, lower GI improved to 1.
    builder.subject(1, responses=((8, "NR", BASELINE), (15, "PR", (1, 0, 0, 1)),
                                  (29, "PR", (0, 0, 0, 1)), (57, "PD", (3, 0, 0, 2))))  # fmt: skip
    builder.subject(2, responses=((15, "PD", PD), (29, "CR", CR)))
    builder.rescue(2, 16)
    data = build_datasets(builder.build(), protocol)
    adsl = _adsl(data)
    row = adsl.loc[1]
    assert (row["SKINRW4"], row["LIVRW4"], row["UGIRW4"], row["LGIRW4"]) == (
        "resolved", "not involved", "not involved", "improved",
    )  # fmt: skip
    assert row["BORD28"] == "PR"
    assert row["RSP1DY"] == 15
    assert row["LORFL"] == "Y"
    assert row["LORREAS"] == "PD on day 57"
    # The CR after rescue counts for nothing: best before the event was PD, no response.
    assert adsl.at[2, "BORD28"] == "PD"
    assert pd.isna(adsl.at[2, "RSP1DY"])
    assert adsl.at[2, "SKINRW4"] == "resolved"  # the organ picture is still shown as observed
    post = data.adrs[(data.adrs["SUBJID"] == 2) & (data.adrs["ADY"] == 29)]
    assert list(post["POSTICE"]) == ["Y"]
    tte = data.adtte.set_index(["SUBJID", "PARAMCD"])
    assert tte.loc[(1, "TTR"), "EVNTCD"] == 1
    assert tte.loc[(1, "TTR"), "AVAL"] == 14  # days from day 1 to day 15
    assert tte.loc[(2, "TTR"), "EVNTCD"] == 2  # rescue first: competing
    # GRFS: subject 1 grade III at day 8 (post-baseline, stage 2 skin and gut).
    assert tte.loc[(1, "GRFS"), "EVNTCD"] == 1
    assert tte.loc[(1, "GRFS"), "AVAL"] == 7


@pytest.mark.parametrize(
    ("rescue_day", "lost", "reason"),
    [(40, "Y", "additional systemic therapy day 40"), (None, "N", "")],
)
def test_loss_of_response_by_rescue_after_a_response(
    protocol: Protocol, rescue_day: int | None, lost: str, reason: str
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, responses=((15, "PR", PR), (29, "CR", CR), (57, "CR", CR)))
    if rescue_day is not None:
        builder.rescue(1, rescue_day)
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "CRW4FL"] == "Y"
    assert adsl.at[1, "LORFL"] == lost
    assert adsl.at[1, "LORREAS"] == reason


def test_additional_therapy_on_the_baseline_assessment_is_prior_therapy(
    protocol: Protocol,
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, responses=((29, "CR", CR),))
    builder.rows["assessments"][0]["additional_therapy"] = True  # the day-1 assessment
    adsl = _adsl(build_datasets(builder.build(), protocol))
    assert adsl.at[1, "ICEVENT"] == ""
    assert adsl.at[1, "CRW4FL"] == "Y"


@pytest.mark.parametrize(("chronic_day", "grfs_days"), [(40, 39), (None, 99)])
def test_grfs_counts_moderate_severe_chronic_gvhd_when_adsl_has_it(
    protocol: Protocol, chronic_day: int | None, grfs_days: int
) -> None:
    builder = RecordsBuilder()
    builder.subject(1, responses=((29, "CR", CR),))
    builder.outcome(1, "relapse", 100)
    adsl = build_datasets(builder.build(), protocol).adsl.set_index("SUBJID")
    if chronic_day is not None:
        adsl["CGMSDT"] = adsl["DAY1DT"] + pd.Timedelta(days=chronic_day - 1)
    grfs = build_adtte(adsl).set_index("PARAMCD").loc["GRFS"]
    assert grfs["EVNTCD"] == 1
    assert grfs["AVAL"] == grfs_days
