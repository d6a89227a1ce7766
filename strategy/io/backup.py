"""Backups of the whole database, and putting one back.

A backup is a zip file holding a copy of the database file and ``manifest.json``,
which says what the file is: a backup of this app, its schema version (the last
migration applied), when and by whom it was made, the row count of every table
and the SHA-256 of the database copy. A restore checks all of that before it
touches anything, and keeps the database it replaces.

The copy is made in two steps. The app's connection exports the database
(``EXPORT DATABASE``: its schema, with every sequence's current value, index,
default and constraint, and each table's rows as Parquet) inside one read
transaction: a consistent snapshot while other people keep working, streamed within
the server's memory limit. Then ``backup_copy.py``, a process of its own, builds the
backup's database file from that export, so that building the copy's indexes costs
that process's memory, not the server's. Each table's rows are checked against the
snapshot (count and a sum of the rows' hashes). Copying the file's bytes instead
would miss the writes still in DuckDB's log (``.wal``) and could catch a checkpoint
half-written.

DuckDB lets one process at a time open a file, even to read it; so while the app
runs, a backup is made by the app itself (Accounts and access → Backup), and the
command line says so instead of trying.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import duckdb

from strategy.core import access, db
from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.errors import StorageError, StrategyError
from strategy.core.pg import PgConnection
from strategy.core.schema import available_migrations
from strategy.identity import access_log
from strategy.io.backup_copy import fingerprints, ident, literal

log = logging.getLogger(__name__)

APP = "service-strategy"
KIND = "database backup"
FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "strategy.duckdb"
README_MEMBER = "README.txt"
_CHUNK = 1 << 20

_README = """This is a backup of the whole database of the customer-service strategy planner.
manifest.json says when it was made, its schema version and the SHA-256 of
strategy.duckdb. To put it back (with the app stopped):

    python -m strategy restore THIS-FILE.zip --db PATH-OF-THE-DATABASE

The database that is there is kept beside it, renamed *.before-restore-<time>.
"""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup's manifest says about it."""

    created_at: str
    created_by: str
    schema_version: int
    migrations: list[str]
    duckdb_version: str
    size: int
    sha256: str
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class Restored:
    info: BackupInfo
    database: Path
    kept_as: Path | None


def backup_file_name(now: datetime | None = None) -> str:
    moment = now or datetime.now()
    return f"strategy-backup-{moment:%Y%m%d-%H%M%S}.zip"


def app_is_running(path: Path) -> StorageError:
    return StorageError(
        f"Cannot back up {path} from the command line while the app is running (it holds "
        "the file, and DuckDB lets only one program open it): download a backup from "
        "Accounts and access → Backup in the app, or stop the app and run this command again.")


# --- Making a backup ---------------------------------------------------------------


def create_backup(source: Connection | str | os.PathLike[str], out: str | os.PathLike[str]
                  ) -> BackupInfo:
    """Write a backup of ``source`` (an open connection, or a database file that no
    other process holds) to the new zip file ``out``; never overwrites a file."""
    access.require(Permission.MANAGE_ACCOUNTS)
    target = Path(out)
    if target.suffix.lower() != ".zip":
        raise StrategyError(f"{target} should end in .zip: a backup is a zip file.")
    if target.exists():
        raise StrategyError(f"{target} exists already. Choose another name, so that no "
                            "earlier backup is overwritten.")
    if not target.parent.is_dir():
        raise StrategyError(f"Cannot write {target}: the folder {target.parent} does not "
                            "exist.")
    try:
        with _source_connection(source) as con, \
                tempfile.TemporaryDirectory(prefix=".strategy-backup-", dir=target.parent) as tmp:
            return _write_backup(con, Path(tmp), target)
    except OSError as exc:
        raise StrategyError(f"Cannot write {target}: {exc.strerror}.") from exc


def _write_backup(con: Connection, tmp: Path, target: Path) -> BackupInfo:
    copy = tmp / DATABASE_MEMBER
    tables, migrations = (_copy_from_postgres(con, copy) if isinstance(con, PgConnection)
                          else _copy_database(con, copy))
    info = BackupInfo(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        created_by=access.current().name,
        schema_version=int(migrations[-1][:4]) if migrations else 0,
        migrations=migrations,
        duckdb_version=duckdb.__version__,
        size=copy.stat().st_size,
        sha256=_sha256(copy),
        tables=tables,
    )
    partial = tmp / "backup.zip"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as bundle:
        bundle.writestr(MANIFEST, json.dumps(_manifest(info), indent=2) + "\n")
        bundle.writestr(README_MEMBER, _README)
        bundle.write(copy, DATABASE_MEMBER)
    # The backup appears under its name only once complete.
    os.replace(partial, target)
    return info


def backup_file(con: Connection, folder: Path) -> Path:
    """A backup of the app's database written into ``folder`` (the caller's, and the
    caller removes it), for a download streamed from the file; the download is
    recorded in the access log."""
    access.require(Permission.MANAGE_ACCOUNTS)
    out = folder / backup_file_name()
    create_backup(con, out)
    with db.transaction(con):
        access_log.log(con, "download", "a backup of the whole database")
    return out


def backup_bytes(con: Connection) -> bytes:
    """A backup of the app's database as bytes, for the administrator's download.

    Made from the app's own connection (the app holds the file); the download is
    recorded in the access log."""
    access.require(Permission.MANAGE_ACCOUNTS)
    with tempfile.TemporaryDirectory(prefix="strategy-download-") as tmp:
        out = Path(tmp) / backup_file_name()
        create_backup(con, out)
        data = out.read_bytes()
    with db.transaction(con):
        access_log.log(con, "download", "a backup of the whole database")
    return data


def schema_version(con: Connection) -> int:
    row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


@contextmanager
def _source_connection(source: Connection | str | os.PathLike[str]) -> Iterator[Connection]:
    if not isinstance(source, str | os.PathLike):
        yield source  # the app's own connection
        return
    path = Path(source)
    if db.held_by_another_process(path):
        raise app_is_running(path)
    try:
        con = db.open_database(path, read_only=True)
    except StorageError as exc:
        if "another program is using it" in exc.message:  # it started meanwhile
            raise app_is_running(path) from exc
        raise
    try:
        yield con
    finally:
        con.close()


# One backup at a time: each writes an export and a copy of the whole database.
_copying = threading.Lock()

# The script that builds the copy from the export, run as a process of its own.
_COPY_SCRIPT = Path(__file__).with_name("backup_copy.py")


# Rows per Parquet row group in the export. With one thread (below), the export of the
# large organisation adds about 20 MiB to the process, against 120 MiB with DuckDB's
# defaults (two threads, 122,880 rows a group): each thread holds a group as it
# writes it. The backup is rare and small next to that (1 s at the large one).
_ROW_GROUP = 16_384


@contextmanager
def _one_thread(con: Connection) -> Iterator[None]:
    """DuckDB works with one thread while the export runs, then with as many as
    before. (The setting is the database's, not this cursor's: for that second,
    other people's queries run on one thread too.) Outside the export's transaction:
    a failed export aborts it, and an aborted transaction takes no SET."""
    row = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        if row is not None:
            try:
                con.execute("SET threads = ?", [int(row[0])])
            except duckdb.Error:
                log.exception("Could not give DuckDB back its %s threads after a backup",
                              row[0])


def _copy_database(con: Connection, copy: Path) -> tuple[dict[str, int], list[str]]:
    """Copy every object of ``con``'s database into the new file ``copy``.

    Returns the row count of each table and the migrations applied, read in the
    same transaction as the export, and checks the copy against them, row for row
    (each table's count and the sum of its rows' hashes)."""
    with _copying, tempfile.TemporaryDirectory(prefix="export-", dir=copy.parent) as folder:
        exported = Path(folder)
        source = _database_name(con)
        try:
            with _one_thread(con):
                con.execute("BEGIN TRANSACTION")
                try:
                    before = fingerprints(con, source)
                    migrations = [f"{v:04d}_{n}" for v, n in con.execute(
                        f"SELECT version, name FROM {ident(source)}.main.schema_migrations "
                        "ORDER BY version").fetchall()] if "schema_migrations" in before \
                        else []
                    # Streams each table to Parquet; the path is one this function made,
                    # never user text (EXPORT takes no parameter).
                    con.execute(f"EXPORT DATABASE {literal(str(exported))} "
                                f"(FORMAT parquet, ROW_GROUP_SIZE {_ROW_GROUP}, "
                                "COMPRESSION uncompressed)")  # read once, then removed
                    con.execute("COMMIT")
                except BaseException:
                    with suppress(duckdb.Error):
                        con.execute("ROLLBACK")
                    raise
        except duckdb.Error as exc:
            raise StorageError(f"Cannot make the backup: {exc}. Nothing was written.") \
                from exc
        after = _build_copy(exported, copy)
    if after != before:
        raise StorageError("Cannot make the backup: the copy does not hold the same rows as "
                           "the database. Nothing was written; please try again.")
    return {table: rows for table, (rows, _) in before.items()}, migrations


def _build_copy(exported: Path, copy: Path) -> dict[str, list[int]]:
    """The copy, built from the export by ``backup_copy.py`` in a process of its own
    (see there why); its tables' fingerprints."""
    # -P: the script's own folder is not put on the path (its modules are this app's,
    # and the script needs DuckDB only); the environment is kept, which may be where
    # a deployment finds DuckDB. It opens the copy as the app opens its database.
    try:
        done = subprocess.run(
            [sys.executable, "-P", str(_COPY_SCRIPT), str(exported), str(copy),
             json.dumps(db.CONNECT_CONFIG)], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise StorageError(f"Cannot make the backup: the process that builds the copy "
                           f"could not start ({exc.strerror}). Nothing was written.") from exc
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["the copy could not be made"])[-1]
        raise StorageError(f"Cannot make the backup: {why}. Nothing was written.")
    try:
        made: dict[str, list[int]] = json.loads(done.stdout)
    except ValueError as exc:
        raise StorageError("Cannot make the backup: the copy could not be checked. Nothing "
                           "was written.") from exc
    return made


def _database_name(con: Connection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    return str(row[0]) if row else ""


def _counts(con: Connection, database: str) -> dict[str, int]:
    return {table: rows for table, (rows, _) in fingerprints(con, database).items()}


def _manifest(info: BackupInfo) -> dict[str, Any]:
    return {
        "app": APP,
        "kind": KIND,
        "format": FORMAT,
        "created_at": info.created_at,
        "created_by": info.created_by,
        "schema_version": info.schema_version,
        "migrations": info.migrations,
        "duckdb_version": info.duckdb_version,
        "database": {"file": DATABASE_MEMBER, "bytes": info.size, "sha256": info.sha256},
        "tables": info.tables,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- Reading and restoring a backup ------------------------------------------------


def read_backup(file: str | os.PathLike[str]) -> BackupInfo:
    """What the backup ``file`` says it is; refuses anything that is not a backup of
    this app, or one from a newer version of it. Does not check the checksum."""
    path = Path(file)
    not_ours = f"{path} is not a backup of this app"
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            if MANIFEST not in names:
                raise StrategyError(f"{not_ours}: it holds no {MANIFEST}.")
            raw = bundle.read(MANIFEST)
    except FileNotFoundError as exc:
        raise StrategyError(f"Cannot read {path}: there is no such file.") from exc
    except IsADirectoryError as exc:
        raise StrategyError(f"Cannot read {path}: it is a folder, not a backup file.") from exc
    except OSError as exc:
        raise StrategyError(f"Cannot read {path}: {exc.strerror}.") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise StrategyError(f"{not_ours}: it is not a zip file, or a damaged one.") from exc
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StrategyError(f"{not_ours}: its {MANIFEST} cannot be read.") from exc
    if not isinstance(manifest, dict) or manifest.get("app") != APP \
            or manifest.get("kind") != KIND:
        raise StrategyError(f"{not_ours}: its {MANIFEST} is not one this app writes.")
    try:
        info = _info(manifest)
    except (KeyError, TypeError, ValueError) as exc:
        raise StrategyError(f"{path} is a damaged backup: its {MANIFEST} is incomplete "
                            f"({exc}).") from exc
    newest = db.newest_version()
    if int(manifest["format"]) > FORMAT or info.schema_version > newest:
        raise StrategyError(
            f"{path} was made by a newer version of this app (schema version "
            f"{info.schema_version}; this version knows up to {newest}). Restore it with "
            "that version of the app, or choose a backup made by this one.")
    if DATABASE_MEMBER not in names:
        raise StrategyError(f"{path} is a damaged backup: it holds no {DATABASE_MEMBER}.")
    return info


def _info(manifest: dict[str, Any]) -> BackupInfo:
    database = manifest["database"]
    tables = manifest["tables"]
    if not isinstance(tables, dict) or database["file"] != DATABASE_MEMBER:
        raise ValueError("tables or database")
    return BackupInfo(
        created_at=str(manifest["created_at"]),
        created_by=str(manifest.get("created_by", "")),
        schema_version=int(manifest["schema_version"]),
        migrations=[str(m) for m in manifest.get("migrations", [])],
        duckdb_version=str(manifest.get("duckdb_version", "")),
        size=int(database["bytes"]),
        sha256=str(database["sha256"]).lower(),
        tables={str(k): int(v) for k, v in tables.items()},
    )


def restore(file: str | os.PathLike[str], db_path: str | os.PathLike[str]) -> Restored:
    """Put the backup ``file`` in place as the database ``db_path``.

    Everything is checked first (what the file is, its checksum, its version, that
    the database in it opens and holds the rows the manifest lists); only then is
    the database at ``db_path`` renamed to ``PATH.before-restore-YYYYMMDD-HHMMSS``
    (with its log) and the backup moved into its place. Refused while another
    process (the app) has the file open."""
    access.require(Permission.MANAGE_ACCOUNTS)
    source = Path(file)
    target = Path(db_path)
    info = read_backup(source)
    if target.is_dir():
        raise StrategyError(f"Cannot restore into {target}: it is a folder. Give the path of "
                            f"the database file, such as {target / 'strategy.duckdb'}.")
    if db.held_by_another_process(target):
        raise StrategyError(f"Cannot restore into {target} while the app is running (it has "
                            "the file open): stop the app, then run this command again.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StrategyError(f"Cannot restore into {target}: its folder cannot be created "
                            f"({exc.strerror}).") from exc
    try:
        staging = tempfile.TemporaryDirectory(prefix=".strategy-restore-", dir=target.parent)
    except OSError as exc:
        raise StrategyError(f"Cannot restore into {target}: its folder {target.parent} is not "
                            f"writable ({exc.strerror}).") from exc
    with staging as tmp:
        staged = Path(tmp) / DATABASE_MEMBER
        _extract(source, info, staged)
        _verify(source, info, staged)
        if target.exists():
            with suppress(OSError):
                os.chmod(staged, stat.S_IMODE(target.stat().st_mode))
        kept = _swap(staged, target)
    return Restored(info, target, kept)


def _extract(source: Path, info: BackupInfo, staged: Path) -> None:
    damaged = (f"{source} is a damaged backup: its database does not match the checksum "
               "recorded when it was made (the file was changed or corrupted since). Nothing "
               "was restored; choose another backup.")
    digest = hashlib.sha256()
    written = 0
    try:
        with zipfile.ZipFile(source) as bundle, bundle.open(DATABASE_MEMBER) as member, \
                staged.open("wb") as out:
            while chunk := member.read(_CHUNK):
                written += len(chunk)
                if written > info.size:  # never unpack more than the manifest promised
                    raise StrategyError(damaged)
                digest.update(chunk)
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise StrategyError(damaged) from exc
    except OSError as exc:
        raise StrategyError(f"Cannot unpack {source} beside the database: {exc.strerror}. "
                            "Nothing was restored.") from exc
    if written != info.size or digest.hexdigest() != info.sha256:
        raise StrategyError(damaged)


def _verify(source: Path, info: BackupInfo, staged: Path) -> None:
    """Open the unpacked copy: it must be a sound database of this app holding the rows
    its manifest lists; bring it up to this version's schema, and end the sign-ins it
    recorded (sessions revoked since the backup must not come back)."""
    try:
        con = db.open_database(staged, read_only=True)
        try:
            counts = _counts(con, _database_name(con))
            version = schema_version(con)
        finally:
            con.close()
        if counts != info.tables or version != info.schema_version:
            raise StrategyError(f"{source} is a damaged backup: its database does not hold "
                                "what its manifest lists. Nothing was restored; choose "
                                "another backup.")
        con = db.open_database(staged)
        try:
            with db.transaction(con):
                con.execute("UPDATE sign_in_session SET ended_at = current_timestamp "
                            "WHERE ended_at IS NULL")
                access_log.log(con, "restore", f"the database was restored from a backup made "
                                             f"{info.created_at} by {info.created_by}")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except StorageError as exc:
        # The cause without the advice, which names the unpacked copy's path.
        cause = exc.message.split(": ", 1)[-1].split(". ", 1)[0]
        raise StrategyError(f"{source} holds a database that cannot be used: {cause}. Nothing "
                            "was restored; choose another backup.") from exc
    except duckdb.Error as exc:
        raise StrategyError(f"{source} holds a database that cannot be used ({exc}). Nothing "
                            "was restored.") from exc


def _aside_name(target: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.name}.before-restore-{stamp}")
    number = 2
    while candidate.exists() or db.wal_path(candidate).exists():
        candidate = target.with_name(f"{target.name}.before-restore-{stamp}-{number}")
        number += 1
    return candidate


def _swap(staged: Path, target: Path) -> Path | None:
    """Keep what is at ``target`` (and its log) aside, then move ``staged`` there."""
    log = db.wal_path(target)
    kept: Path | None = None
    moved: list[tuple[Path, Path]] = []
    try:
        if target.exists() or log.exists():
            kept = _aside_name(target)
            if target.exists():
                os.replace(target, kept)
                moved.append((kept, target))
            if log.exists():
                # Named so that DuckDB finds it if someone opens the kept file.
                os.replace(log, db.wal_path(kept))
                moved.append((db.wal_path(kept), log))
        os.replace(staged, target)
    except OSError as exc:
        for now, before in reversed(moved):  # put back what was moved
            with suppress(OSError):
                os.replace(now, before)
        raise StrategyError(f"Cannot restore into {target}: {exc.strerror}. The database "
                            "there was left as it was.") from exc
    if kept is None:
        return None
    return kept if kept.exists() else db.wal_path(kept)


# --- PostgreSQL: the same backup, made from it and put back into it ---------------------
#
# A backup of a PostgreSQL database is the same zip as DuckDB's: its tables copied into a
# DuckDB file of the same schema, with the same manifest. So one backup restores into
# either database, and an organisation that outgrows the DuckDB file moves to PostgreSQL
# by restoring a backup of it there.

_BATCH = 50_000


def _copy_from_postgres(con: PgConnection, copy: Path) -> tuple[dict[str, int], list[str]]:
    """Copy every table of PostgreSQL's database, as one snapshot, into the new DuckDB
    file ``copy`` (made with the same migrations), and each sequence's place. Returns the
    row counts (checked against the copy) and the migrations applied."""
    import pyarrow as pa  # Streamlit's own dependency: rows reach DuckDB as columns

    ours = [f"{m.version:04d}_{m.name}" for m in available_migrations()]
    with _copying:
        duck = cast(duckdb.DuckDBPyConnection, db.open_database(copy))
        try:
            with con.snapshot():
                migrations = [f"{v:04d}_{n}" for v, n in con.execute(
                    "SELECT version, name FROM schema_migrations ORDER BY version").fetchall()]
                if migrations != ours:
                    raise StorageError("Cannot make the backup: the database's schema is not "
                                       "this version's (start the app once to upgrade it). "
                                       "Nothing was written.")
                counts: dict[str, int] = {}
                for table, names in con.tables().items():
                    if table == "schema_migrations":
                        counts[table] = len(migrations)  # written by the copy's own upgrade
                        continue
                    counts[table] = 0
                    listed = ", ".join(f'"{n}"' for n in names)
                    for rows in con.read_rows(table, names, _BATCH):
                        duck.register("incoming_batch", pa.table(
                            {n: [row[i] for row in rows] for i, n in enumerate(names)}))
                        try:
                            duck.execute(f'INSERT INTO "{table}" ({listed}) '
                                         f"SELECT {listed} FROM incoming_batch")
                        finally:
                            duck.unregister("incoming_batch")
                        counts[table] += len(rows)
                sequences = con.sequences()
            for name, last in sequences.items():
                if last:  # DuckDB's sequence is moved on by taking its numbers
                    duck.execute("SELECT max(nextval(?)) FROM range(?)", [name, last])
            copied = _counts(duck, _database_name(duck))
            duck.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise StorageError(f"Cannot make the backup: {exc}. Nothing was written.") \
                from exc
        finally:
            duck.close()
    if copied != counts:
        raise StorageError("Cannot make the backup: the copy does not hold the same rows as "
                           "the database. Nothing was written; please try again.")
    return counts, migrations


def restore_into_postgres(file: str | os.PathLike[str], con: PgConnection) -> BackupInfo:
    """Put the backup ``file`` (of either database) in place of everything in the
    PostgreSQL database of ``con``, in one transaction: all of it or nothing.

    Checked first as a restore into a file is (what the file is, its checksum, that
    its database opens and holds what the manifest lists, brought up to this version's
    schema, its sign-ins ended); then every table is emptied and filled with COPY, and
    each sequence continues from the backup's place."""
    access.require(Permission.MANAGE_ACCOUNTS)
    source = Path(file)
    info = read_backup(source)
    with tempfile.TemporaryDirectory(prefix="strategy-restore-") as tmp:
        staged = Path(tmp) / DATABASE_MEMBER
        _extract(source, info, staged)
        _verify(source, info, staged)
        duck = db.open_database(staged, read_only=True)
        try:
            _fill_postgres(source, duck, con)
        finally:
            duck.close()
    return info


def _fill_postgres(source: Path, duck: Connection, con: PgConnection) -> None:
    tables = {t: cols for t, cols in _duckdb_tables(duck).items() if t != "schema_migrations"}
    theirs = {t: cols for t, cols in con.tables().items() if t != "schema_migrations"}
    if tables != theirs:
        raise StrategyError(f"{source} cannot be restored into this PostgreSQL database: its "
                            "tables differ from the database's (start the app once to upgrade "
                            "the database, then try again). Nothing was restored.")
    # PostgreSQL does not roll a sequence back with the transaction: its place now, to
    # put back if the restore fails after moving it.
    before = con.sequences()
    con.execute("BEGIN TRANSACTION")
    try:
        with con.filling():
            # Names from the schema, never from user text.
            con.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
            for table, names in tables.items():
                listed = ", ".join(f'"{n}"' for n in names)
                cursor = duck.execute(f'SELECT {listed} FROM "{table}"')

                def rows(cursor: Connection = cursor) -> Iterator[tuple[Any, ...]]:
                    while batch := cursor.fetchmany(_BATCH):
                        yield from batch
                con.write_rows(table, names, rows())
        for table in tables:
            (here,) = duck.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,)
            (there,) = con.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,)
            if here != there:
                raise StrategyError(f"Restoring {source} did not copy every row of {table}. "
                                    "Nothing was restored.")
        # Last, just before the commit: numbers go on from the backup's place. A copy
        # made by DuckDB's IMPORT DATABASE (every backup of the file) has given no
        # number yet: its sequences start where the database had got to.
        for name, last in duck.execute(
                "SELECT sequence_name, coalesce(last_value, start_value - increment_by) "
                "FROM duckdb_sequences() WHERE database_name = current_database()"
                ).fetchall():
            con.continue_sequence(str(name), int(last))
        con.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
            for name, last in before.items():
                con.continue_sequence(name, last)
        raise
    # Gathered now, so the first pages after a restore are as quick as later ones
    # (the restore is done whether or not this works).
    try:
        con.settle_after_load()
    except duckdb.Error:
        log.warning("could not gather PostgreSQL's statistics after a restore")


def _duckdb_tables(duck: Connection) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for table, column in duck.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = 'main' ORDER BY table_name, column_index"
            ).fetchall():
        found.setdefault(str(table), []).append(str(column))
    return found
