"""The eleven-step self-check: each leader rates, privately, how far the organisation has got.

A facilitator opens a *round* (dated, optionally titled, optionally for the guests of
the workshop that is open). Leaders — and that workshop's guests — rate each of the
eleven steps from 1 to 5 and may change their ratings while the round is open. When
the facilitator closes it, the app keeps each step's status as computed from the plan
that day, and the figures appear: per step the number of answers, the average, the
spread, the lowest and highest rating, and the change since the previous round.

Privacy, the point of the exercise (people rate honestly only if nobody can see what
they said):

* No function returns anyone's ratings except :func:`my_ratings`, which returns the
  acting person's own, so they can change them. Administrators are no exception.
* Figures appear only once a round is closed. While it is open the ratings can still
  change, and someone watching the average move as one person saves could work out
  what that person said; a closed round's figures never change.
* A step's figures — how many gave each rating, the average, the spread, the lowest
  and highest rating — are shown only when at least the round's *smallest group* rated
  it; below that only the number of answers. The hiding is done in SQL, so the figures
  never leave the database for a step below it. The facilitator chooses the number when
  opening the round, from :data:`SMALLEST_GROUP` (3) up; it is :data:`MIN_ANSWERS` (5)
  unless they choose otherwise, and everyone is told it before they rate
  (:func:`privacy`).
* Once shown, the figures tell *which* ratings were given (the distribution says so
  outright, as the anonymous results of live-polling and survey tools do), but not who
  gave which — unless everyone but the reader gave the same rating, or all but one of
  those who rated pool their own. That is what the page, the README and the pack
  claim, and no more. In a group of three or four, each person who rated can work out
  what the others gave between them; that is why five is the default. (Even without
  the distribution, the average and the spread give the sum of the ratings and of their
  squares, and on a 1–5 scale those almost always pin the ratings down: with three
  answers each person can work out the other two's — 1, 4, 4 and 2, 2, 5 are the only
  sets of three that share an average and a spread — and with four, the other three's
  in 165 of 175 cases.)
* The spread leaves the database rounded to one decimal, as it is shown: what the page
  and the pack show is all there is, and a spread shown as 1.0 is marked as disagreement.

The spread is the *population* standard deviation of the step's ratings (the square
root of the mean squared distance from the average; DuckDB's ``stddev_pop``): the
ratings in a round are everyone who answered, not a sample of a larger group. A spread
of :data:`DISAGREEMENT` or more marks a step where the group disagrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from strategy.core import access, audit
from strategy.core.access import AccessDenied, Identity, Permission
from strategy.core.checks import optional_text, raise_if
from strategy.core.db import Connection, transaction
from strategy.core.errors import NotFoundError, StrategyError, ValidationError
from strategy.plan.steps import STEPS, Status, statuses

# The scale, as the domain gives it; and what each level looks like, in our words.
SCALE: Mapping[int, str] = {
    1: "We don't do this",
    2: "We talk about it",
    3: "We do it in places",
    4: "We do it across the organisation",
    5: "We do it well, measure it and review it",
}
SCALE_GUIDANCE: Mapping[int, str] = {
    1: "Nobody does it on purpose; if it happens, it happens by luck.",
    2: "It has come up in meetings or plans, but nothing has changed on the ground yet.",
    3: "Some teams or sites do it; others have not started, or do it their own way.",
    4: "It is the normal way of working everywhere, not just in a few places.",
    5: "It is done everywhere, we know how well from figures, and we adjust it at each "
       "review.",
}

# A step's figures (average, spread, lowest and highest) are withheld until this many
# people have rated it (see the module docstring): below it they give the ratings away.
MIN_ANSWERS = 5
# The smallest group a facilitator may choose (below three, each of two people knows
# the other's rating), and the largest that makes sense to ask for.
SMALLEST_GROUP = 3
LARGEST_GROUP = 20
# What a step below MIN_ANSWERS shows instead of figures.
TOO_FEW = "too few answers to show without revealing them"
# A population standard deviation of 1 or more on a 1–5 scale: at least some of the
# group are two points or more apart. Where the discussion should start.
DISAGREEMENT = 1.0
MAX_TITLE = 80

# What the figures give away, and what they do not: said on the page before anyone rates,
# in the page's help, in the README and in the pack's "How to read it".
_NUMBERS = dict(enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven",
                            "eight", "nine", "ten", "eleven", "twelve", "thirteen",
                            "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                            "nineteen")))


def privacy(group: int = MIN_ANSWERS) -> str:
    said = (f"A step's results (how many gave each rating, the average, the spread) show "
            f"only once at least {group} people have rated it; below that only the number of "
            "answers shows. They show which ratings were given (say, one 2 and "
            f"{_NUMBERS.get(group - 1, str(group - 1))} 4s) but not who gave which, unless "
            "everyone else who rated the "
            "step gave the same rating.")
    if group < MIN_ANSWERS:
        said += (f" In a group of {group}, each person who rated can work out what the "
                 f"other {group - 1} gave between them.")
    return said


PRIVACY = privacy()

# How the figures read, for the page's help and the review pack.
def reading(group: int = MIN_ANSWERS) -> str:
    return (
        "Each person rated each step privately from 1 (we don't do this) to 5 (we do it "
        "well, measure it and review it). The average and the spread are over everyone who "
        "rated the step; the spread is the population standard deviation, the typical "
        "distance of a rating from the average (0: everyone agrees), rounded to one "
        f"decimal. A spread of {DISAGREEMENT:g} or more marks disagreement: the place to "
        f"start the discussion. {privacy(group)} The plan status is the one the app worked "
        "out from the plan when the round was closed; “rated higher” or “rated lower” marks "
        "a step the group rates above or below what the plan shows.")


READING = reading()

# How far the plan's computed status and the group's average may sit apart before the
# page points it out: an average outside a status's band reads as "the group rates this
# step higher (or lower) than the plan shows".
STATUS_BANDS: Mapping[Status, tuple[float, float]] = {
    Status.NOT_STARTED: (1.0, 2.5),
    Status.IN_PROGRESS: (2.0, 4.0),
    Status.DONE: (3.5, 5.0),
}


class RoundClosed(StrategyError):
    title = "This round is closed"


@dataclass(frozen=True)
class Round:
    id: int
    org_id: int
    held_on: date
    title: str
    workshop_id: int | None
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    respondents: int  # people who have rated at least one step
    min_group: int = MIN_ANSWERS  # results show for steps rated by at least this many

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def label(self) -> str:
        return self._said()

    def _said(self, *more: str) -> str:
        said = " · ".join([f"{self.held_on:%Y-%m-%d}", *([self.title] if self.title else []),
                           *more])
        return said + (" (open)" if self.is_open else "")


@dataclass(frozen=True)
class StepResult:
    """One step's figures in a closed round; ``None`` where fewer than MIN_ANSWERS rated.
    The spread is rounded to one decimal, as shown."""

    step: int
    title: str
    answers: int
    average: float | None
    spread: float | None
    lowest: int | None
    highest: int | None
    status: Status | None  # as computed from the plan when the round was closed
    previous_average: float | None = None
    change: float | None = None  # average minus the previous round's
    # How many gave 1, 2, 3, 4 and 5 (withheld with the rest below the group size).
    distribution: tuple[int, int, int, int, int] | None = None

    @property
    def hidden(self) -> bool:
        return self.average is None

    @property
    def disagreement(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT

    @property
    def against_plan(self) -> str:
        """Where the group's view and the plan's evidence part: "higher", "lower" or ""."""
        band = STATUS_BANDS.get(self.status) if self.status is not None else None
        if self.average is None or band is None:
            return ""
        low, high = band
        return "higher" if self.average > high else "lower" if self.average < low else ""


@dataclass(frozen=True)
class Results:
    round: Round
    previous: Round | None  # the closed round before it, if this person may see it
    steps: list[StepResult]

    @property
    def shown(self) -> int:
        return sum(not s.hidden for s in self.steps)


_ROUND_COLUMNS = """r.id, r.org_id, r.held_on, r.title, r.workshop_id, r.opened_by, r.opened_at,
    r.closed_at, r.closed_by,
    (SELECT count(DISTINCT a.respondent) FROM self_check_answer a WHERE a.round_id = r.id),
    coalesce(r.min_group, 5)"""


def respondent_key(identity: Identity) -> str:
    """How the answers table tells people apart: an account or a workshop guest."""
    if identity.kind == "guest" and identity.guest_id is not None:
        return f"guest:{identity.guest_id}"
    if identity.kind == "account" and identity.account_id is not None:
        return f"account:{identity.account_id}"
    raise AccessDenied("Only a person signed in with their own account, or a workshop guest, "
                       "can answer the self-check.")


def _sees_all_rounds(identity: Identity, org_id: int) -> bool:
    return identity.may(Permission.READ_PLAN, org_id)


def _require_sight(identity: Identity, found: Round) -> None:
    access.require(Permission.SEE_SELF_CHECK, found.org_id)
    if _sees_all_rounds(identity, found.org_id):
        return
    # A workshop guest sees the round opened for their own workshop, and no other.
    if identity.kind != "guest" or found.workshop_id is None \
            or found.workshop_id != identity.workshop_id:
        raise AccessDenied("This self-check round was not opened for your workshop.")


def _fetch_round(con: Connection, round_id: int) -> Round:
    row = con.execute(f"SELECT {_ROUND_COLUMNS} FROM self_check_round r WHERE r.id = ?",
                      [round_id]).fetchone()
    if row is None:
        raise NotFoundError("That self-check round no longer exists.")
    return Round(*row)


def get_round(con: Connection, round_id: int) -> Round:
    found = _fetch_round(con, round_id)
    _require_sight(access.current(), found)
    return found


def list_rounds(con: Connection, org_id: int) -> list[Round]:
    """The rounds this person may see, newest first (a guest: their workshop's only)."""
    identity = access.require(Permission.SEE_SELF_CHECK, org_id)
    if _sees_all_rounds(identity, org_id):
        where, params = "", [org_id]
    elif identity.kind == "guest" and identity.workshop_id is not None:
        where, params = " AND r.workshop_id = ?", [org_id, identity.workshop_id]
    else:
        return []
    rows = con.execute(f"SELECT {_ROUND_COLUMNS} FROM self_check_round r WHERE r.org_id = ?"
                       f"{where} ORDER BY r.held_on DESC, r.id DESC", params).fetchall()
    return [Round(*row) for row in rows]


def choice_labels(rounds: Iterable[Round]) -> dict[int, str]:
    """Each round's label, by id, made unique for a choice between them.

    A select box keeps its choice as the text shown for it: two rounds held the same day
    without a title would be one text, and choosing either would open the same round.
    Rounds sharing a label are told apart by the time they were opened, or by their
    number where even that is the same."""
    alike: dict[str, list[Round]] = {}
    for found in rounds:
        alike.setdefault(found.label, []).append(found)
    labels: dict[int, str] = {}
    for label, group in alike.items():
        times = [f"opened {r.opened_at:%H:%M}" for r in group]
        for found, time in zip(group, times, strict=True):
            if len(group) == 1:
                labels[found.id] = label
            elif len(set(times)) == len(group):
                labels[found.id] = found._said(time)
            else:
                labels[found.id] = found._said(f"#{found.id}")
    return labels


def open_round_of(con: Connection, org_id: int) -> Round | None:
    """The round open now that this person may see, if any."""
    return next((r for r in list_rounds(con, org_id) if r.is_open), None)


def open_round(con: Connection, org_id: int, held_on: date | None, title: str = "",
               workshop_id: int | None = None, min_group: int | None = MIN_ANSWERS) -> Round:
    """Open a round (one at a time per organisation), for a workshop's guests if given.

    ``min_group`` is the smallest number of people who must rate a step before its
    results show."""
    access.require(Permission.FACILITATE, org_id)
    problems: dict[str, str] = {}
    if held_on is None:
        problems["held_on"] = "Give the date of the round."
    if isinstance(min_group, bool) or not isinstance(min_group, int) \
            or not SMALLEST_GROUP <= min_group <= LARGEST_GROUP:
        problems["min_group"] = (f"Choose a smallest group from {SMALLEST_GROUP} to "
                                 f"{LARGEST_GROUP} people"
                                 + (f" (you entered {min_group})." if min_group is not None
                                    else "."))
    title = optional_text(problems, "title", title, "The title", MAX_TITLE)
    raise_if(problems)
    assert held_on is not None
    from strategy.identity.workshops import get_workshop

    if workshop_id is not None:
        workshop = get_workshop(con, workshop_id)
        if workshop.org_id != org_id:
            raise NotFoundError("That workshop belongs to another organisation.")
        if workshop.closed_at is not None:
            raise ValidationError({"workshop": "That workshop has been closed: its guests "
                                               "can no longer answer."})
    with transaction(con):
        already = con.execute("SELECT held_on FROM self_check_round WHERE org_id = ? AND "
                              "closed_at IS NULL", [org_id]).fetchone()
        if already is not None:
            raise ValidationError({"round": f"The round of {already[0]:%Y-%m-%d} is still "
                                            "open: close it before opening another."})
        row = con.execute(
            "INSERT INTO self_check_round (org_id, held_on, title, workshop_id, opened_by, "
            "min_group) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [org_id, held_on, title, workshop_id, audit.actor(), min_group]).fetchone()
        assert row is not None
        audit.record(con, org_id, "Self-check", "opened",
                     f"Self-check round of {held_on:%Y-%m-%d}"
                     + (" for the workshop's guests" if workshop_id is not None else "")
                     + f", results from {min_group} answers")
    return _fetch_round(con, int(row[0]))


def close_round(con: Connection, round_id: int, today: date | None = None) -> Round:
    """Close the round: answers can no longer change, the figures appear, and each step's
    status as the plan stands today is kept beside them."""
    found = _fetch_round(con, round_id)
    access.require(Permission.FACILITATE, found.org_id)
    if not found.is_open:
        raise RoundClosed("This round was closed already.")
    current = statuses(con, found.org_id, today)
    with transaction(con):
        # Two facilitators may press Close at once: only the one whose update finds the
        # round still open closes it (and logs it); the other is told.
        closed = con.execute(
            "UPDATE self_check_round SET closed_at = current_timestamp, closed_by = ?, "
            "plan_statuses = ? WHERE id = ? AND closed_at IS NULL RETURNING id",
            [audit.actor(), [current[s.number].value for s in STEPS], round_id]).fetchone()
        if closed is None:
            raise RoundClosed("Someone else closed this round a moment ago: its figures "
                              "are under Results.")
        audit.record(con, found.org_id, "Self-check", "closed",
                     f"Self-check round of {found.held_on:%Y-%m-%d}, "
                     f"{found.respondents} taking part")
    return _fetch_round(con, round_id)


def _answerable(con: Connection, round_id: int) -> tuple[Round, Identity]:
    found = _fetch_round(con, round_id)
    identity = access.require(Permission.TAKE_SELF_CHECK, found.org_id)
    if identity.kind == "guest" and found.workshop_id != identity.workshop_id:
        raise AccessDenied("This self-check round was not opened for your workshop: you can "
                           "answer only the round your facilitator opened for it.")
    return found, identity


def may_answer(con: Connection, round_id: int) -> bool:
    """Whether the acting person may rate this (open) round."""
    try:
        found, identity = _answerable(con, round_id)
        respondent_key(identity)
    except StrategyError:
        return False
    return found.is_open


def my_ratings(con: Connection, round_id: int) -> dict[int, int]:
    """The acting person's own ratings in the round, by step: theirs and nobody else's."""
    found, identity = _answerable(con, round_id)
    rows = con.execute("SELECT step, rating FROM self_check_answer WHERE round_id = ? AND "
                       "respondent = ? ORDER BY step",
                       [found.id, respondent_key(identity)]).fetchall()
    return {int(step): int(rating) for step, rating in rows}


def answer(con: Connection, round_id: int, ratings: Mapping[int, int | None]) -> int:
    """Save the acting person's ratings for the round, replacing any they gave before.

    ``ratings`` maps a step number to 1–5, or to None for a step they leave unrated.
    Returns how many steps they rated."""
    found, identity = _answerable(con, round_id)
    who = respondent_key(identity)
    problems: dict[str, str] = {}
    rated: dict[int, int] = {}
    for step, rating in ratings.items():
        if step not in {s.number for s in STEPS}:
            problems[f"step_{step}"] = f"There is no step {step}: the steps are 1 to 11."
        elif rating is not None:
            if isinstance(rating, bool) or not isinstance(rating, int) \
                    or rating not in SCALE:
                problems[f"step_{step}"] = f"Rate step {step} from 1 to 5."
            else:
                rated[step] = rating
    if not rated and not problems:
        problems["ratings"] = "Rate at least one step."
    raise_if(problems)
    return _store(con, found, who, rated)


def _store(con: Connection, found: Round, who: str, rated: Mapping[int, int]) -> int:
    with transaction(con):
        still_open = con.execute("SELECT closed_at IS NULL FROM self_check_round WHERE id = ?",
                                 [found.id]).fetchone()
        if not still_open or not still_open[0]:
            raise RoundClosed("The facilitator has closed this round, so answers can no "
                              "longer change. Its figures are shown under Results.")
        con.execute("DELETE FROM self_check_answer WHERE round_id = ? AND respondent = ?",
                    [found.id, who])
        con.executemany(
            "INSERT INTO self_check_answer (round_id, org_id, respondent, step, rating) "
            "VALUES (?, ?, ?, ?, ?)",
            [[found.id, found.org_id, who, step, rating] for step, rating in sorted(
                rated.items())])
    return len(rated)


def previous_round(con: Connection, found: Round) -> Round | None:
    """The closed round held before this one (by date, then by order of opening)."""
    row = con.execute(
        f"SELECT {_ROUND_COLUMNS} FROM self_check_round r WHERE r.org_id = ? AND "
        "r.closed_at IS NOT NULL AND (r.held_on < ? OR (r.held_on = ? AND r.id < ?)) "
        "ORDER BY r.held_on DESC, r.id DESC LIMIT 1",
        [found.org_id, found.held_on, found.held_on, found.id]).fetchone()
    return Round(*row) if row else None


# Per step of a round: the figures, withheld (NULL) below the threshold. Only counts
# and aggregates leave the database.
_FIGURES = """
WITH figures AS (
    SELECT a.round_id, a.step, count(*) AS n, count(*) >= any_value(r.min_group) AS shown
    , avg(a.rating) AS average, round(stddev_pop(a.rating), 1) AS spread
    , min(a.rating) AS lowest, max(a.rating) AS highest
    , [count(*) FILTER (WHERE a.rating = 1), count(*) FILTER (WHERE a.rating = 2),
       count(*) FILTER (WHERE a.rating = 3), count(*) FILTER (WHERE a.rating = 4),
       count(*) FILTER (WHERE a.rating = 5)] AS distribution
    FROM self_check_answer a
    JOIN (SELECT id, coalesce(min_group, 5) AS min_group FROM self_check_round) r
      ON r.id = a.round_id
    WHERE a.round_id IN ($this, $previous) GROUP BY ALL),
safe AS (
    SELECT round_id, step, n,
           CASE WHEN shown THEN average END AS average,
           CASE WHEN shown THEN spread END AS spread,
           CASE WHEN shown THEN lowest END AS lowest,
           CASE WHEN shown THEN highest END AS highest,
           CASE WHEN shown THEN distribution END AS distribution
    FROM figures)
SELECT s.step, coalesce(c.n, 0), c.average, c.spread, c.lowest, c.highest,
       p.average, c.average - p.average, c.distribution
FROM range(1, 12) s(step)
LEFT JOIN safe c ON c.round_id = $this AND c.step = s.step
LEFT JOIN safe p ON p.round_id = $previous AND p.step = s.step
ORDER BY step
"""


def results(con: Connection, round_id: int) -> Results:
    """A closed round's figures per step, beside the plan's status when it was closed."""
    found = get_round(con, round_id)
    if found.is_open:
        raise StrategyError("The figures appear when the facilitator closes the round: "
                            "until then answers can still change.")
    identity = access.current()
    # A guest sees their workshop's round only, so not the change since an earlier one.
    previous = previous_round(con, found) if _sees_all_rounds(identity, found.org_id) \
        else None
    rows = con.execute(_FIGURES, {"this": found.id,
                                  "previous": previous.id if previous else None}).fetchall()
    kept = con.execute("SELECT plan_statuses FROM self_check_round WHERE id = ?",
                       [found.id]).fetchone()
    plan = list(kept[0]) if kept and kept[0] else []
    titles = {s.number: s.title for s in STEPS}
    steps = []
    for step, n, average, spread, lowest, highest, before, change, given in rows:
        status = Status(plan[step - 1]) if len(plan) >= step else None
        steps.append(StepResult(
            int(step), titles[int(step)], int(n), _float(average), _float(spread),
            None if lowest is None else int(lowest), None if highest is None else int(highest),
            status, _float(before), _float(change),
            None if given is None else (int(given[0]), int(given[1]), int(given[2]),
                                        int(given[3]), int(given[4]))))
    return Results(found, previous, steps)


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def latest_closed(con: Connection, org_id: int, on_or_before: date | None = None) -> Round | None:
    """The latest round held on or before the date (any date if None) that is closed now.

    What counts is the day the round was *held*, not the day it was closed: a round held
    at a quarter's review belongs to that quarter even when the facilitator closes it a
    few days later, and the quarter's pack made after that shows it."""
    for found in list_rounds(con, org_id):
        if not found.is_open and (on_or_before is None or found.held_on <= on_or_before):
            return found
    return None


# --- The demo's rounds --------------------------------------------------------------------

# Five leaders a quarter ago, step by step; then five again this quarter (fewer would show
# no figures when the demo's open round is closed).
_DEMO_PAST = [
    [4, 3, 4, 3, 4, 1, 3, 4, 2, 4, 4],
    [5, 2, 4, 4, 3, 2, 3, 3, 3, 4, 3],
    [4, 2, 3, 3, 4, 1, 2, 4, 2, 5, 4],
    [4, 3, 5, 2, 4, 2, 4, 4, 5, 4, 4],
    [3, 2, 4, 3, 3, 1, 2, 4, 1, 4, 3],
]
_DEMO_NOW = [
    [4, 3, 4, 4, 4, 2, 3, 4, 3, 4, 4],
    [5, 3, 5, 4, 4, 2, 4, 4, 3, 4, 4],
    [4, 2, 4, 3, 3, 1, 3, 4, 4, 4, 3],
    [5, 4, 5, 3, 4, 3, 4, 3, 2, 3, 4],
    [3, 3, 4, 3, 4, 2, 3, 4, 2, 4, 3],
]


def load_demo_rounds(con: Connection, org_id: int, today: date) -> None:
    """A round held about a quarter ago and closed, and this quarter's, still open."""
    past = open_round(con, org_id, today - timedelta(days=91), "Leadership team, last review")
    for index, ratings in enumerate(_DEMO_PAST, start=1):
        # Demo respondents have keys of their own: they can never be a real account's.
        _store(con, past, f"demo:{index}", dict(enumerate(ratings, start=1)))
    close_round(con, past.id, today)
    now = open_round(con, org_id, today, "Leadership team, this quarter")
    for index, ratings in enumerate(_DEMO_NOW, start=1):
        _store(con, now, f"demo:{index}", dict(enumerate(ratings, start=1)))
