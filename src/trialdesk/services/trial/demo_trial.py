"""The demo trial: staff, a randomization list and simulated patients, through the real services.

:func:`build_demo_trial` fills an empty database with a trial in progress: sites, site staff and
study roles with one-time passwords, the production randomization list (made by the
statistician), and virtual patients from the scenario (:mod:`trialdesk.simulation.demo_cohort`)
screened, randomized, treated, assessed and followed up by their journeys
(:mod:`trialdesk.services.trial.demo_journey`) over months of simulated calendar time that end now.

Every act runs as its use case, in its own transaction, at its simulated moment: the units of
work read a :class:`SimulatedClock` that the driver moves forward event by event, so nothing is
dated in the future and the audit trail grows in time order. The database is marked as a demo
(:mod:`trialdesk.services.trial.trial_settings`) so every page says DEMO.

The same seed gives the same trial (subjects, arms, measurements, events); only password hashes,
one-time passwords and the calendar's anchor (``end``) differ between runs.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol as StructuralType

import numpy as np

from trialdesk.domain.access import Role
from trialdesk.domain.errors import StateError
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts import accounts
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.randomization.randomization_lists import generate_list
from trialdesk.services.randomization.randomization_ports import RandomizationUnitOfWork
from trialdesk.services.trial.demo_journey import (
    AE_TERMS,
    DEATH_CAUSES,
    SCREEN_FAILURES,
    DemoContext,
    Journey,
    SiteStaff,
    patient_journey,
)
from trialdesk.services.trial.first_run import DEMO_SITES, generate_password
from trialdesk.services.trial.trial_settings import mark_demo_database
from trialdesk.simulation.demo_cohort import draw_cohort
from trialdesk.simulation.scenario import Scenario

__all__ = ["DemoAccount", "DemoTrial", "SimulatedClock", "build_demo_trial", "summarize_trial"]

#: Hospitals that play the scenario's sites, in order; the first ones are the first-run sites.
DEMO_HOSPITALS: tuple[tuple[str, str], ...] = (
    *DEMO_SITES,
    ("TJ01", "Tianjin demo hospital"),
    ("WH01", "Wuhan demo hospital"),
    ("CD01", "Chengdu demo hospital"),
)
#: Study-wide accounts: username, full name, role.
_STUDY_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("monitor", "Demo Monitor", Role.MONITOR),
    ("datamanager", "Demo Data Manager", Role.DATA_MANAGER),
    ("statistician", "Demo Statistician", Role.STATISTICIAN),
    ("dsmb", "Demo DSMB Member", Role.DSMB_VIEWER),
)
_ADMIN = ("admin", "Trial administrator", Role.SPONSOR_ADMIN)
#: Days after the last screening that the calendar runs on to "now".
_TAIL_DAYS = 42
_SETUP_DAYS = 14


class SimulatedClock:
    """A clock the demo moves forward; every unit of work of the demo store reads it."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def start_at(self, moment: dt.datetime) -> None:
        """Set the clock to the start of the demo's calendar, before anything is written."""
        self.current = moment

    def move_to(self, moment: dt.datetime) -> None:
        """Go forward to ``moment`` (never back: the audit trail stays in time order)."""
        self.current = max(self.current, moment)


class DemoStore(StructuralType):
    """What the demo needs of a store: its three unit-of-work factories (see ``Store``)."""

    @property
    def new_uow(self) -> Callable[[], UnitOfWork]: ...

    @property
    def new_read_uow(self) -> Callable[[], UnitOfWork]: ...

    @property
    def new_randomization_uow(self) -> Callable[[], RandomizationUnitOfWork]: ...


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """An account the demo created, with its one-time password (shown once, stored hashed)."""

    username: str
    role: str
    site: str | None
    password: str


@dataclass(frozen=True, slots=True)
class DemoTrial:
    """What was built: accounts and the trial's calendar; the counts are in the database."""

    accounts: tuple[DemoAccount, ...]
    sites: tuple[str, ...]
    screened: int
    first_screening: dt.date
    end: dt.datetime


def _refuse_if_not_empty(store: DemoStore) -> None:
    with store.new_read_uow() as uow:
        if uow.records.count("subjects") or uow.records.count("randomization_lists"):
            raise StateError(
                "this database already holds a trial; the demo fills only an empty database "
                "(give another --db)"
            )
        if uow.records.find("trial_settings", key="demo"):
            raise StateError("this database already holds a demo trial")


def _account(
    store: DemoStore,
    made: list[DemoAccount],
    username: str,
    name: str,
    role: Role,
    site: str | None,
) -> int:
    password = generate_password()
    user = accounts.create_user(
        store.new_uow(), username=username, full_name=name, password=password,
        role=role.value, site_code=site, as_user=None,
    )  # fmt: skip
    made.append(DemoAccount(username, role.value, site, password))
    return user.id


def _staff(
    store: DemoStore, site_count: int
) -> tuple[list[DemoAccount], tuple[SiteStaff, ...], dict[Role, int]]:
    """Sites (existing demo sites are reused), site staff and study-wide accounts."""
    if site_count > len(DEMO_HOSPITALS):
        extra = range(len(DEMO_HOSPITALS) + 1, site_count + 1)
        hospitals = [*DEMO_HOSPITALS, *((f"S{i:02d}", f"Demo hospital {i}") for i in extra)]
    else:
        hospitals = list(DEMO_HOSPITALS[:site_count])
    existing = {site.code for site in accounts.list_sites(store.new_uow())}
    with store.new_read_uow() as uow:
        taken = {row["username"] for row in uow.records.find("users")}
    made: list[DemoAccount] = []
    if _ADMIN[0] not in taken:
        _account(store, made, *_ADMIN, None)
    sites = []
    for code, name in hospitals:
        if code not in existing:
            accounts.create_site(store.new_uow(), code=code, name=name, as_user=None)
        key = code.lower()
        coordinator = _account(
            store, made, f"coord.{key}", f"Coordinator {code}", Role.SITE_COORDINATOR, code
        )
        full_name = f"Dr Investigator {code}"
        investigator = _account(store, made, f"inv.{key}", full_name, Role.INVESTIGATOR, code)
        sites.append(SiteStaff(code, coordinator, investigator, full_name, made[-1].password))
    study = {
        role: _account(store, made, user, name, role, None) for user, name, role in _STUDY_STAFF
    }
    return made, tuple(sites), study


class _Calendar:
    """Journeys waiting for their next moment, run in calendar order on the simulated clock."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self._order = itertools.count()
        self._queue: list[tuple[dt.datetime, int, Journey]] = []

    def spawn(self, journey: Journey) -> None:
        """Start a journey: it waits for the first moment it yields."""
        self._push(journey)

    def _push(self, journey: Journey) -> None:
        moment = next(journey, None)
        if moment is not None:
            # A moment already past (an event noticed late) happens now.
            heapq.heappush(self._queue, (max(moment, self.clock.now()), next(self._order), journey))

    def run_until(self, end: dt.datetime) -> None:
        """Run every act due by ``end``; acts due later do not happen (yet)."""
        while self._queue and self._queue[0][0] <= end:
            moment, _, journey = heapq.heappop(self._queue)
            self.clock.move_to(moment)
            self._push(journey)
        for _, _, journey in self._queue:
            journey.close()
        self._queue.clear()


def build_demo_trial(
    store: DemoStore,
    clock: SimulatedClock,
    *,
    protocol: Protocol,
    scenario: Scenario,
    subjects: int,
    seed: int,
    end: dt.datetime,
) -> DemoTrial:
    """Fill an empty database with a demo trial whose calendar ends at ``end`` (aware, UTC).

    Raises :class:`StateError` if the database already holds subjects, a randomization list or a
    demo; the refusal changes nothing.
    """
    _refuse_if_not_empty(store)
    arms = [code for code, _ in protocol.randomization.ratio]
    cohort = draw_cohort(
        scenario, arms, randomized=subjects, failure_reasons=len(SCREEN_FAILURES),
        death_causes=len(DEATH_CAUSES), ae_terms=len(AE_TERMS),
        rng=np.random.default_rng(np.random.SeedSequence(seed)),
    )  # fmt: skip
    last_screening = max(p.screening_day for p in cohort)
    day_zero = dt.datetime.combine(
        end.astimezone(dt.UTC).date() - dt.timedelta(days=last_screening + _TAIL_DAYS),
        dt.time(),
        tzinfo=dt.UTC,
    )
    clock.start_at(day_zero - dt.timedelta(days=_SETUP_DAYS, hours=-9))
    made, sites, study = _staff(store, len(scenario.accrual.site_weights))
    clock.move_to(day_zero - dt.timedelta(days=_SETUP_DAYS - 1, hours=-10))
    list_seed = int(np.random.SeedSequence(seed).generate_state(4, dtype=np.uint32)[0])
    generate_list(
        store.new_randomization_uow(), as_user=study[Role.STATISTICIAN],
        spec=protocol.randomization, seed=list_seed, length_per_stratum=8,
        trial_code=protocol.identification.nct_id,
    )  # fmt: skip
    mark_demo_database(
        store.new_uow(), as_user=None,
        description=f"demo trial: {subjects} simulated subjects, seed {seed}",
    )  # fmt: skip
    calendar = _Calendar(clock)
    context = DemoContext(
        new_uow=store.new_uow, new_read_uow=store.new_read_uow,
        new_randomization_uow=store.new_randomization_uow, protocol=protocol, sites=sites,
        monitor=study[Role.MONITOR], start=day_zero, spawn=calendar.spawn, forms_seed=seed,
    )  # fmt: skip
    for patient in cohort:
        calendar.spawn(patient_journey(context, patient))
    calendar.run_until(end)
    return DemoTrial(
        accounts=tuple(made),
        sites=tuple(s.code for s in sites),
        screened=sum(day_zero + dt.timedelta(days=p.screening_day, hours=8) <= end for p in cohort),
        first_screening=day_zero.date(),
        end=end,
    )


def summarize_trial(uow: UnitOfWork) -> dict[str, object]:
    """Counts a user checks the demo by: subjects by state, arms, records, queries, signatures."""
    with uow:
        states: dict[str, int] = {}
        for row in uow.records.find("subjects"):
            states[row["state"]] = states.get(row["state"], 0) + 1
        arms: dict[str, int] = {}
        for row in uow.records.find("allocations"):
            arms[row["arm"]] = arms.get(row["arm"], 0) + 1
        events = uow.records.find("adverse_events")
        return {
            "subjects_by_state": dict(sorted(states.items())),
            "randomized_by_arm": dict(sorted(arms.items())),
            "gvhd_assessments": uow.records.count("gvhd_assessments"),
            "form_records": uow.records.count("form_records"),
            "doses": uow.records.count("dose_administrations"),
            "adverse_events": len(events),
            "serious_adverse_events": sum(bool(e["serious"]) for e in events),
            "outcomes": uow.records.count("outcomes"),
            "queries": uow.records.count("queries"),
            "signatures": uow.records.count("signatures"),
        }
