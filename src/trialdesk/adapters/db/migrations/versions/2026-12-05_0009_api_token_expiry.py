"""API tokens expire: ``api_tokens.expires_at``; tokens issued before get 90 days from now.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:00:00.000000+00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: What a token issued before expiry existed gets: the default lifetime, from the upgrade on.
_GRACE = dt.timedelta(days=90)


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True)))
    expires = dt.datetime.now(dt.UTC) + _GRACE
    if op.get_bind().dialect.name == "sqlite":  # stored without offset there, UTC implied
        expires = expires.replace(tzinfo=None)
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=expires))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
