"""Protocol-declared forms, and the context of a GVHD assessment that decides its endpoints.

* ``form_records``: one row per saved protocol form (steroid periods, infections, chronic
  GVHD, baseline risk, UC-MSC product…): the form's code, the visit it was entered for, the
  date that places it in time, the validated values and what was derived from them.
* ``gvhd_assessments.additional_therapy`` / ``additional_therapy_names``: whether additional
  systemic GVHD therapy was given since the last assessment, and which (an intercurrent event
  that makes the response a failure); ``NULL`` in rows saved before this revision.
* ``gvhd_assessments.attribution``: per organ, biopsy and alternative causes considered; an organ
  attributed to another cause is not staged as GVHD.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 23:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(64), nullable=False),
        sa.Column("visit_code", sa.String(32), nullable=True),
        sa.Column("record_date", sa.Date(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("derived", sa.JSON(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.Column("deleted_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_form_records_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["users.id"], name=op.f("fk_form_records_deleted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_form_records_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_records")),
    )
    op.create_index(op.f("ix_form_records_subject_id"), "form_records", ["subject_id"])
    with op.batch_alter_table("gvhd_assessments") as batch:
        batch.add_column(sa.Column("additional_therapy", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("additional_therapy_names", sa.String(200), nullable=True))
        batch.add_column(sa.Column("attribution", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gvhd_assessments") as batch:
        batch.drop_column("attribution")
        batch.drop_column("additional_therapy_names")
        batch.drop_column("additional_therapy")
    op.drop_index(op.f("ix_form_records_subject_id"), table_name="form_records")
    op.drop_table("form_records")
