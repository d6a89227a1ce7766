"""Step 3 — the service vision, values and behaviours, and the brainstorm wall."""

from __future__ import annotations

import time
from functools import partial
from urllib.parse import urlsplit

import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection, database_now
from strategy.core.safe_text import md
from strategy.core.wording import minutes_seconds
from strategy.identity import workshops
from strategy.plan.steps import step
from strategy.service import vision
from strategy.ui import forms, session, sidebar, widgets

STEP = step("vision")
# Cards per page of the wall: every card is redrawn at every refresh in every
# browser, so a page is what a phone shows in a few swipes, not the whole wall: in a
# room of a hundred, the refreshes are most of the server's work
# (bench/bench_workshop.py). A card is one element, its vote button.
WALL_PAGE = 15
REFRESH_SECONDS = 2  # how often the wall refreshes, in a room of up to ROOM guests
ROOM = 100  # and a second less often for each ROOM_STEP guests more
ROOM_STEP = 25
# A card is its vote button: the whole answer wraps on it, left-aligned, rather than
# being cut to one line as a button's label is. Our own fixed style (no one's text).
WALL_STYLE = """<style>
.st-key-wall_cards { align-items: stretch; }
.st-key-wall_cards > [class*="st-key-vote_"] { flex: 1 1 17rem; min-width: min(17rem, 100%); }
.st-key-wall_cards > [class*="st-key-vote_"] .stButton,
.st-key-wall_cards > [class*="st-key-vote_"] button { height: 100%; }
.st-key-wall_controls .st-key-wall_page { flex: 0 0 8.5rem; }
[class*="st-key-vote_"] button { height: auto; justify-content: flex-start; align-items: flex-start;
  text-align: left; padding: 0.55rem 0.8rem; }
[class*="st-key-vote_"] button > div, [class*="st-key-vote_"] button > div > span {
  justify-content: flex-start; align-items: flex-start; width: 100%; }
[class*="st-key-vote_"] button [data-testid="stMarkdownContainer"],
[class*="st-key-vote_"] button [data-testid="stMarkdownContainer"] p {
  white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; -webkit-line-clamp: unset !important;
  display: block !important; text-align: left; }
</style>"""
# A second press on the same card within this is the same tap twice over (a double
# tap, a bouncing finger), not a change of mind: operating systems take half a second
# as a double click. It lands on the redrawn card, which now means the opposite.
DOUBLE_TAP_SECONDS = 0.5
SUGGESTIONS_SHOWN = 8  # groups of likely duplicates offered at a time


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    if session.me().kind == "guest":
        # Guests of a workshop see the wall and the vision it feeds, nothing else.
        st.markdown(f"**Our vision:** {md(vision.get_vision(con, org.id).statement or '—')}")
        _live_wall(con, org.id)
        return
    widgets.show_tabs("vision_tab", {
        "Brainstorm: “Customer service means …”": lambda: _live_wall(con, org.id),
        "Vision and customer story": lambda: _vision(con, org.id),
        "Values and behaviours": lambda: _values(con, org.id),
    })


def refresh_seconds(guests: int) -> int:
    """The wall's refresh: every REFRESH_SECONDS in a room of up to ROOM guests, a second
    less often for each ROOM_STEP more. Every guest's wall redraws at each refresh; this
    keeps a room of 200 within what one server does (bench/bench_workshop.py) while a
    room of 100 sees a new answer within REFRESH_SECONDS or so."""
    return REFRESH_SECONDS + max(0, -(-(guests - ROOM) // ROOM_STEP))


def _room_refresh(con: Connection, org_id: int) -> int:
    workshop = workshops.shared_current_workshop(con, org_id)
    return refresh_seconds(workshops.shared_guest_count(con, workshop.id) if workshop else 0)


def _live_wall(con: Connection, org_id: int) -> None:
    st.html(WALL_STYLE)  # drawn by the page, not at each of the wall's refreshes
    seconds = st.session_state["_wall_refresh"] = _room_refresh(con, org_id)
    session.live_fragment(seconds)(_wall)(org_id)


def _wall(org_id: int) -> None:
    """The workshop panel, the wall and the facilitator's tools, as one fragment that
    re-reads them every few seconds on its own thread (so it takes its own cursor).

    One fragment, not three: one refresh per browser instead of three, a merge shows on
    the wall at once, and no action needs a full rerun, which would race the other
    fragments' refreshes ("fragment does not exist anymore")."""
    con = session.db()
    if session.allowed(Permission.FACILITATE):
        _workshop(con, org_id)
    _brainstorm(con, org_id)
    if session.allowed(Permission.FACILITATE):
        _facilitator(con, org_id)
    # The room has grown: the page again, with the wall's new refresh. Last, once this
    # run has done what was pressed: a rerun asked for before the answer form is drawn
    # drops the press of its Add button, and in a room that is still joining, every
    # wall's refresh crosses such a step (20 of 200 first answers lost in one run).
    if _room_refresh(con, org_id) != st.session_state.get("_wall_refresh"):
        st.rerun()


def _workshop(con: Connection, org_id: int) -> None:
    """Open a workshop, project its code, see who joined, close it."""
    current = workshops.current_workshop(con, org_id)
    with st.expander("Workshop: let participants join by code", key="workshop_panel",
                     expanded=current is not None, on_change="rerun"):
        if current is None:
            st.caption("Participants without an account join as guests from their laptop or "
                       "phone: they see this wall and nothing else. The code works for "
                       f"{workshops.CODE_HOURS} hours or until you close the workshop.")
            if st.button("Open a workshop", key="workshop_open", type="primary",
                         icon=":material/qr_code_2:"):
                forms.attempt(lambda: workshops.open_workshop(con, org_id), rerun=False)
                forms.rerun_fragment()
            return
        base = widgets.base_url()
        link = workshops.join_link(base, current.code)
        if urlsplit(base).hostname in ("localhost", "127.0.0.1", "::1"):
            st.warning("This address works on this computer only: participants' laptops and "
                       "phones cannot open it. Run the app where others can reach it (see "
                       "the README, HOST) and open it by that address.", icon=":material/wifi_off:")
        code_col, qr_col = st.columns([3, 2])
        with code_col:
            st.markdown("Join at")
            st.code(link, language=None)
            st.markdown("with the code")
            st.markdown(f"## `{current.code}`")
            st.caption(f"Opened by {md(current.opened_by)} · the code expires at "
                       f"{current.expires_at:%H:%M} (server time)")
        qr_col.image(workshops.qr_png(link), width=220, caption="Scan to join")
        joined = workshops.guests(con, current.id)
        st.markdown(f"**{len(joined)} joined:** "
                    + (", ".join(md(g.name) for g in joined) if joined else "nobody yet"))
        _countdown(con, current)
        st.link_button("Open the projector view", f"/projector?org={org_id}",
                       icon=":material/cast:",
                       help="The wall in large type for the room, with this code, the "
                            "countdown, then the adopted answers and the self-check's "
                            "results. It opens in a new tab: move it to the projector.")
        if st.button("Close the workshop", key="workshop_close", icon=":material/logout:"):
            forms.attempt(lambda: workshops.close_workshop(con, current.id), rerun=False,
                          success="Workshop closed: the guests are signed out.")
            forms.rerun_fragment()


def _countdown(con: Connection, current: workshops.Workshop) -> None:
    """A countdown for the brainstorm, on the projector and on everyone's wall."""
    left = current.seconds_left(database_now(con))
    minutes_col, start_col, stop_col = st.columns([2, 2, 2], vertical_alignment="bottom")
    minutes = minutes_col.number_input("Countdown (minutes)", min_value=1,
                                       max_value=workshops.MAX_COUNTDOWN_MINUTES, value=5,
                                       step=1, key="countdown_minutes")
    if start_col.button("Restart the countdown" if left else "Start the countdown",
                        key="countdown_start", icon=":material/timer:") and forms.attempt(
            lambda: workshops.start_countdown(con, current.id, int(minutes)), rerun=False):
        forms.rerun_fragment()
    if left is not None and stop_col.button("Stop the countdown", key="countdown_stop") \
            and forms.attempt(lambda: workshops.stop_countdown(con, current.id), rerun=False):
        forms.rerun_fragment()
    if left is not None:
        st.caption(f"{minutes_seconds(left)} left" if left else "The countdown is over.")


def _vision(con: Connection, org_id: int) -> None:
    current = vision.get_vision(con, org_id)
    edit = forms.EditSession(f"vision_{org_id}", current.version)
    with st.form("vision_form"):
        errors = forms.FieldErrors()
        statement = st.text_area(
            "Vision statement", value=current.statement, key=f"{edit.prefix}_statement",
            height=100, max_chars=600,
            help="One or two sentences on the service you want to be known for.")
        errors.slot("statement")
        story = st.text_area(
            "The story a customer should tell afterwards", value=current.customer_story,
            key=f"{edit.prefix}_story", height=140, max_chars=2000,
            help="In the customer's own words, what happened and how it felt.")
        errors.slot("customer_story")
        if st.form_submit_button("Save vision", type="primary"):
            def save() -> None:
                vision.save_vision(con, org_id, edit.started_from, statement, story)
                edit.restart()
            forms.attempt(save, errors, success="Vision saved.")
    edit.offer_reload("vision")


def _values(con: Connection, org_id: int) -> None:
    values = vision.list_values(con, org_id)
    if not values:
        st.info("No values yet. Name the few values that should guide how people serve "
                "customers, then say what each looks like in practice.")
    for value in values:
        with st.container(border=True, key=f"value_box_{value.id}"):
            head, action = st.columns([6, 1])
            head.markdown(f"**{md(value.name)}**")
            if value.description:
                head.caption(md(value.description))
            if action.button("Remove", key=f"value_delete_{value.id}", icon=":material/delete:"):
                forms.attempt(partial(vision.delete_value, con, org_id, value.id),
                              success=f"Removed the value “{value.name}”.")
            if not value.behaviours:
                st.caption("No behaviours yet: what would a customer see someone do?")
            for behaviour_id, text in value.behaviours:
                line, drop = st.columns([12, 1])
                line.markdown(f"- {md(text)}")
                if drop.button("", key=f"behaviour_delete_{behaviour_id}",
                               icon=":material/close:", help="Remove this behaviour"):
                    forms.attempt(partial(vision.delete_behaviour, con, org_id, behaviour_id))

    left, right = st.columns(2)
    value_keys = forms.FormKeys("value")
    with left, st.form("value_add"):
        st.markdown("**Add a value**")
        errors = forms.FieldErrors()
        name = st.text_input("Value", key=value_keys("name"), max_chars=80)
        errors.slot("value_name")
        description = st.text_input("What it means", key=value_keys("description"),
                                    max_chars=600)
        errors.slot("value_description")
        if st.form_submit_button("Add value"):
            def add_value() -> None:
                vision.add_value(con, org_id, name, description)
                value_keys.renew()
            forms.attempt(add_value, errors, success=f"Added the value “{name.strip()}”.")
    behaviour_keys = forms.FormKeys("behaviour")
    with right, st.form("behaviour_add"):
        st.markdown("**Add a behaviour**")
        errors = forms.FieldErrors()
        names = {v.id: v.name for v in values}
        # The value chosen stays chosen after an add: several behaviours often follow.
        value_id = widgets.record_select(st, "For the value", list(names), names.__getitem__,
                                         "behaviour_value", placeholder="Add a value first")
        behaviour = st.text_input("Behaviour that expresses it", key=behaviour_keys("text"),
                                  max_chars=300)
        errors.slot("behaviour")
        if st.form_submit_button("Add behaviour"):
            if value_id is None:
                st.error("Add a value first, then the behaviours that express it.")
            else:
                def add_behaviour() -> None:
                    vision.add_behaviour(con, org_id, value_id, behaviour)
                    behaviour_keys.renew()
                forms.attempt(add_behaviour, errors, success="Behaviour added.")


def _brainstorm(con: Connection, org_id: int) -> None:
    me = session.me().name if session.allowed(Permission.BRAINSTORM) else ""
    st.caption("Everyone completes the sentence from their own device. New answers appear "
               "here for everyone within a few seconds; vote for the ones that ring true.")
    workshop = workshops.shared_current_workshop(con, org_id)
    left = workshop.seconds_left(database_now(con)) \
        if workshop and workshop.countdown_ends_at else None
    if left is not None:
        st.markdown(f":material/timer: **{minutes_seconds(left)} left to add answers**" if left
                    else ":material/timer: **Time's up**: vote for the answers that ring true.")
    if not me:
        st.info("Your role lets you read the wall, not add to it.", icon=":material/visibility:")
    # Not cleared on submit: an answer that cannot be added yet stays in the box; an
    # answer that is added leaves it empty for the next one.
    keys = forms.FormKeys("brainstorm")
    with st.form("brainstorm_add"):
        errors = forms.FieldErrors()
        text = st.text_input("Customer service means …", key=keys("text"), max_chars=280)
        errors.slot("entry", "author")
        added = st.form_submit_button("Add to the wall", type="primary", disabled=not me)
        if added and forms.attempt(partial(vision.add_entry, con, org_id, text), errors,
                                   rerun=False):
            keys.renew()
            # Show the new answer where its author can see it: newest first, page 1.
            st.session_state["wall_order"] = "Newest"
            st.session_state["wall_text"] = ""
            _say_added()  # now, before the refresh that shows the new answer
            forms.rerun_fragment()
    if st.session_state.get("_wall_added"):
        _say_added()  # this run's predecessor was stopped before it could
    wall = vision.shared_wall(con, org_id)
    if not wall.by_votes:
        st.info("The wall is empty. Be the first to add an answer.")
        return
    # The wall's controls in one row: one box, where columns were four.
    controls = st.container(horizontal=True, vertical_alignment="bottom", key="wall_controls")
    # The order starts at "Most votes" through the session state, not a default: an add
    # sets it to "Newest" the same way, and a widget may take its value from one only.
    st.session_state.setdefault("wall_order", "Most votes")
    order = controls.segmented_control("Order", ["Most votes", "Newest"],
                                       key="wall_order") or "Most votes"
    text = controls.text_input("Search the answers", key="wall_text", max_chars=80).strip().lower()
    ordered = wall.newest if order == "Newest" else wall.by_votes
    shown = [e for e in ordered if text in e.text.lower() or text in e.author.lower()] \
        if text else ordered
    # Hundreds of cards redrawn every few seconds would keep every browser busy: the
    # wall shows a page of them at a time.
    page = widgets.page_number("wall_page", len(shown), WALL_PAGE, (order, text), controls)
    first = (page - 1) * WALL_PAGE
    on_page = shown[first:first + WALL_PAGE]
    st.caption(f"{len(wall.by_votes)} answers · {wall.votes} votes"
               + (f" · {_matching(len(shown))}" if text else "")
               + (f" · showing {first + 1}–{first + len(on_page)}" if len(shown) > WALL_PAGE
                  else "")
               + f" · refreshed every {st.session_state.get('_wall_refresh')} s")
    forms.show_problem("wall")  # a vote that could not be cast (the answer was merged)
    # Cards side by side, as many to a row as the screen holds (three on a laptop, one
    # on a phone): one box that wraps them, where three columns were four boxes to
    # redraw at every refresh in every browser.
    cards = st.container(horizontal=True, gap="small", key="wall_cards")
    for entry in on_page:
        # The card is its vote button, answer and author on it: each element is a
        # message to every browser at every refresh, and a card of three (frame, text,
        # button) made the wall the server's heaviest work in a full room.
        mine = me in entry.voters
        badge = " · **Adopted**" if entry.adopted else ""
        # The key says what a press means (cast, or take back): a press that arrives
        # twice (a double tap) meets a button that now means the other, and is not
        # taken as a second, undoing press. The vote is cast in the button's callback,
        # which runs even when the refresh that follows moves the card off this page.
        cards.button(
            f"{md(entry.text)}{badge}  \n{md(entry.author)} · {entry.votes} "
            f"vote{'s' if entry.votes != 1 else ''} · {'Voted' if mine else 'Vote'}",
            key=f"vote_{entry.id}_withdraw" if mine else f"vote_{entry.id}",
            icon=":material/thumb_up:", width="stretch",
            type="primary" if mine else "secondary", disabled=not me,
            on_click=forms.on_press(partial(_vote, org_id, entry.id, not mine), "wall"))


def _say_added() -> None:
    """"Added to the wall." Said in the run that adds, so that it is on its way while
    the refresh that follows is drawn (and a finished run's last messages are sent
    before the next run starts: see strategy/ui/runner_handover.py). Forgotten once
    said, not before: a rerun asked for meanwhile stops the run at the toast, and the
    next run says it."""
    st.session_state["_wall_added"] = True
    st.toast("Added to the wall.", icon=":material/check:")
    del st.session_state["_wall_added"]


def _vote(org_id: int, entry_id: int, stands: bool) -> None:
    """Cast or take back this person's vote, unless the press follows their last one on
    the card too closely to be meant (see DOUBLE_TAP_SECONDS). Only a vote that was
    stored counts as a press: one refused (a role changed meanwhile) holds nothing up."""
    pressed = st.session_state.setdefault("_wall_pressed", {})
    now = time.monotonic()
    if now - pressed.get(entry_id, -DOUBLE_TAP_SECONDS) < DOUBLE_TAP_SECONDS:
        return
    vision.set_vote(session.db(), org_id, entry_id, stands)
    pressed[entry_id] = now


def _matching(n: int) -> str:
    return "no answer matches" if not n else "1 answer matches" if n == 1 \
        else f"{n} answers match"


def _distinct_labels(entries: list[vision.Entry]) -> dict[int, str]:
    """Each answer as the facilitator's lists show it; the same words from the same
    person get a number, so every duplicate can be chosen on its own."""
    labels: dict[int, str] = {}
    seen: dict[str, int] = {}
    for e in entries:
        text = f"{e.text} ({e.author})"
        seen[text] = seen.get(text, 0) + 1
        labels[e.id] = text if seen[text] == 1 else f"{text} · copy {seen[text]}"
    return labels


def _facilitator(con: Connection, org_id: int) -> None:
    """Tools for whoever runs the workshop. They refresh with the wall, so they appear
    with the first answer and offer every new one; a choice in progress survives the
    refresh because every widget has a key."""
    entries = vision.wall_entries(con, org_id)
    if not entries:
        return
    tools = st.expander("Facilitator: merge duplicates, adopt into the vision",
                        key="facilitator_tools", on_change="rerun")
    if tools.open is False:
        return  # its lists of every answer are drawn only while it is open
    with tools:
        _suggested_merges(con, org_id, entries)
        st.markdown("**Merge by hand**")
        labels = _distinct_labels(entries)
        keep = st.selectbox("Keep this answer", list(labels), format_func=labels.__getitem__,
                            key="merge_keep")
        duplicates = st.multiselect("… and merge these into it",
                                    [i for i in labels if i != keep],
                                    format_func=labels.__getitem__, key="merge_duplicates")
        if st.button("Merge", key="merge_button", disabled=not duplicates) and forms.attempt(
                lambda: vision.merge_entries(con, org_id, keep, duplicates), success="Merged.",
                rerun=False):
            forms.rerun_fragment()
        adopted = st.multiselect("Adopted into the vision", list(labels),
                                 default=[e.id for e in entries if e.adopted],
                                 format_func=labels.__getitem__, key="adopted_entries")
        if st.button("Save adopted answers", key="adopt_button"):
            def adopt() -> None:
                for e in entries:
                    if e.adopted != (e.id in adopted):
                        vision.set_adopted(con, org_id, e.id, e.id in adopted)
            if forms.attempt(adopt, success="Adopted answers saved.", rerun=False):
                forms.rerun_fragment()


def _suggested_merges(con: Connection, org_id: int, entries: list[vision.Entry]) -> None:
    """Answers that look alike, each group merged with one click."""
    suggestions = vision.likely_duplicates(entries)
    if not suggestions:
        st.caption("No answers look alike just now.")
        return
    st.markdown(f"**Likely duplicates** ({len(suggestions)})")
    for group in suggestions[:SUGGESTIONS_SHOWN]:
        ids = "_".join(str(d.id) for d in group.duplicates)
        with st.container(border=True, key=f"likely_group_{group.keep.id}_{ids}"):
            st.markdown(f"Keep “{md(group.keep.text)}” ({md(group.keep.author)}, "
                        f"{_votes(group.keep.votes)})")
            for dup in group.duplicates:
                st.markdown(f"- “{md(dup.text)}” ({md(dup.author)}, {_votes(dup.votes)})")
            count = len(group.duplicates)
            if st.button(f"Merge {'these' if count > 1 else 'this'} into it",
                         key=f"likely_merge_{group.keep.id}_{ids}",
                         icon=":material/merge:") and forms.attempt(
                    partial(vision.merge_entries, con, org_id, group.keep.id,
                            [d.id for d in group.duplicates]),
                    success="Merged: their votes now count for the answer kept.",
                    rerun=False):
                forms.rerun_fragment()
    if len(suggestions) > SUGGESTIONS_SHOWN:
        st.caption(f"{len(suggestions) - SUGGESTIONS_SHOWN} more after these are merged.")


def _votes(n: int) -> str:
    return f"{n} vote{'s' if n != 1 else ''}"


if __name__ == "__main__":
    render()
