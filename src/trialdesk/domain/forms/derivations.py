"""What the software derives from a saved protocol form, by the name the protocol gives it.

A derivation is a pure function of the record's validated values and a :class:`FormContext`
(weight, study day 1, randomization date, protocol settings); it returns the derived values
that are stored with the record and audited with it (``{"prednisone_mg_per_day": 62.5, …}``).
Each clinical rule lives in its own domain module;
:mod:`trialdesk.domain.forms.catalogue` names them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Derivation", "FormContext"]


@dataclass(frozen=True, slots=True)
class FormContext:
    """What a derivation may need beyond the record itself.

    ``day_one`` is study day 1 (the first dose of study treatment; ``None`` before it);
    ``settings`` the protocol's ``form_settings`` (e.g. viability threshold, drug-level ranges).
    """

    weight_kg: float | None = None
    day_one: dt.date | None = None
    randomized_on: dt.date | None = None
    arm: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


Derivation = Callable[[Mapping[str, Any], FormContext], dict[str, Any]]
