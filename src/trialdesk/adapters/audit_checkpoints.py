"""Checkpoint files in a directory outside the database, and the schedule ``serve`` keeps.

Each checkpoint is one small JSON file, written to a temporary name and renamed, so a reader
never sees half a file. Keep the directory on another machine or on write-once storage when the
database administrator must not be able to delete checkpoints too.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from trialdesk.domain.audit_checkpoints import Checkpoint
from trialdesk.domain.errors import InputError

__all__ = ["DirectoryCheckpointStore", "start_checkpoint_schedule"]

_log = logging.getLogger("trialdesk.audit")
_PREFIX = "audit-checkpoint-"


class DirectoryCheckpointStore:
    """One JSON file per checkpoint in ``directory`` (created when first written to)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, checkpoint: Checkpoint, document: dict[str, object]) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = checkpoint.taken_at.replace(":", "").replace("-", "").replace("+0000", "Z")
        name = f"{_PREFIX}{stamp}-{checkpoint.seq:010d}.json"
        target = self.directory / name
        temporary = self.directory / f".{name}.tmp"
        temporary.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
        os.replace(temporary, target)
        return name

    def read_all(self) -> list[tuple[str, object]]:
        if self.directory.exists() and not self.directory.is_dir():
            raise InputError.single("checkpoints", f"{self.directory} is not a directory")
        # A missing directory holds no checkpoints; verify reports "0 checked", which is visible.
        found: list[tuple[str, object]] = []
        for path in sorted(self.directory.glob(f"{_PREFIX}*.json")):
            try:
                found.append((path.name, json.loads(path.read_text())))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                found.append((path.name, None))  # reported as "not a checkpoint"
        return found


def start_checkpoint_schedule(every_minutes: float, take: Callable[[], object]) -> threading.Event:
    """Call ``take`` now and then every ``every_minutes`` on a daemon thread; set the event to stop.

    A failed checkpoint is logged and the schedule goes on: a full disk must not stop the server.
    """
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                take()
            except Exception:  # logged with its traceback; the next round tries again
                _log.exception("audit checkpoint failed")
            stop.wait(every_minutes * 60)

    threading.Thread(target=run, name="audit-checkpoints", daemon=True).start()
    return stop
