"""Vectorised input checks shared by the GVHD modules.

Each check looks at a whole array at once and names the first offending element, so a batch of a
million rows costs a few array passes and one patient gets a message without an index.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.errors import InputError

__all__ = ["as_float_array", "as_stage_array", "reject_where"]

# Stage arrays end in an organ axis in the canonical order of trialdesk.domain.gvhd.types.Organ.
_ORGAN_NAMES = ("skin", "liver", "upper_gi", "lower_gi")
_HIGHEST_STAGE = np.array([4, 4, 1, 4])


def reject_where(
    bad: NDArray[np.bool_], field: str, message: str, values: NDArray[np.generic]
) -> None:
    """Raise :class:`InputError` for ``field`` if any element of ``bad`` is true."""
    if not bad.any():
        return
    if bad.ndim == 0:
        raise InputError.single(field, f"{message}, got {values.item()!r}")
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    where = ",".join(str(i) for i in first)
    raise InputError.single(f"{field}[{where}]", f"{message}, got {values[first].item()!r}")


def as_float_array(values: ArrayLike, field: str) -> NDArray[np.float64]:
    """Convert to a float array, naming ``field`` when the values are not numbers."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError.single(field, "must be a number") from None


def as_stage_array(values: ArrayLike, field: str) -> NDArray[np.int8]:
    """Check organ stages (last axis: skin, liver, upper GI, lower GI) and return them as int8."""
    raw = np.asarray(values)
    if raw.ndim == 0 or raw.shape[-1] != 4:
        raise InputError.single(
            field,
            f"needs 4 stages per row (skin, liver, upper GI, lower GI), got shape {raw.shape}",
        )
    if raw.dtype.kind not in "iu":
        raise InputError.single(field, f"stages must be whole numbers, got dtype {raw.dtype}")
    bad = (raw < 0) | (raw > _HIGHEST_STAGE)
    if bad.any():
        *row, organ = (int(i) for i in np.argwhere(bad)[0])
        where = f"[{','.join(str(i) for i in row)}]" if row else ""
        raise InputError.single(
            f"{field}{where}.{_ORGAN_NAMES[organ]}",
            f"must be between 0 and {_HIGHEST_STAGE[organ]}, got {raw[(*row, organ)].item()}",
        )
    return raw.astype(np.int8, copy=False)
