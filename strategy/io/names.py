"""Names the command line shows before it knows which command runs.

Kept apart from the modules behind them (the importers, the reminders through the
app) so that building the command line's parser loads none of those: a command
starts with only what it uses (``python -m strategy export`` never loads the
importers or the mail code)."""

from __future__ import annotations

# What ``python -m strategy import KIND`` and ``template KIND`` take, in the order shown.
IMPORT_KINDS = ["employees", "measures", "responses", "recognition", "complaints"]

# Where the command line finds the running app when the app holds the database file.
DEFAULT_APP_URL = "http://127.0.0.1:8501"
