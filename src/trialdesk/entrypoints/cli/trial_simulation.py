"""``trialdesk simulate`` (operating characteristics) and ``trialdesk samplesize``."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.entrypoints.cli.output import JsonOption, console, emit
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption

if TYPE_CHECKING:
    from trialdesk.simulation.operating import OperatingCharacteristics, ProgressCallback
    from trialdesk.stats.sample_size import TwoProportionDesign

__all__ = ["samplesize", "simulate"]

MAX_REPLICATES = 1_000_000
#: Runs at least this long (in replicates) show a progress bar on an interactive stderr.
_PROGRESS_FROM = 2_000


class Backend(enum.StrEnum):
    LOCAL = "local"
    DASK = "dask"


class SizeMethod(enum.StrEnum):
    NORMAL = "normal"
    NORMAL_CC = "normal-cc"
    SIMULATED = "simulated"


@contextmanager
def _progress(total: int) -> Iterator[ProgressCallback]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    stderr = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=total < _PROGRESS_FROM or not stderr.is_terminal,
    ) as bar:
        task = bar.add_task("replicate trials", total=total)
        yield lambda done: bar.advance(task, done)


def simulate(
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario",
            help="Scenario YAML file, or the built-in 'default' (design assumptions) or 'null'.",
        ),
    ] = "default",
    replicates: Annotated[int, typer.Option("--replicates", help="Virtual trials.")] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed; the same seed gives the same result.")
    ] = 1,
    backend: Annotated[str, typer.Option("--backend", help="local or dask.")] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Address of a running Dask scheduler (with --backend dask)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Workers of the local Dask cluster.")
    ] = 2,
    protocol: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """Simulate the trial: power (or type I error), CR difference, CR and ORR, doses."""
    from trialdesk.adapters.scenario_file import builtin_scenario_path, read_scenario_file
    from trialdesk.bootstrap import load_protocol
    from trialdesk.simulation.operating import plan_batches, simulate_locally, summarise

    problems = []
    if not 1 <= replicates <= MAX_REPLICATES:
        problems.append(FieldError("--replicates", f"must be between 1 and {MAX_REPLICATES}"))
    if seed < 0:
        problems.append(FieldError("--seed", "must be ≥ 0"))
    if backend not in {b.value for b in Backend}:
        problems.append(FieldError("--backend", f"{backend!r} is not one of local, dask"))
    if scheduler is not None and backend != Backend.DASK:
        problems.append(FieldError("--scheduler", "needs --backend dask"))
    if problems:
        raise InputError(problems)
    trial = load_protocol(protocol)
    path = builtin_scenario_path(scenario) if scenario in ("default", "null") else Path(scenario)
    virtual = read_scenario_file(path)
    batches = plan_batches(replicates, seed)
    with _progress(replicates) as progress:
        if backend == Backend.DASK:
            from trialdesk.simulation.dask_backend import dask_client, simulate_on_dask

            with dask_client(scheduler, workers) as client:
                outcomes = simulate_on_dask(client, trial, virtual, batches, progress)
        else:
            outcomes = simulate_locally(trial, virtual, batches, progress)
    result = summarise(outcomes, virtual, seed, trial.analysis.alpha)
    emit(result, as_json=json, render=_render_simulation)


def _render_simulation(result: OperatingCharacteristics) -> None:
    from rich.table import Table

    console.print(
        f"[bold]{result.scenario}[/] scenario: {result.replicates} trials of {result.subjects} "
        f"patients (seed {result.seed}); "
        f"expected accrual {result.expected_accrual_months:.1f} months"
    )
    console.print(
        f"rejection rate (power, or type I error under a null) {result.rejection_rate:.3f} "
        f"± {result.rejection_rate_mc_se:.3f} (Monte Carlo SE) at two-sided α {result.alpha:g}"
    )
    quantiles = ", ".join(f"{q}: {v:+.3f}" for q, v in result.difference_quantiles.items())
    console.print(
        f"CR difference: mean {result.difference_mean:+.3f}, sd {result.difference_sd:.3f}; "
        f"quantiles {quantiles}"
    )
    table = Table(title_justify="left")
    rows: list[tuple[str, Any]] = [
        ("patients randomized", lambda a: f"{a.mean_randomized:.1f}"),
        ("CR at week 4", lambda a: f"{a.complete_response:.3f}"),
        ("ORR at week 4", lambda a: f"{a.overall_response:.3f}"),
        ("switched therapy", lambda a: f"{a.switched:.3f}"),
        ("repeated course", lambda a: f"{a.repeated_course:.3f}"),
        ("death by week 52", lambda a: f"{a.death_by_week_52:.3f}"),
        ("chronic GVHD by week 52", lambda a: f"{a.chronic_gvhd_by_week_52:.3f}"),
        ("relapse by week 52", lambda a: f"{a.relapse_by_week_52:.3f}"),
    ]
    codes = sorted({c for a in result.arms for c in a.mean_doses})
    rows += [(f"mean {c} doses", lambda a, c=c: f"{a.mean_doses[c]:.2f}") for c in codes]
    table.add_column("per patient")
    for arm in result.arms:
        table.add_column(arm.arm, justify="right")
    for label, cell in rows:
        table.add_row(label, *(cell(a) for a in result.arms))
    console.print(table)


def samplesize(
    p_control: Annotated[float, typer.Option("--p-control", help="Control response probability.")],
    p_treatment: Annotated[
        float, typer.Option("--p-treatment", help="Experimental response probability.")
    ],
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
    power: Annotated[float, typer.Option("--power", help="Target power.")] = 0.80,
    sides: Annotated[int, typer.Option("--sides", help="1- or 2-sided test.")] = 2,
    dropout: Annotated[
        float, typer.Option("--dropout", help="Share of randomized patients not evaluable.")
    ] = 0.0,
    method: Annotated[
        str, typer.Option("--method", help="normal, normal-cc (Fleiss) or simulated.")
    ] = "normal",
    replicates: Annotated[
        int, typer.Option("--replicates", help="Trials per candidate n (--method simulated).")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed (--method simulated).")] = 1,
    json: JsonOption = False,
) -> None:
    """Subjects per arm and in total to compare two proportions (equal allocation)."""
    from trialdesk.stats.sample_size import (
        TwoProportionDesign,
        analytic_power,
        per_arm_normal,
        per_arm_with_dropout,
    )

    if method not in {m.value for m in SizeMethod}:
        raise InputError.single(
            "--method", f"{method!r} is not one of normal, normal-cc, simulated"
        )
    try:
        design = TwoProportionDesign(p_control, p_treatment, alpha, power, sides)
    except InputError as error:
        raise InputError(
            FieldError(f"--{e.field.replace('_', '-')}", e.message) for e in error.errors
        ) from None
    if not 0.0 <= dropout < 1.0:
        raise InputError.single("--dropout", "must be at least 0 and below 1")
    if method == SizeMethod.SIMULATED:
        if not 100 <= replicates <= MAX_REPLICATES:
            raise InputError.single("--replicates", f"must be between 100 and {MAX_REPLICATES}")
        import numpy as np

        from trialdesk.simulation.sample_size import simulated_per_arm

        evaluable = simulated_per_arm(design, replicates, np.random.default_rng(seed))
    else:
        evaluable = per_arm_normal(design, continuity_correction=method == SizeMethod.NORMAL_CC)
    randomized = per_arm_with_dropout(evaluable, dropout)
    document = {
        "design": design,
        "method": method,
        "dropout": dropout,
        "evaluable_per_arm": evaluable,
        "evaluable_total": 2 * evaluable,
        "per_arm": randomized,
        "total": 2 * randomized,
        "analytic_power_at_evaluable_per_arm": analytic_power(design, evaluable),
        **({"replicates": replicates, "seed": seed} if method == SizeMethod.SIMULATED else {}),
    }
    emit(document, as_json=json, render=_render_size)


def _render_size(document: dict[str, Any]) -> None:
    design: TwoProportionDesign = document["design"]
    console.print(
        f"{design.p_control:g} vs {design.p_treatment:g}, {design.sides}-sided α {design.alpha:g}, "
        f"power {design.power:g} ({document['method']}): {document['evaluable_per_arm']} evaluable "
        f"per arm ({document['evaluable_total']} in total)"
    )
    if document["dropout"]:
        console.print(
            f"with {document['dropout']:.0%} dropout: randomize {document['per_arm']} per arm, "
            f"[bold]{document['total']}[/] in total"
        )
