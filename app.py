"""Streamlit entry point: sign-in check, page set-up and navigation, nothing else."""

import streamlit as st

from strategy.ui import context, navigation

st.set_page_config(page_title="Service strategy planner", page_icon=":material/handshake:",
                   layout="wide")
with context.guard():
    context.sign_in_gate()
    current, spec = navigation.build()
    context.sidebar()
    navigation.sidebar_links()
    if navigation.may_open(spec, st.session_state.get("org_id")):
        current.run()
    else:
        navigation.refuse(spec)
