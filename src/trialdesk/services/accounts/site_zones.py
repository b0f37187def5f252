"""The time zone each site reads its times in: a site setting over the protocol's default.

Times are stored in UTC everywhere; a site's zone only decides how pages show them and how a
typed wall-clock time (an AE's awareness time) is turned back into UTC. ``sites.time_zone`` is
``NULL`` while the site follows the protocol's ``time_zone``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from trialdesk.domain.access import Action
from trialdesk.domain.display import time_zone
from trialdesk.domain.errors import InputError, NotFoundError
from trialdesk.services.accounts.access import load_actor, require_action_anywhere
from trialdesk.services.clinical.recording import update_audited
from trialdesk.services.ports import UnitOfWork

__all__ = [
    "SiteZones",
    "load_site_zones",
    "set_site_time_zone",
    "subject_time_zone",
    "zone_of_subject",
]


@dataclass(frozen=True, slots=True)
class SiteZones:
    """Every site's zone (``None`` = the default) and the protocol's default zone."""

    default: str
    by_site: Mapping[str, str | None]

    def of_site(self, site_code: str | None) -> zoneinfo.ZoneInfo:
        """The zone a site's records are shown in (the default for an unknown or no site)."""
        own = self.by_site.get(site_code) if site_code is not None else None
        return time_zone(own or self.default)

    def of_reader(self, site_codes: Iterable[str | None]) -> zoneinfo.ZoneInfo:
        """A reader's zone for times that belong to no site (their tokens, account events).

        Someone who works at exactly one site reads in that site's zone; a study-wide reader,
        or one working at several sites, reads in the protocol's default zone.
        """
        codes = list(site_codes)
        sites = {code for code in codes if code is not None}
        study_wide = any(code is None for code in codes)
        if len(sites) == 1 and not study_wide:
            return self.of_site(next(iter(sites)))
        return time_zone(self.default)


def load_site_zones(uow: UnitOfWork, *, default: str) -> SiteZones:
    """Each site's own zone (or ``None``) next to the protocol's default."""
    with uow:
        return SiteZones(default, {r["code"]: r["time_zone"] for r in uow.records.find("sites")})


def set_site_time_zone(
    uow: UnitOfWork, *, code: str, zone: str | None, as_user: int | None
) -> str | None:
    """Set (or, with ``None``/empty, clear back to the protocol default) a site's time zone.

    The name is checked against the IANA database (``zoneinfo``), so a typo never reaches a page.
    Returns the stored value. Audited like every account change.
    """
    if not code.strip():
        raise InputError.single("code", "choose a site")
    stored = zone.strip() if zone is not None and zone.strip() else None
    if stored is not None:
        time_zone(stored)
    with uow:
        actor = load_actor(uow, as_user)
        require_action_anywhere(actor, Action.MANAGE_ACCOUNTS)
        found = uow.records.find("sites", code=code)
        if not found:
            raise NotFoundError(f"site {code!r} not found")
        update_audited(
            uow, actor, "sites", found[0], {"time_zone": stored}, reason=None, subject_id=None,
            require_reason_for_change=False,
        )  # fmt: skip
        uow.commit()
    return stored


def subject_time_zone(uow: UnitOfWork, *, subject_id: int, default: str) -> zoneinfo.ZoneInfo:
    """The zone of the subject's site, for reading a wall-clock time typed for that subject.

    Only the zone is read (no clinical data), so no access check is made here: the use case the
    time is for checks the user's access to the subject itself. An unknown subject gets the
    default zone and is then refused by that use case.
    """
    with uow:
        return zone_of_subject(uow, subject_id, default)


def zone_of_subject(uow: UnitOfWork, subject_id: int, default: str) -> zoneinfo.ZoneInfo:
    """:func:`subject_time_zone` inside the caller's open unit of work (the site's own zone, or
    ``default``, the protocol's)."""
    subject = uow.records.get("subjects", subject_id)
    site = uow.records.get("sites", subject["site_id"]) if subject is not None else None
    own = site["time_zone"] if site is not None else None
    return time_zone(own or default)
