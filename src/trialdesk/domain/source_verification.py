"""Which records need source data verification (SDV), and how far it has got.

The protocol's SDV plan names the record kinds verified for every subject (``full``: e.g.
eligibility, consent, primary-endpoint assessments and serious adverse events) and a sample of
subjects, per site, whose other records are verified too. The sample is drawn from a hash of
trial, site and subject code rather than a random generator, so the same subjects are sampled on
every run, on every machine, and adding subjects never reshuffles the ones already drawn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from trialdesk.domain.audit import audit_value, record_fingerprint

__all__ = [
    "CASEBOOK_TABLES",
    "PRIMARY_ENDPOINT_ASSESSMENTS",
    "SERIOUS_ADVERSE_EVENTS",
    "SdvPlan",
    "SdvProgress",
    "casebook_fingerprint",
    "changed_paths",
    "field_fingerprint",
    "field_value",
    "in_sample",
    "requires_sdv",
]

#: Plan names for record kinds that are only a part of a table.
PRIMARY_ENDPOINT_ASSESSMENTS = "primary_endpoint_assessments"
SERIOUS_ADVERSE_EVENTS = "serious_adverse_events"

#: The clinical record tables that make up a subject's casebook (what SDV and sign-off cover).
CASEBOOK_TABLES: tuple[str, ...] = (
    "screening_records",
    "consents",
    "visits",
    "dose_administrations",
    "gvhd_assessments",
    "adverse_events",
    "therapies",
    "outcomes",
    "form_records",
)

#: Tables a plan may name, and the pseudo-kinds above.
SDV_TABLES: frozenset[str] = frozenset(
    {*CASEBOOK_TABLES, PRIMARY_ENDPOINT_ASSESSMENTS, SERIOUS_ADVERSE_EVENTS}
)


@dataclass(frozen=True, slots=True)
class SdvPlan:
    """The protocol's SDV plan: kinds verified for everyone, and the sampled share of subjects.

    ``sample_unit`` is "subject" (a sampled subject has all their records verified) and
    ``sample_per`` "site" (the fraction holds within each site); both are the only values the
    protocol format accepts today, kept explicit so the plan reads as the protocol states it.
    """

    trial: str = ""
    full: tuple[str, ...] = ()
    sample_fraction: float = 0.0
    sample_unit: str = "subject"
    sample_per: str = "site"


def in_sample(plan: SdvPlan, site_code: str, subject_code: str) -> bool:
    """Whether the subject falls in the plan's sample (deterministic: a hash, not a dice)."""
    if plan.sample_fraction <= 0:
        return False
    if plan.sample_fraction >= 1:
        return True
    digest = hashlib.sha256(f"{plan.trial}|{site_code}|{subject_code}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return draw < plan.sample_fraction


def _kinds_of(table: str, record: Mapping[str, Any], primary_visits: Collection[str]) -> set[str]:
    kinds = {table}
    if table == "gvhd_assessments" and record.get("visit_code") in primary_visits:
        kinds.add(PRIMARY_ENDPOINT_ASSESSMENTS)
    if table == "adverse_events" and record.get("serious") is True:
        kinds.add(SERIOUS_ADVERSE_EVENTS)
    return kinds


def requires_sdv(
    plan: SdvPlan,
    table: str,
    record: Mapping[str, Any],
    subject_code: str,
    site_code: str,
    primary_visits: Collection[str],
) -> bool:
    """Whether the plan requires this record to be verified against source.

    Primary-endpoint assessments are GVHD assessments at one of ``primary_visits`` (the baseline
    and the primary endpoint's visit); serious adverse events are adverse events with
    ``serious`` true. Every record of a sampled subject is required.
    """
    if table not in SDV_TABLES:
        return False
    if _kinds_of(table, record, primary_visits) & set(plan.full):
        return True
    return in_sample(plan, site_code, subject_code)


@dataclass(frozen=True, slots=True)
class SdvProgress:
    """Verified share of the required records (of a site, or of the study)."""

    required: int
    verified: int

    @property
    def percent(self) -> int:
        """Whole percent verified, rounded down (100 only when everything is); 100 if none due."""
        if self.required == 0:
            return 100
        return self.verified * 100 // self.required

    def __add__(self, other: SdvProgress) -> SdvProgress:
        return SdvProgress(self.required + other.required, self.verified + other.verified)


_MISSING = object()


def field_value(record: Mapping[str, Any], path: str) -> object:
    """The value at a dotted field path (``measurements.skin_bsa_pct``); None if absent."""
    column, _, entry = path.partition(".")
    value = record.get(column)
    if entry:
        return value.get(entry) if isinstance(value, Mapping) else None
    return value


def field_fingerprint(path: str, value: object) -> str:
    """SHA-256 of one field's value, bound to its path: what a field-level SDV mark verified."""
    text = f"{path}={audit_value(value)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changed_paths(
    paths: Collection[str | None], diff: Mapping[str, tuple[object, object]]
) -> list[str | None]:
    """The SDV mark paths a change touches: a whole-form mark (None) by any change, a column's
    by a change of the column, a structured entry's only when that entry's value changed."""
    touched: list[str | None] = []
    for path in paths:
        if path is None:
            if diff:
                touched.append(path)
            continue
        column, _, entry = path.partition(".")
        if column not in diff:
            continue
        old, new = diff[column]
        if entry:
            before = old.get(entry, _MISSING) if isinstance(old, Mapping) else _MISSING
            after = new.get(entry, _MISSING) if isinstance(new, Mapping) else _MISSING
            if before == after:
                continue
        touched.append(path)
    return touched


def casebook_fingerprint(records: Mapping[str, Collection[Mapping[str, Any]]]) -> str:
    """SHA-256 over the fingerprints of every live record of a casebook, table by table, in id
    order: a casebook signature is bound to exactly this content (21 CFR 11.70)."""
    parts = [
        f"{table}:{record['id']}:{record_fingerprint(table, record)}"
        for table in sorted(records)
        for record in sorted(records[table], key=lambda r: int(r["id"]))
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
