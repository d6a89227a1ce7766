"""Backups: every row of every table comes back; a restore refuses anything that is not
a sound backup of this app, and keeps the database it replaces."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from strategy.core import access, db
from strategy.core.access import AccessDenied, Identity, Role
from strategy.core.db import Connection, open_database
from strategy.core.errors import StorageError, StrategyError
from strategy.core.orgs import Organisation
from strategy.identity import sessions
from strategy.io import backup
from tests.tables import fingerprint
from tests.test_pages import errors, open_app, open_tab

ROOT = Path(__file__).resolve().parent.parent


def schema(con: Connection) -> dict[str, list[tuple[object, ...]]]:
    """Columns with types and defaults, constraints, indexes and sequences."""
    where = "WHERE database_name = current_database()"
    return {
        "columns": con.execute(
            "SELECT table_name, column_name, data_type, column_default, is_nullable FROM "
            f"duckdb_columns() {where} ORDER BY ALL").fetchall(),
        "constraints": con.execute(
            "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
            f"{where} ORDER BY ALL").fetchall(),
        "indexes": con.execute(
            f"SELECT index_name, table_name, sql FROM duckdb_indexes() {where} ORDER BY ALL"
        ).fetchall(),
        # Where each sequence has got to: the number it gives next (a copy starts there
        # afresh, where the database had counted up to it). A restore logs one line,
        # so the access log's sequence moves on.
        "sequences": con.execute(
            "SELECT sequence_name, coalesce(last_value + increment_by, start_value) "
            "FROM duckdb_sequences() "
            f"{where} AND sequence_name <> 'access_log_id_seq' ORDER BY ALL").fetchall(),
    }


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def demo_file(tmp_path: Path, demo_template: Path) -> Path:
    path = tmp_path / "live" / "strategy.duckdb"
    path.parent.mkdir()
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture(scope="module")
def demo_backup(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    out = tmp_path_factory.mktemp("backups") / "demo.zip"
    backup.create_backup(demo_template, out)
    return out


def without_restore_marks(prints: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    # A restore adds one line to the access log and ends open sign-ins.
    return {t: v for t, v in prints.items() if t not in ("access_log", "sign_in_session")}


# --- Round trip ----------------------------------------------------------------------


def test_backup_and_restore_keep_every_row_of_every_table(tmp_path: Path,
                                                          demo_file: Path) -> None:
    con = open_database(demo_file)
    con.execute("INSERT INTO access_log (who, event, detail) VALUES ('ana', 'signed in', '')")
    before, shape = fingerprint(con), schema(con)
    out = tmp_path / "backup.zip"
    info = backup.create_backup(con, out)
    con.close()
    assert info.schema_version == db.newest_version()
    assert info.tables == {t: n for t, (n, _) in before.items()}
    assert info.rows > 5000

    restored_path = tmp_path / "elsewhere" / "strategy.duckdb"
    done = backup.restore(out, restored_path)
    assert done.kept_as is None  # nothing was there
    again = open_database(restored_path)
    after = fingerprint(again)
    assert without_restore_marks(after) == without_restore_marks(before)
    assert schema(again) == shape
    log = again.execute("SELECT who, event FROM access_log ORDER BY id").fetchall()
    assert log == [("ana", "signed in"), ("Test administrator", "restore")]
    # New records continue the numbering instead of colliding with restored ones.
    again.execute("INSERT INTO organisation (name) VALUES ('After the restore')")
    again.close()


def test_a_backup_is_a_zip_that_says_what_it_is(demo_backup: Path) -> None:
    with zipfile.ZipFile(demo_backup) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        data = bundle.read("strategy.duckdb")
        assert "restore" in bundle.read("README.txt").decode()
    assert manifest["app"] == backup.APP and manifest["kind"] == backup.KIND
    assert manifest["schema_version"] == db.newest_version()
    assert manifest["migrations"][-1].startswith(f"{db.newest_version():04d}_")
    assert manifest["database"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["database"]["bytes"] == len(data)
    assert manifest["created_at"].endswith("+00:00")
    assert manifest["created_by"] == "Test administrator"
    assert manifest["tables"]["organisation"] == 1


def test_a_backup_made_while_others_write_is_one_moment(tmp_path: Path, con: Connection) -> None:
    """Writers keep going during a backup; the copy holds a consistent snapshot (the
    counts read in the copy's transaction match the copy)."""
    stop = threading.Event()

    def write() -> None:
        cursor = con.cursor()
        number = 0
        while not stop.is_set():
            number += 1
            cursor.execute("INSERT INTO access_log (who, event) VALUES (?, 'signed in')",
                           [f"writer {number}"])
        cursor.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        infos = [backup.create_backup(con.cursor(), tmp_path / f"b{n}.zip") for n in range(3)]
    finally:
        stop.set()
        writer.join()
    logged = [i.tables["access_log"] for i in infos]
    assert logged == sorted(logged)
    for n, info in enumerate(infos):
        target = tmp_path / f"r{n}.duckdb"
        backup.restore(tmp_path / f"b{n}.zip", target)
        check = duckdb.connect(str(target), read_only=True)
        assert check.execute("SELECT count(*) FROM access_log WHERE event = 'signed in'"
                             ).fetchone() == (info.tables["access_log"],)
        check.close()


def test_a_backup_is_made_whatever_the_servers_memory_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app server keeps DuckDB to a modest memory limit, which a copy of a database
    with large indexes needs more than (made in the server, one transaction, it failed
    with "could not allocate block"). The export streams within the limit, the copy is
    built in a process of its own, and the server's limit is never changed."""
    path = tmp_path / "indexed.duckdb"
    con = open_database(path)
    con.execute("CREATE TABLE filler (id BIGINT PRIMARY KEY, t VARCHAR)")
    con.execute("INSERT INTO filler SELECT range, md5(range::varchar) FROM range(3000000)")
    monkeypatch.setenv("STRATEGY_DUCKDB_MEMORY", "48MB")
    con.execute("SET memory_limit = ?", [db.server_memory_limit()])  # as the server does
    with access.acting(Identity.shell("Test")):
        info = backup.create_backup(con, tmp_path / "indexed.zip")
    assert info.tables["filler"] == 3_000_000
    assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("45.7 MiB",)
    con.close()


def test_the_copy_is_built_in_a_process_of_its_own(tmp_path: Path, con: Connection,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the copy's indexes takes memory: that is another process's, given back
    when it ends, not the app server's (its resident memory went from 388 to 531 MiB
    when the copy was made in it)."""
    runs: list[list[str]] = []
    real = subprocess.run

    def spy(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        runs.append(list(args))
        return real(args, **kwargs)  # type: ignore[call-overload, no-any-return]
    monkeypatch.setattr(subprocess, "run", spy)
    with access.acting(Identity.shell("Test")):
        info = backup.create_backup(con, tmp_path / "b.zip")
    assert [Path(r[2]).name for r in runs] == ["backup_copy.py"] and runs[0][1] == "-P"
    assert info.tables["schema_migrations"] == len(db.available_migrations())
    # Nothing is attached to the server's connection, and no export is left behind.
    assert con.execute("SELECT count(*) FROM duckdb_databases() WHERE NOT internal"
                       ).fetchone() == (1,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip", "strategy.duckdb"]


def test_the_export_runs_on_one_thread_and_gives_the_others_back(
        tmp_path: Path, con: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of DuckDB's threads holds a row group as it writes: one thread while the
    export runs keeps that small; the database's own setting comes back after."""
    con.execute("SET threads = 3")
    threads = "SELECT current_setting('threads')"
    with backup._one_thread(con):
        assert con.execute(threads).fetchone() == (1,)
    assert con.execute(threads).fetchone() == (3,)
    seen: list[object] = []
    one_thread, build = backup._one_thread, backup._build_copy

    def exporting(cursor: Connection) -> object:
        seen.append("export on one thread")
        return one_thread(cursor)

    def building(exported: Path, copy: Path) -> dict[str, list[int]]:
        seen.append(con.execute(threads).fetchone())
        return build(exported, copy)
    monkeypatch.setattr(backup, "_one_thread", exporting)
    monkeypatch.setattr(backup, "_build_copy", building)
    with access.acting(Identity.shell("Test")):
        backup.create_backup(con, tmp_path / "b.zip")
    assert seen == ["export on one thread", (3,)]


def test_a_failed_export_writes_nothing_and_gives_the_threads_back(
        tmp_path: Path, con: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed export aborts its transaction, which takes no SET: the threads are
    given back after it is rolled back, not inside it."""
    con.execute("SET threads = 3")
    monkeypatch.setattr(backup, "literal", lambda _path: "'/proc/no-export-here'")
    with access.acting(Identity.shell("Test")), \
            pytest.raises(StorageError, match=r"Cannot make the backup: .*Nothing was written"):
        backup.create_backup(con, tmp_path / "b.zip")
    assert con.execute("SELECT current_setting('threads')").fetchone() == (3,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strategy.duckdb"]
    con.execute("INSERT INTO access_log (who, event) VALUES ('after', 'a write')")  # usable


def test_a_copy_that_differs_from_the_database_is_not_a_backup(
        tmp_path: Path, con: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    real = backup._build_copy

    def one_row_short(exported: Path, copy: Path) -> dict[str, list[int]]:
        made = real(exported, copy)
        rows, hashes = made["schema_migrations"]
        made["schema_migrations"] = [rows, hashes + 1]  # as many rows, one of them not the same
        return made
    monkeypatch.setattr(backup, "_build_copy", one_row_short)
    with access.acting(Identity.shell("Test")), \
            pytest.raises(StorageError, match="does not hold the same rows"):
        backup.create_backup(con, tmp_path / "b.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strategy.duckdb"]


def test_a_copy_that_cannot_be_made_says_why_and_writes_nothing(
        tmp_path: Path, con: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup, "_COPY_SCRIPT", tmp_path / "missing.py")
    with access.acting(Identity.shell("Test")), \
            pytest.raises(StorageError, match=r"Cannot make the backup: .*Nothing was written"):
        backup.create_backup(con, tmp_path / "b.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strategy.duckdb"]


def test_the_live_database_is_kept_aside(tmp_path: Path, demo_file: Path,
                                         demo_backup: Path) -> None:
    con = open_database(demo_file)
    con.execute("INSERT INTO organisation (name) VALUES ('Made after the backup')")
    con.close()
    kept_bytes = hashlib.sha256(demo_file.read_bytes()).hexdigest()
    done = backup.restore(demo_backup, demo_file)
    assert done.kept_as is not None
    assert done.kept_as.parent == demo_file.parent
    assert done.kept_as.name.startswith("strategy.duckdb.before-restore-")
    assert hashlib.sha256(done.kept_as.read_bytes()).hexdigest() == kept_bytes
    restored = duckdb.connect(str(demo_file), read_only=True)
    assert restored.execute("SELECT count(*) FROM organisation WHERE name = "
                            "'Made after the backup'").fetchone() == (0,)
    restored.close()
    # A second restore in the same second keeps the first one's aside copy too.
    second = backup.restore(demo_backup, demo_file)
    assert second.kept_as is not None and second.kept_as != done.kept_as
    assert done.kept_as.exists()


def test_unfolded_writes_move_aside_with_their_file(tmp_path: Path, demo_backup: Path) -> None:
    """DuckDB's log (FILE.wal) holds the latest writes until they are folded into the
    file: it moves aside with the file, named so that the kept file opens with them."""
    live = tmp_path / "live.duckdb"
    holder = open_database(live)
    holder.execute("INSERT INTO organisation (name) VALUES ('Only in the log')")
    target = tmp_path / "crashed" / "strategy.duckdb"
    target.parent.mkdir()
    shutil.copyfile(live, target)
    shutil.copyfile(db.wal_path(live), db.wal_path(target))
    holder.close()
    done = backup.restore(demo_backup, target)
    assert done.kept_as is not None
    assert not db.wal_path(target).exists()
    assert db.wal_path(done.kept_as).exists()
    kept = duckdb.connect(str(done.kept_as), read_only=True)
    assert kept.execute("SELECT name FROM organisation").fetchall() == [("Only in the log",)]
    kept.close()


def test_a_backup_of_a_file_includes_its_unfolded_writes(tmp_path: Path) -> None:
    """After a crash the latest writes may be only in the log: a backup has them."""
    live = tmp_path / "live.duckdb"
    holder = open_database(live)
    holder.execute("INSERT INTO organisation (name) VALUES ('Only in the log')")
    crashed = tmp_path / "crashed.duckdb"
    shutil.copyfile(live, crashed)
    shutil.copyfile(db.wal_path(live), db.wal_path(crashed))
    holder.close()
    info = backup.create_backup(crashed, tmp_path / "b.zip")
    assert info.tables["organisation"] == 1
    assert db.wal_path(crashed).exists()  # read, not folded: the file is left as it was
    backup.restore(tmp_path / "b.zip", tmp_path / "restored.duckdb")
    check = duckdb.connect(str(tmp_path / "restored.duckdb"), read_only=True)
    assert check.execute("SELECT name FROM organisation").fetchall() == [("Only in the log",)]
    check.close()


def test_restore_ends_every_sign_in(tmp_path: Path, con: Connection) -> None:
    from strategy.identity import accounts

    account = accounts.create_account(con, "ana", "Ana", "a long password 1")
    sessions.start_session(con, account_id=account.id, method="password", address="127.0.0.1")
    out = tmp_path / "b.zip"
    backup.create_backup(con, out)
    target = tmp_path / "restored.duckdb"
    backup.restore(out, target)
    check = duckdb.connect(str(target), read_only=True)
    assert check.execute("SELECT count(*) FROM sign_in_session WHERE ended_at IS NULL"
                         ).fetchone() == (0,)
    assert check.execute("SELECT count(*) FROM account").fetchone() == (1,)
    check.close()


# --- What a restore refuses ----------------------------------------------------------


@pytest.fixture
def live(demo_file: Path) -> Iterator[Path]:
    """The live database's folder, which a refused restore must leave as it was."""
    before = file_hashes(demo_file.parent)
    yield demo_file
    assert file_hashes(demo_file.parent) == before


def rezip(source: Path, out: Path, *, manifest: dict[str, object] | None = None,
          data: bytes | None = None, drop: str | None = None) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for name in old.namelist():
            if name == drop:
                continue
            content = old.read(name)
            if name == "manifest.json" and manifest is not None:
                content = json.dumps({**json.loads(content), **manifest}).encode()
            if name == "strategy.duckdb" and data is not None:
                content = data
            new.writestr(name, content)
    return out


def refused(file: Path, db_path: Path, *expected: str) -> str:
    with pytest.raises(StrategyError) as info:
        backup.restore(file, db_path)
    for text in expected:
        assert text in info.value.message, info.value.message
    return info.value.message


def test_restore_refuses_a_plain_file(tmp_path: Path, live: Path) -> None:
    notes = tmp_path / "notes.zip"
    notes.write_text("not a zip at all")
    refused(notes, live, f"{notes} is not a backup of this app", "not a zip file")


def test_restore_refuses_a_database_file_given_as_the_backup(tmp_path: Path, live: Path,
                                                             demo_template: Path) -> None:
    refused(demo_template, live, "is not a backup of this app")


def test_restore_refuses_a_foreign_zip(tmp_path: Path, live: Path) -> None:
    foreign = tmp_path / "photos.zip"
    with zipfile.ZipFile(foreign, "w") as bundle:
        bundle.writestr("holiday.jpg", b"\xff\xd8\xff" + b"0" * 100)
    refused(foreign, live, "is not a backup of this app", "no manifest.json")


def test_restore_refuses_another_apps_backup(tmp_path: Path, live: Path,
                                             demo_backup: Path) -> None:
    other = rezip(demo_backup, tmp_path / "other.zip", manifest={"app": "someone-else"})
    refused(other, live, "is not a backup of this app")


def test_restore_refuses_a_manifest_that_is_not_json(tmp_path: Path, live: Path) -> None:
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as bundle:
        bundle.writestr("manifest.json", "{not json")
        bundle.writestr("strategy.duckdb", b"")
    refused(broken, live, "its manifest.json cannot be read")


def test_restore_refuses_a_tampered_database(tmp_path: Path, live: Path,
                                             demo_backup: Path) -> None:
    with zipfile.ZipFile(demo_backup) as bundle:
        data = bytearray(bundle.read("strategy.duckdb"))
    data[20_000] ^= 0xFF
    tampered = rezip(demo_backup, tmp_path / "tampered.zip", data=bytes(data))
    refused(tampered, live, "is a damaged backup", "checksum")


def test_restore_refuses_a_backup_cut_short(tmp_path: Path, live: Path,
                                            demo_backup: Path) -> None:
    cut = tmp_path / "cut.zip"
    cut.write_bytes(demo_backup.read_bytes()[: demo_backup.stat().st_size // 2])
    refused(cut, live, "not a backup of this app", "damaged one")


def test_restore_refuses_a_longer_database_than_recorded(tmp_path: Path, live: Path,
                                                         demo_backup: Path) -> None:
    with zipfile.ZipFile(demo_backup) as bundle:
        data = bundle.read("strategy.duckdb")
    longer = rezip(demo_backup, tmp_path / "longer.zip", data=data + b"\0" * 10)
    refused(longer, live, "is a damaged backup")


def test_restore_refuses_a_backup_without_its_database(tmp_path: Path, live: Path,
                                                       demo_backup: Path) -> None:
    empty = rezip(demo_backup, tmp_path / "empty.zip", drop="strategy.duckdb")
    refused(empty, live, "is a damaged backup", "holds no strategy.duckdb")


def test_restore_refuses_a_backup_from_a_newer_app(tmp_path: Path, live: Path,
                                                   demo_backup: Path) -> None:
    newer = rezip(demo_backup, tmp_path / "newer.zip",
                  manifest={"schema_version": db.newest_version() + 1})
    refused(newer, live, "made by a newer version of this app",
            f"schema version {db.newest_version() + 1}")


def test_restore_refuses_a_manifest_that_lies_about_its_rows(tmp_path: Path, live: Path,
                                                             demo_backup: Path) -> None:
    with zipfile.ZipFile(demo_backup) as bundle:
        tables = json.loads(bundle.read("manifest.json"))["tables"]
    lying = rezip(demo_backup, tmp_path / "lying.zip",
                  manifest={"tables": {**tables, "organisation": 2}})
    refused(lying, live, "does not hold what its manifest lists")


def test_restore_refuses_a_damaged_database_with_a_matching_checksum(
        tmp_path: Path, live: Path, demo_backup: Path) -> None:
    """A backup made of an already truncated file: its checksum matches, but the
    database in it is refused by the same checks as opening one."""
    with zipfile.ZipFile(demo_backup) as bundle:
        data = bundle.read("strategy.duckdb")[:-300_000]
    manifest: dict[str, object] = {"database": {"file": "strategy.duckdb", "bytes": len(data),
                                                "sha256": hashlib.sha256(data).hexdigest()}}
    damaged = rezip(demo_backup, tmp_path / "damaged.zip", manifest=manifest, data=data)
    message = refused(damaged, live, "holds a database that cannot be used", "it is damaged")
    assert ".strategy-restore-" not in message  # never the temporary copy's path


def test_restore_refuses_a_missing_file_and_a_folder(tmp_path: Path, live: Path) -> None:
    refused(tmp_path / "nowhere.zip", live, "there is no such file")
    refused(tmp_path, live, "is a folder")


def test_restore_refuses_a_folder_as_the_database(tmp_path: Path, demo_backup: Path) -> None:
    refused(demo_backup, tmp_path, "Cannot restore into", "it is a folder")


@pytest.fixture
def app_holding(demo_file: Path) -> Iterator[Path]:
    """Another process with the database open, as the running app has."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(demo_file)!r})
            print("ready", flush=True)
            sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ready"
    try:
        yield demo_file
    finally:
        holder.communicate("\n", timeout=10)


def test_restore_refuses_while_the_app_holds_the_file(app_holding: Path,
                                                      demo_backup: Path) -> None:
    before = file_hashes(app_holding.parent)
    refused(demo_backup, app_holding, "while the app is running", "stop the app")
    assert file_hashes(app_holding.parent) == before


def test_backup_from_the_command_line_says_to_use_the_app_while_it_runs(
        tmp_path: Path, app_holding: Path) -> None:
    with pytest.raises(StorageError) as info:
        backup.create_backup(app_holding, tmp_path / "b.zip")
    assert "while the app is running" in info.value.message
    assert "Accounts and access → Backup" in info.value.message
    assert not (tmp_path / "b.zip").exists()


# --- Making backups: what is refused, and who may ------------------------------------


def test_a_backup_never_overwrites_a_file(tmp_path: Path, con: Connection) -> None:
    out = tmp_path / "existing.zip"
    out.write_text("an older backup")
    with pytest.raises(StrategyError, match="exists already"):
        backup.create_backup(con, out)
    assert out.read_text() == "an older backup"
    with pytest.raises(StrategyError, match=r"should end in \.zip"):
        backup.create_backup(con, tmp_path / "backup.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.zip", "strategy.duckdb"]


def test_a_backup_of_a_file_does_not_upgrade_it(tmp_path: Path) -> None:
    """The command line copies a database as it is: a restore upgrades it later."""
    old = tmp_path / "old.duckdb"
    first = db.available_migrations()[0]
    raw = duckdb.connect(str(old))
    db.applied_versions(raw)
    raw.execute(first.sql)
    raw.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [first.version, first.name])
    raw.execute("INSERT INTO organisation (name) VALUES ('Old Org')")
    raw.close()
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    info = backup.create_backup(old, tmp_path / "old.zip")
    assert info.schema_version == 1
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before
    backup.restore(tmp_path / "old.zip", tmp_path / "new.duckdb")
    con = open_database(tmp_path / "new.duckdb")
    assert db.applied_versions(con) == {m.version for m in db.available_migrations()}
    assert con.execute("SELECT name FROM organisation").fetchall() == [("Old Org",)]
    con.close()


@pytest.mark.parametrize("role", [Role.LEADER, Role.HR, Role.VIEWER])
def test_only_an_administrator_makes_or_restores_backups(tmp_path: Path, con: Connection,
                                                          org: Organisation, role: Role,
                                                          demo_backup: Path) -> None:
    someone = Identity(kind="account", name="Lee", account_id=7, roles={org.id: role})
    with access.acting(someone):
        with pytest.raises(AccessDenied):
            backup.backup_bytes(con)
        with pytest.raises(AccessDenied):
            backup.create_backup(con, tmp_path / "b.zip")
        with pytest.raises(AccessDenied):
            backup.restore(demo_backup, tmp_path / "r.duckdb")
    assert not (tmp_path / "b.zip").exists() and not (tmp_path / "r.duckdb").exists()


def test_the_app_download_is_a_backup_and_is_logged(con: Connection, tmp_path: Path) -> None:
    data = backup.backup_bytes(con.cursor())
    out = tmp_path / "downloaded.zip"
    out.write_bytes(data)
    info = backup.read_backup(out)
    assert info.schema_version == db.newest_version()
    assert con.execute("SELECT who, event, detail FROM access_log").fetchall() == [
        ("Test administrator", "download", "a backup of the whole database")]
    assert not list(tmp_path.glob(".strategy-*"))


@pytest.mark.both_databases
def test_the_backup_tab_says_how_to_restore(con: Connection, database: str) -> None:
    # Its download link needs a browser's session: tests/test_downloads.py follows it.
    at = open_tab(open_app("accounts"), "accounts_tab", "Backup")
    assert errors(at) == []
    (restore,) = [c.value for c in at.code if "python -m strategy restore" in c.value]
    said = " ".join(m.value for m in at.markdown)
    if database == "postgres":
        # Where the database is, and a restore that needs no file path nor a stop.
        assert "--db" not in restore and "in PostgreSQL" in said and "may keep running" in said
        assert "password" not in said
    else:
        assert "--db" in restore and "is one file" in said and "Stop the app" in said


def test_a_backup_for_download_is_a_file_in_the_callers_folder_and_is_logged(
        con: Connection, tmp_path: Path) -> None:
    made = backup.backup_file(con.cursor(), tmp_path)
    assert made.parent == tmp_path and made.suffix == ".zip"
    assert backup.read_backup(made).schema_version == db.newest_version()
    assert con.execute("SELECT who, event, detail FROM access_log").fetchall() == [
        ("Test administrator", "download", "a backup of the whole database")]


# --- The command line ----------------------------------------------------------------


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "strategy", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_backup_and_restore_commands(tmp_path: Path, demo_file: Path) -> None:
    made = run("backup", "--db", str(demo_file), "--out", str(tmp_path))
    assert made.returncode == 0, made.stderr
    (zipped,) = tmp_path.glob("strategy-backup-*.zip")
    assert f"Wrote a backup of {demo_file} to {zipped}" in made.stdout
    assert f"schema version {db.newest_version()}" in made.stdout

    restored = run("restore", str(zipped), "--db", str(demo_file))
    assert restored.returncode == 0, restored.stderr
    (kept,) = demo_file.parent.glob("strategy.duckdb.before-restore-*")
    assert f"kept as {kept}" in restored.stdout

    bad = tmp_path / "bad.zip"
    bad.write_text("nope")
    refused_run = run("restore", str(bad), "--db", str(demo_file))
    assert refused_run.returncode == 1
    assert refused_run.stderr.startswith(f"Error: {bad} is not a backup of this app")
    assert "Traceback" not in refused_run.stderr
    assert len(refused_run.stderr.strip().splitlines()) == 1
