"""``trialdesk randomization generate|verify|export|balance`` on both engines."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from db_fixtures import as_owner
from eligibility_signoff_world import screen_and_sign
from trial_world import PASSWORD, SITE_A, TODAY, TrialWorld, build_world
from trialdesk.bootstrap import Store
from trialdesk.entrypoints.cli.app import app
from trialdesk.services.randomization.randomization import randomize_subject
from trialdesk.services.subjects import subjects

runner = CliRunner()
STATISTICIAN = "statisticianall"


def _run(*args: str, user: str = STATISTICIAN, password: str = PASSWORD) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--user", user, "--password-stdin"], input=password + "\n")
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


@pytest.fixture
def world(store: Store) -> TrialWorld:
    return build_world(store)


def _randomize_some(world: TrialWorld, count: int) -> list[str]:
    arms = []
    for n in range(count):
        subject = subjects.register_subject(
            world.store.new_uow(), as_user=world.coordinator, site_code=SITE_A,
            screening_number=f"CLI-{n}",
        )  # fmt: skip
        subjects.record_consent(
            world.store.new_uow(), as_user=world.coordinator, subject_id=subject.id,
            consented_on=TODAY, form_version="2.1", obtained_by="Dr Li",
        )  # fmt: skip
        screen_and_sign(
            world.store.new_uow, subject_id=subject.id, coordinator=world.coordinator,
            investigator=world.investigator, screened_on=TODAY, protocol=world.protocol,
        )  # fmt: skip
        arms.append(
            randomize_subject(
                world.store.new_randomization_uow(), as_user=world.coordinator,
                subject_id=subject.id, stratification={"baseline_grade": 3},
            ).arm
        )  # fmt: skip
    return arms


@pytest.mark.usefixtures("world")
def test_generate_stores_a_list_and_never_prints_the_seed(db_url: str) -> None:
    code, out, err = _run(
        "randomization", "generate", "--db", db_url, "--seed", "987654321", "--json"
    )
    assert code == 0, err
    made = json.loads(out)
    assert (made["kind"], made["list_code"], made["strata"]) == (
        "production", "NCT04738981-production", 4,
    )  # fmt: skip
    assert "987654321" not in out
    code, out, _ = _run("randomization", "generate", "--db", db_url, "--test", "--json")
    assert code == 0
    assert json.loads(out)["kind"] == "test"


@pytest.mark.usefixtures("world")
def test_a_site_coordinator_cannot_generate_or_export(db_url: str) -> None:
    code, _, err = _run("randomization", "generate", "--db", db_url, user="sitecoordinatorbj01")
    assert code == 4
    assert "manage randomization lists" in err
    _run("randomization", "generate", "--db", db_url)
    code, out, err = _run("randomization", "export", "--db", db_url, user="sitecoordinatorbj01")
    assert (code, out) == (4, "")


def test_a_wrong_password_is_refused_before_anything_happens(
    world: TrialWorld, db_url: str
) -> None:
    code, _, err = _run("randomization", "generate", "--db", db_url, password="not-it")
    assert code == 4
    assert "Sign-in failed." in err  # the one answer to every failed sign-in
    assert world.count("randomization_lists") == 0


def test_verify_exits_zero_then_names_the_first_mismatch(world: TrialWorld, db_url: str) -> None:
    _run("randomization", "generate", "--db", db_url, "--per-stratum", "4")
    arms = _randomize_some(world, 3)
    code, out, err = _run("randomization", "verify", "--db", db_url, "--json")
    assert code == 0, err
    assert json.loads(out)["allocations_checked"] == 3
    wrong = next(arm for arm, _ in world.protocol.randomization.ratio if arm != arms[1])
    with as_owner(world.store) as connection:
        trigger = "allocations_fixed" + (
            "" if connection.dialect.name == "sqlite" else " ON allocations"
        )
        connection.execute(text(f"DROP TRIGGER {trigger}"))
        connection.execute(text(f"UPDATE allocations SET arm = '{wrong}' WHERE position = 2"))
    code, _, err = _run("randomization", "verify", "--db", db_url)
    assert code == 1
    assert f"#2: subject CLI-1 got '{wrong}', list says '{arms[1]}'" in err


def test_export_prints_the_list_with_its_use_as_csv_and_json(
    world: TrialWorld, db_url: str
) -> None:
    _run("randomization", "generate", "--db", db_url, "--per-stratum", "2")
    arms = _randomize_some(world, 2)
    code, out, _ = _run("randomization", "export", "--db", db_url)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    used = [(r["subject"], r["arm"]) for r in rows if r["subject"]]
    assert used == [("CLI-0", arms[0]), ("CLI-1", arms[1])]
    code, out, _ = _run("randomization", "export", "--db", db_url, "--format", "json")
    assert len(json.loads(out)["rows"]) == len(rows)


def test_balance_reports_counts_as_one_json_document(world: TrialWorld, db_url: str) -> None:
    _run("randomization", "generate", "--db", db_url)
    arms = _randomize_some(world, 4)
    code, out, _ = _run("randomization", "balance", "--db", db_url, "--json", user="dsmbviewerall")
    assert code == 0
    report = json.loads(out)
    assert report["overall"]["total"] == 4
    assert report["overall"]["counts"] == {
        arm: arms.count(arm) for arm, _ in world.protocol.randomization.ratio
    }
    assert report["usage"] is None
