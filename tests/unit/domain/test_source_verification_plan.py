"""The SDV plan: which records need verification, the deterministic sample, progress."""

from __future__ import annotations

import pytest

from trialdesk.bootstrap import load_protocol
from trialdesk.domain.source_verification import (
    SdvPlan,
    SdvProgress,
    casebook_fingerprint,
    changed_paths,
    field_fingerprint,
    field_value,
    in_sample,
    requires_sdv,
)

PLAN = SdvPlan(
    trial="NCT04738981",
    full=(
        "screening_records",
        "consents",
        "primary_endpoint_assessments",
        "serious_adverse_events",
    ),
    sample_fraction=0.2,
)
PRIMARY = ("D1", "D29")


def _needs(table: str, record: dict[str, object], subject: str = "S-1") -> bool:
    return requires_sdv(PLAN, table, record, subject, "BJ01", PRIMARY)


def _unsampled_subject() -> str:
    return next(f"S-{n}" for n in range(1000) if not in_sample(PLAN, "BJ01", f"S-{n}"))


def test_full_kinds_are_always_required() -> None:
    subject = _unsampled_subject()
    assert _needs("screening_records", {}, subject)
    assert _needs("consents", {}, subject)
    assert not _needs("visits", {}, subject)


@pytest.mark.parametrize(("visit", "needed"), [("D1", True), ("D29", True), ("D15", False)])
def test_primary_endpoint_assessments_are_those_at_the_primary_visits(
    visit: str, needed: bool
) -> None:
    assert _needs("gvhd_assessments", {"visit_code": visit}, _unsampled_subject()) is needed


def test_only_serious_adverse_events_are_required_in_full() -> None:
    subject = _unsampled_subject()
    assert _needs("adverse_events", {"serious": True}, subject)
    assert not _needs("adverse_events", {"serious": False}, subject)


def test_the_sample_is_deterministic_and_near_its_fraction() -> None:
    codes = [f"S-{n}" for n in range(2000)]
    first = [in_sample(PLAN, "BJ01", code) for code in codes]
    assert first == [in_sample(PLAN, "BJ01", code) for code in codes]
    assert 0.16 < sum(first) / len(codes) < 0.24
    other_site = [in_sample(PLAN, "SH02", code) for code in codes]
    assert first != other_site  # drawn per site
    sampled = codes[first.index(True)]
    assert _needs("visits", {}, sampled)


def test_no_sample_and_full_sample() -> None:
    assert not in_sample(SdvPlan(trial="T"), "BJ01", "S-1")
    assert in_sample(SdvPlan(trial="T", sample_fraction=1.0), "BJ01", "S-1")
    assert not requires_sdv(PLAN, "subjects", {}, "S-1", "BJ01", PRIMARY)


def test_progress_arithmetic() -> None:
    total = SdvProgress(3, 1) + SdvProgress(1, 1)
    assert (total.required, total.verified, total.percent) == (4, 2, 50)
    assert SdvProgress(3, 2).percent == 66
    assert SdvProgress(0, 0).percent == 100


def test_changed_paths_picks_the_touched_marks() -> None:
    diff = {
        "measurements": (
            {"skin_bsa_pct": 10, "bilirubin": 1.0},
            {"skin_bsa_pct": 20, "bilirubin": 1.0},
        ),
    }
    paths = [None, "measurements.skin_bsa_pct", "measurements.bilirubin", "assessed_on"]
    assert changed_paths(paths, diff) == [None, "measurements.skin_bsa_pct"]
    assert changed_paths(paths, {}) == []


def test_field_fingerprints_follow_the_value() -> None:
    record = {"measurements": {"skin_bsa_pct": 10}, "term": "Rash"}
    assert field_value(record, "measurements.skin_bsa_pct") == 10
    assert field_value(record, "term") == "Rash"
    assert field_value(record, "measurements.absent") is None
    assert field_fingerprint("term", "Rash") != field_fingerprint("term", "rash")
    assert field_fingerprint("a", 5) != field_fingerprint("a", "5")


def test_the_casebook_fingerprint_covers_every_record() -> None:
    casebook = {"visits": [{"id": 2, "visit_code": "D8"}, {"id": 1, "visit_code": "D1"}]}
    reordered = {"visits": list(reversed(casebook["visits"]))}
    assert casebook_fingerprint(casebook) == casebook_fingerprint(reordered)
    changed = {"visits": [{"id": 1, "visit_code": "D1"}, {"id": 2, "visit_code": "D15"}]}
    assert casebook_fingerprint(casebook) != casebook_fingerprint(changed)


def test_the_builtin_protocol_carries_the_plan() -> None:
    protocol = load_protocol()
    assert protocol.sdv.full == PLAN.full
    assert protocol.sdv.sample_fraction == pytest.approx(0.2)
    assert protocol.primary_visits == PRIMARY


def test_the_protocol_file_refuses_an_unknown_sdv_kind() -> None:
    from trialdesk.adapters.protocol_file.reader import builtin_protocol_path, parse_protocol
    from trialdesk.domain.errors import ProtocolError

    text = builtin_protocol_path().read_text(encoding="utf-8")
    broken = text.replace("full: [screening_records,", "full: [lab_values, screening_records,")
    assert broken != text
    with pytest.raises(ProtocolError) as refused:
        parse_protocol(broken)
    assert any(e.field.startswith("sdv.full") for e in refused.value.errors)
    no_plan = text[: text.index("\nsdv:")] + text[text.index("\nassumptions:") :]
    assert parse_protocol(no_plan).sdv.full == ()
