"""Adverse-event follow-up: current outcome and end date, report dates that stop the reporting
clocks, and the follow-up reports of an event.

* ``adverse_events.outcome``: the current outcome (before this revision it sat inside the
  ``derived`` JSON; ``NULL`` in older rows, which keep being read from there).
* ``adverse_events.resolved_on``: the end date of an event that ended (recovered or fatal).
* When an expedited report was sent, one column per recipient; a date stops the matching clock:
  ``reported_to_sponsor_at`` (investigator → sponsor, 24 h), ``reported_to_regulator_at`` (the
  7- or 15-day SUSAR report), ``follow_up_to_regulator_at`` (the complete follow-up of a fatal or
  life-threatening SUSAR) and ``reported_to_ethics_committee_at`` (kept, no clock of its own).
* ``adverse_event_follow_ups``: one row per follow-up report (number, when the site learnt the
  new information, what changed, narrative).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORT_COLUMNS = (
    "reported_to_sponsor_at",
    "reported_to_regulator_at",
    "follow_up_to_regulator_at",
    "reported_to_ethics_committee_at",
)


def upgrade() -> None:
    with op.batch_alter_table("adverse_events") as batch:
        batch.add_column(sa.Column("outcome", sa.String(32), nullable=True))
        batch.add_column(sa.Column("resolved_on", sa.Date(), nullable=True))
        for name in REPORT_COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "adverse_event_follow_ups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("adverse_event_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_number", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"], ["adverse_events.id"],
            name=op.f("fk_adverse_event_follow_ups_adverse_event_id_adverse_events"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"],
            name=op.f("fk_adverse_event_follow_ups_subject_id_subjects"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"],
            name=op.f("fk_adverse_event_follow_ups_created_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event_follow_ups")),
        sa.UniqueConstraint(
            "adverse_event_id", "follow_up_number", name="uq_adverse_event_follow_up_number"
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_adverse_event_follow_ups_subject_id"), "adverse_event_follow_ups", ["subject_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_adverse_event_follow_ups_subject_id"), table_name="adverse_event_follow_ups"
    )
    op.drop_table("adverse_event_follow_ups")
    with op.batch_alter_table("adverse_events") as batch:
        for name in reversed(REPORT_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("resolved_on")
        batch.drop_column("outcome")
