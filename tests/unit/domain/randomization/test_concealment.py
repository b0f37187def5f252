"""What a site sees of an allocation never reveals the list's structure."""

import dataclasses
import datetime as dt

from trialdesk.domain.randomization import (
    SITE_HIDDEN_FIELDS,
    AllocationRecord,
    SiteVisibleAllocation,
    site_view,
)

RECORD = AllocationRecord(
    subject_id="P-001",
    arm="msc_cd25",
    stratum="site=S01/baseline_grade=II",
    list_id="prod-1",
    position=3,
    allocated_at=dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC),
    allocated_by="coordinator.s01",
    block_number=2,
    block_size=4,
)


def test_site_view_keeps_who_what_when_and_by_whom() -> None:
    view = site_view(RECORD)
    assert view == SiteVisibleAllocation(
        "P-001", "msc_cd25", dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC), "coordinator.s01"
    )


def test_site_view_has_no_position_block_list_or_score_field() -> None:
    visible = {f.name for f in dataclasses.fields(SiteVisibleAllocation)}
    recorded = {f.name for f in dataclasses.fields(AllocationRecord)}
    assert recorded >= SITE_HIDDEN_FIELDS
    assert not visible & SITE_HIDDEN_FIELDS
    assert {"block_size", "position", "block_number"} <= SITE_HIDDEN_FIELDS


def test_site_view_text_does_not_leak_the_block_size_or_position() -> None:
    text = repr(site_view(dataclasses.replace(RECORD, block_size=987654, position=123457)))
    assert "987654" not in text
    assert "123457" not in text
