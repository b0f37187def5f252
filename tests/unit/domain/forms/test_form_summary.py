"""Form records in words: values by their field type, derived values as short sentences."""

from __future__ import annotations

from trialdesk.domain.forms.spec import FormField, FormFieldType
from trialdesk.domain.forms.summary import DerivedLine, derived_lines, field_text

T = FormFieldType


def test_values_read_as_labels_yes_no_and_quantities() -> None:
    drug = FormField("drug", "Drug", T.CHOICE, choices=(("tac", "Tacrolimus"),))
    signs = FormField("s", "Signs", T.CHOICES, choices=(("rash", "Rash"), ("fever", "Fever")))
    assert field_text(drug, "tac") == "Tacrolimus"
    assert field_text(signs, ["rash", "fever"]) == "Rash, Fever"
    assert field_text(FormField("t", "Treated", T.BOOLEAN), False) == "no"
    assert field_text(FormField("d", "Dose", T.NUMBER, unit="mg/day"), 62.5) == "62.5 mg/day"
    assert field_text(FormField("c", "Cells", T.NUMBER, unit="cells"), 7.2e7) == "72 × 10⁶ cells"
    assert field_text(FormField("x", "Text", T.TEXT), None) == "–"


def test_a_steroid_period_in_prednisone() -> None:
    derived = {"prednisone_mg_per_day": 62.5, "prednisone_mg_per_kg_day": 1.0,
               "duration_days": None, "start_study_day": 3}  # fmt: skip
    assert [line.text for line in derived_lines("corticosteroid_period", derived)] == [
        "Prednisone equivalent 62.5 mg/day (1 mg/kg/day)", "Duration ongoing",
        "From study day 3",
    ]  # fmt: skip


def test_a_level_out_of_range_is_flagged_and_one_in_range_is_not() -> None:
    derived = {"duration_days": 7, "level_status": "below", "target_low_ng_ml": 5.0,
               "target_high_ng_ml": 15.0}  # fmt: skip
    assert derived_lines("immunosuppressant_period", derived) == [
        DerivedLine("Duration 7 days"), DerivedLine("Level below target (5–15 ng/mL)", True),
    ]  # fmt: skip
    within = derived_lines("immunosuppressant_period", {**derived, "level_status": "in_range"})
    assert within[1] == DerivedLine("Level within target (5–15 ng/mL)", False)


def test_an_infection_before_day_one_and_a_cmv_infection() -> None:
    derived = {"onset_study_day": None, "on_study": False, "duration_days": 1,
               "clinically_significant": True, "cs_cmv_infection": True}  # fmt: skip
    assert [line.text for line in derived_lines("infection", derived)] == [
        "Onset before study day 1", "Duration 1 day", "Clinically significant CMV infection",
    ]  # fmt: skip


def test_an_msc_infusion_below_the_release_viability() -> None:
    derived = {"cells_1e6_per_kg": 1.0, "viability_min_pct": 70.0,
               "viability_below_minimum": True, "protocol_dose_1e6_per_kg": 1.0,
               "dose_deviation_pct": 0.0, "dose_outside_tolerance": False}  # fmt: skip
    assert derived_lines("msc_infusion", derived) == [
        DerivedLine("Cell dose 1 × 10⁶ cells/kg (protocol 1 × 10⁶ cells/kg, +0 %)", False),
        DerivedLine("Viability below release minimum 70 %", True),
    ]  # fmt: skip


def test_an_unworded_derivation_shows_names_and_values() -> None:
    assert [line.text for line in derived_lines("nih_chronic_gvhd", {"global_severity": "mild",
            "organs_scored": 2, "ok": True})] == [
        "Global severity: mild", "Organs scored: 2", "Ok: yes",
    ]  # fmt: skip
    assert derived_lines("corticosteroid_period", {}) == []
