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
    for needle in (cell, difference, "CONSORT", "Overall survival", "serious adverse events"):
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
    """Role column of the primary endpoint's table of variants: analysis name → role."""
    primary = unescape(html.split('<h3 id="CRW4FL">')[1].split("<h3")[0])
    variants = primary.split("comparison of the arms, every variant")[1]
    rows = re.findall(r"<tr[^>]*><td>([^<]+)</td><td>[^<]*</td><td>[^<]*</td><td>([^<]+)</td>",
                      variants)  # fmt: skip
    return dict(rows)


def _primary_rows(html: str) -> list[str]:
    """The rows marked primary anywhere in the report, as text."""
    rows = re.findall(r'<tr class="sap-primary">(.*?)</tr>', unescape(html), re.S)
    return [re.sub(r"<[^>]+>", "|", row) for row in rows]


def test_the_row_marked_primary_is_the_test_the_analysis_plan_names(
    trial: AnalysisWorld,
) -> None:
    records = SqlAlchemyAnalysisReader(trial.store.engine).read()
    protocol = trial.world.protocol
    datasets = build_datasets(records, protocol)
    as_filed = build_report(datasets, records, protocol, ReportKind.FINAL)
    assert protocol.analysis.test == "newcombe_difference"
    roles = _roles(as_filed.html)
    part = "part of the primary analysis"
    assert roles["Difference, Newcombe hybrid score 95% CI"] == part
    assert roles["Fisher's exact test; conditional OR (exact CI)"] == "supportive"
    cmh = next(name for name in roles if name.startswith("Cochran"))
    assert roles[cmh] == part
    assert "primary" not in " ".join(r for r in roles.values() if r != part)
    # One primary row, in words, showing the Newcombe difference and the CMH p.
    (row,) = _primary_rows(as_filed.html)
    assert (
        "Complete response at week 4 — full analysis set — difference in proportions, "
        "Newcombe hybrid score 95 % CI, stratified Cochran–Mantel–Haenszel test"
    ) in row
    newcombe = next(t for t in as_filed.context["responses"][0]["tests"] if t[0].startswith("Diff"))
    assert f"|{newcombe[1]}|" in row
    assert as_filed.html.index('<h3 id="CRW4FL">') < as_filed.html.index('<h3 id="ORW4FL">')

    logistic = "Logistic regression adjusted for randomization stratum; OR (95% CI)"
    assert roles[logistic] == "supportive"

    fisher_plan = _with_plan(protocol, test="fisher", stratified_test="logistic")
    refiled = build_report(datasets, records, fisher_plan, ReportKind.FINAL)
    roles = _roles(refiled.html)
    assert roles["Fisher's exact test; conditional OR (exact CI)"] == part
    assert roles["Difference, Newcombe hybrid score 95% CI"] == "supportive"
    assert roles[logistic] == part
    assert roles[cmh] == "supportive"
    (row,) = _primary_rows(refiled.html)
    assert (
        "full analysis set — Fisher's exact test, conditional odds ratio with exact 95 % CI, "
        "logistic regression adjusted for the randomization stratum"
    ) in row


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


def _difference(x1: int, n1: int, x2: int, n2: int) -> str:
    c = compare_proportions(x1, n1, x2, n2)
    low, high = c.risk_difference_ci
    return f"{100 * c.risk_difference:.1f} ({100 * low:.1f}, {100 * high:.1f})"


def test_sensitivity_analyses_impute_the_missing_primary_endpoint_as_the_plan_lists(
    trial: AnalysisWorld,
) -> None:
    datasets, report = _report(trial, ReportKind.FINAL)
    itt = datasets.adsl[datasets.adsl["ITTFL"] == "Y"]
    cr = itt["CRW4FL"] == "Y"
    missing = itt["CRW4REAS"] == "no assessment in the window"
    experimental = itt["ARMCD"] == "msc_cd25"
    n1, n2 = int(experimental.sum()), int((~experimental).sum())
    m1, m2 = int((missing & experimental).sum()), int((missing & ~experimental).sum())
    assert m1 + m2 > 0  # the simulated trial has subjects without a week-4 assessment
    section = report.context["sensitivity"]
    assert section["missing"] == [m1, m2]
    rows = {r["name"]: r for r in section["rows"]}
    assert list(rows) == ["Per-protocol analysis", "Worst case for the experimental arm",
                          "Best case for the experimental arm"]  # fmt: skip
    worst = _difference(int((cr & experimental).sum()), n1,
                        int(((cr | missing) & ~experimental).sum()), n2)  # fmt: skip
    best = _difference(int(((cr | missing) & experimental).sum()), n1,
                       int((cr & ~experimental).sum()), n2)  # fmt: skip
    assert rows["Worst case for the experimental arm"]["difference"] == worst
    assert rows["Best case for the experimental arm"]["difference"] == best
    pp = itt[itt["PPROTFL"] == "Y"]
    pp_exp = pp["ARMCD"] == "msc_cd25"
    assert rows["Per-protocol analysis"]["difference"] == _difference(
        int(((pp["CRW4FL"] == "Y") & pp_exp).sum()), int(pp_exp.sum()),
        int(((pp["CRW4FL"] == "Y") & ~pp_exp).sum()), int((~pp_exp).sum()),
    )  # fmt: skip
    tipping = section["tipping"]
    assert tipping["missing"] == (m1, m2)
    assert len(tipping["rows"]) == min(m1 + 1, 11)
    assert "Tipping-point analysis" in report.html
    # The pooled open report compares nothing, so it has no sensitivity analyses.
    _, pooled = _report(trial, ReportKind.DSMB_OPEN)
    assert pooled.context["sensitivity"] is None
    assert "Sensitivity analyses" not in pooled.html
