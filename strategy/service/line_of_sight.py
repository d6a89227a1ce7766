"""Step 6 — each team's line of sight from its standards to company results."""

from __future__ import annotations

from dataclasses import dataclass

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.db import Connection, transaction
from strategy.core.errors import NotFoundError, ValidationError
from strategy.core.periods import Quarter
from strategy.core.rates import Rate

RESULTS = [
    "Customer retention", "Revenue", "Fewer complaints", "Cost to serve",
    "Reputation and referrals", "Employee engagement",
]


def set_results(con: Connection, org_id: int, standard_id: int, results: list[str]) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    unknown = [r for r in results if r not in RESULTS]
    if unknown:
        raise ValidationError({"results": f"Unknown result(s): {', '.join(unknown)}."})
    with transaction(con):
        if con.execute("SELECT 1 FROM standard WHERE org_id = ? AND id = ?",
                       [org_id, standard_id]).fetchone() is None:
            raise NotFoundError("That standard no longer exists.")
        con.execute("DELETE FROM standard_result WHERE standard_id = ?", [standard_id])
        for result in results:
            con.execute("INSERT INTO standard_result (standard_id, org_id, result) "
                        "VALUES (?, ?, ?)", [standard_id, org_id, result])


def results_of(con: Connection, org_id: int) -> dict[int, list[str]]:
    rows = con.execute("SELECT standard_id, result FROM standard_result WHERE org_id = ?",
                       [org_id]).fetchall()
    found: dict[int, list[str]] = {}
    for standard_id, result in rows:
        found.setdefault(standard_id, []).append(result)
    return {k: [r for r in RESULTS if r in v] for k, v in found.items()}


@dataclass(frozen=True)
class Sightline:
    team: str
    standard: str
    results: tuple[str, ...]
    compliance: Rate  # the team's own observations this period


def line_of_sight(con: Connection, org_id: int, period: Quarter) -> list[Sightline]:
    results = results_of(con, org_id)
    rows = con.execute(
        """
        SELECT t.name, s.id, s.title,
               count(o.id) FILTER (WHERE o.met), count(o.id)
        FROM standard_team st
        JOIN team t ON t.id = st.team_id JOIN standard s ON s.id = st.standard_id
        LEFT JOIN observation o ON o.standard_id = s.id AND o.team_id = t.id
             AND o.observed_on BETWEEN ? AND ?
        WHERE st.org_id = ?
        GROUP BY t.name, s.id, s.title ORDER BY lower(t.name), lower(s.title)
        """,
        [period.start, period.end, org_id],
    ).fetchall()
    return [Sightline(r[0], r[2], tuple(results.get(r[1], [])), Rate(int(r[3]), int(r[4])))
            for r in rows]
