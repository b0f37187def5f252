"""Final and DSMB reports rendered from a database filled through the services."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis_world import AnalysisWorld, build_analysis_world
from db_fixtures import SettableClock
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.stats import compare_proportions
from trialdesk.stats.datasets import build_datasets
from trialdesk.stats.reports import ReportKind, build_report, write_report


@pytest.fixture
def trial(store: Store, clock: SettableClock) -> AnalysisWorld:
    return build_analysis_world(store, clock)


def _report(trial: AnalysisWorld, kind: ReportKind):  # type: ignore[no-untyped-def]
    records = SqlAlchemyAnalysisReader(trial.store.engine).read()
    datasets = build_datasets(records, trial.world.protocol)
    return datasets, build_report(datasets, records, trial.world.protocol, kind)


def test_final_report_shows_cr_per_arm_the_difference_and_its_interval(
    trial: AnalysisWorld, tmp_path: Path
) -> None:
    datasets, report = _report(trial, ReportKind.FINAL)
    itt = datasets.adsl[datasets.adsl["ITTFL"] == "Y"]
    counts = {}
    for arm in ("msc_cd25", "cd25"):
        members = itt[itt["ARMCD"] == arm]
        counts[arm] = (int((members["CRW4FL"] == "Y").sum()), len(members))
    expected = compare_proportions(*counts["msc_cd25"], *counts["cd25"])
    low, high = (f"{100 * v:.1f}" for v in expected.risk_difference_ci)
    x1, n1 = counts["msc_cd25"]
    cell = f"{x1} ({100 * x1 / n1:.1f}%)"
    difference = f"{100 * expected.risk_difference:.1f} ({low}, {high})"
    assert cell in report.html
    assert difference in report.html
    assert datasets.sha256 in report.html
    assert "Cochran–Mantel–Haenszel" in report.html
    assert "Fisher" in report.html

    html_path, pdf_path = write_report(report, tmp_path)
    assert html_path.read_text(encoding="utf-8") == report.html
    pdf = PdfReader(pdf_path)
    assert len(pdf.pages) >= 5
    text = " ".join(page.extract_text() for page in pdf.pages)
    for needle in (cell, difference, "CONSORT", "Overall survival", "Serious adverse events"):
        assert needle in text, needle
    assert datasets.sha256[:16] in text.replace("\n", "")


def test_dsmb_closed_report_codes_the_arms_and_the_open_report_pools_them(
    trial: AnalysisWorld,
) -> None:
    _, closed = _report(trial, ReportKind.DSMB_CLOSED)
    _, pooled = _report(trial, ReportKind.DSMB_OPEN)
    for report in (closed, pooled):
        assert "UC-MSC and anti-CD25 mAb" not in report.html.split("<h2>1.")[1]
    assert "Arm A" in closed.html
    assert "Arm B" in closed.html
    assert "All patients" in pooled.html
    assert "Arm A" not in pooled.html
    assert "Newcombe" in closed.html
    assert "Newcombe" not in pooled.html
