"""PostgreSQL as the shared database (issue 24): the same migrations give the same
schema, statements written for DuckDB translate and answer the same, values come back
as DuckDB gives them, and refusals reach the app as DuckDB's.

The domain's own tests run on both databases where marked ``both_databases``; these
tests are about the layer between."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from strategy.core import access
from strategy.core.checks import on_duplicate
from strategy.core.db import available_migrations, open_database, transaction
from strategy.core.dialect import NeedsColumns, to_postgres, with_columns
from strategy.core.errors import StorageError, StrategyError, ValidationError
from strategy.core.kept import KEPT_PREFIX
from strategy.core.pg import PgConnection, open_postgres

DUCKDB_TO_POSTGRES = {"BIGINT": "bigint", "BOOLEAN": "boolean", "DATE": "date",
                      "DOUBLE": "double precision", "INTEGER": "integer",
                      "SMALLINT": "smallint", "TIMESTAMP": "timestamp without time zone",
                      "VARCHAR": "text", "VARCHAR[]": "ARRAY"}


def _columns(con: Any, schema: str) -> list[tuple[str, str, str, str]]:
    return [tuple(row) for row in con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = ? ORDER BY table_name, ordinal_position", [schema]).fetchall()]


def test_the_same_migrations_give_the_same_schema(tmp_path: Path, pg_con: Any) -> None:
    duck = open_database(tmp_path / "schema.duckdb")
    ours = _columns(duck, "main")
    # PostgreSQL's notes of changes for the results it keeps are no part of the app's
    # schema (strategy.core.kept, test_kept).
    theirs = [c for c in _columns(pg_con, "public") if not c[0].startswith(KEPT_PREFIX)]
    assert len(ours) > 300
    assert [(t, c, DUCKDB_TO_POSTGRES[k], n) for t, c, k, n in ours] == theirs
    versions = [m.version for m in available_migrations()]
    assert [r[0] for r in pg_con.execute("SELECT version FROM schema_migrations ORDER BY 1")
            .fetchall()] == versions
    # Every unique rule holds on both: the same names are refused.
    unique = ("SELECT count(*) FROM information_schema.table_constraints WHERE "
              "constraint_type IN ('UNIQUE', 'PRIMARY KEY') AND table_schema = ? "
              "AND table_name NOT LIKE 'strategy_kept_%'")
    assert duck.execute(unique, ["main"]).fetchone() == pg_con.execute(unique, ["public"]
                                                                      ).fetchone()


def test_opening_again_applies_nothing_and_a_newer_schema_is_refused(
        postgres: Any, pg_con: Any) -> None:
    url = pg_con.url
    open_postgres(url).close()
    assert pg_con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (
        len(available_migrations()),)
    pg_con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                   [len(available_migrations()) + 1, "from_the_future"])
    with pytest.raises(StorageError, match="newer version of this app") as refused:
        open_postgres(url)
    assert "password" not in refused.value.message


def test_a_database_that_cannot_be_reached_is_a_clear_error(postgres: Any) -> None:
    url = postgres.url("no_such_database").replace("postgres@", "postgres:secret@")
    with pytest.raises(StorageError, match="Cannot connect to the PostgreSQL database") as e:
        open_postgres(url)
    assert "secret" not in e.value.message


# --- Statements written for DuckDB, answered the same on both ---------------------------


@pytest.fixture
def both(tmp_path: Path, pg_con: Any) -> list[Any]:
    duck = open_database(tmp_path / "both.duckdb")
    for con in (duck, pg_con):
        con.execute("CREATE TABLE sample (id INTEGER, team VARCHAR, score DOUBLE, "
                    "tags VARCHAR[] NOT NULL DEFAULT [], note VARCHAR)")
        con.executemany("INSERT INTO sample (id, team, score, note) VALUES (?, ?, ?, ?)",
                        [[1, "North", 7.0, "100% sure"], [2, "North", 9.0, None],
                         [3, "South", 4.0, "50%"], [4, None, 10.0, "a_b"],
                         [5, "South", 2.0, "a\\_b"]])
    return [duck, pg_con]


SAME_ANSWERS = [
    ("SELECT team, count(*), sum(id), avg(id) FROM sample GROUP BY ALL ORDER BY team NULLS LAST",
     None),
    ("SELECT id FROM sample WHERE note LIKE '%\\%%' ESCAPE '\\' AND id > ? ORDER BY id", [0]),
    # Without ESCAPE a backslash is itself (DuckDB's rule) on both.
    ("SELECT id FROM sample WHERE note LIKE $pattern ORDER BY id", {"pattern": "%\\_%"}),
    ("SELECT id FROM sample WHERE note NOT ILIKE '%\\%' ORDER BY id", None),
    ("SELECT id, tags, tags = [] FROM sample WHERE tags = [] ORDER BY id", None),
    ("SELECT count(*) FROM (SELECT team FROM sample WHERE team IS NOT NULL) "
     "JOIN (SELECT 1 AS one) ON true", None),
    ("SELECT team, any_value(team) = team FROM sample WHERE team IS NOT NULL GROUP BY team "
     "ORDER BY team", None),
    # any_value skips NULLs on both: North's notes are "100% sure" and NULL.
    ("SELECT team, any_value(note) IS NOT NULL FROM sample WHERE team = 'North' "
     "GROUP BY team", None),
    ("SELECT CAST(TIMESTAMP '2026-01-01 10:00' + to_hours(CAST(? AS INTEGER)) AS TIMESTAMP), "
     "CAST(TIMESTAMP '2026-01-01' + to_minutes(90) AS TIMESTAMP), "
     "CAST(DATE '2026-01-01' + to_days(3) AS DATE)", [5]),
    ("SELECT list_contains(CAST(? AS BIGINT[]), id), id FROM sample ORDER BY id", [[1, 3]]),
    ("SELECT 7 / 2, count(*) FILTER (WHERE score > 5) FROM sample", None),
    ("SELECT unnest(CAST($teams AS VARCHAR[])) AS t ORDER BY t", {"teams": ["b", "a"]}),
    ("SELECT s.step FROM range(1, 4) s(step) ORDER BY 1", None),
    # sqlglot writes list_contains' second argument twice: the ? stays one value.
    ("SELECT id FROM sample WHERE list_contains(string_split(note, ' '), ?) AND id < ?",
     ["sure", 9]),
    # A parameter tested for NULL, as optional filters are.
    ("SELECT id FROM sample WHERE (? IS NULL OR team = ?) ORDER BY id", [None, None]),
    ("SELECT id FROM sample WHERE (? IS NULL OR team = ?) ORDER BY id", ["North", "North"]),
    # A named one is written with its type, as the app's code does.
    ("SELECT id FROM sample WHERE (CAST($day AS DATE) IS NULL OR $day > DATE '2000-01-01') "
     "ORDER BY id", {"day": None}),
    # A write without RETURNING answers with the count of rows written, as DuckDB's.
    ("UPDATE sample SET score = score + 1 WHERE team = ?", ["North"]),
    ("DELETE FROM sample WHERE id > ?", [3]),
    ("INSERT INTO sample (id, team) SELECT id + 10, team FROM sample WHERE id < ?", [3]),
]


@pytest.mark.parametrize("sql, params", SAME_ANSWERS)
def test_a_statement_answers_the_same_on_both(both: list[Any], sql: str, params: Any) -> None:
    duck, pg = both
    expected = duck.execute(sql, params).fetchall()
    assert expected, "a statement whose answer is empty would show nothing"
    assert pg.execute(sql, params).fetchall() == expected


def test_nothing_is_lost_in_translation_without_a_word(
        caplog: pytest.LogCaptureFixture) -> None:
    """sqlglot warns (on standard error, where a person running the command line sees
    it) when PostgreSQL lacks something of DuckDB's and drops it: no statement of the
    app's may need that. any_value's IGNORE NULLS is PostgreSQL's own rule."""
    from strategy.core.dialect import to_postgres

    with caplog.at_level("WARNING", logger="sqlglot"):
        assert to_postgres("SELECT any_value(x) FROM t GROUP BY y") == (
            "SELECT ANY_VALUE(x) FROM t GROUP BY y",)
    assert not caplog.records


def test_group_by_all_groups_by_what_is_not_aggregated() -> None:
    (text,) = to_postgres("SELECT a, count(*), (SELECT max(x) FROM u) AS m, "
                          "sum(b) OVER () FROM t GROUP BY ALL")
    assert isinstance(text, str) and text.endswith("GROUP BY 1, 3")


def test_a_percent_sign_is_never_a_parameter() -> None:
    (text,) = to_postgres("SELECT '%s', ? FROM t WHERE a LIKE '%(x)s'")
    assert text == "SELECT '%%s', %(_p1)s FROM t WHERE a LIKE '%%(x)s' ESCAPE ''"


def test_select_star_replace_is_spelled_out_from_the_columns(pg_con: Any) -> None:
    (statement,) = to_postgres("SELECT * REPLACE (upper(team) AS team) FROM sample")
    with pytest.raises(NeedsColumns):
        with_columns(statement, None)
    assert with_columns(statement, {"sample": ["id", "team"]}) == \
        "SELECT sample.id AS id, UPPER(sample.team) AS team FROM sample AS sample"


def test_a_migration_selecting_star_replace_runs(both: list[Any]) -> None:
    duck, pg = both
    for con in (duck, pg):
        con.execute("CREATE TABLE sample_copy AS SELECT * FROM sample WHERE false; "
                    "INSERT INTO sample_copy SELECT * REPLACE (coalesce(team, '(none)') "
                    "AS team) FROM sample")
    ask = "SELECT id, team, score FROM sample_copy ORDER BY id"
    assert pg.execute(ask).fetchall() == duck.execute(ask).fetchall()
    assert ("(none)",) in pg.execute("SELECT team FROM sample_copy").fetchall()


# --- Values and refusals as DuckDB's -------------------------------------------------------


def test_values_come_back_as_duckdb_gives_them(both: list[Any]) -> None:
    for con in both:
        total, average, whole_avg, text = con.execute(
            "SELECT sum(id), avg(id), avg(2), CAST('{\"a\": 1}' AS JSON) FROM sample"
        ).fetchone()
        assert (total, type(total)) == (15, int)
        assert (average, type(average)) == (3.0, float)  # an average, even when whole
        assert (whole_avg, type(whole_avg)) == (2.0, float)
        assert text.replace(" ", "") == '{"a":1}'


def test_a_repeated_name_is_the_same_clean_message(both: list[Any]) -> None:
    for con in both:
        con.execute("CREATE TABLE named (name VARCHAR UNIQUE)")
        con.execute("INSERT INTO named VALUES ('North')")
        with pytest.raises(ValidationError) as refused, \
                on_duplicate("name", lambda: "There is a team called North already."):
            con.execute("INSERT INTO named VALUES ('North')")
        assert refused.value.fields == {"name": "There is a team called North already."}


def test_a_refusal_inside_a_transaction_keeps_nothing(both: list[Any]) -> None:
    for con in both:
        with pytest.raises(duckdb.ConstraintException), transaction(con):
            con.execute("INSERT INTO sample (id, team, score) VALUES (6, 'East', 1)")
            con.execute("INSERT INTO sample (id, team, score, tags) VALUES (7, 'East', 1, "
                        "NULL)")
        assert con.execute("SELECT count(*) FROM sample WHERE team = 'East'").fetchone() == (0,)
    # No driver exception class reaches the app.
    with pytest.raises(duckdb.Error) as caught:
        both[1].execute("SELECT * FROM no_such_table")
    assert not isinstance(caught.value, psycopg.Error)


def test_a_cursor_is_a_session_of_its_own(pg_con: PgConnection) -> None:
    other = pg_con.cursor()
    try:
        pg_con.execute("BEGIN TRANSACTION")
        pg_con.execute("INSERT INTO organisation (name) VALUES ('Seen after commit')")
        assert other.execute("SELECT count(*) FROM organisation").fetchone() == (0,)
        pg_con.execute("COMMIT")
        assert other.execute("SELECT count(*) FROM organisation").fetchone() == (1,)
    finally:
        other.close()


# --- Several app servers: what one forgets of its shared reads, all forget ------------------


def _wait_for(check: Any, seconds: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_what_another_server_forgets_is_forgotten_here(pg_con: PgConnection) -> None:
    from strategy.core.pg import SharedPostgres
    from strategy.core.shared import SharedReads

    server = SharedPostgres(pg_con.url)
    try:
        reads: SharedReads[int, str] = SharedReads("test reads")
        loads = iter(["first", "second", "third"])
        assert reads.get(7, lambda: next(loads), 60) == "first"
        assert reads.get(7, lambda: next(loads), 60) == "first"  # kept for a minute
        # Another server (here, a session of its own) says it changed key 7.
        with psycopg.connect(pg_con.url, autocommit=True) as other:
            other.execute("SELECT pg_notify('strategy_shared_reads', '[\"test reads\", 7]')")
        assert _wait_for(lambda: reads.get(7, lambda: next(loads), 60) == "second")
    finally:
        server.close()


def test_what_this_server_forgets_every_server_hears(pg_con: PgConnection) -> None:
    from strategy.core.pg import SharedPostgres
    from strategy.core.shared import SharedReads

    server = SharedPostgres(pg_con.url)
    try:
        with psycopg.connect(pg_con.url, autocommit=True) as other:
            other.execute("LISTEN strategy_shared_reads")
            SharedReads[str, str]("walls of a test").forget("North")
            heard = [n.payload for n in other.notifies(timeout=5, stop_after=1)]
        assert heard == ['["walls of a test", "North"]']
    finally:
        server.close()


# --- Upgrades from every earlier level, on PostgreSQL as on DuckDB ---------------------------

_COMPLAINTS = [  # as a release before upgrade 12 kept them: '' for no ticket, repeats
    ("TCK-1", "first"), ("TCK-1", "the same ticket again"), ("", "no ticket"),
    ("", "another without"), ("TCK-2", "another ticket")]


def _before_upgrade_12(level: int) -> bool:
    """Complaints are kept (upgrade 9) but their references not yet made unique (12)."""
    names = {m.name for m in available_migrations()[:level]}
    return "complaints" in names and "complaint_reference" not in names


def _at_level(con: Any, level: int) -> None:
    """The schema as release ``level`` left it, holding rows of its own time."""
    applied = available_migrations()[:level]
    for migration in applied:
        con.execute("BEGIN TRANSACTION")
        con.execute(migration.sql)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [migration.version, migration.name])
        con.execute("COMMIT")
    con.execute("INSERT INTO organisation (name) VALUES ('Kept Org')")
    if _before_upgrade_12(level):
        (org_id,) = con.execute("SELECT id FROM organisation").fetchone() or (0,)
        for reference, what in _COMPLAINTS:
            con.execute("INSERT INTO complaint (org_id, kind, reference, received_on, "
                        "what_happened, recorded_by) VALUES (?, 'complaint', ?, "
                        "DATE '2026-05-04', ?, 'Ana')", [org_id, reference, what])


@pytest.mark.parametrize("level", range(1, len(available_migrations())))
def test_every_earlier_level_upgrades_the_same_on_both(tmp_path: Path, postgres: Any,
                                                       postgres_template: str,
                                                       level: int) -> None:
    from strategy.core.schema import applied_versions

    duck_path = tmp_path / "level.duckdb"
    duck = duckdb.connect(str(duck_path))
    applied_versions(duck)
    _at_level(duck, level)
    duck.close()
    name = f"level_{level}"
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    bare = PgConnection(postgres.url(name))
    applied_versions(bare)
    _at_level(bare, level)
    bare.close()

    upgraded = [open_database(duck_path), open_postgres(postgres.url(name))]
    for con in upgraded:
        assert applied_versions(con) == {m.version for m in available_migrations()}
    ask = ("SELECT o.name, c.reference, c.what_happened FROM organisation o "
           "LEFT JOIN complaint c ON c.org_id = o.id ORDER BY c.what_happened NULLS FIRST")
    duck_rows, pg_rows = (con.execute(ask).fetchall() for con in upgraded)
    assert pg_rows == duck_rows
    assert {r[0] for r in pg_rows} == {"Kept Org"}
    if _before_upgrade_12(level):
        # Upgrade 12: no ticket is NULL, and a repeated ticket keeps its number on its
        # first record only (written with SELECT * REPLACE, spelled out for PostgreSQL).
        references = sorted((r[1] or "") for r in pg_rows)
        assert references[:2] == ["", ""] and references[2:3] == ["TCK-1"]
        assert references[3].startswith("TCK-1 (record ") and references[4] == "TCK-2"
    same_schema = [_columns(con, schema) for con, schema in zip(upgraded, ("main", "public"),
                                                                strict=True)]
    assert [(t, c, DUCKDB_TO_POSTGRES[k], n) for t, c, k, n in same_schema[0]
            if t != "schema_migrations"] == [r for r in same_schema[1]
                                             if r[0] != "schema_migrations"
                                             and not r[0].startswith(KEPT_PREFIX)]
    for con in upgraded:
        con.close()


# --- Backups: the same zip from either database, restored into either ------------------------


def _everything(con: Any, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order (sign-ins aside: a restore ends them)."""
    return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            for t in tables if t not in ("sign_in_session", "access_log", "schema_migrations")}


@pytest.mark.demo
def test_a_postgres_backup_restores_into_postgres_and_into_a_file(
        tmp_path: Path, postgres: Any, postgres_demo_template: str) -> None:
    from strategy.io import backup
    from tests.conftest import _postgres_copy

    for source in _postgres_copy(postgres, postgres_demo_template):
        tables = list(source.tables())
        before = _everything(source, tables)
        (last,) = source.execute("SELECT max(id) FROM recognition").fetchone() or (0,)
        info = backup.create_backup(source, tmp_path / "pg.zip")
        assert info.tables["recognition"] == len(before["recognition"]) > 100
        for target in _postgres_copy(postgres, "strategy_template"):
            backup.restore_into_postgres(tmp_path / "pg.zip", target)
            assert _everything(target, tables) == before
            # Numbers go on from where the database had got to.
            (made,) = target.execute("SELECT nextval('id_seq')").fetchone() or (0,)
            assert made > last
            assert target.execute("SELECT count(*) FROM sign_in_session WHERE ended_at IS "
                                  "NULL").fetchone() == (0,)
        restored = backup.restore(tmp_path / "pg.zip", tmp_path / "from-pg.duckdb")
        duck = open_database(restored.database)
        assert _everything(duck, tables) == before
        duck.close()


def test_a_duckdb_backup_moves_an_organisation_to_postgres(
        tmp_path: Path, demo_template: Path, pg_con: PgConnection) -> None:
    """The way an organisation that outgrows the file moves: a backup of it, restored
    into PostgreSQL, every row as it was."""
    from strategy.io import backup

    duck = open_database(demo_template, read_only=True)
    tables = [t for t in pg_con.tables()]
    before = _everything(duck, tables)
    duck.close()
    backup.create_backup(demo_template, tmp_path / "file.zip")
    backup.restore_into_postgres(tmp_path / "file.zip", pg_con)
    assert _everything(pg_con, tables) == before
    # Numbers go on from where the file had got to: what is added next collides with
    # nothing restored (the backup's copy of the file has given no number itself).
    highest = max(row[0] for table in ("organisation", "recognition", "employee")
                  for row in before[table])
    (made,) = pg_con.execute("SELECT nextval('id_seq')").fetchone() or (0,)
    assert made > highest
    pg_con.execute("INSERT INTO organisation (name) VALUES ('Added after the move')")
    # The word index was set aside for the fill and made again over the rows restored.
    assert _search_index_is_valid(pg_con)
    # Vacuumed as well as analysed: index-only scans need the map of visible pages.
    assert pg_con.execute("SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                          "FROM pg_stat_user_tables WHERE relname = 'recognition'"
                          ).fetchone() == (True,)


def test_a_damaged_backup_changes_nothing_in_postgres(tmp_path: Path, pg_con: PgConnection,
                                                      demo_template: Path) -> None:
    from strategy.io import backup

    pg_con.execute("INSERT INTO organisation (name) VALUES ('Still here')")
    backup.create_backup(demo_template, tmp_path / "file.zip")
    damaged = tmp_path / "damaged.zip"
    data = (tmp_path / "file.zip").read_bytes()
    damaged.write_bytes(data[:len(data) // 2])
    with pytest.raises(StrategyError):
        backup.restore_into_postgres(damaged, pg_con)
    assert pg_con.execute("SELECT name FROM organisation").fetchall() == [("Still here",)]


def test_postgres_gets_the_indexes_its_planner_needs(pg_con: PgConnection) -> None:
    from strategy.core.pg import open_postgres

    def indexes() -> set[str]:
        return {r[0] for r in pg_con.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            ).fetchall()}

    assert {"recognition_log_order", "recognition_recipient_employee", "employee_team",
            "training_completion_person", "training_completion_day",
            "recognition_history_org", "recognition_recipient_given", "survey_day",
            "observation_day", "recognition_words", "complaint_words"} <= indexes()
    assert not {"recognition_given", "recognition_given_ids"} & indexes()
    # A database from before the index ordered the records as the log does, or held
    # their ids: the old ones are replaced.
    pg_con.execute("DROP INDEX recognition_log_order")
    pg_con.execute("CREATE INDEX recognition_given ON recognition (org_id, given_on)")
    pg_con.execute("CREATE INDEX recognition_given_ids ON recognition (org_id, given_on) "
                   "INCLUDE (id) WHERE deleted_at IS NULL")
    open_postgres(pg_con.url).close()
    assert "recognition_log_order" in indexes()
    assert not {"recognition_given", "recognition_given_ids"} & indexes()


def test_without_the_trigram_extension_the_log_is_searched_all_the_same(
        pg_con: PgConnection, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A database where the app's role may not make pg_trgm: the app starts, says so in
    its log, and the log's search finds the same records by testing each of them."""
    from datetime import date

    from strategy.core import pg
    from strategy.people import recognition

    org = pg_con.execute("INSERT INTO organisation (name) VALUES ('Words') RETURNING id"
                         ).fetchone()
    assert org is not None
    employee = pg_con.execute(
        "INSERT INTO employee (org_id, number, name, hire_date) VALUES (?, 'E1', "
        "'Sam Taylor', DATE '2020-01-01') RETURNING id", [org[0]]).fetchone()
    assert employee is not None
    pg_con.execute("DROP EXTENSION pg_trgm CASCADE")
    refused = pg.PgConnection._raw

    def no_extensions(self: PgConnection, sql: str) -> None:
        if sql.startswith("CREATE EXTENSION"):
            raise duckdb.Error("permission denied to create extension \"pg_trgm\"")
        refused(self, sql)

    monkeypatch.setattr(pg.PgConnection, "_raw", no_extensions)
    with caplog.at_level("WARNING", logger="strategy.core.pg"):
        open_postgres(pg_con.url).close()
    assert "pg_trgm extension could not be made" in caplog.text
    assert pg_con.execute("SELECT to_regclass('recognition_words')").fetchone() == (None,)
    for giver, what in (("Taylor's manager", "Stayed late"), ("A colleague", "Helped")):
        made = pg_con.execute(
            "INSERT INTO recognition (org_id, given_on, giver, giver_kind, what, reward, "
            "created_by) VALUES (?, DATE '2026-05-04', ?, 'peer', ?, 'thanks', 'HR') "
            "RETURNING id", [org[0], giver, what]).fetchone()
        assert made is not None
        pg_con.execute("INSERT INTO recognition_recipient (recognition_id, org_id, "
                       "employee_id, given_on) VALUES (?, ?, ?, DATE '2026-05-04')",
                       [made[0], org[0], employee[0]])
    with access.acting(access.Identity.shell("HR")):
        found = recognition.LogFilter(date(2026, 4, 1), date(2026, 6, 30), text="taylor")
        assert recognition.count_recognitions(pg_con, org[0], found) == 2
        listed = recognition.list_recognitions(pg_con, org[0], found)
        assert len(listed) == 2
        # Each record once: the giver's own words match one, the recipient's name both.
        assert sorted(r.giver for r in listed) == ["A colleague", "Taylor's manager"]


def test_a_restore_fills_without_the_word_index_and_a_failed_one_brings_it_back(
        tmp_path: Path, pg_con: PgConnection, demo_template: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The word index is set aside while the records are filled in (made once at the
    end, not kept up row by row); a fill that fails part-way leaves it as it was."""
    from strategy.io import backup

    pg_con.execute("INSERT INTO organisation (name) VALUES ('Still here')")
    backup.create_backup(demo_template, tmp_path / "file.zip")
    real = PgConnection.write_rows
    seen: dict[str, object] = {}

    def filling(self: PgConnection, table: str, columns: Any, rows: Any) -> None:
        if table == "recognition":
            seen["index while filling"] = self.execute(
                "SELECT to_regclass('recognition_words')").fetchone()
        if table == "recognition_recipient" and seen.get("fail"):
            raise duckdb.IOException("the connection was lost")
        real(self, table, columns, rows)

    monkeypatch.setattr(PgConnection, "write_rows", filling)
    backup.restore_into_postgres(tmp_path / "file.zip", pg_con)
    assert seen["index while filling"] == (None,)
    assert _search_index_is_valid(pg_con)
    pg_con.execute("INSERT INTO organisation (name) VALUES ('Added since')")
    seen["fail"] = True
    with pytest.raises(duckdb.IOException):
        backup.restore_into_postgres(tmp_path / "file.zip", pg_con)
    assert pg_con.execute("SELECT count(*) FROM organisation WHERE name = 'Added since'"
                          ).fetchone() == (1,)
    assert _search_index_is_valid(pg_con)


def test_a_trigram_extension_out_of_the_apps_reach_is_said_and_the_app_starts(
        pg_con: PgConnection, caplog: pytest.LogCaptureFixture) -> None:
    """pg_trgm made by someone else in a schema the app's sessions do not search: the
    index cannot be made there; the app says so and starts."""
    pg_con.execute("DROP EXTENSION pg_trgm CASCADE")
    pg_con.execute("CREATE SCHEMA aside")
    pg_con.execute("CREATE EXTENSION pg_trgm SCHEMA aside")
    with caplog.at_level("WARNING", logger="strategy.core.pg"):
        open_postgres(pg_con.url).close()
    assert "outside the app's search_path" in caplog.text
    assert pg_con.execute("SELECT to_regclass('recognition_words')").fetchone() == (None,)


def test_a_restore_that_fails_at_the_end_leaves_the_numbering_as_it_was(
        tmp_path: Path, pg_con: PgConnection, demo_template: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL does not roll a sequence back with the transaction: it is put back."""
    from strategy.io import backup

    pg_con.execute("INSERT INTO organisation (name) VALUES ('Still here')")
    (before,) = pg_con.execute("SELECT last_value FROM id_seq").fetchone() or (0,)
    backup.create_backup(demo_template, tmp_path / "file.zip")
    real = pg_con.execute

    def failing_commit(sql: str, params: Any = None, /) -> PgConnection:
        if sql == "COMMIT":
            raise duckdb.TransactionException("the commit failed")
        return real(sql, params)

    monkeypatch.setattr(pg_con, "execute", failing_commit)
    with pytest.raises(duckdb.TransactionException):
        backup.restore_into_postgres(tmp_path / "file.zip", pg_con)
    monkeypatch.undo()
    assert pg_con.execute("SELECT name FROM organisation").fetchall() == [("Still here",)]
    assert pg_con.execute("SELECT last_value FROM id_seq").fetchone() == (before,)
    # The word index, set aside for the fill, is back as it was.
    assert _search_index_is_valid(pg_con)


def _search_index_is_valid(con: PgConnection) -> bool:
    return con.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c "
                       "ON c.oid = i.indexrelid WHERE c.relname = 'recognition_words'"
                       ).fetchall() == [(True,)]


def test_a_write_conflict_is_the_same_clean_message_on_postgres(pg_con: PgConnection) -> None:
    """Two sessions changing one row at once: as on DuckDB, the second is refused with a
    ConflictError and does not overwrite the first."""
    import threading

    from strategy.core.errors import ConflictError

    pg_con.execute("INSERT INTO organisation (name) VALUES ('Acme')")
    other = pg_con.cursor()
    outcome: list[BaseException | None] = []
    began = threading.Event()

    def second() -> None:
        try:
            with transaction(other):
                other.execute("SELECT count(*) FROM organisation").fetchone()  # its snapshot
                began.set()
                # Waits for the first to commit, then PostgreSQL refuses it.
                other.execute("UPDATE organisation SET reassess_days = 200")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    try:
        with transaction(pg_con):
            pg_con.execute("UPDATE organisation SET reassess_days = 100")
            worker = threading.Thread(target=second)
            worker.start()
            assert began.wait(10)
            worker.join(0.5)  # it is waiting for this transaction's row
        worker.join(10)
    finally:
        other.close()
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError)
    assert pg_con.execute("SELECT reassess_days FROM organisation").fetchone() == (100,)


def test_sessions_do_without_jit_compilation(pg_con: PgConnection) -> None:
    """The app's queries take milliseconds; compiling them took longer than running
    them. Off in a session of its own and in every session a server's pool lends."""
    from strategy.core.pg import SharedPostgres

    assert pg_con.execute("SHOW jit").fetchone() == ("off",)
    shared = SharedPostgres(pg_con.url, size=2)
    try:
        lent = [shared.connection() for _ in range(2)]
        assert [c.execute("SHOW jit").fetchone() for c in lent] == [("off",), ("off",)]
        assert [c.execute("SHOW plan_cache_mode").fetchone() for c in lent] == [
            ("force_custom_plan",)] * 2
        for c in lent:
            c.close()
    finally:
        shared.close()


def test_a_statement_run_again_and_again_is_planned_for_its_values_each_time(
        pg_con: PgConnection) -> None:
    """psycopg prepares a statement run five times on a session; PostgreSQL would then
    be free to keep one generic plan, blind to the values (the training overdue list's
    ran for minutes). Every run is planned for its own values instead."""
    from datetime import date

    from strategy.people import personnel, training

    org = pg_con.execute("INSERT INTO organisation (name) VALUES ('Plans') RETURNING id"
                         ).fetchone()
    assert org is not None
    with access.acting(access.Identity.shell("Test")):
        # psycopg prepares from the sixth run; PostgreSQL may go generic after five more.
        for _ in range(14):
            personnel.list_teams(pg_con, org[0])
            training.overdue(pg_con, org[0], date(2026, 11, 18), 200, 0)
    plans = pg_con.execute("SELECT statement, custom_plans, generic_plans "
                           "FROM pg_prepared_statements").fetchall()
    runs = [(custom, generic) for text, custom, generic in plans
            if "FROM team" in text or "WITH required AS" in text]
    assert runs == [(9, 0), (9, 0)], plans


def test_a_read_beside_waits_its_turn_when_the_pool_is_all_lent(pg_con: PgConnection) -> None:
    """With every session of a server's pool lent, a page's reads side by side run in
    turn on its own session instead of waiting for another (which, with every page
    doing the same, could wait for ever); the command line lends its own few."""
    import time

    from strategy.core.db import side_by_side
    from strategy.core.pg import SharedPostgres

    shared = SharedPostgres(pg_con.url, size=2)
    try:
        page = shared.connection()
        other = shared.connection()  # someone else's page holds the last one
        start = time.monotonic()
        assert page.spare_cursor() is None
        assert time.monotonic() - start < 5
        assert side_by_side(page, [lambda c: c.execute("SELECT 1").fetchone(),
                                   lambda c: c.execute("SELECT 2").fetchone()]) == [(1,), (2,)]
        other.close()
        spare = page.spare_cursor()
        assert spare is not None and spare.execute("SELECT 3").fetchone() == (3,)
        spare.close()
        page.close()
    finally:
        shared.close()
    # A session of its own (the command line): cursors come from a few sessions reused.
    pids = set()
    for _ in range(3):
        cursor = pg_con.cursor()
        pids.add(cursor.execute("SELECT pg_backend_pid()").fetchone())
        cursor.close()
    assert len(pids) == 1


def test_cursors_asked_for_at_once_share_one_pool_and_close_with_it(
        pg_con: PgConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's review pack asks for its sheets' cursors from several threads
    at the same moment: one pool lends them all, and closing the connection closes it
    (a pool made beside another was left open, its sessions held until the process
    ended)."""
    import threading

    from psycopg_pool import ConnectionPool

    from strategy.core import pg

    made: list[Any] = []
    real = ConnectionPool

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(pg, "ConnectionPool", counted)
    start = threading.Barrier(8)
    answers: list[object] = []

    def read() -> None:
        start.wait()
        cursor = pg_con.cursor()
        answers.append(cursor.execute("SELECT 1").fetchone())
        cursor.close()

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(1,)] * 8
    assert len(made) == 1
    pg_con.close()
    assert made[0].closed
