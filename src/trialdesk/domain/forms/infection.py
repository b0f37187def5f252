"""Infection episodes: study day of onset, duration, and whether the episode is significant.

"Clinically significant CMV infection" follows the definitions for use in clinical trials
(Ljungman P et al., Clin Infect Dis 2017;64:87-91): CMV end-organ disease, or CMV DNAemia that
leads to pre-emptive antiviral treatment. The same reading is applied to EBV and HHV-6 DNAemia
(significant when treated, e.g. pre-emptive rituximab for EBV) and to infections recorded as
"other"; EBV post-transplant lymphoproliferative disease, invasive fungal disease and bacteraemia
are significant by themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialdesk.domain.forms.derivations import FormContext
from trialdesk.domain.forms.periods import period_days, study_day

__all__ = ["ALWAYS_SIGNIFICANT", "SIGNIFICANT_WHEN_TREATED", "infection"]

#: Categories that are clinically significant whether or not treatment is recorded.
ALWAYS_SIGNIFICANT = frozenset({"cmv_disease", "ebv_ptld", "invasive_fungal", "bacteraemia"})
#: Categories that are significant when treated (pre-emptive therapy of DNAemia).
SIGNIFICANT_WHEN_TREATED = frozenset({"cmv_dnaemia", "ebv_dnaemia", "hhv6_dnaemia", "other"})
_CMV = frozenset({"cmv_dnaemia", "cmv_disease"})


def infection(values: Mapping[str, Any], ctx: FormContext) -> dict[str, Any]:
    """Onset study day (``None`` before study day 1 or while there is none), duration, flags.

    ``on_study`` is whether onset is on or after study day 1 (``None`` while unknown);
    ``clinically_significant`` as in the module docstring; ``cs_cmv_infection`` the
    Ljungman 2017 "clinically significant CMV infection".
    """
    category = str(values["category"])
    treated = bool(values.get("treated"))
    significant = category in ALWAYS_SIGNIFICANT or (
        category in SIGNIFICANT_WHEN_TREATED and treated
    )
    onset = values["onset_on"]
    return {
        "onset_study_day": study_day(onset, ctx.day_one),
        "on_study": None if ctx.day_one is None else onset >= ctx.day_one,
        "duration_days": period_days(onset, values.get("resolved_on")),
        "clinically_significant": significant,
        "cs_cmv_infection": significant and category in _CMV,
    }
