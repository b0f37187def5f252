"""Analysis data for statisticians and the DSMB: read the store, derive datasets, audit the use.

Every use of the analysis data (dataset export, final or DSMB report) is an audited export event
recording what was produced, the data cut-off and the SHA-256 of the analysed snapshot.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol as TypingProtocol

from trialdesk.domain.access import Action, Role
from trialdesk.domain.audit import AuditAction
from trialdesk.domain.errors import InputError, PermissionDeniedError
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.refusals import refusal_message
from trialdesk.services.accounts.access import Actor, load_actor
from trialdesk.services.clinical.recording import audit_event
from trialdesk.services.ports import UnitOfWork
from trialdesk.services.trial.trial_settings import dsmb_arm_coding
from trialdesk.stats.datasets import AnalysisDatasets, TrialRecords, build_datasets
from trialdesk.stats.reports import Report, ReportKind, build_report

__all__ = [
    "AnalysisPurpose",
    "AnalysisReader",
    "PreparedAnalysis",
    "parse_cutoff",
    "prepare_analysis",
    "produce_report",
    "require_report_access",
]


class AnalysisReader(TypingProtocol):
    def read(self) -> TrialRecords:
        """Every record an analysis needs, read in one consistent snapshot."""
        ...


class AnalysisPurpose(enum.StrEnum):
    DATASETS = "analysis_datasets"
    FINAL_REPORT = "final_report"
    DSMB_REPORT = "dsmb_report"


@dataclass(frozen=True, slots=True)
class PreparedAnalysis:
    """The records read and the datasets derived from them."""

    records: TrialRecords
    datasets: AnalysisDatasets


def _require(actor: Actor, purpose: AnalysisPurpose) -> None:
    # Subject-level datasets are for the trial statistician; reports (aggregates) also for the
    # DSMB, whose role may view aggregates.
    if purpose is AnalysisPurpose.DATASETS:
        if not actor.is_system and Role.STATISTICIAN not in {role for role, _ in actor.grants}:
            raise PermissionDeniedError("exporting analysis datasets needs the statistician role")
    elif not actor.may_anywhere(Action.VIEW_AGGREGATES):
        raise PermissionDeniedError(refusal_message(Action.VIEW_AGGREGATES))


def prepare_analysis(
    uow: UnitOfWork,
    reader: AnalysisReader,
    *,
    as_user: int | None,
    protocol: Protocol,
    purpose: AnalysisPurpose,
    cutoff: dt.date | None = None,
    details: dict[str, object] | None = None,
) -> PreparedAnalysis:
    """Derive the analysis datasets at the cut-off and record the export in the audit trail."""
    # Read first, in the reader's own snapshot: on SQLite the unit of work holds the write lock
    # for its whole transaction, and the reader would wait on it. Nothing leaves this function
    # before the permission check below.
    records = reader.read()
    with uow:
        actor = load_actor(uow, as_user)
        _require(actor, purpose)
        datasets = build_datasets(records, protocol, cutoff=cutoff)
        audit_event(
            uow, actor, AuditAction.EXPORT, purpose.value,
            new={"cutoff": None if cutoff is None else cutoff.isoformat(),
                 "sha256": datasets.sha256, "protocol_version": protocol.version.version,
                 "rows": {name: len(frame) for name, frame in datasets.items()},
                 **(details or {})},
        )  # fmt: skip
        uow.commit()
    return PreparedAnalysis(records=records, datasets=datasets)


def parse_cutoff(value: str | None) -> dt.date | None:
    """A data cut-off given as ``YYYY-MM-DD``; empty or ``None`` means all data."""
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError.single("cutoff", f"{value!r} is not a date (use YYYY-MM-DD)") from None


def require_report_access(uow: UnitOfWork, *, as_user: int | None) -> None:
    """Refuse unless the user may see the reports (aggregates), before anything is read."""
    with uow:
        _require(load_actor(uow, as_user), AnalysisPurpose.FINAL_REPORT)


def produce_report(
    uow: UnitOfWork,
    reader: AnalysisReader,
    *,
    as_user: int | None,
    protocol: Protocol,
    kind: ReportKind,
    cutoff: dt.date | None = None,
    unmasked: bool = False,
    details: dict[str, object] | None = None,
) -> Report:
    """The final or DSMB report at the cut-off, its production recorded as an audited export.

    The command line and the web application both come here, so a statistician and a DSMB
    member looking at the same cut-off see the same numbers and the same snapshot hash.
    """
    purpose = AnalysisPurpose.FINAL_REPORT if kind is ReportKind.FINAL else (
        AnalysisPurpose.DSMB_REPORT)  # fmt: skip
    coded_order = None
    if kind is ReportKind.DSMB_CLOSED and not unmasked:
        coded_order = dsmb_arm_coding(
            uow, as_user=as_user, arm_codes=[arm.code for arm in protocol.arms]
        )
    prepared = prepare_analysis(
        uow, reader, as_user=as_user, protocol=protocol, purpose=purpose, cutoff=cutoff,
        details={"report": kind.value, "unmasked": unmasked, **(details or {})},
    )  # fmt: skip
    return build_report(
        prepared.datasets, prepared.records, protocol, kind, unmasked=unmasked,
        coded_order=coded_order,
    )  # fmt: skip
