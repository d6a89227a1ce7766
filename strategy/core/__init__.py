"""The core every other package may use, and which uses none of them.

The database and its numbered migrations, the one error family, quarters and
other periods, input checks, rates with their sample size, wording and the
domain's vocabulary, text made safe for spreadsheets and Markdown, the change
history with its reviewed-quarter locks, the organisations themselves, and
the one role → permission table with the person acting now (every layer
checks it, so it sits at the bottom).
"""
