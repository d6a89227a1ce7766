"""Step 1 — customer segments, internal and external."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import clean, on_duplicate, one_of, optional_text, raise_if, require_text
from strategy.core.db import Connection, transaction, versioned_update
from strategy.core.errors import NotFoundError
from strategy.core.vocabulary import (
    CHANNELS,
    CHOICE_REASONS,
    EXPECTATION_FACTORS,
    SEGMENT_KINDS,
    SIZE_UNITS,
    VALUE_LEVELS,
)

# The serving teams come from the organisation's teams, by link, in name order.
_COLUMNS = (
    "s.id, s.name, s.kind, s.description, s.size, s.size_unit, s.value_level, s.annual_value, "
    "coalesce((SELECT list(t.name ORDER BY lower(t.name)) FROM segment_team st "
    "JOIN team t ON t.id = st.team_id WHERE st.segment_id = s.id), []), "
    "s.channels, s.expectation_factors, s.expectation_notes, s.choice_reasons, s.version"
)

# What the database column holds (a 32-bit integer), with room to spare; and an
# annual value no organisation reaches, so a typo of many zeros is caught.
MAX_SIZE = 2_000_000_000
MAX_VALUE = 1e15


@dataclass
class Segment:
    id: int
    name: str
    kind: str
    description: str = ""
    size: int | None = None
    size_unit: str = "people"
    value_level: str = "medium"
    annual_value: float | None = None
    serving_teams: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    expectation_factors: list[str] = field(default_factory=list)
    expectation_notes: str = ""
    choice_reasons: list[str] = field(default_factory=list)
    version: int = 1


@dataclass
class SegmentInput:
    """What a person enters for a segment, before it is checked."""

    name: str
    kind: str
    description: str = ""
    size: int | None = None
    size_unit: str = "people"
    value_level: str = "medium"
    annual_value: float | None = None
    # Names of the organisation's teams (People and teams); an unknown name is refused.
    serving_teams: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)


def list_segments(con: Connection, org_id: int) -> list[Segment]:
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM segment s WHERE s.org_id = ? ORDER BY s.kind, lower(s.name)",
        [org_id]
    ).fetchall()
    return [Segment(*row) for row in rows]


def get_segment(con: Connection, org_id: int, segment_id: int) -> Segment:
    row = con.execute(
        f"SELECT {_COLUMNS} FROM segment s WHERE s.org_id = ? AND s.id = ?", [org_id, segment_id]
    ).fetchone()
    if row is None:
        raise NotFoundError("That customer segment no longer exists; it may have been deleted.")
    return Segment(*row)


def segment_counts(con: Connection, org_id: int) -> dict[str, int]:
    rows = con.execute(
        "SELECT kind, count(*) FROM segment WHERE org_id = ? GROUP BY kind", [org_id]
    ).fetchall()
    counts = {"external": 0, "internal": 0}
    counts.update({kind: int(n) for kind, n in rows})
    return counts


def _validate(con: Connection, org_id: int, data: SegmentInput,
              exclude_id: int | None = None) -> tuple[dict[str, object], list[int]]:
    problems: dict[str, str] = {}
    name = require_text(problems, "name", data.name, "The segment's name", 120)
    one_of(problems, "kind", data.kind, SEGMENT_KINDS, "Internal or external")
    description = optional_text(problems, "description", data.description, "The description")
    one_of(problems, "size_unit", data.size_unit, SIZE_UNITS, "The size unit")
    one_of(problems, "value_level", data.value_level, VALUE_LEVELS, "The value")
    if data.size is not None and data.size < 0:
        problems["size"] = "The size cannot be negative; enter how many people or accounts."
    elif data.size is not None and data.size > MAX_SIZE:
        problems["size"] = (f"The size {data.size:,} is more than {MAX_SIZE:,}: enter how many "
                            "people or accounts the segment has.")
    if data.annual_value is not None and (not math.isfinite(data.annual_value)
                                          or not 0 <= data.annual_value <= MAX_VALUE):
        problems["annual_value"] = (f"The annual value must be a number from 0 to "
                                    f"{MAX_VALUE:,.0f}.")
    unknown = [c for c in data.channels if c not in CHANNELS]
    if unknown:
        problems["channels"] = f"Unknown channel(s): {', '.join(unknown)}."
    team_ids = _team_ids(con, org_id, data.serving_teams, problems)
    if name and "name" not in problems:
        clash = con.execute(
            "SELECT 1 FROM segment WHERE org_id = ? AND lower(name) = lower(?) "
            "AND id IS DISTINCT FROM ?",
            [org_id, name, exclude_id],
        ).fetchone()
        if clash:
            problems["name"] = f"There is already a segment called “{name}”; use another name."
    raise_if(problems)
    return {
        "name": name, "kind": data.kind, "description": description, "size": data.size,
        "size_unit": data.size_unit, "value_level": data.value_level,
        "annual_value": data.annual_value,
        "channels": [c for c in CHANNELS if c in data.channels],
    }, team_ids


def _team_ids(con: Connection, org_id: int, names: list[str],
              problems: dict[str, str]) -> list[int]:
    """The ids of the organisation's teams named; an unknown name is a problem to fix."""
    wanted = sorted({clean(n) for n in names if clean(n)}, key=str.lower)
    if not wanted:
        return []
    found = dict(con.execute(
        "SELECT lower(name), id FROM team WHERE org_id = ? AND lower(name) IN "
        "(SELECT lower(unnest(CAST(? AS VARCHAR[]))))", [org_id, wanted]).fetchall())
    unknown = [n for n in wanted if n.lower() not in found]
    if unknown:
        problems["serving_teams"] = (
            f"There is no team called {', '.join(f'“{n}”' for n in unknown)}; add it under "
            "People and teams (or with “Add a team” here) first.")
    return sorted({int(found[n.lower()]) for n in wanted if n.lower() in found})


def _link_teams(con: Connection, org_id: int, segment_id: int, team_ids: list[int]) -> None:
    con.execute("DELETE FROM segment_team WHERE segment_id = ?", [segment_id])
    if team_ids:
        con.execute("INSERT INTO segment_team (org_id, segment_id, team_id) "
                    "SELECT ?, ?, unnest(CAST(? AS BIGINT[]))", [org_id, segment_id, team_ids])


def add_segment(con: Connection, org_id: int, data: SegmentInput) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    with on_duplicate("name", lambda: f"There is already a segment called "
                      f"“{clean(data.name)}”; use another name."), transaction(con):
        values, team_ids = _validate(con, org_id, data)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        row = con.execute(
            f"INSERT INTO segment (org_id, {columns}) VALUES (?, {marks}) RETURNING id",
            [org_id, *values.values()],
        ).fetchone()
        assert row is not None
        _link_teams(con, org_id, int(row[0]), team_ids)
        audit.record(con, org_id, "Customers", "added", f"Segment “{values['name']}”")
    return int(row[0])


def update_segment(con: Connection, org_id: int, segment_id: int, version: int,
                   data: SegmentInput) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    with on_duplicate("name", lambda: f"There is already a segment called "
                      f"“{clean(data.name)}”; use another name."), transaction(con):
        values, team_ids = _validate(con, org_id, data, exclude_id=segment_id)
        new_version = versioned_update(con, "segment", segment_id, org_id, version, values,
                                       "customer segment")
        _link_teams(con, org_id, segment_id, team_ids)
        audit.record(con, org_id, "Customers", "edited", f"Segment “{values['name']}”")
        return new_version


def update_expectations(con: Connection, org_id: int, segment_id: int, version: int,
                        factors: list[str], notes: str, reasons: list[str]) -> int:
    """Step 2's part of a segment: what shapes its expectations, why it chooses us."""
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    notes = optional_text(problems, "expectation_notes", notes, "The notes")
    if any(f not in EXPECTATION_FACTORS for f in factors):
        problems["expectation_factors"] = "Choose the factors from the list."
    if any(r not in CHOICE_REASONS for r in reasons):
        problems["choice_reasons"] = "Choose the reasons from the list."
    raise_if(problems)
    with transaction(con):
        new_version = versioned_update(
            con, "segment", segment_id, org_id, version,
            {"expectation_factors": factors, "expectation_notes": notes,
             "choice_reasons": reasons},
            "customer segment",
        )
        name = get_segment(con, org_id, segment_id).name
        audit.record(con, org_id, "Needs", "edited", f"Expectations of “{name}”")
        return new_version


def delete_segment(con: Connection, org_id: int, segment_id: int) -> None:
    """Delete a segment and the needs assessments made of it. Complaints and compliments
    from the segment stay on record, without a segment."""
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        gone = get_segment(con, org_id, segment_id)
        audit.record(con, org_id, "Customers", "deleted", f"Segment “{gone.name}”")
        con.execute("DELETE FROM assessment WHERE org_id = ? AND segment_id = ?",
                    [org_id, segment_id])
        con.execute("DELETE FROM segment_team WHERE org_id = ? AND segment_id = ?",
                    [org_id, segment_id])
        con.execute("UPDATE complaint SET segment_id = NULL WHERE org_id = ? AND "
                    "segment_id = ?", [org_id, segment_id])
        con.execute("DELETE FROM segment WHERE org_id = ? AND id = ?", [org_id, segment_id])


@dataclass(frozen=True)
class Dependents:
    """What a deletion of a segment touches: the needs assessments it takes with it, and
    the complaints and compliments it leaves without a segment."""

    assessments: int
    complaints: int


def dependents(con: Connection, org_id: int, segment_id: int) -> Dependents:
    row = con.execute(
        "SELECT (SELECT count(*) FROM assessment WHERE org_id = $org AND segment_id = $id), "
        "(SELECT count(*) FROM complaint WHERE org_id = $org AND segment_id = $id)",
        {"org": org_id, "id": segment_id},
    ).fetchone()
    assert row is not None
    return Dependents(int(row[0]), int(row[1]))

