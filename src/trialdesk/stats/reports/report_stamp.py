"""What every page of a report carries besides its content: when it was generated (UTC and the
trial's time zone) and who signs it at the end."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trialdesk.stats.reports.groups import ReportKind

__all__ = ["approval_roles", "generation_stamp"]


def generation_stamp(generated_at: dt.datetime | None, time_zone: str) -> str:
    """ "2026-03-02 08:15 UTC (16:15 Asia/Shanghai)"; the trial's zone is left out when it is
    UTC or unknown to this system. A naive ``generated_at`` is taken as UTC."""
    moment = generated_at or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    utc = moment.astimezone(dt.UTC)
    text = f"{utc:%Y-%m-%d %H:%M} UTC"
    if time_zone and time_zone.upper() != "UTC":
        try:
            local = utc.astimezone(ZoneInfo(time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            return text
        text += f" ({local:%Y-%m-%d %H:%M} {time_zone})"
    return text


def approval_roles(kind: ReportKind) -> list[str]:
    """Who signs the report: the trial statistician, and the DSMB chair for a DSMB report or the
    sponsor's representative for the final report."""
    second = "Sponsor representative" if kind is ReportKind.FINAL else "DSMB chair"
    return ["Trial statistician", second]
