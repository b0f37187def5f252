"""Property-based check of every API operation against the OpenAPI document (schemathesis).

For generated requests, authenticated with a sponsor administrator's API token, no operation
may answer 5xx and no response may violate its documented schema.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from web_world import WebWorld, login


@pytest.mark.slow
def test_no_operation_fails_or_breaks_its_schema(web: WebWorld) -> None:
    client = web.new_client()
    csrf = login(client, "admin")
    created = client.post("/api/v1/tokens", json={"name": "fuzz"}, headers={"X-CSRF-Token": csrf})
    # Every generated request carries the token (the scripts' way in, needing no CSRF header).
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", web.client.app)
    tested = []
    for result in loaded.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        check()
        tested.append(operation.label)
    assert len(tested) >= 12, tested
