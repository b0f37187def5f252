"""Randomization service: list secrets, allocation details, one allocation per subject, for good.

* ``randomization_list_secrets`` keeps each list's seed and the settings it was generated with,
  apart from the list row, so nothing that reads lists touches the seed by accident.
* ``allocation_details`` keeps what the algorithm computed (block, scores), statistician-only.
* A subject has at most one allocation, and an allocation's content can never change or
  disappear (only its "made in error" flag and reason can be set); a list entry's arm and place
  are fixed, and a used entry stays used.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALLOCATION_FIXED = (
    "subject_id", "list_id", "stratum", "position", "arm", "allocated_at", "allocated_by"
)  # fmt: skip
_ENTRY_FIXED = ("list_id", "stratum", "position", "block_number", "block_size", "arm")

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER allocations_fixed BEFORE UPDATE OF "
    + ", ".join(_ALLOCATION_FIXED)
    + " ON allocations BEGIN SELECT RAISE(ABORT, 'allocations are irrevocable: "
    "only the error flag may be set'); END",
    "CREATE TRIGGER allocations_no_delete BEFORE DELETE ON allocations "
    "BEGIN SELECT RAISE(ABORT, 'allocations are irrevocable: DELETE refused'); END",
    "CREATE TRIGGER list_entries_fixed BEFORE UPDATE OF "
    + ", ".join(_ENTRY_FIXED)
    + " ON randomization_list_entries BEGIN SELECT RAISE(ABORT, "
    "'randomization list entries are fixed once generated'); END",
    "CREATE TRIGGER list_entries_stay_used BEFORE UPDATE OF used_by_subject_id "
    "ON randomization_list_entries WHEN OLD.used_by_subject_id IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a used randomization list entry stays used'); END",
    "CREATE TRIGGER list_entries_no_delete BEFORE DELETE ON randomization_list_entries "
    "BEGIN SELECT RAISE(ABORT, 'randomization list entries are fixed: DELETE refused'); END",
)


def _changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)


_POSTGRES_TRIGGERS = (
    "CREATE FUNCTION allocations_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'DELETE' THEN "
    "RAISE EXCEPTION 'allocations are irrevocable: DELETE refused'; END IF; "
    f"IF {_changed(_ALLOCATION_FIXED)} THEN "
    "RAISE EXCEPTION 'allocations are irrevocable: only the error flag may be set'; END IF; "
    "RETURN NEW; END $$",
    "CREATE TRIGGER allocations_fixed BEFORE UPDATE OR DELETE ON allocations "
    "FOR EACH ROW EXECUTE FUNCTION allocations_refuse_change()",
    "CREATE FUNCTION list_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'DELETE' THEN "
    "RAISE EXCEPTION 'randomization list entries are fixed: DELETE refused'; END IF; "
    f"IF {_changed(_ENTRY_FIXED)} THEN "
    "RAISE EXCEPTION 'randomization list entries are fixed once generated'; END IF; "
    "IF OLD.used_by_subject_id IS NOT NULL "
    "AND NEW.used_by_subject_id IS DISTINCT FROM OLD.used_by_subject_id THEN "
    "RAISE EXCEPTION 'a used randomization list entry stays used'; END IF; "
    "RETURN NEW; END $$",
    "CREATE TRIGGER list_entries_fixed BEFORE UPDATE OR DELETE ON randomization_list_entries "
    "FOR EACH ROW EXECUTE FUNCTION list_entries_refuse_change()",
)

_DROP_SQLITE = (
    "DROP TRIGGER allocations_fixed",
    "DROP TRIGGER allocations_no_delete",
    "DROP TRIGGER list_entries_fixed",
    "DROP TRIGGER list_entries_stay_used",
    "DROP TRIGGER list_entries_no_delete",
)
_DROP_POSTGRES = (
    "DROP TRIGGER allocations_fixed ON allocations",
    "DROP FUNCTION allocations_refuse_change()",
    "DROP TRIGGER list_entries_fixed ON randomization_list_entries",
    "DROP FUNCTION list_entries_refuse_change()",
)


def upgrade() -> None:
    op.create_table(
        "randomization_list_secrets",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=40), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["randomization_lists.id"],
            name=op.f("fk_randomization_list_secrets_list_id_randomization_lists"),
        ),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_randomization_list_secrets")),
    )
    op.create_table(
        "allocation_details",
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["allocations.id"],
            name=op.f("fk_allocation_details_allocation_id_allocations"),
        ),
        sa.PrimaryKeyConstraint("allocation_id", name=op.f("pk_allocation_details")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index("uq_allocations_one_per_subject", ["subject_id"], unique=True)
    triggers = _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    drops = _DROP_SQLITE if op.get_bind().dialect.name == "sqlite" else _DROP_POSTGRES
    for statement in drops:
        op.execute(statement)
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index("uq_allocations_one_per_subject")
    op.drop_table("allocation_details")
    op.drop_table("randomization_list_secrets")
