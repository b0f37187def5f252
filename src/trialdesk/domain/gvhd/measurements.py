"""Raw organ measurements of one GVHD assessment, for one patient or for many at once.

:class:`OrganMeasurements` is what a clinician records; :class:`MeasurementArrays` holds the same
fields as numpy arrays (one element per assessment, any shape) and is the only place they are
checked. The one-patient object converts itself into 0-d arrays, so both paths share one set of
checks and one set of staging rules.

Choices the sources leave open (documented in ``docs/gvhd-rules.md``):

- Stool volume and stool episodes are each optional (NaN in arrays, ``None`` for one patient).
  Episodes stage the lower GI tract only when the volume is missing (MAGIC volume-first rule);
  when both are missing the lower-GI stage comes from the qualitative signs only (severe pain,
  bloody stool) and is otherwise 0.
- Desquamation is checked against 0–100 % on its own, not against the rash BSA: MAGIC counts only
  *active* erythema in the rash BSA, and desquamating skin need not still be erythematous.
- Bilirubin in µmol/L is converted with 1 mg/dL = 17.1 µmol/L and rounded to 6 decimals, so that
  the exact equivalents of the cut-offs (34.2, 51.3, 102.6, 256.5 µmol/L) stage like 2, 3, 6 and
  15 mg/dL instead of falling on either side through floating-point error.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.errors import InputError
from trialdesk.domain.gvhd._checks import as_float_array, reject_where

__all__ = [
    "UMOL_L_PER_MG_DL",
    "BilirubinUnit",
    "MeasurementArrays",
    "OrganMeasurements",
    "bilirubin_mg_dl",
    "bilirubin_umol_l",
]

#: Total bilirubin: 1 mg/dL = 17.1 µmol/L.
UMOL_L_PER_MG_DL = 17.1
# Far below laboratory precision, far above the error of one float division.
_CONVERSION_DECIMALS = 6


class BilirubinUnit(enum.StrEnum):
    """Unit of a total bilirubin value."""

    MG_DL = "mg/dL"
    UMOL_L = "umol/L"

    @classmethod
    def parse(cls, text: str, field: str = "bilirubin_unit") -> BilirubinUnit:
        """Read a unit as people write it (``mg/dl``, ``µmol/L``, ``umol/l``...)."""
        normalised = text.strip().lower().replace("µ", "u").replace("μ", "u")
        for unit in cls:
            if unit.value.lower() == normalised:
                return unit
        raise InputError.single(field, f"unknown unit {text!r}; use mg/dL or umol/L")


def bilirubin_mg_dl(values: ArrayLike, unit: BilirubinUnit) -> NDArray[np.float64]:
    """Total bilirubin in mg/dL, the unit the staging cut-offs are written in."""
    array = as_float_array(values, "bilirubin")
    if unit is BilirubinUnit.MG_DL:
        return array
    return np.round(array / UMOL_L_PER_MG_DL, _CONVERSION_DECIMALS)


def bilirubin_umol_l(values: ArrayLike, unit: BilirubinUnit) -> NDArray[np.float64]:
    """Total bilirubin in µmol/L, the unit of the µmol/L staging table (values kept as entered)."""
    array = as_float_array(values, "bilirubin")
    if unit is BilirubinUnit.UMOL_L:
        return array
    return np.round(array * UMOL_L_PER_MG_DL, _CONVERSION_DECIMALS)


def _as_bool_array(values: ArrayLike, field: str) -> NDArray[np.bool_]:
    array = np.asarray(values)
    if array.dtype != np.bool_:
        raise InputError.single(field, f"must be true or false, got dtype {array.dtype}")
    return array


@dataclass(frozen=True, slots=True, eq=False)
class MeasurementArrays:
    """Raw measurements of many assessments as arrays of one common shape.

    Building one checks every field and raises :class:`InputError` naming the field (and the
    first offending index) for impossible values.

    Attributes
    ----------
    skin_bsa_pct : float array
        Body surface area with active erythematous GVHD rash, 0–100 %.
    bullae : bool array
        Bullae present.
    desquamation_bsa_pct : float array
        Body surface area with desquamation, 0–100 %.
    bilirubin_mg_dl : float array
        Total bilirubin in mg/dL (see :func:`bilirubin_mg_dl` for µmol/L), ≥ 0.
    upper_gi_persistent : bool array
        Persistent (not intermittent) nausea, vomiting or anorexia.
    stool_ml_per_day : float array
        Stool volume in mL/day (3-day average), ≥ 0; NaN when not measured.
    stool_episodes_per_day : float array
        Stool episodes per day, ≥ 0; NaN when not counted.
    severe_abdominal_pain : bool array
        Severe abdominal pain (needs opioids and reduces performance status), with or without
        ileus.
    bloody_stool : bool array
        Grossly bloody stool.
    bilirubin_umol_l : float array or None
        Total bilirubin in µmol/L as entered, for the µmol/L staging table; ``None`` (the
        default) derives it from ``bilirubin_mg_dl`` × 17.1.
    """

    skin_bsa_pct: NDArray[np.float64]
    bullae: NDArray[np.bool_]
    desquamation_bsa_pct: NDArray[np.float64]
    bilirubin_mg_dl: NDArray[np.float64]
    upper_gi_persistent: NDArray[np.bool_]
    stool_ml_per_day: NDArray[np.float64]
    stool_episodes_per_day: NDArray[np.float64]
    severe_abdominal_pain: NDArray[np.bool_]
    bloody_stool: NDArray[np.bool_]
    bilirubin_umol_l: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        floats = ("skin_bsa_pct", "desquamation_bsa_pct", "bilirubin_mg_dl")
        optional = ("stool_ml_per_day", "stool_episodes_per_day")
        flags = ("bullae", "upper_gi_persistent", "severe_abdominal_pain", "bloody_stool")
        for name in (*floats, *optional):
            object.__setattr__(self, name, as_float_array(getattr(self, name), name))
        for name in flags:
            object.__setattr__(self, name, _as_bool_array(getattr(self, name), name))
        shape = self.skin_bsa_pct.shape
        for name in (*floats, *optional, *flags):
            if getattr(self, name).shape != shape:
                raise InputError.single(
                    name,
                    f"has shape {getattr(self, name).shape}, expected {shape} like skin_bsa_pct",
                )
        for name in ("skin_bsa_pct", "desquamation_bsa_pct"):
            values = getattr(self, name)
            reject_where(~((values >= 0) & (values <= 100)), name, "must be 0–100 % of BSA", values)
        bilirubin = self.bilirubin_mg_dl
        reject_where(~(bilirubin >= 0) | np.isinf(bilirubin), "bilirubin", "must be ≥ 0", bilirubin)
        if self.bilirubin_umol_l is None:
            umol = bilirubin_umol_l(bilirubin, BilirubinUnit.MG_DL)
        else:
            umol = as_float_array(self.bilirubin_umol_l, "bilirubin")
            if umol.shape != shape:
                expected = f"expected {shape} like skin_bsa_pct"
                raise InputError.single("bilirubin_umol_l", f"has shape {umol.shape}, {expected}")
            reject_where(~(umol >= 0) | np.isinf(umol), "bilirubin", "must be ≥ 0", umol)
        object.__setattr__(self, "bilirubin_umol_l", umol)
        for name in optional:
            values = getattr(self, name)
            # NaN means "not measured"; anything else must be a finite count or volume.
            reject_where((values < 0) | np.isinf(values), name, "must be ≥ 0", values)

    @property
    def shape(self) -> tuple[int, ...]:
        """Common shape of every field."""
        return self.skin_bsa_pct.shape


@dataclass(frozen=True, slots=True)
class OrganMeasurements:
    """Raw measurements of one GVHD assessment, as a clinician records them.

    Missing stool volume or episode count is ``None``. Construction checks the values with the
    same code as :class:`MeasurementArrays`.
    """

    skin_bsa_pct: float
    bilirubin: float
    bilirubin_unit: BilirubinUnit = BilirubinUnit.MG_DL
    bullae: bool = False
    desquamation_bsa_pct: float = 0.0
    upper_gi_persistent: bool = False
    stool_ml_per_day: float | None = None
    stool_episodes_per_day: float | None = None
    severe_abdominal_pain: bool = False
    bloody_stool: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.bilirubin_unit, BilirubinUnit):
            raise InputError.single("bilirubin_unit", f"unknown unit {self.bilirubin_unit!r}")
        self.to_arrays()

    def to_arrays(self) -> MeasurementArrays:
        """The same measurements as 0-d arrays, ready for the array staging functions."""
        return MeasurementArrays(
            skin_bsa_pct=np.asarray(self.skin_bsa_pct),
            bullae=np.asarray(self.bullae),
            desquamation_bsa_pct=np.asarray(self.desquamation_bsa_pct),
            bilirubin_mg_dl=bilirubin_mg_dl(self.bilirubin, self.bilirubin_unit),
            upper_gi_persistent=np.asarray(self.upper_gi_persistent),
            stool_ml_per_day=np.asarray(_missing_as_nan(self.stool_ml_per_day)),
            stool_episodes_per_day=np.asarray(_missing_as_nan(self.stool_episodes_per_day)),
            severe_abdominal_pain=np.asarray(self.severe_abdominal_pain),
            bloody_stool=np.asarray(self.bloody_stool),
            bilirubin_umol_l=bilirubin_umol_l(self.bilirubin, self.bilirubin_unit),
        )


def _missing_as_nan(value: float | None) -> float:
    return np.nan if value is None else value
