"""The protocol file's ``forms`` section: the built-in forms, and broken declarations refused."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from trialdesk.adapters.protocol_file import builtin_protocol_path, parse_protocol
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.errors import InputError, ProtocolError
from trialdesk.domain.forms.spec import FormFieldType, FormRepeat

BUILTIN: dict[str, Any] = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))


def _errors_of(mutate: Callable[[dict[str, Any]], None]) -> list[str]:
    document = copy.deepcopy(BUILTIN)
    mutate(document)
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(yaml.safe_dump(document, allow_unicode=True))
    return [str(e) for e in caught.value.errors]


def _form(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in document["forms"] if f["code"] == code)


def test_builtin_protocol_declares_the_forms_the_publication_reports() -> None:
    protocol = load_protocol()
    assert [f.code for f in protocol.forms] == [
        "baseline_risk",
        "corticosteroids",
        "immunosuppressants",
        "infections",
        "chronic_gvhd",
        "msc_product",
    ]
    msc = protocol.form("msc_product")
    assert (msc.repeat, msc.arms, msc.visits) == (
        FormRepeat.PER_VISIT,
        ("msc_cd25",),
        ("D1", "D8", "D15", "D22"),
    )
    viability = msc.field("viability_pct")
    assert viability is not None
    assert (viability.type, viability.unit, viability.minimum, viability.maximum) == (
        FormFieldType.NUMBER,
        "%",
        0,
        100,
    )
    infection = protocol.form("infections")
    load = infection.field("viral_load_copies_ml")
    assert load is not None
    assert load.required_if == ("category", ("cmv_dnaemia", "ebv_dnaemia", "hhv6_dnaemia"))
    category = infection.field("category")
    assert category is not None
    assert ("bacteraemia", "Bacteraemia") in category.choices
    assert protocol.form_settings["drug_level_ranges_ng_ml"]["tacrolimus"] == (5, 15)


def test_an_unknown_form_is_an_input_error_naming_the_declared_ones() -> None:
    with pytest.raises(InputError, match=r"unknown form 'labs'.*baseline_risk"):
        load_protocol().form("labs")


def _visit(document: dict[str, Any]) -> None:
    _form(document, "chronic_gvhd")["visits"] = ["W8", "W9"]


def _arm(document: dict[str, Any]) -> None:
    _form(document, "msc_product")["arms"] = ["placebo"]


def _date_field(document: dict[str, Any]) -> None:
    _form(document, "infections")["date_field"] = "treated"


def _duplicate_field(document: dict[str, Any]) -> None:
    fields = _form(document, "infections")["fields"]
    fields.append(dict(fields[0]))


def _duplicate_form(document: dict[str, Any]) -> None:
    document["forms"].append(copy.deepcopy(_form(document, "infections")))


def _choices_missing(document: dict[str, Any]) -> None:
    _form(document, "infections")["fields"][0]["choices"] = {}


def _range_on_text(document: dict[str, Any]) -> None:
    _form(document, "msc_product")["fields"][1]["min"] = 1


def _required_if_unknown(document: dict[str, Any]) -> None:
    _form(document, "infections")["fields"][5]["required_if"] = {"field": "cured", "value": True}


def _per_visit_without_visits(document: dict[str, Any]) -> None:
    del _form(document, "chronic_gvhd")["visits"]


def _unknown_derivation(document: dict[str, Any]) -> None:
    _form(document, "infections")["derive"] = "infection_score"


def _unknown_key(document: dict[str, Any]) -> None:
    _form(document, "infections")["colour"] = "red"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_visit, "forms[4].visits[1]: 'W9' is not a visit"),
        (_arm, "forms[5].arms[0]: 'placebo' is not an arm"),
        (_date_field, "forms[3].date_field: 'treated' must name a required date field"),
        (_duplicate_field, "forms[3].fields[7].name: 'category' is declared twice"),
        (_duplicate_form, "forms[6].code: 'infections' is declared twice"),
        (_choices_missing, "forms[3].fields[0].choices: a choice field needs its choices"),
        (_range_on_text, "forms[5].fields[1].min: only number fields have a range"),
        (_required_if_unknown, "forms[3].fields[5].required_if.field: 'cured' is not a field"),
        (_per_visit_without_visits, "forms[4].visits: a per_visit form needs its visits"),
        (_unknown_derivation, "forms[3].derive: 'infection_score' is not a derivation"),
        (_unknown_key, "forms[3].colour"),
    ],
)
def test_broken_form_declaration_is_refused_naming_the_path(
    mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    errors = _errors_of(mutate)
    assert any(e.startswith(expected) for e in errors), errors


def test_a_protocol_without_forms_reads_with_none() -> None:
    document = copy.deepcopy(BUILTIN)
    del document["forms"]
    del document["form_settings"]
    document["assumptions"] = [
        a for a in document["assumptions"] if not a["path"].startswith("form")
    ]
    protocol = parse_protocol(yaml.safe_dump(document, allow_unicode=True))
    assert protocol.forms == ()
    assert dict(protocol.form_settings) == {}


def test_every_derivation_the_builtin_protocol_names_is_known() -> None:
    from trialdesk.domain.forms.catalogue import DERIVATIONS

    named = {f["derive"] for f in BUILTIN["forms"] if f.get("derive")}
    assert named == {"baseline_risk", "corticosteroid_period", "immunosuppressant_period",
                     "infection", "nih_chronic_gvhd", "msc_infusion"}  # fmt: skip
    assert named <= set(DERIVATIONS)
