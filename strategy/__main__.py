import atexit
import gc
import os
import sys

# Every file the command line writes holds the organisation's data (the database,
# its write-ahead log, backups, packs, temporary files): readable by its owner
# only. Set once here rather than chased file by file; DuckDB makes its files
# with the process's umask.
os.umask(0o077)

returned: list[int] = []


def _leave_without_teardown() -> None:
    """Once a command has returned, end the process without taking it apart.

    Registered first, so it runs after every other exit function (they run last in,
    first out). By then the command has closed the database and its files, and the
    other exit functions have run; what is left is Python freeing its modules and
    objects one by one, which the system does at once: 30–50 ms of a review pack's
    0.6 s. A command that did not return (an error Python reports, Ctrl+C) ends as
    Python ends it."""
    if not returned:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # a closed pipe: Python reports it and sets the status, as usual
    os._exit(returned[0])


atexit.register(_leave_without_teardown)

# Loading the command line makes thousands of objects and no garbage: Python's
# collections of garbage would only walk them, again and again, as they are made.
gc.disable()
from strategy.cli import main  # noqa: E402

gc.enable()

returned.append(main())
sys.exit(returned[0])
