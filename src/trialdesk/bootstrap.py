"""Composition root: the one place that picks concrete adapters and hands them to entrypoints."""

from __future__ import annotations

from pathlib import Path

from trialdesk.adapters.protocol_file import builtin_protocol_path, read_protocol_file
from trialdesk.domain.protocol import Protocol

__all__ = ["load_protocol"]


def load_protocol(path: Path | None = None) -> Protocol:
    """The protocol in ``path``, or the built-in NCT04738981 protocol when ``path`` is None."""
    return read_protocol_file(builtin_protocol_path() if path is None else path)
