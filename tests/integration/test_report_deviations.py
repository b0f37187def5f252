"""Protocol deviations in the report from a database filled through the services: a UC-MSC dose
of 7.2 × 10⁶ cells/kg, saved after the site confirmed the dose warning, is listed once, in words."""

from __future__ import annotations

from analysis_world import build_analysis_world
from db_fixtures import SettableClock
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.services.clinical import corrections
from trialdesk.stats.datasets import build_datasets
from trialdesk.stats.reports import ReportKind, build_report


def test_a_confirmed_7_2_million_cells_per_kg_dose_is_a_deviation_listed_once(
    store: Store, clock: SettableClock
) -> None:
    trial = build_analysis_world(store, clock, n_subjects=6)
    world = trial.world
    with store.new_uow() as uow:
        experimental = {a["subject_id"] for a in uow.records.find("allocations", arm="msc_cd25")}
        doses = [d for d in uow.records.find("dose_administrations", product="uc_msc")
                 if d["subject_id"] in experimental]  # fmt: skip
        subjects = {s["id"]: s for s in uow.records.find("subjects")}
        sites = {s["id"]: s["code"] for s in uow.records.find("sites")}
    # The listing shows USUBJID: the subject code, or the screening number before one is given.
    subject_codes = {sid: s["subject_code"] or s["screening_number"] for sid, s in subjects.items()}
    dose = min(doses, key=lambda d: (d["subject_id"], d["administered_on"]))
    site = sites[subjects[dose["subject_id"]]["site_id"]]
    corrections.correct_record(
        store.new_uow(), as_user=world.user(Role.SITE_COORDINATOR, site),
        entity="dose_administrations", record_id=dose["id"],
        changes={"dose_value": 7.2e6 * dose["weight_kg"]},
        reason="pharmacy dispensed the whole bag", protocol=world.protocol,
    )  # fmt: skip
    records = SqlAlchemyAnalysisReader(store.engine).read()
    assert any(q["origin"] == "edit_check:dose_deviation" for q in records.queries)
    datasets = build_datasets(records, world.protocol)
    report = build_report(datasets, records, world.protocol, ReportKind.FINAL)
    mine = [r for r in report.context["deviations"]["listing"]
            if r["subject"] == subject_codes[dose["subject_id"]]]  # fmt: skip
    flagged = [r for r in mine if r["kind"] == "Dose outside the protocol dose for the weight"]
    assert len(flagged) == 1
    assert "7.2e+06 cells/kg given, protocol dose 1e+06 cells/kg (+620%" in flagged[0]["deviation"]
    assert flagged[0]["date"] == dose["administered_on"].isoformat()
    # The confirmed warning is the same deviation: not listed a second time.
    assert not [r for r in mine if "Dose differs from the protocol dose" in r["deviation"]]
    assert "7.2e+06 cells/kg" in report.html
