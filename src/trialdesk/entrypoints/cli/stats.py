"""``trialdesk stats``: the statistics library on exported data, for trial statisticians."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.entrypoints.cli.output import JsonOption, console, emit, new_app

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["app"]

app = new_app("stats", "Statistics on exported data: proportions, survival, competing risks.")

_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

CsvOption = Annotated[Path, typer.Option("--csv", help="CSV file, one row per subject.")]
TimeOption = Annotated[str, typer.Option("--time", help="Column with the follow-up time.")]
AlphaOption = Annotated[
    float, typer.Option("--alpha", help="Two-sided significance level (0.05 gives 95 % CIs).")
]


def _fraction(text: str, argument: str) -> tuple[int, int]:
    match = _FRACTION.match(text)
    if match is None:
        raise InputError.single(
            argument, f"expected responders/subjects such as 12/30, got {text!r}"
        )
    return int(match.group(1)), int(match.group(2))


def _read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise InputError.single("--csv", f"no such file: {path}")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError.single("--csv", f"cannot read {path} as CSV ({error})") from None


def _column(frame: pd.DataFrame, name: str, option: str, *, numeric: bool = True) -> pd.Series:
    """One column, checked: present, complete and (when ``numeric``) numeric."""
    import numpy as np
    import pandas as pd

    if name not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise InputError.single(option, f"no column {name!r} in the CSV (columns: {columns})")
    column = frame[name]
    if column.isna().any():
        row = int(np.flatnonzero(column.isna().to_numpy())[0]) + 2  # header is line 1
        raise InputError.single(option, f"column {name!r} has a missing value on line {row}")
    if numeric:
        converted = pd.to_numeric(column, errors="coerce")
        if converted.isna().any():
            index = int(np.flatnonzero(converted.isna().to_numpy())[0])
            raise InputError.single(
                option,
                f"column {name!r} has a non-numeric value {column.iloc[index]!r} "
                f"on line {index + 2}",
            )
        return converted.astype(float)
    return column


def _names(text: str, option: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InputError.single(option, "name at least one column, separated by commas")
    return names


def _numbers(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError.single(
            option, f"expected numbers separated by commas, got {text!r}"
        ) from None
    if not values or not all(math.isfinite(v) for v in values):
        raise InputError.single(option, f"expected finite numbers, got {text!r}")
    return values


def _renamed(error: InputError, options: dict[str, str]) -> InputError:
    return InputError(FieldError(options.get(e.field, e.field), e.message) for e in error.errors)


def _print_sections(sections: dict[str, str]) -> None:
    for key, text in sections.items():
        if text:
            console.print(f"[bold]{key}[/]")
            console.print(text, highlight=False, markup=False)


@app.command("proportions")
def proportions(
    first: Annotated[str, typer.Argument(metavar="X1/N1", help="Responders/subjects, group 1.")],
    second: Annotated[str, typer.Argument(metavar="X2/N2", help="Responders/subjects, group 2.")],
    alpha: AlphaOption = 0.05,
    json: JsonOption = False,
) -> None:
    """Compare two proportions: risk difference, odds ratio, chi-square and Fisher tests."""
    from trialdesk.stats import compare_proportions

    x1, n1 = _fraction(first, "X1/N1")
    x2, n2 = _fraction(second, "X2/N2")
    try:
        result = compare_proportions(x1, n1, x2, n2, alpha=alpha)
    except InputError as error:
        names = {"x1": "X1/N1", "n1": "X1/N1", "x2": "X2/N2", "n2": "X2/N2", "alpha": "--alpha"}
        raise _renamed(error, names) from None
    emit(result.to_dict(), as_json=json, render=lambda _: result.print_summary())


TiesOption = Annotated[
    str, typer.Option("--ties", help="Tied event times in the Cox model: efron (as R) or breslow.")
]


def _survival_strata(frame: pd.DataFrame, names: list[str]) -> pd.Series:
    """One stratum label per subject: the combination of the named columns."""
    columns = [_column(frame, name, "--strata", numeric=False).astype(str) for name in names]
    combined = columns[0]
    for column in columns[1:]:
        combined = combined + " / " + column
    return combined


@app.command("survival")
def survival(
    csv: CsvOption,
    time: TimeOption,
    event: Annotated[str, typer.Option("--event", help="Column: 1 event, 0 censored.")],
    group: Annotated[str | None, typer.Option("--group", help="Column to compare.")] = None,
    covariates: Annotated[
        str | None, typer.Option("--covariates", help="Cox model covariates, e.g. arm,age.")
    ] = None,
    strata: Annotated[
        str | None,
        typer.Option("--strata", help="Columns stratifying the log-rank test and Cox model."),
    ] = None,
    ties: TiesOption = "efron",
    landmark: Annotated[
        str | None, typer.Option("--landmark", help="Survival at these days, e.g. 90,180,365.")
    ] = None,
    rmst_tau: Annotated[
        float | None, typer.Option("--rmst", help="Restricted mean survival time to this day.")
    ] = None,
    alpha: AlphaOption = 0.05,
    json: JsonOption = False,
) -> None:
    """Kaplan–Meier medians (log-log CIs), landmarks, RMST, log-rank test and Cox model."""
    import pandas as pd

    from trialdesk.stats import CoxPH, KaplanMeier, landmark_survival, logrank_test, rmst

    if strata and not (group or covariates):
        raise InputError.single(
            "--strata",
            "stratifies the log-rank test or the Cox model: give --group or --covariates",
        )
    frame = _read_csv(csv)
    times = _column(frame, time, "--time")
    events = _column(frame, event, "--event")
    options = {"time": "--time", "event": "--event", "group": "--group", "strata": "--strata",
               "ties": "--ties", "tau": "--rmst", "times": "--landmark",
               "alpha": "--alpha"}  # fmt: skip
    document: dict[str, Any] = {"n": len(frame)}
    text: dict[str, str] = {}
    try:
        groups = _column(frame, group, "--group", numeric=False) if group else None
        strata_names = _names(strata, "--strata") if strata else []
        stratum = _survival_strata(frame, strata_names) if strata_names else None
        if groups is None:
            curves = [KaplanMeier(alpha, label="all").fit(times, events)]
        else:
            curves = [
                KaplanMeier(alpha, label=str(level)).fit(
                    times[groups == level], events[groups == level]
                )
                for level in sorted(groups.unique())
            ]
        document["kaplan_meier"] = [
            {k: v for k, v in c.to_dict().items() if k != "curve"} for c in curves
        ]
        text["Kaplan–Meier"] = pd.concat([c.summary for c in curves]).round(4).to_string()
        if landmark:
            days = _numbers(landmark, "--landmark")
            at = landmark_survival(times, events, days, groups, alpha=alpha)
            document["landmark"] = at.to_dict()
            text["Survival at landmark days (log-log CI)"] = _with_reasons(at.summary)
        if rmst_tau is not None:
            restricted = rmst(times, events, rmst_tau, groups, alpha=alpha)
            document["rmst"] = restricted.to_dict()
            text[f"Restricted mean survival time to day {rmst_tau:g}"] = restricted.summary_text(
                4
            ).split("\n", 1)[1]
        if groups is not None:
            test = logrank_test(times, events, groups, stratum)
            document["logrank"] = test.to_dict()
            text["Log-rank test"] = f"{test.summary.round(4).to_string()}\n{test.conclusion}"
        if covariates:
            names = _names(covariates, "--covariates")
            for name in names:
                _column(frame, name, "--covariates")
            model = CoxPH(alpha, ties=ties).fit(
                frame.assign(**{time: times, event: events}),
                time=time, event=event, covariates=names, strata=strata_names or None,
            )  # fmt: skip
            document["cox"] = model.to_dict()
            text["Cox model"] = model.summary_text(4).split("\n", 1)[1]
    except InputError as error:
        raise _renamed(error, options) from None
    emit(document, as_json=json, render=lambda _: _print_sections(text))


def _with_reasons(summary: pd.DataFrame) -> str:
    """A table whose undefined rows say why underneath instead of showing blanks."""
    table = summary.drop(columns=["reason"]).round(4).to_string()
    reasons = [f"{label}, day {day:g}: {reason}"
               for (label, day), reason in zip(summary.index.tolist(), summary["reason"].tolist(),
                                               strict=True) if reason]  # fmt: skip
    return "\n".join([table, *reasons])


@app.command("cuminc")
def cuminc(
    csv: CsvOption,
    time: TimeOption,
    status: Annotated[str, typer.Option("--status", help="Column: 0 censored, 1..k cause.")],
    group: Annotated[str, typer.Option("--group", help="Column with the groups to compare.")],
    times: Annotated[
        str | None, typer.Option("--times", help="Report at these times, e.g. 28,56,180.")
    ] = None,
    strata: Annotated[
        str | None, typer.Option("--strata", help="Column stratifying Gray's test.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Cumulative incidence by cause and group (with variance) and Gray's test."""
    import numpy as np
    import pandas as pd

    from trialdesk.stats import CumulativeIncidence

    frame = _read_csv(csv)
    follow_up = _column(frame, time, "--time")
    statuses = _column(frame, status, "--status")
    groups = _column(frame, group, "--group", numeric=False)
    stratum = _column(frame, strata, "--strata", numeric=False) if strata else None
    at = (
        _numbers(times, "--times")
        if times
        else sorted({float(v) for v in np.quantile(follow_up, [0.25, 0.5, 0.75])})
    )
    try:
        model = CumulativeIncidence().fit(follow_up, statuses, groups, stratum)
    except InputError as error:
        raise _renamed(
            error, {"time": "--time", "status": "--status", "group": "--group"}
        ) from None
    estimates = model.at(at)
    document = {
        "n": model.n_,
        "groups": [str(g) for g in model.groups_],
        "causes": model.causes_,
        "times": at,
        "estimates": estimates.to_dict(orient="records"),
        "tests": [t.to_dict() for t in model.tests_],
    }
    text = {
        "Cumulative incidence": estimates.round(4).to_string(index=False),
        "Gray's test": (
            pd.concat([t.summary for t in model.tests_]).round(4).to_string()
            if model.tests_
            else ""
        ),
    }
    emit(document, as_json=json, render=lambda _: _print_sections(text))


@app.command("finegray")
def finegray(
    csv: CsvOption,
    time: TimeOption,
    status: Annotated[str, typer.Option("--status", help="Column: 0 censored, 1..k cause.")],
    covariates: Annotated[str, typer.Option("--covariates", help="Columns, e.g. arm,age.")],
    cause: Annotated[int, typer.Option("--cause", help="Cause of interest.")] = 1,
    alpha: AlphaOption = 0.05,
    json: JsonOption = False,
) -> None:
    """Fine–Gray subdistribution hazard ratios for one cause (robust standard errors)."""
    import pandas as pd

    from trialdesk.stats import FineGray

    frame = _read_csv(csv)
    follow_up = _column(frame, time, "--time")
    statuses = _column(frame, status, "--status")
    names = _names(covariates, "--covariates")
    design = pd.DataFrame({name: _column(frame, name, "--covariates") for name in names})
    try:
        model = FineGray(alpha).fit(follow_up, statuses, design, cause=cause)
    except InputError as error:
        raise _renamed(error, {"time": "--time", "status": "--status", "cause": "--cause",
                               "alpha": "--alpha"}) from None  # fmt: skip
    emit(model.to_dict(), as_json=json, render=lambda _: model.print_summary())


@app.command("stratified")
def stratified(
    csv: CsvOption,
    response: Annotated[str, typer.Option("--response", help="Column: 1 response, 0 none.")],
    group: Annotated[str, typer.Option("--group", help="Column with the two groups.")],
    strata: Annotated[str, typer.Option("--strata", help="Stratum columns, e.g. site,grade.")],
    alpha: AlphaOption = 0.05,
    json: JsonOption = False,
) -> None:
    """Stratified 2×2 analysis: CMH test, Breslow–Day, common risk difference, logistic model."""
    import pandas as pd

    from trialdesk.stats import (
        StratifiedLogisticRegression,
        breslow_day,
        mantel_haenszel,
        stratified_risk_difference,
        stratified_tables,
    )
    from trialdesk.stats._checks import check_alpha

    try:
        check_alpha(alpha)
    except InputError as error:
        raise _renamed(error, {"alpha": "--alpha"}) from None
    frame = _read_csv(csv)
    outcome = _column(frame, response, "--response")
    groups = _column(frame, group, "--group", numeric=False)
    names = _names(strata, "--strata")
    columns = {name: _column(frame, name, "--strata", numeric=False) for name in names}
    key = pd.Series([" / ".join(map(str, row)) for row in zip(*columns.values(), strict=True)])
    options = {"response": "--response", "group": "--group", "stratum": "--strata"}
    try:
        tables = stratified_tables(outcome.to_numpy(), groups.to_numpy(), key.to_numpy())
    except InputError as error:
        raise _renamed(error, options) from None
    first, second = sorted(groups.unique(), reverse=True)  # the first row of every table
    document: dict[str, Any] = {
        "n": len(frame),
        "groups": [str(first), str(second)],
        "strata": sorted(key.unique()),
        "tables": tables.tolist(),
    }
    text: dict[str, str] = {}
    try:
        cmh = mantel_haenszel(tables, alpha=alpha)
    except InputError as error:
        document["cmh"] = {"estimable": False, "reason": f"not estimable: {error}"}
        text["Cochran–Mantel–Haenszel"] = document["cmh"]["reason"]
    else:
        document["cmh"] = {"estimable": True, **cmh.to_dict()}
        text["Cochran–Mantel–Haenszel"] = cmh.summary.round(4).to_string()
    homogeneity = breslow_day(tables)
    difference = stratified_risk_difference(tables, alpha=alpha)
    document["breslow_day"] = homogeneity.to_dict()
    document["risk_difference"] = difference.to_dict()
    model_frame = pd.DataFrame(
        {"response": outcome.to_numpy(), "treatment": (groups == first).astype(int).to_numpy()}
        | {name: column.astype(str).to_numpy() for name, column in columns.items()}
    )
    labels = {1: f"{group} {first}", 0: f"{group} {second}"}
    model = StratifiedLogisticRegression(alpha).fit(
        model_frame, response="response", treatment="treatment", strata=names, labels=labels
    )
    document["logistic"] = model.to_dict()
    for title, result in (("Breslow–Day", homogeneity), ("Risk difference", difference)):
        text[title] = result.reason or result.summary.round(4).to_string()
    text["Logistic regression"] = model.reason_ or model.summary.round(4).to_string()
    for title, result in (("Breslow–Day", homogeneity), ("Risk difference", difference)):
        if result.dropped:
            text[title] += "\nleft out: " + "; ".join(result.dropped)
    emit(document, as_json=json, render=lambda _: _print_sections(text))
