"""Customer-service strategy planner: the code, in layers.

Bottom to top: ``core`` (database, migrations, errors, periods, permissions),
``identity`` (accounts, sessions, workshops), the plan's domains
(``customers``, ``service``, ``people``, ``measures``, and ``plan`` over them),
``io`` (imports, the review pack, backups, reminders), ``demo`` and ``ui``.
A module imports only from its own package and those below it, and only
``strategy.ui`` imports streamlit: ``tests/test_layering.py`` holds the code to
that, and ``ARCHITECTURE.md`` draws it.
"""

__version__ = "0.1.0"
