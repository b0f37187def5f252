"""The trial database schema as SQLAlchemy Core tables (one metadata for both engines).

Migrations are the source of truth for existing databases; this module mirrors the latest
migration so repositories can build statements. Every timestamp is stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = ["LOGICALLY_DELETED", "TABLES", "UtcDateTime", "metadata"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every engine (SQLite keeps no offset, so UTC is implied there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database; timestamps must be aware")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _subject_fk() -> Column[int]:
    return Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False, index=True)


def _deleted() -> list[Column[Any]]:
    """A record a site entered is deleted logically: the row stays, marked, with its reason."""
    return [
        Column("deleted_at", UtcDateTime, nullable=True),
        Column("deleted_by", Integer, ForeignKey("users.id"), nullable=True),
        Column("deleted_reason", Text, nullable=True),
    ]


def _created() -> list[Column[Any]]:
    return [
        Column("created_at", UtcDateTime, nullable=False),
        Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    ]


sites = Table(
    "sites",
    metadata,
    _id(),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # IANA zone name in which the site's people read times; NULL: the protocol's default.
    Column("time_zone", String(64), nullable=True),
    *_created(),
)

users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("password_changed_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", Integer, nullable=True),
    # Migration 0010: a one-time password must be changed at the next sign-in; the TOTP secret
    # (confirmed once a first code matched) and the last time step used, refused if replayed.
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("totp_secret", String(64), nullable=True),
    Column("totp_confirmed_at", UtcDateTime, nullable=True),
    Column("totp_last_step", BigInteger, nullable=True),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    _id(),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("role", String(32), nullable=False),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=True),
    Column("is_active", Boolean, nullable=False),
    *_created(),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    # The sign-in step still to pass (two_factor, change_password, enrol_two_factor) or NULL.
    Column("pending_step", String(32), nullable=True),
)

# Single-use two-factor recovery codes, stored as SHA-256 hashes (migration 0010).
recovery_codes = Table(
    "recovery_codes",
    metadata,
    _id(),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)

subjects = Table(
    "subjects",
    metadata,
    _id(),
    Column("screening_number", String(32), nullable=False, unique=True),
    Column("subject_code", String(32), nullable=True, unique=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False, index=True),
    Column("state", String(32), nullable=False),
    Column("birth_year", Integer, nullable=True),
    Column("sex", String(8), nullable=True),
    *_created(),
)

screening_records = Table(
    "screening_records",
    metadata,
    _id(),
    _subject_fk(),
    Column("screened_on", Date, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("criteria_results", JSON, nullable=False),
    Column("eligible", Boolean, nullable=False),
    *_deleted(),
    *_created(),
)

consents = Table(
    "consents",
    metadata,
    _id(),
    _subject_fk(),
    Column("consented_on", Date, nullable=False),
    Column("form_version", String(32), nullable=False),
    Column("obtained_by", String(200), nullable=False),
    *_deleted(),
    *_created(),
)

visits = Table(
    "visits",
    metadata,
    _id(),
    _subject_fk(),
    Column("visit_code", String(32), nullable=False),
    Column("visit_date", Date, nullable=False),
    *_deleted(),
    *_created(),
)

dose_administrations = Table(
    "dose_administrations",
    metadata,
    _id(),
    _subject_fk(),
    Column("product", String(32), nullable=False),
    Column("administered_on", Date, nullable=False),
    Column("weight_kg", Float, nullable=True),
    Column("dose_value", Float, nullable=False),
    Column("dose_unit", String(32), nullable=False),
    Column("planned_dose_value", Float, nullable=True),
    *_deleted(),
    *_created(),
)

gvhd_assessments = Table(
    "gvhd_assessments",
    metadata,
    _id(),
    _subject_fk(),
    Column("assessed_on", Date, nullable=False),
    Column("measurements", JSON, nullable=False),
    Column("skin_stage", Integer, nullable=False),
    Column("liver_stage", Integer, nullable=False),
    Column("upper_gi_stage", Integer, nullable=False),
    Column("lower_gi_stage", Integer, nullable=False),
    Column("grade", Integer, nullable=False),
    Column("response", String(8), nullable=True),
    Column("grading_system", String(32), nullable=False),
    Column("response_rule_set", String(32), nullable=True),
    Column("rules_version", String(64), nullable=False),
    # The visit the user entered the assessment for; NULL for records saved before 0005.
    Column("visit_code", String(32), nullable=True),
    *_deleted(),
    *_created(),
    # Migration 0007: additional systemic GVHD therapy since the last assessment (an
    # intercurrent event), and per-organ attribution (biopsy, alternative causes considered).
    Column("additional_therapy", Boolean, nullable=True),
    Column("additional_therapy_names", String(200), nullable=True),
    Column("attribution", JSON, nullable=True),
)

adverse_events = Table(
    "adverse_events",
    metadata,
    _id(),
    _subject_fk(),
    Column("term", String(200), nullable=False),
    Column("ctcae_grade", Integer, nullable=False),
    Column("onset_on", Date, nullable=False),
    Column("aware_at", UtcDateTime, nullable=False),
    Column("seriousness_criteria", JSON, nullable=False),
    Column("serious", Boolean, nullable=False),
    Column("related_to", JSON, nullable=False),
    Column("expected", Boolean, nullable=False),
    Column("derived", JSON, nullable=False),
    *_deleted(),
    *_created(),
    # Follow-up (migration 0006): the current outcome (NULL in older rows: read ``derived``),
    # the end date, and when each expedited report was sent (a date stops the matching clock).
    Column("outcome", String(32), nullable=True),
    Column("resolved_on", Date, nullable=True),
    Column("reported_to_sponsor_at", UtcDateTime, nullable=True),
    Column("reported_to_regulator_at", UtcDateTime, nullable=True),
    Column("follow_up_to_regulator_at", UtcDateTime, nullable=True),
    Column("reported_to_ethics_committee_at", UtcDateTime, nullable=True),
    # CTCAE v5.0 coding (migration 0012): the term's MedDRA code and system organ class; NULL in
    # rows saved before coding (their text stays, uncoded).
    Column("meddra_code", Integer, nullable=True),
    Column("soc", String(100), nullable=True),
)

# One row per follow-up report of an adverse event, numbered from 1 (migration 0006).
adverse_event_follow_ups = Table(
    "adverse_event_follow_ups",
    metadata,
    _id(),
    Column("adverse_event_id", Integer, ForeignKey("adverse_events.id"), nullable=False),
    _subject_fk(),
    Column("follow_up_number", Integer, nullable=False),
    # When the site learnt the new information: a clock the follow-up starts runs from here.
    Column("reported_at", UtcDateTime, nullable=False),
    # {field: [old, new]} of what the follow-up changed in the event.
    Column("changes", JSON, nullable=False),
    Column("narrative", Text, nullable=True),
    *_created(),
    UniqueConstraint(
        "adverse_event_id", "follow_up_number", name="uq_adverse_event_follow_up_number"
    ),
)

therapies = Table(
    "therapies",
    metadata,
    _id(),
    _subject_fk(),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("stopped_on", Date, nullable=True),
    Column("indication", String(200), nullable=True),
    *_deleted(),
    *_created(),
)

outcomes = Table(
    "outcomes",
    metadata,
    _id(),
    _subject_fk(),
    Column("kind", String(32), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("cause", String(200), nullable=True),
    Column("details", Text, nullable=True),
    *_deleted(),
    *_created(),
)

# One row per saved protocol-declared form (migration 0007): ``record_date`` is the value of the
# form's ``date_field``; ``values`` the validated fields; ``derived`` what the domain derived.
form_records = Table(
    "form_records",
    metadata,
    _id(),
    _subject_fk(),
    Column("form", String(64), nullable=False),
    Column("visit_code", String(32), nullable=True),
    Column("record_date", Date, nullable=False),
    Column("values", JSON, nullable=False),
    Column("derived", JSON, nullable=False),
    *_deleted(),
    *_created(),
)

queries = Table(
    "queries",
    metadata,
    _id(),
    _subject_fk(),
    Column("entity", String(64), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("field", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    # NULL when a person raised it; "edit_check:<code>" for a confirmed soft edit check.
    Column("origin", String(64), nullable=True),
    *_created(),
    # Migration 0011: the role expected to act next ("site", "monitor", "data_manager"; NULL in
    # older rows: the site while open, the raiser once answered), and when the status last
    # changed, from which a query's age in its current status is counted.
    Column("assigned_role", String(32), nullable=True),
    Column("status_changed_at", UtcDateTime, nullable=True),
)

query_messages = Table(
    "query_messages",
    metadata,
    _id(),
    Column("query_id", Integer, ForeignKey("queries.id"), nullable=False, index=True),
    Column("body", Text, nullable=False),
    *_created(),
)

signatures = Table(
    "signatures",
    metadata,
    _id(),
    _subject_fk(),
    Column("entity", String(64), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("printed_name", String(200), nullable=False),
    Column("meaning", String(200), nullable=False),
    Column("signed_at", UtcDateTime, nullable=False),
    Column("record_hash", String(64), nullable=False),
    Column("is_valid", Boolean, nullable=False),
    Column("invalidated_at", UtcDateTime, nullable=True),
)

# A lock on a form (``entity`` = its table, ``entity_id`` = the record), a subject (``subjects``,
# the subject's id), a site (``sites``, the site's id; no subject) or the study (``study``, 0; no
# subject). Migration 0011 made ``subject_id`` optional for those and added the locker's reason.
locks = Table(
    "locks",
    metadata,
    _id(),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=True, index=True),
    Column("entity", String(64), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("locked_at", UtcDateTime, nullable=False),
    Column("locked_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("unlocked_at", UtcDateTime, nullable=True),
    Column("unlocked_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("unlock_reason", Text, nullable=True),
    Column("lock_reason", Text, nullable=True),
)

# Source data verification (migration 0011): a monitor's mark that a form (``field`` NULL) or one
# of its fields (``field`` = the field's path, e.g. ``measurements.skin_bsa_pct``) agrees with the
# source documents. ``verified_hash`` is the fingerprint of what was verified (the record, or the
# field's value); a later correction of it resets the mark (``reset_at`` and the reason).
sdv_marks = Table(
    "sdv_marks",
    metadata,
    _id(),
    _subject_fk(),
    Column("entity", String(64), nullable=False),
    Column("entity_id", Integer, nullable=False),
    Column("field", String(64), nullable=True),
    Column("verified_hash", String(64), nullable=False),
    Column("verified_at", UtcDateTime, nullable=False),
    Column("verified_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("reset_at", UtcDateTime, nullable=True),
    Column("reset_reason", Text, nullable=True),
    Index("ix_sdv_marks_entity_entity_id", "entity", "entity_id"),
)

# Allocation tables: created here, filled by the randomization use cases.
randomization_lists = Table(
    "randomization_lists",
    metadata,
    _id(),
    Column("list_code", String(64), nullable=False, unique=True),
    Column("is_production", Boolean, nullable=False),
    Column("seed_hash", String(64), nullable=False),
    Column("method", String(32), nullable=False),
    *_created(),
)

randomization_list_entries = Table(
    "randomization_list_entries",
    metadata,
    _id(),
    Column("list_id", Integer, ForeignKey("randomization_lists.id"), nullable=False),
    Column("stratum", String(128), nullable=False),
    Column("position", Integer, nullable=False),
    Column("block_number", Integer, nullable=False),
    Column("block_size", Integer, nullable=False),
    Column("arm", String(32), nullable=False),
    Column("used_by_subject_id", Integer, ForeignKey("subjects.id"), nullable=True),
    UniqueConstraint("list_id", "stratum", "position", name="uq_list_entries_position"),
)

allocations = Table(
    "allocations",
    metadata,
    _id(),
    _subject_fk(),
    Column("list_id", Integer, ForeignKey("randomization_lists.id"), nullable=True),
    Column("stratum", String(128), nullable=False),
    Column("position", Integer, nullable=True),
    Column("arm", String(32), nullable=False),
    Column("allocated_at", UtcDateTime, nullable=False),
    Column("allocated_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("is_error", Boolean, nullable=False),
    Column("error_reason", Text, nullable=True),
)

minimization_state = Table(
    "minimization_state",
    metadata,
    _id(),
    Column("list_id", Integer, ForeignKey("randomization_lists.id"), nullable=True),
    Column("factor", String(64), nullable=False),
    Column("level", String(64), nullable=False),
    Column("arm", String(32), nullable=False),
    Column("count", Integer, nullable=False),
    UniqueConstraint("list_id", "factor", "level", "arm", name="uq_minimization_cell"),
)

audit_trail = Table(
    "audit_trail",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("occurred_at", String(40), nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("username", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64), nullable=True),
    Column("field", String(64), nullable=True),
    Column("old_value", Text, nullable=True),
    Column("new_value", Text, nullable=True),
    Column("reason", Text, nullable=True),
    Column("subject_id", Integer, nullable=True, index=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    # Migration 0008: HMAC-SHA256 of ``hash`` under the audit key; NULL when written without one.
    Column("seal", String(64), nullable=True),
)

# Trial-wide settings as key/value rows (migration 0004); ``demo`` marks a demonstration trial.
trial_settings = Table(
    "trial_settings",
    metadata,
    _id(),
    Column("key", String(64), nullable=False, unique=True),
    Column("value", String(200), nullable=False),
    *_created(),
)

# One row (id = 1) holding the chain's tip; writers lock it to append in strict order.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

#: Tables by name, for the generic record repository.
TABLES: dict[str, Table] = dict(metadata.tables)

#: Tables whose rows are deleted logically; the repository's ``find`` leaves deleted rows out.
LOGICALLY_DELETED: frozenset[str] = frozenset(
    name for name, table in TABLES.items() if "deleted_at" in table.c
)
