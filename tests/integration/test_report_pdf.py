"""The final and the DSMB closed report read back from their PDF: headings, table and figure
numbers, the stamp on every page, the approval block, one primary row, the CONSORT reasons, and
no table row split across a page break."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from io import BytesIO

from pypdf import PdfReader

from analysis_world import AnalysisWorld, build_analysis_world
from db_fixtures import SettableClock
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.stats.datasets import AnalysisDatasets, build_datasets
from trialdesk.stats.reports import Report, ReportKind, build_report, render_pdf

GENERATED = dt.datetime(2027, 3, 2, 8, 15, tzinfo=dt.UTC)
PRIMARY_NAME = (
    "Complete response at week 4 — full analysis set — difference in proportions, Newcombe "
    "hybrid score 95 % CI, stratified Cochran–Mantel–Haenszel test"
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _squash(text: str) -> str:
    """Text without any whitespace: a table cell wraps a long name over several lines."""
    return "".join(text.split())


def _build(
    store: Store, clock: SettableClock, kind: ReportKind
) -> tuple[AnalysisDatasets, Report, list[str]]:
    trial: AnalysisWorld = build_analysis_world(store, clock)
    records = SqlAlchemyAnalysisReader(trial.store.engine).read()
    datasets = build_datasets(records, trial.world.protocol)
    report = build_report(datasets, records, trial.world.protocol, kind, generated_at=GENERATED)
    pages = [page.extract_text() for page in PdfReader(BytesIO(render_pdf(report))).pages]
    return datasets, report, pages


def _check_layout(report: Report, pages: list[str], sha256: str) -> str:
    """What every report's PDF must show; returns the whole text, whitespace flattened."""
    text = _flat(" ".join(pages))
    for heading in ("1. Participant flow (CONSORT)", "2. Enrolment", "4. Response endpoints",
                    "5. Survival and competing risks", "8. Listings", "9. Data quality",
                    "List of tables", "List of figures", "Approval"):  # fmt: skip
        assert heading in text, heading
    # Every page: the data hash, the generation date and "Page N of M".
    for number, page in enumerate(pages, start=1):
        flat = _flat(page)
        assert f"Page {number} of {len(pages)}" in flat, number
        assert sha256 in page.replace("\n", "").replace(" ", ""), number
        assert "Generated 2027-03-02 08:15 UTC (2027-03-02 16:15 Asia/Shanghai)" in flat, number
    # Tables and figures numbered 1, 2, … in document order, as text in the PDF.
    for kind in ("Table", "Figure"):
        numbers = [int(n) for n in re.findall(rf"{kind} (\d+)\. ", text)]
        assert numbers, kind
        assert sorted(set(numbers)) == list(range(1, max(numbers) + 1)), kind
        in_html = [int(n) for n in re.findall(rf'id="{kind.lower()}-\d+">{kind} (\d+)\. ',
                                              report.html)]  # fmt: skip
        assert in_html == list(range(1, len(in_html) + 1)), kind
    assert "Table 1. Participant flow counts by" in text
    assert "Figure 1. Participant flow (CONSORT 2010)" in text
    # Every caption has its footnote: population, method and cut-off.
    assert report.html.count('class="td-caption"') == report.html.count('class="td-footnote"')
    assert "Data cut-off: none (all data)." in text
    # The approval block closes the report, on one page.
    last = _flat(pages[-1])
    assert "Trial statistician" in last
    assert last.count("Printed name:") == 2
    assert last.count("Signature:") == 2
    return text


def _listings(html: str) -> list[tuple[str, list[str]]]:
    """Each listing table: its numbered caption and its rows, cells' text joined by spaces."""
    listings = []
    for table in re.findall(r'<table class="td-table td-listing">(.*?)</table>', html, re.S):
        caption = _flat(unescape(re.sub(r"<[^>]+>", "", table.split("</caption>")[0])))
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
            cells = [
                unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td>(.*?)</td>", row)
            ]
            rows.append(_flat(" ".join(cells)))
        listings.append((caption, rows))
    return listings


def _check_no_split(html: str, pages: list[str]) -> int:
    """Every listing row whole on one page, and no caption left alone at a page bottom: the
    caption's page shows the listing's first row. Returns the number of rows checked."""
    flat_pages = [_flat(page) for page in pages]
    checked = 0
    for caption, rows in _listings(html):
        for row in rows:
            assert any(row in page for page in flat_pages), row
            checked += 1
        if rows:
            assert any(caption in page and rows[0] in page for page in flat_pages), caption
    return checked


def test_the_final_report_pdf_has_the_layout_a_statistician_signs(
    store: Store, clock: SettableClock
) -> None:
    datasets, report, pages = _build(store, clock, ReportKind.FINAL)
    text = _check_layout(report, pages, datasets.sha256)
    assert "Sponsor representative" in _flat(pages[-1])
    assert "DSMB chair" not in text

    # One primary row, named in the plan's words; no plan code printed.
    assert report.html.count('class="sap-primary"') == 1
    assert _squash(text).count(_squash(PRIMARY_NAME)) == 1
    assert "newcombe_difference" not in text
    assert "(stratified: cmh)" not in text
    assert "Clopper–Pearson exact 95% CI" in text
    assert "Wilson score 95% CI" in text

    # CONSORT boxes with their reasons and per-protocol exclusions counted as ADSL says.
    for box in ("Assessed for eligibility (n = ", "Not meeting inclusion criteria (n = ",
                "Declined to participate (n = ", "Randomized (n = ",
                "Received allocated intervention (n = ", "Discontinued intervention (n = ",
                "Lost to follow-up (n = ", "Died (n = ", "Analysed, per-protocol set (n = ",
                "Excluded from the per-protocol set (n = "):  # fmt: skip
        assert box in text, box
    adsl = datasets.adsl
    assert f"Assessed for eligibility (n = {len(adsl)})" in text
    assert f"Randomized (n = {int((adsl['ITTFL'] == 'Y').sum())})" in text
    itt = adsl[adsl["ITTFL"] == "Y"]
    for arm in ("msc_cd25", "cd25"):
        members = itt[itt["ARMCD"] == arm]
        reasons = [r for text_ in members["PPEXREAS"] for r in str(text_).split("; ") if r]
        for reason in set(reasons):
            assert f"{reason}: {reasons.count(reason)}" in text, reason
        assert f"Died (n = {int(members['DTHDT'].notna().sum())})" in text
        causes = members["DTHCAUS"].dropna().tolist()
        for cause in set(causes):
            assert f"{cause}: {causes.count(cause)}" in text, cause

    # Sensitivity analyses as the plan lists them, in words.
    for name in ("Per-protocol analysis", "Worst case for the experimental arm",
                 "Best case for the experimental arm"):  # fmt: skip
        assert name in text, name
    assert "Tipping-point analysis" in text

    # No table row split across pages: every listing row's text is whole on one page.
    assert _check_no_split(report.html, pages) >= 5


def test_the_dsmb_closed_report_pdf_is_stamped_numbered_and_signed_by_the_chair(
    store: Store, clock: SettableClock
) -> None:
    datasets, report, pages = _build(store, clock, ReportKind.DSMB_CLOSED)
    text = _check_layout(report, pages, datasets.sha256)
    last = _flat(pages[-1])
    assert "DSMB chair" in last
    assert "Sponsor representative" not in text
    assert report.html.count('class="sap-primary"') == 1
    assert "Allocated to Arm A (n = " in text
    assert "Allocated to Arm B (n = " in text
    # The sensitivity analyses are named for the coded arm, never "the experimental arm".
    start = text.index("Primary endpoint missing (no assessment")
    sensitivity = text[start : text.index("Intercurrent events", start)]
    assert "Worst case for Arm A" in sensitivity
    assert "Best case for Arm A" in sensitivity
    assert "experimental" not in sensitivity
    assert _check_no_split(report.html, pages) >= 5
