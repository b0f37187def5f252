"""Benchmark: the web application under 16 concurrent clients on loopback, beside bare FastAPI.

Setup (not timed): a fresh SQLite database migrated to the newest schema, one site, one
coordinator with an API token, and 10,000 subjects inserted in bulk. The real application is
started as a subprocess (``trialdesk serve --workers N --no-access-log``, its default request
threads), and so is a bare FastAPI app with one route, both under uvicorn with the same settings
(N server processes, one per core unless ``--workers`` says otherwise, no access log, the HTTP
parser and event loop uvicorn picks from what is installed); each is stopped by its PID at the
end. Both are warmed up with 100 requests before anything is timed.

Measured, each with 16 concurrent async clients (httpx), bounded in requests and in time: the
bare endpoint; the subject page (``GET /subjects/{id}``, HTML, session cookie) and
``GET /api/v1/subjects/{id}`` (bearer token) on random subjects; and
``POST /api/v1/subjects/{id}/assessments`` (a GVHD assessment, one per subject, answered with what
the saving transaction derived). Printed: p50/p95 latency and throughput, each throughput as a
share of the bare endpoint's, and whether both targets are met: p95 < 100 ms and throughput
>= 30 % of bare.

Run: python bench/bench_web.py [REQUESTS_PER_SCENARIO] [--workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
from sqlalchemy import insert

from trialdesk.adapters.db.maintenance import upgrade_database
from trialdesk.adapters.db.tables import subjects as subjects_table
from trialdesk.bootstrap import build_store
from trialdesk.config import DEFAULT_REQUEST_THREADS
from trialdesk.services.accounts import accounts, api_tokens

SUBJECTS = 10_000
CLIENTS = 16
TIME_LIMIT_S = 60.0
TARGET_P95_S = 0.100
TARGET_SHARE = 0.30
# The bare app is a module (uvicorn's worker processes import it by name) started by a script.
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/ping")
def ping() -> dict[str, str]:
    return {"status": "ok"}
"""
BARE_SERVER = """
import sys, uvicorn
uvicorn.run("bare_app:app", host="127.0.0.1", port=int(sys.argv[1]), workers=int(sys.argv[2]),
            app_dir=sys.argv[3], log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prepare(url: str) -> tuple[str, str, list[int]]:
    """Schema, a coordinator and 10,000 subjects; returns an API token, a session token, ids."""
    upgrade_database(url)
    store = build_store(url)
    accounts.create_site(store.new_uow(), code="BJ01", name="Beijing", as_user=None)
    user = accounts.create_user(
        store.new_uow(), username="coord", full_name="Coordinator", password="Bench-Pass-2026!",
        role="site_coordinator", site_code="BJ01", as_user=None, one_time_password=False,
    )  # fmt: skip
    token = api_tokens.create_api_token(store.new_uow(), as_user=user.id, name="bench").token
    session = accounts.login(store.new_uow(), username="coord", password="Bench-Pass-2026!").token
    site_id = accounts.list_sites(store.new_uow())[0].id
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"screening_number": f"BJ01-{i:05d}", "subject_code": None, "site_id": site_id,
         "state": "screening", "birth_year": None, "sex": None, "created_at": now,
         "created_by": user.id}
        for i in range(1, SUBJECTS + 1)
    ]  # fmt: skip
    with store.engine.begin() as connection:
        connection.execute(insert(subjects_table), rows)
    with store.engine.connect() as connection:
        ids = [
            row[0]
            for row in connection.execute(
                subjects_table.select().with_only_columns(subjects_table.c.id)
            )
        ]
    store.close()
    return token, session, ids


def start(command: list[str], port: int, probe: str) -> subprocess.Popen[bytes]:
    """Start a server and wait until ``GET probe`` answers (every worker process is up)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"server on port {port} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)


async def run(
    base: str,
    headers: dict[str, str],
    total: int,
    make: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
) -> tuple[list[float], float, int]:
    """``total`` requests from 16 clients; returns latencies (s), wall time (s), failures."""
    latencies: list[float] = []
    failures = 0
    counter = iter(range(total))
    deadline = time.perf_counter() + TIME_LIMIT_S

    async def client() -> None:
        nonlocal failures
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            for n in counter:
                if time.perf_counter() > deadline:
                    return
                began = time.perf_counter()
                response = await make(http, n)
                latencies.append(time.perf_counter() - began)
                if response.status_code >= 400:
                    failures += 1

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return latencies, time.perf_counter() - began, failures


@contextlib.contextmanager
def serving(url: str, workers: int, folder: str) -> Iterator[tuple[int, int]]:
    """trialdesk on ``url`` and the bare FastAPI app, both on free ports; stopped by their PIDs."""
    app_port, bare_port = free_port(), free_port()
    trialdesk = str(Path(sys.executable).parent / "trialdesk")
    app = start(
        [trialdesk, "serve", "--db", url, "--port", str(app_port), "--no-access-log",
         "--workers", str(workers)],
        app_port, "/api/v1/protocol",
    )  # fmt: skip
    try:
        (Path(folder) / "bare_app.py").write_text(BARE_APP)
        bare = start(
            [sys.executable, "-c", BARE_SERVER, str(bare_port), str(workers), folder],
            bare_port, "/ping",
        )  # fmt: skip
        try:
            yield app_port, bare_port
        finally:
            stop(bare)
    finally:
        stop(app)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(name: str, result: tuple[list[float], float, int], bare_rps: float | None) -> float:
    latencies, wall, failures = result
    rps = len(latencies) / wall
    p95 = percentile(latencies, 0.95)
    share = verdict = ""
    if bare_rps is not None:
        share = f"  {100 * rps / bare_rps:5.1f} % of bare"
        met = p95 < TARGET_P95_S and rps >= TARGET_SHARE * bare_rps
        verdict = "  targets met" if met and not failures else "  targets MISSED"
    print(
        f"{name:<40} n={len(latencies):5d}  p50={1000 * percentile(latencies, 0.5):6.1f} ms  "
        f"p95={1000 * p95:6.1f} ms  {rps:7.1f} req/s{share}  failures={failures}{verdict}"
    )
    return rps


def server_stack(workers: int) -> str:
    """What uvicorn's "auto" settings choose here, for the record."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"uvicorn, {workers} process(es), http={http}, loop={loop}, no access log"


def warm_up(base: str, path: str, headers: dict[str, str]) -> None:
    asyncio.run(run(base, headers, 100, lambda h, n: h.get(path)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests", nargs="?", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    arguments = parser.parse_args()
    total, workers = arguments.requests, arguments.workers
    print(
        f"cores: {os.cpu_count()}  clients: {CLIENTS}  subjects: {SUBJECTS}  "
        f"load average: {os.getloadavg()[0]:.1f}"
    )
    print(
        f"both servers: {server_stack(workers)}; trialdesk: {DEFAULT_REQUEST_THREADS} request "
        "threads per process (its default)"
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        began = time.perf_counter()
        token, session, ids = prepare(url)
        print(f"setup (not timed): {time.perf_counter() - began:.1f} s")
        with serving(url, workers, folder) as (app_port, bare_port):
            auth = {"Authorization": f"Bearer {token}"}
            warm_up(f"http://127.0.0.1:{bare_port}", "/ping", {})
            warm_up(f"http://127.0.0.1:{app_port}", f"/api/v1/subjects/{ids[0]}", auth)
            picks = random.Random(7)
            today = dt.date.today().isoformat()
            measurements = {"skin_bsa_pct": 30.0, "bilirubin": 2.5, "stool_ml_per_day": 800.0}
            bare_result = asyncio.run(
                run(f"http://127.0.0.1:{bare_port}", {}, total, lambda h, n: h.get("/ping"))
            )
            bare_rps = report("bare FastAPI GET /ping", bare_result, None)
            read = asyncio.run(
                run(f"http://127.0.0.1:{app_port}", auth, total,
                    lambda h, n: h.get(f"/api/v1/subjects/{picks.choice(ids)}"))
            )  # fmt: skip
            report("GET /api/v1/subjects/{id}", read, bare_rps)
            page = asyncio.run(
                run(f"http://127.0.0.1:{app_port}", {"Cookie": f"trialdesk_session={session}"},
                    total, lambda h, n: h.get(f"/subjects/{picks.choice(ids)}"))
            )  # fmt: skip
            report("GET /subjects/{id} (HTML page)", page, bare_rps)
            write = asyncio.run(
                run(f"http://127.0.0.1:{app_port}", auth, min(total, len(ids)),
                    lambda h, n: h.post(f"/api/v1/subjects/{ids[n]}/assessments",
                                        json={"assessed_on": today, "measurements": measurements}))
            )  # fmt: skip
            report("POST /api/v1/subjects/{id}/assessments", write, bare_rps)


if __name__ == "__main__":
    main()
