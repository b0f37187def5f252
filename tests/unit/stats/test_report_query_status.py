"""The report's data-quality table names query statuses as the query pages do."""

from __future__ import annotations

from trialdesk.stats.reports.disposition import queries_by_status


def test_statuses_are_labelled_and_in_the_order_a_query_moves() -> None:
    queries = [{"status": s} for s in ("closed", "reopened", "open", "open", "answered")]
    assert queries_by_status(queries) == [
        ("Open", 2), ("Answered", 1), ("Re-opened", 1), ("Closed", 1),
    ]  # fmt: skip


def test_no_query_gives_an_empty_table() -> None:
    assert queries_by_status([]) == []
