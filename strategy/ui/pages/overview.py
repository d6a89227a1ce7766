"""Overview: all eleven steps with their status, and what to do next."""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from strategy.core.access import Permission
from strategy.core.db import Connection, ReadOnce, side_by_side
from strategy.core.periods import Quarter
from strategy.core.safe_text import md
from strategy.core.wording import measure_value
from strategy.customers import needs, segments
from strategy.measures import scorecard
from strategy.people import personnel, training
from strategy.plan import for_you
from strategy.plan.steps import STEPS, Status, next_step, status_of
from strategy.service import standards
from strategy.ui import forms, session, sidebar, widgets
from strategy.ui.pages.organisations import create_form, demo_form


def render() -> None:
    con = session.db()
    org = sidebar.current_org()
    if org is None:
        _welcome(con)
        return
    st.title(md(org.name), anchor=False)
    st.caption(f"Customer-service strategy · period {sidebar.period()}")
    forms.show_flash()

    period = sidebar.period()
    today = date.today()
    # The page's figures need nothing of each other: read at once, then drawn in order.
    # The scorecard, the longest, is asked for first so that it starts at once while
    # the other readers share out the steps' statuses. The training figures are read
    # once for step 7's status and the to-do counts.
    training_figures = ReadOnce(lambda db: training.figures(db, org.id, today))
    rows, totals, counts, listed, employees, priorities, *statuses = side_by_side(con, [
        lambda db: scorecard.scorecard(db, org.id, period, quarters=2),
        lambda db: for_you.org_totals(db, org.id, today, training_figures(db)),
        lambda db: segments.segment_counts(db, org.id),
        lambda db: standards.list_standards(db, org.id),
        lambda db: personnel.count_employees(db, org.id),
        lambda db: needs.priorities(db, org.id),
        *[lambda db, step=step: status_of(step, db, org.id, today, training_figures)
          for step in STEPS]])
    current = {step.number: status for step, status in zip(STEPS, statuses, strict=True)}
    available = [s for s in STEPS if s.available]
    done = sum(current[s.number] is Status.DONE for s in available)
    upcoming = next_step(con, org.id, current=current)

    left, middle, right = st.columns(3)
    left.metric("Steps done", f"{done} of {len(available)}",
                help="Of the steps available so far.")
    middle.metric("Customer segments", counts["external"] + counts["internal"],
                  help=f"{counts['external']} external, {counts['internal']} internal")
    flagged = [s for s in listed if s.flags()]
    # How the standards are written (step 4), not whether they are met: that is
    # "Standards below target" further down. The two used to read alike.
    right.metric("Standards to finish writing", len(flagged),
                 help="Standards with something missing in step 4: no measurable target, a "
                      "promise to customers stricter than the target, or not yet "
                      "communicated to staff. Whether standards are met is “Standards below "
                      "target”, under To do.")

    if upcoming is not None:
        st.info(f"**Next:** step {upcoming.number}, {upcoming.title}. {upcoming.done_when}",
                icon=":material/arrow_forward:")
        st.page_link(sidebar.PAGES[upcoming.slug], label=f"Open step {upcoming.number}",
                     icon=":material/arrow_forward:")
    else:
        st.success("Every available step is done.", icon=":material/celebration:")

    if not employees:
        # A new organisation: say once, up front, which steps wait for the staff records
        # and who keeps them, before a leader meets the same wall on each step.
        st.info("Steps 5, 7, 8 and 9, and a complaint's owner, need your staff records, "
                "which HR or an administrator adds under People and teams (or imports from "
                "your HR system). Steps 1 to 4 and 11 need nobody else: a leader adds the "
                "teams that serve each segment in step 1.", icon=":material/badge:")
    _to_do(totals)
    _headline(period, rows, list(totals.due))

    st.subheader("The eleven steps", anchor=False)
    for step in STEPS:
        status = current[step.number]
        label, colour, icon = widgets.STATUS_BADGE[status]
        with st.container(border=True, key=f"overview_step_{step.number}"):
            title_col, badge_col = st.columns([5, 1])
            if step.available:
                title_col.page_link(sidebar.PAGES[step.slug],
                                    label=f"**{step.number}. {step.title}**")
            else:
                title_col.markdown(f":gray[{step.number}. {step.title}]")
            badge_col.badge(label, color=colour, icon=icon)  # type: ignore[arg-type]
            title_col.caption(f"{step.purpose} Done when: {step.done_when}")

    top = priorities[:5]
    if top:
        st.subheader("Top service priorities", anchor=False)
        st.caption("Largest gaps between how much a quality matters and how well it is "
                   "delivered today (step 2).")
        for rank, a in enumerate(top, start=1):
            st.markdown(f"{rank}\\. **{md(a.segment)}** – {md(a.quality)}: gap {a.gap} "
                        f"(importance {a.importance}, performance {a.performance})")


def _to_do(totals: for_you.OrgTotals) -> None:
    """Everyone's For you lists added up: what the organisation has to do today."""
    st.subheader("To do across the organisation", anchor=False)
    st.caption(f"Today, owned or not; standards as observed so far in {totals.quarter}. Each "
               "person's own share is on their For you page.")

    cols = st.columns(5)
    cols[0].metric("Measure updates due", f"{totals.updates_due:,}",
                   help="Measures whose value for the latest complete month or quarter is "
                        "missing (step 10).")
    _count(cols[1], "Review actions open", totals.actions_open, totals.actions_overdue,
           "overdue", "Open or in progress, overdue ones included (step 11).")
    _count(cols[2], "Standards below target", totals.standards_red,
           totals.standards_unobserved, "not observed",
           f"Observed in {totals.quarter} and met less often than the compliance target; "
           "and how many are not observed at all yet (step 5).")
    _count(cols[3], "Complaints open", totals.complaints_open, totals.complaints_overdue,
           "overdue", "Not resolved yet; overdue: past the date promised to the customer.")
    _count(cols[4], "Training not passed", totals.training_not_passed,
           totals.training_overdue, "overdue",
           "Modules required of current staff by team or role and not passed; overdue: past "
           "the days allowed after hiring (step 7).")
    st.page_link(sidebar.PAGES["for-you"], label="What is yours: For you",
                 icon=":material/person_check:")


def _count(column: DeltaGenerator, label: str, count: int, late: int, late_word: str,
           why: str) -> None:
    """A count with the part of it that is late beneath it, red when there is any."""
    column.metric(label, f"{count:,}", delta=f"{late:,} {late_word}", delta_arrow="off",
                  delta_color="red" if late else "gray", help=why)


def _headline(period: Quarter, rows: list[scorecard.ScorecardRow],
              due: list[scorecard.DueUpdate]) -> None:
    """The headline scorecard for the chosen quarter, and the updates still due."""
    if not rows:
        return
    st.subheader(f"Headline scorecard, {period}", anchor=False)
    cols = st.columns(len(scorecard.STATUSES))
    for col, name in zip(cols, scorecard.STATUSES, strict=True):
        col.metric(name.capitalize(), sum(r.status == name for r in rows))
    left, right = st.columns(2)
    for column, side in ((left, "employee"), (right, "customer")):
        mine = [r for r in rows if r.measure.side == side]
        with column:
            st.markdown(f"**{side.capitalize()} measures**")
            for r in mine:
                value = measure_value(r.actual.value, r.measure.unit)
                colour = {"green": "green", "amber": "orange", "red": "red"}.get(r.status,
                                                                                  "gray")
                st.markdown(f":{colour}-badge[{r.status}] {md(r.measure.name)}: {value} "
                            f"{md(r.measure.unit)}")
    if due:
        st.warning("**Updates due:** " + "; ".join(
            f"{md(d.measure)} for {d.period} ({md(d.owner)})" for d in due),
            icon=":material/schedule:")
    st.page_link(sidebar.PAGES["measures"], label="Open the scorecard",
                 icon=":material/monitoring:")


def _welcome(con: Connection) -> None:
    st.title("Customer-service strategy planner", anchor=False)
    st.write("Build your organisation's customer-service strategy in eleven steps: who your "
             "customers are, what they need, the standards you keep and who keeps them, how "
             "customers and employees are doing, and a review every quarter.")
    forms.show_flash()
    if not session.allowed(Permission.MANAGE_ORGANISATIONS):
        # Navigation refuses the overview to someone without an organisation; should they
        # reach it all the same, offer nothing they cannot do.
        st.info("You are not a member of any organisation yet: ask an administrator to give "
                "you a role.")
        return
    create_form(con)
    st.caption("Or look at a filled-in example first:")
    demo_form(con)


if __name__ == "__main__":
    render()
