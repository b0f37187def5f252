"""Adverse events coded to CTCAE v5.0: the MedDRA code and system organ class of the term.

``meddra_code`` is the MedDRA lowest-level code of the chosen CTCAE term (for "Other, specify",
the code of the SOC's catch-all term, the typed text staying in ``term``); ``soc`` is its MedDRA
system organ class. Rows saved before coding keep their text and stay uncoded (both NULL).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:30:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adverse_events") as batch:
        batch.add_column(sa.Column("meddra_code", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("soc", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("adverse_events") as batch:
        batch.drop_column("soc")
        batch.drop_column("meddra_code")
