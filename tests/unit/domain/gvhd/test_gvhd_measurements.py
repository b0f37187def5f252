"""Raw GVHD measurements: impossible values are refused with the field named."""

import math

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import (
    UMOL_L_PER_MG_DL,
    BilirubinUnit,
    MeasurementArrays,
    OrganMeasurements,
    bilirubin_mg_dl,
)


def _error_fields(error: InputError) -> list[str]:
    return [e.field for e in error.errors]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"skin_bsa_pct": 120.0}, "skin_bsa_pct"),
        ({"skin_bsa_pct": -1.0}, "skin_bsa_pct"),
        ({"skin_bsa_pct": math.nan}, "skin_bsa_pct"),
        ({"desquamation_bsa_pct": 100.5}, "desquamation_bsa_pct"),
        ({"bilirubin": -0.1}, "bilirubin"),
        ({"bilirubin": math.nan}, "bilirubin"),
        ({"bilirubin": math.inf}, "bilirubin"),
        ({"stool_ml_per_day": -10.0}, "stool_ml_per_day"),
        ({"stool_ml_per_day": math.inf}, "stool_ml_per_day"),
        ({"stool_episodes_per_day": -1.0}, "stool_episodes_per_day"),
        ({"skin_bsa_pct": "lots"}, "skin_bsa_pct"),
        ({"bullae": 1}, "bullae"),
        ({"bilirubin_unit": "mmol/L"}, "bilirubin_unit"),
    ],
)
def test_impossible_measurement_is_refused_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"skin_bsa_pct": 10.0, "bilirubin": 1.0}
    values.update(fields)
    with pytest.raises(InputError) as caught:
        OrganMeasurements(**values)  # type: ignore[arg-type]
    assert _error_fields(caught.value) == [field]


def test_one_patient_errors_carry_no_index_and_show_the_value() -> None:
    with pytest.raises(InputError, match=r"^skin_bsa_pct: must be 0–100 % of BSA, got 120.0$"):
        OrganMeasurements(skin_bsa_pct=120.0, bilirubin=1.0)


def test_desquamation_larger_than_the_active_rash_is_accepted() -> None:
    # Desquamating skin need not still be erythematous, so it is not bounded by the rash BSA.
    m = OrganMeasurements(skin_bsa_pct=10.0, desquamation_bsa_pct=30.0, bilirubin=1.0)
    assert m.desquamation_bsa_pct == 30.0


def test_missing_stool_measures_are_accepted_as_not_measured() -> None:
    arrays = OrganMeasurements(skin_bsa_pct=0.0, bilirubin=1.0).to_arrays()
    assert np.isnan(arrays.stool_ml_per_day)
    assert np.isnan(arrays.stool_episodes_per_day)


def _arrays(n: int, **overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "skin_bsa_pct": np.zeros(n),
        "bullae": np.zeros(n, dtype=bool),
        "desquamation_bsa_pct": np.zeros(n),
        "bilirubin_mg_dl": np.zeros(n),
        "upper_gi_persistent": np.zeros(n, dtype=bool),
        "stool_ml_per_day": np.zeros(n),
        "stool_episodes_per_day": np.zeros(n),
        "severe_abdominal_pain": np.zeros(n, dtype=bool),
        "bloody_stool": np.zeros(n, dtype=bool),
    }
    fields.update(overrides)
    return fields


def test_array_errors_name_the_field_and_the_first_bad_row() -> None:
    volumes = np.array([100.0, np.nan, -5.0, -7.0])
    with pytest.raises(InputError) as caught:
        MeasurementArrays(**_arrays(4, stool_ml_per_day=volumes))  # type: ignore[arg-type]
    assert _error_fields(caught.value) == ["stool_ml_per_day[2]"]
    assert "-5.0" in caught.value.message


def test_arrays_of_different_shapes_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        MeasurementArrays(**_arrays(3, bullae=np.zeros(2, dtype=bool)))  # type: ignore[arg-type]
    assert _error_fields(caught.value) == ["bullae"]


def test_array_flags_must_be_booleans() -> None:
    with pytest.raises(InputError) as caught:
        MeasurementArrays(**_arrays(2, bloody_stool=np.array([0, 1])))  # type: ignore[arg-type]
    assert _error_fields(caught.value) == ["bloody_stool"]


def test_arrays_report_their_common_shape() -> None:
    assert MeasurementArrays(**_arrays(7)).shape == (7,)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("mg/dL", BilirubinUnit.MG_DL),
        ("MG/DL", BilirubinUnit.MG_DL),
        ("umol/L", BilirubinUnit.UMOL_L),
        ("µmol/L", BilirubinUnit.UMOL_L),  # micro sign
        ("μmol/l", BilirubinUnit.UMOL_L),  # Greek mu
        (" umol/l ", BilirubinUnit.UMOL_L),
    ],
)
def test_bilirubin_unit_is_read_as_people_write_it(text: str, unit: BilirubinUnit) -> None:
    assert BilirubinUnit.parse(text) is unit


def test_unknown_bilirubin_unit_is_refused_naming_the_given_field() -> None:
    with pytest.raises(InputError, match=r"^--bilirubin-unit: unknown unit 'g/L'"):
        BilirubinUnit.parse("g/L", "--bilirubin-unit")


def test_bilirubin_conversion_uses_17_1_umol_per_mg() -> None:
    assert UMOL_L_PER_MG_DL == 17.1
    converted = bilirubin_mg_dl(np.array([17.1, 85.5, 0.0]), BilirubinUnit.UMOL_L)
    assert converted.tolist() == [1.0, 5.0, 0.0]
    assert bilirubin_mg_dl(2.5, BilirubinUnit.MG_DL) == 2.5
