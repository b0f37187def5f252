"""The derivations a protocol form may name (its ``derive`` key), each from the module that owns
the clinical rule.

A protocol naming a derivation that is not listed here is refused when it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from trialdesk.domain.corticosteroids import corticosteroid_period
from trialdesk.domain.forms.derivations import Derivation
from trialdesk.domain.forms.immunosuppressant import immunosuppressant_period
from trialdesk.domain.forms.infection import infection
from trialdesk.domain.forms.msc_product import msc_infusion
from trialdesk.domain.gvhd.chronic import nih_chronic_gvhd
from trialdesk.domain.gvhd.risk import baseline_risk

__all__ = ["DERIVATIONS"]

#: Derivation name → function. Add a line here when a domain module gains a form derivation.
DERIVATIONS: Mapping[str, Derivation] = MappingProxyType(
    {
        "corticosteroid_period": corticosteroid_period,
        "immunosuppressant_period": immunosuppressant_period,
        "infection": infection,
        "msc_infusion": msc_infusion,
        "nih_chronic_gvhd": nih_chronic_gvhd,
        "baseline_risk": baseline_risk,
    }
)
