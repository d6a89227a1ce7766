"""Step 1 — identify your customers: the segment register."""

from __future__ import annotations

import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.safe_text import md
from strategy.core.vocabulary import CHANNELS, SEGMENT_KINDS, SIZE_UNITS, VALUE_LEVELS
from strategy.core.wording import kept_without
from strategy.customers import segments
from strategy.customers.segments import Segment, SegmentInput
from strategy.people import personnel
from strategy.plan.steps import step
from strategy.ui import forms, session, sidebar, widgets

STEP = step("customers")


def _segment_form(con: Connection, org_id: int, prefix: str,
                  current: Segment | None) -> tuple[SegmentInput, forms.FieldErrors]:
    """The fields of a segment inside the caller's form; keys start with ``prefix``."""
    errors = forms.FieldErrors()
    teams = [t.name for t in personnel.list_teams(con, org_id)]
    c = current
    name = st.text_input("Segment name", value=c.name if c else "", key=f"{prefix}_name",
                         max_chars=120)
    errors.slot("name")
    kind = st.radio("Internal or external", SEGMENT_KINDS, horizontal=True,
                    index=SEGMENT_KINDS.index(c.kind) if c else 0, key=f"{prefix}_kind",
                    help="External customers buy or use the services; internal customers are "
                         "colleagues who depend on someone else's work.")
    errors.slot("kind")
    description = st.text_area("Description", value=c.description if c else "",
                               key=f"{prefix}_description", height=80)
    errors.slot("description")
    left, right = st.columns(2)
    size = left.number_input("Size", value=c.size if c else None, step=1,
                             key=f"{prefix}_size", placeholder="How many?")
    size_unit = right.selectbox("Counted in", SIZE_UNITS,
                                index=SIZE_UNITS.index(c.size_unit) if c else 0,
                                key=f"{prefix}_size_unit")
    errors.slot("size", "size_unit")
    left, right = st.columns(2)
    value_level = left.selectbox("Value to the organisation", VALUE_LEVELS,
                                 index=VALUE_LEVELS.index(c.value_level) if c else 2,
                                 key=f"{prefix}_value_level")
    annual_value = right.number_input("Annual value (optional)",
                                      value=c.annual_value if c else None, step=1000.0,
                                      key=f"{prefix}_annual_value", format="%.0f")
    errors.slot("value_level", "annual_value")
    serving = st.multiselect("Teams that serve them", teams,
                             default=[t for t in c.serving_teams if t in teams] if c else [],
                             key=f"{prefix}_teams", placeholder="Choose the teams",
                             help="The organisation's teams, as under People and teams. A team "
                                  + ("missing here can be added below the form."
                                     if session.allowed(Permission.ADD_TEAMS) else
                                     "missing here is added by a leader, HR or an "
                                     "administrator."))
    errors.slot("serving_teams")
    channels = st.multiselect("Channels they use", CHANNELS, default=c.channels if c else [],
                              key=f"{prefix}_channels")
    errors.slot("channels")
    data = SegmentInput(name=name, kind=kind, description=description,
                        size=int(size) if size is not None else None, size_unit=size_unit,
                        value_level=value_level, annual_value=annual_value,
                        serving_teams=list(serving), channels=list(channels))
    return data, errors


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    listed = segments.list_segments(con, org.id)
    counts = segments.segment_counts(con, org.id)

    cols = st.columns(3)
    cols[0].metric("External segments", counts["external"])
    cols[1].metric("Internal segments", counts["internal"])
    cols[2].metric("All segments", len(listed))

    if listed:
        widgets.table(
            [{"Segment": s.name, "Type": s.kind, "Size": s.size, "Counted in": s.size_unit,
              "Value": s.value_level, "Annual value": s.annual_value,
              "Served by": ", ".join(s.serving_teams), "Channels": ", ".join(s.channels),
              "Description": s.description} for s in listed],
            hide_index=True, width="stretch", key="segments_table",
            column_config={"Annual value": st.column_config.NumberColumn(format="localized")})
        missing = [s.name for s in listed if not s.serving_teams or not s.channels]
        if missing:
            st.warning("Say who serves these segments and through which channels: "
                       + ", ".join(md(n) for n in missing), icon=":material/info:")
    else:
        st.info("No segments yet. Start with the customers who buy from you, then add the "
                "colleagues who depend on your team's work.")

    if not session.allowed(Permission.EDIT_PLAN):
        session.refused(Permission.EDIT_PLAN, "Adding and editing segments")
        return
    widgets.show_tabs("customers_tab", {
        "Add a segment": lambda: _add(con, org.id),
        "Edit or delete": lambda: _edit(con, org.id, listed),
    })


def _add(con: Connection, org_id: int) -> None:
    keys = forms.FormKeys("segment_new")
    with st.form("segment_add"):
        data, errors = _segment_form(con, org_id, keys.prefix, None)
        if st.form_submit_button("Add segment", type="primary"):
            def add() -> None:
                segments.add_segment(con, org_id, data)
                keys.renew()
            forms.attempt(add, errors, success=f"Added the segment “{data.name.strip()}”.")
    _add_team(con, org_id)


def _add_team(con: Connection, org_id: int) -> None:
    """A team missing from the list is added here, without leaving the segment."""
    if not session.allowed(Permission.ADD_TEAMS):
        return  # the field's help says who adds them
    keys = forms.FormKeys("segment_team_new")
    with st.popover("Add a team", icon=":material/group_add:"), st.form("segment_team_add"):
        errors = forms.FieldErrors()
        name = st.text_input("Team name", key=keys("name"), max_chars=80,
                             help="It joins the organisation's teams under People and "
                                  "teams.")
        errors.slot("team")
        if st.form_submit_button("Add team"):
            def add() -> None:
                personnel.add_team(con, org_id, name)
                keys.renew()
            forms.attempt(add, errors, success=f"Added the team {name.strip()}: choose it "
                                            "for the segment.")


def _edit(con: Connection, org_id: int, listed: list[Segment]) -> None:
    if not listed:
        st.caption("Add a segment first.")
        return
    by_id = {s.id: s for s in listed}
    chosen = widgets.record_select(st, "Segment", list(by_id), lambda i: by_id[i].name,
                                   "segment_edit_choice")
    segment = by_id[chosen]
    edit = forms.EditSession(f"segment_edit_{segment.id}", segment.version,
                             f"segment:{segment.id}")
    with st.form(f"segment_edit_form_{segment.id}"):
        data, errors = _segment_form(con, org_id, edit.prefix, segment)
        if st.form_submit_button("Save changes", type="primary"):
            def save() -> None:
                edit.restart(saved_as=segments.update_segment(
                    con, org_id, segment.id, edit.started_from, data))
            forms.attempt(save, errors, success="Segment saved.")
    edit.offer_reload("segment")
    _add_team(con, org_id)
    with st.popover("Delete this segment", icon=":material/delete:"):
        lost = segments.dependents(con, org_id, segment.id)
        st.write(f"Delete {md(segment.name)}"
                 + (f" and its {lost.assessments} needs assessments?" if lost.assessments
                    else "?")
                 + kept_without(lost.complaints, "segment"))
        if st.button("Yes, delete", key=f"segment_delete_{segment.id}", type="primary"):
            forms.attempt(lambda: segments.delete_segment(con, org_id, segment.id),
                          success=f"Deleted “{segment.name}”.")


if __name__ == "__main__":
    render()
