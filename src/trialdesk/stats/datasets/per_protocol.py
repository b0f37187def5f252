"""Protocol-mandated switches and the per-protocol set, with each exclusion's reason.

A **protocol-mandated switch** is a course-1 assessment on which one of the protocol's stop
rules fires (``course.stop_rules``, decided by :func:`trialdesk.domain.decisions.next_steps`;
NCT04738981: PD at the week-1 to week-3 visits, NR/MR/PD at week 4). The protocol orders the
switch, so the subject followed the protocol: the subject stays in the per-protocol set, as a
failure, even though the course was cut short (fewer doses) and the week-4 visit may be
missing. Dropping them would leave only the patients who did well enough to finish the course
and inflate per-protocol response.

**Per protocol** (our rule; the registry is silent): ITT, and none of these exclusions
(``PPEXREAS`` lists every one that applies, in this order):

- ``allocation made in error`` — the allocation was flagged as an error;
- ``major eligibility violation`` — the latest screening found the subject not eligible;
- ``not treated as randomized`` — no dose, or products of another arm;
- ``< 80 % of course-1 doses`` — fewer than 80 % of the first course's planned
  administrations of a product of the arm, unless a stop rule mandated the switch before the
  course's last planned administration (its day plus its window): a switch at week 4 comes
  after every course-1 dose and excuses none;
- ``no evaluable week-4 response`` — no assessment in the week-4 window, unless a stop rule
  mandated the switch or the subject died by the window's last day (a failure either way
  under the composite strategy).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trialdesk.domain.decisions import STEP_CODES, NextStep, next_steps
from trialdesk.domain.gvhd.types import Response
from trialdesk.domain.protocol import Protocol
from trialdesk.stats.datasets._frames import study_day, yes_no
from trialdesk.stats.datasets.adsl import ORIGIN
from trialdesk.stats.datasets.endpoints import endpoint_window
from trialdesk.stats.datasets.intercurrent import PRIMARY_WINDOW_ENDPOINT

__all__ = ["PP_EXCLUSIONS", "add_per_protocol", "add_protocol_switch"]

#: Exclusion reasons, in the order they are listed.
PP_EXCLUSIONS: tuple[str, ...] = (
    "allocation made in error",
    "major eligibility violation",
    "not treated as randomized",
    "< 80 % of course-1 doses",
    "no evaluable week-4 response",
)
_SWITCH = STEP_CODES.index(NextStep.SWITCH_THERAPY)


def add_protocol_switch(adsl: pd.DataFrame, adrs: pd.DataFrame, protocol: Protocol) -> None:
    """``PSWFL`` (a stop rule fired on a course-1 assessment), ``PSWDY`` (its study day) and
    ``PSWREAS`` (the rule's reason with the response and visit) for each subject."""
    rows = adrs[adrs["AVALC"].isin([r.value for r in Response])]
    steps, fired = next_steps(
        protocol.course, rows["AVISIT"].astype(str).to_numpy(), rows["AVALC"].to_numpy(), 1
    )
    switched = rows.assign(STEP=steps, RULE=fired)[steps == _SWITCH]
    first = switched.sort_values(["SUBJID", "ADY", "ASEQ"]).drop_duplicates("SUBJID")
    first = first.set_index("SUBJID")
    reasons = [
        f"{response} at {visit}: {protocol.course.stop_rules[int(rule)].reason}"
        for response, visit, rule in zip(first["AVALC"], first["AVISIT"], first["RULE"],
                                          strict=True)
    ]  # fmt: skip
    adsl["PSWFL"] = yes_no(adsl.index.isin(first.index))
    adsl["PSWDY"] = first["ADY"].reindex(adsl.index)
    adsl["PSWREAS"] = pd.Series(reasons, index=first.index, dtype=object).reindex(adsl.index)
    adsl["PSWREAS"] = adsl["PSWREAS"].fillna("")


def add_per_protocol(adsl: pd.DataFrame, protocol: Protocol) -> None:
    """``PPROTFL`` and ``PPEXREAS`` (the exclusions that apply, ``; ``-separated); needs the
    ITT, exposure, endpoint and switch columns."""
    itt = adsl["ITTFL"] == "Y"
    switched = adsl["PSWFL"] == "Y"
    last_dose_day = max(
        (max(i.days) + i.window_days for arm in protocol.arms for i in arm.interventions),
        default=0,
    )
    switched_in_course = switched & (adsl["PSWDY"] <= last_dose_day)
    window_end = endpoint_window(protocol, PRIMARY_WINDOW_ENDPOINT).last_day
    died_by_week4 = study_day(adsl["DTHDT"], adsl[ORIGIN]) <= window_end
    checks = (
        adsl["RANDERFL"] == "Y",
        adsl["ELIGFL"] == "N",
        adsl["TRTACD"].isna() | (adsl["TRTACD"] != adsl["ARMCD"]),
        (adsl["CRSADQFL"] != "Y") & ~switched_in_course,
        (adsl["RSPW4"] == "NE") & ~switched & ~died_by_week4,
    )
    table = np.column_stack([c.to_numpy(dtype=bool) for c in checks])
    reasons = [
        "; ".join(r for r, hit in zip(PP_EXCLUSIONS, row, strict=True) if hit) for row in table
    ]
    adsl["PPEXREAS"] = np.where(itt, reasons, "").astype(object)
    adsl["PPROTFL"] = yes_no(itt.to_numpy(dtype=bool) & ~table.any(axis=1))
