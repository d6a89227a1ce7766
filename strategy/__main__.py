import os
import sys

# Every file the command line writes holds the organisation's data (the database,
# its write-ahead log, backups, packs, temporary files): readable by its owner
# only. Set once here rather than chased file by file; DuckDB makes its files
# with the process's umask.
os.umask(0o077)

from strategy.cli import main  # noqa: E402

sys.exit(main())
