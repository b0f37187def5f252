"""Overall acute GVHD grade 0–IV from organ stages: MAGIC and modified Glucksberg.

The grade is not the maximum organ stage: it depends on *which* organ is involved. The MAGIC
table (clinical.md §1.2) is checked from IV down to 0 and the first matching row wins:

=====  =====================================================================
IV     stage 4 skin, liver or lower GI
III    stage 2–3 liver and/or stage 2–3 lower GI
II     stage 3 skin and/or stage 1 liver, upper GI or lower GI
I      stage 1–2 skin (no other organ involved)
0      no organ involved
=====  =====================================================================

Every row is an "or" over single organs, so "the first matching row from IV down" is the same as
"the highest grade that any one organ's stage alone calls for". The rule is therefore stored as
one small table per organ (the grade each stage implies) and evaluated as a maximum over organs,
which is exact, monotone in every stage by construction, and fast on millions of rows.

Modified Glucksberg (Keystone 1994, clinical.md §1.3): I = skin 1–2 only; II = skin 3, liver 1 or
gut 1; III = liver 2–3 or gut 2–4; IV = skin 4 or liver 4. Note that gut stage 4 is grade III
here but grade IV under MAGIC.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trialdesk.domain.gvhd._checks import as_stage_array
from trialdesk.domain.gvhd.types import GradingSystem, OrganStages

__all__ = ["GRADE_LABELS", "grade", "grade_arrays", "grade_label"]

#: Roman labels of grades 0–4.
GRADE_LABELS: tuple[str, ...] = ("0", "I", "II", "III", "IV")

# Grade implied by each stage of each organ; rows: skin, liver, upper GI, lower GI; columns:
# stages 0–4 (upper GI has no stage above 1, its unused cells are never read).
_IMPLIED_GRADE: dict[GradingSystem, NDArray[np.int8]] = {
    GradingSystem.MAGIC: np.array(
        [
            [0, 1, 1, 2, 4],  # skin: 1–2 → I, 3 → II, 4 → IV
            [0, 2, 3, 3, 4],  # liver: 1 → II, 2–3 → III, 4 → IV
            [0, 2, 0, 0, 0],  # upper GI: 1 → II
            [0, 2, 3, 3, 4],  # lower GI: 1 → II, 2–3 → III, 4 → IV
        ],
        dtype=np.int8,
    ),
    GradingSystem.GLUCKSBERG: np.array(
        [
            [0, 1, 1, 2, 4],  # skin: 1–2 → I, 3 → II, 4 → IV
            [0, 2, 3, 3, 4],  # liver: 1 → II, 2–3 → III, 4 → IV
            [0, 2, 0, 0, 0],  # upper GI (folded into gut by Glucksberg staging): as gut 1
            [0, 2, 3, 3, 3],  # gut: 1 → II, 2–4 → III
        ],
        dtype=np.int8,
    ),
}


def grade_arrays(
    stages: ArrayLike, system: GradingSystem = GradingSystem.MAGIC
) -> NDArray[np.int8]:
    """Overall grade 0–4 of every row of organ stages.

    Parameters
    ----------
    stages : int array, shape ``(..., 4)``
        Organ stages in the order skin, liver, upper GI, lower GI.
    system : GradingSystem
        The grading table to apply; use the system that produced the stages.

    Returns
    -------
    int8 array, shape ``(...)``
        Grade 0–4 (0 = no aGVHD, 4 = grade IV).

    Raises
    ------
    InputError
        When a stage is out of range or the last axis is not 4 organs.
    """
    checked = as_stage_array(stages, "stages")
    table = _IMPLIED_GRADE[system]
    result = np.asarray(table[0][checked[..., 0]])  # a 0-d array, not a scalar, for one row
    for organ in range(1, 4):
        np.maximum(result, table[organ][checked[..., organ]], out=result)
    return result


def grade(stages: OrganStages, system: GradingSystem = GradingSystem.MAGIC) -> int:
    """Overall grade 0–4 of one assessment (same table as :func:`grade_arrays`)."""
    return int(grade_arrays(np.array(stages.as_tuple(), dtype=np.int8), system))


def grade_label(value: int) -> str:
    """Roman label of a grade 0–4, e.g. ``"III"``."""
    return GRADE_LABELS[value]
