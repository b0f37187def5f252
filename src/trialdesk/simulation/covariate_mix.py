"""Who enrols in a simulated trial: the covariate mix of the randomization design simulator.

Kept apart from :mod:`.randomization_design` (and free of a module-level numpy import) because
``trialdesk randomization simulate`` shows these defaults in its help.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from trialdesk.domain.errors import FieldError, InputError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["CovariateMix"]


@dataclass(frozen=True, slots=True)
class CovariateMix:
    """Who enrols: site accrual shares and the baseline covariates of a virtual patient.

    The defaults describe a plausible NCT04738981 population (six centres, the largest recruiting
    about four times as many as the smallest; grade III–IV in 55 %, lower-GI involvement in 60 %).
    """

    site_weights: tuple[tuple[str, float], ...] = (
        ("S01", 0.30),
        ("S02", 0.22),
        ("S03", 0.16),
        ("S04", 0.13),
        ("S05", 0.11),
        ("S06", 0.08),
    )
    p_grade_iii_iv: float = 0.55
    #: Share of grade IV among grade III–IV; only the raw value differs, not the stratum.
    p_grade_iv_given_iii_iv: float = 0.35
    p_gi_involvement: float = 0.60

    def validate(self) -> None:
        """Raise :class:`InputError` naming every unusable parameter."""
        problems: list[FieldError] = []
        weights = [w for _, w in self.site_weights]
        if not weights or any(not w > 0 for w in weights):
            problems.append(FieldError("site_weights", "needs at least one site, weights > 0"))
        if len({code for code, _ in self.site_weights}) != len(self.site_weights):
            problems.append(FieldError("site_weights", "names a site twice"))
        for name in ("p_grade_iii_iv", "p_grade_iv_given_iii_iv", "p_gi_involvement"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                problems.append(FieldError(name, f"must be a probability in [0, 1], not {value}"))
        if problems:
            raise InputError(problems)

    def draw(
        self, replicates: int, subjects: int, rng: np.random.Generator
    ) -> dict[str, np.ndarray]:
        """Raw field values (as the eCRF would hold them), shape (replicates, subjects) each."""
        import numpy as np  # here, not at the top: the command line's help reads the defaults

        shape = (replicates, subjects)
        codes = np.array([code for code, _ in self.site_weights])
        weights = np.array([w for _, w in self.site_weights], dtype=float)
        site = codes[rng.choice(codes.size, size=shape, p=weights / weights.sum())]
        severe = rng.random(shape) < self.p_grade_iii_iv
        grade_iv = rng.random(shape) < self.p_grade_iv_given_iii_iv
        grade = np.where(severe, np.where(grade_iv, "4", "3"), "2")
        gi = np.where(rng.random(shape) < self.p_gi_involvement, "yes", "no")
        return {"site": site, "baseline_grade": grade, "gi_involvement": gi}
