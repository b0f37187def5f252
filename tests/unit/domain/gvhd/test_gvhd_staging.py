"""MAGIC and modified Glucksberg organ staging, boundary by boundary (clinical.md §1.1, §1.3)."""

import numpy as np
import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd import (
    DRIVER_BY_CODE,
    BilirubinUnit,
    GradingSystem,
    LiverStaging,
    MeasurementArrays,
    OrganMeasurements,
    StageDriver,
    stage,
    stage_arrays,
)
from trialdesk.domain.gvhd.types import Organ, OrganStages

MAGIC = GradingSystem.MAGIC
GLUCKSBERG = GradingSystem.GLUCKSBERG


def measured(**fields: object) -> OrganMeasurements:
    """An assessment with nothing abnormal except the given fields."""
    values: dict[str, object] = {"skin_bsa_pct": 0.0, "bilirubin": 0.5}
    values.update(fields)
    return OrganMeasurements(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bilirubin", "expected"),
    [
        (0.0, 0),
        (1.99, 0),
        (2.0, 1),
        (3.0, 1),
        (3.01, 2),
        (6.0, 2),
        (6.01, 3),
        (15.0, 3),
        (15.01, 4),
        (40.0, 4),
    ],
)
def test_liver_stage_follows_the_bilirubin_cut_offs_in_mg_dl(
    bilirubin: float, expected: int
) -> None:
    result = stage(measured(bilirubin=bilirubin))
    assert result.stages.liver == expected
    assert result.drivers[Organ.LIVER] == (StageDriver.BILIRUBIN if expected else None)


@pytest.mark.parametrize(
    ("umol_per_l", "expected"),
    [
        (34.1, 0),
        (34.2, 1),  # exactly 2.0 mg/dL
        (51.3, 1),  # exactly 3.0 mg/dL: still stage 1 despite float division
        (51.4, 2),
        (102.6, 2),  # exactly 6.0 mg/dL
        (102.7, 3),
        (256.5, 3),  # exactly 15.0 mg/dL
        (256.6, 4),
    ],
)
def test_bilirubin_in_umol_per_l_stages_like_its_mg_dl_equivalent(
    umol_per_l: float, expected: int
) -> None:
    result = stage(measured(bilirubin=umol_per_l, bilirubin_unit=BilirubinUnit.UMOL_L))
    assert result.stages.liver == expected


UMOL_TABLE = LiverStaging.UMOL_L_TABLE


@pytest.mark.parametrize(
    ("umol_per_l", "expected"),
    [
        (0.0, 0),
        (33.0, 0),
        (33.9, 0),
        (34.0, 1),
        (50.0, 1),
        (50.9, 1),  # between the bands 34–50 and 51–102: the lower one
        (51.0, 2),
        (102.0, 2),
        (103.0, 3),
        (255.0, 3),
        (255.1, 4),
        (256.0, 4),
    ],
)
def test_umol_l_table_stages_umol_values_as_entered_on_the_table_cut_offs(
    umol_per_l: float, expected: int
) -> None:
    result = stage(
        measured(bilirubin=umol_per_l, bilirubin_unit=BilirubinUnit.UMOL_L), MAGIC, UMOL_TABLE
    )
    assert result.stages.liver == expected
    assert result.drivers[Organ.LIVER] == (StageDriver.BILIRUBIN if expected else None)


@pytest.mark.parametrize(
    ("umol_per_l", "mg_dl_stage", "table_stage"),
    [(34.0, 0, 1), (34.1, 0, 1), (51.0, 1, 2), (51.3, 1, 2), (103.0, 3, 3), (256.0, 3, 4)],
)
def test_the_two_liver_settings_differ_only_between_their_cut_offs(
    umol_per_l: float, mg_dl_stage: int, table_stage: int
) -> None:
    entered = measured(bilirubin=umol_per_l, bilirubin_unit=BilirubinUnit.UMOL_L)
    assert stage(entered).stages.liver == mg_dl_stage
    assert stage(entered, MAGIC, UMOL_TABLE).stages.liver == table_stage


@pytest.mark.parametrize(
    ("mg_dl", "expected"),
    [
        (1.98, 0),  # 33.858 µmol/L
        (1.99, 1),  # 34.029 µmol/L
        (2.98, 1),  # 50.958 µmol/L
        (2.99, 2),  # 51.129 µmol/L
        (6.02, 2),  # 102.942 µmol/L
        (6.03, 3),  # 103.113 µmol/L
        (14.91, 3),  # 254.961 µmol/L
        (14.92, 4),  # 255.132 µmol/L
    ],
)
def test_umol_l_table_converts_mg_dl_values_by_17_1_before_staging(
    mg_dl: float, expected: int
) -> None:
    result = stage(measured(bilirubin=mg_dl), MAGIC, UMOL_TABLE)
    assert result.stages.liver == expected


def test_umol_l_table_applies_row_by_row_in_the_array_api() -> None:
    base = measured().to_arrays()
    values = np.array([33.0, 34.0, 50.0, 51.0, 102.0, 103.0, 255.0, 256.0])
    many = MeasurementArrays(
        **{
            name: np.full(values.shape, getattr(base, name))
            for name in MeasurementArrays.__dataclass_fields__
            if name not in {"bilirubin_mg_dl", "bilirubin_umol_l"}
        },
        bilirubin_mg_dl=values / 17.1,
        bilirubin_umol_l=values,
    )
    assert stage_arrays(many, MAGIC, UMOL_TABLE).stages[:, 1].tolist() == [0, 1, 1, 2, 2, 3, 3, 4]
    assert stage_arrays(many).stages[:, 1].tolist() == [0, 0, 1, 1, 2, 3, 3, 3]


def test_umol_l_table_refuses_a_negative_umol_value_naming_bilirubin() -> None:
    base = measured().to_arrays()
    with pytest.raises(InputError) as error:
        MeasurementArrays(
            **{
                name: getattr(base, name)
                for name in MeasurementArrays.__dataclass_fields__
                if name != "bilirubin_umol_l"
            },
            bilirubin_umol_l=np.asarray(-1.0),
        )
    assert error.value.errors[0].field == "bilirubin"


@pytest.mark.parametrize(
    ("bsa", "expected"),
    [(0.0, 0), (0.5, 1), (24.9, 1), (25.0, 2), (50.0, 2), (50.1, 3), (100.0, 3)],
)
def test_skin_stage_follows_the_rash_bsa_cut_offs(bsa: float, expected: int) -> None:
    result = stage(measured(skin_bsa_pct=bsa))
    assert result.stages.skin == expected
    assert result.drivers[Organ.SKIN] == (StageDriver.SKIN_BSA if expected else None)


def test_skin_stage_4_needs_erythroderma_bullae_and_desquamation_over_5_percent() -> None:
    result = stage(measured(skin_bsa_pct=50.1, bullae=True, desquamation_bsa_pct=5.1))
    assert result.stages.skin == 4
    assert result.drivers[Organ.SKIN] is StageDriver.BULLAE_DESQUAMATION


@pytest.mark.parametrize(
    ("bsa", "bullae", "desquamation", "expected"),
    [
        (50.0, True, 20.0, 2),  # rash not over 50 %
        (80.0, False, 20.0, 3),  # no bullae
        (80.0, True, 5.0, 3),  # desquamation not over 5 %
        (80.0, True, 0.0, 3),  # no desquamation
    ],
)
def test_skin_stage_4_is_not_reached_when_any_feature_is_missing(
    bsa: float, bullae: bool, desquamation: float, expected: int
) -> None:
    result = stage(measured(skin_bsa_pct=bsa, bullae=bullae, desquamation_bsa_pct=desquamation))
    assert result.stages.skin == expected
    assert result.drivers[Organ.SKIN] is StageDriver.SKIN_BSA


@pytest.mark.parametrize(("persistent", "expected"), [(False, 0), (True, 1)])
def test_upper_gi_stage_is_1_only_for_persistent_symptoms(persistent: bool, expected: int) -> None:
    result = stage(measured(upper_gi_persistent=persistent))
    assert result.stages.upper_gi == expected
    assert result.drivers[Organ.UPPER_GI] == (StageDriver.UPPER_GI_SYMPTOMS if persistent else None)


@pytest.mark.parametrize(
    ("volume", "expected"),
    [(0, 0), (499, 0), (500, 1), (999, 1), (1000, 2), (1500, 2), (1501, 3), (4000, 3)],
)
def test_lower_gi_stage_follows_the_stool_volume_cut_offs(volume: float, expected: int) -> None:
    result = stage(measured(stool_ml_per_day=volume))
    assert result.stages.lower_gi == expected
    assert result.drivers[Organ.LOWER_GI] == (StageDriver.STOOL_VOLUME if expected else None)


@pytest.mark.parametrize(
    ("episodes", "expected"),
    [(0, 0), (2, 0), (3, 1), (4, 1), (5, 2), (7, 2), (8, 3), (15, 3)],
)
def test_lower_gi_stage_follows_the_stool_episode_cut_offs(episodes: float, expected: int) -> None:
    result = stage(measured(stool_episodes_per_day=episodes))
    assert result.stages.lower_gi == expected
    assert result.drivers[Organ.LOWER_GI] == (StageDriver.STOOL_EPISODES if expected else None)


@pytest.mark.parametrize(
    ("volume", "episodes", "expected", "driver"),
    [
        # Volume measured: it alone decides, even when the episode count would stage higher.
        (1200, 3, 2, StageDriver.STOOL_VOLUME),
        (600, 8, 1, StageDriver.STOOL_VOLUME),
        (1600, 9, 3, StageDriver.STOOL_VOLUME),
        (499, 8, 0, None),
        (500, 8, 1, StageDriver.STOOL_VOLUME),
        (0, 12, 0, None),
        (200, 1, 0, None),
        # Volume not measured: the episode count stages it.
        (None, 2, 0, None),
        (None, 3, 1, StageDriver.STOOL_EPISODES),
        (None, 8, 3, StageDriver.STOOL_EPISODES),
    ],
)
def test_lower_gi_is_staged_by_volume_and_by_episodes_only_when_volume_is_unknown(
    volume: float | None, episodes: float, expected: int, driver: StageDriver | None
) -> None:
    result = stage(measured(stool_ml_per_day=volume, stool_episodes_per_day=episodes))
    assert result.stages.lower_gi == expected
    assert result.drivers[Organ.LOWER_GI] == driver


def test_volume_first_rule_holds_row_by_row_in_the_array_api() -> None:
    arrays = measured(stool_ml_per_day=600, stool_episodes_per_day=8).to_arrays()
    volumes = np.array([600.0, np.nan, 1600.0, np.nan])
    episodes = np.array([8.0, 8.0, 1.0, np.nan])
    many = MeasurementArrays(
        **{
            name: np.full(4, getattr(arrays, name))
            for name in MeasurementArrays.__dataclass_fields__
            if name not in {"stool_ml_per_day", "stool_episodes_per_day"}
        },
        stool_ml_per_day=volumes,
        stool_episodes_per_day=episodes,
    )
    result = stage_arrays(many)
    assert result.stages.shape == (4, 4)
    assert result.stages[:, 3].tolist() == [1, 3, 3, 0]
    assert [DRIVER_BY_CODE[int(code)] for code in result.drivers[:, 3]] == [
        StageDriver.STOOL_VOLUME,
        StageDriver.STOOL_EPISODES,
        StageDriver.STOOL_VOLUME,
        None,
    ]


@pytest.mark.parametrize(
    ("pain", "bloody", "driver"),
    [
        (True, False, StageDriver.SEVERE_PAIN),
        (False, True, StageDriver.BLOODY_STOOL),
        (True, True, StageDriver.SEVERE_PAIN_AND_BLOODY_STOOL),
    ],
)
def test_severe_pain_or_bloody_stool_is_lower_gi_stage_4_whatever_the_volume(
    pain: bool, bloody: bool, driver: StageDriver
) -> None:
    result = stage(measured(stool_ml_per_day=100, severe_abdominal_pain=pain, bloody_stool=bloody))
    assert result.stages.lower_gi == 4
    assert result.drivers[Organ.LOWER_GI] is driver


def test_missing_volume_and_episodes_leave_lower_gi_to_the_qualitative_signs() -> None:
    assert stage(measured()).stages.lower_gi == 0
    assert stage(measured(bloody_stool=True)).stages.lower_gi == 4


def test_every_magic_result_says_it_was_produced_by_magic() -> None:
    assert stage(measured()).system is MAGIC


# Modified Glucksberg (Keystone 1994): same skin and liver, gut by volume only.


@pytest.mark.parametrize(
    ("fields", "expected_gut", "driver"),
    [
        ({"stool_ml_per_day": 499}, 0, None),
        ({"stool_ml_per_day": 500}, 1, StageDriver.STOOL_VOLUME),
        ({"stool_ml_per_day": 1000}, 2, StageDriver.STOOL_VOLUME),
        ({"stool_ml_per_day": 1501}, 3, StageDriver.STOOL_VOLUME),
        ({"stool_episodes_per_day": 12}, 0, None),  # episodes do not stage the gut
        ({"bloody_stool": True}, 0, None),  # neither does blood alone
        ({"upper_gi_persistent": True}, 1, StageDriver.UPPER_GI_SYMPTOMS),
        (
            {"upper_gi_persistent": True, "stool_ml_per_day": 700},
            1,
            StageDriver.STOOL_VOLUME_AND_UPPER_GI,
        ),
        ({"upper_gi_persistent": True, "stool_ml_per_day": 1200}, 2, StageDriver.STOOL_VOLUME),
        ({"severe_abdominal_pain": True, "stool_ml_per_day": 0}, 4, StageDriver.SEVERE_PAIN),
    ],
)
def test_glucksberg_stages_the_gut_by_volume_upper_gi_symptoms_and_pain(
    fields: dict[str, object], expected_gut: int, driver: StageDriver | None
) -> None:
    result = stage(measured(**fields), GLUCKSBERG)
    assert result.system is GLUCKSBERG
    assert result.stages.lower_gi == expected_gut
    assert result.stages.upper_gi == 0
    assert result.drivers[Organ.LOWER_GI] == driver
    assert result.drivers[Organ.UPPER_GI] is None


def test_glucksberg_skin_and_liver_match_magic() -> None:
    m = measured(skin_bsa_pct=60, bullae=True, desquamation_bsa_pct=10, bilirubin=4.0)
    glucksberg, magic = stage(m, GLUCKSBERG), stage(m, MAGIC)
    assert (glucksberg.stages.skin, glucksberg.stages.liver) == (4, 2)
    assert (magic.stages.skin, magic.stages.liver) == (4, 2)


# The array API: any shape, same rules.


def _arrays(shape: tuple[int, ...], **overrides: np.ndarray) -> MeasurementArrays:
    fields: dict[str, np.ndarray] = {
        "skin_bsa_pct": np.zeros(shape),
        "bullae": np.zeros(shape, dtype=bool),
        "desquamation_bsa_pct": np.zeros(shape),
        "bilirubin_mg_dl": np.zeros(shape),
        "upper_gi_persistent": np.zeros(shape, dtype=bool),
        "stool_ml_per_day": np.full(shape, np.nan),
        "stool_episodes_per_day": np.full(shape, np.nan),
        "severe_abdominal_pain": np.zeros(shape, dtype=bool),
        "bloody_stool": np.zeros(shape, dtype=bool),
    }
    fields.update(overrides)
    return MeasurementArrays(**fields)


@pytest.mark.parametrize("shape", [(), (0,), (1,), (5,), (2, 3)])
def test_stage_arrays_keeps_the_input_shape_with_a_trailing_organ_axis(
    shape: tuple[int, ...],
) -> None:
    result = stage_arrays(_arrays(shape))
    assert result.stages.shape == (*shape, 4)
    assert result.drivers.shape == (*shape, 4)
    assert result.stages.dtype == np.int8


def test_stage_arrays_stages_each_row_independently() -> None:
    bilirubin = np.array([[1.0, 2.5], [7.0, 20.0]])
    result = stage_arrays(_arrays((2, 2), bilirubin_mg_dl=bilirubin))
    assert result.stages[..., 1].tolist() == [[0, 1], [3, 4]]
    assert [DRIVER_BY_CODE[c] for c in result.drivers[..., 1].ravel()] == [
        None,
        StageDriver.BILIRUBIN,
        StageDriver.BILIRUBIN,
        StageDriver.BILIRUBIN,
    ]


def test_staging_result_stages_are_organ_stages() -> None:
    result = stage(measured(skin_bsa_pct=30, bilirubin=2.5, stool_episodes_per_day=5))
    assert result.stages == OrganStages(skin=2, liver=1, upper_gi=0, lower_gi=2)
