"""Assemble the final and DSMB reports: numbers from :mod:`trialdesk.stats`, HTML from Jinja2,
PDF from WeasyPrint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from trialdesk import __version__
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.protocol.analysis_words import population_name
from trialdesk.stats.datasets import AnalysisDatasets, TrialRecords
from trialdesk.stats.reports import (
    deviations,
    disposition,
    efficacy,
    efficacy_time,
    endpoint_tables,
    figures,
    response_over_time,
    safety,
    therapy_use,
)
from trialdesk.stats.reports.form_sections import form_sections
from trialdesk.stats.reports.groups import Grouping, ReportKind
from trialdesk.stats.reports.layout import number_captions
from trialdesk.stats.reports.masking import Masking
from trialdesk.stats.reports.report_stamp import approval_roles, generation_stamp
from trialdesk.stats.reports.sensitivity import sensitivity_analyses

__all__ = ["Report", "build_report", "render_pdf", "write_report"]

_TITLES = {
    ReportKind.FINAL: "Final analysis report",
    ReportKind.DSMB_CLOSED: "DSMB closed report",
    ReportKind.DSMB_OPEN: "DSMB open report (pooled)",
}
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("trialdesk.stats.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _css_string(value: object) -> Markup:
    """A quoted CSS string for the page margin boxes (inside ``<style>``, where HTML escaping
    would print entities literally)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return Markup(f'"{text}"')


_ENVIRONMENT.filters["css"] = _css_string


@dataclass(frozen=True, slots=True)
class Report:
    """A rendered report and the numbers it shows."""

    kind: ReportKind
    html: str
    context: dict[str, Any]

    @property
    def sha256(self) -> str:
        """SHA-256 of the analysed data snapshot."""
        return str(self.context["stamp"]["sha256"])

    @property
    def primary_comparison(self) -> dict[str, Any] | None:
        """The primary endpoint's two-arm comparison (``None`` in the pooled open report)."""
        primary = next(e for e in self.context["responses"] if e["primary"])
        comparison: dict[str, Any] | None = primary.get("comparison")
        return comparison


def _masks_products(kind: ReportKind, unmasked: bool) -> bool:
    """Subject-level lines name no study product outside the final and an unmasked report: a
    product given to one arm only would tell the reader that patient's arm."""
    return kind is ReportKind.DSMB_OPEN or (kind is ReportKind.DSMB_CLOSED and not unmasked)


def build_report(
    datasets: AnalysisDatasets,
    records: TrialRecords,
    protocol: Protocol,
    kind: ReportKind,
    *,
    unmasked: bool = False,
    generated_at: dt.datetime | None = None,
    coded_order: Sequence[str] | None = None,
) -> Report:
    """Compute every section of a report and render it to HTML.

    The final report compares the arms by name. The DSMB closed report compares arms coded A/B
    (unless ``unmasked``) in the trial's coding key ``coded_order`` (arm codes in the order that
    receives A, B, …); the open report pools everybody and shows no comparison.
    ``generated_at`` (default: now) is printed on every page with the data's SHA-256.
    """
    grouping = Grouping.for_report(protocol, kind, unmasked=unmasked, coded_order=coded_order)
    adsl = datasets.adsl
    plan = protocol.analysis
    itt = adsl[adsl["ITTFL"] == "Y"]
    context: dict[str, Any] = {
        "title": _TITLES[kind],
        "study": protocol.identification,
        "stamp": {
            "protocol": protocol.version.version,
            "trialdesk": __version__,
            "cutoff": "none (all data)" if datasets.cutoff is None else datasets.cutoff.isoformat(),
            "sha256": datasets.sha256,
            "groups": ", ".join(grouping.columns),
            "generated": generation_stamp(generated_at, protocol.time_zone),
        },
        "columns": grouping.columns,
        "sap": {
            "test": plan.test,
            "stratified_test": plan.stratified_test,
            "alpha": plan.alpha,
            "sides": plan.sides,
            "population": plan.primary_population,
            "population_label": population_name(plan, plan.primary_population).lower(),
        },
        "consort": disposition.consort(adsl, grouping, protocol, records),
        "pp_exclusions": disposition.per_protocol_exclusions(adsl, grouping),
        "enrolment": disposition.enrolment_by_site(adsl, grouping),
        "enrolment_plot": figures.enrolment_plot(itt["RANDDT"], itt["SITEID"]),
        "baseline": disposition.baseline_table(adsl, grouping),
        "responses": efficacy.response_analysis(adsl, grouping, plan),
        "sensitivity": sensitivity_analyses(
            adsl, grouping, plan, masked=kind is ReportKind.DSMB_CLOSED and not unmasked
        ),
        "endpoint_detail": {
            "intercurrent": endpoint_tables.intercurrent_events_table(adsl, grouping),
            "steroids": endpoint_tables.steroid_exposure_table(adsl, grouping),
            "organs": endpoint_tables.organ_response_table(adsl, grouping),
            "best": endpoint_tables.best_response_table(adsl, datasets.adtte, grouping),
        },
        "forest": efficacy.subgroup_forest(adsl, grouping) if grouping.compares else None,
        "survival": efficacy.survival_analyses(datasets.adtte, grouping),
        "safety": safety.safety_section(
            datasets.adae, adsl, protocol, grouping, Masking.for_report(protocol, kind, grouping)
        ),
        "quality": disposition.data_quality(datasets, records, protocol),
        "forms": form_sections(datasets, protocol, grouping),  # risk, cGVHD, infections
        # Efficacy detail (templates/efficacy_detail.html.j2): HR and landmarks, response by
        # visit, rescue therapy, deviations; product names masked outside the final report.
        "time_to_event": efficacy_time.time_to_event_detail(datasets.adtte, adsl, grouping, plan),
        "response_by_visit": response_over_time.response_by_visit(
            adsl, datasets.adrs, protocol, grouping
        ),
        "therapy_use": therapy_use.therapy_section(datasets, records, grouping),
        "deviations": deviations.deviation_section(
            datasets, records, protocol, grouping, masked=_masks_products(kind, unmasked)
        ),
        "approval": approval_roles(kind),
    }
    # Numbered after rendering, so every section's captions count in document order.
    html, captions = number_captions(_ENVIRONMENT.get_template("report.html.j2").render(**context))
    context["captions"] = [(c.kind, c.number, c.title) for c in captions]
    return Report(kind=kind, html=html, context=context)


def render_pdf(report: Report) -> bytes:
    """The report as a PDF document (A4; the stamp, "Page N of M" and the data SHA-256 in the
    margins of every page)."""
    import weasyprint  # imported here: loading Pango is slow and only rendering needs it

    # Figures are embedded as data URIs, so the document needs no base URL.
    pdf: bytes = weasyprint.HTML(string=report.html).write_pdf()
    return pdf


def write_report(report: Report, directory: Path) -> tuple[Path, Path]:
    """Write ``<kind>.html`` and ``<kind>.pdf`` into ``directory``; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    html_path = directory / f"{report.kind.value}_report.html"
    pdf_path = directory / f"{report.kind.value}_report.pdf"
    html_path.write_text(report.html, encoding="utf-8")
    pdf_path.write_bytes(render_pdf(report))
    return html_path, pdf_path
