"""Reports in the web application and the API: the same report the command line writes.

A whole small trial is recorded through the services; the statistician and a DSMB member sign
in and open the final and DSMB reports, download them as PDF and fetch them through the API.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from analysis_world import AnalysisWorld, build_analysis_world
from db_fixtures import SettableClock
from trial_world import SITE_A
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.entrypoints.api import create_app
from trialdesk.stats.datasets import build_datasets
from trialdesk.stats.reports import ReportKind, build_report
from web_world import login

STATISTICIAN = "statisticianall"
DSMB = "dsmbviewerall"
COORDINATOR = f"sitecoordinator{SITE_A.lower()}"
_SRCDOC = re.compile(r'srcdoc="([^"]*)"')
_FIGURE = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")


@dataclass
class ReportsWorld:
    trial: AnalysisWorld
    app: FastAPI

    def signed_in(self, username: str) -> TestClient:
        client = TestClient(self.app)
        login(client, username)
        return client

    def exports(self) -> list[dict[str, Any]]:
        """What each audited export event recorded, oldest first."""
        with self.trial.store.new_uow() as uow:
            return [json.loads(str(e.new_value)) for e in uow.audit.entries()
                    if e.action == "export"]  # fmt: skip


@pytest.fixture
def reports(store: Store, clock: SettableClock) -> ReportsWorld:
    trial = build_analysis_world(store, clock, n_subjects=30)
    app = create_app(store, trial.world.protocol)
    return ReportsWorld(trial=trial, app=app)


def _cli_report(reports: ReportsWorld, kind: ReportKind) -> str:
    """The report as ``trialdesk report`` builds it, straight from the stats code."""
    records = SqlAlchemyAnalysisReader(reports.trial.store.engine).read()
    datasets = build_datasets(records, reports.trial.world.protocol)
    return build_report(datasets, records, reports.trial.world.protocol, kind).html


_GENERATED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC( \(\d{4}-\d\d-\d\d \d\d:\d\d [^)]+\))?")


def _without_figures(document: str) -> str:
    # Figure SVGs carry random element ids, and the generation time (to the minute) may move on
    # between the two renderings; everything else must match byte for byte.
    return _GENERATED.sub("GENERATED", _FIGURE.sub("FIGURE", document))


def _framed_report(page: str) -> str:
    found = _SRCDOC.search(page)
    assert found is not None
    return html.unescape(found.group(1))


def test_the_statistician_sees_the_final_report_the_command_line_writes_with_its_stamp(
    reports: ReportsWorld,
) -> None:
    client = reports.signed_in(STATISTICIAN)
    assert 'href="/reports"' in client.get("/").text
    listing = client.get("/reports")
    assert listing.status_code == 200
    assert 'action="/reports/dsmb_closed"' in listing.text

    page = client.get("/reports/final")

    assert page.status_code == 200
    expected = _cli_report(reports, ReportKind.FINAL)
    sha = re.search(r"<code>([0-9a-f]{64})</code>", expected)
    assert sha is not None
    assert f'<code id="stamp-sha256">{sha.group(1)}</code>' in page.text
    assert '<td id="stamp-cutoff">none (all data)</td>' in page.text
    assert _without_figures(_framed_report(page.text)) == _without_figures(expected)
    assert 'href="/reports/final/pdf"' in page.text
    last = reports.exports()[-1]
    assert (last["report"], last["format"], last["sha256"]) == ("final", "html", sha.group(1))


def test_a_dsmb_member_downloads_the_closed_report_at_a_cutoff_as_an_audited_pdf(
    reports: ReportsWorld,
) -> None:
    client = reports.signed_in(DSMB)
    page = client.get("/reports/dsmb_closed", params={"cutoff": "2026-06-30"})
    assert page.status_code == 200
    assert '<td id="stamp-cutoff">2026-06-30</td>' in page.text
    assert 'href="/reports/dsmb_closed/pdf?cutoff=2026-06-30"' in page.text
    framed = _framed_report(page.text)
    assert "Arm A" in framed
    assert "UC-MSC and anti-CD25 mAb" not in framed.split("<h2>1.")[1]

    download = client.get("/reports/dsmb_closed/pdf", params={"cutoff": "2026-06-30"})

    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    pdf = PdfReader(io.BytesIO(download.content))
    assert len(pdf.pages) >= 5
    text = " ".join(p.extract_text() for p in pdf.pages).replace("\n", "")
    sha = download.headers["x-snapshot-sha256"]
    assert sha[:16] in text
    assert "2026-06-30" in text
    last = reports.exports()[-1]
    assert (last["report"], last["format"], last["sha256"]) == ("dsmb_closed", "pdf", sha)
    assert last["cutoff"] == "2026-06-30"


def test_the_statistician_and_the_dsmb_see_the_same_report_through_the_api(
    reports: ReportsWorld,
) -> None:
    documents = []
    for username in (STATISTICIAN, DSMB):
        response = reports.signed_in(username).get("/api/v1/reports/dsmb_open")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        documents.append((response.headers["x-snapshot-sha256"], response.text))
    (sha_a, html_a), (sha_b, html_b) = documents
    assert sha_a == sha_b
    assert _without_figures(html_a) == _without_figures(html_b)
    assert "All patients" in html_a


def test_the_api_answers_pdf_by_accept_header_or_format_parameter(
    reports: ReportsWorld,
) -> None:
    client = reports.signed_in(STATISTICIAN)
    by_accept = client.get("/api/v1/reports/final", headers={"Accept": "application/pdf"})
    by_param = client.get("/api/v1/reports/final", params={"format": "pdf"})
    as_html = client.get(
        "/api/v1/reports/final", params={"format": "html"}, headers={"Accept": "application/pdf"}
    )
    for response in (by_accept, by_param):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert as_html.headers["content-type"].startswith("text/html")
    assert "Final analysis report" in as_html.text


def test_a_site_coordinator_is_refused_every_report_and_nothing_is_exported(
    reports: ReportsWorld,
) -> None:
    client = reports.signed_in(COORDINATOR)
    before = len(reports.exports())
    assert 'href="/reports"' not in client.get("/").text
    for path in ("/reports", "/reports/final", "/reports/dsmb_open/pdf",
                 "/reports/final?cutoff=not-a-date"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 403, path
        assert "may not view aggregate figures" in response.text
    api = client.get("/api/v1/reports/dsmb_closed")
    assert api.status_code == 403
    assert api.json()["error"] == "PermissionDeniedError"
    assert len(reports.exports()) == before


def test_a_bad_cutoff_is_shown_next_to_the_field_and_refused_by_the_api(
    reports: ReportsWorld,
) -> None:
    client = reports.signed_in(STATISTICIAN)
    page = client.get("/reports/final", params={"cutoff": "last week"})
    assert page.status_code == 422
    assert '<span class="field-error" id="cutoff-error">' in page.text
    assert "is not a date (use YYYY-MM-DD)" in html.unescape(page.text)
    api = client.get("/api/v1/reports/final", params={"cutoff": "2026-13-01"})
    assert api.status_code == 422
    assert api.json()["errors"][0]["field"] == "cutoff"
    unknown = client.get("/api/v1/reports/interim")
    assert unknown.status_code == 422
