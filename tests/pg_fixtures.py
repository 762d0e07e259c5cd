"""A real PostgreSQL server for tests: a throwaway cluster in a temporary folder, started once per test session.

Import the fixtures into a test module or conftest.py:

    from pg_fixtures import any_store_url, fresh_postgres_url, postgres_cluster, postgres_url  # noqa: F401

- ``postgres_cluster`` (session): the running `PostgresCluster`; ``stop()``/``start()`` it to simulate an outage
  (use ``restartable_postgres`` instead in a test, so the server is running again whatever the test does).
- ``postgres_url`` (session): ``postgresql+psycopg://user:password@127.0.0.1:port/db`` of a database shared by
  the session, owned by a role that logs in with a password (scram-sha-256 over TCP, as a real server would).
- ``fresh_postgres_url`` (test): the URL of a new empty database, dropped after the test.
- ``any_store_url`` (test): parametrised ``sqlite`` / ``postgresql``, a fresh empty store URL on each backend.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the ``postgres`` user
(Debian's package creates it) from a folder that user owns. Without PostgreSQL installed the fixtures fail,
never skip: a store test that silently did not run would look like a passing one.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found; the store tests run a real server. "
    "Install it with: apt-get install -y postgresql  (or put its bin folder on PATH, or set PG_BINDIR)."
)


def find_postgres_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: $PG_BINDIR, pg_config's, Debian's newest, or whatever is on PATH."""
    candidates: list[str] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        # libpq-dev alone brings pg_config too, naming a bin folder without the server in it: checked below.
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_of, reverse=True)
    candidates += sorted(glob.glob("/usr/pgsql-*/bin"), key=_version_of, reverse=True)  # Red Hat's layout
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _version_of(path: str) -> tuple[int, ...]:
    digits = "".join(c if c.isdigit() else " " for c in path).split()
    return tuple(int(d) for d in digits)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """A PostgreSQL cluster of its own in a temporary folder, listening on 127.0.0.1 only."""

    admin = "lw_admin"
    user = "lw_user"

    def __init__(self, bindir: Path, *, port: int | None = None, durable: bool = True):
        self.bindir = bindir
        self.port = port or free_port()
        # Distinctive, so a test can look for it in every message; URL-safe, so URLs need no quoting.
        self.password = "pw-" + secrets.token_hex(8)
        self.admin_password = "admin-" + secrets.token_hex(8)
        self.root = Path(tempfile.mkdtemp(prefix="lw-pg-"))  # under /tmp, which the postgres user can reach
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._run_as = _server_user()
        self._durable = durable
        self.running = False

    # ----- lifecycle -------------------------------------------------------------------------------------------
    def init(self) -> PostgresCluster:
        password_file = self.root / "admin-password"
        password_file.write_text(self.admin_password + "\n")
        if self._run_as:
            shutil.chown(self.root, self._run_as)
            shutil.chown(password_file, self._run_as)
        self._pg(
            "initdb", "-D", str(self.data), "-U", self.admin, f"--pwfile={password_file}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        password_file.unlink()
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",  # not /var/run/postgresql, which may not exist or be ours
            "max_connections": "200",  # several processes each with a pool
            "fsync": "on" if self._durable else "off",
            "log_min_messages": "warning",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# labelwidgets tests\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        return self

    def start(self) -> None:
        self._pg("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60")
        self.running = True

    def stop(self) -> None:
        # fast: open connections are cut, as when a server goes away under its clients.
        self._pg("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60")
        self.running = False

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """The server is down inside the block and up again after it, on the same port."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def destroy(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # ----- databases -------------------------------------------------------------------------------------------
    def url(self, database: str, *, password: bool = True) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql+psycopg://{self.user}{secret}@127.0.0.1:{self.port}/{database}"

    def create_user(self) -> None:
        with self._admin() as conn:
            conn.execute(f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'")

    def create_database(self, name: str | None = None) -> str:
        """A new empty database owned by the test role; returns its name."""
        name = name or f"lw_{uuid.uuid4().hex[:16]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER {self.user}')
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # cuts connections a test left open

    def _admin(self) -> contextlib.AbstractContextManager:  # type: ignore[type-arg]
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.admin, password=self.admin_password,
            dbname="postgres", autocommit=True, connect_timeout=10,
        )  # fmt: skip

    # ----- running the server's programs ----------------------------------------------------------------------
    def _pg(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self._run_as:
            command = ["runuser", "-u", self._run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )


def _server_user() -> str | None:
    """Who runs the server: this user, or ``postgres`` when this is root (the server refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("the tests run as root and there is no 'postgres' user to run the server as; " + INSTALL_HINT)
    return "postgres"


def start_cluster(*, durable: bool = True) -> PostgresCluster:
    """A running cluster with the test role, stopped and removed when this process exits (benchmarks use it too)."""
    bindir = find_postgres_bindir()
    if bindir is None:
        raise RuntimeError(INSTALL_HINT)
    cluster = PostgresCluster(bindir, durable=durable).init()
    atexit.register(cluster.destroy)
    cluster.start()
    cluster.create_user()
    return cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    if find_postgres_bindir() is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    started = time.monotonic()
    cluster = start_cluster()
    print(f"PostgreSQL test cluster on port {cluster.port} in {time.monotonic() - started:.1f} s")
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A database shared by the whole test session (tests that need it empty use ``fresh_postgres_url``)."""
    return postgres_cluster.url(postgres_cluster.create_database("lw_test"))


@pytest.fixture
def fresh_postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A new empty database for this test alone."""
    name = postgres_cluster.create_database()
    yield postgres_cluster.url(name)
    if postgres_cluster.running:
        postgres_cluster.drop_database(name)


@pytest.fixture
def restartable_postgres(postgres_cluster: PostgresCluster) -> Iterator[PostgresCluster]:
    """The cluster, for a test that stops and starts it; running again after the test whatever happened."""
    yield postgres_cluster
    if not postgres_cluster.running:
        postgres_cluster.start()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty store URL on each backend; PostgreSQL is started only for the postgresql case."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'labels.db'}"
    return str(request.getfixturevalue("fresh_postgres_url"))
