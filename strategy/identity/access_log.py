"""The access log: who signed in, was refused, downloaded personal data, and when.

A line is written inside the caller's transaction, if there is one. Only
administrators read the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.db import Connection, transaction
from strategy.core.safe_text import csv_pieces


@dataclass(frozen=True)
class AccessEntry:
    logged_at: datetime
    who: str
    organisation: str | None
    event: str
    detail: str
    address: str | None


def log(con: Connection, event: str, detail: str = "", *, org_id: int | None = None,
        who: str | None = None, account_id: int | None = None,
        address: str | None = None) -> None:
    """Add a line to the access log (inside the caller's transaction, if any)."""
    actor = access.current_or_none()
    if who is None:
        who = actor.name if actor else "unknown"
    org_name = None
    if org_id is not None:
        row = con.execute("SELECT name FROM organisation WHERE id = ?", [org_id]).fetchone()
        org_name = row[0] if row else None
    con.execute("INSERT INTO access_log (who, account_id, organisation_id, organisation_name, "
                "event, detail, address) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [who[:200], account_id if account_id is not None else
                 (actor.account_id if actor else None), org_id, org_name, event,
                 detail[:500], address])


def log_download(con: Connection, org_id: int, what: str) -> None:
    """Record that the person acting downloaded personal data of ``org_id``."""
    with transaction(con):
        log(con, "download", what, org_id=org_id)


def access_log(con: Connection, limit: int = 500, event: str | None = None) -> list[AccessEntry]:
    access.require(Permission.READ_ACCESS_LOG)
    rows = con.execute(
        "SELECT logged_at, who, organisation_name, event, detail, address FROM access_log "
        "WHERE (CAST(? AS VARCHAR) IS NULL OR event = ?) ORDER BY logged_at DESC, id DESC "
        "LIMIT ?", [event, event, limit]).fetchall()
    return [AccessEntry(*r) for r in rows]


ACCESS_LOG_HEADERS = ["When", "Who", "Organisation", "Event", "Detail", "Address"]


def access_log_csv(con: Connection) -> bytes:
    return b"".join(access_log_chunks(con, con.cursor()))


def access_log_chunks(con: Connection, log_con: Connection,
                      lines: int = 5_000) -> Iterator[bytes]:
    """The whole access log as CSV, read from ``con`` as it is sent; the permission is
    checked and the download recorded (with ``log_con``) now, before any of it."""
    access.require(Permission.READ_ACCESS_LOG)
    with transaction(log_con):
        log(log_con, "download", "the access log")
    con.execute("SELECT strftime(logged_at, '%Y-%m-%d %H:%M:%S'), who, organisation_name, "
                "event, detail, address FROM access_log ORDER BY logged_at, id")

    def batches() -> Iterator[list[tuple[object, ...]]]:
        while batch := con.fetchmany(lines):
            yield batch

    return csv_pieces(ACCESS_LOG_HEADERS, batches())
