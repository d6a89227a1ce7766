"""Opening the database, applying migrations, and transactions.

Migrations are the numbered ``NNNN_name.sql`` files in ``strategy/migrations``.
They form an append-only list: each is applied once, in its own transaction
together with the row that records it, and a landed file is never edited.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from .errors import ConflictError, NotFoundError, StorageError

DEFAULT_DB = Path("data") / "strategy.duckdb"
Connection = duckdb.DuckDBPyConnection

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: an explicit path, else ``STRATEGY_DB``, else the default."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("STRATEGY_DB") or DEFAULT_DB)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """All migration files, in order; refuses gaps so none is ever skipped."""
    found: list[Migration] = []
    for entry in resources.files("strategy.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StorageError(
                f"Migration {expected:04d} is missing (found {migration.version:04d}_"
                f"{migration.name}.sql); the installation is incomplete."
            )
    return found


def applied_versions(con: Connection) -> set[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: Connection) -> list[str]:
    """Apply the migrations not yet applied; return the names applied now."""
    done = applied_versions(con)
    applied: list[str] = []
    for migration in available_migrations():
        if migration.version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StorageError(
                f"Upgrading the database failed at migration {migration.version:04d}_"
                f"{migration.name}: {exc}. Nothing from that migration was kept."
            ) from exc
        applied.append(f"{migration.version:04d}_{migration.name}")
    if applied:
        # Fold the write-ahead log into the file so the upgraded schema is durable.
        con.execute("CHECKPOINT")
    return applied


def _explain_open_failure(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "lock" in text.lower():
        cause = (
            "another program is using it (DuckDB allows one process per file). "
            "Close the other app or command, or point STRATEGY_DB at another file."
        )
    elif "not a valid DuckDB database" in text:
        cause = "it is not a DuckDB database file. Choose another path for STRATEGY_DB."
    elif "newer" in text.lower() or ("version" in text.lower() and "storage" in text.lower()):
        cause = "it was written by a newer version of the app."
    elif "Permission denied" in text or "Read-only" in text:
        cause = "the folder or file is not writable. Check its permissions."
    elif "No such file or directory" in text:
        cause = "its folder does not exist and could not be created."
    else:
        cause = text
    return f"Cannot open the database file {path}: {cause}"


def open_database(path: str | os.PathLike[str] | None = None) -> Connection:
    """Open (creating if needed) and migrate the database file.

    Every failure becomes a :class:`StorageError` that names the file and the
    cause, because the person starting the app needs to know what to fix.
    """
    target = database_path(path)
    if str(target) != ":memory:":
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot open the database file {target}: its folder cannot be created "
                f"({exc.strerror}). Check the path and its permissions."
            ) from exc
        if target.is_dir():
            raise StorageError(
                f"Cannot open the database file {target}: it is a folder, not a file."
            )
    try:
        con = duckdb.connect(str(target))
    except duckdb.Error as exc:
        raise StorageError(_explain_open_failure(target, exc)) from exc
    try:
        migrate(con)
    except StorageError:
        con.close()
        raise
    except duckdb.Error as exc:
        con.close()
        raise StorageError(_explain_open_failure(target, exc)) from exc
    return con


_shared: dict[str, Connection] = {}
_shared_lock = threading.Lock()


def shared_connection(path: str | os.PathLike[str] | None = None) -> Connection:
    """The server's one connection to its database file (threads take cursors).

    The web server's sign-in checks and the app's pages share it: DuckDB lets only
    one process write a file, and one connection per process keeps it simple."""
    key = str(database_path(path))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = open_database(key)
        return _shared[key]


def forget_shared(path: str | os.PathLike[str] | None = None) -> None:
    """Drop the shared connection (after a fatal error) so the next use reopens it."""
    key = str(database_path(path))
    with _shared_lock:
        con = _shared.pop(key, None)
    if con is not None:
        with suppress(duckdb.Error):
            con.close()


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """One user action: begin, write, commit — or roll back and explain.

    Two sessions updating the same row make DuckDB raise a conflict; nothing is
    lost then, and the person is asked to try again.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.TransactionException):
            raise ConflictError(
                "Someone else was saving the same thing at that moment. Nothing of "
                "yours was saved; please try again."
            ) from exc
        raise
    else:
        try:
            con.execute("COMMIT")
        except duckdb.TransactionException as exc:
            with suppress(duckdb.Error):  # the failed commit may have ended it already
                con.execute("ROLLBACK")
            raise ConflictError(
                "Someone else saved the same thing at that moment. Nothing of yours "
                "was saved; please try again."
            ) from exc


def versioned_update(con: Connection, table: str, record_id: int, org_id: int,
                     version: int, values: dict[str, object], noun: str) -> int:
    """Update one record only if nobody saved it since ``version`` was read.

    This is how workshop participants editing the same record never overwrite
    each other silently: the second save is refused and keeps what they typed.
    ``table`` and the keys of ``values`` are identifiers from our code, never
    user text. Returns the new version.
    """
    assignments = ", ".join(f'"{column}" = ?' for column in values)
    row = con.execute(
        f'UPDATE "{table}" SET {assignments}, version = version + 1 '
        "WHERE id = ? AND org_id = ? AND version = ? RETURNING version",
        [*values.values(), record_id, org_id, version],
    ).fetchone()
    if row is not None:
        return int(row[0])
    exists = con.execute(
        f'SELECT 1 FROM "{table}" WHERE id = ? AND org_id = ?', [record_id, org_id]
    ).fetchone()
    if exists is None:
        raise NotFoundError(f"This {noun} was deleted by someone else; nothing was saved.")
    raise ConflictError(
        f"Someone else saved this {noun} while you were editing it, so your change was not "
        "saved and theirs was not overwritten. Your text is still in the form: load the "
        "latest version, then apply your change again."
    )
