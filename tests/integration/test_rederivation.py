"""Correcting or deleting a GVHD assessment re-derives the responses that depend on the baseline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from trial_world import BASELINE_MEASUREMENTS, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError
from trialdesk.services.clinical import clinical, corrections
from trialdesk.services.review.audit_trail import verify_audit_trail

#: Skin stage 2 only.
SKIN_ONLY: dict[str, object] = {"skin_bsa_pct": 30.0, "bilirubin": 1.0, "stool_ml_per_day": 0.0}
#: Skin stage 1 only: every organ involved in the grade III baseline (skin 2, liver 2, lower GI 1)
#: improved, a partial response under the CSH rules; against a baseline corrected to these very
#: values, nothing changed (no response).
SKIN_MILD: dict[str, object] = {"skin_bsa_pct": 10.0, "bilirubin": 1.0, "stool_ml_per_day": 0.0}
CLEAR: dict[str, object] = {"skin_bsa_pct": 0.0, "bilirubin": 1.0, "stool_ml_per_day": 0.0}


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _assess(world: TrialWorld, days_ago: int, measurements: dict[str, object]) -> int:
    return clinical.record_gvhd_assessment(
        world.store.new_uow(), as_user=world.investigator, subject_id=world.subject_id,
        assessed_on=TODAY - dt.timedelta(days=days_ago), measurements=measurements,
        protocol=world.protocol,
        additional_therapy=False,
    )  # fmt: skip


def _correct(world: TrialWorld, record_id: int, changes: dict[str, Any]) -> object:
    return corrections.correct_record(
        world.store.new_uow(), as_user=world.investigator, entity="gvhd_assessments",
        record_id=record_id, changes=changes, reason="source document re-checked",
        protocol=world.protocol,
    )  # fmt: skip


def _responses(world: TrialWorld, *ids: int) -> list[tuple[str | None, str | None]]:
    with world.store.new_uow() as uow:
        rows = [uow.records.get("gvhd_assessments", i) for i in ids]
    return [(r["response"], r["response_rule_set"]) for r in rows if r is not None]


def test_correcting_the_baseline_re_derives_the_later_responses(world: TrialWorld) -> None:
    baseline = _assess(world, 28, BASELINE_MEASUREMENTS)
    week_2, week_4 = _assess(world, 14, SKIN_MILD), _assess(world, 0, CLEAR)
    assert _responses(world, week_2, week_4) == [("PR", "csh"), ("CR", "csh")]

    _correct(world, baseline, {"measurements": SKIN_MILD})

    # Same stages as the corrected baseline is no response; all organs clear stays complete.
    assert _responses(world, baseline, week_2, week_4) == [
        (None, None),
        ("NR", "csh"),
        ("CR", "csh"),
    ]


def test_the_re_derivation_is_audited_with_the_corrections_reason(world: TrialWorld) -> None:
    baseline = _assess(world, 28, BASELINE_MEASUREMENTS)
    week_2 = _assess(world, 14, SKIN_MILD)
    _correct(world, baseline, {"measurements": SKIN_MILD})

    with world.store.new_uow() as uow:
        entries = list(uow.audit.entries(subject_id=world.subject_id))
    rederived = [
        e for e in entries if e.entity_id == str(week_2) and e.action is AuditAction.UPDATE
    ]
    assert [(e.field, e.old_value, e.new_value) for e in rederived] == [
        ("response", '"PR"', '"NR"')
    ]
    assert rederived[0].reason == "source document re-checked"
    # Written in the correction's transaction: the same timestamp as the baseline's own update.
    baseline_update = next(
        e for e in entries if e.entity_id == str(baseline) and e.field == "measurements"
    )
    assert rederived[0].occurred_at == baseline_update.occurred_at
    assert verify_audit_trail(world.store.new_uow()).intact


def test_moving_an_assessment_before_the_baseline_makes_it_the_baseline(world: TrialWorld) -> None:
    first = _assess(world, 20, BASELINE_MEASUREMENTS)
    later = _assess(world, 10, SKIN_ONLY)

    _correct(world, later, {"assessed_on": TODAY - dt.timedelta(days=25)})

    # The moved assessment (skin 2) is now the baseline; against it the grade III one has a
    # worse liver and lower GI tract: progression.
    assert _responses(world, later, first) == [(None, None), ("PD", "csh")]


def test_deleting_the_baseline_makes_the_next_assessment_the_baseline(world: TrialWorld) -> None:
    baseline = _assess(world, 28, BASELINE_MEASUREMENTS)
    week_2, week_4 = _assess(world, 14, SKIN_ONLY), _assess(world, 0, SKIN_ONLY)

    corrections.delete_record(
        world.store.new_uow(), as_user=world.investigator, entity="gvhd_assessments",
        record_id=baseline, reason="entered for the wrong patient", protocol=world.protocol,
    )  # fmt: skip

    assert _responses(world, week_2, week_4) == [(None, None), ("NR", "csh")]


def test_deleting_an_assessment_without_the_protocol_is_refused_and_changes_nothing(
    world: TrialWorld,
) -> None:
    baseline = _assess(world, 28, BASELINE_MEASUREMENTS)
    with pytest.raises(InputError, match="protocol"):
        corrections.delete_record(
            world.store.new_uow(), as_user=world.investigator, entity="gvhd_assessments",
            record_id=baseline, reason="entered for the wrong patient",
        )  # fmt: skip
    assert world.count("gvhd_assessments") == 1
