"""``trialdesk randomization``: simulate the randomization design (list commands join later)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from trialdesk.domain.errors import FieldError, InputError
from trialdesk.entrypoints.cli import randomization_lists
from trialdesk.entrypoints.cli.output import JsonOption, console, emit, new_app
from trialdesk.entrypoints.cli.protocol import ProtocolFileOption
from trialdesk.simulation.covariate_mix import CovariateMix

if TYPE_CHECKING:
    from trialdesk.simulation.randomization_design import DesignMethod

__all__ = ["app"]

app = new_app("randomization", "Randomization lists and the design simulator.")

#: Upper bound that keeps the (replicates × subjects) arrays of one run well inside memory.
MAX_REPLICATES = 100_000
MAX_SUBJECTS = 100_000
_DEFAULT_MIX = CovariateMix()

_METRICS = (
    ("overall_imbalance", "imbalance, overall"),
    ("max_stratum_imbalance", "imbalance, worst stratum"),
    ("mean_stratum_imbalance", "imbalance, mean stratum"),
    ("predictability", "predictability"),
)


@app.command("simulate")
def simulate(
    method: Annotated[
        str, typer.Option("--method", help="blocks, minimization or simple (reference).")
    ] = "blocks",
    subjects: Annotated[int, typer.Option("--subjects", help="Patients per trial.")] = 130,
    replicates: Annotated[int, typer.Option("--replicates", help="Virtual trials.")] = 2000,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed of the simulation; default: a fresh one, reported."),
    ] = None,
    p_grade_iii_iv: Annotated[
        float, typer.Option("--p-grade-iii-iv", help="Share of grade III–IV at baseline.")
    ] = _DEFAULT_MIX.p_grade_iii_iv,
    p_gi_involvement: Annotated[
        float, typer.Option("--p-gi-involvement", help="Share with lower-GI involvement.")
    ] = _DEFAULT_MIX.p_gi_involvement,
    protocol: ProtocolFileOption = None,
    json: JsonOption = False,
) -> None:
    """Simulate the protocol's randomization: final imbalance and predictability."""
    import numpy as np

    from trialdesk.bootstrap import load_protocol
    from trialdesk.simulation.randomization_design import simulate_design

    chosen = _check_options(method, subjects, replicates, seed)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    trial = load_protocol(protocol)
    mix = CovariateMix(p_grade_iii_iv=p_grade_iii_iv, p_gi_involvement=p_gi_involvement)
    try:
        mix.validate()
    except InputError as error:
        raise InputError(
            FieldError(f"--{e.field.replace('_', '-')}", e.message) for e in error.errors
        ) from None
    result = simulate_design(
        trial.randomization, chosen, subjects, replicates, np.random.default_rng(seed), mix
    )
    document = {
        "protocol": trial.identification.nct_id,
        "seed": seed,
        "covariates": mix,
        **{name: getattr(result, name) for name in ("method", "subjects", "replicates", "strata")},
        **{name: getattr(result, name) for name, _ in _METRICS},
    }
    emit(document, as_json=json, render=_render)


def _check_options(method: str, subjects: int, replicates: int, seed: int | None) -> DesignMethod:
    from trialdesk.simulation.randomization_design import DesignMethod

    problems: list[FieldError] = []
    choices = ", ".join(m.value for m in DesignMethod)
    if method not in {m.value for m in DesignMethod}:
        problems.append(FieldError("--method", f"{method!r} is not one of {choices}"))
    if not 1 <= subjects <= MAX_SUBJECTS:
        problems.append(FieldError("--subjects", f"must be between 1 and {MAX_SUBJECTS}"))
    if not 1 <= replicates <= MAX_REPLICATES:
        problems.append(FieldError("--replicates", f"must be between 1 and {MAX_REPLICATES}"))
    if seed is not None and seed < 0:
        problems.append(FieldError("--seed", "must be ≥ 0"))
    if problems:
        raise InputError(problems)
    return DesignMethod(method)


def _render(document: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(
        f"[bold]{document['protocol']}[/]: {document['method']} randomization, "
        f"{document['replicates']} trials of {document['subjects']} patients "
        f"(seed {document['seed']}; strata: {' × '.join(document['strata']) or 'none'})"
    )
    table = Table(title_justify="left")
    for column in ("characteristic", "mean", "sd", "5 %", "median", "95 %", "max"):
        table.add_column(column, justify="left" if column == "characteristic" else "right")
    for name, label in _METRICS:
        s = document[name]
        values = (s.mean, s.sd, s.q05, s.median, s.q95, s.max)
        table.add_row(label, *(f"{v:.3f}" for v in values))
    console.print(table)


randomization_lists.register(app)
