"""CTCAE v5.0 terminology: lookups, search as you type, and the coding rule of an AE's term."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from trialdesk.domain.errors import InputError
from trialdesk.domain.safety.terminology import (
    code_adverse_event_term,
    ctcae_terminology,
    fatal_adverse_event_term,
)

SEPSIS = 10040047
GI_OTHER = 10017947  # "Gastrointestinal disorders - Other, specify"


def test_the_shipped_list_holds_the_837_terms_of_26_socs_with_unique_codes() -> None:
    terminology = ctcae_terminology()
    assert len(terminology) == 837
    assert len({t.meddra_code for t in terminology}) == 837
    assert len(terminology.socs) == 26
    assert sum(t.is_other_specify for t in terminology) == 26  # one catch-all per SOC
    source = resources.files("trialdesk.domain") / "data" / "README.md"
    assert "public domain" in source.read_text("utf-8")


def test_a_term_is_found_by_its_meddra_code_and_by_its_exact_name() -> None:
    terminology = ctcae_terminology()
    sepsis = terminology.by_code(SEPSIS)
    assert (sepsis.term, sepsis.soc) == ("Sepsis", "Infections and infestations")
    assert terminology.by_name("  sEPSIS ") is sepsis
    assert terminology.by_name("Pneumonia") is None  # CTCAE v5.0 calls it "Lung infection"
    with pytest.raises(InputError) as refused:
        terminology.by_code(123)
    assert refused.value.errors[0].field == "meddra_code"


def test_search_takes_words_in_any_order_and_any_case_prefix_matches_first() -> None:
    search = ctcae_terminology().search
    assert [t.term for t in search("DEC plat")] == ["Platelet count decreased"]
    infusion = [t.term for t in search("infus")]
    assert infusion[:2] == ["Infusion related reaction", "Infusion site extravasation"]
    rash = [t.term for t in search("rash")]
    assert rash.index("Rash maculo-papular") < rash.index("Papulopustular rash")
    assert [t.meddra_code for t in search(str(SEPSIS))] == [SEPSIS]
    assert search("") == []
    assert search("zzzz") == []
    assert len(search("a", limit=5)) == 5


def test_a_chosen_term_is_stored_with_its_code_and_soc() -> None:
    coded = code_adverse_event_term(meddra_code=SEPSIS)
    assert (coded.term, coded.meddra_code, coded.soc) == (
        "Sepsis", SEPSIS, "Infections and infestations",
    )  # fmt: skip


def test_other_specify_is_coded_to_the_catch_all_term_of_the_soc_the_site_picks() -> None:
    by_soc = code_adverse_event_term(
        other_term=" Hiccup attacks ", soc="Gastrointestinal disorders"
    )
    by_code = code_adverse_event_term(meddra_code=GI_OTHER, other_term="Hiccup attacks")
    for coded in (by_soc, by_code):
        assert (coded.term, coded.meddra_code, coded.soc) == (
            "Hiccup attacks", GI_OTHER, "Gastrointestinal disorders",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"meddra_code": 42}, "meddra_code"),
        ({"meddra_code": GI_OTHER}, "other_term"),
        ({"meddra_code": SEPSIS, "other_term": "extra words"}, "other_term"),
        ({"meddra_code": SEPSIS, "soc": "Cardiac disorders"}, "soc"),
        ({"other_term": "Hiccup attacks"}, "soc"),
        ({"other_term": "Hiccup attacks", "soc": "Hiccups"}, "soc"),
        ({"soc": "Cardiac disorders"}, "other_term"),
        ({}, "term"),
    ],
)
def test_an_incomplete_or_unknown_choice_is_refused_naming_the_field(
    given: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as refused:
        code_adverse_event_term(**given)  # type: ignore[arg-type]
    assert [e.field for e in refused.value.errors] == [field]


def test_a_bare_term_is_coded_when_it_names_a_ctcae_term_else_kept_uncoded() -> None:
    assert code_adverse_event_term(term="sepsis").meddra_code == SEPSIS
    uncoded = code_adverse_event_term(term="Rash")
    assert (uncoded.term, uncoded.meddra_code, uncoded.soc, uncoded.coded) == (
        "Rash", None, None, False,
    )  # fmt: skip


def test_a_death_is_from_an_adverse_event_when_its_cause_is_a_ctcae_term() -> None:
    sepsis = fatal_adverse_event_term("sepsis")
    assert sepsis is not None
    assert sepsis.meddra_code == SEPSIS
    assert fatal_adverse_event_term("Disease progression") is None
    assert fatal_adverse_event_term("relapse of the primary disease") is None
    assert fatal_adverse_event_term(None) is None


def test_the_package_copy_is_the_published_list() -> None:
    text = (resources.files("trialdesk.domain") / "data" / "ctcae_v5_terms.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows[0]["term"] == "Anemia"
    assert {r["meddra_code"] for r in rows} == {str(t.meddra_code) for t in ctcae_terminology()}
