"""The eleven-step self-check: rate the steps privately, then see where the group stands."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.errors import StrategyError
from strategy.core.safe_text import md
from strategy.core.wording import MISSING, counted
from strategy.identity import workshops
from strategy.plan import self_check
from strategy.plan.self_check import (
    DISAGREEMENT,
    MIN_ANSWERS,
    SCALE,
    SCALE_GUIDANCE,
    TOO_FEW,
    Round,
)
from strategy.plan.steps import STEPS
from strategy.ui import charts, forms, session, sidebar, widgets

REFRESH_SECONDS = 5
ROW_PX = 35  # a table row's height in the browser
GAVE = "Gave 1 · 2 · 3 · 4 · 5"  # the distribution's column
# The scale's levels as the choices read, short enough for five on one line; the full
# wording and what each level looks like stand above the form.
CHOICES = {1: "don't do it", 2: "talk about it", 3: "in places",
           4: "across the organisation", 5: "well, measured, reviewed"}
HELP = (f"{self_check.READING} While a round is open nobody sees any figures, only how "
        "many people have answered: answers can still change then, and watching the "
        "average move as one person saves would give their rating away.")


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    st.title("Eleven-step self-check", anchor=False,
             help=HELP)
    st.caption("Each leader — and each guest of a workshop — rates privately how far we have "
               "got with each of the eleven steps. The group sees the average and how far "
               "opinions spread, beside what the plan itself shows; nobody sees anyone's own "
               "answers.")
    forms.show_flash()
    _current(org.id)
    taker = session.allowed(Permission.TAKE_SELF_CHECK)
    sections = {}
    if taker:
        sections["Your ratings"] = lambda: _ratings(con, org.id)
    sections["Results"] = lambda: _results(con, org.id)
    if session.allowed(Permission.READ_PLAN):
        sections["All rounds"] = lambda: _rounds(con, org.id)
    if not taker:
        session.refused(Permission.TAKE_SELF_CHECK, "The form to rate the steps")
    widgets.show_tabs("self_check_tab", sections)


@session.live_fragment(REFRESH_SECONDS)
def _current(org_id: int) -> None:
    """The round open now and how many have answered (refreshed while people answer);
    the facilitator opens and closes rounds here."""
    con = session.db()
    current = self_check.open_round_of(con, org_id)
    facilitator = session.allowed(Permission.FACILITATE)
    if current is None:
        if session.me().kind == "guest":
            st.info("No self-check round is open for your workshop at the moment.",
                    icon=":material/hourglass_empty:")
        elif facilitator:
            _open_form(con, org_id)
        else:
            st.caption("No round is open at the moment: a facilitator opens one for a "
                       "workshop or a review.")
        return
    with st.container(border=True, key="self_check_current"):
        st.markdown(f"**Open round: {md(current.label.removesuffix(' (open)'))}**"
                    + (" · open to the workshop's guests" if current.workshop_id else ""))
        st.markdown(f"{counted(current.respondents, 'person has', 'people have')} answered "
                    "so far. The figures appear when the facilitator closes the round, for "
                    f"the steps at least {current.min_group} people rated.")
        if facilitator:
            # The open form is not offered while a round is open: say why, beside the
            # control that ends it (the demo leaves a round open).
            st.caption("One round is open at a time: to open another — for a workshop, say "
                       "— close this one first. Closing it makes its answers final and "
                       "publishes its figures to everyone who may see them, so close it when "
                       "everyone has answered."
                       + (" Close the round before you close the workshop, so that the "
                          "guests see its figures too." if current.workshop_id else ""))
            if st.button("Close the round and show the figures", key="self_check_close",
                         type="primary", icon=":material/lock:"):
                def close() -> None:
                    self_check.close_round(con, current.id)
                    # Straight to its figures.
                    st.session_state["self_check_tab"] = "Results"
                    st.session_state["self_check_round"] = current.id
                forms.attempt(close, success="Round closed: the figures are under Results.")


def _open_form(con: Connection, org_id: int) -> None:
    workshop = workshops.current_workshop(con, org_id)
    keys = forms.FormKeys("self_check_open")
    with st.expander("Open a self-check round", key="self_check_open_panel",
                     icon=":material/add:"), st.form("self_check_open"):
        errors = forms.FieldErrors()
        left, right = st.columns([1, 2])
        held_on = widgets.date_field(left, "Held on", date.today(), keys("held_on"))
        errors.slot("held_on")
        title = right.text_input("Title (optional)", key=keys("title"),
                                 max_chars=self_check.MAX_TITLE,
                                 placeholder="e.g. Leadership team, spring review")
        errors.slot("title", "round", "workshop")
        for_guests = False
        if workshop is not None:
            for_guests = st.checkbox(f"Let the guests of the open workshop (code "
                                     f"{workshop.code}) answer too", value=True,
                                     key=keys("guests"))
        else:
            st.caption("To let workshop guests answer, open a workshop on step 3's page "
                       "first, then open the round.")
        group = st.number_input(
            "Smallest group that sees results", min_value=self_check.SMALLEST_GROUP,
            max_value=self_check.LARGEST_GROUP, value=MIN_ANSWERS, step=1,
            key=keys("min_group"),
            help=f"A step's results show once at least this many people have rated it. "
                 f"{MIN_ANSWERS} keeps each person's rating hard to work out; a team of 3 "
                 f"or 4 that wants its results chooses its own size, and everyone is told "
                 f"before they rate: {self_check.privacy(self_check.SMALLEST_GROUP)}")
        errors.slot("min_group")
        st.caption("Results show how many gave each rating, the average and the spread, "
                   "for the steps at least that many people rated; below it, only how many "
                   "answered. Everyone sees this number before they rate.")
        if st.form_submit_button("Open the round", type="primary"):
            def start() -> None:
                self_check.open_round(con, org_id, held_on, title,
                                      workshop.id if workshop and for_guests else None,
                                      int(group) if group is not None else None)
                keys.renew()
            forms.attempt(start, errors, success="Round opened: everyone who may answer finds "
                                              "it under Your ratings.")


def _ratings(con: Connection, org_id: int) -> None:
    current = self_check.open_round_of(con, org_id)
    if current is not None and not self_check.may_answer(con, current.id):
        current = None
    answering = st.session_state.pop("_self_check_answering", None)
    if current is None and answering is not None:
        # Closed while this person was rating: the form is drawn once more, so that a save
        # on its way is refused in words rather than silently lost.
        current = _closed_meanwhile(con, answering)
    if current is None:
        st.info("There is no round for you to answer at the moment.",
                icon=":material/hourglass_empty:")
        return
    if current.is_open:
        st.session_state["_self_check_answering"] = current.id
    else:
        st.warning("The facilitator has closed this round: answers can no longer change. "
                   "The figures are under Results.", icon=":material/lock:")
    mine = self_check.my_ratings(con, current.id)
    st.markdown("Rate each step as things stand in the whole organisation today. Only "
                "you can see your ratings; you can change them until the round is closed. "
                "Leave a step unrated if you cannot judge it.")
    st.info(self_check.privacy(current.min_group), icon=":material/visibility_off:")
    st.markdown("  \n".join(f"**{level}** · {SCALE[level]} — {SCALE_GUIDANCE[level]}"
                            for level in SCALE))
    keys = forms.FormKeys(f"self_check_answer_{current.id}")
    with st.form("self_check_answer"):
        errors = forms.FieldErrors()
        chosen: dict[int, int | None] = {}
        for s in STEPS:
            stored = mine.get(s.number)
            chosen[s.number] = st.radio(
                f"{s.number}. {s.title}", list(SCALE), horizontal=True,
                index=None if stored is None else stored - 1, key=keys(f"step_{s.number}"),
                format_func=lambda level: f"{level} · {CHOICES[level]}",
                help=f"{s.purpose} The plan counts it as done when: {s.done_when}")
            errors.slot(f"step_{s.number}")
        errors.slot("ratings")
        if st.form_submit_button("Save my ratings", type="primary"):
            def save() -> None:
                rated = self_check.answer(con, current.id, chosen)
                keys.renew()
                forms.flash(f"Your ratings are saved ({rated} of {len(STEPS)} steps). You can "
                            "change them until the round is closed.")
            forms.attempt(save, errors)
    if mine:
        st.caption(f"You rated {len(mine)} of {len(STEPS)} steps in this round.")


def _closed_meanwhile(con: Connection, round_id: int) -> Round | None:
    try:
        return self_check.get_round(con, round_id)
    except StrategyError:
        return None


def _results(con: Connection, org_id: int) -> None:
    closed = [r for r in self_check.list_rounds(con, org_id) if not r.is_open]
    if not closed:
        st.info("No round has been closed yet: the figures appear here when the facilitator "
                "closes one.", icon=":material/hourglass_empty:")
        return
    labels = self_check.choice_labels(closed)  # unique: the box keeps its choice as text
    widgets.keep_choice("self_check_round", list(labels), labels.__getitem__, closed[0].id)
    chosen = st.selectbox("Round", list(labels), format_func=labels.__getitem__,
                          key="self_check_round")
    found = self_check.results(con, chosen if chosen is not None else closed[0].id)
    _figures(found)


def _figures(found: self_check.Results) -> None:
    held = found.round
    shown = [s for s in found.steps if not s.hidden]
    a, b, c = st.columns(3)
    a.metric("People taking part", held.respondents)
    b.metric("Steps where the group disagrees", sum(s.disagreement for s in found.steps),
             help=f"A spread of {DISAGREEMENT:g} or more.")
    c.metric("Steps rated unlike the plan", sum(bool(s.against_plan) for s in found.steps),
             help="Rated higher or lower than the plan's status when the round closed.")
    compared = (f" Change: since the round of {md(found.previous.label)}."
                if found.previous else "")
    st.caption(f"Closed on {held.closed_at:%Y-%m-%d} by {md(held.closed_by or '')}. "
               f"Figures for steps rated by at least {held.min_group} people; spread = "
               f"population standard deviation, to one decimal.{compared}")
    split = sorted((s for s in shown if s.disagreement), key=lambda s: -(s.spread or 0))
    if split:
        st.markdown("**Start the discussion with:** " + "; ".join(
            f"{s.step}. {s.title} (spread {s.spread:.1f})" for s in split))
    differ = [s for s in shown if s.against_plan]
    if differ:
        st.markdown("**Opinion and plan differ on:** " + "; ".join(
            f"{s.step}. {s.title} (rated {s.against_plan}; the plan says "
            f"“{s.status.value if s.status else MISSING}”)" for s in differ))
    hidden = len(found.steps) - len(shown)
    if hidden:
        st.info(f"{counted(hidden, 'step')} had fewer than {held.min_group} answers, "
                f"{TOO_FEW}: only their number is shown. The facilitator chose "
                f"{held.min_group} as the smallest group that sees results when opening the "
                "round.", icon=":material/visibility_off:")
    left, right = st.columns([1, 3])
    with left:
        if shown:
            st.altair_chart(charts.self_check_chart(found, ROW_PX), width="stretch",
                            key="self_check_chart")
            st.caption("Dot: the average. Bar: one spread either side. Thin line: lowest to "
                       f"highest rating. Orange: the group disagrees (spread {DISAGREEMENT:g} "
                       "or more).")
    with right:
        widgets.table(_table(found), key="self_check_table",
                      height=ROW_PX * (len(found.steps) + 1) + 3, column_config={
                     "Step": st.column_config.TextColumn(width=200),
                     "Plan status": st.column_config.TextColumn(width=90),
                     **{name: st.column_config.TextColumn(alignment="right", width=width)
                        for name, width in (("Average", 64), ("Spread", 60), ("n", 36),
                                            ("Change", 62))},
                     GAVE: st.column_config.TextColumn(
                         width=110, help="How many people gave each rating, 1 to 5."),
                     "Note": st.column_config.TextColumn(width=150)})


def _note(result: self_check.StepResult) -> str:
    if result.hidden:
        return TOO_FEW
    said = []
    if result.disagreement:
        said.append("disagree")
    if result.against_plan:
        said.append(f"rated {result.against_plan}")
    return ", ".join(said)


def _number(value: float | None, digits: int, signed: bool = False) -> str:
    if value is None:
        return MISSING
    value = round(value, digits) + 0.0  # never "-0.0"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _table(found: self_check.Results) -> pd.DataFrame:
    return pd.DataFrame([{
        "Step": f"{s.step}. {s.title}",
        "Plan status": s.status.value if s.status else MISSING,
        "Average": _number(s.average, 1),
        "Spread": _number(s.spread, 1),
        "n": str(s.answers),
        GAVE: " · ".join(str(n) for n in s.distribution) if s.distribution else MISSING,
        "Change": _number(s.change, 1, signed=True),
        "Note": _note(s),
    } for s in found.steps])


def _rounds(con: Connection, org_id: int) -> None:
    rounds: list[Round] = self_check.list_rounds(con, org_id)
    if not rounds:
        st.info("No self-check round yet.")
        return
    widgets.table(pd.DataFrame([{
        "Held on": r.held_on,
        "Title": r.title or MISSING,
        "Workshop guests": "yes" if r.workshop_id else "no",
        "People taking part": r.respondents,
        "Opened by": r.opened_by,
        "Closed": f"{r.closed_at:%Y-%m-%d} by {r.closed_by}" if r.closed_at else "open",
    } for r in rounds]), key="self_check_rounds")
    st.caption("Every round is kept, so that the next workshop sees the change. Only the "
               "figures are ever shown; nobody's own ratings.")


if __name__ == "__main__":
    render()
