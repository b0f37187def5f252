"""1,000 randomization requests from 32 concurrent clients: exact, gap-free, in list order."""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from db_fixtures import FAST_PASSWORDS, SettableClock
from trial_world import SITE_A, SITE_B, TODAY, TrialWorld, build_world
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.randomization_repository import SqlAlchemyRandomizationUnitOfWork
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.audit import record_fingerprint
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.randomization.randomization_reports import verify_randomization
from trialdesk.services.review.audit_trail import verify_audit_trail
from trialdesk.services.subjects.eligibility_signoff import ELIGIBILITY_MEANING

REQUESTS = 1000
CLIENTS = 32


@pytest.fixture
def client_engine(db_url: str) -> Iterator[Engine]:
    """One connection per client thread, so every client has its own session."""
    engine = create_db_engine(db_url, pool_size=CLIENTS + 1, max_overflow=0)
    yield engine
    engine.dispose()


def _eligible_subjects(world: TrialWorld, count: int) -> list[tuple[int, int]]:
    """(subject id, coordinator id) of ``count`` consented, eligible subjects on two sites.

    Rows are written directly in one transaction (the investigator's eligibility signature too):
    the screening, consent and sign-off use cases are tested elsewhere, and 3,000 separate
    commits would dominate the test's time.
    """
    coordinators = {site: world.user(Role.SITE_COORDINATOR, site) for site in (SITE_A, SITE_B)}
    investigators = {site: world.user(Role.INVESTIGATOR, site) for site in (SITE_A, SITE_B)}
    made = []
    with world.store.new_uow() as uow:
        site_ids = {site: uow.records.find("sites", code=site)[0]["id"] for site in coordinators}
        now = uow.clock.now()
        for n in range(count):
            site = SITE_A if n % 3 else SITE_B
            subject_id = uow.records.add(
                "subjects",
                {"screening_number": f"C{n:04d}", "subject_code": None,
                 "site_id": site_ids[site], "state": SubjectState.ELIGIBLE.value,
                 "birth_year": None, "sex": None, "created_at": now, "created_by": None},
            )  # fmt: skip
            screening_id = uow.records.add(
                "screening_records",
                {"subject_id": subject_id, "screened_on": TODAY,
                 "answers": {"baseline_grade": 2 + n // 3 % 3},
                 "criteria_results": [{"criterion": "IN1", "status": "met", "reason": "ok"}],
                 "eligible": True, "created_at": now, "created_by": None},
            )  # fmt: skip
            screening = uow.records.get("screening_records", screening_id)
            assert screening is not None
            uow.records.add(
                "signatures",
                {"subject_id": subject_id, "entity": "screening_records",
                 "entity_id": screening_id, "user_id": investigators[site],
                 "printed_name": "Dr Investigator", "meaning": ELIGIBILITY_MEANING,
                 "signed_at": now,
                 "record_hash": record_fingerprint("screening_records", screening),
                 "is_valid": True, "invalidated_at": None},
            )  # fmt: skip
            uow.records.add(
                "consents",
                {"subject_id": subject_id, "consented_on": TODAY, "form_version": "2.1",
                 "obtained_by": "Dr Li", "created_at": now, "created_by": None},
            )  # fmt: skip
            made.append((subject_id, coordinators[site]))
        uow.commit()
    return made


@pytest.mark.slow
def test_concurrent_requests_make_exactly_one_allocation_each_in_strict_list_order(
    store: Store, client_engine: Engine, clock: SettableClock
) -> None:
    world = build_world(store)
    # Short lists, so strata are also extended from the seed while clients compete.
    generate_list(
        store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=world.protocol.randomization, seed=7, length_per_stratum=60,
    )  # fmt: skip
    work: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()
    for item in _eligible_subjects(world, REQUESTS):
        work.put(item)
    errors: list[BaseException] = []

    def client() -> None:
        while True:
            try:
                subject_id, user_id = work.get_nowait()
            except queue.Empty:
                return
            try:
                randomize_subject(
                    SqlAlchemyRandomizationUnitOfWork(
                        client_engine, clock=clock, passwords=FAST_PASSWORDS
                    ),
                    as_user=user_id, subject_id=subject_id,
                )  # fmt: skip
            except BaseException as error:  # reported below, with the others
                errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    with store.new_randomization_uow() as uow:
        allocations = uow.records.find("allocations")  # in commit order (id order)
        (listing,) = uow.records.find("randomization_lists")
        entries = uow.randomization.entries(listing["id"])
    assert len(allocations) == REQUESTS
    assert len({a["subject_id"] for a in allocations}) == REQUESTS
    listed = {(e["stratum"], e["position"]): e for e in entries}
    positions: dict[str, list[int]] = defaultdict(list)
    for allocation in allocations:
        place = (allocation["stratum"], allocation["position"])
        assert listed[place]["arm"] == allocation["arm"]
        assert listed[place]["used_by_subject_id"] == allocation["subject_id"]
        positions[allocation["stratum"]].append(allocation["position"])
    # In the order the allocations were made, each stratum's positions run 1, 2, 3, … exactly.
    in_order = {s: p == list(range(1, len(p) + 1)) for s, p in positions.items()}
    assert in_order == dict.fromkeys(positions, True)
    assert len(positions) == 4
    assert sum(1 for e in entries if e["used_by_subject_id"] is not None) == REQUESTS
    assert verify_randomization(
        store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    ).ok
    assert verify_audit_trail(store.new_uow()).intact
