"""Benchmark: the final report on 130 subjects, and all analysis datasets and statistics on a
100,000-subject synthetic database, with R beside it when ``Rscript`` is installed.

1. Final report, 130 subjects. Setup (not timed): a SQLite database filled through the real
   services (screening, consent, central randomization, doses, weekly assessments, AEs,
   outcomes) by the test suite's trial builder. Timed: read the store, derive the datasets,
   compute every section and render HTML + PDF (target < 10 s). Baseline in the same run: the
   bare read of the store.
2. 100,000 subjects. Setup (not timed): rows generated from a seeded Generator and bulk-inserted
   with SQLAlchemy Core into a migrated SQLite file (synthetic stages and response categories,
   not the domain derivation: this measures the analysis path, not data entry). Timed: read,
   datasets, then the statistics the report uses (primary analysis with every variant, CMH,
   KM + log-rank for OS and FFS, cumulative incidence + Gray for three parameters, Fine-Gray)
   (target < 60 s). Baseline: R (``prop.test``, ``fisher.test``, ``mantelhaen.test``,
   ``survfit`` + ``survdiff``, ``cmprsk::cuminc``) on the exported CSV, timed inside R.

Run: python bench/bench_reports.py [N_LARGE]
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from analysis_world import build_analysis_world
from db_fixtures import FAST_PASSWORDS, SettableClock
from trialdesk.adapters.db import tables as t
from trialdesk.adapters.db.analysis_reader import SqlAlchemyAnalysisReader
from trialdesk.adapters.db.engine import create_db_engine
from trialdesk.adapters.db.migrate import upgrade
from trialdesk.bootstrap import build_store, load_protocol
from trialdesk.stats.datasets import build_datasets, write_datasets
from trialdesk.stats.reports import Grouping, ReportKind, build_report, efficacy, write_report

N_LARGE = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
NOW = dt.datetime(2028, 1, 3, 9, 0, tzinfo=dt.UTC)

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(cmprsk)})
args <- commandArgs(trailingOnly = TRUE)
read_time <- system.time({adsl <- read.csv(args[1]); tte <- read.csv(args[2])})[["elapsed"]]
elapsed <- system.time({
  itt <- adsl[adsl$ITTFL == "Y", ]
  tab <- table(factor(itt$ARMCD, c("msc_cd25", "cd25")), factor(itt$CRW4FL, c("Y", "N")))
  prop.test(tab, correct = FALSE); prop.test(tab); fisher.test(tab)
  mantelhaen.test(table(itt$ARMCD, itt$CRW4FL, itt$STRATUM))
  for (p in c("OS", "FFS")) {
    d <- tte[tte$PARAMCD == p, ]
    survfit(Surv(AVAL, EVNTCD == 1) ~ ARMCD, data = d, conf.type = "log-log")
    survdiff(Surv(AVAL, EVNTCD == 1) ~ ARMCD, data = d)
  }
  for (p in c("CGVHD", "RELAPSE", "NRM")) {
    d <- tte[tte$PARAMCD == p, ]
    cuminc(d$AVAL, d$EVNTCD, d$ARMCD)
  }
})[["elapsed"]]
cat(sprintf("%.3f %.3f\n", read_time, elapsed))
"""


def _migrated(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def bench_final_report(workdir: Path) -> None:
    url = _migrated(workdir / "trial130.db")
    clock = SettableClock()
    store = build_store(url, clock=clock, passwords=FAST_PASSWORDS)
    started = time.perf_counter()
    build_analysis_world(store, clock, n_subjects=146)  # 130 randomized after screen failures
    setup = time.perf_counter() - started
    protocol = load_protocol()
    reader = SqlAlchemyAnalysisReader(store.engine)
    started = time.perf_counter()
    reader.read()
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    records = reader.read()
    datasets = build_datasets(records, protocol)
    report = build_report(datasets, records, protocol, ReportKind.FINAL)
    built = time.perf_counter() - started
    write_report(report, workdir / "report")
    total = time.perf_counter() - started
    randomized = int((datasets.adsl["ITTFL"] == "Y").sum())
    print(f"final report, {randomized} randomized subjects (setup through services {setup:.1f} s)")
    print(f"  baseline: read the store                {baseline:8.3f} s")
    print(f"  read + datasets + sections + HTML       {built:8.3f} s")
    print(f"  ... + PDF (WeasyPrint), total           {total:8.3f} s   target < 10 s")
    store.close()


def _synthetic_rows(n: int, rng: np.random.Generator) -> dict[str, list[dict[str, Any]]]:
    start = dt.date(2026, 1, 1)
    now = NOW
    site_of = rng.integers(1, 4, size=n)
    arm = np.where(rng.random(n) < 0.5, "msc_cd25", "cd25")
    offset = rng.integers(0, 700, size=n)
    kinds = ("subjects", "allocations", "doses", "assessments", "adverse_events", "outcomes")
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    grades = rng.integers(2, 5, size=n)
    responses = np.array(["CR", "PR", "NR", "PD", "MR"])
    for i in range(n):
        sid = i + 1
        day1 = start + dt.timedelta(days=int(offset[i]))
        rows["subjects"].append(
            {
                "id": sid,
                "screening_number": f"S{sid:07d}",
                "site_id": int(site_of[i]),
                "state": "randomized",
                "created_at": now,
            }
        )
        rows["allocations"].append(
            {
                "subject_id": sid,
                "stratum": f"site={site_of[i]}/baseline_grade="
                f"{'II' if grades[i] == 2 else 'III-IV'}",
                "arm": str(arm[i]),
                "allocated_at": dt.datetime.combine(day1, dt.time(9), tzinfo=dt.UTC),
                "allocated_by": 1,
                "is_error": False,
            }
        )
        products = ("uc_msc", "anti_cd25") if arm[i] == "msc_cd25" else ("anti_cd25",)
        for product in products:
            days = (1, 8, 15, 22) if product == "uc_msc" else (1, 4, 8, 15, 22)
            for d in days:
                rows["doses"].append(
                    {
                        "subject_id": sid,
                        "product": product,
                        "administered_on": day1 + dt.timedelta(days=d - 1),
                        "weight_kg": 62.0,
                        "dose_value": 1.0,
                        "dose_unit": "mg",
                        "created_at": now,
                    }
                )
        stage = rng.integers(0, 4, size=(6, 4))
        for k, d in enumerate((1, 8, 15, 22, 29, 57)):
            rows["assessments"].append(
                {
                    "subject_id": sid,
                    "assessed_on": day1 + dt.timedelta(days=d - 1),
                    "measurements": {},
                    "skin_stage": int(stage[k, 0]),
                    "liver_stage": int(stage[k, 1]),
                    "upper_gi_stage": int(min(stage[k, 2], 1)),
                    "lower_gi_stage": int(stage[k, 3]),
                    "grade": int(grades[i]) if k == 0 else 1,
                    "response": None if k == 0 else str(rng.choice(responses)),
                    "grading_system": "magic",
                    "response_rule_set": None if k == 0 else "csh",
                    "rules_version": "synthetic",
                    "created_at": now,
                }
            )
        for _ in range(int(rng.integers(0, 3))):
            onset = day1 + dt.timedelta(days=int(rng.integers(2, 120)))
            grade = int(rng.integers(1, 6))
            rows["adverse_events"].append(
                {
                    "subject_id": sid,
                    "term": str(rng.choice(["Pneumonia", "Sepsis", "Fever"])),
                    "ctcae_grade": grade,
                    "onset_on": onset,
                    "aware_at": dt.datetime.combine(onset, dt.time(12), tzinfo=dt.UTC),
                    "seriousness_criteria": ["hospitalization"] if grade >= 3 else [],
                    "serious": grade >= 3,
                    "related_to": {"anti_cd25": "possible"},
                    "expected": True,
                    "derived": {"outcome": "recovered"},
                    "created_at": now,
                }
            )
        for kind, p in (("death", 0.25), ("relapse", 0.15), ("chronic_gvhd", 0.2)):
            if rng.random() < p:
                rows["outcomes"].append(
                    {
                        "subject_id": sid,
                        "kind": kind,
                        "cause": "Sepsis" if kind == "death" else None,
                        "created_at": now,
                        "occurred_on": day1 + dt.timedelta(days=int(rng.integers(30, 365))),
                    }
                )
    return rows


def bench_large(workdir: Path, n: int) -> None:
    started = time.perf_counter()
    url = _migrated(workdir / "synthetic.db")
    engine = create_db_engine(url)
    rows = _synthetic_rows(n, np.random.default_rng(20260105))
    with engine.begin() as connection:
        connection.execute(insert(t.users), [{"id": 1, "username": "bench", "full_name": "Bench",
                           "password_hash": "-", "is_active": True, "failed_logins": 0,
                           "password_changed_at": NOW, "created_at": NOW}])  # fmt: skip
        connection.execute(
            insert(t.sites),
            [
                {"id": s, "code": f"S{s:02d}", "name": f"Site {s}", "created_at": NOW}
                for s in (1, 2, 3)
            ],
        )
        for name, table in (
            ("subjects", t.subjects),
            ("allocations", t.allocations),
            ("doses", t.dose_administrations),
            ("assessments", t.gvhd_assessments),
            ("adverse_events", t.adverse_events),
            ("outcomes", t.outcomes),
        ):
            connection.execute(insert(table), rows[name])
    setup = time.perf_counter() - started
    protocol = load_protocol()
    total_rows = sum(len(v) for v in rows.values())
    print(f"\n{n:,} subjects, {total_rows:,} rows (setup: generate + bulk insert {setup:.1f} s)")
    started = time.perf_counter()
    records = SqlAlchemyAnalysisReader(engine).read()
    read = time.perf_counter() - started
    datasets = build_datasets(records, protocol)
    derive = time.perf_counter() - started - read
    stats_started = time.perf_counter()
    grouping = Grouping.for_report(protocol, ReportKind.FINAL, unmasked=True)
    efficacy.response_analysis(datasets.adsl, grouping, protocol.analysis)
    survival = efficacy.survival_analyses(datasets.adtte, grouping)
    statistics = time.perf_counter() - stats_started
    total = time.perf_counter() - started
    print(f"  read the store                          {read:8.3f} s")
    print(f"  derive ADSL/ADRS/ADTTE/ADAE             {derive:8.3f} s")
    print(f"  statistics (+ plots)                    {statistics:8.3f} s")
    print(f"  total                                   {total:8.3f} s   target < 60 s")
    print(f"  (Fine-Gray CGVHD: {survival['cuminc'][0]['finegray']})")
    engine.dispose()
    if shutil.which("Rscript") is None:
        print("  R: Rscript not found, no R baseline")
        return
    write_datasets(datasets, workdir / "csv", "csv")
    script = workdir / "analysis.R"
    script.write_text(R_SCRIPT)
    done = subprocess.run(
        ["Rscript", str(script), str(workdir / "csv" / "adsl.csv"),
         str(workdir / "csv" / "adtte.csv")], capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        print(f"  R failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    r_read, r_stats = (float(v) for v in done.stdout.split())
    print(
        f"  R baseline: read.csv {r_read:.3f} s; prop/fisher/mantelhaen + survfit/survdiff "
        f"+ cuminc {r_stats:.3f} s (trialdesk statistics above: {statistics:.3f} s)"
    )


def main() -> None:
    print(f"cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as directory:
        bench_final_report(Path(directory))
        bench_large(Path(directory), N_LARGE)


if __name__ == "__main__":
    main()
