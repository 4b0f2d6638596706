"""Starting fangfan processes in end-to-end tests, and waiting for them on a busy machine.

Start-up waits poll for up to two minutes (``FANGFAN_TEST_STARTUP_TIMEOUT``): a process importing
every service while other suites load the same two cores can take far longer than on a quiet
machine, and a passing wait costs nothing. A wait that fails names the process and shows the end
of its log, or says it exited and with which code.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = float(os.environ.get("FANGFAN_TEST_STARTUP_TIMEOUT", "120"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fangfan_env(**settings: str) -> dict[str, str]:
    """A subprocess environment without the caller's FANGFAN_* settings, importing this checkout first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGFAN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(settings)
    return env


def wait_until(check, timeout: float = 60.0, interval: float = 0.2, *, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout:.0f}s")
        time.sleep(interval)


def log_tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return "(no log)"
    text = log.read_text("utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(the log is empty)"


def wait_until_up(name: str, process: subprocess.Popen, check, *, log: Path | None,
                  timeout: float = STARTUP_TIMEOUT, interval: float = 0.3) -> None:
    """Poll ``check`` until it holds; fail at once if the process exits, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        code = process.poll()
        if code is not None:
            raise AssertionError(f"{name} exited with code {code} before it came up; the end of its log "
                                 f"({log or 'none'}):\n{log_tail(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} did not come up within {timeout:.0f}s; the end of its log "
                                 f"({log or 'none'}):\n{log_tail(log)}")
        time.sleep(interval)


def answers_ready(service_url: str) -> bool:
    """Whether the service at ``service_url`` (``http://host:port/<service>``) answers its readiness probe."""
    try:
        return httpx.get(f"{service_url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop_processes(processes: Iterable[subprocess.Popen], *, timeout: float = 15.0) -> None:
    """SIGTERM every process still running, then wait for each; one that outlives ``timeout`` is killed."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class RedisServer:
    """A Redis of its own on a free port, keeping nothing on disk; it can be stopped and started again on the
    same port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed; the production-shape tests and benchmarks need it")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = self.workdir / "redis.log"
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.workdir)], stdout=out, stderr=subprocess.STDOUT)
        wait_until_up(f"redis-server on port {self.port}", self.process, self._answers, log=log)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextlib.contextmanager
def embedded_system(tmp: Path, **settings: str) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`fangfan run` on a free port with a data folder under ``tmp``; yields (base URL, environment, log)."""
    port = free_port()
    env = fangfan_env(FANGFAN_DATA_DIR=str(tmp / "data"), FANGFAN_ENV_FILE=str(tmp / "none.env"), **settings)
    log = tmp / "run.log"
    with open(log, "wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen([sys.executable, "-m", "shared.runtime.cli", "run", "--port", str(port)], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/alerts/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until_up(f"fangfan run (port {port})", process, answers, log=log)
        yield base, env, log
    finally:
        process.terminate()
        process.wait(timeout=20)


class PostgresServer:
    """A throwaway PostgreSQL cluster the test owns (initdb in a temporary folder), so it can stop and start it.

    The machine's shared server is never stopped: other suites use it. Durability is off (``fsync``,
    ``full_page_writes``): the cluster lives for one test module, and a stop still closes every
    connection as a real one does. PostgreSQL refuses to run as root, so under root the cluster runs
    as the ``postgres`` system user, in a folder of its own.
    """

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) are installed")
        self.bin = found[-1].parent
        self.workdir = Path(tempfile.mkdtemp(prefix="fangfan-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.workdir, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data, self.port, self.log = self.workdir / "data", free_port(), self.workdir / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 90) -> None:
        result = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(args[:2])} failed: {result.stdout}{result.stderr}\n{log_tail(self.log)}")

    def _ctl(self, *args: str) -> None:
        options = (f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  options, *args)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C", timeout=120)
        self.start()

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)
