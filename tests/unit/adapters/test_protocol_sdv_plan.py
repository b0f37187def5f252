"""The protocol file's ``sdv`` plan: the built-in plan, and an unknown record kind refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from trialdesk.adapters.protocol_file import builtin_protocol_path, parse_protocol
from trialdesk.domain.errors import ProtocolError

BUILTIN: dict[str, Any] = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))


def test_builtin_plan_names_only_known_kinds() -> None:
    protocol = parse_protocol(yaml.safe_dump(BUILTIN, allow_unicode=True))
    assert "serious_adverse_events" in protocol.sdv.full


def test_unknown_record_kind_is_refused_with_the_allowed_kinds() -> None:
    document = copy.deepcopy(BUILTIN)
    document["sdv"]["full"] = ["consents", "lab_values"]
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(yaml.safe_dump(document, allow_unicode=True))
    message = " ".join(str(e) for e in caught.value.errors)
    assert "sdv" in message
    assert "lab_values" in message
    assert "primary_endpoint_assessments" in message
