"""All analysis datasets from one set of records, and the SHA-256 of the analysed snapshot."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd

from trialdesk.domain.gvhd.endpoints import durable_response_arrays
from trialdesk.domain.gvhd.response import RESPONSE_CODE
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import yes_no
from trialdesk.stats.datasets.adae import build_adae
from trialdesk.stats.datasets.adrs import build_adrs
from trialdesk.stats.datasets.adsl import build_adsl_base, per_protocol_flags
from trialdesk.stats.datasets.adtte import build_adtte
from trialdesk.stats.datasets.endpoints import endpoint_window, response_labels, responses_at
from trialdesk.stats.datasets.form_datasets import add_form_datasets
from trialdesk.stats.datasets.records import TrialRecords, apply_cutoff

__all__ = ["AnalysisDatasets", "build_datasets", "snapshot_sha256"]

#: Endpoint codes of the protocol the response flags are derived for.
PRIMARY_WINDOW_ENDPOINT = "cr_week4"
DURABLE_ENDPOINT = "durable_response_d56"


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


def _add_endpoints(adsl: pd.DataFrame, adrs: pd.DataFrame, protocol: Protocol) -> None:
    ids = adsl.index.to_numpy()
    week4 = responses_at(ids, adrs, endpoint_window(protocol, PRIMARY_WINDOW_ENDPOINT))
    later = responses_at(ids, adrs, endpoint_window(protocol, DURABLE_ENDPOINT))
    itt = (adsl["ITTFL"] == "Y").to_numpy()
    adsl["RSPW4"] = response_labels(week4)
    adsl["RSPD56"] = response_labels(later)
    # ITT: a missing week-4 response is a non-response (the flags below are N, never missing).
    adsl["CRW4FL"] = yes_no(itt & (week4 == RESPONSE_CODE[Response.CR]))
    adsl["ORW4FL"] = yes_no(
        itt & ((week4 == RESPONSE_CODE[Response.CR]) | (week4 == RESPONSE_CODE[Response.PR]))
    )
    adsl["DURRFL"] = yes_no(itt & durable_response_arrays(week4, later))
    adsl.loc[~itt, ["RSPW4", "RSPD56", "CRW4FL", "ORW4FL", "DURRFL"]] = ""


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
    _add_endpoints(adsl, adrs, protocol)
    adsl["PPROTFL"] = per_protocol_flags(adsl)
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
