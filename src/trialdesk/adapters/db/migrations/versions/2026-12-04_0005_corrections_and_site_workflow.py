"""Logical deletion of clinical records, the visit an assessment was entered for, site time
zones and the origin of a query.

* Every record a site enters keeps its row when deleted: ``deleted_at``, ``deleted_by`` and
  ``deleted_reason`` mark it, and reads leave it out (the audit trail keeps its history).
* ``gvhd_assessments.visit_code``: the visit the user chose; the calendar keeps that choice
  instead of re-matching the assessment by date.
* ``sites.time_zone``: an IANA zone name for showing times; ``NULL`` means the protocol's default.
* ``queries.origin``: who or what raised a query (``NULL`` for a person; ``edit_check:<code>``
  for a soft edit check confirmed with a reason).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 09:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The tables of records a site enters for a subject; each can be deleted logically.
CLINICAL_TABLES = (
    "screening_records",
    "consents",
    "visits",
    "dose_administrations",
    "gvhd_assessments",
    "adverse_events",
    "therapies",
    "outcomes",
)


def upgrade() -> None:
    for table in CLINICAL_TABLES:
        # batch mode: SQLite cannot add a foreign key to an existing table in place.
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("deleted_by", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("deleted_reason", sa.Text(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_deleted_by_users"), "users", ["deleted_by"], ["id"]
            )
    with op.batch_alter_table("gvhd_assessments") as batch:
        batch.add_column(sa.Column("visit_code", sa.String(32), nullable=True))
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("origin", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.drop_column("origin")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("time_zone")
    with op.batch_alter_table("gvhd_assessments") as batch:
        batch.drop_column("visit_code")
    for table in reversed(CLINICAL_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_deleted_by_users"), type_="foreignkey")
            batch.drop_column("deleted_reason")
            batch.drop_column("deleted_by")
            batch.drop_column("deleted_at")
