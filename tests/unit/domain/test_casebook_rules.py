"""The casebook's rules: rows and columns in protocol order, applicability, status precedence."""

from __future__ import annotations

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.casebook import (
    LEGEND,
    CasebookColumn,
    CellFacts,
    CellStatus,
    RowKind,
    casebook_layout,
    cell_status,
    is_applicable,
)
from trialdesk.domain.protocol import VisitPhase


def test_every_status_has_an_icon_a_label_and_a_legend() -> None:
    assert set(LEGEND) == set(CellStatus)
    for text in LEGEND.values():
        assert text.icon
        assert text.label
        assert text.legend.endswith(".")
    assert len({t.icon for t in LEGEND.values()}) == len(LEGEND)


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (CellFacts(), CellStatus.NOT_STARTED),
        (CellFacts(applicable=False), CellStatus.NOT_APPLICABLE),
        (CellFacts(cancelled=True), CellStatus.CANCELLED),
        (CellFacts(locked=True), CellStatus.LOCKED),
        (CellFacts(records=1), CellStatus.COMPLETE),
        (CellFacts(records=1, incomplete=True), CellStatus.INCOMPLETE),
        (CellFacts(records=1, incomplete=True, verified=True), CellStatus.VERIFIED),
        (CellFacts(records=1, verified=True, open_queries=1), CellStatus.OPEN_QUERY),
        (CellFacts(records=1, open_queries=2, signed=True), CellStatus.SIGNED),
        (CellFacts(records=1, signed=True, locked=True), CellStatus.LOCKED),
        # A record where none was expected is reviewed like any other.
        (CellFacts(applicable=False, records=1), CellStatus.COMPLETE),
        (CellFacts(cancelled=True, records=1, open_queries=1), CellStatus.OPEN_QUERY),
    ],
)
def test_cell_status_precedence(facts: CellFacts, status: CellStatus) -> None:
    assert cell_status(facts) is status


def test_rows_follow_the_protocol_order_then_the_log_forms() -> None:
    protocol = load_protocol()
    layout = casebook_layout(protocol)
    kinds = [r.kind for r in layout.rows]
    assert kinds[:6] == [
        RowKind.SCREENING, RowKind.CONSENT, RowKind.RANDOMIZATION, RowKind.VISIT, RowKind.DOSE,
        RowKind.ASSESSMENT,
    ]  # fmt: skip
    assert [r.form_code for r in layout.rows[6:]] == [
        "baseline_risk",
        "chronic_gvhd",
        "msc_product",
    ]
    assert [r.kind for r in layout.log_rows[:3]] == [
        RowKind.ADVERSE_EVENT, RowKind.THERAPY, RowKind.OUTCOME
    ]  # fmt: skip
    assert [r.form_code for r in layout.log_rows[3:]] == [
        "corticosteroids", "immunosuppressants", "infections"
    ]  # fmt: skip
    assert all(r.is_log for r in layout.log_rows)
    assert not any(r.is_log for r in layout.rows)
    assert layout.rows[0].table == "screening_records"


def test_a_second_course_repeats_the_course_visits() -> None:
    protocol = load_protocol()
    one = [c.key for c in casebook_layout(protocol, 1).columns]
    two = [c.key for c in casebook_layout(protocol, 2).columns]
    assert one == ["SCR", "D1", "D4", "D8", "D15", "D22", "D29", "W8", "W12", "W26", "W52"]
    assert two[:7] == one[:7]
    assert two[7:13] == ["D1.2", "D4.2", "D8.2", "D15.2", "D22.2", "D29.2"]
    assert two[13:] == one[7:]


def _column(layout_columns: tuple[CasebookColumn, ...], key: str) -> CasebookColumn:
    return next(c for c in layout_columns if c.key == key)


def test_applicability_by_visit_and_arm() -> None:
    protocol = load_protocol()
    layout = casebook_layout(protocol, 2)
    rows = {r.form_code or r.kind.value: r for r in layout.rows}
    scr, d4, d8, d29 = (_column(layout.columns, k) for k in ("SCR", "D4", "D8", "D29"))
    d8_2, w8 = _column(layout.columns, "D8.2"), _column(layout.columns, "W8")
    assert scr.phase is VisitPhase.SCREENING
    assert d8_2.course == 2
    assert is_applicable(rows["screening"], scr, None)
    assert not is_applicable(rows["consent"], d8, "cd25")
    assert is_applicable(rows["visit"], w8, "cd25")
    assert is_applicable(rows["dose"], d4, "cd25")
    assert not is_applicable(rows["dose"], d29, None)
    assert is_applicable(rows["assessment"], d8, None)
    assert not is_applicable(rows["assessment"], d4, None)
    # The MSC product form only for the MSC arm, only in the first course.
    assert is_applicable(rows["msc_product"], d8, "msc_cd25")
    assert not is_applicable(rows["msc_product"], d8, "cd25")
    assert not is_applicable(rows["msc_product"], d8_2, "msc_cd25")
    assert is_applicable(rows["chronic_gvhd"], w8, None)
    assert is_applicable(rows["baseline_risk"], scr, None)
    assert not is_applicable(layout.log_rows[0], scr, None)
