"""Organ staging of acute GVHD: MAGIC (Harris 2016) and modified Glucksberg (Keystone 1994).

Every rule is written once, on arrays: :func:`stage_arrays` stages any number of assessments and
:func:`stage` (one patient) calls it with 0-d arrays. Each stage comes with the measurement that
drove it (:class:`StageDriver`, ``None`` for stage 0).

MAGIC cut-offs, with the boundary choices the source leaves open (clinical.md §1.1 [C]):

============  ==========================================================================
Skin          0: no rash; 1: 0 < BSA < 25 %; 2: 25 ≤ BSA ≤ 50 %; 3: BSA > 50 %;
              4: BSA > 50 % **and** bullae **and** desquamation > 5 % BSA
Liver         bilirubin (mg/dL) 0: < 2; 1: 2.0–3.0; 2: 3.0 < b ≤ 6.0; 3: 6.0 < b ≤ 15.0; 4: > 15
              or, under the protocol setting ``umol_l_table``, bilirubin (µmol/L) 0: < 34;
              1: 34 ≤ b < 51; 2: 51 ≤ b < 103; 3: 103 ≤ b ≤ 255; 4: > 255
Upper GI      1: persistent nausea, vomiting or anorexia; else 0
Lower GI      volume first: the volume stage (1: 500 ≤ v < 1000; 2: 1000 ≤ v ≤ 1500;
              3: > 1500 mL/day) when the volume is measured, else the episode stage (1: 3 ≤ e < 5;
              2: 5 ≤ e ≤ 7; 3: > 7 per day); 4: severe abdominal pain or grossly bloody stool,
              whatever the volume
============  ==========================================================================

Modified Glucksberg uses the same skin and liver rules. Its single gut organ (reported as
``lower_gi``; ``upper_gi`` is then always 0) is staged by volume only, with the same cut-offs; a
persistent upper-GI symptom (Keystone: with histologically proven upper-GI GVHD) makes gut stage
at least 1; stage 4 is severe abdominal pain. Bloody stool and episode counts do not stage it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from trialdesk.domain.gvhd.measurements import MeasurementArrays, OrganMeasurements
from trialdesk.domain.gvhd.types import GradingSystem, LiverStaging, Organ, OrganStages

__all__ = [
    "DRIVER_BY_CODE",
    "StageDriver",
    "StagingArrays",
    "StagingResult",
    "stage",
    "stage_arrays",
]


class StageDriver(enum.StrEnum):
    """The measurement that decided an organ's stage."""

    SKIN_BSA = "skin_bsa"
    BULLAE_DESQUAMATION = "bullae+desquamation"
    BILIRUBIN = "bilirubin"
    UPPER_GI_SYMPTOMS = "upper_gi_symptoms"
    STOOL_VOLUME = "stool_volume"
    #: MAGIC: episodes stage the lower GI tract only when the stool volume was not measured.
    STOOL_EPISODES = "stool_episodes"
    #: Glucksberg: volume and the upper-GI symptom both gave gut stage 1.
    STOOL_VOLUME_AND_UPPER_GI = "stool_volume+upper_gi_symptoms"
    SEVERE_PAIN = "severe_pain"
    BLOODY_STOOL = "bloody_stool"
    SEVERE_PAIN_AND_BLOODY_STOOL = "severe_pain+bloody_stool"


#: Array driver codes: code 0 is "no driver" (stage 0), code ``i`` is ``DRIVER_BY_CODE[i]``.
DRIVER_BY_CODE: tuple[StageDriver | None, ...] = (None, *StageDriver)
_CODE = {driver: np.int8(code) for code, driver in enumerate(DRIVER_BY_CODE) if driver is not None}
_NONE = np.int8(0)


@dataclass(frozen=True, slots=True, eq=False)
class StagingArrays:
    """Stages and driver codes of many assessments.

    Attributes
    ----------
    system : GradingSystem
        The system that produced the stages.
    stages : int8 array, shape ``(*shape, 4)``
        Organ stages in the order skin, liver, upper GI, lower GI.
    drivers : int8 array, shape ``(*shape, 4)``
        Driver codes, indices into :data:`DRIVER_BY_CODE` (0 for stage 0).
    """

    system: GradingSystem
    stages: NDArray[np.int8]
    drivers: NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class StagingResult:
    """Stages of one assessment, with the measurement behind each and the system used."""

    system: GradingSystem
    stages: OrganStages
    drivers: dict[Organ, StageDriver | None]


def _count(*conditions: NDArray[np.bool_]) -> NDArray[np.int8]:
    """Number of true conditions per element: a stage from its ordered cut-offs."""
    total = conditions[0].astype(np.int8)
    for condition in conditions[1:]:
        total += condition
    return total


class _Flat:
    """The measurement fields as 1-d views, so 0-d input can be indexed like any other."""

    def __init__(self, m: MeasurementArrays) -> None:
        self.skin_bsa_pct = m.skin_bsa_pct.reshape(-1)
        self.bullae = m.bullae.reshape(-1)
        self.desquamation_bsa_pct = m.desquamation_bsa_pct.reshape(-1)
        self.bilirubin_mg_dl = m.bilirubin_mg_dl.reshape(-1)
        assert m.bilirubin_umol_l is not None  # always filled in by MeasurementArrays
        self.bilirubin_umol_l = m.bilirubin_umol_l.reshape(-1)
        self.upper_gi_persistent = m.upper_gi_persistent.reshape(-1)
        self.stool_ml_per_day = m.stool_ml_per_day.reshape(-1)
        self.stool_episodes_per_day = m.stool_episodes_per_day.reshape(-1)
        self.severe_abdominal_pain = m.severe_abdominal_pain.reshape(-1)
        self.bloody_stool = m.bloody_stool.reshape(-1)


def _skin(m: _Flat) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    bsa = m.skin_bsa_pct
    over_half = bsa > 50
    stage = _count(bsa > 0, bsa >= 25, over_half)
    blistering = over_half & m.bullae & (m.desquamation_bsa_pct > 5)
    stage[blistering] = 4
    driver = np.where(stage > 0, _CODE[StageDriver.SKIN_BSA], _NONE)
    driver[blistering] = _CODE[StageDriver.BULLAE_DESQUAMATION]
    return stage, driver


def _liver(m: _Flat, cut_offs: LiverStaging) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    if cut_offs is LiverStaging.UMOL_L_TABLE:
        # The table's bands are whole µmol/L (34–50, 51–102, 103–255, > 255); a value between
        # two bands (50.5) stays in the lower one, so each band ends just below the next start.
        umol = m.bilirubin_umol_l
        stage = _count(umol >= 34, umol >= 51, umol >= 103, umol > 255)
    else:
        bili = m.bilirubin_mg_dl
        stage = _count(bili >= 2.0, bili > 3.0, bili > 6.0, bili > 15.0)
    return stage, np.where(stage > 0, _CODE[StageDriver.BILIRUBIN], _NONE)


def _stool_volume_stage(m: _Flat) -> NDArray[np.int8]:
    # NaN (not measured) fails every comparison and so contributes stage 0.
    volume = m.stool_ml_per_day
    return _count(volume >= 500, volume >= 1000, volume > 1500)


def _quantity_driver(
    first: NDArray[np.int8], second: NDArray[np.int8], codes: tuple[np.int8, np.int8, np.int8]
) -> NDArray[np.int8]:
    """Driver of ``max(first, second)``: first, second, or both when they tie above 0."""
    first_code, second_code, both_code = codes
    driver = np.where(first > second, first_code, second_code)
    driver[(first == second) & (first > 0)] = both_code
    driver[(first == 0) & (second == 0)] = _NONE
    return driver


def _magic_lower_gi(m: _Flat) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    # MAGIC (Harris AC et al., Biol Blood Marrow Transplant 2016;22:4-10) stages the lower GI
    # tract by stool volume; the episode count is the fallback when the volume is unknown. A
    # measured volume therefore decides the stage even when the episode count would be higher.
    volume_measured = ~np.isnan(m.stool_ml_per_day)
    episodes = m.stool_episodes_per_day
    episode_stage = _count(episodes >= 3, episodes >= 5, episodes > 7)
    stage = np.where(volume_measured, _stool_volume_stage(m), episode_stage).astype(np.int8)
    driver = np.where(
        volume_measured, _CODE[StageDriver.STOOL_VOLUME], _CODE[StageDriver.STOOL_EPISODES]
    ).astype(np.int8)
    driver[stage == 0] = _NONE
    pain, bloody = m.severe_abdominal_pain, m.bloody_stool
    stage[pain | bloody] = 4
    driver[pain] = _CODE[StageDriver.SEVERE_PAIN]
    driver[bloody] = _CODE[StageDriver.BLOODY_STOOL]
    driver[pain & bloody] = _CODE[StageDriver.SEVERE_PAIN_AND_BLOODY_STOOL]
    return stage, driver


def _glucksberg_gut(m: _Flat) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    volume_stage = _stool_volume_stage(m)
    upper = m.upper_gi_persistent.astype(np.int8)
    stage = np.maximum(volume_stage, upper)
    driver = _quantity_driver(
        volume_stage,
        upper,
        (
            _CODE[StageDriver.STOOL_VOLUME],
            _CODE[StageDriver.UPPER_GI_SYMPTOMS],
            _CODE[StageDriver.STOOL_VOLUME_AND_UPPER_GI],
        ),
    )
    pain = m.severe_abdominal_pain
    stage[pain] = 4
    driver[pain] = _CODE[StageDriver.SEVERE_PAIN]
    return stage, driver


def stage_arrays(
    measurements: MeasurementArrays,
    system: GradingSystem = GradingSystem.MAGIC,
    liver_staging: LiverStaging = LiverStaging.MG_DL,
) -> StagingArrays:
    """Stage every assessment in ``measurements`` under ``system``.

    Parameters
    ----------
    measurements : MeasurementArrays
        Checked raw measurements of any shape (0-d for one assessment).
    system : GradingSystem
        ``MAGIC`` (default) or ``GLUCKSBERG`` (modified, Keystone 1994).
    liver_staging : LiverStaging
        The bilirubin cut-offs: MAGIC's in mg/dL (default) or the µmol/L table.

    Returns
    -------
    StagingArrays
        int8 stages and driver codes with a trailing axis of 4 organs (skin, liver, upper GI,
        lower GI).
    """
    flat = _Flat(measurements)
    size = flat.skin_bsa_pct.size
    stages = np.empty((size, 4), dtype=np.int8)
    drivers = np.empty((size, 4), dtype=np.int8)
    stages[:, 0], drivers[:, 0] = _skin(flat)
    stages[:, 1], drivers[:, 1] = _liver(flat, liver_staging)
    if system is GradingSystem.MAGIC:
        upper = flat.upper_gi_persistent
        stages[:, 2] = upper
        drivers[:, 2] = np.where(upper, _CODE[StageDriver.UPPER_GI_SYMPTOMS], _NONE)
        stages[:, 3], drivers[:, 3] = _magic_lower_gi(flat)
    else:
        # Glucksberg has one gut organ; the upper-GI symptom is folded into it.
        stages[:, 2] = 0
        drivers[:, 2] = _NONE
        stages[:, 3], drivers[:, 3] = _glucksberg_gut(flat)
    shape = (*measurements.shape, 4)
    return StagingArrays(
        system=system, stages=stages.reshape(shape), drivers=drivers.reshape(shape)
    )


def stage(
    measurements: OrganMeasurements,
    system: GradingSystem = GradingSystem.MAGIC,
    liver_staging: LiverStaging = LiverStaging.MG_DL,
) -> StagingResult:
    """Stage one assessment under ``system`` (same rules as :func:`stage_arrays`)."""
    result = stage_arrays(measurements.to_arrays(), system, liver_staging)
    stages = [int(s) for s in result.stages]
    return StagingResult(
        system=system,
        stages=OrganStages(*stages),
        drivers={
            organ: DRIVER_BY_CODE[int(code)]
            for organ, code in zip(Organ, result.drivers, strict=True)
        },
    )
