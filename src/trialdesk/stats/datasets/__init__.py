"""Analysis datasets (ADaM-like ADSL, ADRS, ADTTE, ADAE) derived from the store's records."""

from trialdesk.stats.datasets.adsl import PP_DOSE_SHARE, exposure_columns
from trialdesk.stats.datasets.adtte import PARAMETERS
from trialdesk.stats.datasets.build import AnalysisDatasets, build_datasets, snapshot_sha256
from trialdesk.stats.datasets.endpoints import endpoint_window, responses_at
from trialdesk.stats.datasets.export import (
    DATASET_LABELS,
    VARIABLE_LABELS,
    ExportFormat,
    write_datasets,
)
from trialdesk.stats.datasets.records import TrialRecords, apply_cutoff

__all__ = [
    "DATASET_LABELS",
    "PARAMETERS",
    "PP_DOSE_SHARE",
    "VARIABLE_LABELS",
    "AnalysisDatasets",
    "ExportFormat",
    "TrialRecords",
    "apply_cutoff",
    "build_datasets",
    "endpoint_window",
    "exposure_columns",
    "responses_at",
    "snapshot_sha256",
    "write_datasets",
]
