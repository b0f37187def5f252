"""The safety section: exposure, AE overview, AEs by SOC and term, grade 5 against deaths, SAE
and death listings (safety set, as treated).

Counts only: between-arm tests are shown where the protocol pre-specifies them
(``safety.compare_arms``). The closed DSMB report leaves out what would unmask the coded arms
(:mod:`trialdesk.stats.reports.masking`), and says so in the footnotes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from trialdesk.domain.labels import label
from trialdesk.domain.protocol import Protocol
from trialdesk.domain.safety.terminology import fatal_adverse_event_term
from trialdesk.stats.datasets import exposure_columns
from trialdesk.stats.reports._format import count_pct, num
from trialdesk.stats.reports.ae_tables import ae_label, soc_term_table
from trialdesk.stats.reports.groups import Grouping
from trialdesk.stats.reports.masking import Masking

__all__ = ["exposure_table", "grade5_against_deaths", "listings", "safety_section"]


def _safety(adsl: pd.DataFrame, grouping: Grouping) -> pd.DataFrame:
    safety = adsl[adsl["SAFFL"] == "Y"]
    return safety.assign(GROUP=safety["TRTACD"].map(grouping.labels))


def exposure_table(
    adsl: pd.DataFrame, protocol: Protocol, grouping: Grouping, masking: Masking
) -> list[Any]:
    """Administrations received per product: mean, median, range, by group (safety set).

    A product ``masking`` hides (given in one arm only) has no row: its other column would be
    zero by design.
    """
    safety = _safety(adsl, grouping)
    names = {i.code: i.name for arm in protocol.arms for i in arm.interventions}
    rows = []
    for product, column in exposure_columns(protocol).items():
        if product in masking.products:
            continue
        values = []
        for group in grouping.columns:
            doses = safety.loc[safety["GROUP"] == group, column]
            values.append("–" if doses.empty else
                          f"{num(doses.mean())}; median {num(doses.median(), 0)} "
                          f"[{doses.min()}–{doses.max()}]")  # fmt: skip
        rows.append({"label": f"{names[product]}: doses received", "values": values})
    return rows


def _overview(events: pd.DataFrame, safety: pd.DataFrame, grouping: Grouping) -> list[Any]:
    """Patients with at least one event of each kind, and the events, per group."""
    kinds = [
        ("Any adverse event", events["SUBJID"] > 0),
        ("Worst grade 3–4", events["AETOXGR"].between(3, 4)),
        ("Grade 5 (fatal)", events["AETOXGR"] == 5),
        ("Serious", events["AESER"] == "Y"),
        ("Related to a study product", events["AEREL"] == "Y"),
    ]
    worst = events.groupby("SUBJID")["AETOXGR"].max()
    rows = []
    for name, mask in kinds:
        chosen = events[mask]
        if name == "Worst grade 3–4":  # by the patient's worst grade, like the SOC table
            affected = set(worst[worst.between(3, 4)].index)
        else:
            affected = set(chosen["SUBJID"])
        values = []
        for group in grouping.columns:
            members = safety.loc[safety["GROUP"] == group, "SUBJID"]
            n = sum(1 for s in members if s in affected)
            count = int(chosen["SUBJID"].isin(members).sum())
            values.append(f"{count_pct(n, len(members))}; "
                          f"{count} event{'' if count == 1 else 's'}")  # fmt: skip
        rows.append({"label": name, "values": values})
    return rows


def grade5_against_deaths(adae: pd.DataFrame, adsl: pd.DataFrame) -> dict[str, Any]:
    """Grade-5 AEs against the deaths whose recorded cause is an AE (a CTCAE term).

    They must agree subject by subject; each disagreement is one data-quality line.
    """
    fatal = adae[adae["AETOXGR"] == 5]
    deaths = adsl[adsl["DTHFL"] == "Y"]
    by_ae = {
        str(r["USUBJID"]): str(r["DTHCAUS"])
        for r in deaths.to_dict(orient="records")
        if fatal_adverse_event_term(r["DTHCAUS"]) is not None
    }
    with_grade5 = set(fatal["USUBJID"].astype(str))
    problems = [
        f"{s}: death from {cause!r} recorded without a grade-5 adverse event"
        for s, cause in sorted(by_ae.items()) if s not in with_grade5
    ] + [
        f"{s}: grade-5 adverse event without a death attributed to an adverse event"
        for s in sorted(with_grade5 - set(by_ae))
    ]  # fmt: skip
    return {
        "grade5_events": len(fatal),
        "grade5_subjects": len(with_grade5),
        "deaths": len(deaths),
        "deaths_from_ae": len(by_ae),
        "problems": problems,
    }


def _yes_no(flag: object) -> str:
    return "Yes" if flag == "Y" else "No"


def listings(adae: pd.DataFrame, adsl: pd.DataFrame, grouping: Grouping,
             masking: Masking) -> dict[str, Any]:  # fmt: skip
    """Serious adverse events (latest outcome, in words) and deaths, one line each."""
    sae = adae[adae["AESER"] == "Y"].assign(GROUP=lambda f: f["TRTACD"].map(grouping.labels))
    hidden = sae["AEDECOD"].map(masking.hides_term).astype(bool)
    deaths = adsl[adsl["DTHFL"] == "Y"].assign(GROUP=lambda f: f["ARMCD"].map(grouping.labels))
    days_to_death = (deaths["DTHDT"] - deaths["DAY1DT"]).dt.days + 1
    grade5 = set(adae.loc[adae["AETOXGR"] == 5, "USUBJID"].astype(str))
    return {
        "sae": [{"subject": r["USUBJID"], "group": r["GROUP"],
                 "term": ae_label(r["AEDECOD"], r["AETERM"]), "soc": r["AESOC"] or "Not coded",
                 "grade": r["AETOXGR"], "day": num(float(r["ASTDY"]), 0),
                 "related": _yes_no(r["AEREL"]),
                 "outcome": label("ae_outcome", r["AEOUT"]) if r["AEOUT"] else "Not recorded"}
                for r in sae[~hidden].to_dict(orient="records")],
        "sae_withheld": int(hidden.sum()),
        "deaths": [{"subject": r["USUBJID"], "group": r["GROUP"],
                    "cause": "withheld (specific to one study product)"
                    if masking.hides_term(str(r["DTHCAUS"])) else r["DTHCAUS"],
                    "from_ae": "Yes" if fatal_adverse_event_term(r["DTHCAUS"]) else "No",
                    "grade5": "Yes" if str(r["USUBJID"]) in grade5 else "No",
                    "day": int(day)}
                   for r, day in zip(deaths.to_dict(orient="records"), days_to_death,
                                     strict=True)],
    }  # fmt: skip


def safety_section(
    adae: pd.DataFrame, adsl: pd.DataFrame, protocol: Protocol, grouping: Grouping,
    masking: Masking,
) -> dict[str, Any]:  # fmt: skip
    """Everything the safety part of a report shows (one context key)."""
    safety = _safety(adsl, grouping).reset_index(drop=True)
    emergent = adae[(adae["SAFFL"] == "Y") & (adae["TRTEMFL"] == "Y")]
    hidden = emergent["AEDECOD"].map(masking.hides_term).astype(bool)
    events = emergent[~hidden]
    return {
        "n": [int((safety["GROUP"] == g).sum()) for g in grouping.columns],
        "exposure": exposure_table(adsl, protocol, grouping, masking),
        "exposure_withheld": bool(masking.products),
        "overview": _overview(events, safety, grouping),
        "by_soc": soc_term_table(events, safety, grouping, protocol.safety.compare_arms),
        "events_withheld": int(hidden.sum()),
        "grade5": grade5_against_deaths(adae, adsl),
        "listings": listings(adae, adsl, grouping, masking),
    }
