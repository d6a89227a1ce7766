"""Import speed and memory: a help desk's export of 50,000 tickets in 40 columns.

Run by ``make bench``. Each import runs as ``python -m strategy import`` in a
process of its own, as a person runs it, timed from outside with its peak
memory (the child's maximum resident set size). Prints figures; asserts nothing.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from strategy.core import access  # noqa: E402
from strategy.core.access import Identity  # noqa: E402
from strategy.core.db import open_database  # noqa: E402
from tests.exports import setup_organisation  # noqa: E402

TICKETS = 50_000
ORG = "Harbour Leisure Trust"


def export(bad: bool = False) -> bytes:
    """A Zendesk-shaped export: its own columns, then custom fields to 40 in all."""
    head = ["Id", "Requester", "Requester id", "Requester email", "Assignee", "Group",
            "Subject", "Tags", "Status", "Priority", "Via", "Ticket type", "Created at",
            "Updated at", "Assigned at", "Solved at", "Due date", "Satisfaction Score",
            *[f"Custom field {i}" for i in range(22)]]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    vias = ["Email", "Web form", "Phone call (incoming)", "Chat", "Web Widget"]
    for i in range(TICKETS):
        day = 1 + i % 28
        solved = i % 3 != 0
        tags = "complaint billing" if i % 4 else "compliment"
        writer.writerow([
            100000 + i, f"Customer {i}", 500000 + i, f"c{i}@example.org",
            ["Amara Okafor", "Ben Hall", "Cleo Diaz"][i % 3], "Support",
            f"Ticket number {i} about a bill", tags, "Solved" if solved else "Open",
            "Normal", vias[i % 5], "Problem",
            "not recorded" if bad else f"2026-03-{day:02d} 09:{i % 60:02d}:44 +0100",
            f"2026-03-{day:02d} 10:00:00 +0100", "",
            f"2026-03-{min(day + 1, 28):02d} 10:00:00 +0100" if solved else "", "", "Good",
            *[f"value {i % 7}" for _ in range(22)]])
    return buffer.getvalue().encode("utf-8")


def run(db: Path, path: Path) -> tuple[float, float, int, str]:
    """Seconds, peak resident memory (MiB), exit status and first line said, of one
    import process (reaped with wait4, which reports that child's own peak)."""
    with tempfile.TemporaryFile() as said:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "strategy", "import", "complaints",
                                  str(path), "--db", str(db), "--org", ORG],
                                 stdout=said, stderr=subprocess.STDOUT, cwd=ROOT)
        _pid, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        said.seek(0)
        first = said.read().decode("utf-8", "replace").strip().splitlines()
    return elapsed, usage.ru_maxrss / 1024, child.returncode, first[0][:100] if first else ""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "import.duckdb"
        with access.acting(Identity.shell("bench")):
            con = open_database(db)
            setup_organisation(con, ORG)
            con.close()
        good, bad = folder / "tickets.csv", folder / "refused.csv"
        good.write_bytes(export())
        bad.write_bytes(export(bad=True))
        print(f"Help desk export: {TICKETS:,} tickets, 40 columns, "
              f"{good.stat().st_size / 1e6:.1f} MB")
        # The refused file first (nothing in the database yet), then the good one, then
        # the same again (every ticket already held: all compared, nothing written).
        for label, path in [("refused (no row has a real date)", bad), ("imported", good),
                            ("imported again (all held)", good)]:
            seconds, peak, code, said = run(db, path)
            print(f"  {label:<34} {seconds:6.2f} s   peak {peak:5.0f} MiB   exit {code}   "
                  f"{said}")


if __name__ == "__main__":
    main()
