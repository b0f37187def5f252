"""Benchmark: the casebook page of one busy subject, 16 concurrent clients, beside bare FastAPI.

Setup (not timed): a fresh SQLite database migrated to the newest schema, one site, one
coordinator, and one randomized subject (screening, consent and allocation inserted directly, as
``bench_web.py`` inserts its subjects) with two courses of doses, 10 visits, GVHD assessments
and 30 adverse events saved through the services (so their audit rows exist), then topped up to
at least 200 audit rows. The application and a bare FastAPI app run as subprocesses exactly as
in ``bench_web.py`` (whose helpers this script uses).

Measured, each with 16 concurrent async clients (httpx): the bare endpoint, then
``GET /subjects/{id}`` (the casebook, HTML, session cookie). Printed: p50/p95 latency,
throughput, its share of the bare endpoint's, and whether both targets are met: p95 < 100 ms
and throughput >= 30 % of bare.

Run: python bench/bench_casebook.py [REQUESTS] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

from bench_web import CLIENTS, report, run, server_stack, serving, warm_up
from trialdesk.adapters.db.maintenance import upgrade_database
from trialdesk.adapters.db.tables import allocations, audit_trail, consents, screening_records
from trialdesk.adapters.db.tables import subjects as subjects_table
from trialdesk.bootstrap import build_store, load_protocol
from trialdesk.domain.audit import AuditAction
from trialdesk.services.accounts import accounts
from trialdesk.services.accounts.access import load_actor
from trialdesk.services.clinical import clinical
from trialdesk.services.clinical.gvhd_assessments import record_gvhd_assessment
from trialdesk.services.clinical.recording import audit_event

AUDIT_ROWS = 200
PASSWORD = "Bench-Pass-2026!"
#: Grade III at baseline, then a partial response at day 29: the course is repeated.
_BASELINE = {"skin_bsa_pct": 30.0, "bilirubin": 4.0, "stool_ml_per_day": 800.0}
_PARTIAL = {"skin_bsa_pct": 0.0, "bilirubin": 2.5, "stool_ml_per_day": 400.0}
_SIGNS = {"bullae": False, "upper_gi_persistent": False, "severe_abdominal_pain": False,
          "bloody_stool": False, "desquamation_bsa_pct": 0.0, "stool_episodes_per_day": None,
          "bilirubin_unit": "mg/dL"}  # fmt: skip


def prepare(url: str) -> tuple[str, int]:
    """The busy subject; returns a session token and the subject's id."""
    upgrade_database(url)
    store = build_store(url)
    protocol = load_protocol()
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    user = accounts.create_user(
        store.new_uow(), username="coord", full_name="Coordinator", password=PASSWORD,
        role="site_coordinator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    session = accounts.login(store.new_uow(), username="coord", password=PASSWORD).token
    site_id = accounts.list_sites(store.new_uow())[0].id
    now = dt.datetime.now(dt.UTC)
    day1 = now.date() - dt.timedelta(days=120)
    created = {"created_at": now, "created_by": user.id}
    with store.engine.begin() as connection:
        subject_id = connection.execute(
            insert(subjects_table).values(
                screening_number="BJ01-00001", subject_code="BJ01-R001", site_id=site_id,
                state="randomized", birth_year=None, sex=None, **created,
            )
        ).inserted_primary_key[0]  # fmt: skip
        connection.execute(insert(screening_records).values(
            subject_id=subject_id, screened_on=day1, answers={}, criteria_results={},
            eligible=True, **created))  # fmt: skip
        connection.execute(insert(consents).values(
            subject_id=subject_id, consented_on=day1, form_version="2.1", obtained_by="Dr Li",
            **created))  # fmt: skip
        connection.execute(insert(allocations).values(
            subject_id=subject_id, stratum="bench", arm="cd25",
            allocated_at=dt.datetime.combine(day1, dt.time(0), dt.UTC),
            allocated_by=user.id, is_error=False))  # fmt: skip
    confirm = {"confirm": [c.code for c in protocol.edit_checks], "confirm_reason": "bench"}
    on = {"as_user": user.id, "subject_id": subject_id, "protocol": protocol, **confirm}

    def day(n: int) -> dt.date:
        return day1 + dt.timedelta(days=n - 1)

    for study_day in (1, 4, 8, 15, 22, 36, 39, 43, 50, 57):  # two courses
        clinical.record_dose(
            store.new_uow(), product="anti_cd25", administered_on=day(study_day), weight_kg=65,
            dose_value=20, dose_unit="mg", **on,
        )  # fmt: skip
    for visit, study_day in (("D1", 1), ("D29", 29)):
        record_gvhd_assessment(
            store.new_uow(), assessed_on=day(study_day), visit_code=visit,
            measurements={**_SIGNS, **(_BASELINE if visit == "D1" else _PARTIAL)},
            additional_therapy=False, **on,
        )  # fmt: skip
    visits = [("D1", 1), ("D4", 4), ("D8", 8), ("D15", 15), ("D22", 22), ("D29", 29),
              ("D1", 36), ("D4", 39), ("D8", 43), ("D15", 50)]  # fmt: skip
    for code, study_day in visits:
        clinical.record_visit(store.new_uow(), visit_code=code, visit_date=day(study_day), **on)
    for n in range(30):
        clinical.report_adverse_event(
            store.new_uow(), term=f"Event {n + 1}", ctcae_grade=1 + n % 3, onset_on=day(2 + n),
            aware_at=dt.datetime.combine(day(2 + n), dt.time(8), dt.UTC), outcome="recovered",
            **on,
        )  # fmt: skip
    with store.engine.connect() as connection:
        audited = connection.execute(select(func.count()).select_from(audit_trail)).scalar_one()
    with store.new_uow() as uow:
        actor = load_actor(uow, user.id)
        for _ in range(max(0, AUDIT_ROWS - audited)):
            audit_event(uow, actor, AuditAction.EXPORT, "subjects", subject_id,
                        subject_id=subject_id, reason="bench top-up")  # fmt: skip
        uow.commit()
    store.close()
    return session, subject_id


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("requests", nargs="?", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    arguments = parser.parse_args()
    total, workers = arguments.requests, arguments.workers
    print(f"cores: {os.cpu_count()}  clients: {CLIENTS}  load average: {os.getloadavg()[0]:.1f}")
    print(f"both servers: {server_stack(workers)}")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        began = time.perf_counter()
        session, subject_id = prepare(url)
        print(f"setup (not timed): {time.perf_counter() - began:.1f} s")
        with serving(url, workers, folder) as (app_port, bare_port):
            cookie = {"Cookie": f"trialdesk_session={session}"}
            path = f"/subjects/{subject_id}"
            warm_up(f"http://127.0.0.1:{bare_port}", "/ping", {})
            warm_up(f"http://127.0.0.1:{app_port}", path, cookie)
            bare_result = asyncio.run(
                run(f"http://127.0.0.1:{bare_port}", {}, total, lambda h, n: h.get("/ping"))
            )
            bare_rps = report("bare FastAPI GET /ping", bare_result, None)
            page = asyncio.run(
                run(f"http://127.0.0.1:{app_port}", cookie, total, lambda h, n: h.get(path))
            )
            report("GET /subjects/{id} (casebook)", page, bare_rps)


if __name__ == "__main__":
    main()
