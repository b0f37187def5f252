"""Reading everything an analysis needs from the store in one consistent snapshot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Table, select

from trialdesk.adapters.db import tables as t
from trialdesk.stats.datasets import TrialRecords

__all__ = ["SqlAlchemyAnalysisReader"]

#: TrialRecords field → table, and the columns read (raw measurements and query texts are not).
_SOURCES: dict[str, tuple[Table, tuple[str, ...] | None]] = {
    "sites": (t.sites, ("id", "code", "name")),
    "subjects": (t.subjects, ("id", "screening_number", "subject_code", "site_id", "state",
                              "birth_year", "sex", "created_at")),
    "screenings": (t.screening_records, ("id", "subject_id", "screened_on", "answers",
                                         "criteria_results", "eligible")),
    "consents": (t.consents, ("id", "subject_id", "consented_on")),
    "allocations": (t.allocations, ("id", "subject_id", "arm", "stratum", "allocated_at",
                                    "is_error")),
    "doses": (t.dose_administrations, ("id", "subject_id", "product", "administered_on",
                                       "weight_kg", "dose_value", "planned_dose_value")),
    "assessments": (t.gvhd_assessments, ("id", "subject_id", "assessed_on", "skin_stage",
                                         "liver_stage", "upper_gi_stage", "lower_gi_stage",
                                         "grade", "response", "grading_system",
                                         "response_rule_set", "additional_therapy",
                                         "additional_therapy_names", "attribution")),
    "adverse_events": (t.adverse_events, ("id", "subject_id", "term", "ctcae_grade",
                                          "onset_on", "serious", "seriousness_criteria",
                                          "related_to", "derived", "outcome",
                                          "meddra_code", "soc")),
    "therapies": (t.therapies, ("id", "subject_id", "kind", "name", "started_on")),
    "outcomes": (t.outcomes, ("id", "subject_id", "kind", "occurred_on", "cause")),
    "visits": (t.visits, ("id", "subject_id", "visit_code", "visit_date")),
    "forms": (t.form_records, ("id", "subject_id", "form", "visit_code", "record_date",
                               "values", "derived")),
    "queries": (t.queries, ("id", "subject_id", "entity", "field", "status", "created_at",
                            "origin")),
}  # fmt: skip


class SqlAlchemyAnalysisReader:
    """Implements the analysis read port with one read-only transaction over every table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self) -> TrialRecords:
        """All analysis records; one transaction, so the tables agree with each other."""
        found: dict[str, list[dict[str, Any]]] = {}
        with self._engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                for name, (table, columns) in _SOURCES.items():
                    chosen = [table.c[c] for c in columns] if columns else list(table.c)
                    statement = select(*chosen).order_by(table.c.id)
                    if "deleted_at" in table.c:  # records deleted with a reason are not data
                        statement = statement.where(table.c.deleted_at.is_(None))
                    result = connection.execute(statement)
                    found[name] = [dict(row) for row in result.mappings()]
        return TrialRecords(**found)
