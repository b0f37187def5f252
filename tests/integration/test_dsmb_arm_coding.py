"""The closed DSMB report's arm coding: drawn once at random, kept, audited, and followed."""

from __future__ import annotations

import json

import pytest

from analysis_world import AnalysisWorld, build_analysis_world
from db_fixtures import SettableClock
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.bootstrap import Store
from trialdesk.domain.errors import StateError
from trialdesk.services.randomization.analysis_data import produce_report
from trialdesk.services.trial.trial_settings import DSMB_ARM_CODING_KEY, dsmb_arm_coding
from trialdesk.stats.datasets import build_datasets
from trialdesk.stats.reports import ReportKind, build_report


@pytest.fixture
def trial(store: Store, clock: SettableClock) -> AnalysisWorld:
    return build_analysis_world(store, clock)


def _closed_report(trial: AnalysisWorld, *, unmasked: bool = False):  # type: ignore[no-untyped-def]
    return produce_report(
        trial.store.new_uow(), SqlAlchemyAnalysisReader(trial.store.engine), as_user=None,
        protocol=trial.world.protocol, kind=ReportKind.DSMB_CLOSED, unmasked=unmasked,
    )  # fmt: skip


def _stored(trial: AnalysisWorld) -> list[str]:
    with trial.store.new_uow() as uow:
        return [
            str(r["value"]) for r in uow.records.find("trial_settings", key=DSMB_ARM_CODING_KEY)
        ]


def test_the_first_closed_report_draws_the_coding_and_later_ones_keep_it(
    trial: AnalysisWorld,
) -> None:
    arms = sorted(arm.code for arm in trial.world.protocol.arms)
    assert _stored(trial) == []
    first = _closed_report(trial)
    stored = _stored(trial)
    assert len(stored) == 1
    assert sorted(stored[0].split(",")) == arms
    assert first.context["columns"] == ["Arm A", "Arm B"]
    _closed_report(trial)
    assert _stored(trial) == stored  # the board follows the same coded arm at every meeting
    with trial.store.new_uow() as uow:
        audited = [
            e for e in uow.audit.entries()
            if e.entity == "trial_settings" and DSMB_ARM_CODING_KEY in (e.new_value or "")
        ]  # fmt: skip
    assert len(audited) == 1  # one audited insert: the draw, not the later reads
    assert json.loads(audited[0].new_value or "{}")["value"] == stored[0]


def test_an_unmasked_closed_report_draws_no_coding(trial: AnalysisWorld) -> None:
    report = _closed_report(trial, unmasked=True)
    assert _stored(trial) == []
    assert "Arm A" not in report.context["columns"]


def test_a_stored_coding_that_no_longer_names_the_arms_is_refused(trial: AnalysisWorld) -> None:
    dsmb_arm_coding(trial.store.new_uow(), as_user=None, arm_codes=["x", "y"])
    with pytest.raises(StateError, match="does not match the protocol's arms"):
        _closed_report(trial)


def test_the_report_follows_the_drawn_order_whichever_arm_comes_first(
    trial: AnalysisWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Reversing:
        def shuffle(self, items: list[str]) -> None:
            items.reverse()

    monkeypatch.setattr("trialdesk.services.trial.trial_settings.secrets.SystemRandom", Reversing)
    protocol_order = [arm.code for arm in trial.world.protocol.arms]
    report = _closed_report(trial)
    assert _stored(trial) == [",".join(reversed(protocol_order))]
    # The report is the one built with the protocol's last arm as Arm A.
    records = SqlAlchemyAnalysisReader(trial.store.engine).read()
    datasets = build_datasets(records, trial.world.protocol)
    expected = build_report(
        datasets, records, trial.world.protocol, ReportKind.DSMB_CLOSED,
        coded_order=list(reversed(protocol_order)),
    )  # fmt: skip
    assert report.context["consort"] == expected.context["consort"]
    assert report.context["responses"] == expected.context["responses"]
