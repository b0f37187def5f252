"""Site time zones: set, cleared back to the protocol default, checked and audited."""

from __future__ import annotations

import pytest

from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, NotFoundError, PermissionDeniedError
from trialdesk.services.accounts import accounts, site_zones

PASSWORD = "Correct-Horse-42"


def _sites(store: Store) -> None:
    for code, name in (("BJ01", "Beijing"), ("SH01", "Shanghai")):
        accounts.create_site(store.new_uow(), code=code, name=name, as_user=None)


def test_a_site_follows_the_protocol_zone_until_it_sets_its_own(store: Store) -> None:
    _sites(store)
    zones = site_zones.load_site_zones(store.new_uow(), default="Asia/Shanghai")
    assert zones.by_site == {"BJ01": None, "SH01": None}
    assert zones.of_site("BJ01").key == "Asia/Shanghai"
    stored = site_zones.set_site_time_zone(
        store.new_uow(), code="BJ01", zone=" Europe/Berlin ", as_user=None
    )
    assert stored == "Europe/Berlin"
    zones = site_zones.load_site_zones(store.new_uow(), default="Asia/Shanghai")
    assert (zones.of_site("BJ01").key, zones.of_site("SH01").key) == (
        "Europe/Berlin", "Asia/Shanghai",
    )  # fmt: skip
    assert [s.time_zone for s in accounts.list_sites(store.new_uow())] == ["Europe/Berlin", None]
    assert (
        site_zones.set_site_time_zone(store.new_uow(), code="BJ01", zone="", as_user=None) is None
    )
    assert accounts.list_sites(store.new_uow())[0].time_zone is None


def test_a_zone_change_is_audited_with_old_and_new_value(store: Store) -> None:
    _sites(store)
    site_zones.set_site_time_zone(store.new_uow(), code="SH01", zone="Asia/Urumqi", as_user=None)
    with store.new_uow() as uow:
        last = list(uow.audit.entries())[-1]
    assert (last.action, last.entity, last.field) == (AuditAction.UPDATE, "sites", "time_zone")
    assert (last.old_value, last.new_value) == (None, '"Asia/Urumqi"')  # stored as JSON


def test_a_reader_of_one_site_reads_its_zone_and_a_study_wide_reader_the_default(
    store: Store,
) -> None:
    _sites(store)
    site_zones.set_site_time_zone(store.new_uow(), code="BJ01", zone="Europe/Berlin", as_user=None)
    zones = site_zones.load_site_zones(store.new_uow(), default="Asia/Shanghai")
    assert zones.of_reader(["BJ01"]).key == "Europe/Berlin"
    assert zones.of_reader(["BJ01", "BJ01"]).key == "Europe/Berlin"
    assert zones.of_reader([None]).key == "Asia/Shanghai"
    assert zones.of_reader(["BJ01", None]).key == "Asia/Shanghai"
    assert zones.of_reader(["BJ01", "SH01"]).key == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("code", "zone", "error", "field"),
    [("BJ01", "Mars/Olympus", InputError, "time_zone"), ("", "UTC", InputError, "code")],
)
def test_a_wrong_zone_or_no_site_is_refused_and_nothing_changes(
    store: Store, code: str, zone: str, error: type[InputError], field: str
) -> None:
    _sites(store)
    with pytest.raises(error) as refused:
        site_zones.set_site_time_zone(store.new_uow(), code=code, zone=zone, as_user=None)
    assert [e.field for e in refused.value.errors] == [field]
    assert [s.time_zone for s in accounts.list_sites(store.new_uow())] == [None, None]


def test_an_unknown_site_is_not_found(store: Store) -> None:
    _sites(store)
    with pytest.raises(NotFoundError, match="'XX01' not found"):
        site_zones.set_site_time_zone(store.new_uow(), code="XX01", zone="UTC", as_user=None)


def test_only_an_account_manager_sets_a_zone(store: Store) -> None:
    _sites(store)
    coordinator = accounts.create_user(
        store.new_uow(), username="coord.bj", full_name="Coordinator", password=PASSWORD,
        role="site_coordinator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        site_zones.set_site_time_zone(
            store.new_uow(), code="BJ01", zone="UTC", as_user=coordinator.id
        )
    assert accounts.list_sites(store.new_uow())[0].time_zone is None


def test_the_zone_of_a_subject_is_its_site_s_or_the_default(store: Store) -> None:
    from trialdesk.services.subjects import subjects

    _sites(store)
    coordinator = accounts.create_user(
        store.new_uow(), username="coord.sh", full_name="Coordinator", password=PASSWORD,
        role="site_coordinator", site_code="SH01", as_user=None, one_time_password=False,
    )  # fmt: skip
    subject = subjects.register_subject(
        store.new_uow(), as_user=coordinator.id, site_code="SH01", screening_number="SH01-S001"
    )
    site_zones.set_site_time_zone(store.new_uow(), code="SH01", zone="Asia/Urumqi", as_user=None)
    zone = site_zones.subject_time_zone(store.new_uow(), subject_id=subject.id, default="UTC")
    assert zone.key == "Asia/Urumqi"
    missing = site_zones.subject_time_zone(store.new_uow(), subject_id=999, default="UTC")
    assert missing.key == "UTC"
