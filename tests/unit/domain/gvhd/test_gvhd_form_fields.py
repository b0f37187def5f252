"""The built-in protocol's chronic GVHD and baseline risk forms carry exactly the fields their
derivations read, so a renamed field cannot silently fall back to a default."""

import datetime as dt
from typing import Any

from trialdesk.adapters.protocol_file.reader import builtin_protocol_path
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.forms.catalogue import DERIVATIONS
from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.forms.spec import FormFieldType, FormSpec
from trialdesk.domain.gvhd.chronic import ChronicOrgan

PROTOCOL = load_protocol(builtin_protocol_path())


def form(derive: str) -> FormSpec:
    return next(f for f in PROTOCOL.forms if f.derive == derive)


def filled(spec: FormSpec) -> dict[str, Any]:
    """A plausible value for every field of the form, by type."""
    by_type: dict[FormFieldType, Any] = {
        FormFieldType.BOOLEAN: True, FormFieldType.INTEGER: 1, FormFieldType.NUMBER: 60.0,
        FormFieldType.DATE: dt.date(2026, 2, 1), FormFieldType.TEXT: "x",
    }  # fmt: skip
    return {
        f.name: f.choices[0][0] if f.type is FormFieldType.CHOICE else by_type[f.type]
        for f in spec.fields
    }


def test_the_chronic_gvhd_form_has_a_score_field_per_nih_organ_and_the_sign_flags() -> None:
    names = {f.name for f in form("nih_chronic_gvhd").fields}
    expected = {f"{organ.value}_score" for organ in ChronicOrgan}
    expected |= {"diagnostic_sign", "distinctive_sign_confirmed", "other_cause_explains"}
    assert expected <= names
    scores = [f for f in form("nih_chronic_gvhd").fields if f.name.endswith("_score")]
    assert all((f.minimum, f.maximum) == (0, 3) for f in scores)


def test_every_field_of_the_baseline_risk_form_is_one_the_derivation_reads() -> None:
    spec = form("baseline_risk")
    values = filled(spec)
    values["onset_upper_gi_stage"] = 1
    values["transplant_on"] = dt.date(2026, 1, 1)
    derived = DERIVATIONS["baseline_risk"](values, FormContext(randomized_on=dt.date(2026, 3, 2)))
    # skin 1, liver 1, upper GI 1, lower GI 1: skin with liver and both GI tracts is high risk.
    assert derived["minnesota_risk"] == "high"
    assert derived["magic_probability"] is not None  # both biomarkers are fields of the form
    assert derived["days_transplant_to_onset"] == 31
    assert derived["days_transplant_to_randomization"] == 60


def test_a_filled_chronic_gvhd_form_derives_a_severity() -> None:
    values = filled(form("nih_chronic_gvhd"))
    values["other_cause_explains"] = False
    derived = DERIVATIONS["nih_chronic_gvhd"](values, FormContext())
    assert derived["global_severity"] == "moderate"  # eight organs at 1 (lungs 1)
    assert derived["organs_involved"] == len(ChronicOrgan)
