"""Two app servers on one PostgreSQL database (issue 24), in Chromium: a person signed
in on server A, a guest and a leader on server B. An answer added on one wall shows on
the other; a role changed on A refuses that person's next action on B.

As behind a reverse proxy with sticky sessions, each browser stays on its server; the
sign-in cookie made by one server is good on the other (they share STRATEGY_SECRET)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from strategy.core import access
from strategy.core.access import Identity, Role
from strategy.core.pg import open_postgres
from strategy.demo.riverbend import DEMO_NAME
from strategy.identity import accounts
from tests.browser import PASSWORD, join_workshop, open_page, settle
from tests.conftest import ROOT, launch_app

pytestmark = pytest.mark.browser

SECRET = "a secret both app servers share, long enough to sign with"


@dataclass(frozen=True)
class TwoServers:
    a: str  # server A's address
    b: str  # server B's address
    database: str  # the PostgreSQL database both serve


@pytest.fixture(scope="module")
def two_servers(postgres: Any, postgres_demo_template: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoServers]:
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE two_servers TEMPLATE {postgres_demo_template}")
    url = postgres.url("two_servers")
    con = open_postgres(url)
    with access.acting(Identity.shell("Test set-up")):
        (org_id,) = con.execute("SELECT id FROM organisation WHERE name = ?",
                                [DEMO_NAME]).fetchone() or (0,)
        accounts.create_account(con, "ana", "Ana", PASSWORD, is_administrator=True)
        ben = accounts.create_account(con, "ben", "Ben", PASSWORD)
        accounts.set_role(con, ben.id, org_id, Role.LEADER)
    con.close()
    folder = tmp_path_factory.mktemp("two-servers")
    env = {"STRATEGY_DATABASE_URL": url, "STRATEGY_SECRET": SECRET}
    logs = [folder / "a.log", folder / "b.log"]
    started = [launch_app(log, env) for log in logs]
    yield TwoServers(started[0][0], started[1][0], url)
    for _, process in started:
        process.terminate()
        process.wait(timeout=10)
    for log in logs:
        text = log.read_text("utf-8", "replace")
        assert "Traceback" not in text, text


def _page(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1300, "height": 1300}).new_page()


def _answer(page: Any, text: str) -> None:
    """Complete the wall's sentence and add it, as a person does."""
    page.get_by_role("textbox", name="Customer service means …").fill(text)
    page.get_by_role("button", name="Add to the wall").click()
    settle(page)


def _choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``, as a person does."""
    box = page.get_by_test_id("stSelectbox").filter(
        has=page.get_by_text(label, exact=True)).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def test_two_servers_one_room_and_one_set_of_rights(two_servers: TwoServers,
                                                    browser: Any) -> None:
    a, b = two_servers.a, two_servers.b
    ana = _page(browser)
    open_page(ana, a + "/vision", who="Ana")
    ana.get_by_text("Workshop: let participants join by code").click()
    settle(ana)
    ana.get_by_role("button", name="Open a workshop").click()
    settle(ana)
    code = ana.locator(".st-key-workshop_panel h2").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code), code

    # A guest joins on server B and answers there.
    guest = _page(browser)
    join_workshop(guest, b, code, "Gwen")
    _answer(guest, "Gwen: told before the water goes off")
    # Ana's wall, on server A, shows it without her doing anything; and the other way.
    ana.get_by_text("Gwen: told before the water goes off").wait_for(timeout=15_000)
    ana.get_by_text("1 joined").wait_for(timeout=15_000)
    _answer(ana, "Ana: one person owns my problem")
    guest.get_by_text("Ana: one person owns my problem").wait_for(timeout=15_000)

    # Ben, a leader, works on server B.
    ben = _page(browser)
    open_page(ben, b + "/vision", who="Ben")
    _answer(ben, "Ben: first answer")
    ben.get_by_text("Ben: first answer").wait_for(timeout=15_000)

    # On server A, Ana makes Ben a viewer of the organisation.
    open_page(ana, a + "/accounts")
    _choose(ana, "Account to change", "Ben (ben)")
    _choose(ana, "Role", "Viewer")
    ana.get_by_role("button", name="Save the role").click()
    settle(ana)
    ana.get_by_text("Role of Ben saved.").wait_for()

    # Ben's next action on server B is refused, and nothing is stored. Server B learns
    # of the change either when he acts (the action checks his role afresh: refused)
    # or on the wall's next refresh (the form then says he may only read): both are
    # right, whichever comes first.
    ben.get_by_role("textbox", name="Customer service means …").fill("Ben: second answer")
    add = ben.get_by_role("button", name="Add to the wall")
    with contextlib.suppress(PlaywrightTimeout):
        add.click(timeout=3_000)  # not if a refresh has just disabled it
    settle(ben)
    ben.get_by_text(re.compile("does not allow you to take part in the brainstorm|"
                               "Your role lets you read the wall, not add to it")
                    ).first.wait_for(timeout=15_000)
    with psycopg.connect(two_servers.database, autocommit=True) as con:
        texts = [r[0] for r in con.execute("SELECT text FROM brainstorm_entry").fetchall()]
    assert "Ben: first answer" in texts and "Ben: second answer" not in texts
    for page in (ana, guest, ben):
        page.context.close()


def test_the_command_line_works_beside_the_running_servers(
        two_servers: TwoServers, browser: Any, tmp_path: Path) -> None:
    """With PostgreSQL nothing holds the database to itself: an account added on the
    command line while both servers run signs in on one of them, the review pack is
    exported from the command line, its download on the record, and a backup is made."""
    b, url = two_servers.b, two_servers.database
    env = {**os.environ, "STRATEGY_DATABASE_URL": url, "STRATEGY_SECRET": SECRET}
    env.pop("STRATEGY_DB", None)

    def command(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "strategy", *args], cwd=ROOT, env=env,
                              input=stdin, capture_output=True, text=True, timeout=120)

    added = command("user", "add", "cara", "--role", "leader", "--org", DEMO_NAME,
                    "--display-name", "Cara", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    cara = _page(browser)
    open_page(cara, b + "/vision", who="Cara")
    cara.get_by_text("Signed in as").wait_for()
    assert "Cara" in cara.get_by_test_id("stSidebar").inner_text()
    cara.context.close()

    out = tmp_path / "pack.xlsx"
    exported = command("export", "--org", DEMO_NAME, "--period", "2026-Q3", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.stat().st_size > 10_000
    with psycopg.connect(url, autocommit=True) as con:
        logged = con.execute("SELECT who, detail FROM access_log WHERE event = 'download'"
                             ).fetchall()
    assert any("review pack 2026-Q3" in detail and who.endswith("(command line)")
               for who, detail in logged)
    # A backup while both servers run: the same zip as DuckDB's.
    made = command("backup", "--out", str(tmp_path / "while-serving.zip"))
    assert made.returncode == 0, made.stderr
    from strategy.io.backup import read_backup

    assert read_backup(tmp_path / "while-serving.zip").tables["account"] >= 3


def _coverage_shown(page: Any) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text="Training coverage").first
    return str(metric.get_by_test_id("stMetricValue").inner_text()).strip()


def test_training_recorded_on_one_server_is_counted_on_the_other(
        two_servers: TwoServers, browser: Any) -> None:
    """Step 7's figures come from the pairs PostgreSQL keeps (strategy.core.kept): a
    whole team's course recorded through server A's form is in the coverage server B
    shows at its next reading."""
    from datetime import date

    from strategy.people import training

    a, b = two_servers.a, two_servers.b
    con = open_postgres(two_servers.database)
    try:
        with access.acting(Identity.shell("Test")):
            (org_id,) = con.execute("SELECT id FROM organisation WHERE name = ?",
                                    [DEMO_NAME]).fetchone() or (0,)
            before = training.figures(con, org_id, date.today())
            # The team and module furthest from covered: the course to record.
            team, module, passed, _, _ = min(
                (r for r in before.rows if r[0] is not None and r[2] < r[3]),
                key=lambda r: r[2] / r[3])
    finally:
        con.close()
    assert team is not None
    ben = _page(browser)
    open_page(ben, b + "/training", who="Ben")
    assert _coverage_shown(ben) == before.overall.text()

    ana = _page(browser)
    open_page(ana, a + "/training", who="Ana")
    ana.get_by_role("tab", name="Record completions").click()
    settle(ana)
    ana.get_by_text("A whole team", exact=True).click()
    settle(ana)
    _choose(ana, "Team", team)
    _choose(ana, "Module", module)
    ana.get_by_role("button", name="Record").click()
    settle(ana)
    ana.get_by_text("Completions recorded.").wait_for()

    con = open_postgres(two_servers.database)
    try:
        with access.acting(Identity.shell("Test")):
            after = training.figures(con, org_id, date.today())
    finally:
        con.close()
    row = next(r for r in after.rows if r[0] == team and r[1] == module)
    assert row[2] == row[3] > passed  # everyone in the team has passed it now
    assert after.overall.text() != before.overall.text()
    open_page(ben, b + "/training")
    assert _coverage_shown(ben) == after.overall.text()
    assert _coverage_shown(ana) == after.overall.text()
    for page in (ana, ben):
        page.context.close()
