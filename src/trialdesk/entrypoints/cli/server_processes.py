"""``serve --workers N``: N server processes on one port, each with a listening socket of its own.

uvicorn's own ``--workers`` shares one listening socket among its processes, and each process's
event loop accepts every connection waiting when it wakes. A burst of new connections — a
client pool, or a dozen browsers opening at once — can then all land on one process while the
other idles: in one benchmark run of three, all 16 client connections went to one of two
processes, and the server answered as if it had one core. Here each process binds its own
socket with ``SO_REUSEPORT``, and the kernel spreads new connections over the processes by a
hash of their addresses (8/8, 9/7 or 10/6 of 16 in the same benchmark).

Every socket on a port must ask for ``SO_REUSEPORT``, so before starting the processes the port
is bound once without it: a port another program (or another trialdesk server) listens on is
refused instead of shared. A process that dies after it started serving is replaced; one that
dies before (a broken configuration would otherwise restart forever) stops the server with an
error.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from types import FrameType

import uvicorn

from trialdesk.config import get_settings
from trialdesk.domain.errors import InputError, TrialdeskError

__all__ = ["Supervisor", "reuse_port_supported", "run_server_processes"]

_SHUTDOWN_TIMEOUT_S = 30.0


def reuse_port_supported() -> bool:
    """Whether this platform lets several sockets listen on one port (Linux, the BSDs, macOS)."""
    return hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _refuse_port_in_use(host: str, port: int) -> None:
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InputError.single(
                "port", f"cannot listen on {host}:{port}: {error.strerror or error}"
            ) from None


class _ReportingServer(uvicorn.Server):
    """A uvicorn server that tells the supervisor once it listens and its app has started."""

    def __init__(self, config: uvicorn.Config, ready: EventType) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._ready.set()


def _serve_one(host: str, port: int, access_log: bool, ready: EventType) -> None:
    """One server process (runs in the child)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config(
        "trialdesk.entrypoints.cli.serve:worker_app", factory=True, host=host, port=port,
        log_level="info", access_log=access_log, proxy_headers=True,
        forwarded_allow_ips=get_settings().forwarded_allow_ips,
    )  # fmt: skip
    _ReportingServer(config, ready).run(sockets=[sock])


class Supervisor:
    """Keeps ``workers`` processes of ``target(*arguments, ready)`` running until told to stop.

    ``target`` sets ``ready`` once it serves; a process that ends after that is replaced, one
    that ends before it stops them all with :attr:`failure` set.
    """

    def __init__(
        self, workers: int, target: Callable[..., None], arguments: tuple[object, ...]
    ) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._target = target
        self._arguments = arguments
        self._processes: list[tuple[BaseProcess, EventType]] = []
        self._workers = workers
        self.stopping = threading.Event()
        self.failure: str | None = None
        #: Processes started to replace ones that ended.
        self.replaced = 0

    def _start_one(self) -> tuple[BaseProcess, EventType]:
        ready = self._context.Event()
        process = self._context.Process(target=self._target, args=(*self._arguments, ready))
        process.start()
        return process, ready

    def run(self) -> None:
        self._processes = [self._start_one() for _ in range(self._workers)]
        try:
            while not self.stopping.wait(0.5):
                self._replace_dead()
        finally:
            self._stop_all()

    def _replace_dead(self) -> None:
        for index, (process, ready) in enumerate(self._processes):
            if process.is_alive():
                continue
            if not ready.is_set():
                self.failure = (
                    f"server process {process.pid} exited with code {process.exitcode} while "
                    "starting"
                )
                self.stopping.set()
                return
            self._processes[index] = self._start_one()
            self.replaced += 1

    def _stop_all(self) -> None:
        for process, _ in self._processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)  # uvicorn finishes open requests first
        deadline = time.monotonic() + _SHUTDOWN_TIMEOUT_S
        for process, _ in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


def run_server_processes(workers: int, host: str, port: int, *, access_log: bool) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM; refuse if one fails to start.

    The processes build their app with :func:`trialdesk.entrypoints.cli.serve.worker_app` from
    the environment the caller prepared.
    """
    _refuse_port_in_use(host, port)
    supervisor = Supervisor(workers, _serve_one, (host, port, access_log))

    def stop(_signal: int, _frame: FrameType | None) -> None:
        supervisor.stopping.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        supervisor.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if supervisor.failure is not None:
        raise TrialdeskError(f"{supervisor.failure}; its messages are above")
