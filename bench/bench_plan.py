"""Benchmark: how the plan's queries and pages cope with a large organisation.

    make bench        (or: .venv/bin/python bench/bench_plan.py [SCALE])

Prints timings; asserts nothing. SCALE multiplies the default sizes
(200 segments, 14 assessments each, 400 standards, 600 brainstorm entries).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from strategy.core import access  # noqa: E402
from strategy.core.db import open_database  # noqa: E402
from strategy.core.orgs import create_organisation  # noqa: E402
from strategy.core.vocabulary import CHANNELS, EVIDENCE_SOURCES, SERVICE_QUALITIES  # noqa: E402
from strategy.customers import needs, segments  # noqa: E402
from strategy.people import personnel  # noqa: E402
from strategy.plan.steps import statuses  # noqa: E402
from strategy.service import standards, vision  # noqa: E402


def timed(label: str, action: Callable[[], object], repeat: int = 5) -> None:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    print(f"{label:<48} median {statistics.median(runs) * 1000:8.1f} ms   "
          f"max {max(runs) * 1000:8.1f} ms   ({repeat} runs)")


# The benchmark acts as an administrator, in the domain and in the app's page runs
# (AppTest has no browser, so no sign-in cookie: the page is told who is signed in).
BENCH_USER = access.Identity.shell("Benchmark")


def act_as_bench_user() -> None:
    from strategy.ui import session

    access.set_current(BENCH_USER)
    session.request_identity = lambda shared=False: BENCH_USER  # type: ignore[assignment,misc]


def main() -> None:
    act_as_bench_user()
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    n_segments, n_standards, n_entries = int(200 * scale), int(400 * scale), int(600 * scale)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        con = open_database(path)
        org = create_organisation(con, "Large Org")
        today = date.today()
        start = time.perf_counter()
        for t in range(20):  # the teams that serve the segments
            personnel.add_team(con, org.id, f"T{t}")
        for i in range(n_segments):
            segment_id = segments.add_segment(con, org.id, segments.SegmentInput(
                f"Segment {i}", "internal" if i % 3 else "external", serving_teams=[f"T{i % 20}"],
                channels=[CHANNELS[i % len(CHANNELS)]]))
            for j, quality in enumerate(SERVICE_QUALITIES):
                needs.add_assessment(con, org.id, needs.AssessmentInput(
                    segment_id, quality, 1 + (i + j) % 5, 1 + (i * j) % 5,
                    EVIDENCE_SOURCES[(i + j) % len(EVIDENCE_SOURCES)],
                    today - timedelta(days=(i * 7 + j) % 400)), today=today)
        for i in range(n_standards):
            standards.add_standard(con, org.id, standards.StandardInput(
                f"Standard {i}", CHANNELS[i % len(CHANNELS)], SERVICE_QUALITIES[i % 14],
                measure="Minutes", target=10 + i % 50, unit="minutes", direction="lower"))
        for i in range(n_entries):
            with access.acting(access.Identity.shell(f"Person {i % 40}")):
                vision.add_entry(con, org.id, f"Answer number {i}")
        elapsed = time.perf_counter() - start
        n_assessments = n_segments * len(SERVICE_QUALITIES)
        writes = n_segments + n_assessments + n_standards + n_entries
        print(f"data: {n_segments} segments, {n_assessments} assessments, {n_standards} "
              f"standards, {n_entries} brainstorm entries")
        print(f"{'writing it through the domain functions':<48} {elapsed:8.2f} s total, "
              f"{elapsed / writes * 1000:.2f} ms per save")

        timed("list_assessments (latest only)",
              lambda: needs.list_assessments(con, org.id, latest_only=True))
        timed("priorities", lambda: needs.priorities(con, org.id))
        timed("list_standards", lambda: standards.list_standards(con, org.id))
        timed("list_entries (brainstorm wall)", lambda: vision.list_entries(con, org.id))
        timed("statuses of all eleven steps", lambda: statuses(con, org.id))
        con.close()

        # Whole page runs, as a person's browser triggers them.
        os.environ["STRATEGY_DB"] = str(path)
        from streamlit.testing.v1 import AppTest

        app = str(ROOT / "app.py")
        for page in ["overview", "step01_customers", "step02_needs", "step03_vision",
                     "step04_standards"]:
            def render(page: str = page) -> None:
                at = AppTest.from_file(app, default_timeout=120).run()
                if page != "overview":
                    at.switch_page(f"strategy/ui/pages/{page}.py").run()
                assert not at.exception, at.exception
            timed(f"page run: {page}" + ("" if page == "overview" else " (+ overview)"),
                  render, repeat=3)


def bench_people() -> None:
    """The people pages on a large staff: several thousand people and their records."""
    from strategy.demo.riverbend import load_demo
    from strategy.io.staff_import import guess_mapping, import_employees, preview_employees
    from strategy.io.tabular import read_table
    from strategy.people.personnel import add_team, list_employees
    from strategy.people.recognition import RecognitionInput, add_recognition

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "staff.duckdb"
        con = open_database(path)
        org = load_demo(con)
        add_team(con, org.id, "Imported")
        rows = ["Employee number,Name,Team,Hire date"] + [
            f"B{i},Person {i},Imported,2021-{1 + i % 12:02d}-{1 + i % 28:02d}"
            for i in range(5000)]
        data = "\n".join(rows).encode()
        start = time.perf_counter()
        table = read_table("big.csv", data)
        preview = preview_employees(con, org.id, table, guess_mapping(table.headers))
        checked = time.perf_counter() - start
        import_employees(con, org.id, preview)
        print(f"{'import 5,000 employees: check / check + write':<48} {checked:8.2f} s / "
              f"{time.perf_counter() - start:.2f} s")
        staff = [e.id for e in list_employees(con, org.id, active_on=date.today())]
        values = [row[0] for row in con.execute("SELECT id FROM org_value").fetchall()]
        start = time.perf_counter()
        for i in range(2000):
            add_recognition(con, org.id, RecognitionInput(
                [staff[i % len(staff)]], date.today() - timedelta(days=i % 700), "Bench",
                "peer", "Benchmark", value_id=values[i % len(values)]),
                reason="Benchmark data in reviewed quarters")
        print(f"{'2,000 recognition records':<48} {time.perf_counter() - start:8.2f} s")
        con.close()
        os.environ["STRATEGY_DB"] = str(path)
        from streamlit.testing.v1 import AppTest

        for page in ["people", "step05_accountability", "step07_training", "step08_people",
                     "step09_recognition"]:
            def render(page: str = page) -> None:
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
                at.switch_page(f"strategy/ui/pages/{page}.py").run()
                assert not at.exception, at.exception
            timed(f"page run: {page} (+ overview)", render, repeat=3)


if __name__ == "__main__":
    main()
    bench_people()
