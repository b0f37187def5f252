"""Report section "Baseline risk": Minnesota risk, MAGIC biomarker group and probability, donor
type, conditioning intensity and time from transplant, by arm (ITT)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.domain.errors import InputError
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets.form_rows import form_by_derivation
from trialdesk.stats.logistic import StratifiedLogisticRegression
from trialdesk.stats.reports._format import count_pct, num, pvalue
from trialdesk.stats.reports.groups import Grouping

__all__ = ["baseline_risk_table", "cr_adjusted_for_risk"]

_MINNESOTA = (("standard", "Standard risk"), ("high", "High risk"), ("", "Not recorded"))
_MAGIC = (("low", "Low (MAP < 0.290)"), ("high", "High (MAP ≥ 0.290)"),
          ("", "Not measured (ST2 and REG3α needed)"))  # fmt: skip


def _choices(protocol: Protocol, field: str) -> list[tuple[str, str]]:
    spec = form_by_derivation(protocol, "baseline_risk")
    declared = None if spec is None else spec.field(field)
    return [*(declared.choices if declared else ()), ("", "Not recorded")]


def _median_range(values: pd.Series[Any]) -> str:
    values = values.dropna()
    if values.empty:
        return "–"
    return f"{num(values.median(), 0)} [{num(values.min(), 0)}–{num(values.max(), 0)}]"


def baseline_risk_table(adsl: pd.DataFrame, protocol: Protocol, grouping: Grouping) -> Any:
    """Rows of the baseline risk table with one value per group (ITT, as randomized)."""
    itt = adsl[adsl["ITTFL"] == "Y"]
    itt = itt.assign(GROUP=itt["ARMCD"].map(grouping.labels))
    groups = [itt[itt["GROUP"] == g] for g in grouping.columns]
    blocks: list[dict[str, Any]] = []
    for title, column, levels in (
        ("Minnesota acute GVHD risk at onset", "MNRISK", list(_MINNESOTA)),
        ("MAGIC biomarker group", "MAGICGR", list(_MAGIC)),
        ("Donor type", "DONOR", _choices(protocol, "donor_type")),
        ("Conditioning intensity", "CONDINT", _choices(protocol, "conditioning_intensity")),
    ):
        rows = []
        for code, label in levels:
            counts = [int((g[column] == code).sum()) for g in groups]
            if code == "" and not any(counts):
                continue
            values = [count_pct(c, len(g)) for c, g in zip(counts, groups, strict=True)]
            rows.append({"label": label, "values": values})
        blocks.append({"title": title, "rows": rows})
    numbers = [
        {"label": "MAGIC algorithm probability, median [range]",
         "values": [_map_summary(g["MAGICP"]) for g in groups]},
        {"label": "Days from transplant to aGVHD onset, median [range]",
         "values": [_median_range(g["TXTOONS"]) for g in groups]},
        {"label": "Days from transplant to randomization, median [range]",
         "values": [_median_range(g["TXTORAND"]) for g in groups]},
    ]  # fmt: skip
    return {"n": [len(g) for g in groups], "blocks": blocks, "numbers": numbers,
            "adjusted": cr_adjusted_for_risk(itt, grouping)}  # fmt: skip


def cr_adjusted_for_risk(itt: pd.DataFrame, grouping: Grouping) -> dict[str, str] | None:
    """Week-4 CR, experimental vs control, by logistic regression with the Minnesota risk as a
    factor (subjects with a recorded risk); ``None`` when the report compares no arms."""
    if not grouping.compares or "CRW4FL" not in itt.columns:
        return None
    known = itt[itt["MNRISK"] != ""]
    frame = pd.DataFrame({
        "CR": (known["CRW4FL"] == "Y").astype(int),
        "EXPERIMENTAL": (known["GROUP"] == grouping.experimental).astype(int),
        # Named as the reader knows it: a separation reason says "in Minnesota risk high".
        "Minnesota risk": known["MNRISK"],
    })  # fmt: skip
    factors = ["Minnesota risk"] if frame["Minnesota risk"].nunique() > 1 else []
    labels = {1: grouping.experimental or "experimental", 0: grouping.control or "control"}
    try:
        fit = StratifiedLogisticRegression().fit(
            frame, response="CR", treatment="EXPERIMENTAL", strata=factors, labels=labels
        )
    except InputError as error:
        text = f"not estimable ({error.errors[0].message}; n = {len(frame)})"
    else:
        row = {k: float(v) for k, v in fit.coefficients_.loc["EXPERIMENTAL"].items()}
        if not fit.estimable_:
            # Separation, found exactly by the model: the reason names the arm and risk level.
            text = f"{fit.reason_} (n = {fit.n_})"
        else:
            text = (f"odds ratio {num(row['odds_ratio'], 2)} ({num(row['lower'], 2)}, "
                    f"{num(row['upper'], 2)}), p = {pvalue(row['p'])}, n = {fit.n_}")  # fmt: skip
    return {"experimental": grouping.experimental or "", "control": grouping.control or "",
            "text": text}  # fmt: skip


def _map_summary(values: pd.Series[Any]) -> str:
    values = values.dropna()
    if values.empty:
        return "–"
    return (f"{num(values.median(), 3)} [{num(values.min(), 3)}–{num(values.max(), 3)}] "
            f"(n={len(values)})")  # fmt: skip
