"""Trial-wide settings as key/value rows; the demo trial stores ``demo`` here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trial_settings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_trial_settings_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_settings")),
        sa.UniqueConstraint("key", name=op.f("uq_trial_settings_key")),
    )


def downgrade() -> None:
    op.drop_table("trial_settings")
