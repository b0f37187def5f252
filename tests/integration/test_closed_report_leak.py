"""The closed DSMB report must not let a reader tell the coded arms apart by product.

The demo trial (simulated patients through the real services) is reported three ways. In the
closed report with coded arms, no table, figure or listing may name a product given in one arm
only, show an adverse event specific to it, or carry a column that is zero in one arm by design
(that product's exposure) — in the HTML nor in the PDF's text. The open (pooled) and final
reports keep all of it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

from db_fixtures import FAST_PASSWORDS
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
from trialdesk.bootstrap import Store, build_store, load_protocol
from trialdesk.domain.protocol import Protocol
from trialdesk.services.trial.demo_trial import SimulatedClock, build_demo_trial
from trialdesk.stats.datasets import AnalysisDatasets, build_datasets
from trialdesk.stats.reports import ReportKind, build_report, render_pdf
from trialdesk.stats.reports.build import Report

END = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
SPECIFIC_TERM = "Infusion related reaction"


@pytest.fixture(scope="module")
def demo(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AnalysisDatasets, dict[ReportKind, Report]]]:
    target = tmp_path_factory.mktemp("leak") / "demo.db"
    shutil.copyfile(sqlite_template, target)
    clock = SimulatedClock(END)
    store: Store = build_store(f"sqlite:///{target}", clock=clock, passwords=FAST_PASSWORDS)
    protocol = load_protocol()
    build_demo_trial(
        store, clock, protocol=protocol, scenario=read_scenario_file(builtin_scenario_path()),
        subjects=40, seed=5, end=END,
    )  # fmt: skip
    records = SqlAlchemyAnalysisReader(store.engine).read()
    datasets = build_datasets(records, protocol)
    reports = {kind: build_report(datasets, records, protocol, kind) for kind in ReportKind}
    yield datasets, reports
    store.close()


def _one_arm_products(protocol: Protocol) -> list[tuple[str, str]]:
    """(code, name) of each product given in some arms only."""
    sets = [{i.code for i in arm.interventions} for arm in protocol.arms]
    common = set.intersection(*sets)
    return [(i.code, i.name) for arm in protocol.arms for i in arm.interventions
            if i.code not in common]  # fmt: skip


def _giveaways(protocol: Protocol) -> list[str]:
    """Words that name a one-arm product, its arm, or an event specific to it."""
    words = [SPECIFIC_TERM]
    for _, name in _one_arm_products(protocol):
        words += [name, name.split(" (")[0]]  # "UC-MSC (umbilical …)" and "UC-MSC"
    words += [arm.label for arm in protocol.arms if arm.type.value == "experimental"]
    return words


def _body_text(report: Report) -> str:
    """The report's tables, figures and listings as text: everything after the title block."""
    body = report.html.split("</table>", 1)[1]  # the first table is the stamp
    body = re.sub(r"<img[^>]*>", " ", body)  # figures are checked by their captions and alt text
    return unescape(re.sub(r"<[^>]+>", " ", body))


def _pdf_text(report: Report, protocol: Protocol) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    # The study's title, which names the products, is the one exception; a line may break in it.
    title = r"\s*".join(re.escape(c) for c in "".join(protocol.identification.title.split()))
    found = re.search(title, text)
    assert found is not None
    return text[: found.start()] + " " + text[found.end() :]


def test_the_demo_trial_has_what_could_leak(
    demo: tuple[AnalysisDatasets, dict[ReportKind, Report]],
) -> None:
    """The leak test below is not vacuous: the data hold a product-specific event and exposure."""
    datasets, reports = demo
    adae = datasets.adae
    arms_with_reaction = set(adae.loc[adae["AEDECOD"] == SPECIFIC_TERM, "TRTACD"])
    assert arms_with_reaction == {"msc_cd25"}
    final = _body_text(reports[ReportKind.FINAL])
    for word in _giveaways(load_protocol()):
        assert word in final, word


def test_the_closed_report_names_no_one_arm_product_or_its_events_in_html_or_pdf(
    demo: tuple[AnalysisDatasets, dict[ReportKind, Report]],
) -> None:
    protocol = load_protocol()
    closed = demo[1][ReportKind.DSMB_CLOSED]
    codes = [code for code, _ in _one_arm_products(protocol)]
    for text in (_body_text(closed), _pdf_text(closed, protocol)):
        for word in [*_giveaways(protocol), *codes]:
            assert word.casefold() not in text.casefold(), word
    assert "Arm A" in closed.html
    assert "Arm B" in closed.html


def test_no_closed_report_table_has_a_column_zero_by_design(
    demo: tuple[AnalysisDatasets, dict[ReportKind, Report]],
) -> None:
    """The one-arm product's exposure is zero in the other arm by design: it has no row."""
    datasets, reports = demo
    closed = reports[ReportKind.DSMB_CLOSED].context["safety"]
    adsl = datasets.adsl[datasets.adsl["SAFFL"] == "Y"]
    by_design_zero = [
        column for column in (c for c in adsl.columns if c.startswith("EXNDOS"))
        if (adsl.groupby("TRTACD")[column].sum() == 0).any()
    ]  # fmt: skip
    assert by_design_zero  # EXNDOS1: no UC-MSC in the control arm
    assert len(closed["exposure"]) == len(
        [c for c in adsl.columns if c.startswith("EXNDOS")]
    ) - len(by_design_zero)
    for row in closed["exposure"]:
        assert all(not v.startswith("0.0; median 0 ") for v in row["values"]), row
    terms = {r["label"] for r in closed["by_soc"]["rows"]}
    assert SPECIFIC_TERM not in terms
    assert closed["events_withheld"] == int((datasets.adae["AEDECOD"] == SPECIFIC_TERM).sum())
    html = reports[ReportKind.DSMB_CLOSED].html
    assert "would tell the arms apart" in html  # the reader is told what is left out


def test_the_open_and_final_reports_keep_product_names_exposure_and_specific_events(
    demo: tuple[AnalysisDatasets, dict[ReportKind, Report]],
) -> None:
    protocol = load_protocol()
    products = _one_arm_products(protocol)
    for kind in (ReportKind.DSMB_OPEN, ReportKind.FINAL):
        report = demo[1][kind]
        text = _pdf_text(report, protocol)
        for _, name in products:
            assert f"{name}: doses received" in text.replace("\n", " "), kind
        assert SPECIFIC_TERM in text, kind
        assert report.context["safety"]["events_withheld"] == 0
