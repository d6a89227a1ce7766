"""How big a room one server holds: K workshop guests on the brainstorm wall at once.

    .venv/bin/python bench/bench_workshop.py [K ...]     (default: 25 50 100 200)

Each guest is a client of its own, without a browser: a browser per guest would
starve this two-core machine long before the server (a run with 10-20 Chromium
tabs proved only that). A guest does what the page does, over the same wire:

* joins with the workshop's code through ``/join`` (a CSRF-checked form), which
  gives it a session cookie, as a phone would;
* opens Streamlit's websocket with that cookie and speaks Streamlit's own protocol,
  the protobuf messages that ship with Streamlit (``BackMsg``/``ForwardMsg``): it
  asks for the vision page, reads every element the server draws, and re-runs the
  wall's fragment every time the server's ``auto_rerun`` message says (every 2 s in a
  room of up to 100), as the browser's timer does;
* adds three answers (the form's text box and its submit button, by the widget ids
  the server sent) and votes three times (others' Vote buttons), spread over a minute.

Reported per K: answers acknowledged (the server's "Added to the wall." toast came
back) against answers stored (counted in the database once the server has stopped;
they must be equal); p50/p95 of the time from pressing Add to the answer being on
every other guest's wall (the first refresh that draws it, per guest; an answer a
guest never saw counts as missed); the server's CPU seconds per guest per minute and
its peak RSS, from /proc; and errors (error messages drawn, exceptions, dropped
websockets); and the votes pressed (on cards the guest's wall last drew, as a person
presses what they see) against the votes stored (they must be equal); and "quiet",
each guest's longest wait between two redraws of its wall while the room was under way
(median over the guests, and the longest): a wall the server drew but could not get
to its browser shows here, even when the answers it held had scrolled off the first
page before anyone saw them (those count as missed, not in p50/p95). The "guests"
column is the cores the guests' own process used, on the same two cores: beyond about
1, the guests compete with the server. Prints figures; asserts nothing
(tests/test_workshop_load.py runs K=10 and checks acknowledged == stored, for answers
and for votes).
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from streamlit.proto import BackMsg_pb2, ForwardMsg_pb2  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402

from bench.streamlit_client import cpu_seconds, peak_rss_mib, stream  # noqa: E402
from strategy.core.access import Identity, acting  # noqa: E402
from strategy.core.db import open_database  # noqa: E402
from strategy.core.orgs import create_organisation  # noqa: E402
from strategy.identity import workshops  # noqa: E402
from tests.conftest import RunningApp, start_app  # noqa: E402

SIZES = (25, 50, 100, 200)
ANSWERS = 3
VOTES = 3
TOKEN = re.compile(r"Q(\d+)A(\d+)Z")
ANSWER_KEY = re.compile(r"-brainstorm_\d+_text$")
VOTE_KEY = re.compile(r"-vote_(\d+)$")  # a card not voted for yet (not "_withdraw")
DREW_THE_WALL = (ForwardMsg_pb2.ForwardMsg.FINISHED_SUCCESSFULLY,
                 ForwardMsg_pb2.ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
ACK_WAIT = 30.0  # how long a guest waits for an answer to be taken, as a person would


@dataclass
class Timeline:
    """When, after everyone has joined, guests act (seconds)."""
    first_add: float = 5.0  # each guest's first answer within this
    later: tuple[float, float] = (10.0, 40.0)  # answers 2-3 and the votes within this
    end: float = 48.0  # then the wall is watched a little longer, and all close
    settle: float = 8.0


FULL = Timeline()
SHORT = Timeline(first_add=3.0, later=(6.0, 14.0), end=16.0, settle=7.0)


@dataclass
class Guest:
    number: int
    url: str
    code: str
    cookie: str = ""
    fragment: str = ""
    interval: float = 3.0
    query: str = ""
    answer_box: str = ""
    submit: str = ""
    # Entry id -> widget id of the Vote buttons on the wall as last drawn (a person
    # presses a card they can see), and of those the run in progress is drawing.
    vote_buttons: dict[int, str] = field(default_factory=dict)
    drawing: dict[int, str] = field(default_factory=dict)
    # Values this client has sent, sent again with every rerun as the browser's widget
    # manager does (a refresh that came without them would lose a submitted answer
    # when Streamlit folds the two requests together).
    values: dict[str, str] = field(default_factory=dict)
    order_control: str = ""  # the wall's Order control: each guest picks "Newest"
    page_hash: str = ""  # the page's script hash, sent with every rerun as the browser does
    connected: bool = False
    own_entries: set[int] = field(default_factory=set)
    seen: dict[str, float] = field(default_factory=dict)  # token -> first drawn
    sent: dict[str, float] = field(default_factory=dict)  # own token -> Add pressed
    pending: list[str] = field(default_factory=list)  # added, not yet acknowledged
    acknowledged: int = 0
    votes: int = 0
    errors: list[str] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    # The longest this guest's wall went without a redraw once the room was under
    # way: a refresh the server ran but could not deliver (or never ran) shows here,
    # even for answers that scrolled off the first page before anyone could see them.
    last_drawn: float = 0.0
    longest_quiet: float = 0.0
    watching: bool = False

    async def join(self) -> None:
        # A client of its own, as each phone is: its cookies are nobody else's.
        async with httpx.AsyncClient(base_url=self.url, follow_redirects=False,
                                     timeout=60) as http:
            form = await http.get(f"/join/{self.code}")
            found = re.search(r"name='csrf' value='([^']+)'", form.text)
            if found is None:
                raise RuntimeError(f"no join form: {form.status_code}")
            answer = await http.post("/join", data={
                "csrf": found[1], "code": self.code, "name": f"Guest {self.number}"})
            if answer.status_code != 303:
                raise RuntimeError(f"join refused: {answer.status_code}")
            self.cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())

    def read(self, raw: bytes) -> None:
        message = ForwardMsg_pb2.ForwardMsg()
        message.ParseFromString(raw)
        kind = message.WhichOneof("type")
        now = time.monotonic()
        if kind == "auto_rerun":
            self.fragment = message.auto_rerun.fragment_id
            self.interval = message.auto_rerun.interval or self.interval
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "navigation":
            self.page_hash = message.navigation.page_script_hash or self.page_hash
        elif kind == "script_finished":
            if message.script_finished in DREW_THE_WALL:
                self.vote_buttons = self.drawing
                if self.watching:
                    self.longest_quiet = max(self.longest_quiet, now - self.last_drawn)
                self.last_drawn = now
            self.drawing = {}
            self.finished.set()
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            what = element.WhichOneof("type")
            if what == "markdown":
                body = element.markdown.body
                for token in TOKEN.finditer(body):
                    self.seen.setdefault(token[0], now)
                if "cannot be empty" in body or "went wrong" in body:
                    self.errors.append(body[:120])
            elif what == "text_input" and ANSWER_KEY.search(element.text_input.id):
                self.answer_box = element.text_input.id
            elif what == "button_group" and element.button_group.id.endswith("-wall_order"):
                self.order_control = element.button_group.id
            elif what == "button":
                button = element.button
                for token in TOKEN.finditer(button.label):  # a card is its vote button
                    self.seen.setdefault(token[0], now)
                if button.is_form_submitter and "brainstorm_add" in button.id:
                    self.submit = button.id
                elif (vote := VOTE_KEY.search(button.id)) is not None:
                    self.drawing[int(vote[1])] = button.id
            elif what == "toast" and "Added to the wall" in element.toast.body:
                if self.pending:
                    self.pending.pop(0)
                    self.acknowledged += 1
            elif what == "alert" and element.alert.format == Alert.ERROR:
                self.errors.append(element.alert.body[:120])
            elif what == "exception":
                self.errors.append(element.exception.message[:120])

    def rerun(self, states: list[tuple[str, str | None]] | None = None,
              auto: bool = False, whole_page: bool = False) -> bytes:
        back = BackMsg_pb2.BackMsg()
        client = back.rerun_script
        client.query_string = self.query
        client.page_name = "vision"
        client.page_script_hash = self.page_hash
        if not whole_page:
            client.fragment_id = self.fragment
            client.is_auto_rerun = auto
        triggers = []
        for widget, value in states or []:
            if value is None:
                triggers.append(widget)
            else:
                self.values[widget] = value
        for widget, value in self.values.items():
            state = client.widget_states.widgets.add()
            state.id = widget
            state.string_value = value
        if self.order_control:
            state = client.widget_states.widgets.add()
            state.id = self.order_control
            state.string_array_value.data.append("Newest")
        for widget in triggers:
            state = client.widget_states.widgets.add()
            state.id = widget
            state.trigger_value = True
        return bytes(back.SerializeToString())


async def _until(ready: Callable[[], object], seconds: float) -> bool:
    """Wait until ``ready()`` holds, for at most ``seconds``; whether it did."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def _guest(guest: Guest, start: float, plan: Timeline,
                 stop: asyncio.Event, rng: random.Random) -> None:
    try:
        await guest.join()

        def dropped(why: str) -> None:
            if not stop.is_set():  # dropped by the server mid-session: an error
                guest.errors.append(why)

        async with stream(guest.url, guest.cookie, guest.read, dropped) as ws:
            await ws.send(guest.rerun(whole_page=True))
            await asyncio.wait_for(guest.finished.wait(), 60)
            guest.connected = True
            # As a person who wants to see new answers does: Order -> Newest.
            if guest.order_control and guest.fragment:
                await ws.send(guest.rerun())

            async def refresh() -> None:
                # The browser's timer: the fragment again, every interval.
                while not stop.is_set():
                    await asyncio.sleep(guest.interval)
                    if guest.fragment:
                        await ws.send(guest.rerun(auto=True))

            timer = asyncio.create_task(refresh())
            actions = [(rng.uniform(0, plan.first_add), "add")]
            actions += [(rng.uniform(*plan.later), "add") for _ in range(ANSWERS - 1)]
            actions += [(rng.uniform(*plan.later), "vote") for _ in range(VOTES)]
            added, used_box = 0, ""
            for at, action in sorted(actions):
                await asyncio.sleep(max(0.0, start + at - time.monotonic()))
                if action == "add":
                    # As a person does: the next answer once the last one is in, in the
                    # empty box the page then shows (a box already used would submit
                    # nothing). A page that never gets there is an error.
                    def box_ready(used: str = used_box) -> bool:
                        return not guest.pending and guest.answer_box not in ("", used)
                    ready = await _until(box_ready, ACK_WAIT)
                    if not ready:
                        guest.errors.append(f"no empty answer box within {ACK_WAIT:.0f} s")
                        continue
                    used_box = guest.answer_box
                    added += 1
                    token = f"Q{guest.number}A{added}Z"
                    guest.sent[token] = time.monotonic()
                    guest.pending.append(token)
                    await ws.send(guest.rerun([(guest.answer_box, f"{token} being kept "
                                                                  "informed"),
                                               (guest.submit, None)]))
                else:
                    others = [e for e in guest.vote_buttons if e not in guest.own_entries]
                    if others:
                        entry = rng.choice(others)
                        await ws.send(guest.rerun([(guest.vote_buttons.pop(entry), None)]))
                        guest.votes += 1
            await stop.wait()
            timer.cancel()
    except Exception as exc:  # a dropped socket or a refused join is an error, counted
        guest.errors.append(f"{type(exc).__name__}: {exc}"[:160])


@dataclass
class Room:
    guests: int
    acknowledged: int
    stored: int
    reached_p50: float | None
    reached_p95: float | None
    missed: int
    cpu_per_guest_minute: float
    server_cpu_share: float  # cores the server used over the active minute
    peak_rss_mib: float
    client_cpu_share: float  # cores the guests' own process used (same machine)
    errors: int
    first_errors: list[str]
    votes: int
    votes_stored: int
    quiet_p50: float | None  # of each guest's longest wait for a redraw of the wall
    quiet_max: float | None


def prepare(folder: Path) -> tuple[Path, str]:
    db = folder / "room.duckdb"
    con = open_database(db)
    with acting(Identity.shell("Load test")):
        org = create_organisation(con, "Workshop room")
        code = workshops.open_workshop(con, org.id).code
    con.close()
    return db, code


def run_room(k: int, plan: Timeline = FULL, folder: Path | None = None,
             seed: int = 7) -> Room:
    """One server, K guests; the figures of the run."""
    own = folder is None
    folder = folder or Path(tempfile.mkdtemp(prefix=f"room{k}-"))
    db, code = prepare(folder)
    app: RunningApp = start_app(db, folder / "streamlit.log")
    try:
        client_started = time.process_time()
        guests, started_cpu, elapsed = asyncio.run(_drive(app, code, k, plan, seed))
        client_cpu = time.process_time() - client_started
        cpu = cpu_seconds(app.process.pid) - started_cpu
        peak = peak_rss_mib(app.process.pid)
    finally:
        app.process.terminate()
        app.process.wait(timeout=30)
    con = open_database(db)
    stored = int(con.execute("SELECT count(*) FROM brainstorm_entry WHERE regexp_matches("
                             "text, '^Q[0-9]+A[0-9]+Z ')").fetchone()[0])  # type: ignore[index]
    votes_stored = int(con.execute(  # type: ignore[index]
        "SELECT count(*) FROM brainstorm_vote").fetchone()[0])
    con.close()
    if own:
        shutil.rmtree(folder, ignore_errors=True)
    reached, missed = [], 0
    # Over the guests whose wall opened (one that could not connect is an error).
    present = [g for g in guests if g.connected]
    for guest in present:
        for token, pressed in guest.sent.items():
            others = [g.seen.get(token) for g in present if g is not guest]
            if any(t is None for t in others):
                missed += 1
            elif others:
                reached.append(max(t for t in others if t is not None) - pressed)
    errors = [e for g in guests for e in g.errors]
    quiet = [g.longest_quiet for g in present]
    return Room(
        guests=k, acknowledged=sum(g.acknowledged for g in guests), stored=stored,
        reached_p50=statistics.median(reached) if reached else None,
        reached_p95=statistics.quantiles(reached, n=20)[18] if len(reached) >= 20
        else (max(reached) if reached else None),
        missed=missed, cpu_per_guest_minute=cpu / k / (elapsed / 60),
        server_cpu_share=cpu / elapsed, peak_rss_mib=peak,
        client_cpu_share=client_cpu / (elapsed + 15), errors=len(errors),
        first_errors=sorted(set(e[:100] for e in errors))[:3], votes=sum(g.votes for g in guests),
        votes_stored=votes_stored,
        quiet_p50=statistics.median(quiet) if quiet else None,
        quiet_max=max(quiet) if quiet else None)


async def _drive(app: RunningApp, code: str, k: int, plan: Timeline,
                 seed: int) -> tuple[list[Guest], float, float]:
    rng = random.Random(seed)
    guests = [Guest(n + 1, app.url, code) for n in range(k)]
    stop = asyncio.Event()
    # A room joins over half a minute or so as the code goes up (0.15 s a guest); the
    # clock starts once the last has its wall.
    spread = 0.15 * k
    joins = sorted(rng.uniform(0, spread) for _ in guests)
    begin = time.monotonic() + 1
    start = begin + spread + 8
    tasks = []
    for guest, at in zip(guests, joins, strict=True):
        await asyncio.sleep(max(0.0, begin + at - time.monotonic()))
        tasks.append(asyncio.create_task(_guest(guest, start, plan, stop,
                                                random.Random(rng.random()))))
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    started_cpu = cpu_seconds(app.process.pid)
    t0 = time.monotonic()
    for guest in guests:
        guest.watching, guest.last_drawn = True, t0
    await asyncio.sleep(plan.end + plan.settle)
    # Answers still on their way are waited for, as their authors would.
    await _until(lambda: not any(g.pending for g in guests), ACK_WAIT)
    elapsed = time.monotonic() - t0
    for guest in guests:
        guest.watching = False
        guest.longest_quiet = max(guest.longest_quiet, t0 + elapsed - guest.last_drawn)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return guests, started_cpu, elapsed


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def main(sizes: list[int]) -> None:
    print("Workshop room: K guests over Streamlit's websocket (no browser each); "
          f"{ANSWERS} answers and {VOTES} votes per guest over {FULL.end:.0f} s")
    print(f"{'K':>4} {'acked':>6} {'stored':>6} {'p50 reach':>10} {'p95 reach':>10} "
          f"{'missed':>6} {'CPU s/guest/min':>15} {'cores':>6} {'peak RSS':>9} {'errors':>6} "
          f"{'guests':>7} {'votes':>6} {'stored':>6} {'quiet p50':>10} {'quiet max':>10}")
    for k in sizes:
        room = run_room(k)
        print(f"{room.guests:>4} {room.acknowledged:>6} {room.stored:>6} "
              f"{_seconds(room.reached_p50):>10} {_seconds(room.reached_p95):>10} "
              f"{room.missed:>6} {room.cpu_per_guest_minute:>15.2f} "
              f"{room.server_cpu_share:>6.2f} {room.peak_rss_mib:>6.0f} MiB {room.errors:>6} "
              f"{room.client_cpu_share:>7.2f} {room.votes:>6} {room.votes_stored:>6} "
              f"{_seconds(room.quiet_p50):>10} {_seconds(room.quiet_max):>10}", flush=True)
        for error in room.first_errors:
            print(f"       error: {error}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(SIZES))
