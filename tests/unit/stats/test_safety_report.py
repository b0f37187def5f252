"""Grade 5 against the deaths from AEs, and what the closed report masks."""

from __future__ import annotations

import pandas as pd

from trialdesk.bootstrap import load_protocol
from trialdesk.stats.reports.groups import Grouping, ReportKind
from trialdesk.stats.reports.masking import Masking
from trialdesk.stats.reports.safety import grade5_against_deaths, listings


def test_grade5_events_must_match_deaths_whose_cause_is_an_ae_subject_by_subject() -> None:
    adae = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "AETOXGR": [5, 3, 5]})
    adsl = pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3", "S4"], "DTHFL": ["Y", "Y", "N", "Y"],
        "DTHCAUS": ["Sepsis", "Lung infection", None, "relapse of the primary disease"],
    })  # fmt: skip
    checked = grade5_against_deaths(adae, adsl)
    assert (checked["grade5_events"], checked["deaths"], checked["deaths_from_ae"]) == (2, 3, 2)
    assert checked["problems"] == [
        "S2: death from 'Lung infection' recorded without a grade-5 adverse event",
        "S3: grade-5 adverse event without a death attributed to an adverse event",
    ]
    agreeing = grade5_against_deaths(adae[adae["USUBJID"] == "S1"], adsl[adsl["USUBJID"] != "S2"])
    assert agreeing["problems"] == []


def test_only_the_coded_closed_report_masks_the_one_arm_product_and_its_reaction() -> None:
    protocol = load_protocol()
    masks = {}
    for kind in ReportKind:
        for unmasked in (False, True):
            grouping = Grouping.for_report(protocol, kind, unmasked=unmasked)
            masks[kind, unmasked] = Masking.for_report(protocol, kind, grouping)
    closed = masks[ReportKind.DSMB_CLOSED, False]
    assert closed.products == {"uc_msc"}
    assert closed.hides_term("infusion related reaction")
    assert not closed.hides_term("Sepsis")
    others = [m for key, m in masks.items() if key != (ReportKind.DSMB_CLOSED, False)]
    assert all(not m.active for m in others)


def test_the_sae_listing_shows_the_latest_outcome_in_words_and_the_closed_one_hides_reactions() -> (
    None
):
    adae = pd.DataFrame({
        "USUBJID": ["S1", "S2"], "TRTACD": ["msc_cd25", "msc_cd25"], "AESER": ["Y", "Y"],
        "AEDECOD": ["Sepsis", "Infusion related reaction"],
        "AETERM": ["Sepsis", "Infusion related reaction"],
        "AESOC": ["Infections and infestations", "Injury, poisoning and procedural complications"],
        "AETOXGR": [3, 3], "ASTDY": [4.0, 1.0], "AEREL": ["N", "Y"],
        "AEOUT": ["not_recovered", "recovered"],
    })  # fmt: skip
    adsl = pd.DataFrame({"USUBJID": [], "DTHFL": [], "ARMCD": [], "DTHDT": [], "DAY1DT": [],
                         "DTHCAUS": []})  # fmt: skip
    adsl = adsl.astype({"DTHDT": "datetime64[ns]", "DAY1DT": "datetime64[ns]"})
    protocol = load_protocol()
    for kind, shown in ((ReportKind.FINAL, 2), (ReportKind.DSMB_CLOSED, 1)):
        grouping = Grouping.for_report(protocol, kind, unmasked=False)
        listed = listings(adae, adsl, grouping, Masking.for_report(protocol, kind, grouping))
        assert len(listed["sae"]) == shown
        assert listed["sae_withheld"] == 2 - shown
        first = listed["sae"][0]
        assert (first["outcome"], first["related"]) == ("Not recovered/not resolved", "No")
