"""The ``api_tokens`` table: bearer tokens for scripts, stored only as SHA-256 hashes.

Declared on the shared metadata and registered with the generic record repository, so use cases
reach it through :class:`~trialdesk.services.ports.RecordRepository` like every other table.
Migration ``0002`` creates it; ``0009`` adds the expiry.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from trialdesk.adapters.db.tables import TABLES, UtcDateTime, metadata

__all__ = ["api_tokens"]

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    # A token has 256 random bits, so a fast hash is enough: it cannot be guessed from the hash.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

TABLES.setdefault(api_tokens.name, api_tokens)
