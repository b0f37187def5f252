"""Form derivations at their boundaries: prednisone, drug levels, infections, MSC dose."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from trialdesk.domain.corticosteroids import corticosteroid_period, prednisone_equivalent_mg_per_day
from trialdesk.domain.errors import InputError
from trialdesk.domain.forms.catalogue import DERIVATIONS
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.forms.immunosuppressant import immunosuppressant_period
from trialdesk.domain.forms.infection import infection
from trialdesk.domain.forms.msc_product import msc_infusion
from trialdesk.domain.forms.periods import period_days, study_day

D1 = dt.date(2026, 3, 1)
SETTINGS: dict[str, Any] = {
    "msc_release_viability_min_pct": 70,
    "drug_level_ranges_ng_ml": {"tacrolimus": (5, 15)},
    "msc_dose_1e6_per_kg": 1.0,
}


def _ctx(weight: float | None = 62.5, day_one: dt.date | None = D1) -> FormContext:
    return FormContext(weight_kg=weight, day_one=day_one, settings=SETTINGS)


def test_the_catalogue_names_the_four_derivations() -> None:
    assert DERIVATIONS["corticosteroid_period"] is corticosteroid_period
    assert DERIVATIONS["immunosuppressant_period"] is immunosuppressant_period
    assert DERIVATIONS["infection"] is infection
    assert DERIVATIONS["msc_infusion"] is msc_infusion


@pytest.mark.parametrize(("stop", "days"), [(None, None), (D1, 1), (D1 + dt.timedelta(days=6), 7)])
def test_a_period_counts_both_ends(stop: dt.date | None, days: int | None) -> None:
    assert period_days(D1, stop) == days


@pytest.mark.parametrize(
    ("on", "day_one", "day"),
    [(D1 - dt.timedelta(days=1), D1, None), (D1, D1, 1), (D1 + dt.timedelta(days=1), D1, 2),
     (D1, None, None)],
)  # fmt: skip
def test_study_day_starts_at_one_on_the_first_dose(
    on: dt.date, day_one: dt.date | None, day: int | None
) -> None:
    assert study_day(on, day_one) == day


@pytest.mark.parametrize(
    ("drug", "mg", "prednisone"),
    [("prednisone", 60, 60.0), ("methylprednisolone", 50, 62.5), ("dexamethasone", 7.5, 50.0),
     ("hydrocortisone", 200, 50.0), ("prednisolone", 0, 0.0)],
)  # fmt: skip
def test_prednisone_equivalent_per_day(drug: str, mg: float, prednisone: float) -> None:
    assert prednisone_equivalent_mg_per_day(drug, mg) == pytest.approx(prednisone)


def test_prednisone_equivalent_refuses_a_negative_dose_and_an_unknown_drug() -> None:
    with pytest.raises(InputError, match="dose_mg_per_day"):
        prednisone_equivalent_mg_per_day("prednisone", -0.1)
    with pytest.raises(InputError, match="drug"):
        prednisone_equivalent_mg_per_day("budesonide", 9)


def test_a_methylprednisolone_period_in_prednisone_per_day_and_per_kg() -> None:
    values = {"drug": "methylprednisolone", "dose_mg_per_day": 50.0, "route": "iv",
              "started_on": D1, "stopped_on": D1 + dt.timedelta(days=4)}  # fmt: skip
    assert corticosteroid_period(values, _ctx()) == {
        "prednisone_mg_per_day": 62.5, "prednisone_mg_per_kg_day": 1.0, "duration_days": 5,
        "start_study_day": 1,
    }  # fmt: skip


def test_without_a_weight_there_is_no_per_kg_dose_and_an_open_period_no_duration() -> None:
    values = {"drug": "prednisone", "dose_mg_per_day": 20.0, "started_on": D1}
    derived = corticosteroid_period(values, _ctx(weight=None, day_one=None))
    assert derived["prednisone_mg_per_day"] == 20.0
    assert derived["prednisone_mg_per_kg_day"] is None
    assert derived["duration_days"] is None
    assert derived["start_study_day"] is None


@pytest.mark.parametrize(
    ("level", "status"),
    [(4.99, "below"), (5.0, "in_range"), (15.0, "in_range"), (15.01, "above")],
)
def test_a_trough_level_against_its_target_limits_included(level: float, status: str) -> None:
    values = {"drug": "tacrolimus", "dose_mg_per_day": 2.0, "started_on": D1,
              "level_ng_ml": level, "level_on": D1}  # fmt: skip
    derived = immunosuppressant_period(values, _ctx())
    assert derived["level_status"] == status
    assert (derived["target_low_ng_ml"], derived["target_high_ng_ml"]) == (5.0, 15.0)


def test_no_level_or_no_target_gives_no_status() -> None:
    tac = {"drug": "tacrolimus", "dose_mg_per_day": 2.0, "started_on": D1}
    assert immunosuppressant_period(tac, _ctx())["level_status"] is None
    mmf = {"drug": "mycophenolate_mofetil", "dose_mg_per_day": 2000.0, "started_on": D1,
           "level_ng_ml": 3.0, "level_on": D1}  # fmt: skip
    derived = immunosuppressant_period(mmf, _ctx())
    assert derived["level_status"] is None
    assert derived["target_low_ng_ml"] is None


def _infection(category: str, treated: bool, onset: dt.date = D1, **more: Any) -> dict[str, Any]:
    values = {"category": category, "onset_on": onset, "treated": treated, **more}
    return infection(values, _ctx())


def test_cmv_dnaemia_is_clinically_significant_when_treated_pre_emptively() -> None:
    untreated = _infection("cmv_dnaemia", False, viral_load_copies_ml=1000.0)
    treated = _infection("cmv_dnaemia", True, viral_load_copies_ml=1000.0, treatment="ganciclovir")
    assert (untreated["clinically_significant"], untreated["cs_cmv_infection"]) == (False, False)
    assert (treated["clinically_significant"], treated["cs_cmv_infection"]) == (True, True)


@pytest.mark.parametrize("category", ["cmv_disease", "ebv_ptld", "invasive_fungal", "bacteraemia"])
def test_disease_categories_are_significant_untreated(category: str) -> None:
    derived = _infection(category, False)
    assert derived["clinically_significant"] is True
    assert derived["cs_cmv_infection"] is (category == "cmv_disease")


def test_ebv_dnaemia_treated_is_significant_but_not_a_cmv_infection() -> None:
    derived = _infection("ebv_dnaemia", True)
    assert (derived["clinically_significant"], derived["cs_cmv_infection"]) == (True, False)


@pytest.mark.parametrize(
    ("offset", "day", "on_study"), [(-1, None, False), (0, 1, True), (1, 2, True)]
)
def test_infection_onset_on_the_study_day_scale(
    offset: int, day: int | None, on_study: bool
) -> None:
    derived = _infection("bacteraemia", True, onset=D1 + dt.timedelta(days=offset))
    assert (derived["onset_study_day"], derived["on_study"]) == (day, on_study)


def test_infection_before_any_dose_has_no_study_day_and_duration_counts_both_ends() -> None:
    values = {"category": "bacteraemia", "onset_on": D1, "treated": True,
              "resolved_on": D1 + dt.timedelta(days=9)}  # fmt: skip
    derived = infection(values, _ctx(day_one=None))
    assert (derived["onset_study_day"], derived["on_study"], derived["duration_days"]) == (
        None, None, 10,
    )  # fmt: skip


def _msc(
    cells: float = 65.0, viability: float = 85.0, weight: float | None = 65.0
) -> dict[str, Any]:
    values: dict[str, Any] = {"infused_on": D1, "lot_number": "L1", "cells_released_1e6": cells,
                              "viability_pct": viability, "infusion_reaction": False}  # fmt: skip
    if weight is not None:
        values["weight_kg"] = weight
    return msc_infusion(values, _ctx(weight=70.0))


@pytest.mark.parametrize(("viability", "below"), [(69.9, True), (70.0, False), (70.1, False)])
def test_viability_below_the_release_minimum_is_flagged(viability: float, below: bool) -> None:
    derived = _msc(viability=viability)
    assert derived["viability_below_minimum"] is below
    assert derived["viability_min_pct"] == 70.0


@pytest.mark.parametrize(
    ("cells", "deviation", "outside"),
    [(58.435, -10.1, True), (58.5, -10.0, False), (65.0, 0.0, False), (71.5, 10.0, False),
     (71.565, 10.1, True)],
)  # fmt: skip
def test_dose_deviation_from_the_protocol_dose_beyond_ten_percent(
    cells: float, deviation: float, outside: bool
) -> None:
    derived = _msc(cells=cells)
    assert derived["dose_deviation_pct"] == pytest.approx(deviation)
    assert derived["dose_outside_tolerance"] is outside


def test_cells_per_kg_use_the_form_weight_else_the_latest_weight() -> None:
    assert _msc(cells=65.0)["cells_1e6_per_kg"] == 1.0
    assert _msc(cells=70.0, weight=None)["cells_1e6_per_kg"] == 1.0


def test_without_settings_the_msc_flags_are_unknown() -> None:
    values = {"infused_on": D1, "cells_released_1e6": 65.0, "viability_pct": 50.0,
              "weight_kg": 65.0}  # fmt: skip
    derived = msc_infusion(values, FormContext())
    assert derived["cells_1e6_per_kg"] == 1.0
    assert derived["viability_below_minimum"] is None
    assert derived["dose_deviation_pct"] is None
    assert derived["dose_outside_tolerance"] is None
