"""Many people at once on a large organisation: N signed-in people, each opening a page
or a tab every 2 s, and how long each click takes to become an idle page.

    .venv/bin/python bench/bench_people.py [LARGE_DB] [--people N] [--seconds S]

Works on a copy of LARGE_DB (built with ``python -m strategy demo --size large``;
built here if not given), with N accounts added before the server starts: leaders,
HR, contributors and viewers of the large organisation, in the proportions a
customer-service leadership team and its HR partners have (default N = 20).

Each person is a client of its own without a browser, as in bench/bench_workshop.py
(a browser each would starve this two-core machine before the server): it signs in
through ``/signin`` (the CSRF-checked form), opens Streamlit's websocket with the
session cookie and speaks Streamlit's own protobuf messages. It opens the page the
app starts on, reads the pages its navigation offers this person's role and the tabs
each page draws, and then, every 2 s (or as soon as the last click is idle, if that
took longer), does what a person clicking around does: opens one of its tabs on the
page it is on, or another page from its navigation, about half and half. A page with
a live fragment (the brainstorm wall) has that fragment re-run on its own timer while
the person is on it, as the browser does.

A click's time to idle runs from sending the click's rerun to the server's "script
finished" for it: the server's work plus the socket, not the browser's drawing
(bench/bench_server.py measures whole browser clicks, one person at a time).
Reported: clicks, p50/p95/max time to idle, the slowest pages and tabs at the p95,
errors (exceptions or error messages drawn, dropped sockets), the server's cores and
peak memory, and the cores the clients used on the same machine. Prints figures;
asserts nothing (tests/test_people_load.py runs a short round with a few people).
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from streamlit.proto import BackMsg_pb2, ForwardMsg_pb2  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402

from bench.streamlit_client import cpu_seconds, peak_rss_mib, stream  # noqa: E402
from strategy.core.access import Identity, Role, acting  # noqa: E402
from strategy.core.db import open_database  # noqa: E402
from strategy.identity import accounts  # noqa: E402
from tests.conftest import RunningApp, start_app  # noqa: E402

PEOPLE = 20
SECONDS = 60.0
EVERY = 2.0  # a click every this many seconds, or when the last one is idle if later
PASSWORD = "a long pass phrase for the load test"
# Who signs in, by share of the room: mostly leaders, then HR, a few others.
ROLES = ((Role.LEADER, 0.5), (Role.HR, 0.25), (Role.CONTRIBUTOR, 0.15), (Role.VIEWER, 0.10))
FINISHED = ForwardMsg_pb2.ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FRAGMENT_DONE = ForwardMsg_pb2.ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


@dataclass
class Click:
    what: str  # "page" or "page / tab"
    seconds: float


@dataclass
class Person:
    number: int
    role: Role
    url: str
    cookie: str = ""
    query: str = ""
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # hash: (name, title)
    links: dict[str, str] = field(default_factory=dict)  # the sidebar's links: hash: label
    page: str = ""  # the page's script hash
    tabs: dict[str, list[str]] = field(default_factory=dict)  # tab widget id: labels
    chosen: dict[str, str] = field(default_factory=dict)  # tab widget id: open label
    fragment: str = ""
    interval: float = 0.0
    clicks: list[Click] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _tab_container: str = ""

    @property
    def username(self) -> str:
        return f"load{self.number:03d}"

    async def sign_in(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, follow_redirects=False,
                                     timeout=60) as http:
            form = await http.get("/signin")
            found = re.search(r"name='csrf' value='([^']+)'", form.text)
            if found is None:
                raise RuntimeError(f"no sign-in form: {form.status_code}")
            answer = await http.post("/signin", data={
                "csrf": found[1], "username": self.username, "password": PASSWORD})
            if answer.status_code != 303:
                raise RuntimeError(f"sign-in refused: {answer.status_code}")
            self.cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())

    def read(self, raw: bytes) -> None:
        message = ForwardMsg_pb2.ForwardMsg()
        message.ParseFromString(raw)
        kind = message.WhichOneof("type")
        if kind == "navigation":
            # Every page is registered; the sidebar links only those this role may open.
            self.pages = {p.page_script_hash: (p.url_pathname, p.page_name)
                          for p in message.navigation.app_pages}
            self.page = message.navigation.page_script_hash or self.page
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.fragment = message.auto_rerun.fragment_id
            self.interval = message.auto_rerun.interval or 3.0
        elif kind == "script_finished":
            if message.script_finished == FINISHED:
                self.finished.set()
        elif kind == "delta":
            delta = message.delta
            which = delta.WhichOneof("type")
            if which == "add_block":
                block = delta.add_block
                if block.WhichOneof("type") == "tab_container":
                    self._tab_container = block.tab_container.id
                    self.tabs[self._tab_container] = []
                elif block.WhichOneof("type") == "tab" and self._tab_container:
                    self.tabs[self._tab_container].append(block.tab.label)
            elif which == "new_element":
                element = delta.new_element
                what = element.WhichOneof("type")
                if what == "page_link" and not element.page_link.external:
                    self.links[element.page_link.page_script_hash] = element.page_link.label
                elif what == "alert" and element.alert.format == Alert.ERROR:
                    self.errors.append(f"{self.title()}: {element.alert.body[:100]}")
                elif what == "exception":
                    self.errors.append(f"{self.title()}: exception "
                                       f"{element.exception.message[:100]}")

    def title(self) -> str:
        return self.pages.get(self.page, ("", "the first page"))[1]

    def rerun(self, page: str | None = None, tab: tuple[str, str] | None = None,
              fragment: bool = False) -> bytes:
        back = BackMsg_pb2.BackMsg()
        client = back.rerun_script
        client.query_string = self.query
        if page is not None and page != self.page:
            # Another page: as the sidebar link does, its script hash and name.
            self.page, self.tabs, self.chosen = page, {}, {}
            self.fragment, self.query = "", ""
            client.query_string = ""
            client.page_script_hash = page
            client.page_name = self.pages[page][0]
        else:
            client.page_script_hash = self.page
            client.page_name = self.pages.get(self.page, ("", ""))[0]
        if tab is not None:
            self.chosen[tab[0]] = tab[1]
        if fragment:
            client.fragment_id = self.fragment
            client.is_auto_rerun = True
        for widget, label in self.chosen.items():
            state = client.widget_states.widgets.add()
            state.id = widget
            state.string_value = label
        if not fragment:
            self.tabs = {}  # drawn anew by this run
            self._tab_container = ""
        return bytes(back.SerializeToString())


async def _person(person: Person, start: float, end: float, rng: random.Random) -> None:
    try:
        await person.sign_in()

        def dropped(why: str) -> None:
            if time.monotonic() < end:  # dropped by the server mid-session: an error
                person.errors.append(why)

        async with stream(person.url, person.cookie, person.read, dropped) as ws:
            person.finished.clear()
            await ws.send(person.rerun())
            await asyncio.wait_for(person.finished.wait(), 120)

            async def refresh() -> None:
                # The browser's timer for a live fragment on the page being looked at.
                while time.monotonic() < end:
                    await asyncio.sleep(person.interval or 1.0)
                    if person.fragment and person.finished.is_set():
                        await ws.send(person.rerun(fragment=True))

            timer = asyncio.create_task(refresh())
            await asyncio.sleep(max(0.0, start - time.monotonic()))
            last = time.monotonic()
            while time.monotonic() < end:
                await asyncio.sleep(max(0.0, last + EVERY - time.monotonic()))
                last = time.monotonic()
                tabs = [(widget, label) for widget, labels in person.tabs.items()
                        for label in labels if person.chosen.get(widget, labels[0]) != label]
                others = [page for page in person.links
                          if page != person.page and page in person.pages]
                if tabs and (rng.random() < 0.5 or not others):
                    widget, label = rng.choice(tabs)
                    what = f"{person.title()} / {label}"
                    message = person.rerun(tab=(widget, label))
                else:
                    page = rng.choice(others)
                    what = person.pages[page][1]
                    message = person.rerun(page=page)
                person.finished.clear()
                sent = time.monotonic()
                await ws.send(message)
                try:
                    await asyncio.wait_for(person.finished.wait(), 60)
                except TimeoutError:
                    person.errors.append(f"{what}: no answer in 60 s")
                    continue
                person.clicks.append(Click(what, time.monotonic() - sent))
            timer.cancel()
    except Exception as exc:  # a refused sign-in or a dropped socket: an error, counted
        person.errors.append(f"{type(exc).__name__}: {exc}"[:160])


def add_people(db: Path, count: int) -> list[Role]:
    """``count`` accounts in the first organisation, with the room's roles."""
    con = open_database(db)
    roles: list[Role] = []
    for role, share in ROLES:
        roles += [role] * round(count * share)
    roles = (roles + [Role.LEADER] * count)[:count]
    try:
        with acting(Identity.shell("Load test")):
            row = con.execute("SELECT min(id) FROM organisation").fetchone()
            assert row is not None
            for number, role in enumerate(roles, start=1):
                account = accounts.create_account(con, f"load{number:03d}",
                                                  f"Load {number} ({role.value})", PASSWORD)
                accounts.set_role(con, account.id, int(row[0]), role)
    finally:
        con.close()
    return roles


@dataclass
class Round:
    people: int
    clicks: list[Click]
    errors: list[str]
    seconds: float
    server_cores: float
    peak_rss_mib: float
    client_cores: float


def run_round(db: Path, people: int = PEOPLE, seconds: float = SECONDS,
              seed: int = 11) -> Round:
    """One server on a copy of ``db``, ``people`` signed-in people for ``seconds``."""
    folder = Path(tempfile.mkdtemp(prefix="people-"))
    try:
        copy = folder / "people.duckdb"
        shutil.copyfile(db, copy)
        roles = add_people(copy, people)
        app: RunningApp = start_app(copy, folder / "streamlit.log")
        try:
            client_started = time.process_time()
            persons, cpu_started, elapsed = asyncio.run(
                _drive(app, roles, seconds, seed))
            client = time.process_time() - client_started
            cpu = cpu_seconds(app.process.pid) - cpu_started
            peak = peak_rss_mib(app.process.pid)
        finally:
            app.process.terminate()
            app.process.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Round(people, [c for p in persons for c in p.clicks],
                 [e for p in persons for e in p.errors], elapsed, cpu / elapsed, peak,
                 client / elapsed)


async def _drive(app: RunningApp, roles: list[Role], seconds: float,
                 seed: int) -> tuple[list[Person], float, float]:
    rng = random.Random(seed)
    persons = [Person(n + 1, role, app.url) for n, role in enumerate(roles)]
    # Everyone signs in and opens the app over the first few seconds; the clock starts
    # once all are in, and each person's clicks are spread over the 2 s.
    start = time.monotonic() + 5 + 0.5 * len(persons)
    end = start + seconds
    tasks = []
    for person in persons:
        tasks.append(asyncio.create_task(_person(
            person, start + rng.uniform(0, EVERY), end, random.Random(rng.random()))))
        await asyncio.sleep(0.25)
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    cpu_started = cpu_seconds(app.process.pid)
    await asyncio.gather(*tasks, return_exceptions=True)
    return persons, cpu_started, time.monotonic() - start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(result: Round) -> None:
    times = [c.seconds for c in result.clicks]
    print(f"{result.people} signed-in people, a page or tab each every {EVERY:.0f} s "
          f"(or when idle) for {result.seconds:.0f} s, on Streamlit's websocket (no browser)")
    if not times:
        print("no click was answered")
    else:
        print(f"clicks {len(times)} ({len(times) / result.seconds / result.people * EVERY:.2f} "
              f"of the asked rate); time to idle p50 {statistics.median(times):.2f} s, "
              f"p95 {percentile(times, 0.95):.2f} s, max {max(times):.2f} s")
        slow = percentile(times, 0.95)
        by_what: dict[str, list[float]] = {}
        for c in result.clicks:
            by_what.setdefault(c.what, []).append(c.seconds)
        worst = sorted(by_what.items(), key=lambda kv: -max(kv[1]))[:8]
        print("slowest (clicks at or over the p95, median and max s):")
        for what, seconds in worst:
            over = sum(1 for s in seconds if s >= slow)
            print(f"  {what:<48} {over:>3} of {len(seconds):>3}  {statistics.median(seconds):5.2f}"
                  f"  {max(seconds):5.2f}")
    print(f"server cores {result.server_cores:.2f}, peak RSS {result.peak_rss_mib:.0f} MiB; "
          f"clients' cores {result.client_cores:.2f} (same two cores)")
    print(f"errors {len(result.errors)}")
    for error in result.errors[:5]:
        print(f"  {error}")


def main() -> None:
    args = sys.argv[1:]
    people = int(args[args.index("--people") + 1]) if "--people" in args else PEOPLE
    seconds = float(args[args.index("--seconds") + 1]) if "--seconds" in args else SECONDS
    given = [a for i, a in enumerate(args) if not a.startswith("--")
             and (i == 0 or args[i - 1] not in ("--people", "--seconds"))]
    with tempfile.TemporaryDirectory() as tmp:
        if given:
            db = Path(given[0])
        else:
            from bench.organisations import build

            db = build("large", Path(tmp))
        report(run_round(db, people, seconds))


if __name__ == "__main__":
    main()
