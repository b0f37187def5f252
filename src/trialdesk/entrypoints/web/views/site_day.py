"""Today on the calendar of a subject's site: the default and the latest date of date fields.

The services judge "after today" on the site's calendar (a Beijing site's morning is still
yesterday in UTC), so the forms offer and allow the same day.
"""

from __future__ import annotations

import datetime as dt

from trialdesk.entrypoints.api.context import AppContext
from trialdesk.services.accounts import site_zones

__all__ = ["site_today"]


def site_today(context: AppContext, subject_id: int, now: dt.datetime) -> dt.date:
    """``now`` as a date in the zone of the subject's site (the protocol's zone by default)."""
    zone = site_zones.subject_time_zone(
        context.store.new_read_uow(), subject_id=subject_id, default=context.protocol.time_zone
    )
    return now.astimezone(zone).date()
