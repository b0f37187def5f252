"""The demo trial: simulated patients driven through the real services into a real database."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db_fixtures import FAST_PASSWORDS
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
from trialdesk.bootstrap import Store, build_store, load_protocol
from trialdesk.domain.errors import StateError
from trialdesk.domain.gvhd import (
    BilirubinUnit,
    OrganMeasurements,
    OrganStages,
    assess_response,
    grade,
    stage,
)
from trialdesk.services.review.audit_trail import verify_audit_trail
from trialdesk.services.trial.demo_trial import DemoTrial, SimulatedClock, build_demo_trial
from trialdesk.services.trial.trial_settings import is_demo_database
from trialdesk.stats.datasets import build_datasets
from trialdesk.stats.reports import ReportKind, build_report

END = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
SUBJECTS = 30


def _build(template: Path, target: Path, subjects: int, seed: int) -> tuple[Store, DemoTrial]:
    shutil.copyfile(template, target)
    clock = SimulatedClock(END)
    store = build_store(f"sqlite:///{target}", clock=clock, passwords=FAST_PASSWORDS)
    built = build_demo_trial(
        store, clock, protocol=load_protocol(),
        scenario=read_scenario_file(builtin_scenario_path()), subjects=subjects, seed=seed, end=END,
    )  # fmt: skip
    return store, built


@pytest.fixture(scope="module")
def demo(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, DemoTrial]]:
    store, built = _build(sqlite_template, tmp_path_factory.mktemp("demo") / "d.db", SUBJECTS, 11)
    yield store, built
    store.close()


def _rows(store: Store, table: str) -> list[dict[str, object]]:
    with store.new_read_uow() as uow:
        return uow.records.find(table)


def test_the_demo_trial_leaves_an_intact_audit_trail(demo: tuple[Store, DemoTrial]) -> None:
    result = verify_audit_trail(demo[0].new_uow())
    assert result.intact
    assert result.entries > 20 * SUBJECTS


def test_every_stored_stage_grade_and_response_follows_from_the_raw_measurements(
    demo: tuple[Store, DemoTrial],
) -> None:
    rules = load_protocol().assessment
    rows = sorted(_rows(demo[0], "gvhd_assessments"), key=lambda r: (r["assessed_on"], r["id"]))
    assert len(rows) >= 4 * SUBJECTS
    baselines: dict[object, OrganStages] = {}
    responses = set()
    for row in rows:
        raw = dict(row["measurements"])  # type: ignore[call-overload]
        raw["bilirubin_unit"] = BilirubinUnit.parse(raw["bilirubin_unit"])
        stages = stage(OrganMeasurements(**raw), rules.grading_system).stages
        stored = OrganStages(
            row["skin_stage"], row["liver_stage"], row["upper_gi_stage"], row["lower_gi_stage"]
        )  # type: ignore[arg-type]
        assert stored == stages, row["id"]
        assert row["grade"] == grade(stages, rules.grading_system)
        baseline = baselines.setdefault(row["subject_id"], stages)
        if row["response"] is None:
            assert baseline is stages  # only the first assessment has no response
        else:
            expected = assess_response(baseline, stages, rules.response_rules).response.value
            assert row["response"] == expected
            responses.add(row["response"])
    assert {"CR", "PR"} <= responses


def test_some_patients_fail_screening_and_the_requested_number_is_randomized_to_both_arms(
    demo: tuple[Store, DemoTrial],
) -> None:
    subjects = _rows(demo[0], "subjects")
    failed = [s for s in subjects if s["state"] == "screen_failed"]
    allocations = _rows(demo[0], "allocations")
    arms = [a["arm"] for a in allocations]
    assert len(allocations) == SUBJECTS == len(subjects) - len(failed)
    assert 1 <= len(failed) <= SUBJECTS // 2
    assert all(not s["eligible"] for s in _rows(demo[0], "screening_records")
               if s["subject_id"] in {f["id"] for f in failed})  # fmt: skip
    assert abs(arms.count("msc_cd25") - arms.count("cd25")) <= SUBJECTS // 3
    assert {"msc_cd25", "cd25"} == set(arms)


def test_the_demo_fills_doses_adverse_events_outcomes_queries_and_signatures(
    demo: tuple[Store, DemoTrial],
) -> None:
    store = demo[0]
    assert len(_rows(store, "dose_administrations")) >= 5 * SUBJECTS
    events = _rows(store, "adverse_events")
    assert any(e["serious"] for e in events)
    kinds = {o["kind"] for o in _rows(store, "outcomes")}
    assert "end_of_study_treatment" in kinds
    statuses = {q["status"] for q in _rows(store, "queries")}
    assert {"answered", "closed"} <= statuses
    assert _rows(store, "signatures")
    roles = {a.role for a in demo[1].accounts}
    assert {"site_coordinator", "investigator", "monitor", "data_manager", "statistician",
            "dsmb_viewer", "sponsor_admin"} <= roles  # fmt: skip


def test_the_demo_fills_the_protocol_forms_through_the_service_with_their_derivations(
    demo: tuple[Store, DemoTrial],
) -> None:
    store = demo[0]
    records = _rows(store, "form_records")
    by_form: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_form.setdefault(str(record["form"]), []).append(record)
    assert set(by_form) == {"baseline_risk", "corticosteroids", "immunosuppressants",
                            "infections", "chronic_gvhd", "msc_product"}  # fmt: skip
    randomized = {a["subject_id"]: a["arm"] for a in _rows(store, "allocations")}
    # Baseline risk once per randomized subject; the UC-MSC sheet only in the UC-MSC arm.
    assert sorted(r["subject_id"] for r in by_form["baseline_risk"]) == sorted(randomized)
    assert {randomized[r["subject_id"]] for r in by_form["msc_product"]} == {"msc_cd25"}
    assert all(r["visit_code"] in {"D1", "D8", "D15", "D22"} for r in by_form["msc_product"])
    # Derived by the services when saved: prednisone equivalents, NIH severity, risk.
    assert all(r["derived"]["prednisone_mg_per_day"] > 0 for r in by_form["corticosteroids"])
    assert {r["derived"]["global_severity"] for r in by_form["chronic_gvhd"]} >= {"none"}
    assert all("minnesota_risk" in r["derived"] for r in by_form["baseline_risk"])
    # An end date still ahead when a period was entered came later, as a correction.
    ended = [r for r in by_form["corticosteroids"] if r["values"].get("stopped_on")]
    assert ended
    corrected = {int(e["entity_id"]) for e in _rows(store, "audit_trail")
                 if e["entity"] == "form_records" and e["action"] == "update"}  # fmt: skip
    assert {r["id"] for r in ended} <= corrected


def test_assessments_after_the_protocol_switch_record_the_additional_therapy(
    demo: tuple[Store, DemoTrial],
) -> None:
    store = demo[0]
    rescue = {t["subject_id"]: t["started_on"] for t in _rows(store, "therapies")
              if t["kind"] == "rescue"}  # fmt: skip
    assert rescue
    for row in _rows(store, "gvhd_assessments"):
        started = rescue.get(row["subject_id"])
        after = started is not None and row["assessed_on"] > started
        assert bool(row["additional_therapy"]) is after, row
        assert (row["additional_therapy_names"] is not None) is after


def test_the_final_report_of_the_demo_shows_the_new_forms_by_arm(
    demo: tuple[Store, DemoTrial],
) -> None:
    store = demo[0]
    protocol = load_protocol()
    records = SqlAlchemyAnalysisReader(store.engine).read()
    datasets = build_datasets(records, protocol)
    report = build_report(datasets, records, protocol, ReportKind.FINAL)
    for section in ("steroid-exposure", "organ-response", "chronic-gvhd", "infections"):
        assert f'id="{section}"' in report.html, section
    itt = datasets.adsl[datasets.adsl["ITTFL"] == "Y"]
    # Steroid doses on day 1 for every treated subject, organ responses, NIH severity, infections
    # in both arms: the sections have numbers to show, not empty tables.
    assert itt["CSTD1"].notna().mean() > 0.9
    assert set(itt["SKINRW4"].dropna()) - {""}
    assert set(itt["CGWORST"].dropna()) >= {"none"}
    assert set(datasets.adinf["ARMCD"]) == {"msc_cd25", "cd25"}


def test_nothing_in_the_demo_is_dated_after_the_end_of_its_calendar(
    demo: tuple[Store, DemoTrial],
) -> None:
    store = demo[0]
    with store.new_read_uow() as uow:
        times = [dt.datetime.fromisoformat(e.occurred_at) for e in uow.audit.entries()]
    assert max(times) <= END
    assert times == sorted(times)
    assert min(times) < END - dt.timedelta(days=120)  # accrual spreads over months
    assert all(r["assessed_on"] <= END.date() for r in _rows(store, "gvhd_assessments"))


def test_the_database_is_marked_as_a_demo_and_a_second_demo_is_refused(
    demo: tuple[Store, DemoTrial],
) -> None:
    store = demo[0]
    assert is_demo_database(store.new_read_uow())
    clock = SimulatedClock(END)
    with pytest.raises(StateError, match="already holds a trial"):
        build_demo_trial(
            store, clock, protocol=load_protocol(),
            scenario=read_scenario_file(builtin_scenario_path()), subjects=5, seed=1, end=END,
        )  # fmt: skip


def test_the_same_seed_builds_the_same_subjects_arms_and_responses(
    sqlite_template: Path, tmp_path: Path
) -> None:
    def trial(name: str, seed: int) -> list[tuple[object, ...]]:
        store, _ = _build(sqlite_template, tmp_path / name, 8, seed)
        try:
            arm = {a["subject_id"]: a["arm"] for a in _rows(store, "allocations")}
            responses: dict[object, list[object]] = {}
            for row in sorted(_rows(store, "gvhd_assessments"), key=lambda r: r["id"]):
                responses.setdefault(row["subject_id"], []).append(row["response"])
            return [
                (s["screening_number"], s["state"], arm.get(s["id"]), responses.get(s["id"]))
                for s in _rows(store, "subjects")
            ]
        finally:
            store.close()

    first = trial("a.db", 5)
    assert trial("b.db", 5) == first
    assert trial("c.db", 6) != first
