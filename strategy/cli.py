"""The command line: ``python -m strategy COMMAND``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .db import Connection, database_path, open_database
from .demo import DEMO_NAME, load_demo, load_demo_if_empty
from .errors import StrategyError
from .orgs import find_organisation
from .periods import Quarter
from .review_pack import build_pack


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH",
        help="database file (default: $STRATEGY_DB, else data/strategy.duckdb)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m strategy",
        description="Customer-service strategy planner: manage the database from the shell.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    migrate = commands.add_parser(
        "migrate", help="create or upgrade the database",
        description="Apply any database migrations not yet applied. Safe to run repeatedly.")
    _add_db(migrate)
    migrate.add_argument("--demo-if-empty", action="store_true",
                         help="also load the demo organisation if there is no organisation yet")

    demo = commands.add_parser(
        "demo", help="load the demo organisation",
        description="Create the demo organisation, a filled-in example plan.")
    _add_db(demo)
    demo.add_argument("--name", default=DEMO_NAME,
                      help=f"name for the demo organisation (default: {DEMO_NAME!r})")
    export = commands.add_parser(
        "export", help="write the quarterly review pack (Excel)",
        description="Write the review pack of one organisation and quarter as an Excel "
                    "workbook.")
    _add_db(export)
    export.add_argument("--org", required=True, metavar="NAME",
                        help="the organisation's name, as shown in the app")
    export.add_argument("--period", required=True, metavar="QUARTER",
                        help="the quarter, written like 2026-Q3")
    export.add_argument("--out", required=True, metavar="FILE",
                        help="the .xlsx file to write")
    return parser


def _export(con: Connection, org_name: str, period: str, out: Path) -> None:
    org = find_organisation(con, org_name)
    quarter = Quarter.parse(period)
    if out.suffix.lower() != ".xlsx":
        raise StrategyError(f"{out} should end in .xlsx: the review pack is an Excel workbook.")
    try:
        build_pack(con, org.id, quarter, out)
    except OSError as exc:
        raise StrategyError(f"Cannot write {out}: {exc.strerror}.") from exc
    print(f"Wrote the review pack of {org.name} for {quarter} to {out}.")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    path = database_path(args.db)
    try:
        con = open_database(path)
        try:
            if args.command == "migrate":
                print(f"Database {path} is up to date.")
                if args.demo_if_empty and (org := load_demo_if_empty(con)):
                    print(f"Loaded the demo organisation “{org.name}”.")
            elif args.command == "demo":
                org = load_demo(con, args.name)
                print(f"Loaded the demo organisation “{org.name}” into {path}.")
            elif args.command == "export":
                _export(con, args.org, args.period, Path(args.out))
        finally:
            con.close()
    except StrategyError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    return 0
