"""Report sections of the endpoint detail, from hand-built records."""

from __future__ import annotations

from html import unescape

import pytest
from endpoint_records import RecordsBuilder

from trialdesk.bootstrap import load_protocol
from trialdesk.stats.datasets import build_datasets
from trialdesk.stats.reports.build import Report, build_report
from trialdesk.stats.reports.groups import ReportKind

CR = (0, 0, 0, 0)
PD = (3, 0, 0, 2)


@pytest.fixture(scope="module")
def report() -> Report:
    protocol = load_protocol()
    builder = RecordsBuilder()
    for subject, arm in ((1, "msc_cd25"), (2, "msc_cd25"), (3, "cd25"), (4, "cd25")):
        builder.subject(subject, arm=arm, weight_kg=50.0,
                        responses=((15, "PD", PD), (29, "CR", CR), (57, "CR", CR)))  # fmt: skip
        builder.steroid(subject, "prednisone", 100.0, -3, 20)
        builder.steroid(subject, "prednisone", 40.0, 21, None)
    builder.rescue(1, 16)  # CR at week 4 after rescue: a failure
    builder.subject(5, arm="cd25", dose_days=(1, 4, 8), responses=((8, "NR", (2, 0, 0, 2)),))
    records = builder.build()
    return build_report(build_datasets(records, protocol), records, protocol, ReportKind.FINAL)


def _section(html: str, anchor: str) -> str:
    return unescape(html.split(f'id="{anchor}">')[1].split("<h3")[0])


def test_the_primary_endpoint_counts_the_rescued_cr_as_a_failure(report: Report) -> None:
    primary = _section(report.html, "CRW4FL")
    assert "1 (50.0%)" in primary  # experimental: 1 of 2 (the other was rescued)
    events = _section(report.html, "intercurrent-events")
    assert "First event: additional systemic therapy" in events
    assert "CR observed at week 4 but counted as failure</td><td>1 (50.0%)</td>" in events
    assert (
        "Week-4 failure because of an intercurrent event</td><td>1 (50.0%)</td><td>0 (0.0%)</td>"
        in events
    )


def test_per_protocol_exclusions_are_tabled_by_arm_with_a_listing(report: Report) -> None:
    table = _section(report.html, "pp-exclusions")
    assert "< 80 % of course-1 doses" in table
    assert "S-005" in table
    assert "no evaluable week-4 response" in table


def test_corticosteroid_exposure_by_arm(report: Report) -> None:
    table = _section(report.html, "steroid-exposure")
    assert "Day 28: ≤ 50 % of day-1 dose" in table
    assert "2 (100.0%)" in table
    assert "Cumulative to day 28, mg: median [range]" in table
    # Study days 1-20 at 100 mg and 21-28 at 40 mg; subject 5 has no steroid record (n=2).
    assert "2320 [2320–2320] (n=2)" in table


def test_organ_response_at_week4_by_arm(report: Report) -> None:
    table = _section(report.html, "organ-response")
    # Skin stage 2 at baseline in everyone; the four subjects with a week-4 CR resolved it.
    assert "Skin: involved at baseline, assessed at week 4</td><td>2</td><td>2</td>" in table
    assert "Skin: resolved</td><td>2 (100.0%)</td><td>2 (100.0%)</td>" in table
    assert "Liver: new involvement (uninvolved at baseline)" in table


def test_best_response_and_time_to_response(report: Report) -> None:
    table = _section(report.html, "best-response")
    # Subject 1 was rescued on day 16 after PD on day 15: best before the event is PD.
    assert "Best response by day 28: PD</td><td>1 (50.0%)</td>" in table
    assert "Best response by day 28: CR</td><td>1 (50.0%)</td><td>2 (66.7%)</td>" in table
    assert "Cumulative incidence of response" in table
    assert "by day 29" in table
