"""What a person reads for a field of a saved record, and which fields a record has.

A field is named by a dotted path into the stored record: a column (``onset_on``) or one entry
of a structured column (``measurements.skin_bsa_pct``, ``answers.age_years``,
``values.dose_mg``). Queries, source-data verification, the readable audit trail and the
casebook all name fields this way, so a query raised on a field, the verification of that field
and the audit rows of its corrections meet on the same path.

Entries of ``answers`` (screening) and ``values`` (protocol forms) are labelled from the
protocol, so a second trial's file brings its own words; the rest is fixed here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from trialdesk.domain.protocol import Protocol

__all__ = ["FIELD_LABELS", "STRUCTURED_COLUMNS", "field_label", "field_paths"]

_MEASUREMENTS: dict[str, str] = {
    "measurements.skin_bsa_pct": "Skin rash (% body surface area)",
    "measurements.bullae": "Bullae",
    "measurements.desquamation_bsa_pct": "Desquamation (% body surface area)",
    "measurements.bilirubin": "Total bilirubin",
    "measurements.bilirubin_unit": "Bilirubin unit",
    "measurements.upper_gi_persistent": "Persistent nausea, vomiting or anorexia",
    "measurements.stool_ml_per_day": "Stool volume (mL/day)",
    "measurements.stool_episodes_per_day": "Stool episodes per day",
    "measurements.severe_abdominal_pain": "Severe abdominal pain",
    "measurements.bloody_stool": "Grossly bloody stool",
}

_TABLES: dict[str, dict[str, str]] = {
    "subjects": {
        "screening_number": "Screening number",
        "subject_code": "Subject number",
        "state": "Status",
        "site_id": "Site",
    },
    "screening_records": {"screened_on": "Screening date", "answers": "Screening answers"},
    "consents": {
        "consented_on": "Date of consent",
        "form_version": "Consent form version",
        "obtained_by": "Consent obtained by",
    },
    "visits": {"visit_code": "Visit", "visit_date": "Visit date"},
    "dose_administrations": {
        "administered_on": "Date given",
        "weight_kg": "Body weight (kg)",
        "dose_value": "Dose",
        "product": "Product",
        "course": "Course",
    },
    "gvhd_assessments": {
        "assessed_on": "Assessment date",
        "visit_code": "Visit",
        "measurements": "Organ measurements",
        **_MEASUREMENTS,
    },
    "adverse_events": {
        "term": "Adverse event term",
        "meddra_code": "MedDRA code",
        "other_term": "Event (Other, specify)",
        "soc": "System organ class",
        "ctcae_grade": "CTCAE grade",
        "onset_on": "Onset date",
        "aware_at": "Site aware at",
        "seriousness_criteria": "Seriousness criteria",
        "related_to": "Related to",
        "expected": "Expected",
        "outcome": "Outcome",
        "resolved_on": "Date resolved",
    },
    "therapies": {
        "kind": "Kind of therapy",
        "name": "Therapy",
        "started_on": "Start date",
        "stopped_on": "Stop date",
        "indication": "Indication",
    },
    "outcomes": {
        "kind": "Outcome",
        "occurred_on": "Date",
        "cause": "Cause",
        "details": "Details",
    },
    "form_records": {"visit_code": "Visit", "record_date": "Date", "values": "Form values"},
}

#: ``FIELD_LABELS[table][path]``: the fixed labels; read-only.
FIELD_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {table: MappingProxyType(labels) for table, labels in _TABLES.items()}
)

#: Columns holding one value per entry; a field inside one is named ``column.entry``.
STRUCTURED_COLUMNS: Mapping[str, str] = MappingProxyType(
    {"gvhd_assessments": "measurements", "screening_records": "answers", "form_records": "values"}
)


def _protocol_label(
    protocol: Protocol | None, table: str, entry: str, form_code: str | None
) -> str | None:
    if protocol is None:
        return None
    if table == "screening_records":
        for field in protocol.screening_fields:
            if field.name == entry:
                return field.label
        for criterion in protocol.criteria:
            if criterion.id == entry:
                return criterion.text
    if table == "form_records":
        for form in protocol.forms:
            if form_code in (None, form.code) and (spec := form.field(entry)) is not None:
                return spec.label
    return None


def field_label(
    table: str, path: str, *, protocol: Protocol | None = None, form_code: str | None = None
) -> str:
    """The label of the field ``path`` of a record of ``table``.

    A path nobody labelled is shown as its last part with underscores as spaces, so the reader
    still sees what is stored rather than nothing.
    """
    known = _TABLES.get(table, {}).get(path)
    if known is not None:
        return known
    column, _, entry = path.partition(".")
    if entry and STRUCTURED_COLUMNS.get(table) == column:
        found = _protocol_label(protocol, table, entry, form_code)
        if found is not None:
            return found
    last = path.rpartition(".")[2]
    return last.replace("_", " ").capitalize()


def field_paths(table: str, record: Mapping[str, Any]) -> Iterator[str]:
    """The labelled fields a saved record holds, structured columns expanded entry by entry."""
    structured = STRUCTURED_COLUMNS.get(table)
    for column in _TABLES.get(table, {}):
        if "." in column or column not in record:
            continue
        value = record[column]
        if column == structured and isinstance(value, Mapping):
            yield from (f"{column}.{entry}" for entry in value)
        else:
            yield column
