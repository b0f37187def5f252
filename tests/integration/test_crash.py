"""Kill -9 a writer mid-stream: acknowledged writes survive, nothing is half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from trial_world import build_world
from trialdesk.bootstrap import Store
from trialdesk.domain.audit import AuditAction
from trialdesk.services.review.audit_trail import verify_audit_trail

WRITER = Path(__file__).parents[1] / "crash_writer.py"
ACKNOWLEDGED_BEFORE_KILL = 40


@pytest.mark.slow
def test_a_killed_writer_loses_no_acknowledged_write_and_leaves_the_chain_intact(
    store: Store, db_url: str
) -> None:
    world = build_world(store)
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), db_url, str(world.coordinator), str(world.subject_id)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    acknowledged: list[int] = []
    try:
        assert writer.stdout is not None
        while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL:
            line = writer.stdout.readline()
            assert line, f"writer stopped early: {writer.stderr.read() if writer.stderr else ''}"
            acknowledged.append(int(line))
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        if writer.poll() is None:
            os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        for stream in (writer.stdout, writer.stderr):
            if stream is not None:
                stream.close()
    assert writer.returncode == -signal.SIGKILL

    with store.new_uow() as uow:
        visits = {row["id"] for row in uow.records.find("visits")}
        inserts = [
            int(e.entity_id or 0)
            for e in uow.audit.entries(subject_id=world.subject_id)
            if e.entity == "visits" and e.action is AuditAction.INSERT
        ]
    assert set(acknowledged) <= visits
    # Every stored visit has exactly one audit entry and vice versa: nothing half-written.
    assert sorted(inserts) == sorted(visits)
    assert verify_audit_trail(store.new_uow()).intact
