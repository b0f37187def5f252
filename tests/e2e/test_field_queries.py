"""Queries on fields, where the data is: raise, answer, answer by correction, close, re-open,
the filtered and paginated list, and the bubbles on the record page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from correction_world import Records
from journey_world import DAY1
from web_world import login

SKIN = "measurements.skin_bsa_pct"
SKIN_LABEL = "Skin rash (% body surface area)"


def _client(records: Records, username: str) -> tuple[TestClient, dict[str, str]]:
    client = records.world.new_client()
    return client, {"X-CSRF-Token": login(client, username)}


def _raise(records: Records, field: str | None = SKIN, message: str = "Source says 10 %") -> Any:
    monitor, headers = _client(records, "monitor.bj")
    response = monitor.post(
        "/api/v1/queries", headers=headers,
        json={"entity": "gvhd_assessments", "record_id": records.ids["assessments"],
              "field": field, "message": message},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


def _query(records: Records, query_id: int) -> Any:
    monitor, _ = _client(records, "monitor.bj")
    return monitor.get(f"/api/v1/queries/{query_id}").json()


def test_a_query_is_raised_on_a_measurement_and_read_with_labels(records: Records) -> None:
    query = _raise(records)
    assert (query["field"], query["field_label"]) == (SKIN, SKIN_LABEL)
    assert (query["status"], query["status_label"]) == ("open", "Open")
    assert (query["assigned_role"], query["assigned_role_label"]) == ("site", "Site")
    assert query["form_label"] == "GVHD assessment"
    assert query["age_days"] == 0
    assert query["raised_by"] == "Monitor.Bj"


def test_a_query_on_the_whole_record_has_no_field(records: Records) -> None:
    query = _raise(records, field=None)
    assert (query["field"], query["field_label"]) == (None, None)


def test_a_path_the_record_does_not_hold_is_refused_naming_field(records: Records) -> None:
    monitor, headers = _client(records, "monitor.bj")
    for path in ("skin_bsa_pct", "measurements", "answers.age_years"):
        response = monitor.post(
            "/api/v1/queries", headers=headers,
            json={"entity": "gvhd_assessments", "record_id": records.ids["assessments"],
                  "field": path, "message": "?"},
        )  # fmt: skip
        assert response.status_code == 422, path
        assert [e["field"] for e in response.json()["errors"]] == ["field"]
        assert SKIN in response.json()["errors"][0]["message"]
    assert monitor.get("/api/v1/queries").json()["total"] == 0


def test_answer_reopen_and_close_move_the_status_and_the_assignee(records: Records) -> None:
    query_id = _raise(records)["id"]
    coordinator, c_headers = _client(records, "coord.bj")
    monitor, m_headers = _client(records, "monitor.bj")
    answered = coordinator.post(
        f"/api/v1/queries/{query_id}/replies", headers=c_headers, json={"message": "Checked"}
    ).json()
    assert (answered["status"], answered["assigned_role"]) == ("answered", "monitor")
    # Site staff may not re-open; a reviewer re-opens an answered query back to the site.
    refused = coordinator.post(
        f"/api/v1/queries/{query_id}/reopen", headers=c_headers, json={"message": "x"}
    )
    assert refused.status_code == 403
    reopened = monitor.post(
        f"/api/v1/queries/{query_id}/reopen", headers=m_headers, json={"message": "Not yet"}
    ).json()
    assert (reopened["status"], reopened["assigned_role"]) == ("reopened", "site")
    assert reopened["status_label"] == "Re-opened"
    # Only an answered query re-opens.
    again = monitor.post(
        f"/api/v1/queries/{query_id}/reopen", headers=m_headers, json={"message": "x"}
    )
    assert again.status_code == 409
    closed = monitor.post(
        f"/api/v1/queries/{query_id}/close", headers=m_headers, json={"message": "Withdrawn"}
    ).json()
    assert closed["status"] == "closed"
    assert [m["body"] for m in closed["messages"]] == [
        "Source says 10 %", "Checked", "Not yet", "Withdrawn",
    ]  # fmt: skip
    # Closed is final.
    for move in ("reopen", "close", "replies"):
        response = monitor.post(
            f"/api/v1/queries/{query_id}/{move}", headers=m_headers, json={"message": "x"}
        )
        assert response.status_code == 409, move


def _correct(
    records: Records, skin: float, query_id: int | None, *,
    client: tuple[TestClient, dict[str, str]] | None = None,
) -> Any:  # fmt: skip
    coordinator, headers = client or _client(records, "coord.bj")
    return coordinator.patch(
        f"/api/v1/subjects/{records.subject_id}/assessments/{records.ids['assessments']}",
        headers=headers,
        json={"changes": {"measurements": {"skin_bsa_pct": skin}}, "reason": "source re-read",
              "query_id": query_id},
    )  # fmt: skip


def test_a_correction_answers_its_query_in_the_same_transaction(records: Records) -> None:
    query_id = _raise(records)["id"]
    response = _correct(records, 10, query_id)
    assert response.status_code == 200, response.text
    query = _query(records, query_id)
    assert (query["status"], query["assigned_role"]) == ("answered", "monitor")
    assert query["messages"][-1]["body"] == (
        f"Corrected: {SKIN_LABEL} 30 → 10. Reason: source re-read"
    )
    assert query["messages"][-1]["author"] == "Coord.Bj"


def test_a_refused_correction_leaves_the_query_open(records: Records) -> None:
    query_id = _raise(records)["id"]
    coordinator = _client(records, "coord.bj")  # signing in is audited: before the snapshot
    before = records.snapshot()
    refused = _correct(records, 150, query_id, client=coordinator)
    assert refused.status_code == 422
    assert records.snapshot() == before
    assert _query(records, query_id)["status"] == "open"


def test_a_correction_naming_a_query_not_open_on_the_record_is_refused(records: Records) -> None:
    query_id = _raise(records)["id"]
    monitor, headers = _client(records, "monitor.bj")
    visit_query = monitor.post(
        "/api/v1/queries", headers=headers,
        json={"entity": "visits", "record_id": records.ids["visits"], "field": "visit_date",
              "message": "?"},
    ).json()["id"]  # fmt: skip
    monitor.post(f"/api/v1/queries/{query_id}/close", headers=headers, json={"message": "ok"})
    coordinator = _client(records, "coord.bj")
    before = records.snapshot()
    for wrong in (visit_query, query_id, 999_999):
        response = _correct(records, 10, wrong, client=coordinator)
        assert response.status_code == 422, wrong
        assert [e["field"] for e in response.json()["errors"]] == ["query_id"]
    assert records.snapshot() == before


def test_a_deletion_may_answer_its_query(records: Records) -> None:
    monitor, headers = _client(records, "monitor.bj")
    query_id = monitor.post(
        "/api/v1/queries", headers=headers,
        json={"entity": "therapies", "record_id": records.ids["therapies"], "message": "Twice?"},
    ).json()["id"]  # fmt: skip
    coordinator, c_headers = _client(records, "coord.bj")
    deleted = coordinator.request(
        "DELETE", f"/api/v1/subjects/{records.subject_id}/therapies/{records.ids['therapies']}",
        headers=c_headers, json={"reason": "duplicate", "query_id": query_id},
    )  # fmt: skip
    assert deleted.status_code == 200, deleted.text
    query = _query(records, query_id)
    assert query["status"] == "answered"
    assert query["messages"][-1]["body"] == "Deleted the record. Reason: duplicate"


def test_the_list_filters_and_pages(records: Records) -> None:
    first = _raise(records, message="one")["id"]
    _raise(records, field=None, message="two")
    _raise(records, field="measurements.bilirubin", message="three")
    monitor, _ = _client(records, "monitor.bj")
    coordinator, c_headers = _client(records, "coord.bj")
    coordinator.post(f"/api/v1/queries/{first}/replies", headers=c_headers, json={"message": "a"})
    reader = [monitor]

    def listed(query: str) -> Any:
        response = reader[0].get(f"/api/v1/queries?{query}")
        assert response.status_code == 200, response.text
        return response.json()

    page1 = listed("page_size=2")
    assert (page1["total"], page1["page"], page1["page_size"], len(page1["items"])) == (3, 1, 2, 2)
    # Oldest open first; the answered one comes after every open one.
    assert [q["status"] for q in page1["items"]] == ["open", "open"]
    page2 = listed("page_size=2&page=2")
    assert [q["id"] for q in page2["items"]] == [first]
    assert listed("status=answered")["total"] == 1
    assert listed("assigned_role=site")["total"] == 2
    assert listed("assigned_role=monitor")["total"] == 1
    assert listed("form=gvhd_assessments")["total"] == 3
    assert listed("form=visits")["total"] == 0
    assert listed("age=0-7")["total"] == 3
    records.world.clock.advance(days=9)
    reader[0], _ = _client(records, "monitor.bj")  # the session expired meanwhile
    assert listed("age=8-14")["total"] == 3
    assert listed("site=BJ01&subject=nobody")["total"] == 0
    for bad in ("age=1-2", "page_size=101", "page=0", "assigned_role=sponsor", "status=x",
                "form=nothing"):  # fmt: skip
        response = reader[0].get(f"/api/v1/queries?{bad}")
        assert response.status_code == 422, bad
        name = bad.partition("=")[0]
        assert [e["field"].rpartition(".")[2] for e in response.json()["errors"]] == [name], bad


def test_another_sites_query_is_not_found(records: Records) -> None:
    query_id = _raise(records)["id"]
    other, headers = _client(records, "coord.sh")
    assert other.get(f"/api/v1/queries/{query_id}").status_code == 404
    assert other.get("/api/v1/queries").json()["total"] == 0
    for move in ("replies", "close", "reopen"):
        response = other.post(
            f"/api/v1/queries/{query_id}/{move}", headers=headers, json={"message": "x"}
        )
        assert response.status_code == 404, move


def _record_url(records: Records) -> str:
    return f"/subjects/{records.subject_id}/assessments/{records.ids['assessments']}"


def test_the_record_page_raises_shows_and_answers_queries_at_the_field(records: Records) -> None:
    monitor = records.world.new_client()
    token = login(monitor, "monitor.bj")
    url = _record_url(records)
    page = monitor.get(url).text
    assert f'id="field-{SKIN}"' in page
    grade = page.split('id="derived-grade">', 1)[1].split("</dd>", 1)[0]
    assert grade.endswith("(MAGIC)")  # the grading system by its name, not its stored code
    assert "Raise query" in page
    raised = monitor.post(
        url + "/queries", follow_redirects=False,
        data={"csrf_token": token, "field": SKIN, "message": "Source says 10 %"},
    )  # fmt: skip
    assert raised.status_code == 303
    assert raised.headers["location"] == f"{url}#field-{SKIN}"
    refused = monitor.post(
        url + "/queries", data={"csrf_token": token, "field": "skin", "message": "?"}
    )
    assert refused.status_code == 422
    assert "this record has no field" in refused.text

    coordinator = records.world.new_client()
    c_token = login(coordinator, "coord.bj")
    page = coordinator.get(url).text
    bubble = page.split(f'id="field-{SKIN}"', 1)[1].split('<div class="query-bubble', 1)[0]
    assert "Source says 10 %" in bubble
    assert "Send answer" in bubble
    assert "Raise query" not in bubble  # site staff answer, they do not raise
    query_id = int(re.search(r'action="/queries/(\d+)/reply"', bubble).group(1))  # type: ignore[union-attr]
    assert f"?query={query_id}#correct" in bubble
    # Opened from the bubble, the correction form preselects the query.
    form = coordinator.get(f"{url}?query={query_id}").text
    assert f'<option value="{query_id}" selected>' in form
    answered = coordinator.post(
        f"/queries/{query_id}/reply", follow_redirects=False,
        data={"csrf_token": c_token, "message": "Checked", "back": url},
    )  # fmt: skip
    assert answered.status_code == 303
    assert answered.headers["location"] == url
    assert _query(records, query_id)["status"] == "answered"


def test_the_record_pages_correction_form_answers_the_query(records: Records) -> None:
    query_id = _raise(records)["id"]
    coordinator = records.world.new_client()
    token = login(coordinator, "coord.bj")
    url = _record_url(records)
    form = coordinator.get(f"{url}?query={query_id}").text
    fields = dict(re.findall(r'<input id="([a-z_]+)" name="\1"[^>]*value="([^"]*)"', form))
    fields.update(csrf_token=token, skin_bsa_pct="10", reason="source re-read",
                  bilirubin_unit="mg/dL", query_id=str(query_id))  # fmt: skip
    for name in ("bullae", "upper_gi_persistent", "severe_abdominal_pain", "bloody_stool"):
        fields.pop(name, None)
    saved = coordinator.post(url, data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    query = _query(records, query_id)
    assert query["status"] == "answered"
    assert query["messages"][-1]["body"].startswith(f"Corrected: {SKIN_LABEL} 30 → 10")


def test_the_query_list_page_shows_labels_never_table_names(records: Records) -> None:
    query_id = _raise(records)["id"]
    monitor = records.world.new_client()
    login(monitor, "monitor.bj")
    page = monitor.get("/queries?form=gvhd_assessments&age=0-7").text
    table = page.split('id="query-list"', 1)[1].split("</table>", 1)[0]
    assert SKIN_LABEL in table
    assert "GVHD assessment" in table
    assert "Open" in table
    assert "Site" in table
    assert f"{_record_url(records)}#field-{SKIN}" in table
    for raw in ("gvhd_assessments", SKIN, "skin_bsa_pct", f">{query_id}<"):
        assert raw not in table.replace(f"#field-{SKIN}", ""), raw
    paged = monitor.get("/queries?page_size=1").text
    assert 'id="query-pages"' not in paged  # one query, one page


def test_a_protocol_form_record_has_bubbles_and_its_correction_answers_the_query(
    records: Records,
) -> None:
    coordinator = records.world.new_client()
    c_token = login(coordinator, "coord.bj")
    steroid = {"drug": "methylprednisolone", "dose_mg_per_day": "50", "route": "iv",
               "started_on": DAY1.isoformat()}  # fmt: skip
    coordinator.post(
        f"/subjects/{records.subject_id}/forms/corticosteroids",
        data={"csrf_token": c_token, **steroid}, follow_redirects=False,
    )  # fmt: skip
    with records.world.store.new_uow() as uow:
        record_id = uow.records.find("form_records", subject_id=records.subject_id)[0]["id"]
    url = f"/subjects/{records.subject_id}/forms/{record_id}"
    monitor = records.world.new_client()
    m_token = login(monitor, "monitor.bj")
    raised = monitor.post(
        url + "/queries", follow_redirects=False,
        data={"csrf_token": m_token, "field": "values.dose_mg_per_day", "message": "40 in chart?"},
    )  # fmt: skip
    assert raised.status_code == 303, raised.text
    assert raised.headers["location"] == f"{url}#field-values.dose_mg_per_day"
    page = coordinator.get(url).text
    bubble = page.split('id="field-values.dose_mg_per_day"', 1)[1].split("</details>", 1)[0]
    assert "40 in chart?" in bubble
    query_id = int(re.search(r'action="/queries/(\d+)/reply"', bubble).group(1))  # type: ignore[union-attr]
    listed = monitor.get("/api/v1/queries?form=corticosteroids").json()
    assert [q["id"] for q in listed["items"]] == [query_id]
    assert listed["items"][0]["form_label"] != "Protocol form"  # the protocol's own label
    assert (
        f'<option value="{query_id}" selected>' in coordinator.get(f"{url}?query={query_id}").text
    )
    corrected = coordinator.post(
        url, follow_redirects=False,
        data={"csrf_token": c_token, **steroid, "dose_mg_per_day": "40",
              "reason": "chart re-checked", "query_id": str(query_id)},
    )  # fmt: skip
    assert corrected.status_code == 303, corrected.text
    query = _query(records, query_id)
    assert query["status"] == "answered"
    assert "50 → 40" in query["messages"][-1]["body"]
