"""Adverse events by system organ class and CTCAE term, by worst grade per patient, per arm.

Rows: each MedDRA SOC (alphabetical; uncoded events last, under "Not coded") with its own total,
then its terms by decreasing number of patients (all groups together; ties alphabetical). An
"Other, specify" event is listed under its SOC by the site's own words. Per group: patients with
the term at any grade, patients whose worst grade of it is 3–4 and 5 (n, % of the group's
safety set), and the number of events. Fisher's exact test (patients, any grade) only for the
terms and SOCs the protocol pre-specifies in ``safety.compare_arms``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from trialdesk.stats.proportions import compare_proportions
from trialdesk.stats.reports._format import count_pct, pvalue
from trialdesk.stats.reports.groups import Grouping

__all__ = ["NOT_CODED", "ae_label", "soc_term_table"]

NOT_CODED = "Not coded"
_OTHER = " - Other, specify"


def ae_label(decoded: str, verbatim: str) -> str:
    """The row label of an event: its CTCAE term, or "Other, specify: <the site's words>"."""
    return f"Other, specify: {verbatim}" if decoded.endswith(_OTHER) else decoded


def _row(events: pd.DataFrame, safety: pd.DataFrame, grouping: Grouping, label: str,
         *, level: str, compare: bool) -> dict[str, Any]:  # fmt: skip
    """Counts of one SOC or term: per group any grade, worst 3–4, worst 5, events."""
    worst = events.groupby("SUBJID")["AETOXGR"].max()
    cells: list[str] = []
    counts, totals = [], []
    for group in grouping.columns:
        members = safety.loc[safety["GROUP"] == group, "SUBJID"]
        theirs = worst[worst.index.isin(members)]
        n = len(members)
        counts.append(len(theirs))
        totals.append(n)
        cells += [
            count_pct(len(theirs), n),
            count_pct(int(theirs.between(3, 4).sum()), n),
            count_pct(int((theirs == 5).sum()), n),
            str(int(events["SUBJID"].isin(members).sum())),
        ]
    p = ""
    if compare and grouping.compares and all(totals):
        i = grouping.columns.index(grouping.experimental or "")
        j = grouping.columns.index(grouping.control or "")
        p = pvalue(compare_proportions(counts[i], totals[i], counts[j], totals[j]).p_value_fisher)
    return {"label": label, "level": level, "values": cells, "p": p}


def soc_term_table(
    events: pd.DataFrame, safety: pd.DataFrame, grouping: Grouping, compare_arms: Sequence[str]
) -> dict[str, Any]:
    """The SOC → term table of ``events`` (ADAE rows) among ``safety`` (SUBJID, GROUP)."""
    events = events.assign(
        SOCL=[s if s else NOT_CODED for s in events["AESOC"]],
        TERML=[ae_label(d, v) for d, v in zip(events["AEDECOD"], events["AETERM"], strict=True)],
    )
    asked = {name.casefold() for name in compare_arms}
    rows = []
    socs = sorted(set(events["SOCL"]), key=lambda s: (s == NOT_CODED, s.casefold()))
    for soc in socs:
        in_soc = events[events["SOCL"] == soc]
        rows.append(_row(in_soc, safety, grouping, soc, level="soc",
                         compare=soc.casefold() in asked))  # fmt: skip
        patients = in_soc.groupby("TERML")["SUBJID"].nunique()
        for term in sorted(patients.index, key=lambda t: (-patients[t], t.casefold())):
            of_term = in_soc[in_soc["TERML"] == term]
            decoded = str(of_term["AEDECOD"].iloc[0])
            rows.append(_row(of_term, safety, grouping, term, level="term",
                             compare=decoded.casefold() in asked))  # fmt: skip
    return {
        "rows": rows,
        "compared": bool(asked) and grouping.compares,
        "subcolumns": ["Any grade", "Grade 3–4", "Grade 5", "Events"],
    }
