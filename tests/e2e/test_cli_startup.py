"""The command line starts without the heavy libraries: each command imports what it uses.

Every check runs in a fresh interpreter (this test process has long imported everything) and
reads that interpreter's ``sys.modules`` after the command finished.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main
from typer.core import TyperGroup

import trialdesk
from trialdesk.entrypoints.cli.app import app

#: Top-level packages that take tens to thousands of milliseconds to import.
HEAVY = frozenset(
    {
        "alembic",
        "dask",
        "distributed",
        "fastapi",
        "jinja2",
        "lifelines",
        "matplotlib",
        "numpy",
        "pandas",
        "scipy",
        "sqlalchemy",
        "statsmodels",
        "uvicorn",
        "weasyprint",
    }
)

# Runs the console-script entry point once per argument list, in one interpreter, then prints
# the modules it imported as the last line of stderr.
_RUNNER = """
import json, sys
from trialdesk.entrypoints.cli.app import main
for argv in json.loads(sys.argv[1]):
    sys.argv = ["trialdesk", *argv]
    try:
        main()
    except SystemExit as exit:
        if exit.code not in (0, None):
            raise
sys.stderr.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
"""


def _run(*argvs: list[str]) -> tuple[str, set[str]]:
    """Stdout of the commands and the modules their interpreter imported."""
    env = {**os.environ, "PYTHONPATH": str(Path(trialdesk.__file__).parents[1]), "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(list(argvs))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def _packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    _, imported = _run()
    assert _packages(imported) & HEAVY == set()
    assert "trialdesk.entrypoints.cli.app" in imported


def test_help_of_every_group_and_command_loads_no_heavy_library() -> None:
    groups = {
        "protocol": ["show", "validate"],
        "gvhd": ["stage", "response", "steroid-refractory", "chronic", "risk"],
        "db": ["upgrade", "backup", "restore"],
        "audit": ["verify", "export"],
        "site": ["add", "list", "time-zone"],
        "user": [
            "add",
            "grant",
            "revoke",
            "list",
            "password",
            "deactivate",
            "reactivate",
            "reset-password",
            "reset-two-factor",
        ],
        "randomization": ["simulate", "generate", "verify", "export", "balance"],
        "stats": ["proportions", "survival", "cuminc", "finegray"],
        "export": ["datasets"],
        "report": ["final", "dsmb"],
    }
    single = ["calendar", "eligibility", "serve", "demo", "simulate", "samplesize"]
    argvs = [["--help"], ["--version"]]
    argvs += [[name, "--help"] for name in single]
    argvs += [[group, "--help"] for group in groups]
    argvs += [[group, name, "--help"] for group, names in groups.items() for name in names]
    out, imported = _run(*argvs)
    assert _packages(imported) & HEAVY == set()
    # Each page really was shown: the usage line of every command and group is there.
    for argv in argvs[2:]:
        assert f"Usage: trialdesk {' '.join(argv[:-1])} " in out


@pytest.mark.parametrize(
    ("argv", "needs"),
    [
        (["gvhd", "stage", "--skin-bsa", "30", "--bilirubin", "2.5", "--stool-ml", "800"], "grade"),
        (["gvhd", "response", "--baseline", "2,1,0,3", "--current", "1,0,0,1"], "response"),
        (
            ["gvhd", "risk", "--skin", "3", "--liver", "0", "--upper-gi", "0", "--lower-gi", "2"],
            "minnesota_risk",
        ),
    ],
)
def test_gvhd_scores_load_numpy_and_nothing_heavier(argv: list[str], needs: str) -> None:
    out, imported = _run([*argv, "--json"])
    assert needs in json.loads(out)
    assert _packages(imported) & HEAVY == {"numpy"}  # the rules run on numpy arrays
    # Only the gvhd group is built; the other groups' modules are not even imported.
    commands = {m for m in imported if m.startswith("trialdesk.entrypoints.cli.")}
    assert "trialdesk.entrypoints.cli.gvhd" in commands
    assert commands.isdisjoint(
        {"trialdesk.entrypoints.cli.stats", "trialdesk.entrypoints.cli.serve"}
    )


def test_the_dataset_format_choices_are_the_exporters_formats() -> None:
    # The option repeats the values so that its help needs no pandas; they must not drift.
    from trialdesk.entrypoints.cli.analysis import DatasetFormat
    from trialdesk.stats.datasets import ExportFormat

    assert [f.value for f in DatasetFormat] == [f.value for f in ExportFormat]


def test_the_root_help_lists_each_command_as_the_built_command_would(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The root's help lists the sub-commands without building their options (a name and a line
    # of help each); the page must be the one the fully built commands give.
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)

    def help_page() -> str:
        assert root.main(["--help"], prog_name="trialdesk", standalone_mode=False) == 0
        return capsys.readouterr().out

    listed = help_page()
    context = typer.Context(root, info_name="trialdesk")
    names = root.list_commands(context)
    assert names[:3] == ["calendar", "eligibility", "serve"]
    assert len(names) == 17
    built = [root.get_command(context, name) for name in names]
    # Built for real: a group, or a command with its options.
    assert all(isinstance(c, TyperGroup) or (c is not None and c.params) for c in built)
    assert help_page() == listed
    assert "Stage, grade and assess the response of acute GVHD." in listed
