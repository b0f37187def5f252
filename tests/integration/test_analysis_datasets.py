"""Analysis datasets derived from a trial recorded through the real services, on both engines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from analysis_world import AnalysisWorld, build_analysis_world
from db_fixtures import SettableClock
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.errors import PermissionDeniedError
from trialdesk.domain.gvhd.endpoints import EndpointWindow, TimedResponse
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.intercurrent_events import (
    IntercurrentEvent,
    IntercurrentEventKind,
    composite_response_at,
)
from trialdesk.services.randomization.analysis_data import AnalysisPurpose, prepare_analysis
from trialdesk.stats.datasets import AnalysisDatasets, build_datasets, write_datasets

RESCUE = IntercurrentEventKind.ADDITIONAL_THERAPY
DEATH = IntercurrentEventKind.DEATH


@pytest.fixture
def trial(store: Store, clock: SettableClock) -> AnalysisWorld:
    return build_analysis_world(store, clock)


def _datasets(trial: AnalysisWorld, cutoff: dt.date | None = None) -> AnalysisDatasets:
    return build_datasets(
        SqlAlchemyAnalysisReader(trial.store.engine).read(), trial.world.protocol, cutoff=cutoff
    )


def test_adsl_has_one_row_per_subject_and_the_itt_set_is_everyone_randomized(
    trial: AnalysisWorld,
) -> None:
    adsl = _datasets(trial).adsl
    with trial.store.new_uow() as uow:
        registered = uow.records.count("subjects")
        allocated = {row["subject_id"] for row in uow.records.find("allocations")}
    assert len(adsl) == registered
    assert set(adsl.loc[adsl["ITTFL"] == "Y", "SUBJID"]) == allocated
    planned = sum(1 for p in trial.planned.values() if p["randomized"])
    assert len(allocated) == planned
    failed = adsl[adsl["SCRNUM"].map(lambda n: trial.planned.get(n, {}).get("screen_failed"))
                  .eq(True)]  # fmt: skip
    # Age 75 fails AGE; the judgement criteria never attested are pending, not reasons.
    assert (failed["SFREAS"] == "AGE").all()
    assert (failed["ITTFL"] == "N").all()


def test_week4_response_matches_the_domain_rule_recomputed_per_subject(
    trial: AnalysisWorld,
) -> None:
    adsl = _datasets(trial).adsl.set_index("SUBJID")
    window = EndpointWindow(29, 2, 2)  # visit D29 of the protocol: day 29 ± 2
    with trial.store.new_uow() as uow:
        rows = uow.records.find("gvhd_assessments")
        randomized = {r["subject_id"]: r["allocated_at"].date()
                      for r in uow.records.find("allocations")}  # fmt: skip
        first_dose: dict[int, dt.date] = {}
        for dose in uow.records.find("dose_administrations"):
            known = first_dose.get(dose["subject_id"], dose["administered_on"])
            first_dose[dose["subject_id"]] = min(known, dose["administered_on"])
        rescues = [r for r in uow.records.find("therapies") if r["kind"] == "rescue"]
        deaths = [r for r in uow.records.find("outcomes") if r["kind"] == "death"]
    evaluable = 0
    for subject_id, randomized_on in randomized.items():
        # Study day 1 is the first dose (randomization for a subject never dosed).
        start = first_dose.get(subject_id, randomized_on)
        timed = [
            TimedResponse((r["assessed_on"] - start).days + 1, Response(r["response"]))
            for r in sorted(rows, key=lambda r: (r["assessed_on"], r["id"]))
            if r["subject_id"] == subject_id and r["response"] is not None
        ]
        events = [
            IntercurrentEvent(kind, (r[column] - start).days + 1)
            for kind, found, column in ((RESCUE, rescues, "started_on"),
                                        (DEATH, deaths, "occurred_on"))
            for r in found
            if r["subject_id"] == subject_id
        ]  # fmt: skip
        expected = composite_response_at(timed, window, events)
        evaluable += expected.observed.evaluable
        assert adsl.at[subject_id, "RSPW4"] == (expected.observed.response or "NE")
        # ITT: a subject without an assessment in the window is a non-responder.
        assert adsl.at[subject_id, "CRW4FL"] == ("Y" if expected.complete_response else "N")
        assert adsl.at[subject_id, "ORW4FL"] == ("Y" if expected.overall_response else "N")
    assert 0 < evaluable < len(randomized), "the fixture should have missing week-4 visits"


def test_time_to_event_parameters_cover_every_itt_subject_with_consistent_status(
    trial: AnalysisWorld,
) -> None:
    data = _datasets(trial)
    itt = data.adsl[data.adsl["ITTFL"] == "Y"].set_index("SUBJID")
    adtte = data.adtte
    # One row per ITT subject and parameter (the five core ones and moderate-severe cGVHD).
    assert {"OS", "FFS", "CGVHD", "RELAPSE", "NRM", "MSCGVHD"} <= set(adtte["PARAMCD"])
    assert len(adtte) == adtte["PARAMCD"].nunique() * len(itt)
    os_rows = adtte[adtte["PARAMCD"] == "OS"].set_index("SUBJID")
    dead = itt["DTHDT"].notna()
    assert (os_rows.loc[dead[dead].index, "EVNTCD"] == 1).all()
    assert (os_rows.loc[dead[~dead].index, "EVNTCD"] == 0).all()
    nrm = adtte[adtte["PARAMCD"] == "NRM"].set_index("SUBJID")
    relapsed_first = itt["RELDT"].notna() & ~(itt["DTHDT"] < itt["RELDT"])
    assert (nrm.loc[relapsed_first[relapsed_first].index, "EVNTCD"] == 2).all()
    assert (adtte["AVAL"] >= 0).all()
    assert adtte["EVNTCD"].isin([0, 1, 2]).all()


def test_safety_set_and_dose_counts_come_from_the_recorded_administrations(
    trial: AnalysisWorld,
) -> None:
    data = _datasets(trial)
    with trial.store.new_uow() as uow:
        doses = pd.DataFrame(uow.records.find("dose_administrations"))
        adverse_events = uow.records.count("adverse_events")
    adsl = data.adsl.set_index("SUBJID")
    assert set(adsl.index[adsl["SAFFL"] == "Y"]) == set(doses["subject_id"])
    anti_cd25 = doses[doses["product"] == "anti_cd25"].groupby("subject_id").size()
    assert (adsl.loc[anti_cd25.index, "EXNDOS2"] == anti_cd25).all()
    assert len(data.adae) == adverse_events
    assert set(data.adae["AESER"]) <= {"Y", "N"}


def test_a_cutoff_drops_later_data_and_changes_the_snapshot_hash(trial: AnalysisWorld) -> None:
    full = _datasets(trial)
    again = _datasets(trial)
    early = _datasets(trial, cutoff=dt.date(2026, 4, 30))
    assert full.sha256 == again.sha256
    assert early.sha256 != full.sha256
    assert (early.adsl["ITTFL"] == "Y").sum() < (full.adsl["ITTFL"] == "Y").sum()
    assert early.adrs["ADT"].max() <= pd.Timestamp("2026-04-30")


def test_xpt_export_round_trips_names_labels_and_values(
    trial: AnalysisWorld, tmp_path: Path
) -> None:
    data = _datasets(trial)
    files = write_datasets(data, tmp_path, "xpt")
    assert [f.name for f in files] == ["adsl.xpt", "adrs.xpt", "adtte.xpt", "adae.xpt",
                                        "adcgvhd.xpt", "adinf.xpt"]  # fmt: skip
    frame, meta = pyreadstat.read_xport(str(tmp_path / "adsl.xpt"))
    assert len(frame) == len(data.adsl)
    assert list(frame.columns) == list(data.adsl.columns)
    assert all(len(name) <= 8 for name in frame.columns)
    assert meta.column_names_to_labels["CRW4FL"] == "Complete Response at Week 4"
    assert list(frame["CRW4FL"]) == list(data.adsl["CRW4FL"])
    assert np.allclose(frame["EXNDOS2"], data.adsl["EXNDOS2"])
    tte, _ = pyreadstat.read_xport(str(tmp_path / "adtte.xpt"))
    assert np.allclose(tte["AVAL"], data.adtte["AVAL"])


def test_preparing_an_analysis_is_an_audited_export_limited_to_the_statistician(
    trial: AnalysisWorld,
) -> None:
    reader = SqlAlchemyAnalysisReader(trial.store.engine)
    world = trial.world
    for role in (Role.SITE_COORDINATOR, Role.DSMB_VIEWER):
        with pytest.raises(PermissionDeniedError):
            prepare_analysis(
                trial.store.new_uow(), reader, as_user=world.user(role),
                protocol=world.protocol, purpose=AnalysisPurpose.DATASETS,
            )  # fmt: skip
    prepared = prepare_analysis(
        trial.store.new_uow(), reader, as_user=world.user(Role.STATISTICIAN),
        protocol=world.protocol, purpose=AnalysisPurpose.DATASETS, cutoff=dt.date(2026, 12, 31),
    )  # fmt: skip
    with trial.store.new_uow() as uow:
        last = list(uow.audit.entries())[-1]
    assert last.action == "export"
    assert last.entity == "analysis_datasets"
    assert last.new_value is not None
    assert prepared.datasets.sha256 in last.new_value
    assert "2026-12-31" in last.new_value
