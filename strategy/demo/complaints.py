"""The demo's complaints and compliments: a year of them, most resolved, a few open
and overdue, so the register, its figures and the impact model have something to
show. Loaded before the previous quarter's review is closed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from strategy.core.db import Connection
from strategy.core.periods import Quarter
from strategy.measures import complaints
from strategy.measures.complaints import FeedbackInput

# (segment, quality, channel, what happened, what was done)
_COMPLAINTS = [
    ("Households", "Timeliness", "Phone", "I was promised a call back about my low pressure "
     "and nobody rang.", "Engineer visited, valve replaced; apologised for the missed call."),
    ("Households", "Accuracy", "Email", "My bill was estimated three times in a row and is far "
     "too high.", "Meter read, bill corrected and the estimate refunded."),
    ("Households", "Responsiveness", "Web/chat", "The chat said someone would reply within a "
     "day. It took a week.", "Replied with the answer and an apology."),
    ("Small businesses", "Accuracy", "Phone", "We were charged the household tariff for the "
     "shop.", "Tariff corrected and the difference credited."),
    ("Small businesses", "Timeliness", "Email", "The water was off all morning with no "
     "warning; we had to close.", "Explained the burst main; goodwill credit for the day."),
    ("Property developers", "Timeliness", "Email", "The connection quote has taken six "
     "weeks.", "Quote issued; a named contact for the rest of the project."),
    ("Households", "Courtesy", "In person", "The person at the counter was short with my "
     "mother.", "Team leader called to apologise; spoken to the colleague."),
    ("Households", "Reliability", "Field", "The engineer did not turn up in the slot.",
     "New slot the next morning, kept."),
]
_COMPLIMENTS = [
    ("Households", "Friendliness", "Phone", "The lady on the phone stayed with me until the "
     "water came back on. Thank you."),
    ("Small businesses", "Responsiveness", "Email", "Your engineer came within the hour and "
     "saved our lunch service."),
    ("Households", "Honesty", "Web/chat", "Thank you for telling me straight away it was "
     "your fault and fixing it."),
]


def load_complaints(con: Connection, org_id: int, today: date) -> None:
    rng = random.Random(1211)
    segments = {name: sid for sid, name in con.execute(
        "SELECT id, name FROM segment WHERE org_id = ?", [org_id]).fetchall()}
    staff = [row[0] for row in con.execute(
        "SELECT e.id FROM employee e JOIN team t ON t.id = e.team_id WHERE e.org_id = ? AND "
        "e.leave_date IS NULL AND t.name IN ('Contact centre', 'Field operations') "
        "ORDER BY e.number", [org_id]).fetchall()]
    standards = [row[0] for row in con.execute(
        "SELECT id FROM standard WHERE org_id = ? ORDER BY id", [org_id]).fetchall()]
    if not staff:
        return
    first = Quarter.containing(today).shift(-3).start
    span = (today - first).days
    for index in range(44):
        segment, quality, channel, what, done = _COMPLAINTS[index % len(_COMPLAINTS)]
        received = first + timedelta(days=rng.randint(0, span))
        promised = received + timedelta(days=rng.choice([1, 2, 3, 5]))
        # Older complaints are resolved; the last few weeks' are partly still open.
        resolved = None
        if (today - received).days > 21 or rng.random() < 0.5:
            resolved = min(received + timedelta(days=rng.choice([0, 1, 1, 2, 3, 4, 6, 9])),
                           today)
        credit = "Credit" in done or "credited" in done
        complaints.add_feedback(con, org_id, FeedbackInput(
            "complaint", received, channel, what, segments.get(segment), quality,
            standards[index % len(standards)] if standards and index % 3 == 0 else None,
            rng.choice(staff), promised, "A call back with an answer",
            done if resolved else "", resolved,
            (rng.random() < 0.85) if resolved else None,
            "Credit" if credit and resolved else "",
            float(rng.choice([15, 25, 40])) if credit and resolved else None,
            resolved + timedelta(days=3) if resolved and resolved + timedelta(days=3) <= today
            and index % 2 == 0 else None), today=today)
    for index in range(12):
        segment, quality, channel, what = _COMPLIMENTS[index % len(_COMPLIMENTS)]
        received = first + timedelta(days=rng.randint(0, span))
        complaints.add_feedback(con, org_id, FeedbackInput(
            "compliment", received, channel, what, segments.get(segment), quality,
            staff_ids=rng.sample(staff, 1 + index % 2)), today=today)
