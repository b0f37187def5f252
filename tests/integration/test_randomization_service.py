"""Central randomization through the store: lists, allocation, concealment, verify, reports."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
import sqlalchemy.exc
from sqlalchemy import text, update

from db_fixtures import SettableClock, as_owner
from eligibility_signoff_world import screen_and_sign
from trial_world import SITE_A, SITE_B, TODAY, TrialWorld, build_world
from trialdesk.adapters.db.tables import randomization_list_entries
from trialdesk.bootstrap import Store
from trialdesk.domain.access import Role
from trialdesk.domain.errors import (
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StateError,
)
from trialdesk.domain.lifecycle import SubjectState
from trialdesk.domain.randomization import (
    SITE_HIDDEN_FIELDS,
    RandomizationMethod,
    RandomizationSpec,
    generate_stratum_list,
)
from trialdesk.services.accounts import accounts
from trialdesk.services.randomization.randomization import flag_allocation_error, randomize_subject
from trialdesk.services.randomization.randomization_lists import ListKind, generate_list
from trialdesk.services.randomization.randomization_reports import (
    balance_report,
    export_list,
    verify_randomization,
)
from trialdesk.services.subjects import subjects

SEED = 20260302


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


@pytest.fixture
def statistician(world: TrialWorld) -> int:
    return world.user(Role.STATISTICIAN)


def _generate(
    world: TrialWorld,
    *,
    kind: str = ListKind.PRODUCTION,
    spec: RandomizationSpec | None = None,
    length: int = 8,
) -> None:
    generate_list(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        spec=spec or world.protocol.randomization, kind=kind, seed=SEED,
        length_per_stratum=length, trial_code="NCT04738981",
    )  # fmt: skip


def _ready_subject(
    world: TrialWorld, number: str, *, site: str = SITE_A, consent: bool = True
) -> int:
    coordinator = world.user(Role.SITE_COORDINATOR, site)
    subject = subjects.register_subject(
        world.store.new_uow(), as_user=coordinator, site_code=site, screening_number=number
    )
    if consent:
        subjects.record_consent(
            world.store.new_uow(), as_user=coordinator, subject_id=subject.id,
            consented_on=TODAY, form_version="2.1", obtained_by="Dr Li",
        )  # fmt: skip
    screen_and_sign(
        world.store.new_uow, subject_id=subject.id, coordinator=coordinator,
        investigator=world.user(Role.INVESTIGATOR, site), screened_on=TODAY,
        protocol=world.protocol,
    )  # fmt: skip
    return subject.id


def _randomize(world: TrialWorld, subject_id: int, grade: object = 3, site: str = SITE_A) -> str:
    result = randomize_subject(
        world.store.new_randomization_uow(), as_user=world.user(Role.SITE_COORDINATOR, site),
        subject_id=subject_id, stratification={"baseline_grade": grade, "gi_involvement": "no"},
    )  # fmt: skip
    return result.arm


def _allocations(world: TrialWorld) -> list[dict[str, object]]:
    with world.store.new_uow() as uow:
        return uow.records.find("allocations")


def test_only_the_statistician_may_generate_a_list(world: TrialWorld) -> None:
    for role in (Role.SITE_COORDINATOR, Role.MONITOR, Role.SPONSOR_ADMIN, Role.DSMB_VIEWER):
        with pytest.raises(PermissionDeniedError):
            generate_list(
                world.store.new_randomization_uow(), as_user=world.user(role),
                spec=world.protocol.randomization, seed=SEED,
            )  # fmt: skip
    assert world.count("randomization_lists") == 0


def test_a_list_covers_every_site_and_grade_stratum_in_whole_blocks(world: TrialWorld) -> None:
    _generate(world, length=7)
    with world.store.new_randomization_uow() as uow:
        (listing,) = uow.records.find("randomization_lists")
        entries = uow.randomization.entries(listing["id"])
    strata = Counter(e["stratum"] for e in entries)
    assert set(strata) == {
        f"site={site}/baseline_grade={grade}"
        for site in (SITE_A, SITE_B)
        for grade in ("II", "III-IV")
    }
    assert all(7 <= n <= 10 for n in strata.values())
    assert listing["is_production"] is True


def test_test_and_production_lists_are_separate_and_never_replaced(world: TrialWorld) -> None:
    _generate(world, kind=ListKind.TEST)
    _generate(world, kind=ListKind.PRODUCTION)
    with pytest.raises(StateError, match="never replaced"):
        _generate(world, kind=ListKind.TEST)
    subject = _ready_subject(world, "SCR-T1")
    randomize_subject(
        world.store.new_randomization_uow(), as_user=world.coordinator, subject_id=subject,
        stratification={"baseline_grade": 2}, kind=ListKind.TEST,
    )  # fmt: skip
    production = balance_report(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    )
    test = balance_report(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN),
        kind=ListKind.TEST,
    )  # fmt: skip
    assert (production.allocations, test.allocations) == (0, 1)


def test_the_stored_list_is_the_one_the_seed_gives(world: TrialWorld) -> None:
    _generate(world, length=6)
    stratum = f"site={SITE_B}/baseline_grade=II"
    with world.store.new_randomization_uow() as uow:
        (listing,) = uow.records.find("randomization_lists")
        stored = [
            (e["position"], e["arm"]) for e in uow.randomization.entries(listing["id"], stratum)
        ]
    expected = generate_stratum_list(
        world.protocol.randomization, SEED, listing["list_code"], stratum, 6
    )
    assert stored == [(e.position, e.arm) for e in expected]
    assert listing["list_code"] == "NCT04738981-production"


def test_randomizing_is_refused_with_everything_that_is_missing(world: TrialWorld) -> None:
    _generate(world)
    with pytest.raises(InputError) as refused:
        randomize_subject(
            world.store.new_randomization_uow(), as_user=world.coordinator,
            subject_id=world.subject_id,
        )  # fmt: skip
    fields = {e.field for e in refused.value.errors}
    assert fields == {"eligibility", "consent", "baseline_grade"}
    unconsented = _ready_subject(world, "SCR-NC", consent=False)
    with pytest.raises(InputError) as again:
        randomize_subject(
            world.store.new_randomization_uow(), as_user=world.coordinator,
            subject_id=unconsented, stratification={"baseline_grade": "7"},
        )  # fmt: skip
    assert {e.field for e in again.value.errors} == {"consent", "baseline_grade"}
    assert "'7' is not a level" in str(again.value)
    assert _allocations(world) == []


def test_an_allocation_records_list_stratum_position_arm_time_and_user(
    world: TrialWorld, clock: SettableClock
) -> None:
    _generate(world)
    subject = _ready_subject(world, "SCR-100")
    arm = _randomize(world, subject, grade=4)
    (allocation,) = _allocations(world)
    with world.store.new_randomization_uow() as uow:
        (listing,) = uow.records.find("randomization_lists")
        entries = uow.randomization.entries(listing["id"], f"site={SITE_A}/baseline_grade=III-IV")
        state = uow.records.get("subjects", subject)
    assert allocation["list_id"] == listing["id"]
    assert allocation["stratum"] == f"site={SITE_A}/baseline_grade=III-IV"
    assert (allocation["position"], allocation["arm"]) == (1, entries[0]["arm"]) == (1, arm)
    assert allocation["allocated_by"] == world.coordinator
    assert allocation["allocated_at"] == clock.now()
    assert entries[0]["used_by_subject_id"] == subject
    assert state is not None
    assert state["state"] == SubjectState.RANDOMIZED.value


def test_each_stratum_is_used_in_list_order(world: TrialWorld) -> None:
    _generate(world)
    arms = [_randomize(world, _ready_subject(world, f"SCR-{n}"), grade=2) for n in range(6)]
    with world.store.new_randomization_uow() as uow:
        (listing,) = uow.records.find("randomization_lists")
        listed = uow.randomization.entries(listing["id"], f"site={SITE_A}/baseline_grade=II")
    assert arms == [e["arm"] for e in listed[:6]]
    assert [a["position"] for a in _allocations(world)] == [1, 2, 3, 4, 5, 6]


def test_the_site_sees_subject_arm_time_and_user_only(world: TrialWorld) -> None:
    _generate(world)
    result = randomize_subject(
        world.store.new_randomization_uow(), as_user=world.coordinator,
        subject_id=_ready_subject(world, "SCR-V"), stratification={"baseline_grade": 3},
    )  # fmt: skip
    shown = {f.name for f in dataclasses.fields(result)}
    assert shown == {"subject_id", "arm", "allocated_at", "allocated_by"}
    assert result.subject_id == "SCR-V"


def test_the_audit_trail_records_the_allocation_without_position_or_block(
    world: TrialWorld,
) -> None:
    _generate(world)
    subject = _ready_subject(world, "SCR-A")
    arm = _randomize(world, subject)
    with world.store.new_uow() as uow:
        entries = list(uow.audit.entries(subject_id=subject))
    (allocation_entry,) = [e for e in entries if e.entity == "allocations"]
    assert f'"arm":"{arm}"' in (allocation_entry.new_value or "")
    leaked = [
        name for name in SITE_HIDDEN_FIELDS if f'"{name}"' in (allocation_entry.new_value or "")
    ]
    assert leaked == []
    assert [e.new_value for e in entries if e.field == "state"] == ['"eligible"', '"randomized"']


def test_an_allocation_is_irrevocable(world: TrialWorld) -> None:
    _generate(world)
    subject = _ready_subject(world, "SCR-I")
    _randomize(world, subject)
    with pytest.raises(StateError, match="already randomized"):
        _randomize(world, subject)
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="irrevocable"),
        as_owner(world.store) as connection,
    ):
        connection.execute(text("UPDATE allocations SET arm = 'other'"))
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="irrevocable"),
        as_owner(world.store) as connection,
    ):
        connection.execute(text("DELETE FROM allocations"))
    with (
        pytest.raises(sqlalchemy.exc.DatabaseError, match="stays used"),
        as_owner(world.store) as connection,
    ):
        connection.execute(update(randomization_list_entries).values(used_by_subject_id=None))
    assert len(_allocations(world)) == 1


def test_an_allocation_made_in_error_is_flagged_and_stays(world: TrialWorld) -> None:
    _generate(world)
    subject = _ready_subject(world, "SCR-E")
    arm = _randomize(world, subject)
    with pytest.raises(InputError, match="reason"):
        flag_allocation_error(
            world.store.new_randomization_uow(), as_user=world.investigator,
            subject_id=subject, reason=" ",
        )  # fmt: skip
    flag_allocation_error(
        world.store.new_randomization_uow(), as_user=world.investigator, subject_id=subject,
        reason="wrong patient selected in the list",
    )  # fmt: skip
    (allocation,) = _allocations(world)
    assert (allocation["arm"], allocation["is_error"]) == (arm, True)
    assert allocation["error_reason"] == "wrong patient selected in the list"
    report = balance_report(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    )
    assert (report.allocations, report.flagged_in_error) == (1, 1)
    with pytest.raises(StateError, match="already flagged"):
        flag_allocation_error(
            world.store.new_randomization_uow(), as_user=world.investigator,
            subject_id=subject, reason="again",
        )  # fmt: skip


def test_a_site_cannot_randomize_another_sites_subject(world: TrialWorld) -> None:
    _generate(world)
    subject = _ready_subject(world, "SCR-X")
    with pytest.raises(NotFoundError, match="not found"):
        randomize_subject(
            world.store.new_randomization_uow(),
            as_user=world.user(Role.SITE_COORDINATOR, SITE_B), subject_id=subject,
            stratification={"baseline_grade": 3},
        )  # fmt: skip


@pytest.mark.parametrize(
    "role", [Role.SITE_COORDINATOR, Role.INVESTIGATOR, Role.MONITOR, Role.DATA_MANAGER]
)
def test_no_site_or_review_role_reads_the_list_or_its_balance(
    world: TrialWorld, role: Role
) -> None:
    _generate(world)
    user = world.user(role)
    for read in (verify_randomization, export_list, balance_report):
        with pytest.raises(PermissionDeniedError):
            read(world.store.new_randomization_uow(), as_user=user)


def test_a_refusal_never_names_an_upcoming_arm(world: TrialWorld) -> None:
    _generate(world)
    arms = {arm for arm, _ in world.protocol.randomization.ratio}
    subject = _ready_subject(world, "SCR-R")
    messages = []
    for attempt in ({}, {"baseline_grade": "9"}):
        with pytest.raises(InputError) as refused:
            randomize_subject(
                world.store.new_randomization_uow(), as_user=world.coordinator,
                subject_id=subject if attempt else world.subject_id, stratification=attempt,
            )  # fmt: skip
        messages.append(refused.value.message)
    _randomize(world, subject)
    with pytest.raises(StateError) as again:
        _randomize(world, subject)
    messages.append(again.value.message)
    assert not [m for m in messages for arm in arms if arm in m]


def test_the_export_is_for_statistician_and_sponsor_admin_and_is_audited(
    world: TrialWorld,
) -> None:
    _generate(world, length=4)
    subject = _ready_subject(world, "SCR-X1")
    arm = _randomize(world, subject)
    for role in (Role.STATISTICIAN, Role.SPONSOR_ADMIN):
        rows = export_list(world.store.new_randomization_uow(), as_user=world.user(role))
        used = [r for r in rows if r.subject is not None]
        assert [(r.subject, r.arm, r.position) for r in used] == [("SCR-X1", arm, 1)]
        assert all(r.block_size in (2, 4) for r in rows)
    with world.store.new_uow() as uow:
        exports = [e for e in uow.audit.entries() if e.action == "export"]
    assert [e.username for e in exports] == ["statisticianall", "sponsoradminall"]


def test_balance_counts_by_arm_overall_per_stratum_and_per_site(world: TrialWorld) -> None:
    _generate(world)
    arms: Counter[str] = Counter()
    for n in range(5):
        arms[_randomize(world, _ready_subject(world, f"A{n}"), grade=2)] += 1
    for n in range(3):
        arms[_randomize(world, _ready_subject(world, f"B{n}", site=SITE_B), 4, site=SITE_B)] += 1
    dsmb = balance_report(world.store.new_randomization_uow(), as_user=world.user(Role.DSMB_VIEWER))
    assert dsmb.overall.counts == {arm: arms[arm] for arm, _ in world.protocol.randomization.ratio}
    assert [(s.group, s.total) for s in dsmb.by_site] == [(SITE_A, 5), (SITE_B, 3)]
    assert [s.total for s in dsmb.by_stratum] == [5, 3]
    # Permuted blocks of 2 and 4 never leave a stratum more than 2 apart.
    assert all(s.imbalance <= 2 for s in dsmb.by_stratum)
    assert dsmb.usage is None  # how far each list reaches is the statistician's
    usage = balance_report(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    ).usage
    assert usage is not None
    assert {(u.stratum, u.used) for u in usage if u.used} == {
        (f"site={SITE_A}/baseline_grade=II", 5), (f"site={SITE_B}/baseline_grade=III-IV", 3),
    }  # fmt: skip


def test_a_new_site_and_an_exhausted_stratum_are_extended_from_the_seed(
    world: TrialWorld,
) -> None:
    _generate(world, length=2)
    accounts.create_site(world.store.new_uow(), code="GZ03", name="New", as_user=None)
    accounts.grant_role(
        world.store.new_uow(), username="sitecoordinatorbj01", role="site_coordinator",
        site_code="GZ03", as_user=None,
    )  # fmt: skip
    world.users[(Role.SITE_COORDINATOR, "GZ03")] = world.coordinator
    accounts.grant_role(
        world.store.new_uow(), username="investigatorbj01", role="investigator",
        site_code="GZ03", as_user=None,
    )  # fmt: skip
    world.users[(Role.INVESTIGATOR, "GZ03")] = world.investigator
    for n in range(7):
        _randomize(world, _ready_subject(world, f"N{n}", site="GZ03"), grade=2, site="GZ03")
    for n in range(7):
        _randomize(world, _ready_subject(world, f"O{n}"), grade=2)
    report = verify_randomization(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    )
    assert report.discrepancies == ()
    assert report.allocations_checked == 14


def test_verify_names_a_tampered_list_entry(world: TrialWorld) -> None:
    _generate(world)
    _randomize(world, _ready_subject(world, "SCR-T"), grade=2)
    stratum = f"site={SITE_A}/baseline_grade=II"
    with as_owner(world.store) as connection:
        connection.execute(text("DROP TRIGGER list_entries_fixed" + (
            "" if connection.dialect.name == "sqlite" else " ON randomization_list_entries"
        )))  # fmt: skip
        connection.execute(
            update(randomization_list_entries)
            .where(
                randomization_list_entries.c.stratum == stratum,
                randomization_list_entries.c.position == 3,
            )
            .values(arm="tampered")
        )
    report = verify_randomization(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    )
    assert not report.ok
    assert report.discrepancies[0].startswith(f"{stratum} #3: arm is 'tampered'")


def test_verify_names_an_allocation_that_disagrees_with_the_list(world: TrialWorld) -> None:
    _generate(world)
    subject = _ready_subject(world, "SCR-D")
    arm = _randomize(world, subject, grade=2)
    other = next(a for a, _ in world.protocol.randomization.ratio if a != arm)
    with as_owner(world.store) as connection:
        connection.execute(text("DROP TRIGGER allocations_fixed" + (
            "" if connection.dialect.name == "sqlite" else " ON allocations"
        )))  # fmt: skip
        connection.execute(text(f"UPDATE allocations SET arm = '{other}'"))
    report = verify_randomization(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    )
    assert report.discrepancies == (
        f"site={SITE_A}/baseline_grade=II #1: subject SCR-D got {other!r}, list says {arm!r}",
    )


def test_minimization_keeps_its_counts_in_the_database_and_replays_from_the_seed(
    world: TrialWorld,
) -> None:
    spec = dataclasses.replace(
        world.protocol.randomization, method=RandomizationMethod.MINIMIZATION
    )
    _generate(world, spec=spec)
    grades = [2, 3, 4, 2, 3, 2, 4, 4, 2, 3]
    for n, grade in enumerate(grades):
        _randomize(world, _ready_subject(world, f"M{n}"), grade=grade)
    allocations = _allocations(world)
    with world.store.new_randomization_uow() as uow:
        (listing,) = uow.records.find("randomization_lists")
        cells = uow.randomization.minimization_counts(listing["id"])
    site_cells = {c["arm"]: c["count"] for c in cells if c["factor"] == "site"}
    assert site_cells == dict(Counter(a["arm"] for a in allocations))
    assert [a["position"] for a in allocations] == list(range(1, 11))
    assert verify_randomization(
        world.store.new_randomization_uow(), as_user=world.user(Role.STATISTICIAN)
    ).ok
