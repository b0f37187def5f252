"""Shared fixtures for the whole suite."""

from collections.abc import Callable

import pytest

from trialdesk.domain.randomization.spec import (
    ImbalanceMeasure,
    MinimizationFactor,
    MinimizationSpec,
    RandomizationMethod,
    RandomizationSpec,
    StratificationFactor,
    StratumLevel,
)

RandomizationSpecFactory = Callable[..., RandomizationSpec]


@pytest.fixture
def randomization_spec() -> RandomizationSpecFactory:
    """Build NCT04738981's randomization settings, with any field overridden by keyword."""
    site = StratificationFactor("site", "Site", "site")
    grade = StratificationFactor(
        "baseline_grade",
        "Baseline grade",
        "baseline_grade",
        (
            StratumLevel("II", "Grade II", ("2",)),
            StratumLevel("III-IV", "Grade III–IV", ("3", "4")),
        ),
    )
    gi = StratificationFactor(
        "gi_involvement",
        "Lower-GI involvement",
        "gi_involvement",
        (StratumLevel("yes", "Lower GI ≥ 1", ("yes",)), StratumLevel("no", "Lower GI 0", ("no",))),
    )

    def build(
        *,
        method: RandomizationMethod = RandomizationMethod.STRATIFIED_BLOCKS,
        ratio: tuple[tuple[str, int], ...] = (("msc_cd25", 1), ("cd25", 1)),
        block_sizes: tuple[int, ...] = (2, 4),
        measure: ImbalanceMeasure = ImbalanceMeasure.RANGE,
        p_preferred: float = 0.8,
        weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
    ) -> RandomizationSpec:
        factors = tuple(
            MinimizationFactor(f, w) for f, w in zip((site, grade, gi), weights, strict=True)
        )
        return RandomizationSpec(
            method,
            ratio,
            block_sizes,
            (site, grade),
            MinimizationSpec(factors, measure, p_preferred),
        )

    return build
