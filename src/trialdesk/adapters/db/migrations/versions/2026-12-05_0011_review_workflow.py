"""Review workflow: source data verification, locks at every level, query assignment and age.

``sdv_marks`` holds a monitor's source-verification of a form or one of its fields, with the
fingerprint of what was verified so a later correction can reset it. ``locks`` may now lock a
site or the whole study (no subject then) and keeps the locker's reason. ``queries`` learn the
role expected to act next and when their status last changed (their age in that status).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 20:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sdv_marks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("verified_hash", sa.String(64), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=False),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reset_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_sdv_marks_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_sdv_marks_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sdv_marks")),
    )
    op.create_index(op.f("ix_sdv_marks_subject_id"), "sdv_marks", ["subject_id"])
    op.create_index("ix_sdv_marks_entity_entity_id", "sdv_marks", ["entity", "entity_id"])
    with op.batch_alter_table("locks") as batch:
        batch.alter_column("subject_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("lock_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("assigned_role", sa.String(32), nullable=True))
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.drop_column("status_changed_at")
        batch.drop_column("assigned_role")
    # Site and study locks have no subject: they cannot survive the older schema.
    op.execute("DELETE FROM locks WHERE subject_id IS NULL")
    with op.batch_alter_table("locks") as batch:
        batch.drop_column("lock_reason")
        batch.alter_column("subject_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_sdv_marks_entity_entity_id", table_name="sdv_marks")
    op.drop_index(op.f("ix_sdv_marks_subject_id"), table_name="sdv_marks")
    op.drop_table("sdv_marks")
