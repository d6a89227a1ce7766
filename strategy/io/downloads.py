"""Downloads too large to hold in memory, streamed by the app server from a cursor.

A download button holds its whole file in the server's memory for as long as the
page is open (a year's recognition log is tens of megabytes, per person who opens
it). These are served instead by a route of the app server (``/download/<what>``):
it checks the session, and here the permission, when the file is asked for, logs
the download of personal data, then sends the rows as DuckDB hands them over.

A link carries a key bound to the session that drew it, so that another site
cannot make a signed-in browser fetch (and so log) a download it never asked for.
"""

from __future__ import annotations

import hmac
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from itsdangerous import Signer

from strategy.core.db import Connection
from strategy.core.errors import StrategyError, ValidationError
from strategy.core.wording import counted
from strategy.identity import access_log
from strategy.io import backup
from strategy.people import recognition
from strategy.people.recognition import GIVER_KINDS, LogFilter

PATH = "/download/"
RECOGNITION_LOG = "recognition-log"
BACKUP = "backup"
ACCESS_LOG = "access-log"
KINDS = (RECOGNITION_LOG, BACKUP, ACCESS_LOG)
FILE_CHUNK = 1 << 20  # a file is sent a mebibyte at a time


class DownloadRefused(StrategyError):
    title = "Download refused"


def link_key(secret: str, token: str, what: str) -> str:
    """The key a download link of this session carries."""
    return Signer(secret, salt=f"strategy-download:{what}").get_signature(token).decode("ascii")


def key_matches(secret: str, token: str, what: str, key: str) -> bool:
    return hmac.compare_digest(link_key(secret, token, what), key)


def recognition_log_link(secret: str, token: str, org_id: int, filters: LogFilter) -> str:
    """The address of the filtered recognition log as CSV, for this session."""
    query = {"org": org_id, "from": filters.start.isoformat(), "to": filters.end.isoformat()}
    if filters.team_id is not None:
        query["team"] = filters.team_id
    if filters.giver_kind:
        query["kind"] = filters.giver_kind
    if filters.text:
        query["text"] = filters.text
    query["key"] = link_key(secret, token, RECOGNITION_LOG)
    return PATH + RECOGNITION_LOG + "?" + urlencode(query)


def link(secret: str, token: str, what: str) -> str:
    """The address of a download that takes no choices (a backup, the access log)."""
    return PATH + what + "?" + urlencode({"key": link_key(secret, token, what)})


def backup_link(secret: str, token: str) -> str:
    """The address of a backup of the whole database, for this session."""
    return link(secret, token, BACKUP)


@dataclass(frozen=True)
class Download:
    file_name: str
    chunks: Iterator[bytes]
    media_type: str = "text/csv; charset=utf-8"


def _int(query: Mapping[str, str], name: str, required: bool = False) -> int | None:
    raw = query.get(name, "").strip()
    if not raw and not required:
        return None
    if not raw.isdigit():
        raise ValidationError({name: f"The link's {name} is not a number."})
    return int(raw)


def _date(query: Mapping[str, str], name: str) -> date:
    try:
        return date.fromisoformat(query.get(name, ""))
    except ValueError as exc:
        raise ValidationError({name: f"The link's {name} date is not a date."}) from exc


def open_download(con: Connection, log_con: Connection, what: str,
                  query: Mapping[str, str]) -> Download:
    """Check, log and start the download ``what`` for the person acting.

    ``con`` is read from as the file is sent; ``log_con`` (another cursor) records
    the download first, so that nothing is sent unless it is logged."""
    if what == BACKUP:
        return _backup(log_con)
    if what == ACCESS_LOG:
        return Download("access-log.csv", access_log.access_log_chunks(con, log_con))
    if what != RECOGNITION_LOG:
        raise DownloadRefused("There is no such download.")
    org_id = _int(query, "org", required=True)
    assert org_id is not None
    kind = query.get("kind") or None
    if kind is not None and kind not in GIVER_KINDS:
        raise ValidationError({"kind": "The link's kind of giver is not one the app knows."})
    filters = LogFilter(_date(query, "from"), _date(query, "to"), _int(query, "team"), kind,
                        text=(query.get("text") or "").strip()[:100] or None)
    chunks = recognition.log_csv_chunks(con, org_id, filters)  # the permission, now
    total = recognition.count_recognitions(log_con, org_id, filters)
    access_log.log_download(log_con, org_id, f"recognition log {filters.start} to "
                                             f"{filters.end}, {counted(total, 'record')}")
    return Download(f"recognition-{filters.start}-to-{filters.end}.csv", chunks)


def _backup(con: Connection) -> Download:
    """The whole database as a backup zip, written to a private temporary folder
    (readable by this process's user only), sent from the file and then removed."""
    folder = Path(tempfile.mkdtemp(prefix="strategy-download-"))
    try:
        made = backup.backup_file(con, folder)  # the permission, and the access log
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    def pieces() -> Iterator[bytes]:
        try:
            with made.open("rb") as handle:
                while chunk := handle.read(FILE_CHUNK):
                    yield chunk
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return Download(made.name, pieces(), "application/zip")
