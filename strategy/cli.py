"""The command line: ``python -m strategy COMMAND``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import audit
from .db import Connection, database_path, open_database
from .demo import DEMO_NAME, load_demo, load_demo_if_empty
from .errors import StrategyError
from .imports import KINDS, ImportRejected, run_import, template
from .orgs import find_organisation
from .periods import Quarter
from .review_pack import build_pack, pack_file_name
from .surveys import KINDS as SURVEY_KINDS


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
    export.add_argument("--out", metavar="FILE",
                        help="the .xlsx file to write (default: 'Review pack - ORGANISATION - "
                             "QUARTER.xlsx' in the current folder)")
    importer = commands.add_parser(
        "import", help="import a spreadsheet: employees, measures, responses or recognition",
        description="Check every row of a template or CSV file and import all rows or none. "
                    "On any bad row nothing is written, the rows to fix are listed and the "
                    "exit status is 1.")
    importer.add_argument("kind", choices=KINDS, help="what the file holds")
    importer.add_argument("file", metavar="FILE", help="the .xlsx or .csv file")
    _add_db(importer)
    importer.add_argument("--org", required=True, metavar="NAME",
                          help="the organisation's name, as shown in the app")
    importer.add_argument("--survey", choices=list(SURVEY_KINDS),
                          help="for responses: the question answered (nps, enps, csat, effort)")
    importer.add_argument("--create-teams", action="store_true",
                          help="for employees: create teams named in the file that do not exist")
    importer.add_argument("--month-first", action="store_true",
                          help="read dates like 03/04/2026 as 4 March (default: 3 April)")
    importer.add_argument("--reason", metavar="TEXT",
                          help="why rows in a reviewed (locked) quarter must change")
    importer.add_argument("--by", metavar="NAME", default="command line",
                          help="who is importing, for the change history (default: "
                               "'command line')")

    templates = commands.add_parser(
        "template", help="write an import template (Excel)",
        description="Write the Excel template for an import: headings with notes, an example "
                    "row and lists for the columns that take fixed values.")
    templates.add_argument("kind", choices=KINDS, help="which import")
    templates.add_argument("--out", required=True, metavar="FILE", help="the .xlsx to write")
    return parser


def _import(con: Connection, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StrategyError(f"Cannot read {path}: {exc.strerror}.") from exc
    org = find_organisation(con, args.org)
    audit.acting_as(args.by)
    try:
        count = run_import(con, org.id, args.kind, path.name, data, survey=args.survey,
                           create_teams=args.create_teams, day_first=not args.month_first,
                           reason=args.reason)
    except ImportRejected as exc:
        print(f"Error: {exc.where}: {len(exc.rows)} rows need fixing; nothing was imported.",
              file=sys.stderr)
        for row in exc.rows:
            print(f"  line {row.line}: {' '.join(row.problems)}", file=sys.stderr)
        return 1
    print(f"Imported {count:,} rows of {args.kind} from {path.name} into {org.name}.")
    return 0


def _export(con: Connection, org_name: str, period: str, out: Path | None) -> None:
    org = find_organisation(con, org_name)
    quarter = Quarter.parse(period)
    out = out or Path(pack_file_name(org.name, quarter))
    if out.suffix.lower() != ".xlsx":
        raise StrategyError(f"{out} should end in .xlsx: the review pack is an Excel workbook.")
    try:
        build_pack(con, org.id, quarter, out)
    except OSError as exc:
        raise StrategyError(f"Cannot write {out}: {exc.strerror}.") from exc
    print(f"Wrote the review pack of {org.name} for {quarter} to {out}.")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "template":
        # Needs no database: the template is the same for everyone.
        out = Path(args.out)
        try:
            out.write_bytes(template(args.kind))
        except OSError as exc:
            print(f"Error: cannot write {out}: {exc.strerror}.", file=sys.stderr)
            return 1
        print(f"Wrote the {args.kind} template to {out}.")
        return 0
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
                _export(con, args.org, args.period, Path(args.out) if args.out else None)
            elif args.command == "import":
                return _import(con, args)
        finally:
            con.close()
    except StrategyError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    return 0
