"""Every page and every tab, server-side, on the demo and on a large organisation.

    .venv/bin/python bench/bench_pages.py [LARGE_DB] [--postgres URL]

Builds the demo in a temporary file and, unless LARGE_DB names one already built
with ``python -m strategy demo --size large``, the large organisation too. Then
runs each page as the app does (AppTest, signed in as an administrator, the
latest full quarter chosen in the sidebar), opening each of its tabs in turn,
three times each, and prints per page and tab the median script run on the demo
and at large, the ratio, and the share of the large run spent inside DuckDB.
``--postgres URL`` (an empty PostgreSQL database) also restores a backup of the large
organisation there and runs every page and tab again on it, printing each beside its
DuckDB time (issue 24: at most 2x). Prints figures; asserts nothing.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.organisations import build  # noqa: E402
from strategy.core import access  # noqa: E402
from strategy.core.periods import Quarter  # noqa: E402
from strategy.ui.navigation import page_specs  # noqa: E402

ADMIN = access.Identity.shell("Benchmark")
REPEAT = 3


class SqlClock:
    """Seconds spent inside DuckDB calls, added up across cursors."""

    def __init__(self) -> None:
        self.seconds = 0.0


class TimedCursor:
    """A cursor whose every DuckDB call is timed (execute, fetch…, register)."""

    def __init__(self, cursor: Any, clock: SqlClock) -> None:
        self._cursor = cursor
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._cursor, name)
        if not callable(attribute):
            return attribute

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = attribute(*args, **kwargs)
            finally:
                self._clock.seconds += time.perf_counter() - start
            if result is self._cursor:
                return self
            if name == "cursor":
                return TimedCursor(result, self._clock)
            return result

        return timed


def page_times(db_path: Path) -> dict[str, list[float]]:
    """Per "page / tab": [median seconds, median seconds in DuckDB]."""
    from streamlit.testing.v1 import AppTest

    from strategy.core import db as storage
    from strategy.ui import session, widgets

    os.environ["STRATEGY_DB"] = str(db_path)
    session.request_identity = lambda shared=False: ADMIN  # type: ignore[assignment,misc]
    clock = SqlClock()
    shared = storage.shared_connection

    def timed_connection(path: Any = None) -> Any:
        return TimedCursor(shared(path), clock)

    storage.shared_connection = timed_connection  # type: ignore[assignment]
    seen: dict[str, tuple[str, list[str]]] = {}
    show_tabs: Callable[..., None] = widgets.show_tabs

    def recording_tabs(key: str, sections: dict[str, Callable[[], None]]) -> None:
        seen[key] = (key, list(sections))
        show_tabs(key, sections)

    widgets.show_tabs = recording_tabs  # type: ignore[assignment]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.session_state["period"] = str(Quarter.current().shift(-1))
    at.run()
    results: dict[str, list[float]] = {}

    def measure(label: str, prepare: Callable[[], object]) -> None:
        runs, sql = [], []
        for _ in range(REPEAT):
            prepare()
            clock.seconds = 0.0
            start = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - start)
            sql.append(clock.seconds)
            if at.exception:
                raise RuntimeError(f"{label}: {at.exception}")
        results[label] = [statistics.median(runs), statistics.median(sql)]

    for spec in page_specs():
        path = f"strategy/ui/pages/{spec.module}.py"
        seen.clear()
        measure(spec.key, functools.partial(at.switch_page, path))
        for key, labels in list(seen.values()):
            for label in labels[1:]:
                at.session_state[key] = label
                measure(f"{spec.key} / {label}", lambda: None)
            at.session_state[key] = labels[0]

    # Interactions inside a page, as a person makes them: each step sets widgets and
    # runs; the last step's run is the one measured.
    first_team = storage.shared_connection(db_path).execute(
        "SELECT min(id) FROM team").fetchone()
    team = first_team[0] if first_team else None
    newest = storage.shared_connection(db_path).execute(
        "SELECT id FROM complaint ORDER BY received_on DESC, id DESC LIMIT 1").fetchone()
    first_complaint = newest[0] if newest else None
    interactions: list[tuple[str, str, list[dict[str, object]]]] = [
        ("recognition / Log, a search", "step09_recognition",
         [{"recognition_tab": "Log"}, {"log_text": "Taylor"}]),
        ("recognition / Log, page 500", "step09_recognition",
         [{"recognition_tab": "Log", "log_text": ""}, {"log_page": 500}]),
        ("recognition / finding someone to recognise", "step09_recognition",
         [{"recognition_tab": "Recognise someone"}, {"rec_new_0_recipients_find": "Ali"}]),
        ("measures / the scorecard of one team", "step10_measures",
         [{"measures_tab": "Scorecard"}, {"scorecard_scope": f"team:{team}"}]),
        ("people / one team's workforce", "step08_people",
         [{}, {"workforce_team_id": team}]),
        ("staff / a search", "people", [{"people_tab": "Staff list"}, {"staff_text": "Ali"}]),
        ("vision / the wall, page 5", "step03_vision", [{}, {"wall_page": 5}]),
        ("complaints / all dates, 500 a page, page 20", "complaints",
         [{"complaints_tab": "Register"}, {"register_all_dates": True, "register_size": 500},
          {"register_page": 20}]),
        ("complaints / a search of the register", "complaints",
         [{"complaints_tab": "Register"}, {"register_all_dates": True},
          {"register_text": "refund"}]),
        ("complaints / a record opened", "complaints",
         [{"complaints_tab": "Register"},
          {"register_all_dates": True, "register_text": "", "register_size": 50},
          {"register_choice": first_complaint}])]
    for label, module, steps in interactions:
        at.switch_page(f"strategy/ui/pages/{module}.py")
        for values in steps[:-1]:
            for key, value in values.items():
                at.session_state[key] = value
            at.run()

        def last(values: dict[str, object] = steps[-1]) -> None:
            for key, value in values.items():
                at.session_state[key] = value

        measure(label, last)
    return results




def measure_in_process(path: Path, env: dict[str, str] | None = None
                       ) -> dict[str, list[float]]:
    # Each database in its own process: one shared connection per process and path.
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys, json; sys.path.insert(0, sys.argv[1]); "
         "from bench.bench_pages import page_times; from pathlib import Path; "
         "print(json.dumps(page_times(Path(sys.argv[2]))))", str(ROOT), str(path)],
        check=True, capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})})
    times: dict[str, list[float]] = json.loads(result.stdout.strip().splitlines()[-1])
    return times


def on_postgres(large: Path, url: str, folder: Path) -> dict[str, list[float]]:
    """The large organisation restored into PostgreSQL at ``url``, measured there."""
    from strategy.core.pg import open_postgres
    from strategy.io import backup

    with access.acting(ADMIN):
        start = time.perf_counter()
        backup.create_backup(large, folder / "large.zip")
        con = open_postgres(url)
        try:
            backup.restore_into_postgres(folder / "large.zip", con)
        finally:
            con.close()
    print(f"Restored the large organisation into PostgreSQL in "
          f"{time.perf_counter() - start:.1f} s (backup and restore).")
    return measure_in_process(large, {"STRATEGY_DATABASE_URL": url,
                                      "STRATEGY_SECRET": "benchmark secret"})


def main() -> None:
    args = sys.argv[1:]
    url = None
    if "--postgres" in args:
        at = args.index("--postgres")
        url = args[at + 1]
        del args[at:at + 2]
    pg: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo = build("demo", folder)
        if args:
            large = folder / "large.duckdb"
            shutil.copyfile(args[0], large)
        else:
            large = build("large", folder)
        small, big = measure_in_process(demo), measure_in_process(large)
        if url:
            pg = on_postgres(large, url, folder)
    print(f"\nQuarter chosen: {Quarter.current().shift(-1)}; median of {REPEAT} runs each.")
    print(f"{'page / tab':<44} {'demo ms':>8} {'large ms':>9} {'ratio':>6} {'SQL share':>10}")
    worst = 0.0
    for label, (seconds, sql) in big.items():
        demo_seconds = small.get(label, [float("nan")])[0]
        worst = max(worst, seconds)
        print(f"{label:<44} {demo_seconds * 1000:8.0f} {seconds * 1000:9.0f} "
              f"{seconds / demo_seconds:6.1f} {sql / seconds:9.0%}")
    print(f"slowest at large: {worst * 1000:.0f} ms")
    if pg:
        print(f"\nThe large organisation on PostgreSQL, median of {REPEAT} runs each.")
        print(f"{'page / tab':<44} {'DuckDB ms':>10} {'Postgres ms':>12} {'ratio':>6}")
        slowest = ("", 0.0)
        for label, (seconds, _) in pg.items():
            duck = big.get(label, [float("nan")])[0]
            slowest = max(slowest, (label, seconds / duck), key=lambda x: x[1])
            print(f"{label:<44} {duck * 1000:10.0f} {seconds * 1000:12.0f} "
                  f"{seconds / duck:6.1f}")
        print(f"largest ratio: {slowest[1]:.1f} ({slowest[0]}); slowest on PostgreSQL: "
              f"{max(s for s, _ in pg.values()) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
