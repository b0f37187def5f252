"""Final and DSMB reports rendered from a database filled through the services."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from analysis_world import AnalysisWorld, build_analysis_world
from db_fixtures import SettableClock
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.stats import StratifiedLogisticRegression, compare_proportions
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


def _with_plan(protocol: Protocol, **changes: str) -> Protocol:
    return dataclasses.replace(protocol, analysis=dataclasses.replace(protocol.analysis, **changes))


def _roles(html: str) -> dict[str, str]:
    """Role column of the primary endpoint's test table: analysis name → role."""
    primary = unescape(html.split('<h3 id="CRW4FL">')[1].split("<h3")[0])
    rows = re.findall(r"<tr[^>]*><td>([^<]+)</td><td>[^<]*</td><td>[^<]*</td><td>([^<]+)</td>",
                      primary)  # fmt: skip
    return dict(rows)


def test_the_row_marked_primary_is_the_test_the_analysis_plan_names(
    trial: AnalysisWorld,
) -> None:
    records = SqlAlchemyAnalysisReader(trial.store.engine).read()
    protocol = trial.world.protocol
    datasets = build_datasets(records, protocol)
    as_filed = build_report(datasets, records, protocol, ReportKind.FINAL)
    assert protocol.analysis.test == "newcombe_difference"
    roles = _roles(as_filed.html)
    assert roles["Difference, Newcombe hybrid score 95% CI"] == "primary"
    assert roles["Fisher's exact test; conditional OR (exact CI)"] == "supportive"
    cmh = next(name for name in roles if name.startswith("Cochran"))
    assert roles[cmh] == "primary, stratified"
    assert as_filed.html.index('<h3 id="CRW4FL">') < as_filed.html.index('<h3 id="ORW4FL">')

    logistic = "Logistic regression adjusted for randomization stratum; OR (95% CI)"
    assert roles[logistic] == "supportive"

    fisher_plan = _with_plan(protocol, test="fisher", stratified_test="logistic")
    refiled = build_report(datasets, records, fisher_plan, ReportKind.FINAL)
    roles = _roles(refiled.html)
    assert roles["Fisher's exact test; conditional OR (exact CI)"] == "primary"
    assert roles["Difference, Newcombe hybrid score 95% CI"] == "supportive"
    assert roles[logistic] == "primary, stratified"
    assert roles[cmh] == "supportive"


def test_the_logistic_variant_is_the_treatment_odds_ratio_adjusted_for_stratum(
    trial: AnalysisWorld,
) -> None:
    datasets, report = _report(trial, ReportKind.FINAL)
    itt = datasets.adsl[datasets.adsl["ITTFL"] == "Y"]
    frame = pd.DataFrame({"cr": (itt["CRW4FL"] == "Y").astype(int),
                          "msc": (itt["ARMCD"] == "msc_cd25").astype(int),
                          "stratum": itt["STRATUM"].astype(str)})  # fmt: skip
    fit = StratifiedLogisticRegression().fit(frame, response="cr", treatment="msc",
                                             strata=["stratum"])  # fmt: skip
    row = fit.coefficients_.loc["msc"]
    shown = f"{row['odds_ratio']:.2f} ({row['lower']:.2f}, {row['upper']:.2f})"
    primary = unescape(report.html.split('<h3 id="CRW4FL">')[1].split("<h3")[0])
    label = "Logistic regression adjusted for randomization stratum; OR (95% CI)"
    assert f"<td>{label}</td><td>{shown}</td>" in primary


def test_a_plan_naming_a_test_the_report_cannot_compute_is_refused_by_field(
    trial: AnalysisWorld,
) -> None:
    records = SqlAlchemyAnalysisReader(trial.store.engine).read()
    protocol = _with_plan(trial.world.protocol, test="bayesian_beta_binomial",
                          stratified_test="cmh")  # fmt: skip
    datasets = build_datasets(records, protocol)
    with pytest.raises(InputError) as refused:
        build_report(datasets, records, protocol, ReportKind.FINAL)
    assert [e.field for e in refused.value.errors] == ["analysis.test"]
    assert "'bayesian_beta_binomial'" in refused.value.errors[0].message


def test_an_early_cutoff_with_few_events_still_renders_every_report(
    trial: AnalysisWorld,
) -> None:
    # Six months in, chronic GVHD and relapse have barely begun: curves without events and
    # Fine–Gray models without a finite estimate must show as such, not break the report.
    records = SqlAlchemyAnalysisReader(trial.store.engine).read()
    datasets = build_datasets(records, trial.world.protocol, cutoff=dt.date(2026, 6, 30))
    for kind in ReportKind:
        report = build_report(datasets, records, trial.world.protocol, kind)
        assert "Data cut-off</td><td>2026-06-30" in report.html
        assert "<h2>9. Data quality</h2>" in report.html
