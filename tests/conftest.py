"""Shared fixtures. No test touches real data: STRATEGY_DB always points at a
temporary file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strategy.core import access
from strategy.core.access import Identity
from strategy.core.db import Connection, open_database
from strategy.core.orgs import Organisation, create_organisation, find_organisation
from strategy.demo.riverbend import DEMO_NAME, load_demo

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _temporary_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "strategy.duckdb"
    monkeypatch.setenv("STRATEGY_DB", str(path))
    return path


# Who the tests act as, unless a test says otherwise: the domain refuses to act
# for nobody, and the app's pages need someone signed in.
TEST_ADMIN = Identity.shell("Test administrator")


@pytest.fixture(autouse=True, scope="session")
def _set_up_as_administrator() -> None:
    # Module- and session-scoped fixtures build databases before any test runs.
    access.set_current(TEST_ADMIN)


@pytest.fixture(autouse=True)
def _acting_as_administrator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Identity]:

    # AppTest runs the app in the test process without a browser, so there is
    # no cookie to read: the page sees this identity instead.
    from strategy.ui import session

    monkeypatch.setattr(session, "request_identity", lambda shared=False: TEST_ADMIN)
    with access.acting(TEST_ADMIN):
        yield TEST_ADMIN


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo organisation, built once per test run (it takes a few seconds)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    connection = open_database(path)
    load_demo(connection)
    connection.close()
    return path


# The suite runs in two processes (pytest-xdist), one module each at a time. Modules
# that run the app in a real server take most of its time, then those that run the
# pages or the command line: they go first, so that the two processes end together
# on the many quick modules rather than one waiting on the other's last slow one.
_SERVED = {"browser", "demo_app", "app_server"}
_STARTS_A_SERVER = ("start_app(", "serve(", "launch_app(", "Popen(")
_RUNS_PAGES_OR_COMMANDS = ("AppTest", "subprocess")


def _weight(item: pytest.Item, texts: dict[Path, str]) -> int:
    if _SERVED & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser"):
        return 0
    if item.path not in texts:
        texts[item.path] = item.path.read_text("utf-8")
    text = texts[item.path]
    if any(word in text for word in _STARTS_A_SERVER) or item.path.stem.endswith("_load"):
        return 0
    return 1 if any(word in text for word in _RUNS_PAGES_OR_COMMANDS) else 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    texts: dict[Path, str] = {}
    weights: dict[Path, int] = {}
    for item in items:
        weights[item.path] = min(weights.get(item.path, 2), _weight(item, texts))
    items.sort(key=lambda item: weights[item.path])  # stable: file order kept within


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Tests marked both_databases run once on each database: the same domain code and
    # figures on DuckDB (the default) and on PostgreSQL (the shared database).
    if metafunc.definition.get_closest_marker("both_databases") \
            and "con" in metafunc.fixturenames:
        metafunc.parametrize("database", ["duckdb", "postgres"], indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """Which database the test's ``con`` is: "duckdb", unless parametrised."""
    return str(getattr(request, "param", "duckdb"))


@pytest.fixture
def con(_temporary_database: Path, database: str,
        request: pytest.FixtureRequest) -> Iterator[Connection]:
    """The test's database; tests marked ``demo`` start from a copy of the demo."""
    if database == "postgres":
        template = ("postgres_demo_template" if request.node.get_closest_marker("demo")
                    else "postgres_template")
        monkeypatch = request.getfixturevalue("monkeypatch")
        for connection in _postgres_copy(request.getfixturevalue("postgres"),
                                         request.getfixturevalue(template)):
            # The app's own connection (pages drawn by AppTest) is this database too.
            monkeypatch.setenv("STRATEGY_DATABASE_URL", connection.url)
            monkeypatch.setenv("STRATEGY_SECRET", "a test secret shared by the app servers")
            try:
                yield connection
            finally:
                from strategy.core.db import forget_shared

                forget_shared()
        return
    if request.node.get_closest_marker("demo"):
        shutil.copyfile(request.getfixturevalue("demo_template"), _temporary_database)
    connection = open_database(_temporary_database)
    yield connection
    connection.close()


@pytest.fixture
def org(con: Connection) -> Organisation:
    return create_organisation(con, "Acme Services")


@pytest.fixture
def demo(con: Connection, request: pytest.FixtureRequest) -> Organisation:
    if not request.node.get_closest_marker("demo"):
        pytest.fail("tests using the demo fixture need @pytest.mark.demo")
    return find_organisation(con, DEMO_NAME)


# --- Browser tests: a real `streamlit run` on a temporary database --------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningApp:
    def __init__(self, url: str, db_path: Path, process: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.db_path = db_path
        self.process = process


def database_copy(app: RunningApp) -> Any:
    """A look at what the running app stored: the app holds the file open, so this
    opens a copy of it and its write-ahead log."""
    import shutil
    import tempfile

    import duckdb

    copy = Path(tempfile.mkdtemp()) / "copy.duckdb"
    shutil.copyfile(app.db_path, copy)
    wal = Path(str(app.db_path) + ".wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(copy) + ".wal"))
    return duckdb.connect(str(copy))


def add_test_accounts(db_path: Path) -> None:
    """The roster of tests/browser.py, as administrators, before the server starts
    (it then holds the database file)."""
    from strategy.identity import accounts
    from tests.browser import PASSWORD, ROSTER, username

    con = open_database(db_path)
    try:
        with access.acting(Identity.shell("Test set-up")):
            for name in ROSTER:
                if con.execute("SELECT 1 FROM account WHERE username_key = ?",
                               [username(name)]).fetchone() is None:
                    accounts.create_account(con, username(name), name, PASSWORD,
                                            is_administrator=True)
    finally:
        con.close()


def start_app(db_path: Path, log_path: Path, extra_env: dict[str, str] | None = None,
              port: int | None = None) -> RunningApp:
    add_test_accounts(db_path)
    url, process = launch_app(log_path, {"STRATEGY_DB": str(db_path), **(extra_env or {})},
                              port)
    return RunningApp(url, db_path, process)


def launch_app(log_path: Path, env: dict[str, str],
               port: int | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    """A real ``streamlit run`` of the app with ``env`` added to this one's, once it
    answers its health check: its address and its process (its output in ``log_path``)."""
    port = port or free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "strategy" / "ui" / "server.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early: {log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return url, process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s")


def serve(db_path: Path, extra_env: dict[str, str] | None = None,
          port: int | None = None) -> Iterator[RunningApp]:
    """Run the app on ``db_path`` for the duration of a fixture, then stop it."""
    app = start_app(db_path, db_path.parent / "streamlit.log", extra_env, port)
    yield app
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    yield from serve(tmp_path_factory.mktemp("app") / "strategy.duckdb")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A server on the demo organisation (one per test module)."""
    from strategy.core.db import open_database
    from strategy.demo.riverbend import load_demo

    path = tmp_path_factory.mktemp("demo") / "strategy.duckdb"
    con = open_database(path)
    load_demo(con)
    con.close()
    yield from serve(path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# --- PostgreSQL: one throwaway cluster per test run (issue 24) -------------------


@pytest.fixture
def training_reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The day of each reading of the training figures made during the test: the
    overview and the review pack share one between step 7's status and their counts."""
    from strategy.people import training

    read = training.figures
    reads: list[Any] = []

    def counted(con: Any, org_id: int, on: Any) -> Any:
        reads.append(on)
        return read(con, org_id, on)

    monkeypatch.setattr(training, "figures", counted)
    return reads


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    from tests.postgres_cluster import Cluster

    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres: Any) -> str:
    """A database with every migration applied, copied for each test (CREATE DATABASE
    ... TEMPLATE takes a few milliseconds; migrating takes a second)."""
    import psycopg

    from strategy.core.pg import open_postgres

    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE strategy_template")
    open_postgres(postgres.url("strategy_template")).close()
    return "strategy_template"


@pytest.fixture(scope="session")
def postgres_demo_template(postgres: Any, postgres_template: str) -> str:
    """The demo organisation in PostgreSQL, loaded once per run, copied per test."""
    import psycopg

    from strategy.core.pg import open_postgres

    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE strategy_demo TEMPLATE {postgres_template}")
    connection = open_postgres(postgres.url("strategy_demo"))
    load_demo(connection)  # type: ignore[arg-type]
    connection.close()
    return "strategy_demo"


def _postgres_copy(cluster: Any, template: str) -> Iterator[Any]:
    """A database of the test's own, copied from ``template``, opened as the app opens
    it; dropped afterwards."""
    import uuid

    import psycopg

    from strategy.core.pg import open_postgres

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE {template}')
    connection = open_postgres(cluster.url(name))
    try:
        yield connection
    finally:
        connection.close()
        with psycopg.connect(cluster.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def pg_con(postgres: Any, postgres_template: str) -> Iterator[Any]:
    """A PostgreSQL database of the test's own, migrated, as the app opens it."""
    yield from _postgres_copy(postgres, postgres_template)
