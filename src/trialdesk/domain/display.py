"""Numbers, units, counts and moments written for people: one helper for every page and report.

Stored values stay as they are (floats, codes, UTC instants); these functions only decide how they
read: ``72 × 10⁶ cells`` rather than ``7.200e+7 cells``, ``µmol/L`` rather than ``umol/L``,
``1 course`` / ``2 courses``, and a UTC instant in a site's own time zone with the zone named.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

from trialdesk.domain.errors import InputError

__all__ = [
    "DATE_HINT",
    "MOMENT_HINT",
    "count_of",
    "local_moment",
    "number",
    "parse_local_moment",
    "quantity",
    "time_zone",
    "unit_label",
    "zone_name",
]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Units as they are typed or stored (ASCII) → as they are printed.
_UNITS = {"umol/L": "µmol/L", "umol/l": "µmol/L", "ug": "µg", "uL": "µL", "10^9/L": "× 10⁹/L"}
#: Below this a number is written out in full; from it on as ``mantissa × 10ⁿ`` (n a multiple of 3).
_SCIENTIFIC_FROM = 1e6

#: How a date is typed, said in every date error.
DATE_HINT = "use YYYY-MM-DD, e.g. 2026-12-04"
#: How a date and time is typed, said in every date-time error.
MOMENT_HINT = "use YYYY-MM-DD HH:MM, e.g. 2026-12-04 08:30"


def number(value: float) -> str:
    """``20``, ``0.75``, ``65.5``, ``72 × 10⁶``: at most 4 significant digits for large values.

    Large counts (cells) use powers of ten in steps of three, the way doses are prescribed
    (``1 × 10⁶ cells/kg``), so two doses compare at a glance.
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0 or abs(value) < _SCIENTIFIC_FROM:
        text = f"{value:.6g}"
        return text if "e" not in text else f"{value:.3g}"
    exponent = 3 * math.floor(math.log10(abs(value)) / 3)
    mantissa = round(value / 10**exponent, 3)
    if abs(mantissa) >= 1000:  # rounding carried over to the next power
        mantissa, exponent = mantissa / 1000, exponent + 3
    return f"{mantissa:.4g} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def unit_label(unit: str) -> str:
    """A unit as printed: ``umol/L`` → ``µmol/L``; units without a special form are unchanged."""
    return _UNITS.get(unit, unit)


def quantity(value: float | None, unit: str = "") -> str:
    """A value with its unit (``72 × 10⁶ cells``, ``1.2 µmol/L``); ``–`` when there is none."""
    if value is None:
        return "–"
    shown = unit_label(unit)
    return f"{number(value)} {shown}" if shown else number(value)


def count_of(n: int, singular: str, plural: str | None = None) -> str:
    """``1 course``, ``2 courses``, ``0 courses`` (irregular plurals passed explicitly)."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def time_zone(name: str, field: str = "time_zone") -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (``Asia/Shanghai``); anything else is an error on ``field``."""
    text = name.strip()
    try:
        if not text or text != name or "\x00" in text:
            raise ValueError(name)
        return zoneinfo.ZoneInfo(text)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise InputError.single(
            field, f"{name!r} is not a time zone; use an IANA name such as Asia/Shanghai or UTC"
        ) from None


def zone_name(moment: dt.datetime) -> str:
    """The zone abbreviation of an aware moment, or ``UTC+08:00`` when the zone has none."""
    abbreviation = moment.tzname() or ""
    if abbreviation and abbreviation[0] not in "+-":
        return abbreviation
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_moment(moment: dt.datetime, zone: zoneinfo.ZoneInfo, *, seconds: bool = False) -> str:
    """A stored UTC instant as read at a site: ``2026-12-05 08:00 CST (Asia/Shanghai)``.

    The zone is always named, so a reader comparing two sites' times is never misled; a naive
    moment is taken to be UTC (the way every time is stored).
    """
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    local = aware.astimezone(zone)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if zone.key == "UTC":
        return f"{shown} UTC"
    return f"{shown} {zone_name(local)} ({zone.key})"


def parse_local_moment(text: str, zone: zoneinfo.ZoneInfo, field: str) -> dt.datetime:
    """A typed date and time: with an offset as given, without one in the site's ``zone``; in UTC.

    ``2026-12-05 08:00`` at an Asia/Shanghai site is ``2026-12-05 00:00 UTC``. A wall time that
    does not exist or is ambiguous (a daylight-saving change) is taken as ``fold=0``, the earlier
    reading, which only matters in zones that change their clocks.
    """
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        message = "is required" if not raw else f"{raw!r} is not a date and time; {MOMENT_HINT}"
        raise InputError.single(field, message) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.UTC)
