"""Browser tests: the real app under uvicorn on loopback, driven by Debian's Chromium.

``live`` serves a fresh SQLite trial (the protocol, two sites, one user per role, one subject at
the first site; see ``tests/trial_world.py``) on a free port of 127.0.0.1 from a background
thread, and stops it at the end of the test. ``browser`` is one headless Chromium for the
session (``/usr/bin/chromium``, never a downloaded browser); each test gets its own context, so
its own cookies. ``Visitor`` logs in as a given user and saves a screenshot per page under
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from browser_harness import LiveServer, TravelClock, Visitor, slug
from playwright.sync_api import Browser, sync_playwright

from db_fixtures import FAST_PASSWORDS, sqlite_template
from trial_world import build_world
from trialdesk.bootstrap import build_store, load_protocol
from trialdesk.entrypoints.api import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Generous: a cold Chromium on a busy 2-core machine can take seconds to paint a page.
TIMEOUT_MS = 20_000

__all__ = ["browser", "live", "sqlite_template", "visitor"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    database = tmp_path / "trial.db"
    shutil.copyfile(sqlite_template, database)
    # The real clock (a test may shift it): the browser's session cookie ages in real time.
    clock = TravelClock()
    store = build_store(f"sqlite:///{database}", passwords=FAST_PASSWORDS, clock=clock)
    world = build_world(store)
    port = _free_port()
    config = uvicorn.Config(
        create_app(store, load_protocol()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"the app did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield LiveServer(base_url=f"http://127.0.0.1:{port}", world=world, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        store.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (make test installs Debian's chromium package)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visitor(
    browser: Browser, live: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Visitor]:
    screenshots = (
        request.config.rootpath / "test-artifacts" / "screenshots" / slug(request.node.name)
    )
    screenshots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield Visitor(live=live, page=context.new_page(), screenshots=screenshots)
    finally:
        context.close()
