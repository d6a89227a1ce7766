"""The domain core never imports streamlit (only strategy.ui may)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import strategy

CORE_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(strategy.__path__, "strategy.")
    if not info.name.startswith("strategy.ui") and info.name != "strategy.__main__"
)


def test_there_are_core_modules_to_check() -> None:
    assert {"strategy.db", "strategy.steps", "strategy.standards"} <= set(CORE_MODULES)


def test_core_modules_import_without_streamlit() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert 'streamlit' not in sys.modules, name\n"
        "print('clean')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
