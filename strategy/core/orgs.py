"""Organisations: everything in the plan belongs to one."""

from __future__ import annotations

from dataclasses import dataclass

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate, raise_if, require_text
from strategy.core.db import Connection, transaction
from strategy.core.errors import NotFoundError, ValidationError
from strategy.core.kept import KEPT_PREFIX

# What a person calls the rows of each organisation-owned table, for the
# confirmation that lists what a deletion removes.
TABLE_NOUNS = {
    "segment": "customer segments",
    "segment_team": "segment-to-team links",
    "assessment": "needs assessments",
    "service_quality": "custom service qualities",
    "vision": "vision statement",
    "org_value": "values",
    "behaviour": "behaviours",
    "brainstorm_entry": "brainstorm entries",
    "standard": "standards",
    "standard_communication": "communication records",
    "team": "teams",
    "employee": "employee records",
    "standard_owner": "standard owners",
    "standard_team": "standard-to-team links",
    "acknowledgement": "acknowledgements",
    "observation": "compliance observations",
    "standard_result": "links to company results",
    "impact_model": "impact models",
    "training_module": "training modules",
    "training_requirement": "training requirements",
    "training_completion": "training completions",
    "hiring_criterion": "hiring criteria",
    "candidate": "candidate scorecards",
    "recognition": "recognition records",
    "membership": "roles of accounts in it",
    "workshop": "workshops",
    "recognition_recipient": "recognition recipients",
    "recognition_history": "recognition history entries",
    "recognition_tally": "recognition counts per person and quarter",
    "measure": "measures",
    "measure_value": "measure values",
    "survey_response": "survey responses",
    "review": "reviews",
    "review_action": "review actions",
    "complaint": "complaints and compliments",
    "complaint_staff": "staff named in compliments",
    "self_check_round": "self-check rounds",
    "self_check_answer": "self-check ratings",
    "change_log": "change history entries",
    "import_mapping": "saved import choices",
    "import_setting": "import settings",
    "import_file": "records of files imported",
}

# How one of each is said, where dropping the last "s" would not say it.
_ONE_OF = {
    "custom service qualities": "custom service quality",
    "brainstorm entries": "brainstorm entry",
    "links to company results": "link to company results",
    "hiring criteria": "hiring criterion",
    "roles of accounts in it": "role of an account in it",
    "recognition history entries": "recognition history entry",
    "recognition counts per person and quarter": "recognition count per person and quarter",
    "complaints and compliments": "complaint or compliment",
    "staff named in compliments": "staff member named in a compliment",
    "change history entries": "change history entry",
    "records of files imported": "record of a file imported",
}


def one_of(noun: str) -> str:
    """How one of ``noun`` (one of TABLE_NOUNS) is said: "review", "hiring criterion"."""
    return _ONE_OF.get(noun, noun[:-1] if noun.endswith("s") else noun)


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    reassess_days: int
    version: int


def list_organisations(con: Connection) -> list[Organisation]:
    rows = con.execute(
        "SELECT id, name, reassess_days, version FROM organisation ORDER BY lower(name)"
    ).fetchall()
    return [Organisation(*row) for row in rows]


def get_organisation(con: Connection, org_id: int) -> Organisation:
    row = con.execute(
        "SELECT id, name, reassess_days, version FROM organisation WHERE id = ?", [org_id]
    ).fetchone()
    if row is None:
        raise NotFoundError("That organisation no longer exists; it may have been deleted.")
    return Organisation(*row)


def find_organisation(con: Connection, name: str) -> Organisation:
    row = con.execute(
        "SELECT id, name, reassess_days, version FROM organisation WHERE lower(name) = lower(?)",
        [name.strip()],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"There is no organisation called “{name}”.")
    return Organisation(*row)


def _check_name(con: Connection, name: str, exclude_id: int | None = None) -> str:
    problems: dict[str, str] = {}
    name = require_text(problems, "name", name, "The organisation's name", 120)
    raise_if(problems)
    clash = con.execute(
        "SELECT 1 FROM organisation WHERE lower(name) = lower(?) AND id IS DISTINCT FROM ?",
        [name, exclude_id],
    ).fetchone()
    if clash:
        raise ValidationError({"name": f"An organisation called “{name}” already exists; "
                                       "choose another name."})
    return name


def create_organisation(con: Connection, name: str, reassess_days: int = 180) -> Organisation:
    access.require(Permission.MANAGE_ORGANISATIONS)
    with on_duplicate("name", lambda: f"An organisation called “{name.strip()}” already "
                      "exists; choose another name."), transaction(con):
        name = _check_name(con, name)
        _check_reassess(reassess_days)
        row = con.execute(
            "INSERT INTO organisation (name, reassess_days) VALUES (?, ?) RETURNING id",
            [name, reassess_days],
        ).fetchone()
    assert row is not None
    return get_organisation(con, row[0])


def _check_reassess(days: int) -> None:
    if not 1 <= days <= 3650:
        raise ValidationError({"reassess_days": "The re-assessment interval must be between "
                                                "1 and 3650 days."})


def update_organisation(con: Connection, org_id: int, name: str, reassess_days: int) -> None:
    access.require(Permission.MANAGE_ORGANISATIONS, org_id)
    with on_duplicate("name", lambda: f"An organisation called “{name.strip()}” already "
                      "exists; choose another name."), transaction(con):
        name = _check_name(con, name, exclude_id=org_id)
        _check_reassess(reassess_days)
        row = con.execute(
            "UPDATE organisation SET name = ?, reassess_days = ?, version = version + 1 "
            "WHERE id = ? RETURNING id",
            [name, reassess_days, org_id],
        ).fetchone()
        if row is None:
            raise NotFoundError("That organisation no longer exists; it may have been deleted.")


def _org_tables(con: Connection) -> list[str]:
    # Table names come from the schema itself, never from user text. PostgreSQL's kept
    # results are not the organisation's records (strategy.core.kept): not counted here
    # nor deleted with it (made again from the records, and their rows of an
    # organisation gone are dropped there).
    rows = con.execute(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'org_id' "
        "AND table_catalog = current_database() AND table_schema = current_schema() "
        "ORDER BY table_name"
    ).fetchall()
    return [row[0] for row in rows if not str(row[0]).startswith(KEPT_PREFIX)]


def deletion_summary(con: Connection, org_id: int) -> dict[str, int]:
    """What deleting the organisation would remove: noun -> count (non-zero only)."""
    access.require(Permission.MANAGE_ORGANISATIONS, org_id)
    summary: dict[str, int] = {}
    # Listed in the order of the plan's steps, then anything newer.
    tables = sorted(_org_tables(con), key=lambda t: (list(TABLE_NOUNS).index(t)
                                                      if t in TABLE_NOUNS else len(TABLE_NOUNS)))
    for table in tables:
        (count,) = con.execute(
            f'SELECT count(*) FROM "{table}" WHERE org_id = ?', [org_id]
        ).fetchone() or (0,)
        if count:
            summary[TABLE_NOUNS.get(table, table.replace("_", " "))] = int(count)
    return summary


def delete_organisation(con: Connection, org_id: int) -> None:
    access.require(Permission.MANAGE_ORGANISATIONS, org_id)
    with transaction(con):
        get_organisation(con, org_id)
        # The two tables keyed only through their parent row.
        con.execute(
            "DELETE FROM brainstorm_vote WHERE entry_id IN "
            "(SELECT id FROM brainstorm_entry WHERE org_id = ?)",
            [org_id],
        )
        con.execute(
            "DELETE FROM candidate_score WHERE candidate_id IN "
            "(SELECT id FROM candidate WHERE org_id = ?)",
            [org_id],
        )
        for table in _org_tables(con):
            con.execute(f'DELETE FROM "{table}" WHERE org_id = ?', [org_id])
        con.execute("DELETE FROM organisation WHERE id = ?", [org_id])
