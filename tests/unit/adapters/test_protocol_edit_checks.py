"""The protocol file's ``edit_checks``: the built-in set, and broken checks refused by path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from trialdesk.adapters.protocol_file import builtin_protocol_path, parse_protocol
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.errors import ProtocolError
from trialdesk.domain.protocol import CheckTarget, RuleKind, Severity

BUILTIN: dict[str, Any] = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))
Mutation = Callable[[dict[str, Any]], None]


def _errors_of(mutate: Mutation) -> list[str]:
    document = copy.deepcopy(BUILTIN)
    mutate(document)
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(yaml.safe_dump(document, allow_unicode=True))
    return [str(e) for e in caught.value.errors]


def _check(index: int, **changes: Any) -> Mutation:
    def mutate(document: dict[str, Any]) -> None:
        check = document["edit_checks"][index]
        for key, value in changes.items():
            if value is None:
                check.pop(key, None)
            else:
                check[key] = value

    return mutate


def test_the_builtin_protocol_declares_hard_and_soft_checks() -> None:
    checks = {c.code: c for c in load_protocol().edit_checks}
    hard = {code for code, c in checks.items() if c.severity is Severity.HARD}
    assert hard == {
        "dose_tenfold", "dose_min_gap", "date_in_future", "before_randomization", "after_death",
    }  # fmt: skip
    tenfold = checks["dose_tenfold"]
    assert (tenfold.rule, tenfold.factor) == (RuleKind.DOSE_RATIO, 10)
    assert tenfold.applies_to == (CheckTarget("dose_administrations", "dose_value"),)
    assert checks["dose_deviation"].tolerance == pytest.approx(0.10)
    bilirubin = checks["bilirubin_mg_dl_range"]
    assert (bilirubin.unit, bilirubin.max) == ("mg/dL", 30)
    assert checks["duplicate_record"].seconds == 60
    adverse = next(
        t for t in checks["duplicate_record"].applies_to if t.collection == "adverse_events"
    )
    assert adverse.keys == ("term", "onset_on")


def test_the_builtin_edit_checks_are_an_assumption_with_a_reason() -> None:
    assumption = next(a for a in load_protocol().assumptions if a.path == "edit_checks")
    assert "10×" in assumption.choice
    assert assumption.reason


def _without_section(document: dict[str, Any]) -> None:
    del document["edit_checks"]


def _duplicate_code(document: dict[str, Any]) -> None:
    document["edit_checks"][1]["code"] = "dose_tenfold"


BROKEN = [
    pytest.param(_without_section, "edit_checks: is required", id="no section"),
    pytest.param(
        _check(0, rule="dose_ratios"),
        "edit_checks[0].rule: must be one of",
        id="unknown rule",
    ),
    pytest.param(
        _check(0, severity="warn"), "edit_checks[0].severity: must be one of", id="bad severity"
    ),
    pytest.param(
        _duplicate_code,
        "edit_checks[1].code: duplicate 'dose_tenfold' (also at edit_checks[0].code)",
        id="duplicate code",
    ),
    pytest.param(
        _check(0, factor=None), "edit_checks[0].factor: dose_ratio needs it", id="no factor"
    ),
    pytest.param(_check(0, factor=1), "edit_checks[0].factor: must be > 1", id="factor 1"),
    pytest.param(
        _check(5, tolerance=1.5), "edit_checks[5].tolerance: must be < 1", id="tolerance > 1"
    ),
    pytest.param(
        _check(2, seconds=30),
        "edit_checks[2].seconds: not used by not_after_today",
        id="parameter of another rule",
    ),
    pytest.param(
        _check(0, applies_to=[{"collection": "visits", "field": "visit_date"}]),
        "edit_checks[0].applies_to[0].collection: dose_ratio checks only dose_administrations",
        id="rule on the wrong record",
    ),
    pytest.param(
        _check(2, applies_to=[{"collection": "visits", "field": "visit_dat"}]),
        "edit_checks[2].applies_to[0].field: not_after_today checks only visit_date here",
        id="misspelt field",
    ),
    pytest.param(_check(6, min=40), "edit_checks[6].max: must be >= min", id="range upside down"),
    pytest.param(
        _check(6, min=None, max=None),
        "edit_checks[6]: plausible_range needs min, max or both",
        id="range without limits",
    ),
    pytest.param(
        _check(6, unit_field=None),
        "edit_checks[6].unit: give unit and unit_field together, or neither",
        id="unit without its field",
    ),
    pytest.param(
        _check(11, applies_to=[{"collection": "visits", "field": "visit_code"}]),
        "edit_checks[11].applies_to[0].keys: needed by duplicate_within only",
        id="duplicate without keys",
    ),
    pytest.param(_check(11, seconds=0), "edit_checks[11].seconds: must be > 0", id="zero seconds"),
    pytest.param(_check(0, colour="red"), "edit_checks[0].colour: unknown key", id="unknown key"),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN)
def test_a_broken_edit_check_is_refused_naming_its_path(mutate: Mutation, expected: str) -> None:
    errors = _errors_of(mutate)
    assert any(e.startswith(expected) for e in errors), errors


def test_a_protocol_may_declare_no_edit_checks() -> None:
    document = copy.deepcopy(BUILTIN)
    document["edit_checks"] = []
    assert parse_protocol(yaml.safe_dump(document, allow_unicode=True)).edit_checks == ()
