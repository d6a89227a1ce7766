"""The command line, run as a person runs it: in a subprocess."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from strategy.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "strategy", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_every_command_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    choices: dict[str, argparse.ArgumentParser] = subparsers.choices  # type: ignore[assignment]
    for name, command in choices.items():
        assert command.description, name
        assert all(action.help for action in command._actions), name
    result = run("--help")
    assert result.returncode == 0
    assert "migrate" in result.stdout and "demo" in result.stdout


def test_demo_command_loads_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "cli.duckdb"
    result = run("demo", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "Riverbend Water (demo)" in result.stdout
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM segment").fetchone() == (12,)
    con.close()
    again = run("demo", "--db", str(path))
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_migrate_loads_the_demo_only_when_empty(tmp_path: Path) -> None:
    path = tmp_path / "first.duckdb"
    first = run("migrate", "--db", str(path), "--demo-if-empty")
    assert first.returncode == 0 and "Loaded the demo" in first.stdout
    second = run("migrate", "--db", str(path), "--demo-if-empty")
    assert second.returncode == 0 and "Loaded the demo" not in second.stdout


def test_unopenable_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database" * 100)
    result = run("migrate", "--db", str(bad))
    assert result.returncode == 1
    assert f"Cannot open the database file {bad}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["frobnicate"], []])
def test_unknown_or_missing_command(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
