"""Large downloads are streamed by the app server (issue 23): the recognition log as
CSV, read from a cursor as it is sent, its permission checked and the download logged
when the link is followed, and only from a link drawn for the same session."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from strategy.core import access
from strategy.core.access import Identity, Role
from strategy.core.db import open_database
from strategy.core.orgs import create_organisation
from strategy.core.periods import Quarter
from strategy.identity import access_log, accounts, sessions
from strategy.io import downloads
from strategy.people import personnel, recognition
from strategy.people.recognition import LogFilter, RecognitionInput
from strategy.service import vision
from tests.browser import PASSWORD, username
from tests.conftest import RunningApp, database_copy, serve
from tests.test_security import _signed_in

QUARTER = Quarter.current()
RECORDS = 12_345  # more than two of the pieces the log is sent in
HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    path = tmp_path_factory.mktemp("downloads") / "strategy.duckdb"
    con = open_database(path)
    with access.acting(Identity.shell("Test set-up")):
        org = create_organisation(con, "Harbour Hotels")
        team = personnel.add_team(con, org.id, "Front desk")
        ann = personnel.add_employee(con, org.id, personnel.EmployeeInput(
            "1", "Ann Lee", team, date(2020, 1, 1)))
        value = vision.add_value(con, org.id, "Own it")
        recognition.add_recognition(con, org.id, RecognitionInput(
            [ann], QUARTER.start, "Guest", "customer", HOSTILE, value_id=value))
        # The rest in bulk, as an import would leave them.
        con.execute(
            "INSERT INTO recognition (org_id, given_on, giver, giver_kind, what, reward, "
            "created_by) SELECT ?, ? + CAST(i % 20 AS INTEGER), 'Mo', 'peer', "
            "'Deed ' || i, 'thanks', 'Import' FROM range(?) t(i)",
            [org.id, QUARTER.start, RECORDS - 1])
        con.execute("INSERT INTO recognition_recipient (recognition_id, org_id, employee_id, "
                    "given_on) SELECT id, org_id, ?, given_on FROM recognition "
                    "WHERE created_by = 'Import'", [ann])
        for name, role in (("Hazel", Role.HR), ("Leo", Role.LEADER)):
            account = accounts.create_account(con, username(name), name, PASSWORD)
            accounts.set_role(con, account.id, org.id, role)
    con.close()
    yield from serve(path)


def _link(app: RunningApp, client: httpx.Client, org_id: int = 1,
          filters: LogFilter | None = None) -> str:
    """The link the Log tab draws for this client's session."""
    raw = client.cookies[sessions.COOKIE_NAME]
    secret = sessions.signing_secret(app.db_path)
    token = sessions.unsign(secret, raw, 3600)
    assert token is not None
    return downloads.recognition_log_link(secret, token, org_id,
                                          filters or LogFilter(QUARTER.start, QUARTER.end))


def _logged(app: RunningApp) -> list[tuple[Any, ...]]:
    con = database_copy(app)
    try:
        rows: list[tuple[Any, ...]] = con.execute(
            "SELECT who, event, detail FROM access_log WHERE event = 'download' "
            "ORDER BY id").fetchall()
        return rows
    finally:
        con.close()


def test_hr_gets_the_whole_log_streamed_and_the_download_is_logged(app: RunningApp) -> None:
    hazel = _signed_in(app, "Hazel")
    with hazel.stream("GET", _link(app, hazel)) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="recognition-{QUARTER.start}-to-{QUARTER.end}.csv"')
        pieces = list(answer.iter_bytes())
    body = b"".join(pieces).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0] == recognition.LOG_HEADERS
    assert len(lines) == RECORDS + 1
    assert "'" + HOSTILE in {line[7] for line in lines}  # a formula stays text
    assert _logged(app)[-1] == ("Hazel", "download", f"recognition log {QUARTER.start} to "
                                                     f"{QUARTER.end}, {RECORDS:,} records")
    # The same bytes the app's one-piece builder makes.
    con = database_copy(app)
    try:
        with access.acting(Identity.shell("Check")):
            assert body.encode("utf-8-sig") == recognition.log_csv_for(
                con, 1, LogFilter(QUARTER.start, QUARTER.end))
            # Read in pieces of 5,000 lines, after the headings: never whole.
            chunks = list(recognition.log_csv_chunks(con, 1, LogFilter(QUARTER.start,
                                                                       QUARTER.end)))
            assert len(chunks) == 1 + 3
    finally:
        con.close()


def test_a_filtered_link_sends_only_what_it_names(app: RunningApp) -> None:
    hazel = _signed_in(app, "Hazel")
    link = _link(app, hazel, filters=LogFilter(QUARTER.start, QUARTER.end, text="Deed 1234"))
    answer = hazel.get(link)
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))[1:]
    assert sorted(line[7] for line in lines) == ["Deed 1234", *(f"Deed 1234{n}" for n in
                                                              range(4))]


def test_a_link_of_another_session_a_role_without_the_right_and_nonsense_are_refused(
        app: RunningApp) -> None:
    before = len(_logged(app))
    hazel, leo = _signed_in(app, "Hazel"), _signed_in(app, "Leo")
    # Hazel's link followed in Leo's browser (or another site making it fetch it).
    refused = leo.get(_link(app, hazel))
    assert refused.status_code == 403 and "belongs to another session" in refused.text
    # Leo's own link: the key is right, the role is not.
    refused = leo.get(_link(app, leo))
    assert refused.status_code == 403 and "see personal HR records" in refused.text
    # A link with its key cut off, and one with a made-up date.
    assert hazel.get(_link(app, hazel).split("&key=")[0]).status_code == 403
    broken = _link(app, hazel).replace(f"from={QUARTER.start}", "from=someday")
    assert hazel.get(broken).status_code == 400
    # Without a session at all, the sign-in page.
    stranger = httpx.Client(base_url=app.url, follow_redirects=False, timeout=30)
    assert stranger.get(_link(app, hazel)).status_code == 303
    assert len(_logged(app)) == before  # nothing was sent, nothing logged


@pytest.mark.browser
def test_the_log_tab_offers_the_link_to_hr(app: RunningApp, browser: Any,
                                           tmp_path: Any) -> None:
    from tests.browser import open_page, settle

    context = browser.new_context(viewport={"width": 1400, "height": 1400},
                                  accept_downloads=True)
    page = context.new_page()
    open_page(page, f"{app.url}/recognition?period={QUARTER}", who="Hazel")
    page.get_by_role("tab", name="Log").click()
    settle(page)
    link = page.get_by_role("link", name=f"Download all {RECORDS:,} as CSV")
    with page.expect_download(timeout=30_000) as got:
        link.click()
    saved = got.value.path()
    assert got.value.suggested_filename == f"recognition-{QUARTER.start}-to-{QUARTER.end}.csv"
    with open(saved, encoding="utf-8-sig") as handle:
        assert sum(1 for _ in csv.reader(handle)) == RECORDS + 1
    context.close()


def test_quarters_before_the_first_record_give_just_the_headings(app: RunningApp) -> None:
    hazel = _signed_in(app, "Hazel")
    old = QUARTER.shift(-8)
    answer = hazel.get(_link(app, hazel, filters=LogFilter(old.start, old.end)))
    assert answer.status_code == 200
    assert list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")))) == [
        recognition.LOG_HEADERS]
    assert old.end < QUARTER.start - timedelta(days=1)


def test_an_administrator_gets_a_backup_sent_from_a_file_and_others_do_not(
        app: RunningApp, tmp_path: Any) -> None:
    from strategy.io import backup

    before = len(_logged(app))
    secret = sessions.signing_secret(app.db_path)
    hazel = _signed_in(app, "Hazel")  # HR, not an administrator
    token = sessions.unsign(secret, hazel.cookies[sessions.COOKIE_NAME], 3600)
    assert token is not None
    refused = hazel.get(downloads.backup_link(secret, token))
    assert refused.status_code == 403 and "manage accounts" in refused.text
    assert len(_logged(app)) == before
    ana = _signed_in(app, "Ana")  # the tests' administrators (conftest)
    token = sessions.unsign(secret, ana.cookies[sessions.COOKIE_NAME], 3600)
    assert token is not None
    with ana.stream("GET", downloads.backup_link(secret, token)) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/zip"
        name = answer.headers["content-disposition"].split('filename="')[1].rstrip('"')
        out = tmp_path / name
        with out.open("wb") as handle:
            for piece in answer.iter_bytes():
                handle.write(piece)
    assert backup.read_backup(out).tables["recognition"] == RECORDS
    assert _logged(app)[-1] == ("Ana", "download", "a backup of the whole database")
    # The file it was sent from is gone once sent.
    import tempfile
    from pathlib import Path

    assert not list(Path(tempfile.gettempdir()).glob("strategy-download-*"))


def test_the_access_log_is_streamed_to_an_administrator_only(app: RunningApp) -> None:
    secret = sessions.signing_secret(app.db_path)
    for who, allowed in (("Hazel", False), ("Ana", True)):
        client = _signed_in(app, who)
        token = sessions.unsign(secret, client.cookies[sessions.COOKIE_NAME], 3600)
        assert token is not None
        answer = client.get(downloads.link(secret, token, downloads.ACCESS_LOG))
        assert (answer.status_code == 200) is allowed, who
        if allowed:
            lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
            assert lines[0] == ["When", "Who", "Organisation", "Event", "Detail", "Address"]
            assert lines[-1][1:4] == ["Ana", "", "download"]  # itself, logged first
            con = database_copy(app)
            try:
                with access.acting(Identity.shell("Check")):
                    whole = b"".join(access_log.access_log_chunks(con, con.cursor()))
            finally:
                con.close()
            assert whole.decode("utf-8-sig").splitlines()[:len(lines) - 1] == \
                answer.content.decode("utf-8-sig").splitlines()[:len(lines) - 1]
