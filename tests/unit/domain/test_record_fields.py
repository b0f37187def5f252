"""Field labels and field paths: the names queries, SDV and the audit trail show for a field."""

from __future__ import annotations

import dataclasses

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.gvhd.measurements import OrganMeasurements
from trialdesk.domain.protocol.edit_checks import NUMBER_FIELDS
from trialdesk.domain.record_fields import FIELD_LABELS, field_label, field_paths
from trialdesk.services.clinical.correction_rules import EDITABLE_FIELDS


def test_every_measurement_has_a_label() -> None:
    for field in dataclasses.fields(OrganMeasurements):
        assert f"measurements.{field.name}" in FIELD_LABELS["gvhd_assessments"]


def test_every_editable_and_range_checked_field_has_a_label() -> None:
    for table, names in EDITABLE_FIELDS.items():
        assert names <= set(FIELD_LABELS[table]), table
    for table, paths in NUMBER_FIELDS.items():
        assert set(paths) <= set(FIELD_LABELS[table]), table


def test_skin_bsa_reads_as_words() -> None:
    label = field_label("gvhd_assessments", "measurements.skin_bsa_pct")
    assert label == "Skin rash (% body surface area)"


def test_protocol_fields_take_the_protocol_words() -> None:
    protocol = load_protocol()
    screening = protocol.screening_fields[0]
    assert field_label("screening_records", f"answers.{screening.name}", protocol=protocol) == (
        screening.label
    )
    form = protocol.forms[0]
    first = form.fields[0]
    assert (
        field_label("form_records", f"values.{first.name}", protocol=protocol, form_code=form.code)
        == first.label
    )


def test_unknown_path_shows_what_is_stored() -> None:
    assert field_label("form_records", "values.new_thing") == "New thing"
    assert field_label("no_such_table", "odd_name") == "Odd name"


def test_paths_expand_structured_columns() -> None:
    record = {"id": 3, "assessed_on": "2026-01-02", "visit_code": "D15",
              "measurements": {"skin_bsa_pct": 20, "bilirubin": 1.0}, "created_by": 1}  # fmt: skip
    assert list(field_paths("gvhd_assessments", record)) == [
        "assessed_on", "visit_code", "measurements.skin_bsa_pct", "measurements.bilirubin",
    ]  # fmt: skip
