"""The command line: ``python -m strategy COMMAND``."""

from __future__ import annotations

import argparse
import gc
import getpass
import importlib
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from strategy.core import access
from strategy.core.access import ACCOUNT_ROLES, Identity, Role
from strategy.core.db import (
    Connection,
    close_database,
    database_path,
    database_url,
    held_by_another_process,
    open_database,
)
from strategy.core.errors import StorageError, StrategyError
from strategy.core.orgs import find_organisation
from strategy.core.periods import Quarter
from strategy.io.names import DEFAULT_APP_URL, IMPORT_KINDS
from strategy.measures.surveys import KINDS as SURVEY_KINDS

if TYPE_CHECKING:
    from strategy.io.remind import Report

# Each command imports what it uses when it runs, not here: the review pack must not
# wait for the importers or the mail code to load (a command's start-up counts in its
# time), and only the command being run has its arguments' help worked out (the
# import's lists the fields of every importer).


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH",
        help="database file (default: $STRATEGY_DB, else data/strategy.duckdb)")


def build_parser(running: str | None = None) -> argparse.ArgumentParser:
    """The parser; ``running``, if given, is the only command whose costly help is worked out
    (the others are still listed, and still parse)."""
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
    migrate.add_argument("--setup-link", metavar="URL",
                         help="if there is no account yet, print a one-time link under URL "
                              "(such as http://localhost:8501) that creates the first "
                              "administrator")

    demo = commands.add_parser(
        "demo", help="load the demo organisation",
        description="Create the demo organisation, a filled-in example plan.")
    _add_db(demo)
    demo.add_argument("--name",
                      help="name for the demo organisation (default: 'Riverbend Water "
                           "(demo)', or 'Riverbend Water (large)' with --size large)")
    demo.add_argument("--size", choices=["small", "large"], default="small",
                      help="small: the filled-in example plan (default); large: the same plan "
                           "with 20,000 staff, 1,000,000 recognitions and more, built in bulk "
                           "to measure speed")
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
    sources_said, fields_said = _import_lists() if running in (None, "import") else ("", "")
    importer = commands.add_parser(
        "import", help="import a spreadsheet: employees, measures, responses, recognition or "
                       "complaints",
        description="Check every row of a template, or of another system's export as it "
                    "comes (its system recognised from the headings, or named with --source), "
                    "and import all rows or none. On any bad row nothing is written, the "
                    "problems are listed grouped, with their lines and what fixes them, and "
                    "the exit status is 1.")
    importer.add_argument("kind", choices=IMPORT_KINDS, help="what the file holds")
    importer.add_argument("file", metavar="FILE", help="the .xlsx or .csv file")
    _add_db(importer)
    importer.add_argument("--org", required=True, metavar="NAME",
                          help="the organisation's name, as shown in the app")
    importer.add_argument("--survey", choices=list(SURVEY_KINDS),
                          help="for responses: the question answered (nps, enps, csat, effort)")
    importer.add_argument("--create-teams", action="store_true",
                          help="for employees: create teams named in the file that do not exist")
    importer.add_argument("--source", metavar="NAME",
                          help="the system that exported the file, where its headings do not "
                               "say" + sources_said)
    importer.add_argument("--date-order", choices=["dmy", "mdy"],
                          help="how to read dates like 03/04/2026 when no date in a column "
                               "says: dmy (3 April) or mdy (4 March); by default the file "
                               "decides, then the organisation's saved choice")
    importer.add_argument("--month-first", action="store_true",
                          help="the same as --date-order mdy")
    importer.add_argument("--reason", metavar="TEXT",
                          help="why rows in a reviewed (locked) quarter must change")
    importer.add_argument("--column", action="append", default=[], metavar="FIELD=HEADING",
                          help="the file's column holding a field, where it is not the one "
                               "guessed, e.g. --column received_on='Created at'; FIELD= leaves "
                               "a guessed column unread (repeat for each" + fields_said + ")")
    importer.add_argument("--value", action="append", default=[], metavar="FIELD:FROM=TO",
                          help="what a value of the file means, e.g. --value "
                               "'kind:Incident=complaint', --value 'channel:Fax=Letter', "
                               "--value 'kind:*=leave out' (any other value; the rows left "
                               "out are counted)")
    importer.add_argument("--save-mapping", action="store_true",
                          help="keep the columns, values and date order for the "
                               "organisation's next file from the same system")
    importer.add_argument("--again", action="store_true",
                          help="import a file without record keys that was imported before")

    export.add_argument("--role", choices=[r.value for r in ACCOUNT_ROLES],
                        default=Role.ADMINISTRATOR.value,
                        help="write the pack as this role sees it: a leader's or viewer's pack "
                             "leaves out the personal recognition log (default: administrator)")

    user = commands.add_parser(
        "user", help="manage accounts: add, list, reset-password, role, person, disable, "
                     "enable",
        description="Manage the accounts that may sign in. Passwords are read from a prompt "
                    "or, when stdin is not a terminal, from its first line.")
    user_commands = user.add_subparsers(dest="user_command", metavar="ACTION", required=True,
                                        help="what to do")
    add = user_commands.add_parser("add", help="add an account")
    add.add_argument("name", metavar="NAME", help="user name or e-mail, typed to sign in")
    add.add_argument("--role", required=True, choices=["admin", *[r.value for r in ACCOUNT_ROLES]],
                     help="admin (administrator of everything), or a role in --org")
    add.add_argument("--org", metavar="NAME", help="the organisation the role is in")
    add.add_argument("--display-name", metavar="TEXT",
                     help="the name others see (default: NAME)")
    add.add_argument("--email", metavar="ADDRESS")
    role = user_commands.add_parser("role", help="set an account's role in an organisation")
    role.add_argument("name", metavar="NAME")
    role.add_argument("--org", required=True, metavar="NAME")
    role.add_argument("--role", required=True, choices=[*[r.value for r in ACCOUNT_ROLES], "none"],
                      help="the role, or none to take the account out of the organisation")
    user_commands.add_parser("list", help="list the accounts and their roles")
    person = user_commands.add_parser(
        "person", help="say which member of staff an account is in an organisation",
        description="Link an account to its staff record in an organisation: its For you "
                    "list and reminder e-mails show what that person owns and the training "
                    "they need. The account needs a role there first.")
    person.add_argument("name", metavar="NAME", help="the account's user name")
    person.add_argument("--org", required=True, metavar="NAME",
                        help="the organisation's name, as shown in the app")
    who = person.add_mutually_exclusive_group(required=True)
    who.add_argument("--employee", metavar="NUMBER|NAME",
                     help="the employee number, or the full name if only one person has it")
    who.add_argument("--none", action="store_true", help="link the account to nobody")
    for action, text in (("reset-password", "set a new password (signs the account out)"),
                         ("disable", "stop an account signing in (signs it out)"),
                         ("enable", "let a disabled account sign in again")):
        command = user_commands.add_parser(action, help=text)
        command.add_argument("name", metavar="NAME")
    for command in user_commands.choices.values():
        _add_db(command)

    backup_command = commands.add_parser(
        "backup", help="write a backup of the whole database (a zip file)",
        description="Copy the whole database into a zip file that records this app, the "
                    "schema version, the time and a checksum. While the app runs it holds the "
                    "database file: then download a backup in the app (Accounts and access → "
                    "Backup), or stop the app first.")
    _add_db(backup_command)
    backup_command.add_argument(
        "--out", metavar="FILE",
        help="the .zip to write, or a folder to write it in (default: "
             "strategy-backup-YYYYMMDD-HHMMSS.zip in the current folder); an existing file "
             "is never overwritten")
    restore_command = commands.add_parser(
        "restore", help="put a backup back in place of the database",
        description="Check a backup (that it is one of this app's, its checksum, that it is "
                    "not newer than this version) and put it in place of the database. The "
                    "database that was there is kept beside it as "
                    "PATH.before-restore-YYYYMMDD-HHMMSS. Stop the app first.")
    restore_command.add_argument("file", metavar="FILE", help="the backup (.zip)")
    _add_db(restore_command)

    reminders = commands.add_parser(
        "remind", help="e-mail each person their For you list (for a weekly cron job)",
        description="Send each account that is linked to a member of staff, has an e-mail "
                    "address and has something on its list one plain-text e-mail with the "
                    "list. The mail server comes from STRATEGY_SMTP_HOST, STRATEGY_SMTP_FROM "
                    "and the other STRATEGY_SMTP_* settings; STRATEGY_BASE_URL, if set, adds "
                    "a link to the app. Without a mail server it stops with exit status 1. "
                    "While the app has the database open, the app at STRATEGY_APP_URL "
                    f"(default {DEFAULT_APP_URL}) sends them, with its own "
                    "settings.")
    _add_db(reminders)
    reminders.add_argument("--org", metavar="NAME",
                           help="only this organisation (default: every organisation)")
    reminders.add_argument("--dry-run", action="store_true",
                           help="print the e-mails instead of sending them (needs no mail "
                                "server)")
    reminders.add_argument("--today", metavar="YYYY-MM-DD", type=_day,
                           help="draw the lists as on this day (default: today)")

    templates = commands.add_parser(
        "template", help="write an import template (Excel)",
        description="Write the Excel template for an import: headings with notes, an example "
                    "row and lists for the columns that take fixed values.")
    templates.add_argument("kind", choices=IMPORT_KINDS, help="which import")
    templates.add_argument("--out", required=True, metavar="FILE", help="the .xlsx to write")
    return parser


def _import_lists() -> tuple[str, str]:
    """The import's help: the systems it reads, and each importer's fields."""
    from strategy.io import complaints_import, sources, staff_import, survey_import

    systems = "; ".join(f"{kind}: " + ", ".join(s.key for s in sources.for_kind(kind))
                        for kind in ("complaints", "employees", "responses"))
    fields = "; ".join(f"{kind}: " + ", ".join(module.FIELDS) for kind, module in (
        ("complaints", complaints_import), ("employees", staff_import),
        ("responses", survey_import)))
    return f" ({systems})", f"; fields of {fields}"


def _import(con: Connection, args: argparse.Namespace) -> int:
    from strategy.io.imports import ImportRejected, import_file
    from strategy.io.mapping import parse_columns, parse_values

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StrategyError(f"Cannot read {path}: {exc.strerror}.") from exc
    org = find_organisation(con, args.org)
    if args.month_first and args.date_order == "dmy":
        raise StrategyError("--month-first and --date-order dmy say opposite things: give one.")
    try:
        result = import_file(
            con, org.id, args.kind, path.name, data, survey=args.survey,
            create_teams=args.create_teams,
            date_order=args.date_order or ("mdy" if args.month_first else None),
            reason=args.reason, columns=parse_columns(args.column) or None,
            values=parse_values(args.value) or None, source=args.source,
            save_mapping=args.save_mapping, again=args.again)
    except ImportRejected as exc:
        # Grouped: a file of 45,000 bad rows is a few kinds of problem, not 45,000 lines.
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Imported {args.kind} from {path.name} into {org.name}. {result.summary()}")
    return 0


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("The same password again: ") != first:
            raise StrategyError("The two passwords are not the same; nothing was changed.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _user(con: Connection, args: argparse.Namespace) -> None:
    from strategy.identity import accounts

    action = args.user_command
    if action == "list":
        member_of: dict[int, list[str]] = {}
        for m in accounts.memberships(con):
            member_of.setdefault(m.account_id, []).append(f"{m.role.label} in {m.org_name}")
        for a in accounts.list_accounts(con):
            roles = "administrator of everything" if a.is_administrator else \
                ", ".join(member_of.get(a.id, [])) or "no role yet"
            state = " (disabled)" if a.disabled_at else ""
            print(f"{a.username}\t{a.display_name}\t{roles}{state}")
        return
    if action == "add":
        admin = args.role in ("admin", Role.ADMINISTRATOR.value) and not args.org
        if not admin and not args.org:
            raise StrategyError("Say which organisation the role is in with --org, or use "
                                "--role admin for an administrator of everything.")
        org = find_organisation(con, args.org) if args.org else None
        password = _read_password(f"Password for {args.name}: ")
        account = accounts.create_account(con, args.name, args.display_name or args.name,
                                          password, args.email, is_administrator=admin)
        if org is not None:
            role = Role.ADMINISTRATOR if args.role == "admin" else Role(args.role)
            accounts.set_role(con, account.id, org.id, role)
        print(f"Added {account.display_name} ({account.username}): "
              + ("administrator of everything." if admin else f"{args.role} in {org.name}."
                 if org else ""))
        return
    account = accounts.find_account(con, args.name)
    if action == "person":
        org = find_organisation(con, args.org)
        employee_id = None if args.none else _find_employee(con, org.id, args.employee)
        accounts.set_person(con, account.id, org.id, employee_id)
        if employee_id is None:
            print(f"{account.display_name} is linked to no member of staff in {org.name}.")
        else:
            row = con.execute("SELECT name, number FROM employee WHERE id = ?",
                              [employee_id]).fetchone()
            assert row is not None
            print(f"{account.display_name} is {row[0]} ({row[1]}) in {org.name}.")
        return
    if action == "role":
        org = find_organisation(con, args.org)
        accounts.set_role(con, account.id, org.id, None if args.role == "none" else args.role)
        print(f"{account.display_name} is now {args.role} in {org.name}.")
    elif action == "reset-password":
        accounts.set_password(con, account.id,
                              _read_password(f"New password for {account.username}: "))
        print(f"New password set for {account.username}; their sessions were ended.")
    else:
        accounts.set_disabled(con, account.id, action == "disable")
        print(f"{account.username} is {action}d.")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date; write it like "
                                         "2026-06-15.") from exc


def _find_employee(con: Connection, org_id: int, text: str) -> int:
    """An employee by number, or by full name (any case) when only one person has it."""
    rows = con.execute(
        "SELECT id, name, number FROM employee WHERE org_id = ? AND (number = ? OR "
        "lower(trim(name)) = lower(trim(?))) ORDER BY number = ? DESC, number LIMIT 6",
        [org_id, text.strip(), text, text.strip()]).fetchall()
    if rows and rows[0][2] == text.strip():
        return int(rows[0][0])
    if len(rows) == 1:
        return int(rows[0][0])
    if not rows:
        raise StrategyError(f"No member of staff has the number or name “{text.strip()}”.")
    raise StrategyError(f"Several people are called “{text.strip()}”: give the employee "
                        f"number instead ({', '.join(str(r[2]) for r in rows)}).")


def _remind(con: Connection, args: argparse.Namespace) -> int:
    from strategy.io import remind

    return _print_report(remind.run(con, args.org, args.today or date.today(),
                                    dry_run=args.dry_run))


def _remind_through_app(path: Path, args: argparse.Namespace) -> int:
    """The app holds the database file: it runs the reminders instead, on its own
    connection, and sends back what to print."""
    from strategy.identity import sessions
    from strategy.io import remind_via_app

    url = remind_via_app.app_url(database=path)
    try:
        key = sessions.signing_secret(path)
    except OSError as exc:
        raise StrategyError(f"The database {path} is in use by another program (the app, most "
                            f"likely), and its secret {sessions.secret_path(path)}, which "
                            f"proves this command to the app, cannot be read "
                            f"({exc.strerror}). Run the command as the user who runs the "
                            "app.") from exc
    try:
        report = remind_via_app.ask_app(url, key, path, args.org, args.today or date.today(),
                                        args.dry_run, _system_user())
    except remind_via_app.AppNotAnswering as exc:
        raise StrategyError(f"The database {path} is in use by another program (the app, most "
                            f"likely), and {exc.message}. Nothing was sent. Set "
                            "STRATEGY_APP_URL to the address the app listens on, or stop "
                            "whatever holds the database.") from exc
    return _print_report(report)


def _print_report(report: Report) -> int:
    out, errors, status = report.output()
    for line in out:
        print(line)
    for line in errors:
        print(line, file=sys.stderr)
    return status


@contextmanager
def _not_collecting_what_is_loaded() -> Iterator[None]:
    """Leave out of Python's collections of garbage what the command has loaded by now.

    The modules and the database's objects live until the command ends, yet Python's
    occasional full collection walks them all again while the pack makes its
    hundreds of thousands of small objects: 30 ms of a 0.55 s pack at the large
    organisation. Put back afterwards, so nothing is kept that would not be."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _export(con: Connection, org_name: str, period: str, out: Path | None,
            role: str = Role.ADMINISTRATOR.value) -> None:
    org = find_organisation(con, org_name)
    quarter = Quarter.parse(period)
    from strategy.io.review_pack import build_pack, pack_file_name

    out = out or Path(pack_file_name(org.name, quarter))
    if out.suffix.lower() != ".xlsx":
        raise StrategyError(f"{out} should end in .xlsx: the review pack is an Excel workbook.")
    try:
        # The pack holds what the chosen role may see, and nothing more.
        viewer = Identity(kind="shell", name=access.current().name,
                          roles={org.id: Role(role)}) if role != Role.ADMINISTRATOR.value \
            else access.current()
        with access.acting(viewer), _not_collecting_what_is_loaded():
            build_pack(con, org.id, quarter, out)
    except OSError as exc:
        raise StrategyError(f"Cannot write {out}: {exc.strerror}.") from exc
    print(f"Wrote the review pack of {org.name} for {quarter} to {out}.")


def _shown_database(url: str) -> str:
    from strategy.core.pg import shown_address

    return shown_address(url)


def _load_meanwhile(module: str) -> None:
    """Import ``module`` on a thread while this one opens the database.

    Opening reads the file in DuckDB, which lets go of Python's lock, so the import
    costs the pack nothing (about 50 ms of a 0.6 s command at the large organisation).
    The command's own ``import`` of it then waits for this one; should it fail, that
    import fails the same way and says why."""
    threading.Thread(target=_import_quietly, args=(module,), name="load-" + module,
                     daemon=True).start()


def _import_quietly(module: str) -> None:
    try:
        importlib.import_module(module)
    except Exception:  # the command's own import raises it again, in its turn
        return


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    # The command is the first word that is not an option (none of the top level's take a
    # value), and only its help is worked out.
    args = build_parser(next((a for a in given if not a.startswith("-")), "")).parse_args(given)
    if args.command == "template":
        # Needs no database: the template is the same for everyone.
        out = Path(args.out)
        try:
            from strategy.io.imports import template

            out.write_bytes(template(args.kind))
        except OSError as exc:
            print(f"Error: cannot write {out}: {exc.strerror}.", file=sys.stderr)
            return 1
        print(f"Wrote the {args.kind} template to {out}.")
        return 0
    if args.command == "export":
        _load_meanwhile("strategy.io.review_pack")
    path = database_path(args.db)
    # Whoever can run this can open the database file itself: the shell acts as an
    # administrator, and the history names the system user who ran the command.
    access.set_current(Identity.shell(f"{_system_user()} (command line)"))
    try:
        url = None if args.db else database_url()
    except StorageError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    if args.command in ("backup", "restore"):
        # Neither opens the database as the other commands do: a backup must not
        # upgrade it, and a restore replaces it. (On PostgreSQL both run while the app
        # serves.)
        try:
            if url is not None:
                _postgres_backup(url, args.out) if args.command == "backup" \
                    else _postgres_restore(args.file, url)
            else:
                _backup(path, args.out) if args.command == "backup" \
                    else _restore(args.file, path)
        except StrategyError as exc:
            print(f"Error: {exc.message}", file=sys.stderr)
            return 1
        except duckdb.Error as exc:
            return _refused(exc)
        return 0
    try:
        try:
            con: Connection
            if url is not None:
                from strategy.core.pg import open_postgres

                con = open_postgres(url)
            else:
                con = open_database(path)
        except StorageError:
            # DuckDB lets one process open the file, and the app keeps it open: the
            # reminders then go through the app (see strategy.io.remind_via_app).
            if args.command == "remind" and held_by_another_process(path):
                return _remind_through_app(path, args)
            raise
        try:
            if args.command == "migrate":
                # Before the server starts (make run): fold the recognition tally's
                # +1/-1 rows so its readers stay quick however long it has run.
                from strategy.people.recognition import compact_tally

                compact_tally(con)
                print(f"Database {_shown_database(url) if url else path} is up to date.")
                from strategy.demo.riverbend import load_demo_if_empty

                if args.demo_if_empty and (org := load_demo_if_empty(con)):
                    print(f"Loaded the demo organisation “{org.name}”.")
                if args.setup_link:
                    _print_setup_link(con, args.setup_link)
            elif args.command == "demo" and args.size == "large":
                from strategy.demo.large import LARGE_NAME, build_large

                large = build_large(con, args.name or LARGE_NAME)
                print(f"Built the large organisation “{large.org.name}” into {path} in "
                      f"{large.seconds:.1f} s. Rows:")
                for what, count in large.after.items():
                    print(f"  {what.replace('_', ' ')}: {count:,}")
            elif args.command == "demo":
                from strategy.demo.riverbend import DEMO_NAME, load_demo

                org = load_demo(con, args.name or DEMO_NAME)
                print(f"Loaded the demo organisation “{org.name}” into {path}.")
            elif args.command == "export":
                _export(con, args.org, args.period, Path(args.out) if args.out else None,
                        args.role)
            elif args.command == "import":
                return _import(con, args)
            elif args.command == "remind":
                return _remind(con, args)
            elif args.command == "user":
                _user(con, args)
        finally:
            if url is None:
                close_database(con, path)
            else:
                con.close()
    except StrategyError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        return _refused(exc)
    return 0


def _refused(exc: duckdb.Error) -> int:
    """Never a traceback: say what the database refused, and that nothing changed."""
    print(f"Error: the database refused this ({str(exc).splitlines()[0][:200]}). Nothing "
          "was changed.", file=sys.stderr)
    return 1


def _backup(path: Path, out: str | None) -> None:
    from strategy.io import backup

    target = Path(out) if out else Path(backup.backup_file_name())
    if target.is_dir():
        target = target / backup.backup_file_name()
    info = backup.create_backup(path, target)
    print(f"Wrote a backup of {path} to {target}: schema version {info.schema_version}, "
          f"{len(info.tables)} tables, {info.rows:,} rows, {target.stat().st_size:,} bytes.")


def _postgres_backup(url: str, out: str | None) -> None:
    from strategy.core.pg import PgConnection, shown_address
    from strategy.io import backup

    target = Path(out) if out else Path(backup.backup_file_name())
    if target.is_dir():
        target = target / backup.backup_file_name()
    # As it is: a backup never upgrades the database (the copy says if it is not this
    # version's).
    con = PgConnection(url)
    try:
        info = backup.create_backup(con, target)
    finally:
        con.close()
    print(f"Wrote a backup of {shown_address(url)} to {target}: schema version "
          f"{info.schema_version}, {len(info.tables)} tables, {info.rows:,} rows, "
          f"{target.stat().st_size:,} bytes.")


def _postgres_restore(file: str, url: str) -> None:
    from strategy.core.pg import open_postgres, shown_address
    from strategy.io import backup

    con = open_postgres(url)
    try:
        # What is there now is kept, as a restore into a file keeps the file it replaces.
        kept = Path(f"strategy-before-restore-{datetime.now():%Y%m%d-%H%M%S}.zip")
        backup.create_backup(con, kept)
        info = backup.restore_into_postgres(file, con)
    finally:
        con.close()
    print(f"Restored {shown_address(url)} from {file}: the backup made {info.created_at} by "
          f"{info.created_by}, schema version {info.schema_version}, {info.rows:,} rows.")
    print(f"What the database held before is kept as the backup {kept}.")
    print("Everyone signed in must sign in again.")


def _restore(file: str, path: Path) -> None:
    from strategy.io import backup

    done = backup.restore(file, path)
    info = done.info
    print(f"Restored {path} from {file}: the backup made {info.created_at} by "
          f"{info.created_by}, schema version {info.schema_version}, {info.rows:,} rows.")
    if done.kept_as is not None:
        print(f"The database that was there is kept as {done.kept_as}.")
    print("Everyone signed in must sign in again.")


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def _print_setup_link(con: Connection, base: str) -> None:
    from strategy.identity import accounts

    token = accounts.setup_link_token(con)
    if token is None:
        print(f"Sign in at {base.rstrip('/')}/signin with your account.")
        return
    print("\nNo account exists yet. Open this one-time link to create the first "
          f"administrator (valid {accounts.SETUP_LINK_HOURS} hours):\n\n"
          f"    {base.rstrip('/')}/setup/{token}\n\n"
          "or, on this machine: python -m strategy user add NAME --role admin\n")
