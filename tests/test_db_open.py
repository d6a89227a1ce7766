"""Opening the database: damaged and foreign files are refused, said what they are,
and left exactly as they were (the bad-input corpus's "opening the database" part).

Every case is made by code here; the truncated ones cut a copy of the demo."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import duckdb
import pytest

from strategy.core import db
from strategy.core.db import Connection, available_migrations, open_database
from strategy.core.errors import StorageError

ROOT = Path(__file__).resolve().parent.parent
RESTORE = "python -m strategy restore FILE --db"


def files_in(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256: what "nothing changed" means."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(path: Path, *expected: str, read_only: bool = False) -> str:
    """Opening ``path`` is refused with a message naming it and saying each of
    ``expected``; nothing in its folder is created or changed."""
    folder = path.parent if path.parent.exists() else path.parent.parent
    before = files_in(folder)
    with pytest.raises(StorageError) as info:
        open_database(path, read_only=read_only)
    message = info.value.message
    assert message.startswith(f"Cannot open the database file {path}: "), message
    for text in expected:
        assert text in message, message
    assert files_in(folder) == before
    return message


# --- Files that are not this app's database -----------------------------------------


def test_a_sqlite_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    lite = sqlite3.connect(path)
    lite.execute("CREATE TABLE notes (text TEXT)")
    lite.execute("INSERT INTO notes VALUES ('keep me')")
    lite.commit()
    lite.close()
    refused(path, "it is a SQLite database", f"{RESTORE} {path}")


@pytest.mark.parametrize("seed", range(8))
def test_random_bytes_are_not_a_database(tmp_path: Path, seed: int) -> None:
    noise = random.Random(seed)
    path = tmp_path / "strategy.duckdb"
    path.write_bytes(noise.randbytes(noise.choice([1, 11, 4096, 70_000])))
    refused(path, "it is not a DuckDB database file", f"{RESTORE} {path}")


@pytest.mark.parametrize("text", ["these are my notes, not a database\n" * 200,
                                  "name,size\nHomes,100\n", "{\"json\": true}"])
def test_text_files_are_not_a_database(tmp_path: Path, text: str) -> None:
    path = tmp_path / "strategy.duckdb"
    path.write_text(text)
    refused(path, "it is not a DuckDB database file")


@pytest.mark.parametrize("seed", range(3))
def test_a_duckdb_header_over_noise_is_damaged(tmp_path: Path, seed: int) -> None:
    noise = random.Random(seed)
    path = tmp_path / "strategy.duckdb"
    path.write_bytes(noise.randbytes(8) + b"DUCK" + noise.randbytes(300_000))
    refused(path, "it is damaged", f"{RESTORE} {path}")


def test_a_zip_file_is_not_opened_as_a_database(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("manifest.json", "{}")
    refused(path, "it is a zip file", "python -m strategy restore FILE --db")


def test_another_programs_duckdb_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "theirs.duckdb"
    other = duckdb.connect(str(path))
    other.execute("CREATE TABLE invoices (id INTEGER, total DOUBLE)")
    other.execute("INSERT INTO invoices VALUES (1, 9.5)")
    other.close()
    refused(path, "a DuckDB database of another program", "invoices", f"{RESTORE} {path}")


def test_a_folder_is_not_a_database_file(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    refused(folder, "it is a folder, not a file", str(folder / "strategy.duckdb"))


def test_read_only_open_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    refused(tmp_path / "absent.duckdb", "there is no such file", read_only=True)


# --- Files that are fine -------------------------------------------------------------


def test_a_zero_byte_file_becomes_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    path.touch()
    con = open_database(path)
    assert db.applied_versions(con) == {m.version for m in available_migrations()}
    con.close()


def test_an_empty_duckdb_file_becomes_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    duckdb.connect(str(path)).close()
    con = open_database(path)
    assert con.execute("SELECT count(*) FROM organisation").fetchone() == (0,)
    con.close()


def test_extensions_are_never_installed_or_loaded_on_their_own(tmp_path: Path) -> None:
    con = open_database(tmp_path / "strategy.duckdb")
    settings = dict(con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN "
        "('autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
    con.close()
    assert settings == {"autoinstall_known_extensions": "false",
                        "autoload_known_extensions": "false"}


# --- Damaged files -------------------------------------------------------------------

CUTS: list[Callable[[int], int]] = [
    lambda size: 100, lambda size: 4096, lambda size: 12_288, lambda size: 12_289,
    lambda size: 262_144, lambda size: 12_288 + 2 * 262_144, lambda size: size // 4,
    lambda size: size // 2 + 7, lambda size: size - 262_144, lambda size: size - 4096,
    lambda size: size - 1,
]


@pytest.mark.parametrize("cut", range(len(CUTS)))
def test_a_truncated_demo_database_is_refused(tmp_path: Path, demo_template: Path,
                                              cut: int) -> None:
    path = tmp_path / "strategy.duckdb"
    shutil.copyfile(demo_template, path)
    length = CUTS[cut](path.stat().st_size)
    with path.open("r+b") as handle:
        handle.truncate(length)
    refused(path, "it is damaged", f"{RESTORE} {path}")
    # A backup is refused the same way: it must not copy a damaged file.
    refused(path, "it is damaged", read_only=True)


def test_the_whole_demo_database_opens(tmp_path: Path, demo_template: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    shutil.copyfile(demo_template, path)
    open_database(path).close()


def _with_free_blocks(path: Path) -> None:
    """A database whose file has free blocks inside it and free blocks cut off its end,
    as DuckDB leaves it after a large table is dropped."""
    con = open_database(path)
    for name in ("first", "second", "third"):
        con.execute(f"CREATE TABLE {name} AS SELECT range AS i, md5(range::VARCHAR) AS s "
                    "FROM range(300000)")
        con.execute("CHECKPOINT")
    con.execute("DROP TABLE first")
    con.execute("DROP TABLE third")
    con.execute("CHECKPOINT")
    con.close()


def test_free_blocks_past_the_end_are_not_damage(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    con = open_database(path)
    total, used = con.execute("SELECT total_blocks, used_blocks FROM pragma_database_size()"
                              ).fetchone() or (0, 0)
    assert total > used  # the case this test is about
    assert con.execute("SELECT count(*) FROM second").fetchone() == (300000,)
    con.close()


def test_a_half_appended_block_nothing_uses_is_not_damage(tmp_path: Path) -> None:
    """A power cut while DuckDB appends a block leaves part of it on disk; nothing in the
    database points at it yet, so the file is sound."""
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    with path.open("ab") as handle:
        handle.write(b"\0" * 5000)
    con = open_database(path)
    assert con.execute("SELECT sum(i) FROM second").fetchone() == (sum(range(300000)),)
    con.close()


def test_a_cut_through_a_block_in_use_is_found_among_free_blocks(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size - 300_000)
    refused(path, "it is damaged")


class _Watched:
    """A connection that keeps the text of every statement run through it."""

    def __init__(self, con: Connection, seen: list[str]) -> None:
        self._con, self._seen = con, seen

    def execute(self, sql: str, *args: object) -> Connection:
        self._seen.append(sql)
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def _storage_looks(monkeypatch: pytest.MonkeyPatch, path: Path) -> int:
    """Open ``path`` and close it as the command line does; how many times the opening
    looked through the tables' blocks."""
    seen: list[str] = []
    real = db._connect
    monkeypatch.setattr(db, "_connect",
                        lambda *args: cast(Connection, _Watched(real(*args), seen)))
    con = open_database(path)
    monkeypatch.setattr(db, "_connect", real)
    db.close_database(con, path)
    return sum("pragma_storage_info" in sql for sql in seen)


def test_a_file_left_whole_by_the_app_is_not_looked_through_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB leaves a file short of its last free block after every other checkpoint:
    the first opening looks through the blocks in use, later ones find the note that
    the app left the file whole, and it is readable by its owner only."""
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    assert _storage_looks(monkeypatch, path) == 1
    assert not db.wal_path(path).exists()
    note = db.whole_note_path(path)
    assert note.stat().st_mode & 0o777 == 0o600
    # The file is still short of its last free block: only the note saves the look.
    con = duckdb.connect(str(path), read_only=True)
    total = (con.execute("SELECT total_blocks FROM pragma_database_size()").fetchone()
             or (0,))[0]
    con.close()
    assert path.stat().st_size < 3 * 4096 + total * 262_144
    assert _storage_looks(monkeypatch, path) == 0
    assert _storage_looks(monkeypatch, path) == 0


def test_a_file_changed_since_the_note_is_looked_through(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    assert _storage_looks(monkeypatch, path) == 1
    # Another program writes to the file: the note no longer describes it.
    other = duckdb.connect(str(path))
    other.execute("CREATE TABLE fourth AS SELECT range AS i FROM range(300000)")
    other.execute("DROP TABLE second")
    other.execute("CHECKPOINT")
    other.close()
    note = db.whole_note_path(path).read_text()
    con = duckdb.connect(str(path), read_only=True)
    row = con.execute("SELECT total_blocks FROM pragma_database_size()").fetchone()
    con.close()
    if row and path.stat().st_size >= 3 * 4096 + row[0] * 262_144:
        pytest.skip("DuckDB left this file whole to its last block: no look is needed")
    assert note != db._file_state(path)
    assert _storage_looks(monkeypatch, path) == 1


def test_a_file_cut_after_the_note_is_still_refused(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    _storage_looks(monkeypatch, path)
    assert db.whole_note_path(path).exists()
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size - 300_000)
    refused(path, "it is damaged")


def test_a_file_cut_and_given_back_its_time_is_still_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Setting the file's time back after a cut does not make the note fit it again."""
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    _storage_looks(monkeypatch, path)
    noted = path.stat()
    with path.open("r+b") as handle:
        handle.truncate(noted.st_size - 300_000)
    os.utime(path, ns=(noted.st_atime_ns, noted.st_mtime_ns))
    refused(path, "it is damaged")


def test_opening_to_read_writes_no_note(tmp_path: Path) -> None:
    """A backup opens its source only to read it: nothing is written beside that file,
    even when the opening looked through the blocks."""
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    with path.open("ab") as handle:  # part of a block past the end: the look is made
        handle.write(b"\0" * 5000)
    before = files_in(tmp_path)
    open_database(path, read_only=True).close()
    assert files_in(tmp_path) == before


def test_no_note_when_the_upgrade_then_fails(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The note is written only once the whole opening has passed."""
    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    with path.open("ab") as handle:
        handle.write(b"\0" * 5000)

    def failing(con: Connection) -> None:
        raise StorageError("the upgrade stopped")

    monkeypatch.setattr(db, "migrate", failing)
    with pytest.raises(StorageError, match="the upgrade stopped"):
        open_database(path)
    assert not db.whole_note_path(path).exists()
    monkeypatch.undo()
    open_database(path).close()
    assert db.whole_note_path(path).exists()


def test_the_command_line_notes_the_file_whole_as_it_closes(tmp_path: Path) -> None:
    from strategy.cli import main

    path = tmp_path / "strategy.duckdb"
    _with_free_blocks(path)
    assert main(["migrate", "--db", str(path)]) == 0
    assert db.whole_note_path(path).read_text() == db._file_state(path)


# --- A database from a newer version of the app --------------------------------------


NEWER = len(available_migrations()) + 1


def _newer(path: Path) -> Connection:
    """A database as a newer version of the app leaves it: an upgrade this one lacks."""
    con = open_database(path)
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'from_the_future')",
                [NEWER])
    con.execute("INSERT INTO organisation (name) VALUES ('Future Org')")
    return con


def test_a_database_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    _newer(path).close()
    message = refused(path, "written by a newer version of this app", f"upgrade {NEWER:04d}",
                      f"knows upgrades up to {NEWER - 1:04d}", f"{RESTORE} {path}")
    assert "up to date" not in message
    refused(path, "newer version of this app", read_only=True)


def test_a_refused_file_gets_no_note_even_after_the_long_look(tmp_path: Path) -> None:
    """The note that a file is whole is written only once nothing refused it."""
    path = tmp_path / "strategy.duckdb"
    _newer(path).close()
    # Part of a block past the end, as a power cut during an append leaves it: the
    # opening looks through the blocks in use (and finds the file whole).
    with path.open("ab") as handle:
        handle.write(b"\0" * 5000)
    refused(path, "newer version of this app")
    assert not db.whole_note_path(path).exists()


def test_a_newer_database_with_unfolded_writes_is_left_as_it_was(tmp_path: Path) -> None:
    """Closing a connection folds DuckDB's log into the file: a refused file with a log
    must be looked at without writing, so both stay exactly as they were."""
    live = tmp_path / "live" / "strategy.duckdb"
    con = _newer(live)
    assert db.wal_path(live).exists()
    copy = tmp_path / "copy" / "strategy.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(live, copy)
    shutil.copyfile(db.wal_path(live), db.wal_path(copy))
    con.close()
    refused(copy, "newer version of this app")
    assert db.wal_path(copy).exists()


# --- Permissions ---------------------------------------------------------------------


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's own temporary folders are private)."""
    folder = Path(tempfile.mkdtemp(prefix="strategy-permissions-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def open_as_someone_else(path: Path) -> str:
    """Open ``path`` in a process of an ordinary user (root passes every permission
    check): the message shown, or OPENED."""
    code = ("import sys\nfrom strategy.core.db import open_database\n"
            "from strategy.core.errors import StorageError\n"
            "try:\n    open_database(sys.argv[1]).close()\n    print('OPENED')\n"
            "except StorageError as exc:\n    print(exc.message)\n")
    command = [sys.executable, "-c", code, str(path)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("needs setpriv (util-linux) to act as an ordinary user")
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _demo_copy(folder: Path, demo_template: Path) -> Path:
    path = folder / "strategy.duckdb"
    shutil.copyfile(demo_template, path)
    path.chmod(0o666)
    return path


def test_a_new_database_in_an_unwritable_folder(open_folder: Path) -> None:
    folder = open_folder / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    path = folder / "strategy.duckdb"
    message = open_as_someone_else(path)
    assert message.startswith(f"Cannot open the database file {path}: its folder {folder} "
                              "is not writable"), message
    assert list(folder.iterdir()) == []


def test_an_existing_database_in_an_unwritable_folder(open_folder: Path,
                                                      demo_template: Path) -> None:
    folder = open_folder / "locked"
    folder.mkdir()
    path = _demo_copy(folder, demo_template)
    before = files_in(folder)
    folder.chmod(0o555)
    message = open_as_someone_else(path)
    assert f"its folder {folder} is not writable" in message, message
    assert "strategy.duckdb.wal" in message
    assert files_in(folder) == before


def test_a_file_that_cannot_be_read(open_folder: Path, demo_template: Path) -> None:
    path = _demo_copy(open_folder, demo_template)
    path.chmod(0o000)
    message = open_as_someone_else(path)
    assert message.startswith(f"Cannot open the database file {path}: it cannot be read "
                              "(Permission denied)"), message
    assert "not writable" not in message


def test_a_file_that_can_be_read_but_not_written(open_folder: Path,
                                                 demo_template: Path) -> None:
    path = _demo_copy(open_folder, demo_template)
    path.chmod(0o444)
    before = files_in(open_folder)
    message = open_as_someone_else(path)
    assert "this user may read it but not write it" in message, message
    assert files_in(open_folder) == before


def test_an_ordinary_user_opens_a_database_they_own_the_folder_of(open_folder: Path,
                                                                  demo_template: Path) -> None:
    folder = open_folder / "theirs"
    folder.mkdir()
    folder.chmod(0o777)
    _demo_copy(folder, demo_template)
    assert open_as_someone_else(folder / "strategy.duckdb") == "OPENED"


def test_a_new_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    import os
    import stat

    from strategy.core.db import open_database

    path = tmp_path / "new.duckdb"
    open_database(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_servers_duckdb_keeps_a_modest_share_of_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB would keep up to 80 % of the machine's memory: a backup made in the app
    lifted the server to 550 MiB at large. The app server's connection is limited."""
    from strategy.core import db
    from strategy.core.errors import StorageError

    def limit_of(name: str) -> str:
        con = db.shared_connection(tmp_path / name)
        try:
            row = con.execute("SELECT current_setting('memory_limit')").fetchone()
            assert row is not None
            return str(row[0])
        finally:
            db.forget_shared(tmp_path / name)

    monkeypatch.delenv("STRATEGY_DUCKDB_MEMORY", raising=False)
    assert limit_of("a.duckdb") == "244.1 MiB"  # 256 MB, as DuckDB writes it
    monkeypatch.setenv("STRATEGY_DUCKDB_MEMORY", "1GB")
    assert limit_of("b.duckdb") == "953.6 MiB"
    monkeypatch.setenv("STRATEGY_DUCKDB_MEMORY", "lots; DROP TABLE x")
    with pytest.raises(StorageError, match="write an amount such as 256MB"):
        db.shared_connection(tmp_path / "c.duckdb")
