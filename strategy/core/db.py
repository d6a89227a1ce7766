"""Opening the database, and transactions.

The migrations (:mod:`strategy.core.schema`) and the connection's shape
(:mod:`strategy.core.connection`) are re-exported here, where the app has always found
them.
"""

from __future__ import annotations

import contextvars
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import duckdb

from strategy.core.commits import collecting
from strategy.core.connection import Connection as Connection
from strategy.core.errors import ConflictError, NotFoundError, StorageError
from strategy.core.schema import Migration as Migration
from strategy.core.schema import applied_versions as applied_versions
from strategy.core.schema import available_migrations as available_migrations
from strategy.core.schema import migrate as migrate
from strategy.core.schema import newest_version as newest_version

DEFAULT_DB = Path("data") / "strategy.duckdb"


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: an explicit path, else ``STRATEGY_DB``, else the default."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("STRATEGY_DB") or DEFAULT_DB)


# DuckDB must never fetch and run code because of a file it was given: with the
# defaults, opening a SQLite file makes it download the sqlite extension.
CONNECT_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

# What a file's first bytes say it is. Every DuckDB file carries "DUCK" at byte 8.
_DUCKDB_MAGIC = b"DUCK"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"
# A DuckDB file is a main header and two database headers of 4 KiB each, then
# whole blocks of a fixed size. A truncated file still opens: DuckDB answers every
# count from its catalogue and fails only when a page reads a block past the end.
_HEADERS_SIZE = 3 * 4096


def restore_hint(path: str | os.PathLike[str]) -> str:
    return f"restore a backup: python -m strategy restore FILE --db {path}"


def wal_path(path: str | os.PathLike[str]) -> Path:
    """DuckDB's log of committed writes not yet folded into the file."""
    return Path(f"{path}.wal")


def _cannot(path: Path, cause: str) -> StorageError:
    return StorageError(f"Cannot open the database file {path}: {cause}")


def _is_lock_error(exc: Exception) -> bool:
    # Precisely: "checksum ... in block at location 0" says "lock" too.
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _open_here(exc: Exception) -> bool:
    """DuckDB shares one instance per file within a process, and refuses a second
    connection with other settings (read-only beside read-write)."""
    return "different configuration" in str(exc)


def _explain_open_failure(path: Path, exc: Exception) -> str:
    text = str(exc)
    lowered = text.lower()
    if _open_here(exc):
        cause = ("this program has it open already in another mode (read-only or not); "
                 "close that connection first.")
    elif _is_lock_error(exc):
        cause = (
            "another program is using it (DuckDB allows one process per file). "
            "Close the other app or command, or point STRATEGY_DB at another file."
        )
    elif "not a valid DuckDB database" in text:
        cause = ("it is not a DuckDB database file. Choose another path for STRATEGY_DB, "
                 f"or {restore_hint(path)}.")
    elif "could not read enough bytes" in lowered:
        cause = ("it is damaged: it ends before its own index says it should (it was cut "
                 "short, perhaps by a copy that did not finish or a full disk). The file was "
                 f"not changed; {restore_hint(path)}.")
    elif any(sign in lowered for sign in ("corrupt", "checksum", "serialization",
                                          "failed to deserialize")):
        cause = ("it is damaged (DuckDB says: "
                 f"{text.splitlines()[0][:200]}). The file was not changed; {restore_hint(path)}.")
    elif "newer" in lowered or ("version" in lowered and "storage" in lowered):
        cause = ("it was written by a newer version of the app. Run that version, or "
                 f"{restore_hint(path)}.")
    elif "Permission denied" in text or "Read-only" in text:
        cause = "the folder or file is not writable. Check its permissions."
    elif "No such file or directory" in text:
        cause = "its folder does not exist and could not be created."
    else:
        cause = text
    return f"Cannot open the database file {path}: {cause}"


def _check_file(path: Path, read_only: bool) -> bool:
    """Refuse what the first bytes and permissions show, before DuckDB sees the file.

    Returns whether there is a database to open (False: no file, or an empty one)."""
    if path.is_dir():
        raise _cannot(path, "it is a folder, not a file. Give the path of the database "
                            f"file, such as {path / 'strategy.duckdb'}.")
    folder = path.parent
    if not path.exists():
        if read_only:
            raise _cannot(path, "there is no such file. Check the path (--db or STRATEGY_DB).")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise _cannot(path, f"its folder {folder} is not writable, so the database cannot "
                                "be created there. Check the folder's permissions, or choose "
                                "another path.")
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
        size = path.stat().st_size
    except OSError as exc:
        raise _cannot(path, f"it cannot be read ({exc.strerror}). Check the file's owner "
                            "and permissions: the app must be able to read and write it.") from exc
    if size == 0:
        # A zero-byte file (made by `touch`, or an interrupted copy of nothing) holds
        # nothing to lose: it becomes a new database.
        if read_only:
            raise _cannot(path, "it is empty: there is no database in it yet.")
        return False
    if head.startswith(_SQLITE_MAGIC):
        raise _cannot(path, "it is a SQLite database, not one of this app's (DuckDB) files. "
                            "The file was not changed. Point STRATEGY_DB (or --db) at this "
                            f"app's database file, or {restore_hint(path)}.")
    if head.startswith(_ZIP_MAGIC):
        raise _cannot(path, "it is a zip file, not a database; if it is a backup made by this "
                            "app, restore it into a database file instead: python -m "
                            "strategy restore FILE --db DATABASE_FILE.")
    if head[8:12] != _DUCKDB_MAGIC:
        raise _cannot(path, "it is not a DuckDB database file, so not this app's database. "
                            "The file was not changed. Choose another path for STRATEGY_DB, "
                            f"or {restore_hint(path)}.")
    if size < _HEADERS_SIZE:
        raise _cannot(path, f"it is damaged: it is only {size:,} bytes long, shorter than "
                            "the headers of any database (it was probably cut short while "
                            f"being copied). The file was not changed; {restore_hint(path)}.")
    if not read_only:
        if not os.access(path, os.W_OK):
            raise _cannot(path, "this user may read it but not write it. Check the file's "
                                "owner and permissions.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise _cannot(path, f"its folder {folder} is not writable: the database keeps a "
                                f"log of recent changes ({path.name}.wal) beside the file. "
                                "Check the folder's permissions.")
    return True


def _damaged(path: Path, size: int, needed: int) -> StorageError:
    return _cannot(path, f"it is damaged: it is {size:,} bytes long, but its own index "
                         f"says it holds at least {needed:,} bytes (it was cut short, perhaps "
                         "by a copy that did not finish or a full disk). The file was not "
                         f"changed; {restore_hint(path)}.")


def _check_length(con: Connection, path: Path) -> str | None:
    """Refuse a file cut short: some block in use lies past its end. When it looked
    through the tables' blocks to be sure, returns the file's state as it was before
    the look (see ``whole_note_path``); else None.

    PRAGMA database_size counts the blocks in use and the free ones. DuckDB cuts
    free blocks off the end of the file itself, so a file may end before the last
    free block, but never before the blocks in use: too few whole blocks is damage,
    found at no cost. When the file ends part-way through a block (a copy stopped in
    the middle; or a power cut during an append nothing uses yet) or before some
    free block, the blocks every table uses are looked up (tens of milliseconds)."""
    row = con.execute("SELECT block_size, total_blocks, used_blocks FROM "
                      "pragma_database_size() WHERE database_name = current_database()"
                      ).fetchone()
    if row is None:
        return None
    block_size, total, used = (int(v) for v in row)
    found = path.stat()
    state, size = _state_of(found), found.st_size
    whole, part = divmod(max(size - _HEADERS_SIZE, 0), block_size)
    if whole < used:
        raise _damaged(path, size, _HEADERS_SIZE + used * block_size)
    if (not part and whole >= total) or _left_whole(path, state):
        return None
    tables = [table for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main'").fetchall()]
    # One statement for every table: DuckDB reads their storage side by side, a third
    # of the time of a statement per table. A file ends short of its last free block
    # after every other checkpoint; this runs when no note says the app left it whole.
    scans = " UNION ALL ".join(["SELECT block_id, additional_block_ids FROM "
                                "pragma_storage_info(?) WHERE persistent"] * len(tables))
    top = con.execute(
        f"SELECT max(greatest(block_id, list_max(additional_block_ids))) FROM ({scans})",
        tables).fetchone() if tables else None
    highest = -1 if top is None or top[0] is None else int(top[0])
    (meta,) = con.execute("SELECT max(block_id) FROM pragma_metadata_info()").fetchone() \
        or (None,)
    highest = max(highest, -1 if meta is None else int(meta))
    if highest >= whole:
        raise _damaged(path, size, _HEADERS_SIZE + (highest + 1) * block_size)
    return state


# Where this app notes the state of a database file it has found whole, or left whole
# as it closed it: device, inode, size, and the times of the last change to its contents
# and to the file itself (the second no program can set back). A file still exactly so
# has not been cut since, and needs no look at its tables' blocks. DuckDB leaves the
# file short of its last free block after every other checkpoint, so without this
# every other command paid that look (45 ms at the large organisation, a million
# recognitions).
def whole_note_path(path: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(path)}.whole")


def _state_of(found: os.stat_result) -> str:
    return (f"{found.st_dev} {found.st_ino} {found.st_size} {found.st_mtime_ns} "
            f"{found.st_ctime_ns}")


def _file_state(path: Path) -> str:
    return _state_of(path.stat())


def _left_whole(path: Path, state: str) -> bool:
    try:
        return whole_note_path(path).read_text(encoding="ascii") == state
    except (OSError, UnicodeDecodeError):
        return False


def _remember_whole(path: Path, state: str) -> None:
    """Note that ``path`` was whole in ``state``. Only a note: failing to write it costs
    the next opening the longer look, nothing else."""
    note = whole_note_path(path)
    with suppress(OSError):
        handle, written = tempfile.mkstemp(prefix=note.name + ".", dir=note.parent)
        try:
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(state)
            os.replace(written, note)
        except OSError:
            with suppress(OSError):
                os.unlink(written)
            raise


def close_database(con: Connection, path: str | os.PathLike[str]) -> None:
    """Close a connection of :func:`open_database` and note the file as whole: DuckDB
    folds its log into the file as it closes, and what it leaves is sound. The next
    opening then need not look through the tables' blocks (see ``_check_length``)."""
    con.close()
    target = Path(path)
    with suppress(OSError):
        if str(target) != ":memory:" and target.is_file() and not wal_path(target).exists():
            _remember_whole(target, _file_state(target))


def _check_contents(con: Connection, path: Path) -> str | None:
    """Refuse a damaged file, another program's database, or one from a newer app.

    Reads the catalogue and the small schema_migrations table, never the data. Returns
    what ``_check_length`` returns."""
    looked = None if str(path) == ":memory:" else _check_length(con, path)
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "ORDER BY table_name").fetchall()]
    if "schema_migrations" not in tables:
        if tables:
            named = ", ".join(tables[:3]) + (", …" if len(tables) > 3 else "")
            raise _cannot(path, f"it is a DuckDB database of another program (it has tables "
                                f"such as {named} but no record of this app's upgrades). The "
                                "file was not changed. Point STRATEGY_DB (or --db) at this "
                                f"app's database file, or {restore_hint(path)}.")
        return looked
    versions = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations")
                .fetchall()}
    unknown = sorted(versions - {m.version for m in available_migrations()})
    if unknown:
        raise _cannot(path, f"it was written by a newer version of this app (it has upgrade "
                            f"{unknown[-1]:04d}; this version knows upgrades up to "
                            f"{newest_version():04d}). The file was not changed. Run the newer "
                            "version of the app, or restore a backup made by this version: "
                            f"python -m strategy restore FILE --db {path}.")
    return looked


def _connect(path: Path, read_only: bool) -> Connection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config=CONNECT_CONFIG)
    except duckdb.Error as exc:
        raise StorageError(_explain_open_failure(path, exc)) from exc


def _checked(con: Connection, path: Path) -> tuple[Connection, str | None]:
    """``con`` once its file passed the checks, and what ``_check_length`` returned."""
    try:
        looked = _check_contents(con, path)
    except BaseException as exc:
        with suppress(duckdb.Error):
            con.close()
        if isinstance(exc, duckdb.Error):
            raise StorageError(_explain_open_failure(path, exc)) from exc
        raise
    return con, looked


def open_database(path: str | os.PathLike[str] | None = None, *,
                  read_only: bool = False) -> Connection:
    """Open (creating if needed) and migrate the database file.

    Every failure becomes a :class:`StorageError` that names the file and the
    cause, because the person starting the app needs to know what to fix. A file
    that is damaged, another program's, or from a newer version of the app is
    refused before anything is written to it. ``read_only`` opens an existing
    file without upgrading it (for a backup), and works beside read-only readers.
    """
    target = database_path(path)
    if str(target) == ":memory:":
        return _checked(_connect(target, read_only), target)[0]
    if not read_only:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot open the database file {target}: its folder cannot be created "
                f"({exc.strerror}). Check the path and its permissions."
            ) from exc
    has_database = _check_file(target, read_only)
    if not has_database and target.exists():
        try:
            target.unlink()
        except OSError as exc:
            raise _cannot(target, f"it is empty and cannot be replaced ({exc.strerror}). "
                                  "Check the folder's permissions.") from exc
    looked_first: str | None = None
    if has_database and not read_only and wal_path(target).exists():
        # Closing a connection folds the log of recent writes into the file: look
        # first without writing, so that a refused file is left exactly as it was.
        try:
            look: Connection | None = duckdb.connect(str(target), read_only=True,
                                                     config=CONNECT_CONFIG)
        except duckdb.ConnectionException as exc:
            if not _open_here(exc):
                raise StorageError(_explain_open_failure(target, exc)) from exc
            look = None  # this process has it open already, checked when first opened
        except duckdb.Error as exc:
            raise StorageError(_explain_open_failure(target, exc)) from exc
        if look is not None:
            look, looked_first = _checked(look, target)
            look.close()
    con, looked = _checked(_connect(target, read_only), target)
    looked = looked or looked_first
    if read_only:
        # Nothing is written beside a file opened only to read it (a backup's source).
        return con
    if not has_database:
        # A new database will hold personal HR data: readable by its owner only.
        with suppress(OSError):
            os.chmod(target, 0o600)
    try:
        migrate(con)
    except StorageError:
        con.close()
        raise
    except duckdb.Error as exc:
        con.close()
        raise StorageError(_explain_open_failure(target, exc)) from exc
    if looked is not None:
        # Noted only now nothing has refused the file: a refused file's folder is left
        # as it was. The state is the one measured before the look.
        _remember_whole(target, looked)
    return con


def held_by_another_process(path: str | os.PathLike[str]) -> bool:
    """Whether another process (the app, most likely) has the database file open."""
    target = Path(path)
    if not target.is_file():
        return False
    try:
        duckdb.connect(str(target), read_only=True, config=CONNECT_CONFIG).close()
    except duckdb.Error as exc:
        return _is_lock_error(exc)
    return False


_shared: dict[str, Connection] = {}
_shared_postgres: dict[str, Any] = {}  # address: strategy.core.pg.SharedPostgres
_shared_lock = threading.Lock()


def database_url() -> str | None:
    """``STRATEGY_DATABASE_URL``: a ``postgresql://`` address makes PostgreSQL the app's
    database (several app servers can share it); unset, the DuckDB file."""
    url = os.environ.get("STRATEGY_DATABASE_URL", "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise StorageError("STRATEGY_DATABASE_URL should be a PostgreSQL address such as "
                           "postgresql://user:password@host:5432/strategy (leave it unset "
                           "to use the DuckDB file).")
    return url


def database_key() -> str:
    """Which database this process works on, for what is kept per database: the
    PostgreSQL address, or the DuckDB file's path."""
    return database_url() or str(database_path())


def shared_connection(path: str | os.PathLike[str] | None = None) -> Connection:
    """The server's one connection to its database (threads take cursors).

    The web server's sign-in checks and the app's pages share it: DuckDB lets only
    one process write a file, and one connection per process keeps it simple. On
    PostgreSQL (``STRATEGY_DATABASE_URL``) each cursor is a session borrowed from the
    server's pool."""
    url = database_url()
    if url is not None:
        from strategy.core.pg import SharedPostgres

        with _shared_lock:
            if url not in _shared_postgres:
                _shared_postgres[url] = SharedPostgres(url)
            pool = _shared_postgres[url]
        # Borrowed outside the lock: a wait for a free session holds up nobody else.
        found: Connection = pool.connection()
        return found
    key = str(database_path(path))
    with _shared_lock:
        if key not in _shared:
            con = open_database(key)
            # DuckDB keeps what it reads in memory up to 80 % of the machine's unless
            # told otherwise; a server that also holds every browser's session keeps
            # its own share modest (beyond it DuckDB works from disk).
            con.execute("SET memory_limit = ?", [server_memory_limit()])
            _shared[key] = con
        return _shared[key]


SERVER_MEMORY_DEFAULT = "256MB"
_MEMORY = re.compile(r"\d{1,6}(\.\d{1,3})?\s?(KB|MB|GB|KiB|MiB|GiB)", re.IGNORECASE)


def server_memory_limit() -> str:
    """``STRATEGY_DUCKDB_MEMORY`` (such as 512MB or 2GB), else 256MB: how much memory
    the app server's DuckDB may keep."""
    raw = os.environ.get("STRATEGY_DUCKDB_MEMORY", "").strip() or SERVER_MEMORY_DEFAULT
    if not _MEMORY.fullmatch(raw):
        raise StorageError(f"STRATEGY_DUCKDB_MEMORY is “{raw}”: write an amount such as "
                           "256MB or 2GB.")
    return raw


def forget_shared(path: str | os.PathLike[str] | None = None) -> None:
    """Drop the shared connection (after a fatal error) so the next use reopens it."""
    url = database_url()
    if url is not None:
        with _shared_lock:
            pool = _shared_postgres.pop(url, None)
        if pool is not None:
            pool.close()
        return
    key = str(database_path(path))
    with _shared_lock:
        con = _shared.pop(key, None)
    if con is not None:
        with suppress(duckdb.Error):
            con.close()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""  # unquoted: NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | date):
        return str(value)  # a float's repr reads back as the same number
    return '"' + str(value).replace('"', '""') + '"'  # quoted: text, "" is the empty text


@contextmanager
def incoming_rows(con: Connection, columns: Mapping[str, str],
                  rows: Iterable[Sequence[object]]) -> Iterator[tuple[str, list[object]]]:
    """Many rows for one set-based statement: ``(source, params)`` to use as
    ``f"... FROM {source} AS i"`` with ``params``.

    The rows go through a CSV file in a private temporary folder that DuckDB reads
    with the column types given, and which is deleted straight after. Sent as Python
    lists (``unnest(?)``) or as an Arrow table, 50,000 rows cost DuckDB and the Arrow
    pool a few hundred megabytes; read from a file, a few dozen. Every value keeps
    what it is: text is quoted (an empty text stays empty), NULL is an empty cell,
    nothing in a value is ever SQL. On PostgreSQL (``con`` of :mod:`strategy.core.pg`)
    the rows are copied into a temporary table instead, with COPY."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        with cast(Any, con).incoming_rows(columns, rows) as incoming:
            yield incoming
        return
    with tempfile.TemporaryDirectory(prefix="strategy-rows-") as folder:
        path = os.path.join(folder, "rows.csv")
        with open(path, "w", encoding="utf-8", newline="") as out:
            for row in rows:
                out.write(",".join(_csv_cell(v) for v in row) + "\n")
        # Names and types come from the code, never from user text.
        spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items())
        yield (f"read_csv(?, header = false, auto_detect = false, delim = ',', "
               f"quote = '\"', escape = '\"', allow_quoted_nulls = false, "
               f"columns = {{{spec}}})", [path])


def database_now(con: Connection) -> datetime:
    """The database's clock (sessions, sign-in delays and workshops all go by it)."""
    row = con.execute("SELECT current_timestamp::TIMESTAMP").fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


_T = TypeVar("_T")
SIDE_BY_SIDE = 4  # reads at once: two cores, and one ready while another waits


def on_cursor(con: Connection, work: Callable[[Connection], _T]) -> _T:
    """``work`` on a cursor of its own (a DuckDB connection is one thread's at a time)."""
    cursor = con.cursor()
    try:
        return work(cursor)
    finally:
        cursor.close()


# Set in side_by_side's threads: a read they make side by side again runs in turn on
# the thread's own cursor, so one page never holds more than SIDE_BY_SIDE sessions.
_beside = contextvars.ContextVar("strategy_side_by_side", default=False)


def _spare_cursor(con: Connection) -> Connection | None:
    """Another cursor for a read beside this one, or None when none is to be had at once
    (a PostgreSQL server's pool, all lent to other people's pages: waiting for one while
    holding one could leave every page waiting on every other)."""
    spare = getattr(con, "spare_cursor", None)
    return spare() if spare is not None else con.cursor()  # type: ignore[no-any-return]


def side_by_side(con: Connection, works: Sequence[Callable[[Connection], Any]]) -> list[Any]:
    """The results of ``works``, reads that need nothing of each other, worked out at once.

    Each runs on a cursor of its own in a thread of its own, acting as the caller (the
    person is carried in a context variable). A DuckDB query lets go of Python's lock, so
    the figures one page needs are read on both cores instead of one after another; on
    PostgreSQL each cursor is a session of its own. As many cursors are used as can be
    had at once, up to SIDE_BY_SIDE; with fewer than two, the works run in turn. The
    first error is raised, as if they had run in turn."""
    if _beside.get():
        return [work(con) for work in works]  # ``con`` is this thread's own cursor
    if len(works) < 2:
        return [on_cursor(con, work) for work in works]
    cursors: list[Connection] = []
    try:
        while len(cursors) < min(SIDE_BY_SIDE, len(works)):
            cursor = _spare_cursor(con)
            if cursor is None:
                break
            cursors.append(cursor)
        if len(cursors) < 2:
            return [work(cursors[0] if cursors else con) for work in works]
        results: list[Any] = [None] * len(works)
        errors: dict[int, BaseException] = {}
        upcoming = iter(range(len(works)))
        taking = threading.Lock()

        def worker(cursor: Connection) -> None:
            _beside.set(True)
            while True:
                with taking:
                    index = next(upcoming, None)
                if index is None:
                    return
                try:
                    results[index] = works[index](cursor)
                except BaseException as exc:  # raised below, in the caller's thread
                    errors[index] = exc

        with ThreadPoolExecutor(max_workers=len(cursors)) as pool:
            for running in [pool.submit(contextvars.copy_context().run, worker, cursor)
                            for cursor in cursors]:
                running.result()
        if errors:
            raise errors[min(errors)]
        return results
    finally:
        for cursor in cursors:
            cursor.close()


class ReadOnce(Generic[_T]):
    """A reading that several works of one ``side_by_side`` need (the overview's training
    figures: the step's status and the to-do counts both use them). The first work to
    ask reads it on its own cursor; the others wait for that reading rather than make
    it again, and see its error if it failed. Works that run in turn reuse it."""

    def __init__(self, read: Callable[[Connection], _T]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._reading: Future[_T] | None = None

    def __call__(self, con: Connection) -> _T:
        with self._lock:
            first = self._reading is None
            if self._reading is None:
                self._reading = Future()
            reading = self._reading
        if first:
            try:
                reading.set_result(self._read(con))
            except BaseException as exc:
                reading.set_exception(exc)
        return reading.result()


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """One user action: begin, write, commit — or roll back and explain.

    Two sessions updating the same row make DuckDB raise a conflict; nothing is
    lost then, and the person is asked to try again.
    """
    with collecting() as committed:
        yield from _transaction(con)
    for action in committed:
        action()


def _transaction(con: Connection) -> Iterator[Connection]:
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
