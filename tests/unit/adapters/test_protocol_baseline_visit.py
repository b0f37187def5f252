"""The protocol names the visit whose assessment is the baseline for response."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from trialdesk.adapters.protocol_file import builtin_protocol_path, parse_protocol
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.errors import ProtocolError

BUILTIN: dict[str, Any] = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))


def _parse(baseline_visit: str) -> str:
    document = copy.deepcopy(BUILTIN)
    document["assessment"]["baseline_visit"] = baseline_visit
    return parse_protocol(yaml.safe_dump(document, allow_unicode=True)).assessment.baseline_visit


def test_without_a_setting_the_baseline_is_the_first_course_staging_visit() -> None:
    assert "baseline_visit" not in BUILTIN["assessment"]
    assert load_protocol().assessment.baseline_visit == "D1"


def test_a_protocol_may_name_another_course_staging_visit() -> None:
    assert _parse("D8") == "D8"


@pytest.mark.parametrize("visit", ["D4", "W8", "X1"])
def test_a_visit_that_is_not_a_course_staging_visit_is_refused(visit: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        _parse(visit)
    assert [e.field for e in caught.value.errors] == ["assessment.baseline_visit"]
