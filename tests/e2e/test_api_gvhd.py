"""The live GVHD calculator endpoints: MAGIC staging, response and the protocol's next step."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from web_world import WebWorld, login


@pytest.fixture
def calc(web: WebWorld) -> tuple[TestClient, dict[str, str]]:
    client = web.new_client()
    return client, {"X-CSRF-Token": login(client, "coord.bj")}


def _post(calc: tuple[TestClient, dict[str, str]], path: str, body: dict[str, Any]) -> Any:
    client, headers = calc
    response = client.post(f"/api/v1/gvhd/{path}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_magic_stages_follow_the_published_cut_offs(
    calc: tuple[TestClient, dict[str, str]],
) -> None:
    # MAGIC: rash > 50 % BSA is skin 3; bilirubin 3.1–6 mg/dL is liver 2; 1000–1500 mL is GI 2.
    result = _post(calc, "stage", {"skin_bsa_pct": 60, "bilirubin": 3.5, "stool_ml_per_day": 1200})
    assert result["stages"] == {"skin": 3, "liver": 2, "upper_gi": 0, "lower_gi": 2}
    assert result["grade_label"] == "III"
    assert result["drivers"]["liver"] == "bilirubin"
    assert result["system"] == "magic"


def test_bilirubin_in_micromoles_is_converted_before_staging(
    calc: tuple[TestClient, dict[str, str]],
) -> None:
    # 60 µmol/L is about 3.5 mg/dL (17.1 µmol/L per mg/dL): liver stage 2.
    result = _post(calc, "stage", {"skin_bsa_pct": 0, "bilirubin": 60, "bilirubin_unit": "umol/L"})
    assert result["stages"]["liver"] == 2
    assert result["bilirubin_mg_dl"] == pytest.approx(60 / 17.1, rel=0.01)


def test_a_measurement_out_of_range_names_its_field(web: WebWorld) -> None:
    client = web.new_client()
    csrf = login(client, "coord.bj")
    response = client.post(
        "/api/v1/gvhd/stage",
        json={"skin_bsa_pct": 120, "bilirubin": -1},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"skin_bsa_pct", "bilirubin"}


def test_progression_in_the_first_three_weeks_means_switching_therapy(
    calc: tuple[TestClient, dict[str, str]],
) -> None:
    result = _post(calc, "response", {
        "baseline": {"skin": 2, "liver": 0, "upper_gi": 0, "lower_gi": 1},
        "current": {"skin": 3, "liver": 0, "upper_gi": 0, "lower_gi": 1},
        "visit": "D15",
    })  # fmt: skip
    assert result["response"] == "PD"
    assert result["next_step"]["step"] == "switch_therapy"
    assert result["next_step"]["treatment_failure"] is True


def test_a_partial_response_at_week_four_repeats_the_course_once(
    calc: tuple[TestClient, dict[str, str]],
) -> None:
    body = {
        "baseline": {"skin": 3, "liver": 0, "upper_gi": 0, "lower_gi": 2},
        "current": {"skin": 1, "liver": 0, "upper_gi": 0, "lower_gi": 1},
        "visit": "D29",
    }
    first = _post(calc, "response", body)
    assert first["response"] == "PR"
    assert first["next_step"]["step"] == "repeat_course"
    second = _post(calc, "response", {**body, "course": 2})
    assert second["next_step"]["step"] == "course_complete"


def test_complete_response_clears_every_organ(calc: tuple[TestClient, dict[str, str]]) -> None:
    result = _post(calc, "response", {
        "baseline": {"skin": 3, "liver": 1, "upper_gi": 1, "lower_gi": 2},
        "current": {"skin": 0, "liver": 0, "upper_gi": 0, "lower_gi": 0},
    })  # fmt: skip
    assert result["response"] == "CR"
    assert result["overall_response"] is True
    assert result["current_grade"] == 0
    assert result["next_step"] is None


def test_an_unknown_visit_is_named_as_the_field_in_error(web: WebWorld) -> None:
    client = web.new_client()
    csrf = login(client, "coord.bj")
    response = client.post(
        "/api/v1/gvhd/response",
        json={
            "baseline": {"skin": 1, "liver": 0, "upper_gi": 0, "lower_gi": 0},
            "current": {"skin": 1, "liver": 0, "upper_gi": 0, "lower_gi": 0},
            "visit": "D99",
            "earlier": [{"visit": "X1", "response": "NR"}],
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"visit", "earlier[0].visit"}


def test_the_calculator_page_loads_its_script_and_needs_a_login(web: WebWorld) -> None:
    assert web.client.get("/gvhd/calculator", follow_redirects=False).status_code == 303
    login(web.client, "coord.bj")
    page = web.client.get("/gvhd/calculator")
    assert page.status_code == 200
    assert '<script src="/static/gvhd_calculator.js"' in page.text
    assert "D29" in page.text
    script = web.client.get("/static/gvhd_calculator.js")
    assert script.status_code == 200
    assert "/api/v1/gvhd/response" in script.text
