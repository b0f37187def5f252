"""The report sections built from the protocol forms, computed in one call: baseline risk,
chronic GVHD (NIH 2014) and infections. In the DSMB closed report the arms are coded like every
other section (the grouping does it) and none of these sections shows anything specific to a
study product."""

from __future__ import annotations

from typing import Any

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets import AnalysisDatasets
from trialdesk.stats.reports.baseline_risk import baseline_risk_table
from trialdesk.stats.reports.chronic_gvhd import chronic_gvhd_section
from trialdesk.stats.reports.groups import Grouping
from trialdesk.stats.reports.infections import infection_section

__all__ = ["form_sections"]


def form_sections(datasets: AnalysisDatasets, protocol: Protocol, grouping: Grouping) -> Any:
    """Context of the three sections for the report template."""
    return {
        "baseline_risk": baseline_risk_table(datasets.adsl, protocol, grouping),
        "chronic": chronic_gvhd_section(datasets.adsl, datasets.adtte, grouping),
        "infections": infection_section(
            datasets.adinf, datasets.adsl.set_index("SUBJID"), protocol, grouping
        ),
    }
