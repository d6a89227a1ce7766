"""Streamlit entry point: the page set-up and navigation, nothing else."""

import streamlit as st

from strategy.ui import context, navigation

st.set_page_config(page_title="Service strategy planner", page_icon=":material/handshake:",
                   layout="wide")
pages = navigation.build()
with context.guard():
    context.sidebar()
    pages.run()
