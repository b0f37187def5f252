"""Protocol deviations of one subject: dose against the protocol dose for the weight, dose
windows, missed doses, eligibility and confirmed edit-check warnings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.deviations import (
    DEFAULT_DOSE_TOLERANCE,
    ConfirmedWarning,
    Deviation,
    DeviationKind,
    GivenDose,
    dose_tolerance,
    subject_deviations,
)
from trialdesk.domain.plan_status import PlanEvent, PlanEventKind
from trialdesk.domain.therapy_classes import OTHER_CLASS, therapy_class

PROTOCOL = load_protocol()
DAY1 = dt.date(2026, 3, 2)
WEIGHT = 60.0


def on(day: int) -> dt.date:
    return DAY1 + dt.timedelta(days=day - 1)


def _course(arm: str = "msc_cd25", msc_per_kg: float = 1e6, skip: tuple[int, ...] = (),
            moved: dict[int, int] | None = None) -> list[GivenDose]:  # fmt: skip
    """Course 1 as planned: UC-MSC on days 1, 8, 15, 22 and anti-CD25 20 mg on 1, 4, 8, 15, 22."""
    doses = []
    products = (("uc_msc", (1, 8, 15, 22)), ("anti_cd25", (1, 4, 8, 15, 22)))
    for product, days in products:
        if arm == "cd25" and product == "uc_msc":
            continue
        for day in days:
            if day in skip:
                continue
            amount = msc_per_kg * WEIGHT if product == "uc_msc" else 20.0
            given = (moved or {}).get(day, day)
            doses.append(GivenDose(product, on(given), amount, WEIGHT))
    return doses


def _deviations(doses: list[GivenDose], **kwargs: object) -> list[Deviation]:
    settings: dict[str, object] = {"arm_code": "msc_cd25", "day1": DAY1, "doses": doses,
                                   "treatment_ended": None, "today": on(60)}  # fmt: skip
    settings.update(kwargs)
    return subject_deviations(PROTOCOL, **settings)  # type: ignore[arg-type]


def test_a_course_given_as_planned_has_no_deviation() -> None:
    assert _deviations(_course()) == []


def test_a_uc_msc_dose_of_7_2_million_cells_per_kg_is_flagged_with_the_dose_in_words() -> None:
    doses = _course()
    doses[1] = dataclasses.replace(doses[1], amount=7.2e6 * WEIGHT)  # the day-8 UC-MSC dose
    [deviation] = _deviations(doses)
    assert deviation.kind is DeviationKind.DOSE_OUT_OF_TOLERANCE
    assert deviation.on == on(8)
    assert deviation.product.startswith("UC-MSC")
    assert "7.2e+06 cells/kg given, protocol dose 1e+06 cells/kg (+620%; tolerance ±10%)" in (
        deviation.text()
    )
    assert deviation.text(masked=True).startswith("Study product: 7.2e+06 cells/kg")


@pytest.mark.parametrize(("per_kg", "flagged"), [(1.10e6, False), (0.90e6, False),
                                                 (1.11e6, True), (0.89e6, True)])  # fmt: skip
def test_the_tolerance_is_the_protocols_dose_edit_check_inclusive(
    per_kg: float, flagged: bool
) -> None:
    doses = _course()
    doses[0] = dataclasses.replace(doses[0], amount=per_kg * WEIGHT)
    kinds = [d.kind for d in _deviations(doses)]
    assert (DeviationKind.DOSE_OUT_OF_TOLERANCE in kinds) is flagged
    assert dose_tolerance(PROTOCOL) == 0.10


def test_without_a_dose_edit_check_the_default_tolerance_applies() -> None:
    bare = dataclasses.replace(PROTOCOL, edit_checks=())
    assert dose_tolerance(bare) == DEFAULT_DOSE_TOLERANCE


def test_a_fixed_dose_is_compared_without_the_weight() -> None:
    doses = _course(arm="cd25")
    doses[0] = dataclasses.replace(doses[0], amount=30.0)  # 30 mg of a 20 mg dose: +50 %
    [deviation] = _deviations(doses, arm_code="cd25")
    assert "30 mg given, protocol dose 20 mg (+50%" in deviation.detail


def test_a_late_dose_outside_its_window_is_flagged_early_or_late() -> None:
    # Day-15 doses given on day 17: the window is day 14-16.
    deviations = _deviations(_course(moved={15: 17}))
    assert [d.kind for d in deviations] == [DeviationKind.DOSE_OUT_OF_WINDOW] * 2
    assert "day-15 dose given on study day 17 (late; window 2026-03-15 – 2026-03-17)" in (
        deviations[0].detail
    )
    assert deviations[0].on == on(17)


def test_a_dose_not_given_while_on_treatment_is_missed() -> None:
    deviations = _deviations(_course(skip=(22,)))
    assert {d.kind for d in deviations} == {DeviationKind.DOSE_MISSED}
    assert len(deviations) == 2  # both products
    assert "day-22 dose not given (window 2026-03-22 – 2026-03-24)" in deviations[0].detail


def test_doses_after_a_switch_to_rescue_therapy_are_cancelled_not_missed() -> None:
    rescue = PlanEvent(PlanEventKind.RESCUE_THERAPY, on(16), "ruxolitinib")
    assert _deviations(_course(skip=(22,)), treatment_ended=rescue) == []
    # ... but a dose whose window closed before the switch was missed.
    late_switch = PlanEvent(PlanEventKind.RESCUE_THERAPY, on(26), "ruxolitinib")
    assert len(_deviations(_course(skip=(22,)), treatment_ended=late_switch)) == 2


def test_a_skipped_dose_is_missed_not_the_next_one_late() -> None:
    # The day-15 doses skipped, the day-22 doses on time: one missed dose per product.
    deviations = _deviations(_course(skip=(15,)))
    assert [d.kind for d in deviations] == [DeviationKind.DOSE_MISSED] * 2
    assert all("day-15 dose not given" in d.detail for d in deviations)


def test_a_window_still_open_at_the_cut_off_is_not_missed_yet() -> None:
    assert _deviations(_course(skip=(22,)), today=on(23)) == []


def test_eligibility_violation_and_confirmed_warnings() -> None:
    warnings = [ConfirmedWarning("visit_window", on(30), "visit_date"),
                ConfirmedWarning("dose_deviation", on(8), "dose_value")]  # fmt: skip
    deviations = _deviations(_course(), eligible=False, failed_criteria="ANC ≥ 0.5 × 10⁹/L",
                             randomized_on=on(0), confirmed_warnings=warnings)  # fmt: skip
    assert [d.kind for d in deviations] == [DeviationKind.ELIGIBILITY,
                                            DeviationKind.CONFIRMED_WARNING]  # fmt: skip
    assert deviations[0].detail.endswith("not eligible: ANC ≥ 0.5 × 10⁹/L")
    # The dose-deviation warning is left to the dosing rule; the visit warning is in words.
    assert deviations[1].text() == (
        "Visit date is outside the visit's window (visit_date; confirmed at entry)"
    )


def test_a_subject_never_dosed_has_no_dosing_deviation() -> None:
    assert _deviations([], day1=None) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Ruxolitinib", "JAK inhibitor"), ("ATG (Thymoglobulin)", "Anti-thymocyte globulin"),
     ("ECP", "Extracorporeal photopheresis"), ("etanercept 25 mg", "TNF-α inhibitor"),
     ("Catgut", OTHER_CLASS), ("MMF", "Antimetabolite"), ("vitamin D", OTHER_CLASS)],
)  # fmt: skip
def test_therapy_class_from_the_typed_name(name: str, expected: str) -> None:
    assert therapy_class(name) == expected
