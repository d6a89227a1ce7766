"""The eleven-step self-check: figures worked out by hand, privacy, rounds and the pack."""

from __future__ import annotations

import dataclasses
import io
import statistics
from collections.abc import Mapping
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from strategy.core import access
from strategy.core.access import AccessDenied, Identity, Role
from strategy.core.db import Connection
from strategy.core.errors import NotFoundError, StrategyError, ValidationError
from strategy.core.orgs import Organisation, create_organisation
from strategy.core.periods import Quarter
from strategy.customers import segments
from strategy.identity import sessions, workshops
from strategy.io.review_pack import build_pack
from strategy.plan import self_check
from strategy.plan.self_check import MIN_ANSWERS, Round, RoundClosed
from strategy.plan.steps import Status, statuses
from tests.identities import member

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

LAST = Quarter.current().shift(-1)


def leader(org: Organisation, n: int, name: str | None = None) -> Identity:
    return member(name or f"Leader {n}", org.id, Role.LEADER, account_id=1000 + n)


def rate(con: Connection, who: Identity, round_id: int,
         ratings: Mapping[int, int | None]) -> int:
    with access.acting(who):
        return self_check.answer(con, round_id, ratings)


def all_steps(rating: int) -> dict[int, int | None]:
    return dict.fromkeys(range(1, 12), rating)


def guest_of(con: Connection, org: Organisation, name: str) -> Identity:
    workshop = workshops.open_workshop(con, org.id)
    _, token = workshops.join(con, workshop.code, name, "test")
    guest = sessions.identity_for(con, token)
    assert guest is not None and guest.kind == "guest"
    return guest


FIVE = (1, 2, 3, 4, 5)  # the fewest answers that show a step's figures


def by_step(results: self_check.Results) -> dict[int, self_check.StepResult]:
    return {s.step: s for s in results.steps}


# --- The figures, worked out by hand -----------------------------------------------------


def test_average_and_spread_by_hand(con: Connection, org: Organisation) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10), "Spring")
    # Step 1: 1, 1, 1, 5, 5, 5 — average 3, every rating 2 away: spread exactly 2.
    # Step 2: 2, 3, 3, 3, 4 (the sixth person skips it) — average 3, spread √((1+0+0+0+1)/5)
    # = √0.4 = 0.632, shown (and handed out) as 0.6.
    # Step 3: 4 six times — everyone agrees: spread 0.
    # Step 4: rated by four people only — withheld.
    answers: list[dict[int, int | None]] = [
        {1: 1, 2: 2, 3: 4, 4: 5},
        {1: 1, 2: 3, 3: 4, 4: 1},
        {1: 1, 2: 3, 3: 4, 4: 3},
        {1: 5, 2: 3, 3: 4, 4: 2},
        {1: 5, 2: 4, 3: 4},
        {1: 5, 2: None, 3: 4},
    ]
    for n, ratings in enumerate(answers, start=1):
        rate(con, leader(org, n), held.id, ratings)
    self_check.close_round(con, held.id)
    steps = by_step(self_check.results(con, held.id))

    one = steps[1]
    assert (one.answers, one.average, one.spread) == (6, 3.0, 2.0)
    assert (one.lowest, one.highest) == (1, 5)
    assert one.disagreement  # 2.0 >= 1.0

    two = steps[2]
    assert two.answers == 5
    assert two.average == pytest.approx(3.0)
    assert two.spread == 0.6  # √0.4 = 0.632, to one decimal
    assert two.spread == round(statistics.pstdev([2, 3, 3, 3, 4]), 1)  # population…
    assert two.spread != round(statistics.stdev([2, 3, 3, 3, 4]), 1)  # …not sample (0.7)
    assert (two.lowest, two.highest) == (2, 4)
    assert not two.disagreement

    assert (steps[3].answers, steps[3].average, steps[3].spread) == (6, 4.0, 0.0)

    four = steps[4]
    assert four.answers == 4 and four.hidden
    assert (four.average, four.spread, four.lowest, four.highest) == (None,) * 4
    assert steps[5].answers == 0 and steps[5].hidden


def test_a_step_needs_five_answers_before_any_figure_shows(con: Connection,
                                                          org: Organisation) -> None:
    assert MIN_ANSWERS == 5
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    # Step 1: 1, 2, 4, 4, 5 — average 16/5 = 3.2, spread √((4.84+1.44+0.64+0.64+3.24)/5)
    # = √2.16 = 1.4697, shown as 1.5; lowest 1, highest 5.
    # Step 2: 2, 3, 3, 4 — four answers, withheld. Shown, the average 3 and spread
    # √(2/4) = 0.71 would tell the one who said 2 that the other three said 3, 3 and 4:
    # their sum is 4·3 − 2 = 10 and the sum of their squares 4·(0.5 + 9) − 4 = 34, which
    # only 3, 3, 4 give.
    # Step 3: 1, 4, 4 — three answers, withheld: each would know the other two's.
    # Step 4: 1, 3, 3, 3, 4 — average 2.8, spread √(24)/5 = 0.98, shown as 1.0: and a
    # spread shown as 1.0 marks disagreement, as the page and the pack say.
    columns = [[1, 2, 4, 4, 5], [2, 3, 3, 4], [1, 4, 4], [1, 3, 3, 3, 4]]
    for n in range(5):
        rate(con, leader(org, n + 1), held.id,
             {step: ratings[n] for step, ratings in enumerate(columns, start=1)
              if n < len(ratings)})
    self_check.close_round(con, held.id)
    steps = by_step(self_check.results(con, held.id))
    one = steps[1]
    assert one.answers == 5 and one.average == pytest.approx(3.2)
    assert one.spread == 1.5 and (one.lowest, one.highest) == (1, 5)
    assert one.distribution == (1, 1, 0, 2, 1)
    for step, answers in ((2, 4), (3, 3), (6, 0)):
        hidden = steps[step]
        assert hidden.answers == answers and hidden.hidden
        assert (hidden.average, hidden.spread, hidden.lowest, hidden.highest,
                hidden.distribution) == (None,) * 5
        assert hidden.change is None and not hidden.disagreement
    four = steps[4]
    assert four.average == pytest.approx(2.8) and four.spread == 1.0 and four.disagreement
    # Withheld in SQL: the figures do not leave the database for a step below five.
    assert self_check._FIGURES.count("CASE WHEN shown THEN") == 5
    # The pack withholds them the same way, rounds the spread as the page does, and says so.
    quarter = Quarter.containing(held.held_on)
    ws = load_workbook(io.BytesIO(build_pack(con, org.id, quarter)))["Self-check"]
    assert "show only once at least 5 people have rated it" in ws["B4"].value
    assert "not who gave which" in ws["B4"].value
    assert "can be read off" not in ws["B4"].value
    first, last = ws.tables["SelfCheck"].ref.split(":")
    body = {row[0]: row for row in ([c.value for c in cells] for cells in ws[first:last])}
    # How many gave each rating: one 1, one 2, two 4s and one 5 (none withheld above).
    assert body[1][5:13] == [5, pytest.approx(3.2), 1.5, 1, 1, 0, 2, 1]
    assert body[2][5:] == [4] + [None] * 8
    assert body[3][5:] == [3] + [None] * 8


# --- Privacy -------------------------------------------------------------------------------


def test_no_one_gets_anyone_else_s_ratings(con: Connection, org: Organisation) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    ana, ben = leader(org, 1, "Ana"), leader(org, 2, "Ben")
    rate(con, ana, held.id, {1: 1, 2: 5})
    rate(con, ben, held.id, {1: 4})
    with access.acting(ana):
        assert self_check.my_ratings(con, held.id) == {1: 1, 2: 5}
    with access.acting(ben):
        assert self_check.my_ratings(con, held.id) == {1: 4}
    # An administrator signed in with an account has no ratings of their own to see, and
    # no way to see others'.
    admin = Identity(kind="account", name="Ada", account_id=1, is_administrator=True)
    with access.acting(admin):
        assert self_check.my_ratings(con, held.id) == {}
        # While the round is open, no figures at all: ratings can still change, and the
        # average moving as one person saves would give them away.
        with pytest.raises(StrategyError, match="closes the round"):
            self_check.results(con, held.id)
        (listed,) = self_check.list_rounds(con, org.id)
        assert listed.respondents == 2
    # What the module hands out about a round holds no answers, nor whose they are.
    fields = {f.name for f in dataclasses.fields(Round)}
    assert not fields & {"ratings", "answers", "respondent", "respondent_keys"}
    self_check.close_round(con, held.id)
    with access.acting(admin):
        shown = repr(self_check.results(con, held.id)) + repr(self_check.list_rounds(con, org.id))
    assert "account:" not in shown and "Ana" not in shown and "Ben" not in shown


def test_answering_again_replaces_the_earlier_answer(con: Connection,
                                                     org: Organisation) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    ana = leader(org, 1)
    assert rate(con, ana, held.id, all_steps(2)) == 11
    assert rate(con, ana, held.id, {1: 5, 2: 4, 3: None}) == 2  # step 3 left unrated now
    with access.acting(ana):
        assert self_check.my_ratings(con, held.id) == {1: 5, 2: 4}
    stored = con.execute("SELECT count(*), count(DISTINCT respondent) FROM self_check_answer "
                         "WHERE round_id = ?", [held.id]).fetchone()
    assert stored == (2, 1)
    for n in (2, 3, 4, 5):
        rate(con, leader(org, n), held.id, {1: 2})
    self_check.close_round(con, held.id)
    steps = by_step(self_check.results(con, held.id))
    assert steps[1].answers == 5 and steps[1].average == pytest.approx(2.6)  # (5+2+2+2+2)/5


def test_a_viewer_and_a_contributor_cannot_answer(con: Connection,
                                                 org: Organisation) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    # HR sits on the leadership team: it answers (the roles table says so).
    with access.acting(member("Hana HR", org.id, Role.HR, account_id=51)):
        assert self_check.may_answer(con, held.id)
    for role in (Role.VIEWER, Role.CONTRIBUTOR):
        who = member(role.label, org.id, role, account_id=50)
        with access.acting(who):
            assert not self_check.may_answer(con, held.id)
            with pytest.raises(AccessDenied, match="answer the eleven-step self-check"):
                self_check.answer(con, held.id, {1: 3})
            with pytest.raises(AccessDenied):
                self_check.open_round(con, org.id, date(2026, 3, 11))
            with pytest.raises(AccessDenied):
                self_check.close_round(con, held.id)
            # They see the rounds (and, once closed, the figures).
            assert [r.id for r in self_check.list_rounds(con, org.id)] == [held.id]
    assert con.execute("SELECT count(*) FROM self_check_answer").fetchone() == (0,)
    # A leader of another organisation is refused too.
    other = create_organisation(con, "Other")
    with access.acting(member("Olga", other.id, Role.LEADER, account_id=60)), \
            pytest.raises(AccessDenied, match="not a member"):
        self_check.answer(con, held.id, {1: 3})
    # The command line acts as nobody in particular: it cannot answer for someone.
    with pytest.raises(AccessDenied, match="own account"):
        self_check.answer(con, held.id, {1: 3})


def test_a_guest_answers_only_their_own_workshop_s_round(con: Connection,
                                                        org: Organisation) -> None:
    gwen = guest_of(con, org, "Gwen")
    assert gwen.workshop_id is not None
    # A round for the leaders only: the guest can neither answer nor see it.
    leaders_only = self_check.open_round(con, org.id, date(2026, 3, 10))
    with access.acting(gwen):
        assert self_check.list_rounds(con, org.id) == []
        assert not self_check.may_answer(con, leaders_only.id)
        with pytest.raises(AccessDenied, match="not opened for your workshop"):
            self_check.answer(con, leaders_only.id, {1: 3})
        with pytest.raises(AccessDenied):
            self_check.get_round(con, leaders_only.id)
    self_check.close_round(con, leaders_only.id)

    ours = self_check.open_round(con, org.id, date(2026, 3, 11), "Workshop",
                                 workshop_id=gwen.workshop_id)
    rate(con, gwen, ours.id, all_steps(4))
    with access.acting(gwen):
        assert self_check.my_ratings(con, ours.id) == dict.fromkeys(range(1, 12), 4)
        assert [r.id for r in self_check.list_rounds(con, org.id)] == [ours.id]
    stored = con.execute("SELECT DISTINCT respondent FROM self_check_answer WHERE round_id = ?",
                         [ours.id]).fetchall()
    assert stored == [(f"guest:{gwen.guest_id}",)]

    # The workshop ends; the next workshop's guest cannot answer the earlier one's round.
    workshops.close_workshop(con, gwen.workshop_id)
    gary = guest_of(con, org, "Gary")
    assert gary.workshop_id != gwen.workshop_id
    with access.acting(gary):
        with pytest.raises(AccessDenied, match="not opened for your workshop"):
            self_check.answer(con, ours.id, {1: 1})
        assert self_check.list_rounds(con, org.id) == []
    # A round cannot be opened for a workshop that has closed, or another organisation's.
    self_check.close_round(con, ours.id)
    with pytest.raises(ValidationError, match="closed"):
        self_check.open_round(con, org.id, date(2026, 3, 12), workshop_id=gwen.workshop_id)
    other = create_organisation(con, "Other")
    with pytest.raises(NotFoundError, match="another organisation"):
        self_check.open_round(con, other.id, date(2026, 3, 12), workshop_id=gary.workshop_id)


def test_a_guest_sees_their_round_s_figures_but_not_earlier_rounds(
        con: Connection, org: Organisation) -> None:
    earlier = self_check.open_round(con, org.id, date(2026, 1, 10))
    for n in FIVE:
        rate(con, leader(org, n), earlier.id, all_steps(2))
    self_check.close_round(con, earlier.id)
    guests = [guest_of(con, org, name) for name in ("Gwen", "Gary", "Gill", "Greg", "Gus")]
    ours = self_check.open_round(con, org.id, date(2026, 3, 11),
                                 workshop_id=guests[0].workshop_id)
    for guest in guests:
        rate(con, guest, ours.id, all_steps(4))
    self_check.close_round(con, ours.id)
    with access.acting(guests[0]):
        found = self_check.results(con, ours.id)
        assert found.previous is None and found.steps[0].change is None
        assert found.steps[0].average == pytest.approx(4.0)
        with pytest.raises(AccessDenied):
            self_check.results(con, earlier.id)
    # Someone who reads the plan sees the change since the earlier round.
    assert self_check.results(con, ours.id).steps[0].change == pytest.approx(2.0)


# --- Rounds ----------------------------------------------------------------------------------


def test_rounds_are_kept_and_each_shows_the_change_since_the_one_before(
        con: Connection, org: Organisation) -> None:
    dates = [date(2025, 10, 1), date(2026, 1, 15), date(2026, 4, 20)]
    averages = []
    for index, held_on in enumerate(dates):
        held = self_check.open_round(con, org.id, held_on, f"Round {index + 1}")
        # Five leaders; step 1 climbs by a whole point a round, step 2 by a fifth.
        for n in FIVE:
            rate(con, leader(org, n), held.id,
                 {1: 2 + index, 2: 2 + (index if n == 1 else 0)})
        self_check.close_round(con, held.id)
        averages.append(held.id)
    listed = self_check.list_rounds(con, org.id)
    assert [r.held_on for r in listed] == dates[::-1]  # newest first, all kept
    assert [r.title for r in listed] == ["Round 3", "Round 2", "Round 1"]
    assert all(r.respondents == 5 and not r.is_open for r in listed)

    first, second, third = (self_check.results(con, i) for i in averages)
    assert first.previous is None and first.steps[0].change is None
    assert second.previous is not None and second.previous.id == averages[0]
    assert by_step(second)[1].change == pytest.approx(1.0)
    assert by_step(second)[2].change == pytest.approx(1 / 5)
    assert by_step(third)[1].previous_average == pytest.approx(3.0)
    assert by_step(third)[1].change == pytest.approx(1.0)
    # Steps nobody rated have no change.
    assert by_step(third)[5].change is None

    # A round entered later for an earlier date compares with the one before it by date.
    late = self_check.open_round(con, org.id, date(2025, 12, 1), "Catch-up")
    for n in FIVE:
        rate(con, leader(org, n), late.id, {1: 5})
    self_check.close_round(con, late.id)
    found = self_check.results(con, late.id)
    assert found.previous is not None and found.previous.id == averages[0]
    assert by_step(found)[1].change == pytest.approx(3.0)
    assert self_check.latest_closed(con, org.id).id == averages[2]  # type: ignore[union-attr]
    assert self_check.latest_closed(con, org.id, date(2026, 1, 1)).id == late.id  # type: ignore[union-attr]


def test_rounds_offered_for_a_choice_have_labels_of_their_own() -> None:
    def held(id_: int, title: str, opened: str) -> Round:
        opened_at = datetime.fromisoformat(f"2026-03-10 {opened}")
        return Round(id_, 1, date(2026, 3, 10), title, None, "Ana", opened_at, opened_at,
                     "Ana", 3)

    rounds = [held(4, "", "14:05"), held(3, "", "09:30"), held(2, "Spring", "08:00"),
              held(1, "", "09:30:59")]
    # Untitled on the same day: the opening time tells them apart; where two of them were
    # opened in the same minute, their numbers do. A label of its own stays as it is.
    assert self_check.choice_labels(rounds[:3]) == {
        4: "2026-03-10 · opened 14:05", 3: "2026-03-10 · opened 09:30",
        2: "2026-03-10 · Spring"}
    assert self_check.choice_labels(rounds) == {
        4: "2026-03-10 · #4", 3: "2026-03-10 · #3", 2: "2026-03-10 · Spring",
        1: "2026-03-10 · #1"}
    assert self_check.choice_labels(rounds[2:3]) == {2: "2026-03-10 · Spring"}


def test_one_round_open_at_a_time_and_a_closed_round_is_final(con: Connection,
                                                             org: Organisation) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    with pytest.raises(ValidationError, match="still open"):
        self_check.open_round(con, org.id, date(2026, 3, 11))
    with pytest.raises(ValidationError, match="date"):
        self_check.open_round(con, org.id, None)
    with pytest.raises(ValidationError, match="80"):
        self_check.open_round(con, org.id, date(2026, 3, 11), "x" * 81)
    ana = leader(org, 1)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        rate(con, ana, held.id, {1: 6})
    with pytest.raises(ValidationError, match="no step 12"):
        rate(con, ana, held.id, {12: 3})
    with pytest.raises(ValidationError, match="at least one"):
        rate(con, ana, held.id, {1: None})
    rate(con, ana, held.id, {1: 3})
    closed = self_check.close_round(con, held.id)
    assert not closed.is_open and closed.closed_by == "Test administrator"
    with pytest.raises(RoundClosed):
        rate(con, ana, held.id, {1: 5})
    with pytest.raises(RoundClosed):
        self_check.close_round(con, held.id)
    with access.acting(ana):
        assert self_check.my_ratings(con, held.id) == {1: 3}  # still theirs to read
        assert not self_check.may_answer(con, held.id)
    assert self_check.open_round_of(con, org.id) is None


def test_two_facilitators_closing_at_once_close_it_once(con: Connection, org: Organisation,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    rate(con, leader(org, 1), held.id, {1: 3})
    first, second = leader(org, 2, "Fay"), leader(org, 3, "Sam")
    computed = statuses

    def meanwhile(*args: object, **kwargs: object) -> object:
        # Sam's close has found the round open; Fay's finishes before Sam's update runs.
        monkeypatch.setattr(self_check, "statuses", computed)
        with access.acting(first):
            self_check.close_round(con, held.id)
        return computed(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(self_check, "statuses", meanwhile)
    with access.acting(second), pytest.raises(RoundClosed, match="Someone else closed"):
        self_check.close_round(con, held.id)
    assert self_check.get_round(con, held.id).closed_by == "Fay"
    assert con.execute("SELECT count(*), any_value(changed_by) FROM change_log WHERE "
                       "action = 'closed' AND area = 'Self-check'").fetchone() == (1, "Fay")


def test_the_plan_status_is_kept_as_it_was_when_the_round_closed(
        con: Connection, org: Organisation) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    for n in FIVE:
        rate(con, leader(org, n), held.id, {1: 5})
    self_check.close_round(con, held.id)
    segments.add_segment(con, org.id, segments.SegmentInput(
        "Households", "external", "", 10, "accounts", "high", None, [], ["Phone"]))
    one = self_check.results(con, held.id).steps[0]
    assert one.status is Status.NOT_STARTED  # the plan has moved on; the round has not
    # Rated 5 while the plan showed nothing: the group rates it higher than the plan shows.
    assert one.against_plan == "higher"


def test_opinion_is_compared_with_the_plan_status() -> None:
    def result(average: float | None, status: Status | None) -> self_check.StepResult:
        return self_check.StepResult(1, "", 3, average, 0.0, 1, 5, status)

    assert result(2.6, Status.NOT_STARTED).against_plan == "higher"
    assert result(2.5, Status.NOT_STARTED).against_plan == ""
    assert result(1.9, Status.IN_PROGRESS).against_plan == "lower"
    assert result(4.1, Status.IN_PROGRESS).against_plan == "higher"
    assert result(3.4, Status.DONE).against_plan == "lower"
    assert result(3.5, Status.DONE).against_plan == ""
    assert result(None, Status.DONE).against_plan == ""
    assert result(1.0, Status.UNAVAILABLE).against_plan == ""
    assert result(1.0, None).against_plan == ""


@pytest.mark.demo
def test_the_demo_has_a_closed_round_and_an_open_one(con: Connection,
                                                     demo: Organisation) -> None:
    open_now, past = self_check.list_rounds(con, demo.id)
    # Five this quarter too: closing the demo's open round shows figures.
    assert open_now.is_open and open_now.respondents == 5
    assert not past.is_open and past.respondents == 5 and past.held_on < open_now.held_on
    found = self_check.results(con, past.id)
    assert found.shown == 11 and any(s.disagreement for s in found.steps)


# --- The review pack -------------------------------------------------------------------------


def test_the_pack_s_self_check_sheet_holds_the_latest_round_of_the_quarter(
        con: Connection, org: Organisation) -> None:
    before = self_check.open_round(con, org.id, LAST.start - timedelta(days=40), "Before")
    for n, rating in ((1, 1), (2, 2), (3, 3), (4, 2), (5, 2)):
        rate(con, leader(org, n), before.id, {1: rating, 2: 3})
    self_check.close_round(con, before.id)
    hostile = '=HYPERLINK("http://evil.example","x")'
    held = self_check.open_round(con, org.id, LAST.start + timedelta(days=20), hostile)
    for n, ratings in enumerate([{1: 1, 2: 2, 3: 5}, {1: 1, 2: 3, 3: 5}, {1: 1, 2: 3},
                                 {1: 5, 2: 3}, {1: 5, 2: 4}, {1: 5}], start=1):
        rate(con, leader(org, n), held.id, ratings)
    self_check.close_round(con, held.id)
    # A round after the quarter does not belong in its pack.
    after = self_check.open_round(con, org.id, LAST.end + timedelta(days=1), "Later")
    for n in (1, 2, 3):
        rate(con, leader(org, n), after.id, {1: 5})
    self_check.close_round(con, after.id)

    book = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))
    ws = book["Self-check"]
    assert ws["A1"].value == "Round" and ws["B1"].value == f"{held.held_on:%Y-%m-%d} · {hostile}"
    assert ws["B1"].data_type == "s"  # text, never a formula
    assert ws["B2"].value == "6 people"
    assert ws["B3"].value == f"{before.held_on:%Y-%m-%d} · Before"
    first, last = ws.tables["SelfCheck"].ref.split(":")
    rows = [[c.value for c in row] for row in ws[first:last]]
    # The words first, the figures after them (see SELF_CHECK_COLUMNS).
    assert rows[0] == ["Step", "Title", "Plan status", "Against the plan", "Disagreement",
                       "Answers", "Average", "Spread", "Gave 1", "Gave 2", "Gave 3", "Gave 4",
                       "Gave 5", "Change"]
    body = {row[0]: row for row in rows[1:]}
    assert len(body) == 11
    # Step 1: 1, 1, 1, 5, 5, 5 — average 3, spread 2; the round before averaged 2.
    assert body[1][5:] == [6, 3, 2, 3, 0, 0, 0, 3, 1]
    assert body[1][2:5] == ["Not started", "rated higher", "yes"]
    # Step 2: 2, 3, 3, 3, 4 — spread √0.4 = 0.63, to one decimal; before: 3 five times.
    assert body[2][5] == 5 and body[2][6] == pytest.approx(3.0)
    assert body[2][7] == 0.6 and body[2][13] == pytest.approx(0.0)
    assert body[2][8:13] == [0, 1, 3, 1, 0]
    assert not body[2][4]  # no disagreement: nothing written
    # Step 3: two answers only — withheld in the pack as on the page.
    assert body[3][5] == 2 and body[3][6:] == [None] * 8
    # Amber where the group disagrees: the spread and its "yes" (rows 7 to 17).
    assert {str(f.sqref) for f in ws.conditional_formatting} == {"H7:H17", "E7:E17"}
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area and ws.oddHeader.center.text == "Self-check"


def test_a_pack_without_a_closed_round_says_so(con: Connection, org: Organisation) -> None:
    self_check.open_round(con, org.id, LAST.start + timedelta(days=2))  # open: not shown
    ws = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))["Self-check"]
    assert ws["A1"].value == f"No eleven-step self-check round held by the end of {LAST} " \
        "has been closed."
    assert "SelfCheck" in ws.tables


def test_the_pack_takes_the_round_held_in_the_quarter_even_if_closed_after_it(
        con: Connection, org: Organisation) -> None:
    """The day a round is held decides its quarter, as the README and the sheet say."""
    review = self_check.open_round(con, org.id, LAST.end, "At the review")
    for n in (1, 2, 3):
        rate(con, leader(org, n), review.id, {1: 4})
    self_check.close_round(con, review.id)
    after = LAST.end + timedelta(days=3)
    con.execute("UPDATE self_check_round SET closed_at = ? WHERE id = ?", [after, review.id])
    # Held after the quarter, closed: not the quarter's, however it compares.
    later = self_check.open_round(con, org.id, LAST.end + timedelta(days=1), "Next quarter")
    self_check.close_round(con, later.id)
    assert self_check.latest_closed(con, org.id, LAST.end) == self_check.get_round(
        con, review.id)
    ws = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))["Self-check"]
    assert ws["B1"].value == f"{LAST.end:%Y-%m-%d} · At the review"
    # Before any round held by its end was closed, the sheet says so in those words.
    ws = load_workbook(io.BytesIO(build_pack(con, org.id, LAST.shift(-1))))["Self-check"]
    assert ws["A1"].value == f"No eleven-step self-check round held by the end of " \
        f"{LAST.shift(-1)} has been closed."


def test_a_small_group_sees_its_results_when_the_facilitator_chose_so(
        con: Connection, org: Organisation) -> None:
    """Issue 21: a leadership team of three chooses, before rating, to see results."""
    for wrong in (2, 21, None, True, 3.5):
        with pytest.raises(ValidationError, match="smallest group from 3 to 20"):
            self_check.open_round(con, org.id, date(2026, 3, 10), min_group=wrong)  # type: ignore[arg-type]
    held = self_check.open_round(con, org.id, date(2026, 3, 10), "Leadership team", min_group=3)
    assert held.min_group == 3
    said = self_check.privacy(held.min_group)
    assert "at least 3 people" in said and "In a group of 3" in said
    assert "In a group of" not in self_check.privacy(5)
    # Step 1: 2, 4, 4 — three answers: shown. Step 2: 3, 5 — two: withheld.
    for n, ratings in enumerate(({1: 2, 2: 3}, {1: 4, 2: 5}, {1: 4}), start=1):
        rate(con, leader(org, n), held.id, ratings)
    self_check.close_round(con, held.id)
    steps = by_step(self_check.results(con, held.id))
    assert steps[1].distribution == (0, 1, 0, 2, 0)
    assert steps[1].average == pytest.approx(10 / 3) and steps[1].answers == 3
    assert steps[2].answers == 2 and steps[2].hidden and steps[2].distribution is None
    # A later round at the default keeps its own rule, and compares with this one only
    # where both showed figures.
    later = self_check.open_round(con, org.id, date(2026, 6, 10))
    assert later.min_group == MIN_ANSWERS
    for n in range(1, 4):
        rate(con, leader(org, n), later.id, {1: 5})
    self_check.close_round(con, later.id)
    again = by_step(self_check.results(con, later.id))
    assert again[1].answers == 3 and again[1].hidden and again[1].change is None
