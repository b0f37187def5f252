"""AE tables by SOC and CTCAE term, by worst grade: counts and Fisher p against R.

tests/golden/make_ae_golden.R draws the events (tests/golden/data/ae_events.csv) and counts
them with base R (patients by worst grade, events) and ``fisher.test``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest
from golden_values import GOLDEN, P_VALUE_RTOL

from trialdesk.stats.reports.ae_tables import soc_term_table
from trialdesk.stats.reports.groups import Grouping

GROUPING = Grouping({"A": "Arm A", "B": "Arm B"}, "Arm A", "Arm B")


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GOLDEN / "ae_tables.json").read_text(encoding="utf-8"))
    return loaded


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(GOLDEN / "data" / "ae_events.csv", keep_default_na=False)
    events = pd.DataFrame({
        "SUBJID": raw["subject"], "AEDECOD": raw["decoded"], "AETERM": raw["verbatim"],
        "AESOC": raw["soc"], "AETOXGR": raw["grade"],
    })  # fmt: skip
    subjects = pd.read_csv(GOLDEN / "data" / "ae_subjects.csv")
    safety = pd.DataFrame({"SUBJID": subjects["subject"], "GROUP": "Arm " + subjects["arm"]})
    return events, safety


def _count(cell: str) -> int:
    found = re.match(r"(\d+)", cell)
    assert found is not None, cell
    return int(found.group(1))


def test_rows_counts_and_order_match_r(golden: dict[str, Any]) -> None:
    events, safety = _frames()
    table = soc_term_table(events, safety, GROUPING, compare_arms=())
    assert [(r["label"], r["level"]) for r in table["rows"]] == [
        (r["label"], r["level"]) for r in golden["rows"]
    ]
    for mine, theirs in zip(table["rows"], golden["rows"], strict=True):
        assert [_count(v) for v in mine["values"]] == theirs["counts"], mine["label"]
        assert mine["p"] == ""  # nothing pre-specified: no test shown
    assert table["compared"] is False
    assert table["rows"][-2]["label"] == "Not coded"  # uncoded events last, under their text


def test_percentages_are_of_the_arms_safety_set() -> None:
    events, safety = _frames()
    rows = soc_term_table(events, safety, GROUPING, compare_arms=())["rows"]
    sepsis = next(r for r in rows if r["label"] == "Sepsis")
    n = _count(sepsis["values"][0])
    assert sepsis["values"][0] == f"{n} ({100 * n / 30:.1f}%)"


def test_fisher_p_only_for_the_prespecified_term_and_soc_matches_r(
    golden: dict[str, Any],
) -> None:
    events, safety = _frames()
    asked = ["Sepsis", "Gastrointestinal disorders"]
    table = soc_term_table(events, safety, GROUPING, compare_arms=asked)
    assert table["compared"] is True
    shown = {r["label"]: r["p"] for r in table["rows"] if r["p"]}
    assert set(shown) == set(asked)
    for row in golden["rows"]:
        if row["label"] in shown:
            assert float(shown[row["label"]]) == pytest.approx(
                row["p_fisher"], rel=P_VALUE_RTOL, abs=5e-5
            )  # the report prints 4 decimals
