"""Benchmark: building the review pack for a large organisation.

    make bench        (or: .venv/bin/python bench/bench_pack.py [RECOGNITIONS])

Loads the demo, adds RECOGNITIONS (default 30,000) recognition records to the
last complete quarter in bulk, then times building the workbook. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from strategy import access  # noqa: E402
from strategy.db import open_database, transaction  # noqa: E402
from strategy.demo import load_demo  # noqa: E402
from strategy.periods import Quarter  # noqa: E402
from strategy.review_pack import build_pack  # noqa: E402


def main() -> None:
    access.set_current(access.Identity.shell("Benchmark"))
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    quarter = Quarter.current().shift(-1)
    with tempfile.TemporaryDirectory() as folder:
        con = open_database(Path(folder) / "pack.duckdb")
        org = load_demo(con)
        with transaction(con):
            # Bulk rows straight in: this benchmark is about the pack, not data entry.
            con.execute(
                """
                INSERT INTO recognition (org_id, given_on, giver, giver_kind, value_id, what,
                                         reward, amount, created_by)
                SELECT ?, CAST(? AS DATE) + CAST(i % 90 AS INTEGER), 'Bench giver', 'peer',
                       (SELECT min(id) FROM org_value WHERE org_id = ?),
                       'Benchmark recognition number ' || i, 'points', 10, 'bench'
                FROM range(?) t(i)
                """, [org.id, quarter.start, org.id, count])
            con.execute(
                """
                INSERT INTO recognition_recipient (recognition_id, org_id, employee_id)
                SELECT r.id, r.org_id, (SELECT min(id) FROM employee WHERE org_id = r.org_id)
                FROM recognition r WHERE r.created_by = 'bench'
                """)
        rows = con.execute("SELECT count(*) FROM recognition WHERE given_on BETWEEN ? AND ?",
                           [quarter.start, quarter.end]).fetchone()
        print(f"organisation: demo + {count:,} extra recognitions; "
              f"{rows[0] if rows else 0:,} recognition rows in {quarter}")
        times = []
        size = 0
        for _ in range(3):
            start = time.perf_counter()
            data = build_pack(con, org.id, quarter)
            times.append(time.perf_counter() - start)
            size = len(data)
        print(f"build_pack: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
              f"(3 runs), {size / 1e6:.1f} MB")
        con.close()


if __name__ == "__main__":
    main()
