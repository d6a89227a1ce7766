"""The organisations the benchmarks measure: the demo and the large one, built by the
command line into a folder, the way a person would build them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(kind: str, folder: Path) -> Path:
    """``kind`` is "demo" or "large"; prints how long the build took."""
    path = folder / f"{kind}.duckdb"
    command = [sys.executable, "-m", "strategy", "demo", "--db", str(path)]
    if kind == "large":
        command += ["--size", "large"]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    print(f"built the {kind} organisation in {time.perf_counter() - start:.1f} s", flush=True)
    return path
