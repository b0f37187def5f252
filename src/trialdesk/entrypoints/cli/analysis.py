"""``trialdesk export datasets`` and ``trialdesk report final|dsmb``: analyses from the store.

Both read the store in one snapshot, derive the analysis datasets and record the export in the
audit trail (with the data cut-off and the SHA-256 of the analysed data) before writing files.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trialdesk.domain.errors import InputError
from trialdesk.entrypoints.cli import output
from trialdesk.entrypoints.cli.db import DbOption
from trialdesk.entrypoints.cli.output import JsonOption
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

if TYPE_CHECKING:
    from trialdesk.services.randomization.analysis_data import AnalysisPurpose, PreparedAnalysis
    from trialdesk.stats.reports import ReportKind

export_app = output.new_app("export", "Export analysis data from the store.")
report_app = output.new_app("report", "Write the final or DSMB report (HTML and PDF).")

OutOption = Annotated[
    Path,
    typer.Option("--out", help="Directory to write into (created if needed).", file_okay=False),
]


class DatasetFormat(enum.StrEnum):
    """Choices of ``export datasets --format``.

    The values of :class:`trialdesk.stats.datasets.ExportFormat`, repeated because importing that
    package loads pandas, which ``--help`` must not wait for (a test keeps the two equal).
    """

    CSV = "csv"
    XPT = "xpt"


CutoffOption = Annotated[
    str | None,
    typer.Option("--cutoff", help="Data cut-off date YYYY-MM-DD (inclusive); default: all data."),
]


def _prepare(
    db: str | None,
    protocol_file: Path | None,
    purpose: AnalysisPurpose,
    cutoff: str | None,
    details: dict[str, object],
) -> PreparedAnalysis:
    from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
    from trialdesk.bootstrap import build_store, checkpoint_after_export, load_protocol
    from trialdesk.services.randomization.analysis_data import parse_cutoff, prepare_analysis

    protocol = load_protocol(protocol_file)
    cut = parse_cutoff(cutoff)
    with build_store(db) as store:
        prepared = prepare_analysis(
            store.new_uow(), SqlAlchemyAnalysisReader(store.engine), as_user=None,
            protocol=protocol, purpose=purpose, cutoff=cut, details=details,
        )  # fmt: skip
        checkpoint_after_export(store)
        return prepared


@export_app.command("datasets")
def export_datasets(
    out: OutOption,
    export_format: Annotated[
        DatasetFormat, typer.Option("--format", help="csv, or xpt (SAS transport v5).")
    ] = DatasetFormat.CSV,
    cutoff: CutoffOption = None,
    db: DbOption = None,
    protocol: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """Write ADSL, ADRS, ADTTE and ADAE (an audited export)."""
    from trialdesk.services.randomization.analysis_data import AnalysisPurpose
    from trialdesk.stats.datasets import ExportFormat, write_datasets

    prepared = _prepare(db, protocol, AnalysisPurpose.DATASETS, cutoff,
                        {"format": export_format.value})  # fmt: skip
    files = write_datasets(prepared.datasets, out, ExportFormat(export_format.value))
    document = {
        "files": [str(p) for p in files],
        "rows": {name: len(frame) for name, frame in prepared.datasets.items()},
        "cutoff": prepared.datasets.cutoff,
        "sha256": prepared.datasets.sha256,
    }
    output.emit(document, as_json=json, render=lambda d: output.console.print(
        f"wrote {len(d['files'])} datasets to {out} (sha256 {d['sha256']})"))  # fmt: skip


def _report(
    kind: ReportKind, out: Path, cutoff: str | None, db: str | None, protocol: Path | None,
    unmasked: bool, json: bool,
) -> None:  # fmt: skip
    from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
    from trialdesk.bootstrap import build_store, checkpoint_after_export, load_protocol
    from trialdesk.services.randomization.analysis_data import parse_cutoff, produce_report
    from trialdesk.stats.reports import write_report

    loaded = load_protocol(protocol)
    cut = parse_cutoff(cutoff)
    with build_store(db) as store:
        report = produce_report(
            store.new_uow(), SqlAlchemyAnalysisReader(store.engine), as_user=None,
            protocol=loaded, kind=kind, cutoff=cut, unmasked=unmasked,
        )  # fmt: skip
        checkpoint_after_export(store)
    html_path, pdf_path = write_report(report, out)
    document = {
        "report": kind.value, "html": str(html_path), "pdf": str(pdf_path),
        "sha256": report.sha256, "cutoff": cut, "primary": report.primary_comparison,
    }  # fmt: skip
    output.emit(document, as_json=json, render=lambda d: output.console.print(
        f"wrote {d['html']} and {d['pdf']} (sha256 {d['sha256']})"))  # fmt: skip


@report_app.command("final")
def final_report(
    out: OutOption,
    cutoff: CutoffOption = None,
    db: DbOption = None,
    protocol: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """The final analysis report by arm (an audited export)."""
    from trialdesk.stats.reports import ReportKind

    _report(ReportKind.FINAL, out, cutoff, db, protocol, True, json)


@report_app.command("dsmb")
def dsmb_report(
    out: OutOption,
    session: Annotated[
        str, typer.Option("--session", help="closed (by coded arm A/B) or open (pooled).")
    ] = "closed",
    unmasked: Annotated[
        bool, typer.Option("--unmasked", help="Closed report with real arm names.")
    ] = False,
    cutoff: CutoffOption = None,
    db: DbOption = None,
    protocol: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """The DSMB report: closed (coded arms) or open (pooled), an audited export."""
    from trialdesk.stats.reports import ReportKind

    kinds = {"closed": ReportKind.DSMB_CLOSED, "open": ReportKind.DSMB_OPEN}
    if session not in kinds:
        raise InputError.single("session", f"use closed or open, not {session!r}")
    _report(kinds[session], out, cutoff, db, protocol, unmasked, json)
