"""A small trial for database tests: two sites, one user per role, one subject at site A."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from db_fixtures import allow_quick_sign_in
from trialdesk.bootstrap import Store, load_protocol
from trialdesk.domain.access import Role
from trialdesk.domain.protocol import Protocol
from trialdesk.services.accounts import accounts
from trialdesk.services.subjects import subjects

PASSWORD = "Correct-Horse-42"
SITE_A, SITE_B = "BJ01", "SH02"
#: Roles granted per site; the others are study-wide.
SITE_SCOPED = (Role.SITE_COORDINATOR, Role.INVESTIGATOR, Role.MONITOR, Role.DATA_MANAGER)
TODAY = dt.date(2026, 3, 2)

ELIGIBLE_ANSWERS: dict[str, object] = {
    "age_years": 45,
    "anc_10e9_per_l": 1.5,
    "creatinine_x_uln": 1.0,
    "active_infection": False,
    "pregnant_nursing_or_planning": False,
    "confirmed_sr_agvhd": True,
    "consent_signed": True,
    "treatment_tolerable": True,
    "primary_disease_controlled": True,
    "no_multiorgan_dysfunction": True,
    "suitable_for_study": True,
}

BASELINE_MEASUREMENTS: dict[str, object] = {
    "skin_bsa_pct": 30.0,
    "bilirubin": 4.0,
    "bilirubin_unit": "mg/dL",
    "stool_ml_per_day": 800.0,
}


@dataclass
class TrialWorld:
    store: Store
    protocol: Protocol
    #: user id by (role, site code or None for study-wide)
    users: dict[tuple[Role, str | None], int] = field(default_factory=dict)
    subject_id: int = 0

    def user(self, role: Role, site: str | None = SITE_A) -> int:
        return self.users[(role, site if role in SITE_SCOPED else None)]

    @property
    def coordinator(self) -> int:
        return self.user(Role.SITE_COORDINATOR)

    @property
    def investigator(self) -> int:
        return self.user(Role.INVESTIGATOR)

    def count(self, table: str) -> int:
        with self.store.new_uow() as uow:
            return uow.records.count(table)


def build_world(store: Store) -> TrialWorld:
    world = TrialWorld(store=store, protocol=load_protocol())
    allow_quick_sign_in(store)
    for code in (SITE_A, SITE_B):
        accounts.create_site(store.new_uow(), code=code, name=f"Hospital {code}", as_user=None)
    for role in Role:
        sites: tuple[str | None, ...] = (SITE_A, SITE_B) if role in SITE_SCOPED else (None,)
        for site in sites:
            username = f"{role.value.replace('_', '')}{(site or 'all').lower()}"
            user = accounts.create_user(
                store.new_uow(), username=username, full_name=f"Dr {username.title()}",
                password=PASSWORD, role=role.value, site_code=site, as_user=None,
                one_time_password=False,
            )  # fmt: skip
            world.users[(role, site)] = user.id
    subject = subjects.register_subject(
        store.new_uow(), as_user=world.coordinator, site_code=SITE_A, screening_number="SCR-001"
    )
    world.subject_id = subject.id
    return world
