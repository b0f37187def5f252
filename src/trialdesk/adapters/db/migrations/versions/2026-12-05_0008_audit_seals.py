"""Audit seals: each audit entry may carry an HMAC-SHA256 of its hash under the audit key.

* ``audit_trail.seal``: the seal, written when the application has an audit key
  (``TRIALDESK_AUDIT_KEY`` or ``TRIALDESK_AUDIT_KEY_FILE``); ``NULL`` for entries written
  without one, including every entry before this revision. The key is never stored in the
  database, so whoever can write the table can recompute hashes but not seals.

The column is added and dropped with plain ``ALTER TABLE`` (not a batch copy), so SQLite keeps
the triggers that make the table append-only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_trail", sa.Column("seal", sa.String(64), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE audit_trail DROP COLUMN seal")
