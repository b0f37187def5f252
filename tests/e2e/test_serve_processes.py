"""``serve --workers N``: processes with a socket each on one port, supervised, stopped cleanly.

The server tests run the real command on a free port of 127.0.0.1 and stop it by its PID. Which
process holds which connection is read from ``/proc`` (Linux, where ``SO_REUSEPORT`` is used).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import httpx
import pytest

from trialdesk.entrypoints.cli.server_processes import Supervisor, reuse_port_supported

pytestmark = pytest.mark.skipif(
    not reuse_port_supported() or not Path("/proc/net/tcp").exists(),
    reason="needs SO_REUSEPORT and /proc (Linux)",
)
TRIALDESK = str(Path(sys.executable).parent / "trialdesk")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _sockets_on(port: int, state: str) -> set[str]:
    """Inodes of TCP sockets in ``state`` (01 established, 0A listening) on local ``port``."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, socket_state, inode = fields[1], fields[3], fields[9]
        if socket_state == state and int(local.split(":")[1], 16) == port:
            found.add(inode)
    return found


def _server_side_connections(port: int) -> set[str]:
    return _sockets_on(port, "01")


def _wait_until_every_worker_listens(server: subprocess.Popen[str], port: int) -> None:
    """Both processes serve: one answering is not enough (a worker killed while it still starts
    stops the whole server, by design)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        listening = _sockets_on(port, "0A")
        workers = _serving_workers(server)
        if len(workers) == 2 and all(_socket_inodes(pid) & listening for pid in workers):
            time.sleep(0.5)  # a worker reports itself ready just after its socket listens
            return
        time.sleep(0.3)
    raise AssertionError("the server processes did not all start")


def _wait_until_serving(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/protocol", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not start")


def _serving_workers(server: subprocess.Popen[str]) -> list[int]:
    """The server's worker processes (spawn also starts a resource tracker, which has no app)."""
    return [
        child
        for child in _children(server.pid)
        if "multiprocessing.resource_tracker" not in Path(f"/proc/{child}/cmdline").read_text()
    ]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    process = subprocess.Popen(
        [TRIALDESK, "serve", "--db", f"sqlite:///{tmp_path / 'trial.db'}", "--port", str(port),
         "--workers", "2", "--no-access-log"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_until_serving(port, process)
        _wait_until_every_worker_listens(process, port)
        yield process, port
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_connections_are_spread_over_the_processes_each_listening_on_the_port(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = server
    workers = _serving_workers(process)
    assert len(workers) == 2
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(16)]
    try:
        for client in clients:
            assert client.get("/api/v1/protocol").status_code == 200
        connections = _server_side_connections(port)
        held = {pid: len(_socket_inodes(pid) & connections) for pid in workers}
    finally:
        for client in clients:
            client.close()
    assert sum(held.values()) == 16
    # Hashed over two sockets, all 16 on one process has a chance of 1 in 32,768.
    assert all(count > 0 for count in held.values()), held


def test_a_server_process_that_dies_is_replaced_and_sigterm_stops_them_all(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = server
    first, second = _serving_workers(process)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        workers = _serving_workers(process)
        if len(workers) == 2 and first not in workers:
            break
        time.sleep(0.3)
    assert second in workers
    assert first not in workers
    assert len(workers) == 2
    _wait_until_serving(port, process)
    os.kill(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_port_another_program_listens_on_is_refused_not_shared(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [TRIALDESK, "serve", "--db", f"sqlite:///{tmp_path / 'trial.db'}", "--port",
             str(port), "--workers", "2"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 2
    assert f"port: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# Targets for the supervisor's own tests: module level, so spawned processes can import them.
def exit_at_once(_ready: EventType) -> None:
    sys.exit(3)


def serve_briefly(marker: str, ready: EventType) -> None:
    ready.set()
    with Path(marker).open("a") as log:
        log.write("started\n")
    time.sleep(0.5)


def test_a_process_that_ends_before_it_serves_stops_the_supervisor_with_a_failure() -> None:
    supervisor = Supervisor(2, exit_at_once, ())
    supervisor.run()
    assert supervisor.failure is not None
    assert "exited with code 3 while starting" in supervisor.failure
    assert supervisor.replaced == 0


def test_a_process_that_ends_after_it_served_is_started_again(tmp_path: Path) -> None:
    marker = tmp_path / "starts.log"
    supervisor = Supervisor(1, serve_briefly, (str(marker),))
    began = time.monotonic()

    def starts() -> int:
        return marker.read_text().count("started") if marker.exists() else 0

    def stop_after_two_replacements() -> None:
        while starts() < 3 and time.monotonic() - began < 60:
            time.sleep(0.1)
        supervisor.stopping.set()

    watcher = threading.Thread(target=stop_after_two_replacements)
    watcher.start()
    supervisor.run()
    watcher.join()
    assert supervisor.failure is None
    assert starts() >= 3
    assert supervisor.replaced >= 2
