"""The demo organisation's measures: two years of values with a visible link.

Engagement climbs over the two years with a dip in the middle; customer NPS
follows it about a quarter later, and CSAT moves with it too. Survey answers
are generated to match, so the survey figures are computed from real rows.
The previous quarter's review is held and closed, with actions.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from strategy.core import access
from strategy.core.db import Connection, transaction
from strategy.core.periods import Quarter
from strategy.io.survey_import import add_responses
from strategy.measures import reviews, scorecard
from strategy.people.personnel import list_employees


def _nps_answers(rng: random.Random, target: float, n: int) -> list[int | None]:
    """Answers whose NPS is close to ``target``: promoters − detractors = target %."""
    promoters = min(max(0.35 + target / 200, 0.0), 1.0)
    detractors = max(promoters - target / 100, 0.0)
    answers: list[int | None] = []
    for _ in range(n):
        roll = rng.random()
        if roll < promoters:
            answers.append(rng.choice([9, 10]))
        elif roll < promoters + detractors:
            answers.append(rng.randint(0, 6))
        else:
            answers.append(rng.choice([7, 8]))
    answers[rng.randrange(n)] = None  # someone always skips the question
    return answers


def _days(rng: random.Random, quarter: Quarter, today: date, n: int) -> list[date]:
    last = min(quarter.end, today)
    span = (last - quarter.start).days
    return [quarter.start + timedelta(days=rng.randint(0, max(span, 0))) for _ in range(n)]


def load_measures(con: Connection, org_id: int, today: date) -> None:
    rng = random.Random(11)
    scorecard.add_starting_set(con, org_id, today)
    defined = {m.name: m for m in scorecard.list_measures(con, org_id)}
    staff = {e.role: e.id for e in list_employees(con, org_id, active_on=today)}
    leader = staff.get("Team leader")
    for measure in defined.values():
        data = scorecard.MeasureInput(
            measure.name, measure.side, measure.unit, measure.direction, measure.cadence,
            measure.source, measure.formula, measure.target, measure.amber_band, leader,
            measure.description)
        scorecard.update_measure(con, org_id, measure.id, measure.version, data)

    current = Quarter.containing(today)
    quarters = [current.shift(-n) for n in range(7, -1, -1)]
    engagement = [64.0, 66.0, 69.0, 67.0, 63.0, 68.0, 72.0, 74.0]
    for index, quarter in enumerate(quarters):
        if quarter == current:
            continue  # this quarter's figures are not in yet
        e = engagement[index] + rng.uniform(-0.8, 0.8)
        scorecard.set_value(con, org_id, defined["Engagement"].id, str(quarter), round(e, 1),
                            today=today)
        retention = 89.5 + (engagement[index - 1 if index else 0] - 64) * 0.35
        scorecard.set_value(con, org_id, defined["Customer retention"].id, str(quarter),
                            round(retention + rng.uniform(-0.5, 0.5), 1), today=today)
    month = quarters[0].start
    last_month = today.replace(day=1) - timedelta(days=1)
    while month <= last_month:
        index = min(max((Quarter.containing(month).year - quarters[0].year) * 4
                        + Quarter.containing(month).number - quarters[0].number, 0), 7)
        period = f"{month.year}-{month.month:02d}"
        scorecard.set_value(con, org_id, defined["Resolution time"].id, period,
                            round(34 - (engagement[index] - 63) * 1.1 + rng.uniform(-2, 2), 1),
                            today=today)
        if month < last_month.replace(day=1):  # last month's absence is still due
            scorecard.set_value(con, org_id, defined["Absence"].id, period,
                                round(4.6 - (engagement[index] - 63) * 0.12
                                      + rng.uniform(-0.3, 0.3), 1), today=today)
        month = (month + timedelta(days=32)).replace(day=1)

    segments = [row[0] for row in con.execute(
        "SELECT id FROM segment WHERE org_id = ? AND kind = 'external'", [org_id]).fetchall()]
    teams = [row[0] for row in con.execute("SELECT id FROM team WHERE org_id = ?",
                                           [org_id]).fetchall()]
    with transaction(con):
        for index, quarter in enumerate(quarters):
            lagged = engagement[index - 1] if index else engagement[0]
            days = _days(rng, quarter, today, 1)
            if quarter.start > today or not days:
                continue
            nps = _nps_answers(rng, 18 + (lagged - 63) * 3.0, 160)
            add_responses(con, org_id, "nps", [
                (d, s, f"segment:{rng.choice(segments)}")
                for d, s in zip(_days(rng, quarter, today, len(nps)), nps, strict=True)],
                "demo-nps.csv")
            enps = _nps_answers(rng, (engagement[index] - 62) * 3.0, 26)
            add_responses(con, org_id, "enps", [
                (d, s, f"team:{rng.choice(teams)}")
                for d, s in zip(_days(rng, quarter, today, len(enps)), enps, strict=True)],
                "demo-enps.csv")
            satisfied = min(0.72 + (lagged - 63) * 0.02, 0.95)
            csat = [rng.choice([4, 5]) if rng.random() < satisfied else rng.randint(1, 3)
                    for _ in range(70)]
            add_responses(con, org_id, "csat", [
                (d, s, f"segment:{rng.choice(segments)}")
                for d, s in zip(_days(rng, quarter, today, len(csat)), csat, strict=True)],
                "demo-csat.csv")
            effort = [max(1, min(5, round(rng.gauss(2.9 - (lagged - 63) * 0.08, 0.9))))
                      for _ in range(36)]
            add_responses(con, org_id, "effort", [
                (d, s, "all") for d, s in zip(_days(rng, quarter, today, len(effort)), effort,
                                              strict=True)], "demo-effort.csv")

    # Last quarter's review, held and closed, with actions still running.
    last = current.shift(-1)
    review = reviews.start_review(con, org_id, last)
    held = min(last.end + timedelta(days=12), today)
    reviews.save_review(con, org_id, review.id, review.version, reviews.ReviewInput(
        held,
        "Phone standards are now kept in most observations; engagement recovered after the "
        "restructure, and complaints fell.",
        "Email replies still miss the one-day standard at month end; eNPS answers are few.",
        [reviews.PITFALLS[3], reviews.PITFALLS[4]],
        "Add two advisers to the email queue at month end. Drop two measures nobody uses. "
        "Review the field crews' job sheets with planning."), today=today)
    for description, owner, due_in, status in (
            ("Roster two extra advisers on email in the last week of each month",
             "Contact centre lead", -20, "done"),
            ("Agree a job-sheet checklist between planning and field crews",
             "Head of field operations", -5, "in progress"),
            ("Run a short eNPS pulse to get at least 30 answers", "HR business partner", 25,
             "open")):
        action = reviews.add_action(con, org_id, review.id, description, owner,
                                    held + timedelta(days=30 + due_in))
        if status != "open":
            reviews.set_action_status(con, org_id, action, status)
    with access.acting(access.Identity.shell("Executive team")):
        reviews.close_review(con, org_id, review.id, today=today)
