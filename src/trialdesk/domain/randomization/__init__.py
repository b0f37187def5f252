"""Randomization: allocation methods and their settings; the random generator is passed in."""

from trialdesk.domain.randomization.blocks import (
    BlockSequence,
    ListEntry,
    draw_blocks,
    generate_list,
    generate_stratum_list,
    stratum_generator,
)
from trialdesk.domain.randomization.concealment import (
    SITE_HIDDEN_FIELDS,
    AllocationRecord,
    SiteVisibleAllocation,
    site_view,
)
from trialdesk.domain.randomization.minimization import (
    MinimizationDecision,
    MinimizationState,
    arm_scores,
    assignment_probabilities,
    choose_arms,
    imbalance,
    minimize,
)
from trialdesk.domain.randomization.spec import (
    ImbalanceMeasure,
    MinimizationFactor,
    MinimizationSpec,
    RandomizationMethod,
    RandomizationSpec,
    StratificationFactor,
    StratumLevel,
)
from trialdesk.domain.randomization.strata import (
    StratumKey,
    level_code,
    normalise_raw_value,
    stratum_key,
    subject_levels,
)
from trialdesk.domain.randomization.validation import MAX_SEED, validate_list_seed, validate_spec
from trialdesk.domain.randomization.verification import (
    Discrepancy,
    VerificationReport,
    verify_allocations,
    verify_list,
)

__all__ = [
    "MAX_SEED",
    "SITE_HIDDEN_FIELDS",
    "AllocationRecord",
    "BlockSequence",
    "Discrepancy",
    "ImbalanceMeasure",
    "ListEntry",
    "MinimizationDecision",
    "MinimizationFactor",
    "MinimizationSpec",
    "MinimizationState",
    "RandomizationMethod",
    "RandomizationSpec",
    "SiteVisibleAllocation",
    "StratificationFactor",
    "StratumKey",
    "StratumLevel",
    "VerificationReport",
    "arm_scores",
    "assignment_probabilities",
    "choose_arms",
    "draw_blocks",
    "generate_list",
    "generate_stratum_list",
    "imbalance",
    "level_code",
    "minimize",
    "normalise_raw_value",
    "site_view",
    "stratum_generator",
    "stratum_key",
    "subject_levels",
    "validate_list_seed",
    "validate_spec",
    "verify_allocations",
    "verify_list",
]
