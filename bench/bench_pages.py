"""Every page's server-side script run on the demo and on a large organisation.

    .venv/bin/python bench/bench_pages.py [LARGE_DB]

Builds the demo in a temporary file and, unless LARGE_DB names one already built
with ``python -m strategy demo --size large``, the large organisation too; then
runs each page as the app does (AppTest, signed in as an administrator) three
times and prints the median per page, large beside demo, and the ratio.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from strategy import access  # noqa: E402
from strategy.ui.navigation import page_specs  # noqa: E402

ADMIN = access.Identity.shell("Benchmark")
REPEAT = 3


def page_times(db_path: Path) -> dict[str, float]:
    """Median seconds of each page's script run on ``db_path``."""
    from streamlit.testing.v1 import AppTest

    from strategy.ui import context

    os.environ["STRATEGY_DB"] = str(db_path)
    context.request_identity = lambda: ADMIN  # type: ignore[assignment]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
    results = {}
    for spec in page_specs():
        runs = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            at.switch_page(f"strategy/ui/pages/{spec.module}.py").run()
            runs.append(time.perf_counter() - start)
            if at.exception:
                raise RuntimeError(f"{spec.key}: {at.exception}")
        results[spec.key] = statistics.median(runs)
    return results


def build(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.duckdb"
    command = [sys.executable, "-m", "strategy", "demo", "--db", str(path)]
    if kind == "large":
        command += ["--size", "large"]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    print(f"built the {kind} organisation in {time.perf_counter() - start:.1f} s")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo = build("demo", folder)
        if len(sys.argv) > 1:
            large = folder / "large.duckdb"
            shutil.copyfile(sys.argv[1], large)
        else:
            large = build("large", folder)
        # Each measured in its own process: one shared connection per process and path.
        times = {}
        for name, path in (("demo", demo), ("large", large)):
            result = subprocess.run(
                [sys.executable, "-c",
                 "import sys, json; sys.path.insert(0, sys.argv[1]); "
                 "from bench.bench_pages import page_times; from pathlib import Path; "
                 "print(json.dumps(page_times(Path(sys.argv[2]))))", str(ROOT), str(path)],
                check=True, capture_output=True, text=True, cwd=ROOT)
            import json

            times[name] = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\n{'page':<24} {'demo ms':>9} {'large ms':>9} {'ratio':>7}")
    for spec in page_specs():
        small, big = times["demo"][spec.key], times["large"][spec.key]
        print(f"{spec.key:<24} {small * 1000:9.0f} {big * 1000:9.0f} {big / small:7.1f}")


if __name__ == "__main__":
    main()
