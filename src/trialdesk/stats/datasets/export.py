"""Writing the analysis datasets as CSV or SAS transport (XPT version 5) files.

XPT v5 allows names of at most 8 characters and labels of at most 40; every variable here is
named and labelled within those limits (checked before writing, so an export never truncates
silently).
"""

from __future__ import annotations

import enum
from pathlib import Path

import pandas as pd
import pyreadstat

from trialdesk.domain.errors import InputError
from trialdesk.domain.spreadsheet_cells import inert_cell
from trialdesk.stats.datasets.build import AnalysisDatasets
from trialdesk.stats.datasets.steroids import STEROID_COLUMNS

__all__ = ["DATASET_LABELS", "VARIABLE_LABELS", "ExportFormat", "write_datasets"]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XPT = "xpt"


DATASET_LABELS = {
    "adsl": "Subject-Level Analysis Dataset",
    "adrs": "Response Analysis Dataset",
    "adtte": "Time-to-Event Analysis Dataset",
    "adae": "Adverse Events Analysis Dataset",
    "adcgvhd": "Chronic GVHD (NIH 2014) Analysis Dataset",
    "adinf": "Infections Analysis Dataset",
}

VARIABLE_LABELS = {
    "STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier",
    "SUBJID": "Subject Record Number", "SCRNUM": "Screening Number", "SITEID": "Site Code",
    "SEX": "Sex", "STATE": "Subject Status at Cut-off", "SCRNDT": "Date of Latest Screening",
    "ELIGFL": "Eligible at Screening", "SFREAS": "Screen Failure Criteria",
    "AGE": "Age at Screening (years)", "SCRFL": "Screened Flag",
    "RANDDT": "Date of Randomization", "DAY1DT": "Study Day 1 (First Dose) Date",
    "RANDDY": "Study Day of Randomization", "ARMCD": "Randomized Arm Code",
    "ARM": "Randomized Arm", "STRATUM": "Randomization Stratum",
    "RANDERFL": "Allocation Flagged as Error", "ITTFL": "Intent-to-Treat (FAS) Flag",
    "BLDT": "Baseline Assessment Date", "BGRADE": "Baseline aGVHD Grade (MAGIC)",
    "BGRADEGR": "Baseline Grade Group", "BSKIN": "Baseline Skin Stage",
    "SKININV": "Skin Involved at Baseline", "BLIVER": "Baseline Liver Stage",
    "LIVERINV": "Liver Involved at Baseline", "BUGI": "Baseline Upper GI Stage",
    "UGIINV": "Upper GI Involved at Baseline", "BLGI": "Baseline Lower GI Stage",
    "LGIINV": "Lower GI Involved at Baseline", "TRTSDT": "Date of First Dose",
    "TRTEDT": "Date of Last Dose", "WEIGHTBL": "Weight at First Dose (kg)",
    "TRTACD": "Actual (As-Treated) Arm Code", "SAFFL": "Safety Population Flag",
    "CRSADQFL": "First Course >= 80% of Doses", "DTHDT": "Date of Death",
    "RELDT": "Date of Relapse", "CGVHDDT": "Date of Chronic GVHD",
    "WDDT": "Date of Withdrawal", "LTFUDT": "Date Lost to Follow-up",
    "DTHCAUS": "Cause of Death", "DTHFL": "Death Flag", "RESCDT": "Date of First Rescue Therapy",
    "LSTALVDT": "Last Known Alive Date", "RSPW4": "Response at Week 4",
    "RSPD56": "Response at Day 56", "CRW4FL": "Complete Response at Week 4",
    "ORW4FL": "Overall Response at Week 4", "DURRFL": "Durable Response at Day 56",
    "PPROTFL": "Per-Protocol Population Flag",
    "PPEXREAS": "Reasons Excluded from Per-Protocol Set",
    "PSWFL": "Protocol-Mandated Switch (Stop Rule)", "PSWDY": "Study Day of Mandated Switch",
    "PSWREAS": "Stop Rule That Mandated the Switch",
    "SKINR": "Skin Response vs Baseline", "LIVERR": "Liver Response vs Baseline",
    "UGIR": "Upper GI Response vs Baseline", "LGIR": "Lower GI Response vs Baseline",
    "POSTICE": "On/After First Intercurrent Event",
    "SKINRW4": "Skin Response at Week 4", "LIVRW4": "Liver Response at Week 4",
    "UGIRW4": "Upper GI Response at Week 4", "LGIRW4": "Lower GI Response at Week 4",
    "BORD28": "Best Overall Response by Day 28",
    "RSP1DT": "Date of First Response (CR/PR)", "RSP1DY": "Study Day of First Response",
    "LORFL": "Loss of Response (Flare)", "LORDY": "Study Day of Loss of Response",
    "LORREAS": "Loss of Response: What Happened",
    "AGV34DT": "First Post-Baseline Grade III-IV aGVHD",
    "ICEVENT": "First Intercurrent Event", "ICEDT": "Date of First Intercurrent Event",
    "ICEDY": "Study Day of First Intercurrent Event",
    "ICEDETL": "First Intercurrent Event Detail",
    "CRW4REAS": "Reason Not a Complete Responder Week 4",
    "DURREAS": "Reason Not a Durable Responder", "ASEQ": "Assessment Record Number",
    "ADT": "Analysis Date", "ADY": "Analysis Study Day", "AVISIT": "Analysis Visit",
    "SKIN": "Skin Stage", "LIVER": "Liver Stage", "UGI": "Upper GI Stage",
    "LGI": "Lower GI Stage", "GRADE": "Overall aGVHD Grade", "AVALC": "Response Category",
    "ABLFL": "Baseline Record Flag", "GRDSYS": "Grading System",
    "RULESET": "Response Rule Set", "PARAMCD": "Parameter Code", "PARAM": "Parameter",
    "STARTDT": "Time-to-Event Origin Date", "AVAL": "Analysis Value (days)",
    "EVNTCD": "Event Code (0 cens,1 event,2 compet)", "CNSR": "Censor (1 = no event of interest)",
    "AESEQ": "Adverse Event Record Number", "AEDECOD": "CTCAE Term (Dictionary-Derived)",
    "AETERM": "Reported Term", "AEPTCD": "MedDRA Code of the CTCAE Term",
    "AESOC": "MedDRA System Organ Class",
    "AETOXGR": "CTCAE Grade", "AEGR3FL": "Grade 3 or Higher", "AESER": "Serious Event",
    "AESDTH": "Results in Death", "AEREL": "Related to Study Product", "AEOUT": "Outcome of AE",
    "ASTDT": "Onset Date", "ASTDY": "Onset Study Day", "TRTEMFL": "Treatment-Emergent Flag",
    **STEROID_COLUMNS,
}  # fmt: skip
# Baseline risk covariates (ADSL), chronic GVHD (ADSL, ADCGVHD) and infections (ADINF).
VARIABLE_LABELS.update({
    "MNRISK": "Minnesota aGVHD Risk at Onset", "MAGICP": "MAGIC Algorithm Probability",
    "MAGICGR": "MAGIC Biomarker Group (high >= 0.290)", "DONOR": "Donor Type",
    "CONDINT": "Conditioning Intensity", "TXTORAND": "Days from Transplant to Randomization",
    "TXTOONS": "Days from Transplant to aGVHD Onset",
    "CGWORST": "Worst cGVHD Global Severity (NIH 2014)",
    "CGMSDT": "Date of Moderate-Severe Chronic GVHD", "CGSEQ": "Chronic GVHD Record Number",
    "CGDIAGFL": "Chronic GVHD Diagnosed (NIH 2014)", "CGORGN": "Organs Involved by cGVHD",
    "CGSEV": "cGVHD Global Severity (NIH 2014)", "CGMSFL": "Moderate or Severe cGVHD",
    "CGREAS": "Reason for the cGVHD Severity", "INFSEQ": "Infection Record Number",
    "INFCAT": "Infection Category Code", "INFCATL": "Infection Category",
    "VLOAD": "Peak Viral Load (copies/mL)", "INFTRTFL": "Infection Treated",
    "RESDT": "Date Infection Resolved",
})  # fmt: skip


def _label(column: str) -> str:
    if column.startswith("EXNDOS"):
        return f"Doses Received: Product {column[6:]}"
    return VARIABLE_LABELS.get(column, column)


def _check_names(name: str, frame: pd.DataFrame) -> None:
    too_long = [c for c in frame.columns if len(c) > 8 or len(_label(c)) > 40]
    if too_long:
        raise InputError.single(
            f"{name}.columns", f"{too_long} exceed XPT v5 limits (8-char names, 40-char labels)"
        )


def _for_xpt(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].fillna("").astype(str)
    return out


def _inert_text(frame: pd.DataFrame) -> pd.DataFrame:
    # Only text columns: numeric ones (negative values included) are written as numbers.
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(inert_cell)
    return out


def write_datasets(
    datasets: AnalysisDatasets, directory: Path, fmt: ExportFormat | str
) -> list[Path]:
    """Write every dataset into ``directory`` (created if needed); returns the files written."""
    chosen = ExportFormat(fmt)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in datasets.items():
        path = directory / f"{name}.{chosen.value}"
        if chosen is ExportFormat.CSV:
            _inert_text(frame).to_csv(
                path, index=False, date_format="%Y-%m-%d", lineterminator="\n"
            )
        else:
            _check_names(name, frame)
            pyreadstat.write_xport(
                _for_xpt(frame), str(path), file_label=DATASET_LABELS[name],
                column_labels=[_label(c) for c in frame.columns], table_name=name.upper(),
                file_format_version=5,
            )  # fmt: skip
        written.append(path)
    return written
