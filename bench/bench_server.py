"""The running server, on the demo and on a large organisation: peak memory after a
browser walk, closing a review, and the brainstorm wall's refresh.

    .venv/bin/python bench/bench_server.py [LARGE_DB]

Builds the demo in a temporary folder and, unless LARGE_DB names one already built
with ``python -m strategy demo --size large``, the large organisation too (every
run works on copies: the files given are never changed). Then:

1. Closing a review: ``reviews.close_review`` for the latest full quarter, on a
   fresh copy of the database each time (the demo data holds that review closed:
   the copy reopens it with plain SQL first, which is not timed). Median of 3.
2. The brainstorm wall: what its one live fragment (workshop panel, wall and
   facilitator's tools, re-run every 3 s) asks of the domain per refresh: it checks
   the session cookie, then the open workshop, and reads the wall's entries, which
   the facilitator's tools share (first as read from the database, then as the next
   browser's refresh finds them shared). Median of 20. bench/bench_workshop.py
   measures whole rooms of guests.
3. A browser walk (Playwright, Debian's Chromium) of every page and every tab,
   signed in as an administrator (the first row: from pressing "Sign in" to the
   first page idle, the browser loading Streamlit's front end included), the latest
   full quarter chosen, opening each page by its sidebar link and each tab by a
   click, as a person does: per page and tab the time from the click to idle. From
   the projector, which has no sidebar, the walk goes back to the planner first
   (untimed), as a person does in another tab; a page without a link of its own is
   loaded by its address, and its row says so. Every download offered is pressed (the review
   pack built first); then the Streamlit server process's peak (VmHWM) and current
   (VmRSS) memory from /proc. On the vision page it also
   watches the wall's own refreshes in the browser for a few seconds.

Screenshots of every page and tab go to /tmp/bench_server/<size>/; a page showing
an error or exception is named in the output. Prints figures; asserts nothing.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.organisations import build  # noqa: E402
from strategy.core import access  # noqa: E402
from strategy.core.db import open_database  # noqa: E402
from strategy.core.orgs import list_organisations  # noqa: E402
from strategy.core.periods import Quarter  # noqa: E402
from strategy.identity import accounts, sessions, workshops  # noqa: E402
from strategy.measures import reviews  # noqa: E402
from strategy.service import vision  # noqa: E402
from strategy.ui.navigation import page_specs  # noqa: E402
from tests.browser import PASSWORD, username  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, add_test_accounts, start_app  # noqa: E402

SHOTS = Path("/tmp/bench_server")
QUARTER = Quarter.current().shift(-1)
CLOSE_REPEAT = 3
WALL_REPEAT = 20
WALL_WATCH_MS = 10_000  # how long to watch the wall refresh itself in the browser
TIMEOUT_MS = 180_000  # step 9 takes seconds at large before the work on it lands

# Records every change of Streamlit's script state with the browser's clock
# (milliseconds since the navigation started): the walk reads run times from it.
WATCH_SCRIPT_STATE = """
window.__runs = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    window.__runs.push([change.target.getAttribute('data-test-script-state'),
                        performance.now()]);
  }
}).observe(document, {subtree: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""

# True once the app has run (if one was asked for) and been idle for `quiet` ms.
IDLE_AFTER = """
([since, quiet, needRun]) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const runs = (window.__runs || []).slice(since);
  if (needRun && !runs.some(r => r[0] !== 'notRunning')) return false;
  const last = runs.length ? runs[runs.length - 1][1] : 0;
  return performance.now() - last >= quiet;
}
"""

SIGN_IN_ROW = "first page after signing in"
BY_ADDRESS = "(loaded by its address)"  # not a click: left out of the slowest click

STARTED_SINCE = "since => window.__runs.slice(since).some(r => r[0] !== 'notRunning')"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"




def copy_of(source: Path, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(source, target)
    return target


# --- Domain timings, outside the server ---------------------------------------------


def close_review_seconds(source: Path, folder: Path) -> list[float]:
    times = []
    for attempt in range(CLOSE_REPEAT):
        path = copy_of(source, folder / f"close{attempt}", "strategy.duckdb")
        con = open_database(path)
        try:
            org_id = list_organisations(con)[0].id
            # No function reopens a review: the fixture's closed review is reopened here.
            con.execute("UPDATE review SET closed_at = NULL, closed_by = NULL, snapshot = NULL "
                        "WHERE org_id = ? AND period = ?", [org_id, str(QUARTER)])
            review = reviews.start_review(con, org_id, QUARTER)
            if review.held_on is None:
                reviews.save_review(con, org_id, review.id, review.version, reviews.ReviewInput(
                    held_on=min(QUARTER.end, date.today()), what_worked="", what_did_not="",
                    pitfalls=[], decisions=""))
            start = time.perf_counter()
            reviews.close_review(con, org_id, review.id)
            times.append(time.perf_counter() - start)
        finally:
            con.close()
    return times


def wall_refresh_seconds(source: Path, folder: Path) -> tuple[int, dict[str, float]]:
    """Entries on the wall, and the median seconds of each part of one refresh."""
    path = copy_of(source, folder / "wall", "strategy.duckdb")
    add_test_accounts(path)
    con = open_database(path)
    try:
        org_id = list_organisations(con)[0].id
        account = accounts.find_account(con, username("Ana"))
        token = sessions.start_session(con, account_id=account.id, method="password",
                                       address="127.0.0.1")
        cookie = sessions.sign(sessions.signing_secret(path), token)
        cursor = con.cursor()  # as a fragment does: its own cursor on the shared connection

        def check_session() -> None:
            raw = sessions.unsign(sessions.signing_secret(path), cookie,
                                  sessions.session_hours() * 3600)
            assert raw is not None and sessions.identity_for(cursor, raw) is not None

        parts: dict[str, Callable[[], object]] = {
            "session check": check_session,
            "current_workshop": lambda: workshops.current_workshop(cursor, org_id),
            "list_entries (read)": lambda: vision.list_entries(cursor, org_id),
            "wall_entries (shared)": lambda: vision.wall_entries(cursor, org_id),
        }
        samples: dict[str, list[float]] = {name: [] for name in [*parts, "total"]}
        for _ in range(WALL_REPEAT):
            total = 0.0
            for name, call in parts.items():
                start = time.perf_counter()
                call()
                took = time.perf_counter() - start
                samples[name].append(took)
                total += took
            samples["total"].append(total)
        entries = len(vision.list_entries(cursor, org_id))
    finally:
        con.close()
    return entries, {name: statistics.median(values) for name, values in samples.items()}


# --- The browser walk ----------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS of ``pid``, plus the RSS of any child processes."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(value.split()[0])
    children = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except FileNotFoundError:
                continue
            children += next((int(line.split()[1]) for line in status.splitlines()
                              if line.startswith("VmRSS:")), 0)
    found["children RSS"] = children
    return found


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def wait_idle(page: Any, since: int, need_run: bool, timeout: float = TIMEOUT_MS) -> None:
    page.wait_for_function(IDLE_AFTER, arg=[since, 400, need_run], timeout=timeout,
                           polling=50)


def last_idle_at(page: Any) -> float:
    """The browser time (ms) at which the app last became idle."""
    ends = page.evaluate("window.__runs.filter(r => r[0] === 'notRunning').map(r => r[1])")
    return float(ends[-1]) if ends else float("nan")


def problems_on(page: Any) -> list[str]:
    found = []
    for test_id in ("stException", "stAlertContentError"):
        count = page.get_by_test_id(test_id).count()
        if count:
            texts = page.get_by_test_id(test_id).first.inner_text()[:160].replace("\n", " ")
            found.append(f"{count} {test_id}: {texts}")
    return found


def wall_spans(page: Any) -> list[float]:
    """Watch the open wall refresh itself; the busy spans seen, in ms."""
    since = int(page.evaluate("window.__runs.length"))
    page.wait_for_timeout(WALL_WATCH_MS)
    runs = page.evaluate(f"window.__runs.slice({since})")
    spans, started = [], None
    for state, at in runs:
        if state != "notRunning" and started is None:
            started = at
        elif state == "notRunning" and started is not None:
            spans.append(at - started)
            started = None
    return spans


def sign_in_to_idle(page: Any, url: str) -> float:
    """Open ``url``, sign in as a person does; ms from pressing "Sign in" to the
    first page idle (the press is in one document, the page in the next: the two
    are put on one clock by each document's time origin)."""
    page.goto(url)
    page.fill("#username", username("Ana"))
    page.fill("#password", PASSWORD)
    pressed_at = float(page.evaluate("performance.timeOrigin + performance.now()"))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda address: "/signin" not in address, timeout=TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stApp']", timeout=TIMEOUT_MS)
    wait_idle(page, 0, need_run=True)
    origin = float(page.evaluate("performance.timeOrigin"))
    return origin + last_idle_at(page) - pressed_at


def press_downloads(page: Any, where: str, result: dict[str, Any], pid: int) -> None:
    """Press every download the open page or tab offers (building the review pack
    first), as a person taking everything home would; sizes go in the rows, and the
    server's memory just before and after the pack is built."""
    build = page.get_by_role("button", name="Build the review pack")
    if build.count() and build.first.is_visible():
        result["rows"].append(("  memory before building the review pack", memory_kib(pid)))
        since = int(page.evaluate("window.__runs.length"))
        build.first.click()
        wait_idle(page, since, need_run=True)
        result["rows"].append(("  memory after building the review pack", memory_kib(pid)))
    offered = [*page.get_by_test_id("stDownloadButton").locator("button").all(),
               *page.get_by_test_id("stMain").get_by_role(
                   "link", name=re.compile("^Download")).all()]
    for control in offered:
        if not control.is_visible():
            continue
        # The visible words, without the icon's name Material icons are written as.
        label = control.inner_text().strip().splitlines()[-1].strip()
        try:
            with page.expect_download(timeout=TIMEOUT_MS) as got:
                control.click()
            size = Path(got.value.path()).stat().st_size
            result["rows"].append((f"{where} ⤓ {label}", f"{size / 1e6:.1f} MB"))
        except PlaywrightTimeout:
            result["problems"].append(f"{where}: the download “{label}” never came")
        wait_idle(page, int(page.evaluate("window.__runs.length")), need_run=False)


def walk(kind: str, db_path: Path, browser: Any, folder: Path) -> dict[str, Any]:
    shots = SHOTS / kind
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    log_path = folder / "streamlit.log"
    app = start_app(db_path, log_path)
    pid = app.process.pid
    result: dict[str, Any] = {"rows": [], "problems": [], "wall": []}
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(WATCH_SCRIPT_STATE)
    page = context.new_page()
    console_errors: list[str] = []
    page.on("pageerror", lambda error: console_errors.append(str(error)[:200]))
    try:
        query = f"?period={QUARTER}"
        result["rows"].append((SIGN_IN_ROW, sign_in_to_idle(
            page, f"{app.url}/{query}")))
        result["start"] = memory_kib(pid)
        for spec in page_specs():
            # Opened as a person does, by the sidebar's own link (a page without one is
            # opened by its address).
            # (The sidebar's links are page links; an icon's name precedes some titles.)
            sidebar = page.get_by_test_id("stSidebar")
            link = sidebar.get_by_role(
                "link", name=re.compile(rf"(^|\s){re.escape(spec.title)}$"))
            if not link.count() or not link.first.is_visible():
                # The projector shows the room nothing but its content, sidebar
                # included; a person goes back to the planner in another tab. Untimed.
                page.goto(f"{app.url}/{query}", wait_until="commit")
                wait_idle(page, 0, need_run=True)  # its own first run, finished
                sidebar.get_by_role("link").first.wait_for()
            clicked = bool(link.count())
            if clicked:
                link.first.wait_for()
                since = int(page.evaluate("window.__runs.length"))
                clicked_at = float(page.evaluate("performance.now()"))
                link.click()
                page.wait_for_function(STARTED_SINCE, arg=since, timeout=TIMEOUT_MS,
                                       polling=20)
                wait_idle(page, since, need_run=True)
                loaded = last_idle_at(page) - clicked_at
            else:
                address = f"{app.url}/{'' if spec.key == 'overview' else spec.key}{query}"
                page.goto(address, wait_until="commit")
                wait_idle(page, 0, need_run=False)
                loaded = last_idle_at(page)
            where = spec.key if clicked else f"{spec.key} {BY_ADDRESS}"
            page.screenshot(path=str(shots / f"{spec.key}.png"))
            result["problems"] += [f"{where}: {p}" for p in problems_on(page)]
            result["rows"].append((where, loaded))
            if spec.key == "vision":
                result["wall"] = wall_spans(page)
            tabs = page.get_by_role("tab")
            index = 1
            while index < tabs.count():
                name = tabs.nth(index).inner_text().strip()
                since = int(page.evaluate("window.__runs.length"))
                clicked_at = float(page.evaluate("performance.now()"))
                tabs.nth(index).click()
                try:
                    page.wait_for_function(STARTED_SINCE, arg=since, timeout=3_000, polling=20)
                    ran = True
                except PlaywrightTimeout:  # no run: a tab drawn in the browser alone
                    ran = False
                wait_idle(page, since, need_run=ran)
                took = last_idle_at(page) - clicked_at if ran else float("nan")
                where = f"{spec.key} › {name}"
                page.screenshot(path=str(shots / f"{spec.key}_tab{index}.png"))
                result["problems"] += [f"{where}: {p}" for p in problems_on(page)]
                result["rows"].append((where, took))
                press_downloads(page, where, result, pid)
                index += 1
            press_downloads(page, spec.key, result, pid)
            memory = memory_kib(pid)
            result["rows"].append((f"  memory after {spec.key}", memory))
        result["end"] = memory_kib(pid)
    finally:
        context.close()
        app.process.terminate()
        try:
            app.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.process.kill()
    result["problems"] += [f"browser error: {e}" for e in console_errors]
    log_text = log_path.read_text(errors="replace")
    if "Traceback" in log_text:
        result["problems"].append(f"server log has {log_text.count('Traceback')} traceback(s): "
                                  f"{log_path}")
    return result


def print_walk(kind: str, result: dict[str, Any]) -> None:
    print(f"\n== Browser walk: {kind} (navigation or click → idle, ms) ==")
    for where, value in result["rows"]:
        if isinstance(value, dict):
            print(f"{where}: VmRSS {mib(value['VmRSS'])}, VmHWM {mib(value['VmHWM'])}")
        elif isinstance(value, str):
            print(f"{where:<52} {value:>8}")
        else:
            shown = "no run seen" if value != value else f"{value:.0f}"
            print(f"{where:<52} {shown:>8}")
    if result["wall"]:
        spans = result["wall"]
        print(f"wall refreshes seen in {WALL_WATCH_MS / 1000:.0f} s: {len(spans)} busy spans, "
              f"median {statistics.median(spans):.0f} ms, max {max(spans):.0f} ms")
    else:
        print("wall refreshes: no busy span seen in the browser")
    for problem in result["problems"]:
        print(f"PROBLEM {problem}")


def main() -> None:
    access.set_current(access.Identity.shell("Bench"))
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sources = {"demo": build("demo", folder)}
        sources["large"] = Path(sys.argv[1]) if len(sys.argv) > 1 else build("large", folder)

        closes = {kind: close_review_seconds(path, folder / kind)
                  for kind, path in sources.items()}
        walls = {kind: wall_refresh_seconds(path, folder / kind)
                 for kind, path in sources.items()}
        walks = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for kind, path in sources.items():
                    walk_folder = folder / kind / "walk"
                    copy = copy_of(path, walk_folder, "strategy.duckdb")
                    start = time.perf_counter()
                    walks[kind] = walk(kind, copy, browser, walk_folder)
                    print(f"walked {kind} in {time.perf_counter() - start:.0f} s", flush=True)
            finally:
                browser.close()

    for kind, result in walks.items():
        print_walk(kind, result)
    print(f"\n== Summary (quarter {QUARTER}) ==")
    print(f"{'':<44} {'demo':>10} {'large':>10}")
    peak = {k: w["end"]["VmHWM"] for k, w in walks.items()}
    rss = {k: w["end"]["VmRSS"] for k, w in walks.items()}
    first = {k: w["start"]["VmHWM"] for k, w in walks.items()}
    children = {k: w["end"]["children RSS"] for k, w in walks.items()}
    print(f"{'server peak memory (VmHWM) after the walk':<44} "
          f"{mib(peak['demo']):>10} {mib(peak['large']):>10}")
    print(f"{'server memory now (VmRSS) after the walk':<44} "
          f"{mib(rss['demo']):>10} {mib(rss['large']):>10}")
    print(f"{'  (VmHWM after signing in, first page)':<44} "
          f"{mib(first['demo']):>10} {mib(first['large']):>10}")
    if any(children.values()):
        print(f"{'  child processes RSS':<44} {mib(children['demo']):>10} "
              f"{mib(children['large']):>10}")
    print(f"{f'close_review, median of {CLOSE_REPEAT} (ms)':<44} "
          f"{ms(statistics.median(closes['demo'])):>10} "
          f"{ms(statistics.median(closes['large'])):>10}")
    print(f"{'  runs (ms)':<44} {'/'.join(ms(s) for s in closes['demo']):>10} "
          f"{'/'.join(ms(s) for s in closes['large']):>10}")
    print(f"{'brainstorm entries on the wall':<44} {walls['demo'][0]:>10} {walls['large'][0]:>10}")
    for name in walls["large"][1]:
        label = (f"wall refresh, median of {WALL_REPEAT} (ms)" if name == "total"
                 else f"  {name} (ms)")
        print(f"{label:<44} {walls['demo'][1][name] * 1000:>10.1f} "
              f"{walls['large'][1][name] * 1000:>10.1f}")
    slowest = {k: max((v for where, v in w["rows"] if isinstance(v, float) and v == v
                       and where != SIGN_IN_ROW and BY_ADDRESS not in where),
                      default=float("nan"))
               for k, w in walks.items()}
    print(f"{'slowest click on a page link or tab (ms)':<44} "
          f"{slowest['demo']:>10.0f} {slowest['large']:>10.0f}")
    signed_in = {k: dict(w["rows"])[SIGN_IN_ROW] for k, w in walks.items()}
    print(f"{SIGN_IN_ROW + ' (ms)':<44} {signed_in['demo']:>10.0f} "
          f"{signed_in['large']:>10.0f}")


if __name__ == "__main__":
    main()
