"""The command line, run as a person runs it: in a subprocess."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from strategy.cli import build_parser
from strategy.core import access

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


def run_with_input(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "strategy", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def test_user_commands_manage_accounts(tmp_path: Path) -> None:
    db = str(tmp_path / "users.duckdb")
    assert run("demo", "--db", db).returncode == 0
    first = run("migrate", "--db", db, "--setup-link", "http://localhost:8501")
    assert "http://localhost:8501/setup/" in first.stdout
    added = run_with_input("a strong first password\n", "user", "add", "ada", "--role", "admin",
                           "--display-name", "Ada Admin", "--db", db)
    assert added.returncode == 0, added.stderr
    assert "administrator of everything" in added.stdout
    # With an account, no set-up link is offered any more.
    assert "/setup/" not in run("migrate", "--db", db, "--setup-link", "http://x").stdout
    lee = run_with_input("leaders password 1\n", "user", "add", "lee@example.org", "--role",
                         "leader", "--org", "Riverbend Water (demo)", "--db", db)
    assert lee.returncode == 0, lee.stderr
    short = run_with_input("short\n", "user", "add", "sam", "--role", "viewer", "--org",
                           "Riverbend Water (demo)", "--db", db)
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    no_org = run_with_input("long enough pw\n", "user", "add", "sam", "--role", "viewer",
                            "--db", db)
    assert no_org.returncode == 1 and "--org" in no_org.stderr
    listed = run("user", "list", "--db", db)
    assert "ada\tAda Admin\tadministrator of everything" in listed.stdout
    assert "lee@example.org" in listed.stdout
    assert "Leader in Riverbend Water (demo)" in listed.stdout
    assert "password" not in listed.stdout.lower().replace("reset-password", "")
    assert run_with_input("another good one\n", "user", "reset-password", "lee@example.org",
                          "--db", db).returncode == 0
    assert run("user", "role", "lee@example.org", "--org", "Riverbend Water (demo)", "--role",
               "hr", "--db", db).returncode == 0
    assert run("user", "disable", "lee@example.org", "--db", db).returncode == 0
    assert "(disabled)" in run("user", "list", "--db", db).stdout
    unknown = run("user", "disable", "nobody", "--db", db)
    assert unknown.returncode == 1 and "no account" in unknown.stderr
    con = duckdb.connect(db, read_only=True)
    events = [r[0] for r in con.execute("SELECT event FROM access_log ORDER BY id").fetchall()]
    con.close()
    assert events.count("account added") == 2 and "password reset" in events
    assert "account disabled" in events and events.count("role changed") == 2


def test_export_as_a_leader_leaves_out_the_recognition_log(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    db = str(tmp_path / "export.duckdb")
    assert run("demo", "--db", db).returncode == 0
    for role in ("leader", "hr"):
        out = tmp_path / f"{role}.xlsx"
        result = run("export", "--org", "Riverbend Water (demo)", "--period", "2026-Q3",
                     "--role", role, "--out", str(out), "--db", db)
        assert result.returncode == 0, result.stderr
        book = load_workbook(out)
        tables = {name for ws in book.worksheets for name in ws.tables}
        assert ("RecognitionLog" in tables) is (role == "hr")
        assert ("RecognitionCounts" in tables) is (role == "leader")
    con = duckdb.connect(db, read_only=True)
    downloads = con.execute("SELECT who, detail FROM access_log WHERE event = 'download'"
                            ).fetchall()
    con.close()
    assert len(downloads) == 1 and "recognition log" in downloads[0][1]
    assert downloads[0][0].endswith("(command line)")


def test_export_loads_only_what_the_pack_needs(tmp_path: Path) -> None:
    """A command's start-up counts in its time: the pack must not wait for the importers,
    the mail code or the backup (issue: the pack as quick as a bare writer)."""
    db = str(tmp_path / "lean.duckdb")
    assert run("demo", "--db", db).returncode == 0
    script = (
        "import sys\nfrom strategy.cli import main\n"
        f"status = main(['export', '--org', 'Riverbend Water (demo)', '--period', '2026-Q3', "
        f"'--out', {str(tmp_path / 'lean.xlsx')!r}, '--db', {db!r}])\n"
        "print(status, ' '.join(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    status, loaded = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "0", result.stderr
    modules = set(loaded.split())
    assert "strategy.io.review_pack" in modules
    for heavy in ("strategy.io.imports", "strategy.io.staff_import", "strategy.io.remind",
                  "strategy.io.remind_via_app", "strategy.io.backup", "smtplib",
                  "pandas", "openpyxl"):
        assert heavy not in modules, heavy


def test_export_loads_the_pack_while_the_database_opens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack's modules are imported on a thread of their own, started before the
    database is opened (opening lets go of Python's lock); the pack is built as usual."""
    import threading

    from strategy import cli

    db = str(tmp_path / "meanwhile.duckdb")
    assert run("demo", "--db", db).returncode == 0
    seen: list[tuple[str, bool]] = []
    real_open = cli.open_database  # type: ignore[attr-defined]

    def open_database(*args: object, **kwargs: object) -> object:
        seen.append(("open", any(t.name == "load-strategy.io.review_pack"
                                 for t in threading.enumerate())
                     or "strategy.io.review_pack" in sys.modules))
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "open_database", open_database)
    monkeypatch.delitem(sys.modules, "strategy.io.review_pack", raising=False)
    out = tmp_path / "meanwhile.xlsx"
    with access.acting(access.current_or_none()):  # main() acts as the shell: not after
        assert cli.main(["export", "--org", "Riverbend Water (demo)", "--period", "2026-Q3",
                         "--out", str(out), "--db", db]) == 0
    assert seen == [("open", True)]
    assert out.stat().st_size > 0
    import gc

    assert gc.get_freeze_count() == 0  # what the build left out of collections is put back


def test_a_module_that_fails_to_load_meanwhile_fails_where_it_is_used() -> None:
    from strategy import cli

    cli._load_meanwhile("strategy.no_such_module")  # no error on the thread
    with pytest.raises(ModuleNotFoundError):
        __import__("strategy.no_such_module")


def test_output_and_status_survive_the_quick_exit(tmp_path: Path) -> None:
    """A command that returned ends without Python's teardown (strategy.__main__): what
    it printed still reaches a pipe, and its status is the one it returned."""
    out = tmp_path / "employees.xlsx"
    done = run("template", "employees", "--out", str(out))
    assert done.returncode == 0 and done.stdout == f"Wrote the employees template to {out}.\n"
    failed = run("export", "--org", "Nobody", "--period", "2026-Q3",
                 "--db", str(tmp_path / "empty.duckdb"))
    assert failed.returncode == 1
    assert failed.stderr == "Error: There is no organisation called “Nobody”.\n"
