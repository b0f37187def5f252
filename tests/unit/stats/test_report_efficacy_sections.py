"""The efficacy detail sections of the report, from hand-built records with hand-counted
results: hazard ratios and landmarks, response by visit, rescue therapy, protocol deviations."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
from html import unescape

import pytest
from endpoint_records import RecordsBuilder, on

from trialdesk.bootstrap import load_protocol
from trialdesk.stats.reports.build import Report, build_report
from trialdesk.stats.reports.groups import ReportKind

CR, PR, NR, PD = (0, 0, 0, 0), (1, 0, 0, 1), (2, 0, 0, 2), (3, 0, 0, 3)
EXP, CTL = "UC-MSC and anti-CD25 mAb", "Anti-CD25 mAb"


def _report(kind: ReportKind) -> Report:
    protocol = load_protocol()
    builder = RecordsBuilder()
    builder.subject(1, arm="msc_cd25", responses=((8, "PR", PR), (15, "CR", CR), (29, "CR", CR)))
    builder.subject(2, arm="msc_cd25", responses=((8, "NR", NR), (29, "CR", CR)))
    builder.rescue(2, 10)  # an intercurrent event from day 10 on
    builder.subject(3, arm="cd25", responses=((8, "PD", PD), (15, "NR", NR), (29, "NR", NR)))
    builder.outcome(3, "relapse", 35)
    builder.outcome(3, "death", 40)
    builder.subject(4, arm="cd25", dose_days=(1, 4, 8, 22),  # the day-15 dose was missed
                    responses=((8, "CR", CR), (29, "CR", CR)))  # fmt: skip
    records = builder.build()
    # Subject 1's day-8 UC-MSC dose was 7.2 × 10⁶ cells/kg (60 kg), the others as planned.
    doses = []
    for dose in records.doses:
        weight = dose["weight_kg"]
        amount = 1e6 * weight if dose["product"] == "uc_msc" else 20.0
        if (
            dose["subject_id"] == 1
            and dose["product"] == "uc_msc"
            and dose["administered_on"] == on(8)
        ):
            amount = 7.2e6 * weight
        doses.append({**dose, "dose_value": amount})
    warning = {"id": 900, "subject_id": 3, "entity": "visits", "field": "visit_date",
               "status": "open", "origin": "edit_check:visit_window",
               "created_at": dt.datetime.combine(on(30), dt.time(9), tzinfo=dt.UTC)}  # fmt: skip
    person = {**warning, "id": 901, "origin": None}  # a query a person raised: not a deviation
    records = dataclasses.replace(records, doses=doses, queries=[warning, person])
    from trialdesk.stats.datasets import build_datasets

    return build_report(build_datasets(records, protocol), records, protocol, kind)


@pytest.fixture(scope="module")
def final() -> Report:
    return _report(ReportKind.FINAL)


def _section(html: str, anchor: str) -> str:
    part = html.split(f'id="{anchor}"')[1]
    return unescape(re.split(r"<h2", part)[0])


def _cells(html: str) -> str:
    """Table text with cells separated by "|", tags dropped."""
    text = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", "|", html)
    return re.sub(r"<[^>]+>", "", text)


def test_hazard_ratio_with_deaths_in_one_arm_only_is_not_estimable(final: Report) -> None:
    os_hr = final.context["time_to_event"]["endpoints"][0]["hr"]
    assert os_hr["text"] == f"not estimable: no event in {EXP}"
    table = _cells(_section(final.html, "time-to-event"))
    assert f"Overall survival|not estimable: no event in {EXP}|log-rank chi-square" in table
    # FFS has an event in each arm, yet the control death on day 40 has nobody else at risk:
    # the partial likelihood rises without end (monotone likelihood), so no finite HR either.
    ffs_hr = final.context["time_to_event"]["endpoints"][1]["hr"]
    assert ffs_hr["text"].startswith("not estimable: the likelihood keeps rising")
    assert "monotone likelihood" in ffs_hr["text"]


def test_landmarks_beyond_follow_up_say_why(final: Report) -> None:
    table = _cells(_section(final.html, "time-to-event"))
    assert "not estimable: no patient followed to day 90" in table
    assert "–%" not in table


def test_cumulative_incidence_beyond_follow_up_says_why_instead_of_a_dash(final: Report) -> None:
    relapse = next(c for c in final.context["survival"]["cuminc"] if c["title"] == "Relapse")
    # One relapse (control, day 35); nobody followed to day 90 in either arm.
    assert relapse["rows"] == [
        (EXP, ["not estimable: no patient followed to day 90",
               "not estimable: no patient followed to day 180",
               "not estimable: no patient followed to day 365"]),
        (CTL, ["not estimable: no patient followed to day 90",
               "not estimable: no patient followed to day 180",
               "not estimable: no patient followed to day 365"]),
    ]  # fmt: skip
    assert "–%" not in final.html


def test_response_by_visit_counts_the_categories_per_arm(final: Report) -> None:
    visits = {v["code"]: v for v in final.context["response_by_visit"]["visits"]}
    assert list(visits) == ["D8", "D15", "D22", "D29", "W8"]

    def counts(code: str) -> list[dict[str, int]]:
        return [{k: n for k, n in g["counts"].items() if n} for g in visits[code]["groups"]]

    assert counts("D8") == [{"PR": 1, "NR": 1}, {"PD": 1, "CR": 1}]
    # Subject 2's rescue on day 10 makes every later visit an intercurrent event; subject 4
    # has no day-15 assessment but was followed past the window.
    assert counts("D15") == [{"CR": 1, "intercurrent event": 1},
                             {"NR": 1, "not assessed": 1}]  # fmt: skip
    assert counts("D22") == [{"not assessed": 1, "intercurrent event": 1}, {"not assessed": 2}]
    assert counts("D29") == [{"CR": 1, "intercurrent event": 1}, {"NR": 1, "CR": 1}]
    # Week 8: nobody followed to the end of the window; the rescued and the dead count as
    # intercurrent events, the others are not yet due (N excludes them).
    assert [g["n"] for g in visits["W8"]["groups"]] == [1, 1]
    assert counts("W8") == [{"intercurrent event": 1}, {"intercurrent event": 1}]
    table = _cells(_section(final.html, "response-by-visit"))
    assert "Partial response (PR)|1 (50.0%)|0 (0.0%)" in table
    svg = base64.b64decode(final.context["response_by_visit"]["plot"].split(",")[1]).decode()
    assert "Patients (% of those due)" in svg
    assert f"bars left to right: {EXP}, {CTL}" in svg


def test_rescue_therapy_by_class_agent_and_day(final: Report) -> None:
    table = _cells(_section(final.html, "rescue-therapy"))
    assert "Patients with ≥ 1 rescue therapy|1 (50.0%)|0 (0.0%)" in table
    assert "JAK inhibitor|1 (50.0%)|0 (0.0%)" in table
    assert "Ruxolitinib|1 (50.0%)|0 (0.0%)" in table
    assert "Study day of the first rescue therapy: median [range]|10 [10–10]|–" in table
    # Study day 29: subject 1 still followed (last contact day 29), subject 2 rescued.
    assert "Cumulative incidence of rescue therapy by study day 29|50.0%|0.0%" in table
    assert "Cumulative incidence of rescue therapy by study day 57|–|–" in table


def test_deviations_by_kind_site_and_listing(final: Report) -> None:
    section = _section(final.html, "protocol-deviations")
    table = _cells(section)
    assert "Any deviation|1 (50.0%); 1 deviation|2 (100.0%); 2 deviations" in table
    assert "Dose outside the protocol dose for the weight|1 (50.0%); 1 deviation|0 (0.0%)" in table
    assert "Planned dose missed|0 (0.0%); 0 deviations|1 (50.0%); 1 deviation" in table
    assert "Edit-check warning confirmed at entry|0 (0.0%); 0 deviations|1 (50.0%)" in table
    assert "Site PKU|1 (50.0%); 1 deviation|2 (100.0%); 2 deviations" in table
    listing = {row["subject"]: row for row in final.context["deviations"]["listing"]}
    assert listing["S-001"]["deviation"].startswith(
        "UC-MSC (umbilical cord-derived mesenchymal stem cells): 7.2e+06 cells/kg given, "
        "protocol dose 1e+06 cells/kg (+620%"
    )
    assert listing["S-001"]["date"] == on(8).isoformat()
    assert listing["S-004"]["deviation"] == (
        "Anti-CD25 mAb (basiliximab): day-15 dose not given (window 2026-03-15 – 2026-03-17)"
    )
    assert listing["S-003"]["kind"] == "Edit-check warning confirmed at entry"
    assert "Visit date is outside the visit's window" in listing["S-003"]["deviation"]


def test_closed_dsmb_listing_names_no_study_product() -> None:
    closed = _report(ReportKind.DSMB_CLOSED)
    section = _section(closed.html, "protocol-deviations")
    assert "Study product: 7.2e+06 cells/kg given" in section
    assert "UC-MSC" not in section
    assert "basiliximab" not in section


def test_time_to_response_counts_responses_and_competing_events(final: Report) -> None:
    rows = final.context["time_to_event"]["response"]["rows"]
    # Each arm: one response on study day 8 (7 days after day 1) and one competing event
    # (subject 2's rescue on day 10; subject 3's death on day 40), nobody censored: the
    # incidence is final at 1/2 and its median is reached on the day of the response.
    for row in rows:
        assert (row["n"], row["responses"], row["competing"]) == (2, 1, 1)
        assert [cell.split("%")[0] for cell in row["cells"]] == ["50.0", "50.0", "50.0"]
        assert row["median"] == "7"
    table = _cells(_section(final.html, "time-to-event"))
    assert "Cumulative incidence of the first response (CR or PR)" in table
    # The endpoint section's incidence of response applies the same rule: final, not undefined.
    best = final.context["endpoint_detail"]["best"]
    assert best["days"] == [8, 15, 29]
    assert best["incidence"] == [(EXP, ["50.0%"] * 3), (CTL, ["50.0%"] * 3)]
