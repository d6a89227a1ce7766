"""As the server starts to serve, it loads what the pages use, so that the first
person after a start does not wait for it (strategy/ui/server.py, _warm_up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# In a process of its own: this one has imported the pages already, for other tests.
SCRIPT = """
import asyncio, json, sys, threading
from strategy.ui import server
from strategy.ui.navigation import page_specs

pages = [f"strategy.ui.pages.{spec.module}" for spec in page_specs()]
before = [name for name in pages if name in sys.modules]

async def streamlit(scope, receive, send):
    pass

asyncio.run(server.RequireSignIn(streamlit)({"type": "lifespan"}, None, None))
warm_up = [t for t in threading.enumerate() if t.name == "warm-up"]
for thread in warm_up:
    thread.join(120)
print(json.dumps({"before": before, "threads": len(warm_up),
                  "missing": [name for name in pages if name not in sys.modules],
                  "charts": "altair" in sys.modules}))
"""


def test_the_server_loads_every_page_as_it_starts_to_serve(tmp_path: Path) -> None:
    env = {**os.environ, "STRATEGY_DB": str(tmp_path / "strategy.duckdb")}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=180)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == []  # importing the server loads no page ...
    assert seen["threads"] == 1  # ... starting to serve does, on a thread of its own
    assert seen["missing"] == [] and seen["charts"]
