"""Settings read from the environment; the only module that reads environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from trialdesk.config_defaults import DEFAULT_REQUEST_THREADS

__all__ = ["DEFAULT_REQUEST_THREADS", "Settings", "get_settings"]


class Settings(BaseSettings):
    """trialdesk settings; every field can be set as ``TRIALDESK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="TRIALDESK_", extra="ignore")

    #: Database used when a command gets no ``--db``.
    database_url: str = "sqlite:///trialdesk.db"
    #: Protocol file a server process loads; unset means the built-in NCT04738981 protocol.
    protocol_file: Path | None = None
    #: Worker threads per server process for everyday requests (``trialdesk serve --threads``).
    request_threads: int = Field(DEFAULT_REQUEST_THREADS, ge=1)
    #: Key that seals audit entries and signs checkpoints; never stored in the database.
    audit_key: SecretStr | None = None
    #: File holding that key instead (read once; keep it readable by the server's account only).
    audit_key_file: Path | None = None
    #: Directory outside the database where signed audit checkpoints are written.
    checkpoint_dir: Path | None = None
    #: Minutes between the checkpoints ``trialdesk serve`` writes (0 turns the schedule off).
    checkpoint_minutes: float = Field(15.0, ge=0)
    #: PostgreSQL role the application connects as; ``db upgrade`` grants it what it needs.
    app_role: str | None = None
    #: Mark every cookie ``Secure`` (``trialdesk serve --secure-cookies``), for a server reached
    #: over HTTPS only. Requests that arrive over HTTPS get ``Secure`` cookies in any case.
    secure_cookies: bool = False
    #: Proxies whose ``X-Forwarded-Proto`` and ``X-Forwarded-For`` are believed: comma-separated
    #: addresses or networks, ``*`` for any (``trialdesk serve --forwarded-allow-ips``).
    forwarded_allow_ips: str = "127.0.0.1"


def get_settings() -> Settings:
    """Read the settings afresh (cheap; keeps tests free to change the environment)."""
    return Settings()
