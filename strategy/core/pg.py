"""PostgreSQL behind the same connection the domain code uses with DuckDB.

A :class:`PgConnection` answers as a DuckDB connection does: ``execute`` takes a
statement in DuckDB's dialect with ``?`` or ``$name`` parameters and returns the
connection, whose ``fetchone``/``fetchall``/``fetchmany`` and ``description`` give
the result; ``cursor()`` is another connection for another thread; ``BEGIN
TRANSACTION``/``COMMIT``/``ROLLBACK`` are statements, as on DuckDB. Each statement is
translated once (:mod:`strategy.core.dialect`), and a whole migration file runs
statement by statement.

Values come back as DuckDB gives them, so that figures are computed the same way on
both: a whole NUMERIC (PostgreSQL's ``sum`` of integers) as an ``int``, a fractional
one (its ``avg``) as a ``float``, JSON as its text. The database's refusals are
raised as DuckDB's exception classes with DuckDB's words (a repeated key is a
``ConstraintException`` saying "Duplicate key"; a write conflict a
``TransactionException``), so the clean messages the app gives for them are the same
on both databases and no driver exception reaches a person.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from typing import Any

import duckdb
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool, PoolTimeout
from sqlglot import exp

from strategy.core import shared
from strategy.core.dialect import positional_name, to_postgres, with_columns
from strategy.core.errors import StorageError
from strategy.core.kept import KEPT_PREFIX, TRACKED_TABLES, Kept
from strategy.core.schema import available_migrations, migrate, newest_version

log = logging.getLogger(__name__)


class _WholeOrFloat(Loader):
    """NUMERIC as DuckDB's answer would be: an int when whole (a sum of integers is
    a HUGEINT there), a float otherwise (an average of integers is a DOUBLE there)."""

    def load(self, data: Any) -> int | float:
        value = Decimal(bytes(data).decode("ascii"))
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return int(value)
        return float(value)


class _Text(Loader):
    """JSON as its text, as DuckDB returns it (the domain code parses it itself)."""

    def load(self, data: Any) -> str:
        return bytes(data).decode("utf-8")


def _adapt(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("numeric", _WholeOrFloat)
    for name in ("json", "jsonb"):
        conn.adapters.register_loader(name, _Text)
    # No JIT compilation: it pays off for queries that run for seconds, and the app's
    # take milliseconds. Where the planner overestimates rows it compiled anyway, and
    # the compiling cost more than the query (staff not recognised lately: 48 ms of
    # 590; with a plan that probes an index, 470 ms with JIT against 160 without).
    conn.execute("SET jit = off")
    # A plan for the values asked, every time. psycopg prepares a statement run five
    # times on a connection, and PostgreSQL may then keep one generic plan for any
    # values: it cannot drop an optional filter left unused ("$team IS NULL OR ...")
    # nor see how few rows a day's range holds, so it estimates blind. The training
    # overdue list's generic plan ran for minutes where its own took 90 ms. Planning
    # each time costs about a millisecond or less (0.6 ms for the training figures).
    conn.execute("SET plan_cache_mode = force_custom_plan")


def _adapted(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    _adapt(conn)
    return conn


def _as_duckdb_error(exc: psycopg.Error) -> duckdb.Error:
    """PostgreSQL's refusal in the words and class DuckDB would use for it."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, pg_errors.UniqueViolation):
        return duckdb.ConstraintException(f"Constraint Error: Duplicate key: {first}")
    if isinstance(exc, pg_errors.IntegrityError):
        return duckdb.ConstraintException(f"Constraint Error: {first}")
    if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected
                  | pg_errors.LockNotAvailable):
        return duckdb.TransactionException(f"TransactionContext Error: Conflict: {first}")
    if isinstance(exc, pg_errors.InFailedSqlTransaction):
        return duckdb.TransactionException(f"TransactionContext Error: {first}")
    if isinstance(exc, pg_errors.UndefinedTable | pg_errors.UndefinedColumn
                  | pg_errors.UndefinedFunction):
        return duckdb.CatalogException(f"Catalog Error: {first}")
    if isinstance(exc, pg_errors.DataError):
        return duckdb.ConversionException(f"Conversion Error: {first}")
    if isinstance(exc, pg_errors.SyntaxError):
        return duckdb.ParserException(f"Parser Error: {first}")
    if isinstance(exc, psycopg.OperationalError):
        return duckdb.IOException(f"IO Error: {first}")
    return duckdb.Error(first)


def _named_values(params: Any) -> Mapping[str, Any]:
    """The statement's values by name: ``?`` values by position as :mod:`dialect`
    named them."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return params
    return {positional_name(index): value for index, value in enumerate(params)}


class PgConnection:
    """One PostgreSQL session that answers as a DuckDB connection does: a connection of
    its own (the command line), or one borrowed from a server's pool and given back
    when closed or no longer used (see :class:`SharedPostgres`)."""

    def __init__(self, url: str, *, connect_timeout: int = 10,
                 pool: ConnectionPool[Any] | None = None, wait: float | None = None) -> None:
        """``wait``: at most how long to wait for the pool to lend a session (None: the
        pool's own limit, 30 s)."""
        self.url = url
        self._pool = pool
        self._lending: ConnectionPool[Any] | None = None  # see _lender
        self._lending_made = threading.Lock()
        try:
            if pool is not None:
                conn = pool.getconn(timeout=wait)
                # Given back to the pool when closed, or when nothing uses it any more
                # (a page run's cursor simply goes out of use, as DuckDB's does).
                self._returned = weakref.finalize(self, _give_back, pool, conn)
            else:
                conn = _adapted(psycopg.connect(url, autocommit=True,
                                                connect_timeout=connect_timeout))
        except psycopg.ProgrammingError as exc:
            # An address libpq cannot read: its words may repeat a piece of it.
            raise StorageError("Cannot connect to the PostgreSQL database: "
                               "STRATEGY_DATABASE_URL is not an address PostgreSQL can read "
                               "(postgresql://user:password@host:5432/database).") from exc
        except (psycopg.Error, PoolTimeout) as exc:
            raise StorageError(f"Cannot connect to the PostgreSQL database "
                               f"({shown_address(url)}): "
                               f"{str(exc).splitlines()[0] if str(exc) else exc}.") from exc
        self._conn: psycopg.Connection[Any] = conn
        self._cursor = self._conn.cursor()
        self._loads = 0  # temporary tables made for incoming rows, for their names
        self._counted: list[tuple[Any, ...]] | None = None  # a write's count, as DuckDB's

    # --- DuckDB's connection, as the domain code uses it ---------------------------------

    def execute(self, sql: str, params: Any = None, /) -> PgConnection:
        self._counted = None
        if sql == "BEGIN TRANSACTION":
            # DuckDB's transactions see one snapshot and refuse a write that conflicts
            # with another's; PostgreSQL's do the same at this level (a conflict is a
            # serialization failure, raised as DuckDB's TransactionException).
            self._raw("BEGIN ISOLATION LEVEL REPEATABLE READ")
            return self
        for statement in to_postgres(sql):
            text = with_columns(statement, None if isinstance(statement, str)
                                else self._columns())
            try:
                # Always with parameters (none is an empty dict): psycopg then reads
                # the translation's "%%" as "%".
                self._cursor.execute(text, _named_values(params))
            except psycopg.Error as exc:
                raise _as_duckdb_error(exc) from exc
        if self._cursor.description is None and (self._cursor.statusmessage or "").split(
                " ")[0] in ("INSERT", "UPDATE", "DELETE", "MERGE"):
            # DuckDB answers a write without RETURNING with the count of rows written.
            self._counted = [(self._cursor.rowcount,)]
        return self

    def executemany(self, sql: str, rows: Any = None, /) -> PgConnection:
        self._counted = None
        (statement,) = to_postgres(sql)
        text = with_columns(statement, None if isinstance(statement, str) else self._columns())
        try:
            self._cursor.executemany(text, [_named_values(row) for row in rows or []])
        except psycopg.Error as exc:
            raise _as_duckdb_error(exc) from exc
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._counted is not None:
            return self._counted.pop(0) if self._counted else None
        return self._cursor.fetchone() if self._cursor.description is not None else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        if self._counted is not None:
            rows, self._counted = self._counted, []
            return rows
        return self._cursor.fetchall() if self._cursor.description is not None else []

    def fetchmany(self, size: int = 1, /) -> list[tuple[Any, ...]]:
        return (self._cursor.fetchmany(size) if self._cursor.description is not None
                else [])

    @property
    def description(self) -> Any:
        found = self._cursor.description
        return None if found is None else [tuple(column) for column in found]

    def cursor(self) -> PgConnection:
        """Another session on the same database (DuckDB's cursor is one per thread),
        from the same pool if this one came from a pool."""
        return PgConnection(self.url, pool=self._lender())

    def spare_cursor(self) -> PgConnection | None:
        """Another session for a read beside this one, if one can be had within half a
        second; None when the pool is all lent (the read then waits its turn on this
        session rather than holding this one while it waits for another)."""
        try:
            return PgConnection(self.url, pool=self._lender(), wait=0.5)
        except StorageError as exc:
            if isinstance(exc.__cause__, PoolTimeout):
                return None
            raise

    def _lender(self) -> ConnectionPool[Any]:
        """Where this session's cursors come from: its server's pool, or for a session
        of its own (the command line) a small pool of its own, made when first asked,
        so that the review pack's side-by-side reads reuse a few sessions instead of
        connecting afresh for each (22 connections of 23 ms for one pack)."""
        if self._pool is not None:
            return self._pool
        # Made once under a lock: the pack's threads ask for their cursors at the same
        # moment, and each pool made beside another was left open, its sessions held.
        with self._lending_made:
            if self._lending is None:
                # As many as are asked for at once (a cursor is a session of its own, as
                # each was before), kept for reuse.
                self._lending = ConnectionPool(
                    self.url, min_size=0, max_size=64, open=True, configure=_adapt,
                    kwargs={"autocommit": True}, timeout=30, name="strategy-command")
            return self._lending

    def close(self) -> None:
        with self._lending_made:
            lending, self._lending = self._lending, None
        if lending is not None:
            lending.close()
        if self._pool is not None:
            self._returned()
        else:
            self._conn.close()

    # --- Results kept between readings (strategy.core.kept) ---------------------------

    def keep(self, kept: Kept, org_id: int) -> bool:
        """Whether the organisation's rows of ``kept`` can be read from its table now;
        made again first if a change was committed since they were made. Not inside a
        transaction: the rows could not hold its own uncommitted writes, nor be made
        there. Nor where the database does not note changes (PostgreSQL before 13, or
        a refusal to write them, as on a standby): the query is then read instead."""
        if self._conn.info.transaction_status != TransactionStatus.IDLE \
                or self.url in _not_kept:
            return False
        try:
            if not self._kept_fresh(kept, org_id):
                self._make_kept(kept, org_id)
            return True
        except _KeptBusy:
            log.warning("%s of organisation %s were being made for longer than %s s: "
                        "this reading counted in full", kept.table, org_id, _KEPT_WAIT)
            return False
        except psycopg.OperationalError as exc:
            raise _as_duckdb_error(exc) from exc
        except (psycopg.Error, duckdb.Error) as exc:
            # Counted from the query instead, as on DuckDB: slower, never wrong. Not
            # tried again where the database cannot (no notes made, no writing here).
            if isinstance(exc if isinstance(exc, psycopg.Error) else exc.__cause__,
                          _CANNOT_KEEP):
                _not_kept.add(self.url)
            log.warning("figures are worked out in full on each reading: %s cannot be "
                        "kept in PostgreSQL (%s)", kept.table, str(exc).splitlines()[0])
            return False

    def _kept_fresh(self, kept: Kept, org_id: int) -> bool:
        """Made, here (their snapshot is not one of another cluster's, as a dump
        restored elsewhere brings along), and every change noted to what they are made
        from was committed before that snapshot."""
        row = self._conn.execute(
            "SELECT to_regclass(%(kept)s) IS NOT NULL "
            "AND pg_snapshot_xmax(b.snapshot) <= pg_snapshot_xmax(pg_current_snapshot()) "
            "AND NOT EXISTS (SELECT 1 FROM strategy_kept_change c "
            "WHERE (c.org_id = b.org_id OR c.org_id IS NULL) "
            "AND c.table_name = ANY(%(reads)s) "
            "AND NOT pg_visible_in_snapshot(c.xid, b.snapshot)) "
            "FROM strategy_kept_built b WHERE b.kept = %(kept)s AND b.org_id = %(org)s",
            {"reads": list(kept.reads), "kept": kept.table, "org": org_id}).fetchone()
        return bool(row and row[0])

    def _make_kept(self, kept: Kept, org_id: int) -> None:
        """The organisation's rows made again, one maker at a time on every server (the
        others wait, then find them made): made seldom, and two at once would forget
        each other's notes. Readings of the rows as they were go on meanwhile."""
        waited_until = time.monotonic() + _KEPT_WAIT
        while not (self._conn.execute("SELECT pg_try_advisory_lock(%s)", [_KEPT_LOCK])
                   .fetchone() or (False,))[0]:
            if time.monotonic() > waited_until:
                raise _KeptBusy
            time.sleep(0.02)
        try:
            if not self._kept_fresh(kept, org_id):
                self._remake(kept, org_id)
        finally:
            try:
                self._conn.execute("SELECT pg_advisory_unlock(%s)", [_KEPT_LOCK])
            except psycopg.Error:
                # A session that cannot let go would hold the lock for every server:
                # ended instead (a pool replaces it).
                with suppress(psycopg.Error):
                    self._conn.close()

    def _remake(self, kept: Kept, org_id: int) -> None:
        """In one snapshot, recorded with them: a change committed while they are made
        is not in that snapshot, so the next reading makes them again."""
        table = sql.Identifier(kept.table)
        if self._conn.execute("SELECT to_regclass(%s)", [kept.table]
                              ).fetchone() in (None, (None,)):
            spec = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(
                    exp.DataType.build(kind, dialect="duckdb").sql("postgres")))
                for name, kind in kept.columns)
            self._conn.execute(sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (org_id BIGINT NOT NULL, {})").format(
                    table, spec))
            self._conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (org_id)").format(
                sql.Identifier(f"{kept.table}_org"), table))
        self._raw("BEGIN ISOLATION LEVEL REPEATABLE READ")
        try:
            (snapshot,) = self._conn.execute(
                "SELECT pg_current_snapshot()::text").fetchone() or ("",)
            self._conn.execute(sql.SQL("DELETE FROM {} WHERE org_id = %s").format(table),
                               [org_id])
            # In DuckDB's words, as the query is: the names are checked by Kept, the
            # organisation is a parameter.
            self.execute(f"INSERT INTO {kept.table} (org_id, {kept.names}) "
                         f"SELECT $org, {kept.names} FROM ({kept.query}) q", {"org": org_id})
            self._conn.execute(
                "INSERT INTO strategy_kept_built (kept, org_id, snapshot) "
                "VALUES (%s, %s, %s::pg_snapshot) ON CONFLICT (kept, org_id) "
                "DO UPDATE SET snapshot = EXCLUDED.snapshot", [kept.table, org_id, snapshot])
            # Organisations deleted since: their rows, and their notes, are no one's.
            self._conn.execute(sql.SQL(
                "DELETE FROM {} k WHERE NOT EXISTS "
                "(SELECT 1 FROM organisation o WHERE o.id = k.org_id)").format(table))
            self._conn.execute("DELETE FROM strategy_kept_built b WHERE NOT EXISTS "
                               "(SELECT 1 FROM organisation o WHERE o.id = b.org_id)")
            # Notes forgotten: those every kept result of theirs now holds, and those of
            # another cluster (after this snapshot, yet seen in it: a dump restored).
            self._conn.execute(
                "DELETE FROM strategy_kept_change c "
                "WHERE (c.org_id = %(org)s OR c.org_id IS NULL OR NOT EXISTS "
                "(SELECT 1 FROM organisation o WHERE o.id = c.org_id)) "
                "AND (c.xid >= pg_snapshot_xmax(%(snapshot)s::pg_snapshot) OR NOT EXISTS ("
                "SELECT 1 FROM strategy_kept_built b "
                "WHERE (c.org_id IS NULL OR b.org_id = c.org_id) "
                "AND NOT pg_visible_in_snapshot(c.xid, b.snapshot)))",
                {"org": org_id, "snapshot": snapshot})
            self._raw("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):
                self._raw("ROLLBACK")
            raise

    # --------------------------------------------------------------------------------------

    @contextmanager
    def incoming_rows(self, columns: Mapping[str, str],
                      rows: Iterable[Sequence[object]]) -> Iterator[tuple[str, list[object]]]:
        """:func:`strategy.core.db.incoming_rows` on PostgreSQL: the rows are copied
        (COPY, values never SQL) into a temporary table of this session, dropped
        after. Column names and types come from the code, never from user text."""
        self._loads += 1
        table = f"strategy_incoming_{self._loads}"
        spec = ", ".join(f'"{name}" {exp.DataType.build(kind, dialect="duckdb").sql("postgres")}'
                         for name, kind in columns.items())
        names = ", ".join(f'"{name}"' for name in columns)
        try:
            self._raw(f"CREATE TEMPORARY TABLE {table} ({spec})")
            with self._cursor.copy(f"COPY {table} ({names}) FROM STDIN".encode()) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            raise _as_duckdb_error(exc) from exc
        try:
            yield table, []
        finally:
            with suppress(duckdb.Error):
                self._raw(f"DROP TABLE IF EXISTS {table}")

    # --- Whole tables, for backups (strategy.io.backup) --------------------------------

    def tables(self) -> dict[str, list[str]]:
        """Every table of the app's schema and its columns, in order."""
        return self._columns()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One consistent, read-only view of the whole database for the block."""
        self._raw("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            with suppress(duckdb.Error):
                self._raw("ROLLBACK")  # it only read

    def read_rows(self, table: str, columns: Sequence[str],
                  batch: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
        """A table's rows in batches, through a cursor on the server (inside
        :meth:`snapshot`): a million rows are never held at once. Names come from the
        schema, never from user text."""
        names = ", ".join(f'"{c}"' for c in columns)
        try:
            with self._conn.cursor(name=f"strategy_read_{table}") as cursor:
                cursor.itersize = batch
                cursor.execute(f'SELECT {names} FROM "{table}"'.encode())
                while rows := cursor.fetchmany(batch):
                    yield rows
        except psycopg.Error as exc:
            raise _as_duckdb_error(exc) from exc

    def write_rows(self, table: str, columns: Sequence[str],
                   rows: Iterable[Sequence[Any]]) -> None:
        """Append rows to a table with COPY: values, never SQL."""
        names = ", ".join(f'"{c}"' for c in columns)
        try:
            with self._cursor.copy(f'COPY "{table}" ({names}) FROM STDIN'.encode()) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            raise _as_duckdb_error(exc) from exc

    def sequences(self) -> dict[str, int]:
        """Each sequence's last number given (0: none given yet)."""
        found: dict[str, int] = {}
        for (name,) in self._conn.execute(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema() ORDER BY 1").fetchall():
            row = self._conn.execute(
                f'SELECT last_value, is_called FROM "{name}"'.encode()).fetchone()
            found[str(name)] = int(row[0]) if row and row[1] else 0
        return found

    def continue_sequence(self, name: str, last: int) -> None:
        """The sequence ``name`` gives ``last + 1`` next."""
        if last > 0:
            self.execute("SELECT setval(?, ?, true)", [name, last])
        else:
            self.execute("SELECT setval(?, 1, false)", [name])

    @contextmanager
    def filling(self) -> Iterator[None]:
        """Around a bulk fill, inside its transaction (a restore): the word indexes are
        set aside and made again once over every row at the end, rather than kept up
        to date row by row (a restore of the large organisation: 36 -> 27 s). Should
        the fill fail, the rollback brings them back as they were."""
        present = [statement for statement in _TRIGRAM_INDEXES
                   if self.execute("SELECT to_regclass(?)", [_index_name(statement)]
                                   ).fetchone() not in (None, (None,))]
        for statement in present:
            self._raw(f'DROP INDEX "{_index_name(statement)}"')
        yield
        for statement in present:
            self._raw(statement)

    def settle_after_load(self) -> None:
        """After a bulk load (a restore): PostgreSQL's statistics, which its plans are
        made from, and its map of pages every session can see, without which it reads
        the table as well as an index that holds all a query needs."""
        self._raw("VACUUM (ANALYZE)")

    def _raw(self, sql: str) -> None:
        """A statement in PostgreSQL's own words, not translated (setting up)."""
        try:
            self._conn.execute(sql.encode("utf-8"))
        except psycopg.Error as exc:
            raise _as_duckdb_error(exc) from exc

    def _columns(self) -> dict[str, list[str]]:
        columns: dict[str, list[str]] = {}
        for table, column in self._conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"):
            if not table.startswith(KEPT_PREFIX):  # not the app's: see strategy.core.kept
                columns.setdefault(table, []).append(column)
        return columns


# Databases that cannot keep results (no notes of changes made there, or no writing
# allowed): found once, then not tried again by this process.
_not_kept: set[str] = set()
_CANNOT_KEEP = (pg_errors.UndefinedTable, pg_errors.UndefinedFunction,
                pg_errors.UndefinedObject, pg_errors.ReadOnlySqlTransaction,
                pg_errors.InsufficientPrivilege)
# Held while kept rows are made; a reading waits this long (seconds) for another's
# making before it counts in full instead.
_KEPT_LOCK = 7_301_413
_KEPT_WAIT = 5.0


class _KeptBusy(Exception):
    """Kept rows being made elsewhere for longer than a reading waits."""


def _give_back(pool: ConnectionPool[Any], conn: psycopg.Connection[Any]) -> None:
    if conn.info.transaction_status != TransactionStatus.IDLE:
        # A run that stopped half-way (Streamlit stops scripts) leaves nothing behind.
        with suppress(psycopg.Error):
            conn.execute("ROLLBACK")
    with suppress(Exception):  # a pool closed as the server stops
        pool.putconn(conn)


class SharedPostgres:
    """A server's sessions to its PostgreSQL database: a pool (psycopg_pool, kept by
    psycopg's authors) from which each page run's cursor borrows one. The schema is
    brought up to date once, when the pool is made."""

    def __init__(self, url: str, size: int = 20) -> None:
        open_postgres(url).close()
        self.url = url
        self.pool: ConnectionPool[Any] = ConnectionPool(
            url, min_size=2, max_size=size, open=True, configure=_adapt,
            kwargs={"autocommit": True}, timeout=30, name="strategy",
            # A session lost (the database restarted) is replaced before it is lent.
            check=ConnectionPool.check_connection)
        # What one server forgets of its shared reads, every server forgets.
        self._listening = _Listener(url)
        shared.tell_others_with(self.tell_others)

    def connection(self) -> PgConnection:
        return PgConnection(self.url, pool=self.pool)

    def tell_others(self, name: str, key: object) -> None:
        """NOTIFY every app server on this database (this one too) that ``name``'s
        ``key`` changed. A failure here must not undo the change that was made."""
        try:
            # Not waiting long for a session: the change is made; the others' copies
            # are seconds old at most.
            with self.pool.connection(timeout=2.0) as conn:
                conn.execute("SELECT pg_notify(%s, %s)",
                             [_CHANNEL, json.dumps([name, key])])
        except (psycopg.Error, PoolTimeout):
            log.warning("could not tell the other app servers that %s changed", name)

    def close(self) -> None:
        shared.tell_others_with(None)
        self._listening.stop()
        self.pool.close()


_CHANNEL = "strategy_shared_reads"


class _Listener:
    """A thread with a session of its own that LISTENs for what other servers forgot
    and forgets it here. Reconnects (after a restart of the database, say) and, as it
    may have missed something meanwhile, forgets everything then."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="shared-reads-listener",
                                        daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _listen(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {_CHANNEL}")
                    if not first:
                        shared.told_everything()
                    first = False
                    self._ready.set()
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=1.0):
                            try:
                                name, key = json.loads(note.payload)
                            except (ValueError, TypeError):
                                log.warning("ignored a malformed note on %s", _CHANNEL)
                                continue
                            shared.told(str(name), key)
            except (psycopg.Error, ValueError):
                log.warning("lost the shared-reads listener's session; reconnecting")
                self._stopping.wait(1.0)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)


def shown_address(url: str) -> str:
    """The address to show in a message: never a password."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "the address in STRATEGY_DATABASE_URL, which cannot be read"
    for secret in ("password", "sslpassword", "passfile", "sslkey"):
        info.pop(secret, None)
    return " ".join(f"{key}={value}" for key, value in info.items())


# Held while a server checks and upgrades the schema: several app servers starting
# at once against one database upgrade it once, one after another.
_UPGRADE_LOCK = 7_301_412


def open_postgres(url: str) -> PgConnection:
    """Connect to the PostgreSQL database at ``url`` and bring its schema up to date
    with the same numbered migrations as DuckDB's; one from a newer version of the app
    is refused before anything is written."""
    con = PgConnection(url)
    try:
        con.execute("SELECT pg_advisory_lock(?)", [_UPGRADE_LOCK])
        try:
            _refuse_newer(con, url)
            _add_what_duckdb_has(con)
            upgraded = migrate(con)
            _add_indexes(con)
            _note_changes(con, bool(upgraded))
        finally:
            con.execute("SELECT pg_advisory_unlock(?)", [_UPGRADE_LOCK])
    except BaseException:
        con.close()
        raise
    return con


# Indexes PostgreSQL's planner needs and DuckDB does not (it scans columns, and an index
# would cost the DuckDB server memory): the schema, column for column, stays the same.
# Measured at the large organisation (bench_pages --postgres): recognition / HR views
# 1,012 -> 733 ms, Log 463 -> 245 ms, finding someone to recognise 365 -> 255 ms.
_POSTGRES_INDEXES = (
    # The records by day with their ids, newest first as the log lists them (NULLS LAST
    # as the translated ORDER BY is written): a window's records without reading them,
    # and a page of the log by walking the index until the page is full rather than
    # sorting the quarter (a search's page 80 -> 32 ms, the first page 1.5 ms).
    "CREATE INDEX IF NOT EXISTS recognition_log_order ON recognition "
    "(org_id, given_on DESC NULLS LAST, id DESC NULLS LAST) WHERE deleted_at IS NULL",
    # Who was recognised in a window of days, from the recipients alone (migration 21):
    # staff not recognised lately, 150 -> 24 ms at the large organisation; the
    # recognition log's search by a recipient's name.
    "CREATE INDEX IF NOT EXISTS recognition_recipient_given "
    "ON recognition_recipient (org_id, given_on) INCLUDE (employee_id, recognition_id) "
    "WHERE live",
    "CREATE INDEX IF NOT EXISTS recognition_recipient_employee "
    "ON recognition_recipient (employee_id)",
    "CREATE INDEX IF NOT EXISTS training_completion_person "
    "ON training_completion (org_id, employee_id, module_id)",
    # A quarter's completions (10,000 of 97,000 at the large organisation), counted from
    # the index alone, and listed newest first: the count 8 -> 1 ms, the page 13 -> 12.
    "CREATE INDEX IF NOT EXISTS training_completion_day "
    "ON training_completion (org_id, completed_on) INCLUDE (employee_id)",
    "CREATE INDEX IF NOT EXISTS employee_team ON employee (org_id, team_id)",
    "CREATE INDEX IF NOT EXISTS recognition_history_org ON recognition_history (org_id)",
    # Survey answers by day, with what the scorecard counts (200,000 at the large
    # organisation): each quarter's answers are a range of the index, not a pass over
    # every answer per quarter. Scorecard survey series 218 -> 60 ms.
    "CREATE INDEX IF NOT EXISTS survey_day ON survey_response (org_id, answered_on) "
    "INCLUDE (kind, score, scope)",
    # A quarter's observations (16,000 of 200,000 at the large organisation): compliance
    # per standard and the standards observed from the index alone, and the newest page
    # of the log read in order, newest first, with NULLS LAST as the queries are written
    # for DuckDB (each 13-28 ms by a full scan before).
    "CREATE INDEX IF NOT EXISTS observation_day ON observation "
    "(org_id, observed_on DESC NULLS LAST, id DESC NULLS LAST) INCLUDE (standard_id, met)",
)


# Indexes of words by their three-letter pieces (the pg_trgm extension, one of
# PostgreSQL's contrib modules): a search for "%Taylor%" finds its records from the
# index instead of testing every record of the dates. Made only where the extension
# is, or may be, made.
_TRIGRAM_INDEXES = (
    # The recognition log's search in the records' own words (the giver and what they
    # did); the count of a quarter searched, 105 -> 32 ms at the large organisation.
    "CREATE INDEX IF NOT EXISTS recognition_words ON recognition "
    "USING gin (giver gin_trgm_ops, what gin_trgm_ops) WHERE deleted_at IS NULL",
    # The complaints register's search, in the three fields it searches: the count and
    # the page of "refund" (3,138 of 30,056 at the large organisation), 28 -> 3 ms each.
    "CREATE INDEX IF NOT EXISTS complaint_words ON complaint "
    "USING gin (what_happened gin_trgm_ops, reference gin_trgm_ops, resolution gin_trgm_ops)",
)


# Replaced by one above, dropped once the replacement is made.
_REPLACED_INDEXES = ("recognition_given", "recognition_given_ids")


def _index_name(statement: str) -> str:
    return statement.split(" IF NOT EXISTS ")[1].split(" ")[0]


def _add_indexes(con: PgConnection) -> None:
    """Made once. Looked for first: CREATE INDEX takes a lock on the table even when the
    index exists, which would make every start wait for the writes under way."""
    for statement in _POSTGRES_INDEXES + (_TRIGRAM_INDEXES if _has_trigrams(con) else ()):
        if con.execute("SELECT to_regclass(?)", [_index_name(statement)]
                       ).fetchone() in (None, (None,)):
            con._raw(statement)
    for name in _REPLACED_INDEXES:
        if con.execute("SELECT to_regclass(?)", [name]).fetchone() not in (None, (None,)):
            con._raw(f'DROP INDEX IF EXISTS "{name}"')


# Where the changes to TRACKED_TABLES are noted, and which snapshot each organisation's
# kept rows were made in (strategy.core.kept). A statement that changes rows notes their
# organisations (an update, those before and after) and its transaction; emptying a
# table (a restore) notes every organisation. Only inserts: a write never waits for
# another's note. The functions find their table whatever the writer's search_path.
# Each is made where missing; a changed one would get a new name.
_NOTE_TABLES = {
    "strategy_kept_change":
        "CREATE TABLE strategy_kept_change "
        "(table_name TEXT NOT NULL, org_id BIGINT, xid xid8 NOT NULL)",
    "strategy_kept_change_org":
        "CREATE INDEX strategy_kept_change_org ON strategy_kept_change (org_id)",
    "strategy_kept_built":
        "CREATE TABLE strategy_kept_built (kept TEXT NOT NULL, org_id BIGINT NOT NULL, "
        "snapshot pg_snapshot NOT NULL, PRIMARY KEY (kept, org_id))",
}
_NOTE_FUNCTIONS = {
    name: f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
          f"SET search_path FROM CURRENT AS $$ BEGIN "
          f"INSERT INTO strategy_kept_change (table_name, org_id, xid) {rows}; "
          f"RETURN NULL; END $$"
    for name, rows in {
        "strategy_kept_changed":
            "SELECT DISTINCT TG_TABLE_NAME, org_id, pg_current_xact_id() FROM changed",
        "strategy_kept_moved":
            "SELECT TG_TABLE_NAME, org_id, pg_current_xact_id() FROM "
            "(SELECT org_id FROM changed UNION SELECT org_id FROM was) o",
        "strategy_kept_emptied":
            "VALUES (TG_TABLE_NAME, NULL, pg_current_xact_id())",
    }.items()
}


def _change_triggers(table: str) -> dict[str, str]:
    """The triggers that note the changes to ``table`` (a name from the code), by name."""
    each = "FOR EACH STATEMENT EXECUTE FUNCTION"
    return {
        f"strategy_kept_{table}_insert": f"AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS changed {each} strategy_kept_changed()",
        f"strategy_kept_{table}_update": f"AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS was NEW TABLE AS changed {each} strategy_kept_moved()",
        f"strategy_kept_{table}_delete": f"AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS changed {each} strategy_kept_changed()",
        f"strategy_kept_{table}_truncate": f"AFTER TRUNCATE ON {table} "
        f"{each} strategy_kept_emptied()",
    }


def _note_changes(con: PgConnection, upgraded: bool) -> None:
    """Made where missing (PostgreSQL 13 and later: transaction ids and snapshots as
    values), and turned on where turned off. Each part is looked for first: making an
    index or a trigger waits for the writes under way. Without them, results are
    worked out in full at each reading, as on DuckDB.

    After an upgrade, or with a trigger missing or off, changes may have gone unnoted
    (a table made anew, rows changed by DDL): every kept result is made again."""
    (version,) = con.execute("SELECT current_setting('server_version_num')::INTEGER"
                             ).fetchone() or (0,)
    if int(version) < 130000:
        log.warning("figures are worked out in full on each reading: keeping them needs "
                    "PostgreSQL 13 or later")
        return
    tables = [statement for name, statement in _NOTE_TABLES.items()
              if con.execute("SELECT to_regclass(?)", [name]).fetchone() in (None, (None,))]
    here = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
    functions = {str(name) for (name,) in con.execute(
        f"SELECT proname FROM pg_proc WHERE pronamespace = {here} "
        "AND proname LIKE 'strategy_kept_%'").fetchall()}
    triggers = {str(name): str(enabled) for name, enabled in con.execute(
        f"SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        f"WHERE c.relnamespace = {here} AND t.tgname LIKE 'strategy_kept_%'").fetchall()}
    wanted = {name: (table, statement) for table in TRACKED_TABLES
              for name, statement in _change_triggers(table).items()}
    missing = [f"CREATE TRIGGER {name} {statement}"
               for name, (_, statement) in wanted.items() if name not in triggers]
    off = [f"ALTER TABLE {table} ENABLE TRIGGER {name}"
           for name, (table, _) in wanted.items() if triggers.get(name) == "D"]
    made = tables + [s for name, s in _NOTE_FUNCTIONS.items() if name not in functions] \
        + missing + off
    if made:
        con._raw("BEGIN")
        try:
            for statement in made:
                con._raw(statement)
            con._raw("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):
                con._raw("ROLLBACK")
            raise
    if upgraded or missing or off:
        # After the makers under way: one of them could otherwise record rows made
        # before this, from what was not noted.
        con.execute("SELECT pg_advisory_lock(?)", [_KEPT_LOCK])
        try:
            con.execute("DELETE FROM strategy_kept_built")
        finally:
            con.execute("SELECT pg_advisory_unlock(?)", [_KEPT_LOCK])


def _has_trigrams(con: PgConnection) -> bool:
    """Whether the app's sessions can use pg_trgm's index of words, the extension made
    here if it is not there and the app's role may (it is a trusted extension: a role
    that may create in the database may make it). Without it, or with it in a schema
    the app's sessions do not search, the searches work as before, by testing every
    record of the dates, and the log says so."""
    def usable() -> bool:
        return con.execute("SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops' "
                           "AND pg_opclass_is_visible(oid)").fetchone() is not None

    if usable():
        return True
    if con.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone():
        log.warning("searches will test every record: the pg_trgm extension is in a "
                    "schema outside the app's search_path")
        return False
    try:
        con._raw("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except duckdb.Error as exc:
        log.warning("searches will test every record: the pg_trgm extension could not be "
                    "made (%s)", str(exc).splitlines()[0])
        return False
    return usable()


def _add_what_duckdb_has(con: PgConnection) -> None:
    """The few functions of DuckDB's that the app uses and PostgreSQL lacks, made in
    the database once. ``any_value`` (PostgreSQL has it from version 16): any one of
    the group's values that is not NULL; here the first met."""
    (version,) = con.execute("SELECT current_setting('server_version_num')::INTEGER"
                             ).fetchone() or (0,)
    if int(version) >= 160000 or con.execute(
            "SELECT 1 FROM pg_proc WHERE proname = 'any_value' AND prokind = 'a'"
            ).fetchone() is not None:
        return
    con._raw("BEGIN")
    try:
        con._raw("CREATE OR REPLACE FUNCTION strategy_keep_first(anyelement, anyelement) "
                 "RETURNS anyelement LANGUAGE sql IMMUTABLE STRICT AS 'SELECT $1'")
        con._raw("CREATE AGGREGATE any_value(anyelement) "
                 "(SFUNC = strategy_keep_first, STYPE = anyelement)")
        con._raw("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):
            con._raw("ROLLBACK")
        raise


def _refuse_newer(con: PgConnection, url: str) -> None:
    present = con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = "
                          "current_schema() AND table_name = 'schema_migrations'").fetchone()
    if present is None:
        return
    versions = {int(row[0]) for row in
                con.execute("SELECT version FROM schema_migrations").fetchall()}
    unknown = sorted(versions - {m.version for m in available_migrations()})
    if unknown:
        raise StorageError(
            f"The PostgreSQL database ({shown_address(url)}) was written by a newer "
            f"version of this app (it has upgrade {unknown[-1]:04d}; this version knows "
            f"upgrades up to {newest_version():04d}). Nothing was changed. Run the newer "
            "version of the app.")
