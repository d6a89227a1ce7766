"""The many-people benchmark's smallest round as a test: four signed-in people of the
demo, each a client without a browser over Streamlit's websocket (bench/bench_people.py),
opening pages and tabs from their own sidebar for a few seconds. Every click is
answered, each person reaches pages beyond the first, and nobody sees an error or a
refusal (the sidebar offers only what the role may open). Timings are printed by
``make bench``, not asserted here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.bench_people import run_round

ROOT = Path(__file__).resolve().parent.parent


def test_four_people_clicking_around_see_no_error(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "strategy", "demo", "--db", str(db)], cwd=ROOT,
                   check=True, capture_output=True)
    result = run_round(db, people=4, seconds=12)
    assert result.errors == []
    assert len(result.clicks) >= 4 * 4  # about one click every 2 s each
    assert len({click.what.split(" / ")[0] for click in result.clicks}) >= 4
    assert any(" / " in click.what for click in result.clicks)  # tabs were opened too
