"""Role × site × endpoint: every operation of the OpenAPI document, called by every kind of user.

The operations are read from ``app.openapi()``, not listed by hand: each must be classified in
:data:`RULES` (who may call it) with a plausible request, and the test fails when an operation is
added without a rule or a rule outlives its operation. Every operation is then called by each
role holding its grant at the subject's site, at another site, study-wide, by a user with no grant
and by an anonymous client, against one shared server and database per engine:

* a refused call is 403 or 404 (401 when anonymous), never 2xx, and names nothing of the subject;
* a permitted call is never 401/403, and a permitted read answers 2xx;
* no call answers 5xx.

Permitted writes may still be refused for what they say (a 409 or 422): the matrix is about who
may call, the other suites about what a call does.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from db_fixtures import (
    ENGINES,
    FAST_PASSWORDS,
    PostgresServer,
    SettableClock,
    allow_quick_sign_in,
)
from eligibility_signoff_world import JUDGEMENT_ANSWERS
from journey_world import BASELINE, DAY1, OBJECTIVE
from pg_roles import app_url
from trialdesk.bootstrap import Store, build_store, load_protocol
from trialdesk.domain.access import Action, Role, role_allows
from trialdesk.entrypoints.api.app import create_app
from trialdesk.services.accounts import accounts
from trialdesk.services.randomization.randomization_lists import generate_list
from web_world import PASSWORD, login

OWN, OTHER = "BJ01", "SH01"
SCREENING_NUMBER = "BJ01-M001"
SITE_ROLES = (Role.SITE_COORDINATOR, Role.INVESTIGATOR, Role.MONITOR, Role.DATA_MANAGER)
STUDY_ROLES = (Role.STATISTICIAN, Role.SPONSOR_ADMIN, Role.DSMB_VIEWER)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who calls: a role (None: no grant at all) held at a site (None: study-wide)."""

    name: str
    role: Role | None
    site: str | None


ACTORS = (
    *(Actor(f"{role.value}@{site}", role, site) for role in SITE_ROLES for site in (OWN, OTHER)),
    *(Actor(f"{role.value}@study", role, None) for role in STUDY_ROLES),
    Actor("no-grant", None, None),
)


# --- who may call what -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Public:
    """Anyone, signed in or not: the protocol as published, no trial data (docs/web.md)."""

    def allows(self, actor: Actor) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Any signed-in user; what it answers is limited to the caller (own tokens, own sites)."""

    def allows(self, actor: Actor) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Anywhere:
    """A role that allows one of ``actions`` at any site or study-wide."""

    actions: tuple[Action, ...]

    def allows(self, actor: Actor) -> bool:
        return actor.role is not None and any(role_allows([actor.role], a) for a in self.actions)


@dataclass(frozen=True, slots=True)
class OnSubject:
    """One of ``actions`` at the subject's own site: elsewhere the subject does not exist."""

    actions: tuple[Action, ...]

    def allows(self, actor: Actor) -> bool:
        return actor.site == OWN and Anywhere(self.actions).allows(actor)


Rule = Public | SignedIn | Anywhere | OnSubject
A = Action

#: (method, path) → (who may call it, the request body). Paths keep their OpenAPI placeholders;
#: :meth:`Matrix.url` fills them with the shared world's ids.
RULES: dict[tuple[str, str], tuple[Rule, Mapping[str, Any] | None]] = {
    ("GET", "/api/v1/protocol"): (Public(), None),
    ("POST", "/api/v1/gvhd/stage"): (SignedIn(), {"skin_bsa_pct": 30, "bilirubin": 4.0}),
    ("POST", "/api/v1/gvhd/response"): (
        SignedIn(),
        {
            "baseline": {"skin": 2, "liver": 2, "upper_gi": 0, "lower_gi": 1},
            "current": {"skin": 1, "liver": 1, "upper_gi": 0, "lower_gi": 0},
        },
    ),
    ("GET", "/api/v1/terminology/ctcae"): (SignedIn(), None),
    ("GET", "/api/v1/me"): (SignedIn(), None),
    ("GET", "/api/v1/tokens"): (SignedIn(), None),
    ("POST", "/api/v1/tokens"): (SignedIn(), {"name": "matrix"}),
    ("DELETE", "/api/v1/tokens/{token_id}"): (SignedIn(), None),
    ("GET", "/api/v1/sites"): (Anywhere((A.MANAGE_ACCOUNTS,)), None),
    ("POST", "/api/v1/sites"): (Anywhere((A.MANAGE_ACCOUNTS,)), {"code": "GZ01", "name": "GZ"}),
    ("PATCH", "/api/v1/sites/{code}"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"time_zone": "Asia/Shanghai"},
    ),
    ("GET", "/api/v1/users"): (Anywhere((A.MANAGE_ACCOUNTS,)), None),
    ("POST", "/api/v1/users"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {
            "username": "new.user",
            "full_name": "New User",
            "password": "Correct-Horse-42!",
            "role": "monitor",
            "site_code": OTHER,
        },
    ),
    ("POST", "/api/v1/users/{username}/roles"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"role": "monitor", "site_code": OTHER},
    ),
    ("POST", "/api/v1/users/{username}/deactivate"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"reason": "matrix"},
    ),
    ("POST", "/api/v1/users/{username}/reactivate"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"reason": "matrix"},
    ),
    ("POST", "/api/v1/users/{username}/roles/revoke"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"role": "monitor", "site_code": OTHER, "reason": "matrix"},
    ),
    ("POST", "/api/v1/users/{username}/password-reset"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"reason": "matrix"},
    ),
    ("POST", "/api/v1/users/{username}/two-factor-reset"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"reason": "matrix"},
    ),
    ("GET", "/api/v1/security-settings"): (Anywhere((A.MANAGE_ACCOUNTS,)), None),
    ("PATCH", "/api/v1/security-settings"): (
        Anywhere((A.MANAGE_ACCOUNTS,)),
        {"password_max_age_days": 0, "reason": "matrix"},
    ),
    # A wrong current password: every permitted caller is refused for what it says (422) and
    # keeps the password the other cells sign with.
    ("POST", "/api/v1/me/password"): (
        SignedIn(),
        {"current_password": "Not-The-Password-1", "new_password": "Another-Horse-43"},
    ),
    ("GET", "/api/v1/roles"): (SignedIn(), None),
    ("GET", "/api/v1/subjects"): (SignedIn(), None),
    ("POST", "/api/v1/subjects"): (
        OnSubject((A.ENTER_DATA,)),
        {"site_code": OWN, "screening_number": "BJ01-M999"},
    ),
    ("GET", "/api/v1/subjects/{subject_id}"): (OnSubject((A.VIEW_SUBJECT,)), None),
    ("GET", "/api/v1/subjects/{subject_id}/detail"): (OnSubject((A.VIEW_SUBJECT,)), None),
    ("GET", "/api/v1/subjects/{subject_id}/audit"): (OnSubject((A.VIEW_SUBJECT,)), None),
    ("GET", "/api/v1/subjects/{subject_id}/audit/readable"): (OnSubject((A.VIEW_SUBJECT,)), None),
    ("GET", "/api/v1/subjects/{subject_id}/audit/export"): (OnSubject((A.EXPORT_AUDIT,)), None),
    ("POST", "/api/v1/subjects/{subject_id}/screenings"): (
        OnSubject((A.ENTER_DATA,)),
        {"screened_on": DAY1.isoformat(), "answers": OBJECTIVE},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/consents"): (
        OnSubject((A.ENTER_DATA,)),
        {"consented_on": DAY1.isoformat(), "form_version": "2.2", "obtained_by": "Dr Li"},
    ),
    # A move the state machine refuses, so a permitted call changes nothing for the next cell.
    ("POST", "/api/v1/subjects/{subject_id}/state"): (
        OnSubject((A.ENTER_DATA,)),
        {"state": "completed", "reason": "matrix"},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/randomization"): (
        OnSubject((A.RANDOMIZE,)),
        {"baseline_grade": 3, "gi_involvement": True},
    ),
    # The first permitted caller flags it; every later one is a 409, never a refusal.
    ("POST", "/api/v1/subjects/{subject_id}/randomization/error"): (
        OnSubject((A.RANDOMIZE,)),
        {"reason": "matrix"},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/screening/attestations"): (
        OnSubject((A.ATTEST_ELIGIBILITY,)),
        {"answers": JUDGEMENT_ANSWERS},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/eligibility-signature"): (
        OnSubject((A.SIGN,)),
        {"password": PASSWORD},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/doses"): (
        OnSubject((A.ENTER_DATA,)),
        {
            "product": "anti_cd25",
            "administered_on": DAY1.isoformat(),
            "weight_kg": 65,
            "dose_value": 20,
            "dose_unit": "mg",
        },
    ),
    ("POST", "/api/v1/subjects/{subject_id}/visits"): (
        OnSubject((A.ENTER_DATA,)),
        {"visit_code": "D1", "visit_date": DAY1.isoformat()},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/assessments"): (
        OnSubject((A.ENTER_DATA,)),
        {"assessed_on": DAY1.isoformat(), "additional_therapy": False, "measurements": BASELINE},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/adverse-events"): (
        OnSubject((A.ENTER_DATA,)),
        {
            "term": "Pneumonia",
            "ctcae_grade": 2,
            "onset_on": DAY1.isoformat(),
            "aware_at": f"{DAY1.isoformat()}T10:00:00+08:00",
            "outcome": "not_recovered",
        },
    ),
    ("POST", "/api/v1/subjects/{subject_id}/therapies"): (
        OnSubject((A.ENTER_DATA,)),
        {"kind": "other", "name": "Ruxolitinib", "started_on": DAY1.isoformat()},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/outcomes"): (
        OnSubject((A.ENTER_DATA,)),
        {"kind": "relapse", "occurred_on": DAY1.isoformat()},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/signatures"): (
        OnSubject((A.SIGN,)),
        {"entity": "visits", "record_id": 0, "password": PASSWORD, "meaning": "I approve"},
    ),
    ("GET", "/api/v1/subjects/{subject_id}/adverse-events/{event_id}"): (
        OnSubject((A.VIEW_SUBJECT,)),
        None,
    ),
    ("POST", "/api/v1/subjects/{subject_id}/adverse-events/{event_id}/follow-ups"): (
        OnSubject((A.ENTER_DATA,)),
        {"reported_at": f"{DAY1.isoformat()}T12:00:00+08:00", "narrative": "improving"},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/adverse-events/{event_id}/reports"): (
        OnSubject((A.ENTER_DATA,)),
        {"recipient": "sponsor", "reported_at": f"{DAY1.isoformat()}T12:00:00+08:00"},
    ),
    ("PATCH", "/api/v1/subjects/{subject_id}/{collection}/{record_id}"): (
        OnSubject((A.ENTER_DATA,)),
        {"changes": {"visit_date": DAY1.isoformat()}, "reason": "source document"},
    ),
    ("DELETE", "/api/v1/subjects/{subject_id}/{collection}/{record_id}"): (
        OnSubject((A.ENTER_DATA,)),
        {"reason": "entered twice"},
    ),
    ("POST", "/api/v1/subjects/{subject_id}/edit-checks/{collection}"): (
        OnSubject((A.ENTER_DATA,)),
        {"values": {"visit_code": "D1", "visit_date": "2026-03-02"}},
    ),
    ("POST", "/api/v1/eligibility/check"): (SignedIn(), {"answers": {"age_years": 40}}),
    ("POST", "/api/v1/dosing/planned"): (SignedIn(), {"product": "anti_cd25", "weight_kg": 65}),
    ("POST", "/api/v1/calendar/preview"): (
        SignedIn(),
        {"arm": "A", "weight_kg": 65, "day1": DAY1.isoformat()},
    ),
    ("GET", "/api/v1/protocol/forms"): (Public(), None),
    ("GET", "/api/v1/subjects/{subject_id}/forms"): (OnSubject((A.VIEW_SUBJECT,)), None),
    ("POST", "/api/v1/subjects/{subject_id}/forms/{form_code}"): (
        OnSubject((A.ENTER_DATA,)),
        {"values": {"recorded_on": DAY1.isoformat()}},
    ),
    ("GET", "/api/v1/dashboard"): (SignedIn(), None),
    ("GET", "/api/v1/worklist"): (SignedIn(), None),
    ("GET", "/api/v1/queries"): (SignedIn(), None),
    ("POST", "/api/v1/queries"): (
        OnSubject((A.RAISE_QUERY,)),
        {"entity": "visits", "record_id": 0, "field": "visit_date", "message": "Check the date"},
    ),
    ("GET", "/api/v1/queries/{query_id}"): (OnSubject((A.VIEW_SUBJECT,)), None),
    ("POST", "/api/v1/queries/{query_id}/replies"): (
        OnSubject((A.ANSWER_QUERY, A.RAISE_QUERY)),
        {"message": "See the source"},
    ),
    ("POST", "/api/v1/queries/{query_id}/close"): (
        OnSubject((A.CLOSE_QUERY,)),
        {"message": "Resolved"},
    ),
    # Only an answered query re-opens: a permitted caller may meet a 409, never a refusal.
    ("POST", "/api/v1/queries/{query_id}/reopen"): (
        OnSubject((A.CLOSE_QUERY,)),
        {"message": "Still differs from the source"},
    ),
    ("GET", "/api/v1/reports/{kind}"): (Anywhere((A.VIEW_AGGREGATES,)), None),
    ("POST", "/api/v1/subjects/{subject_id}/{collection}/{record_id}/verification"): (
        OnSubject((A.VERIFY_SOURCE,)),
        {},
    ),
    ("DELETE", "/api/v1/subjects/{subject_id}/{collection}/{record_id}/verification"): (
        OnSubject((A.VERIFY_SOURCE,)),
        {"reason": "verified against the wrong chart"},
    ),
    ("GET", "/api/v1/subjects/{subject_id}/verification"): (OnSubject((A.VIEW_SUBJECT,)), None),
    ("GET", "/api/v1/source-verification/worklist"): (Anywhere((A.VERIFY_SOURCE,)), None),
    ("GET", "/api/v1/source-verification/progress"): (SignedIn(), None),
    ("GET", "/api/v1/locks"): (SignedIn(), None),
    ("POST", "/api/v1/locks"): (
        OnSubject((A.LOCK,)),
        {"level": "form", "collection": "visits", "target_id": 0, "reason": "reviewed"},
    ),
    ("POST", "/api/v1/locks/{lock_id}/unlock"): (OnSubject((A.LOCK,)), {"reason": "query"}),
    ("POST", "/api/v1/subjects/{subject_id}/casebook/signature"): (
        OnSubject((A.SIGN,)),
        {"password": PASSWORD, "meaning": "I approve the casebook"},
    ),
    ("GET", "/api/v1/subjects/{subject_id}/casebook/signature"): (
        OnSubject((A.VIEW_SUBJECT,)),
        None,
    ),
    ("GET", "/api/v1/signatures/awaiting"): (Anywhere((A.SIGN,)), None),
    ("GET", "/api/v1/signatures/{signature_id}"): (OnSubject((A.VIEW_SUBJECT,)), None),
}

#: Operations whose request or answer concerns one subject of the own site.
SUBJECT_PATHS = ("{subject_id}", "{query_id}")
#: Operations that destroy what later cells need, called after all the others.
LAST = (("DELETE", "/api/v1/subjects/{subject_id}/{collection}/{record_id}"),)


# --- the shared world --------------------------------------------------------------------------


@dataclass
class Matrix:
    """One server over one database, the subject's records, and a signed-in client per actor."""

    app: Any
    clients: dict[str, tuple[TestClient, dict[str, str]]]
    ids: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        for name, value in self.ids.items():
            path = path.replace("{" + name + "}", value)
        return path

    def call(self, actor: str, method: str, path: str, body: Mapping[str, Any] | None) -> Any:
        client, headers = self.clients[actor]
        return client.request(
            method, self.url(path), json=self._with_ids(body), headers=headers,
            follow_redirects=False,
        )  # fmt: skip

    def _with_ids(self, body: Mapping[str, Any] | None) -> Any:
        if body is not None and "target_id" in body:  # a lock's target: a record of its own
            return {**body, "target_id": int(self.ids["lock_target"])}
        if body is None or "record_id" not in body:
            return body
        return {**body, "record_id": int(self.ids["record_id"])}


@pytest.fixture(scope="module", params=ENGINES)
def matrix_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database shared by every cell of the matrix on one engine."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path_factory.mktemp("matrix") / "trial.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name, url = server.create(template=request.getfixturevalue("postgres_template"))
    yield app_url(url)
    server.drop(name)


def _user(store: Store, actor: Actor) -> None:
    role = actor.role or Role.MONITOR
    accounts.create_user(
        store.new_uow(), username=_username(actor), full_name=actor.name, password=PASSWORD,
        role=role.value, site_code=actor.site if actor.role else OTHER, as_user=None,
        one_time_password=False,
    )  # fmt: skip
    if actor.role is None:  # the account stays, its only grant is taken away
        with store.new_uow() as uow:
            (user,) = uow.records.find("users", username=_username(actor))
            for grant in uow.records.find("role_assignments", user_id=user["id"]):
                uow.records.delete("role_assignments", grant["id"])
            uow.commit()


def _username(actor: Actor) -> str:
    return actor.name.replace("@", ".").replace("_", "").replace("-", "").lower()


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in {200, 201}, response.text
    body: dict[str, Any] = response.json()
    return body


def _build_records(matrix: Matrix, store: Store) -> None:
    """The subject, randomized, with a visit, an adverse event, a query, a token and a form."""
    coordinator = f"{Role.SITE_COORDINATOR.value}@{OWN}"
    investigator = f"{Role.INVESTIGATOR.value}@{OWN}"
    monitor = f"{Role.MONITOR.value}@{OWN}"
    statistician = next(a for a in ACTORS if a.role is Role.STATISTICIAN)
    with store.new_uow() as uow:
        (stat,) = uow.records.find("users", username=_username(statistician))
    generate_list(
        store.new_randomization_uow(), as_user=stat["id"], spec=load_protocol().randomization,
        seed=20260302, length_per_stratum=8, trial_code="NCT04738981",
    )  # fmt: skip

    def post(actor: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return _created(matrix.call(actor, "POST", path, body))

    subject = post(
        coordinator, "/api/v1/subjects", {"site_code": OWN, "screening_number": SCREENING_NUMBER}
    )
    matrix.ids["subject_id"] = str(subject["id"])
    base = "/api/v1/subjects/{subject_id}"
    for path, body in [
        ("/screenings", {"screened_on": DAY1.isoformat(), "answers": OBJECTIVE}),
        (
            "/consents",
            {"consented_on": DAY1.isoformat(), "form_version": "2.1", "obtained_by": "Dr Li"},
        ),
    ]:
        post(coordinator, base + path, body)
    post(investigator, base + "/screening/attestations", {"answers": JUDGEMENT_ANSWERS})
    post(investigator, base + "/eligibility-signature", {"password": PASSWORD})
    post(coordinator, base + "/randomization", {"baseline_grade": 3, "gi_involvement": True})
    visit = post(
        coordinator, base + "/visits", {"visit_code": "D1", "visit_date": DAY1.isoformat()}
    )
    event = post(
        coordinator,
        base + "/adverse-events",
        RULES[("POST", "/api/v1/subjects/{subject_id}/adverse-events")][1],
    )
    matrix.ids.update(record_id=str(visit["id"]), collection="visits", event_id=str(event["id"]))
    query = post(
        monitor, "/api/v1/queries",
        {"entity": "visits", "record_id": visit["id"], "field": "visit_date", "message": "Check"},
    )  # fmt: skip
    token = post(coordinator, "/api/v1/tokens", {"name": "the coordinator's"})
    # Two visits of their own for the lock cells, so a lock does not stop the other cells.
    locked, lock_target = (
        post(coordinator, base + "/visits", {"visit_code": code, "visit_date": DAY1.isoformat()})
        for code in ("D4", "D8")
    )
    manager = f"{Role.DATA_MANAGER.value}@{OWN}"
    matrix.ids["lock_target"] = str(locked["id"])  # the body's target_id is filled from here
    lock = post(manager, "/api/v1/locks", {"level": "form", "collection": "visits", "target_id": 0})
    matrix.ids.update(lock_id=str(lock["id"]), lock_target=str(lock_target["id"]))
    with store.new_uow() as uow:  # the investigator's eligibility signature
        (signature,) = uow.records.find("signatures")
    matrix.ids["signature_id"] = str(signature["id"])
    matrix.ids.update(
        query_id=str(query["id"]), token_id=str(token["id"]), code=OWN,
        username=_username(Actor("target", Role.MONITOR, OTHER)),
        form_code=load_protocol().forms[0].code, kind="final",
    )  # fmt: skip


@pytest.fixture(scope="module")
def matrix(matrix_url: str) -> Iterator[Matrix]:
    store = build_store(matrix_url, clock=SettableClock(), passwords=FAST_PASSWORDS)
    allow_quick_sign_in(store)
    accounts.create_site(store.new_uow(), code=OWN, name="Beijing", as_user=None)
    accounts.create_site(store.new_uow(), code=OTHER, name="Shanghai", as_user=None)
    for actor in (*ACTORS, Actor("target", Role.MONITOR, OTHER)):
        _user(store, actor)
    app = create_app(store, load_protocol())
    with TestClient(app) as anonymous:
        clients: dict[str, tuple[TestClient, dict[str, str]]] = {"anonymous": (anonymous, {})}
        for actor in ACTORS:
            client = TestClient(app)
            clients[actor.name] = (client, {"X-CSRF-Token": login(client, _username(actor))})
        built = Matrix(app=app, clients=clients)
        _build_records(built, store)
        yield built
    store.close()


# --- the tests ---------------------------------------------------------------------------------


def _operations(app: Any) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, methods in app.openapi()["paths"].items()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_operation_of_the_openapi_document_is_classified(matrix: Matrix) -> None:
    documented = set(_operations(matrix.app))
    assert sorted(documented - RULES.keys()) == [], "classify each new operation in RULES"
    assert sorted(RULES.keys() - documented) == [], "remove the rules of removed operations"


def _ordered(app: Any) -> list[tuple[str, str]]:
    found = _operations(app)
    return [op for op in found if op not in LAST] + [op for op in found if op in LAST]


def _check(
    matrix: Matrix, actor: Actor | None, method: str, path: str, problems: list[str]
) -> bool:
    """Call one cell and note what is wrong with its answer; whether the call was refused."""
    rule, body = RULES[(method, path)]
    name = actor.name if actor else "anonymous"
    response = matrix.call(name, method, path, body)
    status = response.status_code
    where = f"{name} {method} {path} → {status}"
    if status >= 500:
        problems.append(f"{where}: server error")
    elif actor is None:
        if isinstance(rule, Public) != (200 <= status < 300) or status not in {200, 401}:
            problems.append(f"{where}: anonymous must get 401 (200 for a public read)")
    elif rule.allows(actor):
        if status in {401, 403}:
            problems.append(f"{where}: permitted but refused")
        elif method == "GET" and not 200 <= status < 300:
            problems.append(f"{where}: permitted read did not answer")
    elif status not in {403, 404}:
        problems.append(f"{where}: must be refused with 403 or 404")
    elif SCREENING_NUMBER in response.text:
        problems.append(f"{where}: the refusal names the subject")
    return status in {401, 403, 404}


def _run(matrix: Matrix, actors: list[Actor | None]) -> tuple[list[str], int, int]:
    """Every cell: the problems found, how many cells were called and how many refused."""
    problems: list[str] = []
    cells = refused = 0
    for method, path in _ordered(matrix.app):
        if (method, path) not in RULES:
            continue  # reported by the classification test
        # Refused callers first: a permitted write must not make a refusal look right.
        ordered = sorted(actors, key=lambda a: a is not None and RULES[(method, path)][0].allows(a))
        for actor in ordered:
            cells += 1
            refused += _check(matrix, actor, method, path, problems)
    return problems, cells, refused


def test_the_whole_matrix_refuses_leaks_nothing_and_never_fails(matrix: Matrix) -> None:
    problems, cells, refused = _run(matrix, [None, *ACTORS])
    assert problems == []
    assert cells == len(RULES) * (len(ACTORS) + 1)
    assert refused > cells // 2  # most of the matrix is refusals: the test is not vacuous


def test_a_subject_of_another_site_is_answered_like_a_missing_one(matrix: Matrix) -> None:
    """For every subject-scoped read, another site's role gets exactly a missing id's answer."""
    other = f"{Role.SITE_COORDINATOR.value}@{OTHER}"
    reads = [
        (m, p) for m, p in _operations(matrix.app)
        if m == "GET" and any(key in p for key in SUBJECT_PATHS)
    ]  # fmt: skip
    assert len(reads) >= 6
    for method, path in reads:
        hidden = matrix.call(other, method, path, None)
        real = dict(matrix.ids)
        matrix.ids.update(subject_id="999999", query_id="999999", event_id="999999")
        try:
            missing = matrix.call(other, method, path, None)
        finally:
            matrix.ids = real
        assert hidden.status_code == missing.status_code, path
        assert hidden.status_code in {403, 404}, path
        assert hidden.json()["error"] == missing.json()["error"], path
