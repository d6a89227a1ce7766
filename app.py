"""Streamlit entry point: sign-in check, page set-up and navigation, nothing else."""

import streamlit as st

from strategy.ui import forms, navigation, session, sidebar

st.set_page_config(page_title="Service strategy planner", page_icon=":material/handshake:",
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
