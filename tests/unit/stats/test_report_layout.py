"""Report layout pieces without a database: caption numbering, the generation stamp, the plan's
words, per-arm intervals and the tipping point against R (tests/golden/make_golden_reports.R),
and the sensitivity analyses declared in the protocol file."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import yaml
from golden_values import ESTIMATE_RTOL, P_VALUE_RTOL, assert_close

from trialdesk.adapters.protocol_file import builtin_protocol_path, parse_protocol
from trialdesk.bootstrap import load_protocol
from trialdesk.domain.errors import InputError, ProtocolError
from trialdesk.domain.protocol import SensitivityAnalysis
from trialdesk.domain.protocol.analysis_words import primary_analysis_name
from trialdesk.stats.exact_binomial import clopper_pearson_ci, proportion_cis
from trialdesk.stats.reports.groups import ReportKind
from trialdesk.stats.reports.layout import LIST_MARKER, number_captions
from trialdesk.stats.reports.report_stamp import approval_roles, generation_stamp
from trialdesk.stats.tipping_point import tipping_point

_DOCUMENT = f"""<h1>Report</h1>{LIST_MARKER}
<table class="td-table"><caption class="td-caption">Baseline &amp; more</caption></table>
<figure class="td-figure"><img src="x"><figcaption class="td-caption">Survival</figcaption></figure>
<table class="stamp"><caption>not numbered</caption></table>
<table class="td-table">
<caption class="td-caption">
  Adverse events
</caption></table>"""


def test_captions_are_numbered_in_document_order_as_text_and_listed() -> None:
    html, captions = number_captions(_DOCUMENT)
    assert [(c.kind, c.number, c.title) for c in captions] == [
        ("Table", 1, "Baseline & more"), ("Figure", 1, "Survival"), ("Table", 2, "Adverse events"),
    ]  # fmt: skip
    assert '<caption class="td-caption" id="table-1">Table 1. Baseline &amp; more' in html
    assert '<figcaption class="td-caption" id="figure-1">Figure 1. Survival' in html
    assert 'id="table-2">Table 2. \n  Adverse events' in html
    assert "<caption>not numbered</caption>" in html
    assert LIST_MARKER not in html
    contents = html.split('<nav class="td-list"')[1].split("</nav>")[0]
    assert '<a href="#table-2">Table 2. Adverse events</a>' in contents
    assert '<a href="#table-1">Table 1. Baseline &amp; more</a>' in contents
    assert contents.index("List of tables") < contents.index("List of figures")


def test_a_document_without_captions_is_left_as_it_is() -> None:
    html, captions = number_captions("<p>nothing</p>")
    assert (html, captions) == ("<p>nothing</p>", [])


def test_the_generation_stamp_gives_utc_and_the_trial_zone() -> None:
    moment = dt.datetime(2027, 3, 2, 8, 15, tzinfo=dt.UTC)
    assert generation_stamp(moment, "Asia/Shanghai") == (
        "2027-03-02 08:15 UTC (2027-03-02 16:15 Asia/Shanghai)"
    )
    assert generation_stamp(moment, "UTC") == "2027-03-02 08:15 UTC"
    assert generation_stamp(moment, "Not/AZone") == "2027-03-02 08:15 UTC"
    assert generation_stamp(moment.replace(tzinfo=None), "UTC") == "2027-03-02 08:15 UTC"


def test_the_final_report_is_signed_by_the_sponsor_and_a_dsmb_report_by_the_chair() -> None:
    assert approval_roles(ReportKind.FINAL) == ["Trial statistician", "Sponsor representative"]
    for kind in (ReportKind.DSMB_CLOSED, ReportKind.DSMB_OPEN):
        assert approval_roles(kind) == ["Trial statistician", "DSMB chair"]


def test_the_primary_analysis_is_named_in_the_plans_words() -> None:
    plan = load_protocol().analysis
    assert primary_analysis_name(plan, "Complete response at week 4") == (
        "Complete response at week 4 — full analysis set — difference in proportions, Newcombe "
        "hybrid score 95 % CI, stratified Cochran–Mantel–Haenszel test"
    )
    other = dataclasses.replace(plan, test="fisher", stratified_test="logistic")
    name = primary_analysis_name(other, "Complete response at week 4")
    assert name.endswith("Fisher's exact test, conditional odds ratio with exact 95 % CI, "
                         "logistic regression adjusted for the randomization stratum")  # fmt: skip


def test_per_arm_intervals_match_binom_test_and_prop_test(golden: Callable[[str], Any]) -> None:
    cases = golden("reports")["proportion_intervals"]
    assert len(cases) >= 20
    for case in cases:
        x, n, alpha = case["x"], case["n"], case["alpha"]
        assert_close(clopper_pearson_ci(x, n, alpha=alpha), case["clopper_pearson"],
                     ESTIMATE_RTOL)  # fmt: skip
        both = proportion_cis(x, n, alpha=alpha)
        assert_close(both["wilson"], case["wilson"], ESTIMATE_RTOL)
        assert both["clopper_pearson"] == clopper_pearson_ci(x, n, alpha=alpha)


@pytest.mark.parametrize(("x", "n", "field"), [(3, 2, "x"), (0, 0, "n"), (-1, 4, "x")])
def test_an_impossible_proportion_is_refused_naming_the_argument(x: int, n: int,
                                                                 field: str) -> None:  # fmt: skip
    with pytest.raises(InputError) as refused:
        clopper_pearson_ci(x, n)
    assert refused.value.errors[0].field == field


def test_the_tipping_point_grid_matches_prop_test(golden: Callable[[str], Any]) -> None:
    for case in golden("reports")["tipping_point"]:
        grid = tipping_point(case["x1"], case["n1"], case["m1"], case["x2"], case["n2"],
                             case["m2"])  # fmt: skip
        assert grid.difference.shape == (case["m1"] + 1, case["m2"] + 1)
        for cell in case["cells"]:
            k1, k2 = cell["k1"], cell["k2"]
            assert_close(grid.difference[k1, k2], cell["difference"], ESTIMATE_RTOL)
            assert_close(grid.p_value[k1, k2], cell["p"], P_VALUE_RTOL)


def test_the_tipping_point_marks_where_the_conclusion_changes() -> None:
    # 20/65 vs 14/65 with 6 and 4 missing: not significant as observed; imputing every missing
    # experimental subject a responder and none in control makes it significant.
    grid = tipping_point(20, 65, 6, 14, 65, 4)
    assert not grid.significant[0, 0]
    assert grid.significant[6, 0]
    assert grid.flips[6, 0]
    assert not grid.flips[0, 4]
    expected = (26 / 65 - 14 / 65) * 100
    assert np.isclose(grid.difference[6, 0] * 100, expected)


def test_the_tipping_point_refuses_more_missing_than_subjects() -> None:
    with pytest.raises(InputError) as refused:
        tipping_point(60, 65, 6, 14, 65, 4)
    assert refused.value.errors[0].field == "m1"


_BUILTIN: dict[str, Any] = yaml.safe_load(builtin_protocol_path().read_text(encoding="utf-8"))


def _parsed(sensitivity: Any) -> Any:
    document = copy.deepcopy(_BUILTIN)
    if sensitivity is None:
        del document["analysis"]["sensitivity"]
    else:
        document["analysis"]["sensitivity"] = sensitivity
    return parse_protocol(yaml.safe_dump(document, allow_unicode=True))


def test_the_protocol_declares_its_sensitivity_analyses_in_order() -> None:
    assert load_protocol().analysis.sensitivity == (
        SensitivityAnalysis.PER_PROTOCOL, SensitivityAnalysis.WORST_CASE,
        SensitivityAnalysis.BEST_CASE, SensitivityAnalysis.TIPPING_POINT,
    )  # fmt: skip
    assert _parsed(["tipping_point", "per_protocol"]).analysis.sensitivity == (
        SensitivityAnalysis.TIPPING_POINT, SensitivityAnalysis.PER_PROTOCOL,
    )  # fmt: skip
    assert _parsed(None).analysis.sensitivity == ()


@pytest.mark.parametrize(
    ("sensitivity", "message"),
    [(["multiple_imputation"], "analysis.sensitivity[0]: must be one of"),
     (["worst_case", "worst_case"], "analysis.sensitivity: Value error, listed more than once: "
                                    "worst_case")],
)  # fmt: skip
def test_an_unknown_or_repeated_sensitivity_analysis_is_refused_by_field(
    sensitivity: list[str], message: str
) -> None:
    with pytest.raises(ProtocolError) as refused:
        _parsed(sensitivity)
    assert next(str(e) for e in refused.value.errors).startswith(message)
