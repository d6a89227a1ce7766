"""Streamlit entry point: sign-in check, page set-up and navigation, nothing else."""

from pathlib import Path

import streamlit as st

from strategy.ui import forms, navigation, session, sidebar

# The icon is served by the app itself: a Material icon would be fetched from Google's
# servers by every browser, which the content security policy refuses.
st.set_page_config(page_title="Service strategy planner",
                   page_icon=str(Path(__file__).parent / "strategy/ui/assets/favicon.png"),
                   layout="wide")
with forms.guard():
    session.sign_in_gate()
    current, spec = navigation.build()
    sidebar.sidebar()
    navigation.sidebar_links()
    if navigation.may_open(spec, st.session_state.get("org_id")):
        current.run()
    else:
        navigation.refuse(spec)
