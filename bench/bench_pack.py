"""Benchmark: the review pack on the demo and on a large organisation, beside a peer.

    make bench        (or: .venv/bin/python bench/bench_pack.py [LARGE_DB] [--whole-log])

Builds the demo and, unless LARGE_DB names one already built with
``python -m strategy demo --size large``, the large organisation (20,000 staff,
84,000 recognitions in the latest full quarter), each in a temporary copy. Then,
for the latest full quarter, times ``build_pack`` as an administrator (median of
three) and, of that, the time spent writing the workbook on the calling thread (the
sheets are worked out side by side on other threads; see ``build_pack``).

The peer, measured in the same run: pandas ``DataFrame.to_excel`` with the
xlsxwriter engine writing the same cells — each sheet of the built pack read
back and written as one frame, values only (no styles, sizes, tables, charts or
print set-up). It is timed twice: in this process, beside ``build_pack``; and as a
process of its own (import pandas, load the cells, write them) beside the command
line, ``python -m strategy export``, each run from the start of the process to its
end, alternating, median of five: start-up counts on both sides. ``--whole-log``
adds a run with the whole recognition log (``log_limit=None``), which the app does
not offer, against the peer writing those cells. Prints figures; asserts nothing.
The peer needs XlsxWriter: ``pip install -r requirements.txt`` (the pack writes with
it too).
"""

from __future__ import annotations

import importlib.util
import io
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.organisations import build  # noqa: E402
from strategy.core import access  # noqa: E402
from strategy.core.db import open_database  # noqa: E402
from strategy.core.periods import Quarter  # noqa: E402
from strategy.io import review_pack  # noqa: E402

REPEAT = 3
PROCESS_REPEAT = 5
QUARTER = Quarter.current().shift(-1)


@dataclass(frozen=True)
class Result:
    label: str
    records: int  # recognition records in the quarter
    pack: float  # median seconds for build_pack
    writing: float  # of which writing the workbook
    peer: float  # median seconds for the pandas/xlsxwriter peer
    command: float  # median seconds for python -m strategy export, a whole process
    peer_process: float  # median seconds for the peer as a whole process
    pack_bytes: int
    peer_bytes: int


class WritingClock:
    """Seconds spent writing the workbook on the calling thread (sheets, then saving)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._depth = 0
        for name in ("write", "close"):
            setattr(review_pack._Writer, name,
                    self._timed(getattr(review_pack._Writer, name)))

    def _timed(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self._depth -= 1
                if not self._depth:  # a method calling another is counted once
                    self.seconds += time.perf_counter() - start
        return timed




def peer(data: bytes) -> tuple[float, int]:
    """pandas/xlsxwriter writing the pack's cells: seconds (median) and bytes."""
    import pandas as pd
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheets = {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
              for ws in book.worksheets}
    times, size = [], 0
    for _ in range(REPEAT):
        start = time.perf_counter()
        frames = {title: pd.DataFrame(rows) for title, rows in sheets.items()}
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
            for title, frame in frames.items():
                frame.to_excel(writer, sheet_name=title, index=False, header=False)
        times.append(time.perf_counter() - start)
        size = len(buffer.getvalue())
    return statistics.median(times), size


PEER_PROCESS = """
import pickle, sys
import pandas as pd
sheets = pickle.load(open(sys.argv[1], "rb"))
with pd.ExcelWriter(sys.argv[2], engine="xlsxwriter") as writer:
    for title, rows in sheets.items():
        pd.DataFrame(rows).to_excel(writer, sheet_name=title, index=False, header=False)
"""


def processes(data: bytes, path: Path, org: str, folder: Path) -> tuple[float, float]:
    """Median seconds of ``python -m strategy export`` and of the peer as a process of
    its own, run in turn."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    cells = folder / "cells.pickle"
    cells.write_bytes(pickle.dumps({ws.title: [list(row) for row in
                                               ws.iter_rows(values_only=True)]
                                    for ws in book.worksheets}))
    command = [sys.executable, "-m", "strategy", "export", "--db", str(path), "--org", org,
               "--period", str(QUARTER), "--out", str(folder / "command.xlsx")]
    peer_command = [sys.executable, "-c", PEER_PROCESS, str(cells), str(folder / "peer.xlsx")]
    ours: list[float] = []
    theirs: list[float] = []
    for run in range(PROCESS_REPEAT + 1):  # the first of each warms the file cache
        for command_, times in ((command, ours), (peer_command, theirs)):
            start = time.perf_counter()
            subprocess.run(command_, cwd=ROOT, check=True, capture_output=True)
            if run:
                times.append(time.perf_counter() - start)
    return statistics.median(ours), statistics.median(theirs)


def measure(label: str, path: Path, clock: WritingClock,
            log_limit: int | None = review_pack.LOG_LIMIT) -> Result:
    con = open_database(path)
    try:
        row = con.execute("SELECT id, name FROM organisation ORDER BY id LIMIT 1").fetchone()
        assert row is not None
        org_id, org_name = int(row[0]), str(row[1])
        counted = con.execute(
            "SELECT count(*) FROM recognition WHERE org_id = ? AND deleted_at IS NULL "
            "AND given_on BETWEEN ? AND ?", [org_id, QUARTER.start, QUARTER.end]).fetchone()
        review_pack.build_pack(con, org_id, QUARTER, log_limit=log_limit)  # warm up
        times, writing, data = [], [], b""
        for _ in range(REPEAT):
            clock.seconds = 0.0
            start = time.perf_counter()
            data = review_pack.build_pack(con, org_id, QUARTER, log_limit=log_limit)
            times.append(time.perf_counter() - start)
            writing.append(clock.seconds)
    finally:
        con.close()
    peer_seconds, peer_bytes = peer(data)
    command = peer_process = float("nan")
    if log_limit == review_pack.LOG_LIMIT:  # the command line writes the pack as the app does
        command, peer_process = processes(data, path, org_name, path.parent)
    return Result(label, int(counted[0]) if counted else 0, statistics.median(times),
                  statistics.median(writing), peer_seconds, command, peer_process,
                  len(data), peer_bytes)


def main() -> None:
    if importlib.util.find_spec("xlsxwriter") is None:
        sys.exit("The peer needs XlsxWriter: pip install -r requirements.txt")
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    whole = "--whole-log" in sys.argv[1:]
    access.set_current(access.Identity.shell("Benchmark"))
    clock = WritingClock()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo = build("demo", folder)
        if args:
            # A copy: building a pack with the log writes to the database's access log.
            large = folder / "large.duckdb"
            shutil.copyfile(args[0], large)
        else:
            large = build("large", folder)
        results = [measure("demo", demo, clock), measure("large", large, clock)]
        if whole:
            results.append(measure("large, whole log", large, clock, log_limit=None))
    print(f"\nReview pack for {QUARTER}, median of {REPEAT} runs; the peer is pandas "
          "to_excel (xlsxwriter) writing the same cells, in this run.")
    print(f"{'organisation':<18} {'records':>8} {'pack s':>7} {'writing s':>9} "
          f"{'peer s':>7} {'pack MB':>8} {'peer MB':>8}")
    for r in results:
        print(f"{r.label:<18} {r.records:8,} {r.pack:7.2f} {r.writing:9.2f} {r.peer:7.2f} "
              f"{r.pack_bytes / 1e6:8.2f} {r.peer_bytes / 1e6:8.2f}")
    print(f"\nWhole processes, median of {PROCESS_REPEAT} in turn: python -m strategy export "
          "against a process that imports pandas, loads the same cells and writes them.")
    print(f"{'organisation':<18} {'command s':>9} {'peer s':>7} {'ratio':>6}")
    for r in results:
        if r.command == r.command:  # not NaN
            print(f"{r.label:<18} {r.command:9.2f} {r.peer_process:7.2f} "
                  f"{r.command / r.peer_process:6.2f}")


if __name__ == "__main__":
    main()
