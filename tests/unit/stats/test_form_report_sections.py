"""Report sections from the protocol forms: baseline risk, chronic GVHD and infections."""

from __future__ import annotations

from html import unescape

import pandas as pd

from form_records_world import CONTROL, EXPERIMENTAL, RecordsBuilder, protocol
from trialdesk.stats import StratifiedLogisticRegression
from trialdesk.stats.datasets import build_datasets
from trialdesk.stats.reports import ReportKind, build_report
from trialdesk.stats.reports.baseline_risk import cr_adjusted_for_risk
from trialdesk.stats.reports.groups import Grouping

PROTOCOL = protocol()


def trial() -> RecordsBuilder:
    """Four subjects per arm: risk, chronic GVHD and infections spread so each number differs."""
    b = RecordsBuilder()
    experimental = [b.subject(EXPERIMENTAL) for _ in range(4)]
    control = [b.subject(CONTROL) for _ in range(4)]
    for subject in experimental[:3]:
        b.baseline_risk(subject, (3, 0, 0, 1), st2_ng_ml=40.0, reg3a_ng_ml=30.0)
    b.baseline_risk(experimental[3], (0, 2, 0, 0), st2_ng_ml=200.0, reg3a_ng_ml=300.0)
    for subject in control[:3]:
        b.baseline_risk(subject, (4, 0, 0, 0))
    b.baseline_risk(control[3], (3, 0, 0, 1))
    # Week-4 responses on study day 28 (day 31 from randomization: in the window either way).
    for subject, response in zip(
        experimental + control, ["CR", "NR", "CR", "CR", "CR", "NR", "NR", "CR"], strict=True
    ):
        b.responded(subject, 28, response)  # fmt: skip
    b.chronic(experimental[0], 57, "W8", skin=1)
    b.chronic(experimental[1], 183, "W26", sign=False)  # followed to day 183, no chronic GVHD
    b.chronic(control[0], 57, "W8", lungs=1)  # moderate at day 57
    b.chronic(control[1], 85, "W12", joints_fascia=3)  # severe at day 85
    b.died(control[2], 30)
    b.chronic(control[3], 366, "W52", sign=False)  # followed to day 366, no chronic GVHD
    b.infection(experimental[0], 20, "cmv_dnaemia", load=12_000.0)
    b.infection(control[0], 15, "cmv_dnaemia", load=3_000.0, treated=False)
    b.infection(control[1], 40, "cmv_dnaemia", load=90_000.0)
    b.infection(control[1], 60, "cmv_dnaemia", load=10_000.0)
    b.infection(control[3], 200, "invasive_fungal")
    return b


def report(kind: ReportKind) -> dict[str, object]:
    records = trial().records()
    datasets = build_datasets(records, PROTOCOL)
    built = build_report(datasets, records, PROTOCOL, kind)
    forms = built.context["forms"]
    assert isinstance(forms, dict)
    return {"forms": forms, "html": unescape(built.html), "adsl": datasets.adsl}


def test_baseline_risk_by_arm() -> None:
    forms = report(ReportKind.FINAL)["forms"]
    risk = forms["baseline_risk"]  # type: ignore[index]
    assert risk["n"] == [4, 4]
    minnesota = {r["label"]: r["values"] for r in risk["blocks"][0]["rows"]}
    assert minnesota["Standard risk"] == ["3 (75.0%)", "1 (25.0%)"]
    assert minnesota["High risk"] == ["1 (25.0%)", "3 (75.0%)"]
    magic = {r["label"]: r["values"] for r in risk["blocks"][1]["rows"]}
    assert magic["High (MAP ≥ 0.290)"] == ["1 (25.0%)", "0 (0.0%)"]
    assert magic["Not measured (ST2 and REG3α needed)"] == ["0 (0.0%)", "4 (100.0%)"]
    donors = {r["label"]: r["values"] for r in risk["blocks"][2]["rows"]}
    assert donors["Haploidentical related"] == ["4 (100.0%)", "4 (100.0%)"]


def test_week4_cr_adjusted_for_minnesota_risk_is_the_logistic_model_with_risk_as_a_factor() -> None:
    final = report(ReportKind.FINAL)
    adjusted = final["forms"]["baseline_risk"]["adjusted"]  # type: ignore[index]
    adsl = final["adsl"]
    assert isinstance(adsl, pd.DataFrame)
    itt = adsl[adsl["ITTFL"] == "Y"]
    data = pd.DataFrame({"CR": (itt["CRW4FL"] == "Y").astype(int),
                         "EXP": (itt["ARMCD"] == EXPERIMENTAL).astype(int),
                         "MNRISK": itt["MNRISK"]})  # fmt: skip
    assert data["CR"].tolist() == [1, 0, 1, 1, 1, 0, 0, 1]
    expected = (
        StratifiedLogisticRegression()
        .fit(data, response="CR", treatment="EXP", strata=["MNRISK"])
        .coefficients_.loc["EXP"]
    )
    experimental, control = (a.label for a in PROTOCOL.arms)
    assert adjusted["experimental"] == experimental
    assert adjusted["control"] == control
    assert adjusted["text"].startswith(f"odds ratio {expected['odds_ratio']:.2f} (")
    assert adjusted["text"].endswith(", n = 8")
    assert "adjusted for Minnesota risk" in str(final["html"])
    pooled = report(ReportKind.DSMB_OPEN)["forms"]["baseline_risk"]  # type: ignore[index]
    assert pooled["adjusted"] is None  # nothing is compared in the open report


def test_the_adjusted_cr_is_not_estimable_under_quasi_separation() -> None:
    grouping = Grouping({EXPERIMENTAL: "Arm A", CONTROL: "Arm B"}, "Arm A", "Arm B")
    itt = pd.DataFrame({
        "GROUP": ["Arm A"] * 4 + ["Arm B"] * 4,
        "CRW4FL": ["Y", "N", "Y", "Y", "Y", "N", "N", "N"],
        # Standard risk: the only control subject fails; high risk: the only experimental one
        # responds — the fit runs off to infinity without statsmodels noticing; the reason
        # says where.
        "MNRISK": ["standard"] * 3 + ["high"] * 4 + ["standard"],
    })  # fmt: skip
    adjusted = cr_adjusted_for_risk(itt, grouping)
    assert adjusted is not None
    assert adjusted["text"] == (
        "not estimable: no responder in Arm B in Minnesota risk standard; every subject in "
        "Arm A responded in Minnesota risk high (quasi-complete separation) (n = 8)"
    )
    itt.loc[7, "CRW4FL"] = "Y"
    assert cr_adjusted_for_risk(itt, grouping)["text"].startswith("odds ratio")  # type: ignore[index]


def test_chronic_gvhd_worst_severity_and_cumulative_incidence_by_arm() -> None:
    forms = report(ReportKind.FINAL)["forms"]
    chronic = forms["chronic"]  # type: ignore[index]
    worst = {r["label"]: r["values"] for r in chronic["worst"]}
    assert worst["Mild"] == ["1 (25.0%)", "0 (0.0%)"]
    assert worst["Moderate"] == ["0 (0.0%)", "1 (25.0%)"]
    assert worst["Severe"] == ["0 (0.0%)", "1 (25.0%)"]
    assert worst["No chronic GVHD"] == ["1 (25.0%)", "1 (25.0%)"]
    assert worst["Not assessed"] == ["2 (50.0%)", "1 (25.0%)"]
    rows = {label: (n, events, values) for label, n, events, values in chronic["cif"]["rows"]}
    experimental, control = (a.label for a in PROTOCOL.arms)
    assert rows[experimental][:2] == (4, 0)
    assert rows[control][:2] == (4, 2)
    # Control: a death 28 days after day 1 leaves 3/4 alive; the events at 56 days (1 of 3 at
    # risk) and 84 days (1 of 2) add 3/4·1/3 + 1/2·1/2: the Aalen–Johansen estimate is 50 %.
    assert rows[control][2] == ["50.0%", "50.0%", "50.0%"]
    # No event in the experimental arm, followed up to 182 days: 0 % until then, then unknown.
    assert rows[experimental][2] == ["0.0%", "0.0%", "–"]
    assert chronic["cif"]["test"].startswith("Gray's test")


def test_infections_by_category_and_arm_with_cumulative_incidence() -> None:
    forms = report(ReportKind.FINAL)["forms"]
    infections = forms["infections"]  # type: ignore[index]
    table = {r["label"]: r for r in infections["table"]}
    cmv = table["CMV DNAemia"]
    assert cmv["values"] == ["1 (25.0%)", "2 (50.0%)"]
    assert cmv["treated"] == ["1 (25.0%)", "1 (25.0%)"]
    assert cmv["episodes"] == [1, 3]
    assert table["Bacteraemia"]["values"] == ["0 (0.0%)", "0 (0.0%)"]
    titles = [i["title"] for i in infections["incidence"]]
    assert titles == ["CMV DNAemia", "Invasive fungal disease"]
    fungal = infections["incidence"][1]
    control = next(row for row in fungal["rows"] if row[2] == 1)
    # Onset 199 days after day 1 (the others censored at 56 and 84 days, one dead at 28): none
    # by day 100; nobody of the group is observed beyond 199 days, so no day-365 estimate.
    assert control[3] == ["0.0%", "–"]
    cmv_rows = {row[0]: row for row in infections["incidence"][0]["rows"]}
    experimental, control_label = (a.label for a in PROTOCOL.arms)
    assert cmv_rows[experimental][1:3] == (4, 1)
    assert cmv_rows[control_label][1:3] == (4, 2)  # first episodes only
    # 1/4 at 14 days; a death at 28 leaves S = 1/2; 1 of the 2 at risk at 39 days adds 1/4.
    assert cmv_rows[control_label][3][0] == "50.0%"


def test_the_closed_report_codes_the_arms_in_every_form_section() -> None:
    html = str(report(ReportKind.DSMB_CLOSED)["html"])
    sections = html.split('<h2 id="baseline-risk">')[1]
    for heading in ("10. Baseline risk", "11. Chronic GVHD (NIH 2014", "12. Infections"):
        assert heading in html
    assert "Arm A" in sections
    assert "Arm B" in sections
    for arm in PROTOCOL.arms:
        assert arm.label not in sections
    assert "UC-MSC" not in sections
