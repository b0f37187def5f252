"""Who a report compares: arm labels, the closed report's coded arms, the pooled open report."""

from __future__ import annotations

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.stats.reports import ReportKind
from trialdesk.stats.reports.groups import Grouping

PROTOCOL = load_protocol()


def test_the_coding_key_decides_which_arm_is_arm_a() -> None:
    grouping = Grouping.for_report(
        PROTOCOL, ReportKind.DSMB_CLOSED, unmasked=False, coded_order=["cd25", "msc_cd25"]
    )
    assert grouping.labels == {"cd25": "Arm A", "msc_cd25": "Arm B"}
    assert (grouping.experimental, grouping.control) == ("Arm A", "Arm B")  # A against B
    assert grouping.columns == ["Arm A", "Arm B"]


def test_a_key_that_does_not_list_the_arms_is_refused() -> None:
    with pytest.raises(ValueError, match="does not list the protocol's arms"):
        Grouping.for_report(PROTOCOL, ReportKind.DSMB_CLOSED, unmasked=False, coded_order=["cd25"])


def test_unmasked_and_final_reports_name_the_arms_whatever_the_key() -> None:
    for kind, unmasked in ((ReportKind.FINAL, False), (ReportKind.DSMB_CLOSED, True)):
        grouping = Grouping.for_report(
            PROTOCOL, kind, unmasked=unmasked, coded_order=["cd25", "msc_cd25"]
        )
        assert grouping.experimental == "UC-MSC and anti-CD25 mAb"
