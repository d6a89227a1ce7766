"""One source of SQL for two databases: the app's statements are written once, in
DuckDB's dialect, and on PostgreSQL each is translated when first run.

sqlglot (a well-kept SQL parser and transpiler) carries most of the way: types,
casts, intervals, ``list(...)`` as ``array_agg``, ``list_contains`` as ``= ANY``,
``$name`` and ``?`` parameters as psycopg's ``%(name)s`` and ``%s``. What it leaves
in DuckDB's words is rewritten here, on the parsed statement, never on its text:

- ``GROUP BY ALL`` becomes the positions of the select list's columns that hold no
  aggregate (PostgreSQL 15 has no ``GROUP BY ALL``);
- an empty list ``[]`` becomes ``'{}'``, which PostgreSQL reads as an empty array of
  whatever type the place needs (``ARRAY[]`` alone has no type);
- ``SELECT * EXCLUDE (...) REPLACE (...)`` is spelled out column by column, from the
  tables' columns when the statement runs (:func:`with_columns`; a migration uses it);
- ``LIKE`` without ``ESCAPE`` gets ``ESCAPE ''``: DuckDB's has no escape character,
  PostgreSQL's has the backslash;
- ``string_split`` becomes ``string_to_array``; ``? IS NULL`` tests the value as text
  (PostgreSQL cannot type a bare parameter there);
- each ``?`` becomes a parameter of its own name (``%(_p1)s``...), since sqlglot may
  write an argument twice; the connection names the values to match;
- a ``%`` in the text (``LIKE 'a%'``) is doubled, because psycopg reads ``%`` as the
  start of a parameter.

A translation is kept (by the statement's text), so each costs its parse once per
process. Statements that do not translate raise :class:`StorageError` naming the
statement's start, as a programming error to fix, never shown to a person as SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify

from strategy.core.errors import StorageError

# Column names no statement of ours uses, standing for parameters while the text is
# made; swapped for psycopg's placeholders once every other "%" has been doubled.
_MARK = "__strategy_parameter_{}__"
_MARKED = re.compile(r"__strategy_parameter_(\d+)__")

# A table's columns, in order: {"table": ["column", ...]}.
Columns = Mapping[str, list[str]]


class NeedsColumns(StorageError):
    """A statement selects ``* EXCLUDE``/``* REPLACE`` and no columns were given."""


# A statement made ready: its PostgreSQL text, or (selecting ``*`` with modifiers) its
# parsed form, to spell out with the tables' columns when it is run.
Ready = str | exp.Expr


def to_postgres(sql: str) -> tuple[Ready, ...]:
    """``sql`` (DuckDB; one statement or several) as PostgreSQL statements with
    psycopg's parameters. Kept per text: each is parsed once per process."""
    return _cached(sql)


@lru_cache(maxsize=4096)
def _cached(sql: str) -> tuple[Ready, ...]:
    try:
        trees = [tree for tree in sqlglot.parse(_named(sql), read="duckdb")
                 if tree is not None]
    except SqlglotError as exc:
        raise StorageError(f"This statement cannot be read for PostgreSQL "
                           f"({_start(sql)}): {exc}") from exc
    return tuple(tree if _modified_stars(tree) else _text(tree.transform(_rewrite))
                 for tree in trees)


def with_columns(statement: Ready, columns: Columns | None) -> str:
    """A statement of :func:`to_postgres` as text, spelling out ``*`` with modifiers
    from ``columns`` ({table: [column, ...]}, in order)."""
    if isinstance(statement, str):
        return statement
    if columns is None:
        raise NeedsColumns(f"This statement selects * with EXCLUDE or REPLACE and needs "
                           f"the tables' columns ({_start(statement.sql(dialect='duckdb'))}).")
    schema: dict[str, object] = {table: dict.fromkeys(names, "UNKNOWN")
                                 for table, names in columns.items()}
    spelled = qualify(statement.copy(), dialect="duckdb", schema=schema, expand_stars=True,
                      expand_alias_refs=False, allow_partial_qualification=True,
                      validate_qualify_columns=False, quote_identifiers=False, identify=False)
    if _modified_stars(spelled):
        raise StorageError(f"This statement's * with EXCLUDE or REPLACE cannot be spelled "
                           f"out for PostgreSQL ({_start(statement.sql(dialect='duckdb'))}).")
    return _text(spelled.transform(_rewrite))


def _modified_stars(tree: exp.Expr) -> bool:
    return any(star.args.get("except") or star.args.get("replace")
               for star in tree.find_all(exp.Star))


_POSITIONAL = "_p"


def positional_name(index: int) -> str:
    """The name the ``index``-th ``?`` (from 0) of a statement takes on PostgreSQL."""
    return f"{_POSITIONAL}{index + 1}"


def _named(sql: str) -> str:
    """Each ``?`` as a parameter of its own name, found by DuckDB's tokens (never one
    inside a text, a name or a comment). sqlglot writes some functions with their
    argument twice (``list_contains(l, ?)`` becomes ``CASE WHEN ? IS NULL ...``): a
    name can stand twice in the statement where a bare ``?`` would take the next
    value."""
    tokens = [token for token in sqlglot.Dialect.get_or_raise("duckdb").tokenize(sql)
              if token.token_type == TokenType.PLACEHOLDER and token.text == "?"]
    if not tokens:
        return sql
    pieces, at = [], 0
    for index, token in enumerate(tokens):
        pieces += [sql[at:token.start], f"${positional_name(index)}"]
        at = token.end + 1
    return "".join([*pieces, sql[at:]])


def _start(sql: str) -> str:
    return " ".join(sql.split())[:80]


# DuckDB's to_hours(n) and its kin: n times one unit, in PostgreSQL's words.
_UNITS = {"TO_DAYS": "1 day", "TO_HOURS": "1 hour", "TO_MINUTES": "1 minute",
          "TO_SECONDS": "1 second"}


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Select):
        group = node.args.get("group")
        if isinstance(group, exp.Group) and group.args.get("all"):
            node.set("group", _group_by_positions(node))
    if isinstance(node, exp.Array) and not node.expressions:
        return exp.Literal.string("{}")
    if isinstance(node, exp.Subquery) and not node.alias \
            and isinstance(node.parent, exp.From | exp.Join):
        # PostgreSQL 15 wants a name for every subquery in FROM; DuckDB does not. The
        # name is the subquery's place in the statement: the same text every time.
        place = sum(1 for _ in node.root().find_all(exp.Subquery)
                    if _.alias and _.alias.startswith("_from"))
        node.set("alias", exp.TableAlias(this=exp.to_identifier(f"_from{place + 1}")))
    if isinstance(node, exp.Is) and isinstance(node.this, exp.Placeholder) \
            and str(node.this.this or "").startswith(_POSITIONAL):
        # "? IS NULL": a ? is used once, so nothing else tells PostgreSQL its type; any
        # value is NULL or not as text. (A $name used elsewhere takes its type there.)
        node.set("this", exp.Cast(this=node.this.copy(), to=exp.DataType.build("TEXT")))
        return node
    if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
        # DuckDB's any_value skips NULLs, which sqlglot spells IGNORE NULLS; PostgreSQL's
        # (version 16, and the one made for 15 in pg.py) skips them too, without the words.
        return node.this.copy()
    if isinstance(node, exp.ArrayContains):
        return _contains(node.this, node.expression)
    if isinstance(node, exp.Split):
        # string_split(text, separator): PostgreSQL's string_to_array.
        return exp.Anonymous(this="string_to_array",
                             expressions=[node.this.copy(), node.expression.copy()])
    if isinstance(node, exp.Like | exp.ILike) and not isinstance(node.parent, exp.Escape):
        # DuckDB's LIKE without ESCAPE has no escape character; PostgreSQL's has "\\".
        return exp.Escape(this=node.copy(), expression=exp.Literal.string(""))
    amount: exp.Expression | None = None
    if isinstance(node, exp.ToDays):
        amount, unit = node.this, _UNITS["TO_DAYS"]
    elif isinstance(node, exp.Anonymous) and str(node.this).upper() in _UNITS \
            and len(node.expressions) == 1:
        amount, unit = node.expressions[0], _UNITS[str(node.this).upper()]
    if amount is not None:
        return exp.Mul(this=exp.Paren(this=amount),
                       expression=exp.Interval(this=exp.Literal.string(unit)))
    return node


_CONTAINS = sqlglot.parse_one("CASE WHEN CAST(__x AS TEXT) IS NULL THEN NULL "
                               "ELSE COALESCE(__x = ANY(__l), FALSE) END", read="postgres")


def _contains(values: exp.Expression, value: exp.Expression) -> exp.Expression:
    """list_contains(values, value) as DuckDB answers it: NULL for a NULL value, else
    true or false (the app never passes a NULL list). sqlglot writes the same, but
    tests a bare parameter for NULL, whose type PostgreSQL cannot tell; here it is
    tested as text."""
    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in ("__x", "__l"):
            # Rewritten here: the walk does not enter what it has just put in.
            return (value if node.name == "__x" else values).copy().transform(_rewrite)
        return node
    return _CONTAINS.transform(put)


def _group_by_positions(select: exp.Select) -> exp.Group | None:
    """GROUP BY ALL: every column of the select list that holds no aggregate, by its
    position (DuckDB's rule, in PostgreSQL's words)."""
    positions = [exp.Literal.number(index)
                 for index, column in enumerate(select.expressions, start=1)
                 if not _aggregates(column, select)]
    return exp.Group(expressions=positions) if positions else None


def _aggregates(column: exp.Expression, select: exp.Select) -> bool:
    """Whether ``column`` is left out of GROUP BY ALL: it aggregates ``select``'s rows
    (an aggregate in a subquery aggregates the subquery's), or holds a window."""
    if column.find(exp.Window):
        return True  # a window's value is worked out after grouping: never grouped by
    return any(found.find_ancestor(exp.Select) is select
               for found in column.find_all(exp.AggFunc))


def _text(tree: exp.Expression) -> str:
    parameters: list[str | None] = []

    def mark(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder | exp.Parameter):
            name = node.args.get("this")
            parameters.append(None if name is None else str(name))
            return exp.column(_MARK.format(len(parameters) - 1))
        return node

    text = tree.transform(mark).sql(dialect="postgres")
    text = text.replace("%", "%%")
    return _MARKED.sub(lambda m: "%s" if parameters[int(m.group(1))] is None
                       else f"%({parameters[int(m.group(1))]})s", text)
