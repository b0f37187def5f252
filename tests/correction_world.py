"""A randomized subject with one saved record of every kind, for the correction tests.

``records`` adds to the ``journey`` world (coordinator, investigator, production list) a monitor
and a data manager at BJ01, and a subject at BJ01 with a screening, consent, visit, dose, GVHD
assessment, adverse event, therapy and outcome, saved through the services as the forms would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

import lock_moves
from eligibility_signoff_world import screen_and_sign
from journey_world import BASELINE, DAY1, ELIGIBLE
from trialdesk.bootstrap import load_protocol
from trialdesk.services.accounts import accounts
from trialdesk.services.clinical import clinical
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.subjects import subjects
from web_world import PASSWORD, WebWorld

#: Collection in the path → table.
TABLES = {
    "screenings": "screening_records",
    "consents": "consents",
    "visits": "visits",
    "doses": "dose_administrations",
    "assessments": "gvhd_assessments",
    "adverse-events": "adverse_events",
    "therapies": "therapies",
    "outcomes": "outcomes",
}
AWARE = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@dataclass
class Records:
    world: WebWorld
    subject_id: int
    #: Record id by collection.
    ids: dict[str, int]
    users: dict[str, int]

    def snapshot(self) -> tuple[dict[str, list[dict[str, Any]]], list[tuple[int, str]]]:
        """Every row of the clinical, subject, signature and lock tables, and the audit chain."""
        with self.world.store.new_uow() as uow:
            rows = {
                table: uow.records.find(table, include_deleted=True) for table in TABLES.values()
            }
            for table in ("subjects", "signatures", "locks"):
                rows[table] = uow.records.find(table)
            chain = [(e.seq, e.hash) for e in uow.audit.entries()]
        return rows, chain

    def row(self, collection: str) -> dict[str, Any]:
        with self.world.store.new_uow() as uow:
            row = uow.records.get(TABLES[collection], self.ids[collection])
        assert row is not None
        return row

    def lock(self, collection: str) -> None:
        lock_moves.lock_record(
            self.world.store.new_uow(), as_user=self.users["dm.bj"],
            entity=TABLES[collection], record_id=self.ids[collection],
        )  # fmt: skip


def _user(world: WebWorld, username: str) -> int:
    return next(u.id for u in accounts.list_users(world.store.new_uow()) if u.username == username)


@pytest.fixture
def records(journey: WebWorld) -> Records:
    uow = journey.store.new_uow
    for username, role in (("monitor.bj", "monitor"), ("dm.bj", "data_manager")):
        accounts.create_user(
            uow(), username=username, full_name=username.title(), password=PASSWORD, role=role,
            site_code="BJ01", as_user=None, one_time_password=False,
        )  # fmt: skip
    users = {name: _user(journey, name) for name in ("coord.bj", "inv.bj", "monitor.bj", "dm.bj")}
    coordinator, subject_id = users["coord.bj"], journey.subject_id
    protocol = load_protocol()
    ids: dict[str, int] = {}
    ids["consents"] = subjects.record_consent(
        uow(), as_user=coordinator, subject_id=subject_id, consented_on=DAY1,
        form_version="2.1", obtained_by="Dr Li",
    )  # fmt: skip
    screen_and_sign(
        uow, subject_id=subject_id, coordinator=coordinator, investigator=users["inv.bj"],
        screened_on=DAY1, protocol=protocol, answers=ELIGIBLE,
    )  # fmt: skip
    with uow() as reading:
        ids["screenings"] = reading.records.find("screening_records", subject_id=subject_id)[0][
            "id"
        ]
    randomize_subject(
        journey.store.new_randomization_uow(), as_user=coordinator, subject_id=subject_id,
        stratification={"baseline_grade": 3, "gi_involvement": "yes"},
    )  # fmt: skip
    ids["doses"] = clinical.record_dose(
        uow(), as_user=coordinator, subject_id=subject_id, product="anti_cd25",
        administered_on=DAY1, weight_kg=65, dose_value=20, dose_unit="mg", protocol=protocol,
    )  # fmt: skip
    ids["visits"] = clinical.record_visit(
        uow(), as_user=coordinator, subject_id=subject_id, visit_code="D1", visit_date=DAY1
    )
    ids["assessments"] = clinical.record_gvhd_assessment(
        uow(), as_user=coordinator, subject_id=subject_id, assessed_on=DAY1,
        measurements=BASELINE, protocol=protocol,
        additional_therapy=False,
    )  # fmt: skip
    ids["adverse-events"] = clinical.report_adverse_event(
        uow(), as_user=coordinator, subject_id=subject_id, term="Pneumonia", ctcae_grade=3,
        onset_on=DAY1, aware_at=AWARE, outcome="recovering",
        seriousness=frozenset({"hospitalization"}),
    )  # fmt: skip
    ids["therapies"] = clinical.record_therapy(
        uow(), as_user=coordinator, subject_id=subject_id, kind="other", name="Ruxolitinib",
        started_on=DAY1,
    )  # fmt: skip
    ids["outcomes"] = clinical.record_outcome(
        uow(), as_user=coordinator, subject_id=subject_id, kind="relapse", occurred_on=DAY1
    )
    return Records(journey, subject_id, ids, users)
