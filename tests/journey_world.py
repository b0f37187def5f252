"""The ``web`` world made ready for a patient's journey: a production list and an investigator.

``journey`` adds to the ``web`` fixture a statistician who generates the production
randomization list, and an investigator at BJ01 (only investigators sign). ``Api`` wraps a
logged-in client so tests read as the calls a page's script or a user's script would make.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from eligibility_signoff_world import JUDGEMENT_ANSWERS, OBJECTIVE_ANSWERS
from trial_world import ELIGIBLE_ANSWERS
from trialdesk.bootstrap import load_protocol
from trialdesk.services.accounts import accounts
from trialdesk.services.randomization.randomization_lists import generate_list
from web_world import PASSWORD, WebWorld, login

DAY1 = dt.date(2026, 3, 2)

ELIGIBLE = ELIGIBLE_ANSWERS
#: What the coordinator records; the rest is the investigator's to attest.
OBJECTIVE = OBJECTIVE_ANSWERS
INVESTIGATOR = "inv.bj"

#: Grade III at baseline: skin stage 2, liver stage 2, lower GI stage 1.
BASELINE: dict[str, object] = {"skin_bsa_pct": 30, "bilirubin": 4.0, "stool_ml_per_day": 800}


@dataclass
class Api:
    client: TestClient
    csrf: str

    def post(self, path: str, body: Mapping[str, Any]) -> httpx.Response:
        return self.client.post(
            f"/api/v1{path}", json=dict(body), headers={"X-CSRF-Token": self.csrf}
        )

    def get(self, path: str) -> httpx.Response:
        return self.client.get(f"/api/v1{path}")


def api_as(world: WebWorld, username: str) -> Api:
    client = world.new_client()
    return Api(client, login(client, username))


def count(world: WebWorld, table: str) -> int:
    with world.store.new_uow() as uow:
        return uow.records.count(table)


@pytest.fixture
def journey(web: WebWorld) -> WebWorld:
    uow = web.store.new_uow
    statistician = accounts.create_user(
        uow(), username="stat", full_name="Stat", password=PASSWORD, role="statistician",
        site_code=None, as_user=None, one_time_password=False,
    )  # fmt: skip
    accounts.create_user(
        uow(), username="inv.bj", full_name="Dr Wang Fang", password=PASSWORD,
        role="investigator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    generate_list(
        web.store.new_randomization_uow(), as_user=statistician.id,
        spec=load_protocol().randomization, seed=20260302, length_per_stratum=8,
        trial_code="NCT04738981",
    )  # fmt: skip
    return web


def investigator_signs_off(client: TestClient, subject_id: int) -> None:
    """The site's investigator, in their own browser, attests the judgement criteria of the
    saved screening and signs the eligibility with their password (through the pages)."""
    browser = TestClient(client.app)
    csrf = login(browser, INVESTIGATOR)
    url = f"/subjects/{subject_id}"
    answers = {k: "yes" if v else "no" for k, v in JUDGEMENT_ANSWERS.items()}
    attested = browser.post(f"{url}/screening/attestations", data={"csrf_token": csrf, **answers})
    assert attested.status_code == 200, attested.text
    signed = browser.post(
        f"{url}/eligibility-signature", data={"csrf_token": csrf, "password": PASSWORD}
    )
    assert signed.status_code == 200, signed.text
    assert 'id="eligibility-signature"' in signed.text
