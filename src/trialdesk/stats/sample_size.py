"""Sample size for comparing two independent proportions (equal allocation).

Normal approximation (Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*,
3rd ed., 2003, §4.2):

.. math::

    n' = \\frac{\\left(z_{1-\\alpha/s}\\sqrt{2\\bar p\\bar q}
               + z_{1-\\beta}\\sqrt{p_1q_1 + p_2q_2}\\right)^2}{(p_2 - p_1)^2},

and with the Fleiss continuity correction

.. math::

    n = \\frac{n'}{4}\\left(1 + \\sqrt{1 + \\frac{4}{n'\\,|p_2 - p_1|}}\\right)^2,

each rounded up to whole subjects per arm. Dropout ``d`` inflates the evaluable number per arm
to ``ceil(n / (1 - d))``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from trialdesk.domain.errors import FieldError, InputError

__all__ = ["TwoProportionDesign", "analytic_power", "per_arm_normal", "per_arm_with_dropout"]


@dataclass(frozen=True, slots=True)
class TwoProportionDesign:
    """Control and treatment response probabilities, level, power and sidedness."""

    p_control: float
    p_treatment: float
    alpha: float = 0.05
    power: float = 0.80
    sides: int = 2

    def __post_init__(self) -> None:
        problems = [
            FieldError(name, "must lie strictly between 0 and 1")
            for name in ("p_control", "p_treatment", "alpha", "power")
            if not 0.0 < getattr(self, name) < 1.0
        ]
        if self.sides not in (1, 2):
            problems.append(FieldError("sides", "must be 1 or 2"))
        if not problems and self.p_control == self.p_treatment:
            problems.append(FieldError("p_treatment", "must differ from p_control"))
        if problems:
            raise InputError(problems)

    @property
    def z_alpha(self) -> float:
        return float(norm.ppf(1.0 - self.alpha / self.sides))

    @property
    def difference(self) -> float:
        return abs(self.p_treatment - self.p_control)


def _uncorrected(design: TwoProportionDesign) -> float:
    p1, p2 = design.p_control, design.p_treatment
    mean = (p1 + p2) / 2.0
    z_beta = float(norm.ppf(design.power))
    numerator = design.z_alpha * math.sqrt(2.0 * mean * (1.0 - mean)) + z_beta * math.sqrt(
        p1 * (1.0 - p1) + p2 * (1.0 - p2)
    )
    return numerator**2 / design.difference**2


def per_arm_normal(design: TwoProportionDesign, *, continuity_correction: bool = False) -> int:
    """Evaluable subjects per arm by the normal approximation, optionally Fleiss-corrected.

    Parameters
    ----------
    design : TwoProportionDesign
    continuity_correction : bool
        Apply the Fleiss continuity correction.

    Returns
    -------
    int
        Subjects per arm, rounded up.
    """
    n = _uncorrected(design)
    if continuity_correction:
        n = n / 4.0 * (1.0 + math.sqrt(1.0 + 4.0 / (n * design.difference))) ** 2
    # Guard against 58.0000000001 from floating point turning into 59.
    return math.ceil(round(n, 9))


def per_arm_with_dropout(per_arm: int, dropout: float) -> int:
    """Subjects to randomize per arm so that ``per_arm`` remain after a ``dropout`` share."""
    if not 0.0 <= dropout < 1.0:
        raise InputError.single("dropout", "must be at least 0 and below 1")
    return math.ceil(round(per_arm / (1.0 - dropout), 9))


def analytic_power(design: TwoProportionDesign, per_arm: float) -> float:
    """Power of the uncorrected normal-approximation test with ``per_arm`` subjects per arm.

    The inverse of :func:`per_arm_normal` without correction (``design.power`` is ignored).
    """
    if per_arm <= 0:
        raise InputError.single("per_arm", "must be > 0")
    p1, p2 = design.p_control, design.p_treatment
    mean = (p1 + p2) / 2.0
    spread = math.sqrt(p1 * (1.0 - p1) + p2 * (1.0 - p2))
    null_spread = math.sqrt(2.0 * mean * (1.0 - mean))
    z = (design.difference * math.sqrt(per_arm) - design.z_alpha * null_spread) / spread
    return float(norm.cdf(z))
