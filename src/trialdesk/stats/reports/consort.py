"""The CONSORT 2010 flow: enrolment, allocation, follow-up and analysis boxes, each with its
reasons (Schulz KF et al., CONSORT 2010 statement, BMJ 2010;340:c332, flow diagram).

Definitions (our reading of the registry-silent points, documented in the report's footnote):

- *Assessed for eligibility*: every registered subject; *excluded*: registered and not
  randomized — not meeting the criteria (the latest screening failed; the failed criteria are
  counted), declined to participate (consent withdrawn before randomization), other reasons
  (screening not finished, eligible but not randomized).
- *Received the allocated intervention*: dosed with the products of the randomized arm and
  nothing more (``TRTACD = ARMCD``); otherwise not received, with the reason.
- *Discontinued the intervention*: dosed, and either a protocol stop rule ended the first
  course or fewer than 80 % of its doses were given (``PSWFL``, ``CRSADQFL``).
- *Withdrawn*, *lost to follow-up*, *died*: the outcome records, with their recorded reason.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets import TrialRecords
from trialdesk.stats.datasets.per_protocol import PP_EXCLUSIONS
from trialdesk.stats.reports.groups import Grouping

__all__ = ["consort"]

_NOT_RECORDED = "reason not recorded"
_CRITERION_TEXT = 70


def _counted(reasons: list[str]) -> list[tuple[str, int]]:
    """Reasons with their counts, most frequent first."""
    return sorted(Counter(reasons).items(), key=lambda kv: (-kv[1], kv[0]))


def _criterion_labels(protocol: Protocol) -> dict[str, str]:
    labels = {}
    for criterion in protocol.criteria:
        text = " ".join(criterion.text.split()).rstrip(" .;:")
        short = text if len(text) <= _CRITERION_TEXT else text[: _CRITERION_TEXT - 1] + "…"
        labels[criterion.id] = f"{criterion.id}: {short}"
    return labels


def _outcome_reasons(records: TrialRecords, kind: str) -> dict[int, str]:
    """Subject id → the recorded cause of its first outcome of ``kind``."""
    reasons: dict[int, str] = {}
    rows = sorted((r for r in records.outcomes if r.get("kind") == kind),
                  key=lambda r: (str(r.get("occurred_on")), r.get("id") or 0))  # fmt: skip
    for row in rows:
        cause = " ".join(str(row.get("cause") or "").split())
        reasons.setdefault(int(row["subject_id"]), cause or _NOT_RECORDED)
    return reasons


def _enrolment(adsl: pd.DataFrame, protocol: Protocol) -> dict[str, Any]:
    randomized = adsl["ITTFL"] == "Y"
    not_randomized = adsl[~randomized]
    failed = not_randomized[not_randomized["STATE"] == "screen_failed"]
    declined = not_randomized[not_randomized["STATE"] == "withdrawn"]
    other = not_randomized[~not_randomized["STATE"].isin(["screen_failed", "withdrawn"])]
    labels = _criterion_labels(protocol)
    criteria = [labels.get(code, code) for text in failed["SFREAS"].fillna("")
                for code in str(text).split("; ") if code]  # fmt: skip
    other_reasons = ["eligible, not randomized" if state == "eligible" else
                     "screening not completed" for state in other["STATE"]]  # fmt: skip
    return {
        "assessed": len(adsl),
        "screened": int((adsl["SCRFL"] == "Y").sum()),
        "excluded": len(not_randomized),
        "not_meeting_criteria": len(failed),
        "criteria": _counted(criteria),
        "declined": len(declined),
        "other": len(other),
        "other_reasons": _counted(other_reasons),
        "randomized": int(randomized.sum()),
    }


def _allocation(rows: pd.DataFrame) -> dict[str, Any]:
    received = (rows["SAFFL"] == "Y") & (rows["TRTACD"] == rows["ARMCD"])
    missed = rows[~received]
    reasons = []
    for row in missed.to_dict(orient="records"):
        if row["SAFFL"] == "Y":
            reasons.append("received another arm's treatment")
        elif pd.notna(row["DTHDT"]):
            reasons.append("died before the first dose")
        elif pd.notna(row["WDDT"]):
            reasons.append("withdrew before the first dose")
        elif pd.notna(row["LTFUDT"]):
            reasons.append("lost to follow-up before the first dose")
        else:
            reasons.append(f"not dosed, {_NOT_RECORDED}")
    return {"allocated": len(rows), "received": int(received.sum()),
            "not_received": len(missed), "not_received_reasons": _counted(reasons)}  # fmt: skip


def _discontinued(rows: pd.DataFrame) -> list[str]:
    treated = rows[rows["SAFFL"] == "Y"]
    stopped = treated[(treated["PSWFL"] == "Y") | (treated["CRSADQFL"] != "Y")]
    reasons = []
    for row in stopped.to_dict(orient="records"):
        if row["PSWFL"] == "Y":
            reasons.append(f"protocol stop rule: {row['PSWREAS']}" if row["PSWREAS"]
                           else "protocol stop rule")  # fmt: skip
        elif pd.notna(row["DTHDT"]):
            reasons.append("died during the first course")
        elif pd.notna(row["WDDT"]):
            reasons.append("withdrew during the first course")
        elif pd.notna(row["LTFUDT"]):
            reasons.append("lost to follow-up during the first course")
        else:
            reasons.append(f"< 80 % of first-course doses, {_NOT_RECORDED}")
    return reasons


def _follow_up(rows: pd.DataFrame, causes: dict[str, dict[int, str]]) -> dict[str, Any]:
    discontinued = _discontinued(rows)
    boxes: dict[str, Any] = {"discontinued": len(discontinued),
                             "discontinued_reasons": _counted(discontinued)}  # fmt: skip
    for key, column, kind in (("withdrawn", "WDDT", "withdrawal"),
                              ("lost", "LTFUDT", "lost_to_follow_up"),
                              ("died", "DTHDT", "death")):  # fmt: skip
        ids = rows.loc[rows[column].notna(), "SUBJID"]
        boxes[key] = len(ids)
        boxes[f"{key}_reasons"] = _counted(
            [causes[kind].get(int(subject), _NOT_RECORDED) for subject in ids]
        )
    return boxes


def _analysis(rows: pd.DataFrame) -> dict[str, Any]:
    excluded = rows[rows["PPROTFL"] != "Y"]
    reasons = [reason for text in excluded["PPEXREAS"].fillna("")
               for reason in str(text).split("; ") if reason]  # fmt: skip
    order = {reason: i for i, reason in enumerate(PP_EXCLUSIONS)}
    counted = sorted(Counter(reasons).items(), key=lambda kv: order.get(kv[0], len(order)))
    return {"fas": len(rows), "pp": len(rows) - len(excluded), "pp_excluded": len(excluded),
            "pp_reasons": counted}  # fmt: skip


def consort(
    adsl: pd.DataFrame, grouping: Grouping, protocol: Protocol, records: TrialRecords
) -> dict[str, Any]:
    """Every box of the CONSORT 2010 flow with its count and reasons: enrolment (pooled), then
    per group allocation, follow-up and analysis (full analysis set and per protocol)."""
    causes = {kind: _outcome_reasons(records, kind)
              for kind in ("withdrawal", "lost_to_follow_up", "death")}  # fmt: skip
    itt = adsl[adsl["ITTFL"] == "Y"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    arms = []
    for label in grouping.columns:
        rows = itt[itt["GROUP"] == label]
        arms.append({"label": label, **_allocation(rows), **_follow_up(rows, causes),
                     **_analysis(rows)})  # fmt: skip
    return {**_enrolment(adsl, protocol), "arms": arms}
