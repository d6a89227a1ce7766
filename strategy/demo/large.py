"""A large organisation for measuring speed: the demo's plan plus bulk data at real scale.

``build_large`` loads the ordinary demo (so every step of the plan has its
content: segments, values, standards, owners, training, reviews) and then adds,
with set-based SQL only, the volume of a 20,000-staff organisation (issue 11):

- staff in 50 teams, hired and leaving over three years, leavers with a kind
  and mostly a reason;
- 1,000,000 recognition records over three years, exactly 84,000 of them in
  the latest full quarter, each with its recipients and its "created" history;
- 200,000 compliance observations of the standards' own teams;
- 200,000 survey answers (NPS, CSAT and effort per customer segment, eNPS per
  team), a few left blank;
- 30 measures in all, the hand-entered ones with five years of values for the
  whole organisation, each team and each segment;
- 500 brainstorm entries with votes.

Every count is multiplied by ``scale`` (tests build at 1 %); teams and measures
are totals of the organisation and never fewer than the demo has already.
"Random" choices come from ``hash`` of the row number and a salt, so a build
is the same every time for the same day. The bulk inserts bypass the domain's
checks on purpose: they write straight to the tables, inside one transaction.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from strategy.core.db import Connection, transaction
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.demo.people import FIRST, LAST, LEAVE_REASONS, WHAT
from strategy.demo.riverbend import load_demo
from strategy.measures.scorecard import UNITS
from strategy.people.recognition import rebuild_tally

LARGE_NAME = "Riverbend Water (large)"

# What the bulk adds at scale 1 (teams and measures: what the organisation has in all).
SIZES = {
    "teams": 50,
    "staff": 20_000,
    "recognitions": 1_000_000,
    "latest_quarter_recognitions": 84_000,
    "observations": 200_000,
    "survey_answers": 200_000,
    "measures": 30,
    "brainstorm_entries": 500,
    "complaints": 30_000,  # complaints and compliments over the three years
    # Training as organisations keep it: every team requires some modules, most staff
    # took most of theirs (some twice), thousands are overdue.
    "training_completions": 97_000,
}
YEARS = 3  # the span of hires, leavers, recognition, observations and surveys
MEASURE_YEARS = 5  # the span of hand-entered measure values

_ROLES = ["Adviser", "Engineer", "Billing officer", "Planner", "Case officer",
          "Account manager"]
_CHANNELS = ["Phone", "Email", "Web/chat", "In person", "Field"]
_OBSERVERS = ["Quality team", "Team leader", "Mystery shopper"]
_GIVERS = ["Team leader", "A colleague", "Operations manager"]
_IDEAS = ["Being told before", "Someone who owns", "Not having to explain", "Bills I can read",
          "Crews on time", "Kind words when", "One number to call", "Fixing it first time",
          "Knowing who to ask", "Straight answers about"]
_TOPICS = ["supply interruptions", "my bill", "a leak", "a new connection", "a complaint",
           "the priority register", "roadworks", "a meter reading", "a refund", "water quality"]
# name, side, unit, direction, cadence, target, amber band
_MEASURES = [
    ("First contact resolution", "customer", "%", "higher", "monthly", 75.0, 5.0),
    ("Calls answered in 30 seconds", "customer", "%", "higher", "monthly", 80.0, 5.0),
    ("Abandoned calls", "customer", "%", "lower", "monthly", 5.0, 1.0),
    ("Email replies within a day", "customer", "%", "higher", "monthly", 90.0, 5.0),
    ("Appointments kept", "customer", "%", "higher", "monthly", 95.0, 2.0),
    ("Repeat contacts", "customer", "count", "lower", "monthly", 900.0, 100.0),
    ("Bills right first time", "customer", "%", "higher", "quarterly", 97.0, 1.0),
    ("Complaint response time", "customer", "days", "lower", "quarterly", 5.0, 1.0),
    ("Quality audit score", "customer", "score (1–5)", "higher", "quarterly", 4.2, 0.3),
    ("Priority services visits on time", "customer", "%", "higher", "quarterly", 98.0, 1.0),
    ("Written complaints", "customer", "count", "lower", "quarterly", 250.0, 30.0),
    ("Customer likelihood to recommend", "customer", "score (0–10)", "higher", "quarterly",
     8.0, 0.5),
    ("Staff satisfaction", "employee", "%", "higher", "quarterly", 78.0, 5.0),
    ("Overtime hours", "employee", "hours", "lower", "quarterly", 12.0, 3.0),
    ("Time to hire", "employee", "days", "lower", "quarterly", 35.0, 7.0),
    ("Coaching sessions per head", "employee", "per head", "higher", "quarterly", 2.0, 0.5),
    ("Internal promotions", "employee", "%", "higher", "quarterly", 40.0, 10.0),
    ("Wellbeing score", "employee", "score (1–5)", "higher", "quarterly", 3.8, 0.3),
]

# A pseudo-random number in [0, 1) and a pick in [0, n) for row ``i`` and ``salt``.
_MACROS = """
    CREATE OR REPLACE TEMP MACRO large_u(i, salt) AS (hash(i, salt) % 1000000) / 1000000.0;
    CREATE OR REPLACE TEMP MACRO large_pick(i, salt, n) AS
        CAST(hash(i, salt) % CAST(n AS UBIGINT) AS BIGINT);
"""


def _run(con: Connection, sql: str, params: dict[str, Any]) -> None:
    """Execute with the named parameters the statement uses (DuckDB refuses extra ones)."""
    used = set(re.findall(r"\$([a-z_]+)", sql))
    con.execute(sql, {key: value for key, value in params.items() if key in used})


@dataclass(frozen=True)
class LargeOrganisation:
    org: Organisation
    planned: dict[str, int]  # what the bulk was asked to add (see SIZES)
    before: dict[str, int]  # the organisation's rows after the demo, before the bulk
    after: dict[str, int]  # and after it
    seconds: float


def planned_counts(scale: float = 1.0) -> dict[str, int]:
    return {key: round(value * scale) for key, value in SIZES.items()}


def build_large(con: Connection, name: str = LARGE_NAME, scale: float = 1.0,
                today: date | None = None) -> LargeOrganisation:
    """Create the demo organisation ``name`` and add the bulk data; refuses an existing name."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    started = time.perf_counter()
    today = today or date.today()
    org = load_demo(con, name, today)
    planned = planned_counts(scale)
    before = row_counts(con, org.id, today)
    current = Quarter.containing(today)
    latest = current.shift(-1)
    p: dict[str, Any] = {
        "org": org.id, "today": today, "ws": current.shift(-4 * YEARS).start,
        "qs": latest.start, "qe": latest.end,
    }
    with transaction(con):
        con.execute(_MACROS)
        _teams(con, p, planned["teams"])
        _staff(con, p, planned["staff"])
        _people_pickers(con, p)
        _recognition(con, p, planned["recognitions"], planned["latest_quarter_recognitions"])
        _observations(con, p, planned["observations"])
        _surveys(con, p, planned["survey_answers"])
        _measures(con, p, planned["measures"], current, today)
        _brainstorm(con, p, planned["brainstorm_entries"])
        _complaints(con, p, planned["complaints"])
        _training(con, p, planned["training_completions"])
        for table in ("large_rest", "large_quarter", "large_stalwart", "large_team_stalwart",
                      "large_recognition", "large_entry"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute("DROP MACRO IF EXISTS large_pick; DROP MACRO IF EXISTS large_u")
    # The records went in by bulk SQL, past recognition.py: count them into the tally.
    rebuild_tally(con, org.id)
    con.execute("CHECKPOINT")
    after = row_counts(con, org.id, today)
    return LargeOrganisation(org, planned, before, after, time.perf_counter() - started)


def row_counts(con: Connection, org_id: int, today: date | None = None) -> dict[str, int]:
    """The organisation's rows in the tables the bulk fills."""
    latest = Quarter.containing(today or date.today()).shift(-1)
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM team WHERE org_id = $org),
               (SELECT count(*) FROM employee WHERE org_id = $org),
               (SELECT count(*) FROM employee WHERE org_id = $org AND leave_date IS NOT NULL),
               (SELECT count(*) FROM recognition WHERE org_id = $org),
               (SELECT count(*) FROM recognition WHERE org_id = $org
                                                  AND given_on BETWEEN $qs AND $qe),
               (SELECT count(*) FROM recognition_recipient WHERE org_id = $org),
               (SELECT count(*) FROM recognition_history WHERE org_id = $org),
               (SELECT count(*) FROM observation WHERE org_id = $org),
               (SELECT count(*) FROM survey_response WHERE org_id = $org),
               (SELECT count(*) FROM measure WHERE org_id = $org),
               (SELECT count(*) FROM measure_value WHERE org_id = $org),
               (SELECT count(*) FROM brainstorm_entry WHERE org_id = $org),
               (SELECT count(*) FROM brainstorm_vote v JOIN brainstorm_entry e
                    ON e.id = v.entry_id WHERE e.org_id = $org),
               (SELECT count(*) FROM complaint WHERE org_id = $org),
               (SELECT count(*) FROM training_completion WHERE org_id = $org)
        """, {"org": org_id, "qs": latest.start, "qe": latest.end}).fetchone()
    assert row is not None
    names = ["teams", "staff", "leavers", "recognitions", "latest_quarter_recognitions",
             "recognition_recipients", "recognition_history", "observations",
             "survey_answers", "measures", "measure_values", "brainstorm_entries",
             "brainstorm_votes", "complaints", "training_completions"]
    return dict(zip(names, (int(v) for v in row), strict=True))


def _teams(con: Connection, p: dict[str, Any], total: int) -> None:
    row = con.execute("SELECT count(*) FROM team WHERE org_id = ?", [p["org"]]).fetchone()
    have = row[0] if row else 0
    _run(con,
        "INSERT INTO team (org_id, name) SELECT $org, 'Service team ' || lpad(CAST(i + 1 AS "
        "VARCHAR), 2, '0') FROM range($n) r(i)", {"org": p["org"], "n": max(0, total - have)})
    # Teams without a standard (the new ones) answer for one channel's standards and
    # for those of every channel, as the demo's teams do.
    _run(con,
        """
        INSERT INTO standard_team (standard_id, org_id, team_id)
        WITH free AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM team t
            WHERE org_id = $org AND NOT EXISTS (SELECT 1 FROM standard_team st
                                                WHERE st.team_id = t.id))
        SELECT s.id, $org, free.id FROM free JOIN standard s ON s.org_id = $org
        WHERE s.channel = 'All channels' OR s.channel = $channels[1 + free.k % len($channels)]
        """, {"org": p["org"], "channels": _CHANNELS})


def _staff(con: Connection, p: dict[str, Any], n: int) -> None:
    # The first employee of each team leads it, joined long ago and stays; 70 % of
    # the rest joined before the three years, the others during them; about one in
    # six leaves (at least 30 days after joining, before today).
    _run(con,
        """
        INSERT INTO employee (org_id, number, name, team_id, role, manager_number, hire_date,
                              leave_date, leave_kind, leave_reason)
        WITH teams AS (SELECT list(id ORDER BY id) AS ids FROM team WHERE org_id = $org),
        staff AS (
            SELECT i, i % len(ids) AS t, ids[1 + i % len(ids)] AS team_id, i < len(ids) AS leads,
                   CASE WHEN i < len(ids) OR large_u(i, 1) < 0.7
                        THEN $ws - CAST(30 + large_pick(i, 2, 3000) AS INTEGER)
                        ELSE $ws + CAST(large_pick(i, 2, $today - $ws - 30) AS INTEGER)
                   END AS hired
            FROM range($n) r(i), teams),
        leaving AS (
            SELECT *, CASE WHEN NOT leads AND large_u(i, 3) < 0.18
                                AND greatest(hired + 30, $ws) < $today
                           THEN greatest(hired + 30, $ws) + CAST(large_pick(
                                i, 4, $today - greatest(hired + 30, $ws)) AS INTEGER)
                      END AS left_on,
                      CASE WHEN large_u(i, 5) < 0.75 THEN 'voluntary' ELSE 'involuntary'
                      END AS kind
            FROM staff)
        SELECT $org, CAST(100000 + i AS VARCHAR),
               $first[1 + i % len($first)] || ' ' || $last[1 + (i // len($first)) % len($last)],
               team_id, CASE WHEN leads THEN 'Team leader' ELSE $roles[1 + t % len($roles)] END,
               CASE WHEN leads THEN '' ELSE CAST(100000 + t AS VARCHAR) END,
               hired, left_on, CASE WHEN left_on IS NOT NULL THEN kind END,
               CASE WHEN left_on IS NULL OR large_u(i, 6) < 0.2 THEN ''
                    WHEN kind = 'voluntary'
                    THEN $voluntary[1 + large_pick(i, 7, len($voluntary))]
                    ELSE $involuntary[1 + large_pick(i, 7, len($involuntary))] END
        FROM leaving
        """, {**p, "n": n, "first": FIRST, "last": LAST, "roles": _ROLES,
              "voluntary": LEAVE_REASONS["voluntary"],
              "involuntary": LEAVE_REASONS["involuntary"]})


def _people_pickers(con: Connection, p: dict[str, Any]) -> None:
    """Numbered lists of who can receive recognition, or be observed, and when."""
    _run(con,
        """
        CREATE TEMP TABLE large_people AS
        WITH spans AS (
            SELECT id, team_id, hire_date, leave_date, greatest(hire_date, $ws) AS a,
                   least(coalesce(leave_date, $today), $today) AS b
            FROM employee WHERE org_id = $org)
        SELECT *, greatest(0, least(b, $qs - 1) - a + 1) AS len1,
               greatest(a, $qe + 1) AS start2, greatest(0, b - greatest(a, $qe + 1) + 1) AS len2
        FROM spans
        """, p)
    # Recognition falls on employee-days: each person's days in the three years outside
    # the latest quarter, and in it, laid end to end (weighted: one person in twenty is
    # recognised four times as often), so a uniform draw over the total lands on a day
    # someone was employed, and each quarter gets a share in line with its headcount.
    con.execute(
        """
        CREATE TEMP TABLE large_rest AS
        SELECT *, sum((len1 + len2) * w) OVER (ORDER BY id) - (len1 + len2) * w AS cum_start
        FROM (SELECT id, a, len1, start2, len2,
                     CASE WHEN large_u(id, 22) < 0.05 THEN 4 ELSE 1 END AS w
              FROM large_people WHERE len1 + len2 > 0)
        """)
    _run(con,
         """
         CREATE TEMP TABLE large_quarter AS
         SELECT *, sum(w) OVER (ORDER BY id) - w AS cum_start
         FROM (SELECT id, CASE WHEN large_u(id, 22) < 0.05 THEN 4 ELSE 1 END AS w
               FROM large_people WHERE hire_date <= $qs AND coalesce(leave_date, $today) >= $qe)
         """, p)
    # ... and throughout the three years (the whole organisation, and per team).
    _run(con, "CREATE TEMP TABLE large_stalwart AS SELECT row_number() OVER (ORDER BY id) - 1 "
              "AS k, id, team_id FROM large_people WHERE hire_date <= $ws "
              "AND leave_date IS NULL", p)
    con.execute("CREATE TEMP TABLE large_team_stalwart AS SELECT team_id, row_number() OVER "
                "(PARTITION BY team_id ORDER BY id) - 1 AS k, count(*) OVER (PARTITION BY "
                "team_id) AS n, id FROM large_stalwart")
    con.execute("DROP TABLE large_people")


def _recognition(con: Connection, p: dict[str, Any], n: int, in_quarter: int) -> None:
    in_quarter = min(in_quarter, n)
    # Ids are taken from the sequence first, so recipients and history can refer to them.
    # A draw over the employee-days above picks who was recognised, and on which day.
    _run(con,
        """
        CREATE TEMP TABLE large_recognition AS
        WITH sizes AS (
            SELECT (SELECT sum(w) FROM large_quarter) AS quarter_n,
                   (SELECT sum((len1 + len2) * w) FROM large_rest) AS rest_n),
        picks AS (
            SELECT i, i < $in_quarter AS in_quarter,
                   large_pick(i, 21, CASE WHEN i < $in_quarter THEN quarter_n
                                          ELSE rest_n END) AS x
            FROM range($n) r(i), sizes),
        dated AS (
            SELECT p.i, q.id AS employee_id,
                   $qs + CAST(large_pick(p.i, 23, $qe - $qs + 1) AS INTEGER) AS given_on
            FROM (SELECT * FROM picks WHERE in_quarter) p
            ASOF JOIN large_quarter q ON p.x >= q.cum_start
            UNION ALL
            SELECT i, id, CASE WHEN o < len1 THEN a + CAST(o AS INTEGER)
                               ELSE start2 + CAST(o - len1 AS INTEGER) END
            FROM (SELECT p.i, s.*, (p.x - s.cum_start) // s.w AS o
                  FROM (SELECT * FROM picks WHERE NOT in_quarter) p
                  ASOF JOIN large_rest s ON p.x >= s.cum_start))
        SELECT nextval('id_seq') AS id, i, employee_id, given_on FROM dated
        """, {**p, "n": n, "in_quarter": in_quarter})
    _run(con,
        """
        INSERT INTO recognition (id, org_id, given_on, giver, giver_kind, value_id, standard_id,
                                 what, reward, amount, created_by, created_at)
        WITH ids AS (
            SELECT (SELECT list(id ORDER BY id) FROM org_value WHERE org_id = $org) AS vals,
                   (SELECT list(id ORDER BY id) FROM standard WHERE org_id = $org) AS stds),
        g AS (
            SELECT r.*, ids.*,
                   CASE WHEN large_u(i, 30) < 0.5 THEN 'peer'
                        WHEN large_u(i, 30) < 0.8 THEN 'manager' ELSE 'customer' END AS kind,
                   CASE WHEN large_u(i, 35) < 0.46 THEN 'thanks'
                        WHEN large_u(i, 35) < 0.61 THEN 'voucher'
                        WHEN large_u(i, 35) < 0.84 THEN 'points'
                        WHEN large_u(i, 35) < 0.92 THEN 'gift' ELSE 'bonus' END AS reward
            FROM large_recognition r, ids)
        SELECT id, $org, given_on,
               CASE WHEN kind = 'customer' THEN 'Customer feedback'
                    ELSE $givers[1 + large_pick(i, 31, len($givers))] END, kind,
               CASE WHEN large_u(i, 32) >= 0.5 THEN vals[1 + large_pick(i, 33, len(vals))] END,
               CASE WHEN large_u(i, 32) < 0.5 THEN stds[1 + large_pick(i, 33, len(stds))] END,
               $what[1 + large_pick(i, 34, len($what))], reward,
               CASE reward WHEN 'voucher' THEN 25.0 WHEN 'points' THEN 50.0 WHEN 'gift' THEN 30.0
                           WHEN 'bonus' THEN 150.0 END,
               'Demo loader', CAST(given_on AS TIMESTAMP) + INTERVAL 9 HOUR
        FROM g
        """, {"org": p["org"], "givers": _GIVERS, "what": WHAT})
    # 15 % thank two or three people: the others are long-serving staff, employed on any day.
    _run(con,
        """
        INSERT INTO recognition_recipient (recognition_id, org_id, employee_id, given_on)
        SELECT id, $org, employee_id, given_on FROM large_recognition
        UNION
        SELECT extra.id, $org, s.id, extra.given_on
        FROM (SELECT r.id, r.given_on, large_pick(r.i * 2 + x.j, 36, c.n) AS k
              FROM large_recognition r, range(2) x(j),
                   (SELECT count(*) AS n FROM large_stalwart) c
              WHERE large_u(r.i, 37) < 0.15 AND (x.j = 0 OR large_u(r.i, 38) < 0.4)) extra
        JOIN large_stalwart s ON s.k = extra.k
        """, p)
    _run(con,
        "INSERT INTO recognition_history (org_id, recognition_id, action, done_by, done_at) "
        "SELECT $org, id, 'created', 'Demo loader', CAST(given_on AS TIMESTAMP) "
        "+ INTERVAL 9 HOUR FROM large_recognition", {"org": p["org"]})


def _observations(con: Connection, p: dict[str, Any], n: int) -> None:
    # Each observation is of a standard in one of its own teams; three in ten name a
    # long-serving member of that team. Standards are kept more often as time goes on.
    _run(con,
        """
        INSERT INTO observation (org_id, standard_id, observed_on, observer, team_id,
                                 employee_id, met)
        WITH st AS (SELECT row_number() OVER (ORDER BY standard_id, team_id) - 1 AS k,
                           standard_id, team_id FROM standard_team WHERE org_id = $org),
        g AS (SELECT i, large_pick(i, 40, (SELECT count(*) FROM st)) AS k,
                     $ws + CAST(large_pick(i, 41, $today - $ws + 1) AS INTEGER) AS day
              FROM range($n) r(i)),
        sizes AS (SELECT team_id, max(n) AS n FROM large_team_stalwart GROUP BY team_id),
        h AS (SELECT g.*, st.standard_id, st.team_id, large_pick(i, 43, sizes.n) AS who
              FROM g JOIN st USING (k) LEFT JOIN sizes USING (team_id))
        SELECT $org, h.standard_id, h.day, $observers[1 + large_pick(i, 42, len($observers))],
               h.team_id, CASE WHEN large_u(i, 44) < 0.3 THEN s.id END,
               large_u(i, 45) < 0.7 + 0.2 * (h.day - $ws) / ($today - $ws)
        FROM h LEFT JOIN large_team_stalwart s ON s.team_id = h.team_id AND s.k = h.who
        """, {**p, "n": n, "observers": _OBSERVERS})


def _surveys(con: Connection, p: dict[str, Any], n: int) -> None:
    # The survey_import convention: customers answer per segment, staff per team,
    # effort for the whole organisation; about one answer in fifty is blank.
    _run(con,
        """
        INSERT INTO survey_response (org_id, kind, answered_on, score, scope, file_name,
                                     imported_at)
        WITH ids AS (
            SELECT (SELECT list(id ORDER BY id) FROM segment
                    WHERE org_id = $org AND kind = 'external') AS segs,
                   (SELECT list(id ORDER BY id) FROM team WHERE org_id = $org) AS teams),
        g AS (
            SELECT i, ids.*, large_u(i, 53) AS u,
                   CASE WHEN large_u(i, 50) < 0.4 THEN 'nps' WHEN large_u(i, 50) < 0.7 THEN 'csat'
                        WHEN large_u(i, 50) < 0.85 THEN 'enps' ELSE 'effort' END AS kind,
                   $ws + CAST(large_pick(i, 51, $today - $ws + 1) AS INTEGER) AS day
            FROM range($n) r(i), ids)
        SELECT $org, kind, day,
               CASE WHEN large_u(i, 52) < 0.02 THEN NULL
                    WHEN kind IN ('nps', 'enps') THEN CASE
                        WHEN u < 0.45 THEN 9 + large_pick(i, 54, 2)
                        WHEN u < 0.75 THEN 7 + large_pick(i, 54, 2)
                        ELSE large_pick(i, 54, 7) END
                    WHEN kind = 'csat' THEN CASE
                        WHEN u < 0.78 THEN 4 + large_pick(i, 54, 2) ELSE 1 + large_pick(i, 54, 3)
                    END
                    ELSE 1 + CAST(floor(5 * pow(u, 1.5)) AS INTEGER) END,
               CASE kind WHEN 'effort' THEN 'all'
                         WHEN 'enps' THEN 'team:' || teams[1 + large_pick(i, 55, len(teams))]
                         ELSE 'segment:' || segs[1 + large_pick(i, 55, len(segs))] END,
               'large-demo-' || kind || '.csv', CAST(day AS TIMESTAMP) + INTERVAL 18 HOUR
        FROM g
        """, {**p, "n": n})


def _measures(con: Connection, p: dict[str, Any], total: int, current: Quarter,
              today: date) -> None:
    row = con.execute("SELECT count(*) FROM measure WHERE org_id = ?", [p["org"]]).fetchone()
    wanted = max(0, total - (row[0] if row else 0))
    chosen = [(f"{m[0]} ({i // len(_MEASURES) + 1})" if i >= len(_MEASURES) else m[0], *m[1:])
              for i in range(wanted) for m in [_MEASURES[i % len(_MEASURES)]]]
    columns: list[list[Any]] = [list(c) for c in zip(*chosen, strict=True)] or [[]] * 7
    # New measures are entered by hand and owned by whoever owns the demo's.
    _run(con,
        """
        INSERT INTO measure (org_id, name, side, unit, direction, cadence, target, amber_band,
                             owner_id, source, description)
        SELECT $org, unnest($name), unnest($side), unnest($unit), unnest($direction),
               unnest($cadence), unnest($target), unnest($band),
               (SELECT min(owner_id) FROM measure WHERE org_id = $org), 'manual',
               'Added for the large demo.'
        """, {"org": p["org"], **dict(zip(["name", "side", "unit", "direction", "cadence",
                                          "target", "band"], columns, strict=True))})
    last_month = today.replace(day=1) - timedelta(days=1)
    months = []
    year, month = last_month.year, last_month.month
    for _ in range(12 * MEASURE_YEARS):
        months.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    quarters = [str(current.shift(-back)) for back in range(1, 4 * MEASURE_YEARS + 1)]
    # Values wander around the target, improving slowly, within the unit's range; a
    # value entered already (the demo's) is kept.
    _run(con,
        """
        INSERT OR IGNORE INTO measure_value (org_id, measure_id, period, scope, value,
                                             entered_by, entered_at)
        WITH units AS (SELECT unnest($units) AS unit, unnest($lows) AS lo, unnest($highs) AS hi),
        periods AS (
            SELECT 'monthly' AS cadence, unnest($months) AS period,
                   generate_subscripts($months, 1) AS back
            UNION ALL
            SELECT 'quarterly', unnest($quarters), 3 * generate_subscripts($quarters, 1)),
        scopes AS (
            SELECT 'all' AS scope UNION ALL
            SELECT 'team:' || id FROM team WHERE org_id = $org UNION ALL
            SELECT 'segment:' || id FROM segment WHERE org_id = $org),
        raw AS (
            SELECT m.id, m.unit, p.period, s.scope, u.lo, u.hi,
                   coalesce(m.target, 50) * (0.85 + 0.3 * (hash(m.id, p.period, s.scope)
                                                          % 1000) / 1000.0)
                   * CASE m.direction WHEN 'higher' THEN 1 - p.back / 1200.0
                                      ELSE 1 + p.back / 1200.0 END AS v
            FROM measure m JOIN periods p ON p.cadence = m.cadence
            JOIN units u ON u.unit = m.unit, scopes s
            WHERE m.org_id = $org AND m.source = 'manual')
        SELECT $org, id, period, scope,
               CASE WHEN unit = 'count' THEN round(least(greatest(v, lo), coalesce(hi, v)))
                    ELSE round(least(greatest(v, lo), coalesce(hi, v)), 2) END,
               'Demo loader', current_timestamp
        FROM raw
        """, {"org": p["org"], "units": list(UNITS),
              "lows": [float(lo) if lo is not None else None for lo, _ in UNITS.values()],
              "highs": [float(hi) if hi is not None else None for _, hi in UNITS.values()],
              "months": months, "quarters": quarters})


def _brainstorm(con: Connection, p: dict[str, Any], n: int) -> None:
    _run(con,
        """
        CREATE TEMP TABLE large_entry AS
        SELECT nextval('id_seq') AS id, i, $ideas[1 + i % len($ideas)] || ' '
               || $topics[1 + (i // len($ideas)) % len($topics)] AS text,
               $first[1 + large_pick(i, 60, len($first))] AS author,
               CAST($ws AS TIMESTAMP) + to_days(CAST(large_pick(i, 61, $today - $ws) AS INTEGER))
               + INTERVAL 10 HOUR AS created_at
        FROM range($n) r(i)
        """, {**p, "n": n, "ideas": _IDEAS, "topics": _TOPICS, "first": FIRST})
    _run(con, "INSERT INTO brainstorm_entry (id, org_id, text, author, created_at) "
              "SELECT id, $org, text, author, created_at FROM large_entry", {"org": p["org"]})
    # Up to three votes an entry, from different people (7 steps apart in a list of 30).
    _run(con,
        """
        INSERT INTO brainstorm_vote (entry_id, voter, created_at)
        SELECT e.id, $first[1 + (e.i + 7 * v.j) % len($first)], e.created_at + INTERVAL 1 HOUR
        FROM large_entry e, range(3) v(j)
        WHERE v.j < large_pick(e.i, 62, 4)
        """, {"first": FIRST})


_QUALITIES = ["Timeliness", "Accuracy", "Responsiveness", "Courtesy", "Reliability",
              "Friendliness"]
_CHANNELS = ["Phone", "Email", "Web/chat", "Letter", "In person", "Social media"]


def _complaints(con: Connection, p: dict[str, Any], n: int) -> None:
    """Complaints (four in five) and compliments over the three years: owned by
    long-serving staff, most resolved within a few days, the last weeks' partly open;
    each compliment names one person."""
    _run(con,
         """
         CREATE TEMP TABLE large_complaint AS
         WITH seg AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM segment
                      WHERE org_id = $org),
         std AS (SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM standard
                 WHERE org_id = $org),
         g AS (SELECT i, $ws + CAST(large_pick(i, 60, $today - $ws + 1) AS INTEGER) AS day,
                      large_u(i, 61) < 0.8 AS raised,
                      large_pick(i, 62, (SELECT count(*) FROM seg)) AS sk,
                      large_pick(i, 63, (SELECT count(*) FROM std)) AS tk,
                      large_pick(i, 64, (SELECT count(*) FROM large_stalwart)) AS who,
                      CAST(large_pick(i, 65, 10) AS INTEGER) AS took
               FROM range($n) r(i))
         SELECT nextval('id_seq') AS id, g.*, seg.id AS segment_id, std.id AS standard_id,
                s.id AS employee_id
         FROM g LEFT JOIN seg ON seg.k = g.sk LEFT JOIN std ON std.k = g.tk
         JOIN large_stalwart s ON s.k = g.who
         """, {**p, "n": n})
    _run(con,
         """
         INSERT INTO complaint (id, org_id, kind, reference, received_on, channel, segment_id,
                                quality, standard_id, what_happened, recorded_by, owner_id,
                                promised_by, promise, resolution, resolved_on, accepted)
         SELECT id, $org, CASE WHEN raised THEN 'complaint' ELSE 'compliment' END,
                'HD-' || i, day, $channels[1 + large_pick(i, 66, len($channels))],
                segment_id, $qualities[1 + large_pick(i, 67, len($qualities))],
                CASE WHEN raised AND large_u(i, 68) < 0.3 THEN standard_id END,
                CASE WHEN raised THEN 'Waited too long about ' ELSE 'Thank you for help with '
                END || $topics[1 + large_pick(i, 69, len($topics))], 'Help desk import',
                CASE WHEN raised THEN employee_id END,
                CASE WHEN raised THEN day + 3 END, CASE WHEN raised THEN 'A call back' ELSE ''
                END,
                CASE WHEN resolved IS NOT NULL THEN 'Put right and apologised' ELSE '' END,
                resolved, CASE WHEN resolved IS NOT NULL THEN large_u(i, 70) < 0.85 END
         FROM (SELECT *, CASE WHEN raised AND (day + took + 20 < $today OR large_u(i, 71) < 0.5)
                              AND day + took <= $today THEN day + took END AS resolved
               FROM large_complaint)
         """, {**p, "channels": _CHANNELS, "qualities": _QUALITIES, "topics": _TOPICS})
    _run(con,
         "INSERT INTO complaint_staff (complaint_id, org_id, employee_id) "
         "SELECT id, $org, employee_id FROM large_complaint WHERE NOT raised", p)
    con.execute("DROP TABLE large_complaint")


def _training(con: Connection, p: dict[str, Any], n: int) -> None:
    """Every team without requirements (the bulk's teams) requires two of the modules
    from three years ago; then ``n`` completions over the staff and modules, about one
    in ten a failed attempt, falling between hiring (or the three years' start) and
    leaving (or today) — the pairs left untaken are the overdue training."""
    _run(con,
        """
        INSERT INTO training_requirement (org_id, module_id, team_id, required_since)
        WITH modules AS (SELECT list(id ORDER BY id) AS ids FROM training_module
                         WHERE org_id = $org),
        free AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM team t
                 WHERE org_id = $org AND NOT EXISTS (
                     SELECT 1 FROM training_requirement r WHERE r.team_id = t.id))
        SELECT $org, ids[1 + (k + j) % len(ids)], free.id, $ws
        FROM free, modules, range(2) r(j)
        """, p)
    _run(con,
        """
        INSERT INTO training_completion (org_id, module_id, employee_id, completed_on, passed,
                                         score)
        WITH modules AS (SELECT list(id ORDER BY id) AS ids FROM training_module
                         WHERE org_id = $org),
        staff AS (SELECT id, greatest(hire_date, $ws) AS a,
                         least(coalesce(leave_date, $today), $today) AS b,
                         row_number() OVER (ORDER BY id) - 1 AS k
                  FROM employee WHERE org_id = $org),
        counted AS (SELECT count(*) AS people FROM staff),
        picked AS (
            SELECT s.id, s.a, s.b, ids[1 + (s.k + i // people) % len(ids)] AS module_id, i
            FROM range($n) r(i), counted, modules
            JOIN staff s ON s.k = i % people)
        SELECT $org, module_id, id, a + CAST(large_pick(i, 41, b - a + 1) AS INTEGER),
               large_u(i, 42) >= 0.1,
               CASE WHEN large_u(i, 42) >= 0.1 THEN 70 + large_pick(i, 43, 29)
                    ELSE 35 + large_pick(i, 43, 30) END
        FROM picked WHERE b >= a
        """, {**p, "n": n})
