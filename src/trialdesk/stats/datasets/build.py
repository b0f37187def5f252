"""All analysis datasets from one set of records, and the SHA-256 of the analysed snapshot."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets.adae import build_adae
from trialdesk.stats.datasets.adrs import build_adrs
from trialdesk.stats.datasets.adsl import build_adsl_base
from trialdesk.stats.datasets.adtte import build_adtte
from trialdesk.stats.datasets.form_datasets import add_form_datasets
from trialdesk.stats.datasets.intercurrent import add_composite_endpoints, add_intercurrent_events
from trialdesk.stats.datasets.per_protocol import add_per_protocol, add_protocol_switch
from trialdesk.stats.datasets.records import TrialRecords, apply_cutoff
from trialdesk.stats.datasets.response_detail import add_response_detail
from trialdesk.stats.datasets.steroids import add_steroid_exposure

__all__ = ["AnalysisDatasets", "build_datasets", "snapshot_sha256"]


@dataclass(frozen=True, slots=True)
class AnalysisDatasets:
    """ADSL, ADRS, ADTTE and ADAE of one data cut, with the hash of their content."""

    adsl: pd.DataFrame
    adrs: pd.DataFrame
    adtte: pd.DataFrame
    adae: pd.DataFrame
    cutoff: dt.date | None
    sha256: str
    #: From the protocol forms: chronic GVHD assessments and infections.
    adcgvhd: pd.DataFrame = field(default_factory=pd.DataFrame)
    adinf: pd.DataFrame = field(default_factory=pd.DataFrame)

    def items(self) -> list[tuple[str, pd.DataFrame]]:
        """The datasets by name, in a fixed order."""
        return [("adsl", self.adsl), ("adrs", self.adrs), ("adtte", self.adtte),
                ("adae", self.adae), ("adcgvhd", self.adcgvhd),
                ("adinf", self.adinf)]  # fmt: skip


def snapshot_sha256(frames: list[tuple[str, pd.DataFrame]]) -> str:
    """SHA-256 of a canonical serialisation: each dataset as CSV (name line, sorted columns,
    rows in their fixed order, ISO dates, floats with 12 significant digits, LF line ends)."""
    digest = hashlib.sha256()
    for name, frame in frames:
        digest.update(f"# {name}\n".encode())
        canonical = frame.reset_index()[sorted(frame.reset_index().columns)]
        text = canonical.to_csv(index=False, lineterminator="\n", float_format="%.12g",
                                date_format="%Y-%m-%d")  # fmt: skip
        digest.update(text.encode())
    return digest.hexdigest()


def build_datasets(
    records: TrialRecords, protocol: Protocol, *, cutoff: dt.date | None = None
) -> AnalysisDatasets:
    """Derive ADSL, ADRS, ADTTE and ADAE from the store's records at the data cut-off.

    Parameters
    ----------
    records : TrialRecords
        Everything read from the store (the cut-off is applied here).
    protocol : Protocol
        Supplies arms, products, visits, endpoint windows.
    cutoff : datetime.date, optional
        Data cut-off date (inclusive); ``None`` analyses everything.

    Returns
    -------
    AnalysisDatasets
        The four datasets and the SHA-256 of their canonical serialisation.
    """
    cut = apply_cutoff(records, cutoff)
    adsl = build_adsl_base(cut, protocol)
    adrs = build_adrs(cut, adsl, protocol)
    add_intercurrent_events(adsl, cut, protocol)
    add_composite_endpoints(adsl, adrs, protocol)
    add_response_detail(adsl, adrs, protocol)
    add_steroid_exposure(adsl, cut, protocol)
    add_protocol_switch(adsl, adrs, protocol)
    add_per_protocol(adsl, protocol)
    adsl = adsl.reset_index()
    extra = add_form_datasets(cut, protocol, adsl)  # baseline risk, cGVHD, infections
    adsl = extra.adsl
    adtte = pd.concat([build_adtte(adsl.set_index("SUBJID")), extra.adtte], ignore_index=True)
    adae = build_adae(cut.adverse_events, adsl.set_index("SUBJID"))
    frames = [("adsl", adsl), ("adrs", adrs), ("adtte", adtte), ("adae", adae),
              ("adcgvhd", extra.adcgvhd), ("adinf", extra.adinf)]  # fmt: skip
    return AnalysisDatasets(adsl=adsl, adrs=adrs, adtte=adtte, adae=adae, cutoff=cutoff,
                            sha256=snapshot_sha256(frames), adcgvhd=extra.adcgvhd,
                            adinf=extra.adinf)  # fmt: skip
