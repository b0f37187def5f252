"""Additional systemic GVHD therapy since the last assessment, recorded with every assessment.

An intercurrent event in the ICH E9(R1) sense: a response seen after additional systemic therapy
for GVHD is not a response to study treatment, and the composite strategy counts it as a
failure (REACH2 required "no additional systemic aGVHD therapy" for a response; Zeiser R et al.,
N Engl J Med 2020;382:1800-10). The answer is therefore required on every assessment made after
randomization, and when it is yes the therapy must be named. There is no default: an unanswered
question must not read as "no".
"""

from __future__ import annotations

from dataclasses import dataclass

from trialdesk.domain.errors import InputError

__all__ = ["MAX_NAMES_LENGTH", "AdditionalTherapy", "check_additional_therapy"]

#: Length of the column that stores the names (``gvhd_assessments.additional_therapy_names``).
MAX_NAMES_LENGTH = 200


@dataclass(frozen=True, slots=True)
class AdditionalTherapy:
    """The checked answer: ``given`` is None only where the question was not required."""

    given: bool | None
    names: str | None


def check_additional_therapy(given: object, names: object, *, required: bool) -> AdditionalTherapy:
    """Check the answer and the therapy names; :class:`InputError` naming the field otherwise.

    ``required`` is true for an assessment after randomization. Names are required (≤ 200
    characters) when the answer is yes and refused when it is no.
    """
    text = names.strip() if isinstance(names, str) else names
    if text == "":
        text = None
    if given is None:
        if required:
            raise InputError.single(
                "additional_therapy",
                "answer yes or no: was additional systemic GVHD therapy given since the last "
                "assessment?",
            )
        if text is not None:
            raise InputError.single(
                "additional_therapy", "answer yes before naming an additional therapy"
            )
        return AdditionalTherapy(None, None)
    if not isinstance(given, bool):
        raise InputError.single("additional_therapy", f"must be yes or no, got {given!r}")
    if text is not None and not isinstance(text, str):
        raise InputError.single("additional_therapy_names", "must be text")
    if not given:
        if text is not None:
            raise InputError.single(
                "additional_therapy_names", "leave empty when no additional therapy was given"
            )
        return AdditionalTherapy(False, None)
    if text is None:
        raise InputError.single(
            "additional_therapy_names", "name the additional systemic GVHD therapy given"
        )
    if len(text) > MAX_NAMES_LENGTH:
        raise InputError.single(
            "additional_therapy_names",
            f"must be at most {MAX_NAMES_LENGTH} characters, got {len(text)}",
        )
    return AdditionalTherapy(True, text)
