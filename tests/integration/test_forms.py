"""Protocol forms through the service: access, placement, validation, derivation, correction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from db_fixtures import SettableClock
from eligibility_signoff_world import screen_and_sign
from trial_world import SITE_A, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.errors import InputError, NotFoundError, PermissionDeniedError, StateError
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.subjects import forms, subjects

MSC_ARM, CONTROL_ARM = "msc_cd25", "cd25"
STEROID: dict[str, Any] = {
    "drug": "methylprednisolone", "dose_mg_per_day": "50", "route": "iv",
    "started_on": "2026-03-02",
}  # fmt: skip
MSC: dict[str, Any] = {
    "infused_on": "2026-03-02", "lot_number": "UC-2026-001", "cells_released_1e6": 65,
    "viability_pct": 92, "weight_kg": 65, "infusion_reaction": False,
}  # fmt: skip


@dataclass
class FormWorld(TrialWorld):
    #: A subject at site A in each arm, by arm code.
    arms: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(store: Store, clock: SettableClock) -> FormWorld:
    """Subjects at site A randomized until both arms have one, each dosed on TODAY at 62.5 kg."""
    base = build_world(store)
    world = FormWorld(base.store, base.protocol, base.users, base.subject_id)
    generate_list(
        store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=20260302, length_per_stratum=8,
        trial_code="NCT04738981",
    )  # fmt: skip
    for n in range(4):
        subject = subjects.register_subject(
            store.new_uow(), as_user=world.coordinator, site_code=SITE_A,
            screening_number=f"SCR-1{n}",
        )  # fmt: skip
        subjects.record_consent(
            store.new_uow(), as_user=world.coordinator, subject_id=subject.id,
            consented_on=TODAY, form_version="2.1", obtained_by="Dr Li",
        )  # fmt: skip
        screen_and_sign(
            store.new_uow, subject_id=subject.id, coordinator=world.coordinator,
            investigator=world.investigator, screened_on=TODAY, protocol=world.protocol,
        )  # fmt: skip
        arm = randomize_subject(
            store.new_randomization_uow(), as_user=world.coordinator, subject_id=subject.id,
            stratification={"baseline_grade": 3, "gi_involvement": "no"},
        ).arm  # fmt: skip
        if arm not in world.arms:
            world.arms[arm] = subject.id
            clinical.record_dose(
                store.new_uow(), as_user=world.coordinator, subject_id=subject.id,
                product="anti_cd25", administered_on=TODAY, weight_kg=62.5, dose_value=20,
                dose_unit="mg", protocol=world.protocol,
            )  # fmt: skip
        if len(world.arms) == 2:
            break
    clock.advance(days=30)
    return world


def _subject(world: FormWorld, arm: str = MSC_ARM) -> int:
    return int(world.arms[arm])


def _record(
    world: FormWorld, form: str, values: dict[str, Any], *, arm: str = MSC_ARM,
    visit: str | None = None, user: int | None = None,
) -> int:  # fmt: skip
    return forms.record_form(
        world.store.new_uow(), as_user=user or world.coordinator, subject_id=_subject(world, arm),
        form_code=form, values=values, protocol=world.protocol, visit_code=visit,
    )  # fmt: skip


def _row(world: FormWorld, record_id: int) -> dict[str, Any]:
    with world.store.new_uow() as uow:
        row = uow.records.get("form_records", record_id)
    assert row is not None
    return row


def _audit_count(world: FormWorld) -> int:
    with world.store.new_uow() as uow:
        return len(list(uow.audit.entries()))


def test_a_steroid_period_is_stored_typed_derived_and_audited(world: FormWorld) -> None:
    before = _audit_count(world)
    row = _row(world, _record(world, "corticosteroids", STEROID))
    assert (row["form"], row["visit_code"], row["record_date"]) == (
        "corticosteroids", None, TODAY,
    )  # fmt: skip
    assert row["values"] == {**STEROID, "dose_mg_per_day": 50.0}
    # Methylprednisolone 50 mg = prednisone 62.5 mg; the dose was given at 62.5 kg.
    assert row["derived"] == {
        "prednisone_mg_per_day": 62.5, "prednisone_mg_per_kg_day": 1.0, "duration_days": None,
        "start_study_day": 1,
    }  # fmt: skip
    assert _audit_count(world) == before + 1
    with world.store.new_uow() as uow:
        entry = list(uow.audit.entries(subject_id=_subject(world)))[-1]
    assert (entry.entity, entry.action) == ("form_records", "insert")


def test_another_sites_user_sees_not_found_and_a_monitor_may_not_enter(world: FormWorld) -> None:
    with pytest.raises(NotFoundError):
        _record(world, "corticosteroids", STEROID, user=world.user(Role.SITE_COORDINATOR, "SH02"))
    with pytest.raises(PermissionDeniedError):
        _record(world, "corticosteroids", STEROID, user=world.user(Role.MONITOR))
    assert world.count("form_records") == 0


def test_bad_values_are_refused_together_and_nothing_is_written(world: FormWorld) -> None:
    before = _audit_count(world)
    with pytest.raises(InputError) as caught:
        _record(world, "corticosteroids", {**STEROID, "dose_mg_per_day": "5001", "route": "im"})
    assert {e.field for e in caught.value.errors} == {"dose_mg_per_day", "route"}
    assert world.count("form_records") == 0
    assert _audit_count(world) == before


def test_a_date_after_today_on_the_sites_calendar_is_refused(world: FormWorld) -> None:
    # The clock stands 30 days after TODAY: day 30 is today, day 31 tomorrow.
    today, tomorrow = (TODAY + dt.timedelta(days=d) for d in (30, 31))
    _record(world, "corticosteroids", {**STEROID, "stopped_on": today.isoformat()})
    with pytest.raises(InputError) as caught:
        _record(
            world, "corticosteroids",
            {**STEROID, "started_on": tomorrow.isoformat(), "stopped_on": tomorrow.isoformat()},
        )  # fmt: skip
    assert [e.field for e in caught.value.errors] == ["started_on", "stopped_on"]
    assert world.count("form_records") == 1


def test_an_unknown_form_is_an_input_error(world: FormWorld) -> None:
    with pytest.raises(InputError, match="unknown form 'vitals'"):
        _record(world, "vitals", {})


def test_a_once_form_refuses_a_second_record(world: FormWorld) -> None:
    risk = {
        "recorded_on": "2026-03-02", "donor_type": "haploidentical", "transplant_on": "2026-01-05",
        "conditioning_intensity": "myeloablative", "agvhd_onset_on": "2026-02-10",
        "onset_skin_stage": 2, "onset_liver_stage": 0, "onset_upper_gi_stage": 0,
        "onset_lower_gi_stage": 1,
    }  # fmt: skip
    _record(world, "baseline_risk", risk, visit="SCR")
    with pytest.raises(StateError, match="recorded once per subject"):
        _record(world, "baseline_risk", risk)
    assert world.count("form_records") == 1


def test_an_arm_restricted_form_is_refused_for_the_other_arm(world: FormWorld) -> None:
    _record(world, "msc_product", MSC, visit="D1")
    with pytest.raises(StateError, match="applies only to subjects in"):
        _record(world, "msc_product", MSC, arm=CONTROL_ARM, visit="D1")
    assert world.count("form_records") == 1


def test_a_per_visit_form_needs_one_of_its_visits_once_each(world: FormWorld) -> None:
    with pytest.raises(InputError) as missing:
        _record(world, "msc_product", MSC)
    assert missing.value.errors[0].field == "visit_code"
    with pytest.raises(InputError, match="use one of D1, D8, D15, D22"):
        _record(world, "msc_product", MSC, visit="W8")
    _record(world, "msc_product", MSC, visit="D1")
    with pytest.raises(StateError, match="already has a record at visit D1"):
        _record(world, "msc_product", MSC, visit="D1")
    _record(world, "msc_product", {**MSC, "infused_on": "2026-03-09"}, visit="D8")
    assert world.count("form_records") == 2


def test_an_msc_infusion_derives_cells_per_kg_against_the_protocol_dose(world: FormWorld) -> None:
    row = _row(world, _record(world, "msc_product", {**MSC, "viability_pct": 69.9}, visit="D1"))
    assert row["derived"]["cells_1e6_per_kg"] == 1.0
    assert row["derived"]["protocol_dose_1e6_per_kg"] == 1.0
    assert row["derived"]["dose_outside_tolerance"] is False
    assert row["derived"]["viability_below_minimum"] is True


def test_an_immunosuppressant_level_uses_the_protocols_target(world: FormWorld) -> None:
    values = {"drug": "tacrolimus", "dose_mg_per_day": 2, "started_on": "2026-03-02",
              "level_ng_ml": 4.9, "level_on": "2026-03-05"}  # fmt: skip
    derived = _row(world, _record(world, "immunosuppressants", values))["derived"]
    assert (derived["level_status"], derived["target_low_ng_ml"]) == ("below", 5.0)


def test_a_correction_re_validates_re_derives_and_audits_with_the_reason(
    world: FormWorld,
) -> None:
    record_id = _record(world, "corticosteroids", STEROID)
    with pytest.raises(InputError) as caught:
        corrections.correct_record(
            world.store.new_uow(), as_user=world.coordinator, entity="form_records",
            record_id=record_id, changes={"values": {"dose_mg_per_day": -1}},
            reason="typo", protocol=world.protocol,
        )  # fmt: skip
    assert caught.value.errors[0].field == "values.dose_mg_per_day"
    diff = corrections.correct_record(
        world.store.new_uow(), as_user=world.coordinator, entity="form_records",
        record_id=record_id, reason="dose was 40 mg",
        changes={"values": {"dose_mg_per_day": 40, "stopped_on": "2026-03-08"}},
        protocol=world.protocol,
    )  # fmt: skip
    assert set(diff) == {"values", "derived"}
    row = _row(world, record_id)
    assert row["values"]["dose_mg_per_day"] == 40.0
    assert row["derived"]["prednisone_mg_per_day"] == 50.0
    assert row["derived"]["prednisone_mg_per_kg_day"] == 0.8
    assert row["derived"]["duration_days"] == 7
    with world.store.new_uow() as uow:
        entries = [e for e in uow.audit.entries() if e.entity == "form_records"]
    assert {(e.field, e.reason) for e in entries if e.action == "update"} == {
        ("values", "dose was 40 mg"), ("derived", "dose was 40 mg"),
    }  # fmt: skip


def test_a_correction_may_not_move_a_per_visit_record_onto_a_done_visit(world: FormWorld) -> None:
    _record(world, "msc_product", MSC, visit="D1")
    second = _record(world, "msc_product", {**MSC, "infused_on": "2026-03-09"}, visit="D8")
    with pytest.raises(StateError):
        corrections.correct_record(
            world.store.new_uow(), as_user=world.coordinator, entity="form_records",
            record_id=second, changes={"visit_code": "D1"}, reason="wrong visit",
            protocol=world.protocol,
        )  # fmt: skip


def test_the_subject_forms_show_applicable_forms_visits_due_and_add_rights(
    world: FormWorld,
) -> None:
    _record(world, "msc_product", MSC, visit="D1")
    loaded = forms.load_subject_forms(
        world.store.new_uow(), as_user=world.coordinator, subject_id=_subject(world),
        protocol=world.protocol,
    )  # fmt: skip
    codes = [s.spec.code for s in loaded.sections]
    assert codes == [f.code for f in world.protocol.forms]
    msc = next(s for s in loaded.sections if s.spec.code == "msc_product")
    # The clock stands on study day 31: every weekly visit's window has opened.
    assert [(v.visit_code, v.record_id is not None, v.state) for v in msc.visits] == [
        ("D1", True, "done"), ("D8", False, "due"), ("D15", False, "due"), ("D22", False, "due"),
    ]  # fmt: skip
    assert msc.visits[1].planned_on == TODAY + dt.timedelta(days=7)
    chronic = next(s for s in loaded.sections if s.spec.code == "chronic_gvhd")
    assert [v.state for v in chronic.visits] == ["upcoming"] * 4
    assert msc.may_add
    control = forms.load_subject_forms(
        world.store.new_uow(), as_user=world.user(Role.MONITOR),
        subject_id=_subject(world, CONTROL_ARM), protocol=world.protocol,
    )  # fmt: skip
    assert "msc_product" not in [s.spec.code for s in control.sections]
    assert not any(s.may_add for s in control.sections)
