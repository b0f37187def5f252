"""CTCAE v5.0 grades: what each grade means, and which grades a term allows.

Grade is *severity* (intensity); it says nothing about *seriousness*, which is a regulatory
category (:mod:`trialdesk.domain.safety.seriousness`). A grade-3 event is not serious unless a
seriousness criterion applies.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from trialdesk.domain.errors import InputError

__all__ = ["CtcaeGrade", "ctcae_grade"]


class CtcaeGrade(enum.IntEnum):
    """CTCAE v5.0 (NCI, 27 Nov 2017) grade of an adverse event."""

    MILD = 1
    MODERATE = 2
    SEVERE = 3
    LIFE_THREATENING = 4
    DEATH = 5

    @property
    def meaning(self) -> str:
        """The general meaning of the grade, paraphrased from CTCAE v5.0."""
        return _MEANINGS[self]


_MEANINGS = {
    CtcaeGrade.MILD: (
        "mild; asymptomatic or mild symptoms; clinical or diagnostic observations only; "
        "intervention not indicated"
    ),
    CtcaeGrade.MODERATE: (
        "moderate; minimal, local or non-invasive intervention indicated; limiting "
        "age-appropriate instrumental activities of daily living"
    ),
    CtcaeGrade.SEVERE: (
        "severe or medically significant but not immediately life-threatening; "
        "hospitalization or prolongation of hospitalization indicated; disabling; "
        "limiting self-care activities of daily living"
    ),
    CtcaeGrade.LIFE_THREATENING: "life-threatening consequences; urgent intervention indicated",
    CtcaeGrade.DEATH: "death related to the adverse event",
}


def ctcae_grade(
    value: int, allowed: Collection[int] | None = None, *, field_name: str = "grade"
) -> CtcaeGrade:
    """Return ``value`` as a :class:`CtcaeGrade`, refusing grades outside 1–5 or ``allowed``.

    ``allowed`` is the set of grades the CTCAE term defines (not every term allows every grade,
    e.g. some have no grade 4 or 5); ``None`` accepts 1–5.
    """
    if isinstance(value, bool) or value not in CtcaeGrade._value2member_map_:
        raise InputError.single(field_name, f"must be a CTCAE grade from 1 to 5, got {value!r}")
    if allowed is not None and value not in allowed:
        grades = ", ".join(str(g) for g in sorted(allowed)) or "none"
        raise InputError.single(
            field_name, f"grade {value} is not defined for this term (allowed: {grades})"
        )
    return CtcaeGrade(value)
