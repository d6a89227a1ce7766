"""User text stays text: in spreadsheets, in CSV and on the page.

A cell that starts with = + - @ (or a tab or line break) is run as a formula by
Excel and friends (OWASP's "CSV injection"). User text never may be: in CSV we
prefix such text with an apostrophe, which spreadsheets show as plain text. On
the page, text people typed is shown through :func:`md`, so it never becomes
Markdown, HTML or a link.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


# Control characters (other than tab and line breaks) that older data may hold:
# dropped on the way out, so no file we write carries them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def contains_pattern(text: str | None) -> str | None:
    """A LIKE/ILIKE pattern (with ESCAPE '\\') for "contains what was typed": the
    text is a value, never a pattern, so % and _ match only themselves. None for
    nothing typed."""
    typed = (text or "").strip()
    if not typed:
        return None
    return "%" + typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def csv_cell(value: object) -> object:
    if isinstance(value, str):
        value = _CONTROL.sub("", value)
        if looks_like_formula(value):
            return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV bytes (UTF-8 with a byte-order mark, so Excel reads accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def csv_pieces(headers: Sequence[str],
               batches: Iterable[Iterable[Sequence[object]]]) -> Iterator[bytes]:
    """``to_csv`` in pieces, a batch of rows at a time: the same bytes joined, for a
    download sent as it is read."""
    yield to_csv(headers, [])
    for rows in batches:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["" if v is None else csv_cell(v) for v in row])
        yield buffer.getvalue().encode("utf-8")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&^\"'])")


# Streamlit's Markdown turns bare addresses (www.…, http://…, name@host) into links
# after parsing, so escaping cannot stop it; an invisible word joiner inside the
# pattern does, and the text reads the same.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto)(?=:)|(www)(?=\.)|(?=@)")


def md(text: object) -> str:
    """User text made literal for st.markdown: no Markdown, HTML, directives or links."""
    unlinked = _AUTOLINK.sub(lambda m: (m.group(0) or "") + "\u2060", str(text))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)
    # Keep line breaks as typed.
    return escaped.replace("\n", "  \n")
