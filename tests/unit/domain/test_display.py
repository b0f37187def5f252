"""Numbers, units, counts and site-local moments as pages print them."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import pytest

from trialdesk.domain.display import (
    count_of,
    local_moment,
    number,
    parse_local_moment,
    quantity,
    time_zone,
    unit_label,
    zone_name,
)
from trialdesk.domain.errors import InputError

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MIDNIGHT_UTC = dt.datetime(2026, 12, 5, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (72e6, "72 × 10⁶"),
        (6.5e7, "65 × 10⁶"),
        (1e6, "1 × 10⁶"),
        (1.5e9, "1.5 × 10⁹"),
        (123_456_789, "123.5 × 10⁶"),
        (999_999_999.9, "1 × 10⁹"),  # rounding carries into the next power of ten
        (20, "20"),
        (0.75, "0.75"),
        (65.5, "65.5"),
        (250_000, "250000"),
        (0, "0"),
        (-2e6, "-2 × 10⁶"),
    ],
)
def test_numbers_read_in_full_below_a_million_and_in_powers_of_a_thousand_above(
    value: float, expected: str
) -> None:
    assert number(value) == expected


def test_a_non_finite_number_is_shown_as_it_is() -> None:
    assert number(math.inf) == "inf"


def test_quantities_carry_their_printed_unit_and_a_missing_value_is_a_dash() -> None:
    assert quantity(72e6, "cells") == "72 × 10⁶ cells"
    assert quantity(34.2, "umol/L") == "34.2 µmol/L"
    assert quantity(20, "mg") == "20 mg"
    assert quantity(3, "") == "3"
    assert quantity(None, "mg") == "–"
    assert unit_label("mg/dL") == "mg/dL"


@pytest.mark.parametrize(("n", "expected"), [(0, "0 courses"), (1, "1 course"), (2, "2 courses")])
def test_counts_agree_with_their_noun(n: int, expected: str) -> None:
    assert count_of(n, "course") == expected


def test_an_irregular_plural_is_given_explicitly() -> None:
    assert count_of(2, "criterion", "criteria") == "2 criteria"


def test_a_stored_utc_moment_reads_in_the_site_zone_with_the_zone_named() -> None:
    assert local_moment(MIDNIGHT_UTC, SHANGHAI) == "2026-12-05 08:00 CST (Asia/Shanghai)"
    assert local_moment(MIDNIGHT_UTC, time_zone("UTC")) == "2026-12-05 00:00 UTC"
    naive = MIDNIGHT_UTC.replace(tzinfo=None)  # stored moments are UTC even when naive
    assert local_moment(naive, SHANGHAI, seconds=True) == "2026-12-05 08:00:00 CST (Asia/Shanghai)"


def test_a_zone_without_an_abbreviation_is_named_by_its_offset() -> None:
    kolkata_like = zoneinfo.ZoneInfo("Asia/Kathmandu")  # +05:45, abbreviated "+0545"
    assert local_moment(MIDNIGHT_UTC, kolkata_like) == (
        "2026-12-05 05:45 UTC+05:45 (Asia/Kathmandu)"
    )
    fixed = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert zone_name(fixed) == "UTC-03:00"


def test_daylight_saving_changes_the_named_zone() -> None:
    berlin = time_zone("Europe/Berlin")
    summer = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)
    assert local_moment(summer, berlin) == "2026-07-01 12:00 CEST (Europe/Berlin)"
    assert local_moment(MIDNIGHT_UTC, berlin) == "2026-12-05 01:00 CET (Europe/Berlin)"


def test_a_typed_wall_time_is_read_in_the_site_zone_and_stored_in_utc() -> None:
    assert parse_local_moment("2026-12-05T08:00", SHANGHAI, "aware_at") == MIDNIGHT_UTC
    assert parse_local_moment("2026-12-05 08:00", SHANGHAI, "aware_at") == MIDNIGHT_UTC
    # An explicit offset wins over the site's zone.
    assert parse_local_moment("2026-12-05T00:00+00:00", SHANGHAI, "aware_at") == MIDNIGHT_UTC


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "is required"),
        ("5 Dec", "'5 Dec' is not a date and time; use YYYY-MM-DD HH:MM, e.g. 2026-12-04 08:30"),
    ],
)
def test_a_wrong_wall_time_names_its_field_and_the_format(typed: str, message: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_local_moment(typed, SHANGHAI, "aware_at")
    assert [(e.field, e.message) for e in refused.value.errors] == [("aware_at", message)]


@pytest.mark.parametrize("name", ["Mars/Olympus", "", " Asia/Shanghai", "asia\x00"])
def test_a_time_zone_must_be_an_iana_name(name: str) -> None:
    with pytest.raises(InputError) as refused:
        time_zone(name, "sites.time_zone")
    (problem,) = refused.value.errors
    assert problem.field == "sites.time_zone"
    assert "is not a time zone" in problem.message


def test_a_known_zone_is_returned_as_a_zoneinfo() -> None:
    assert time_zone("Asia/Shanghai") == SHANGHAI
