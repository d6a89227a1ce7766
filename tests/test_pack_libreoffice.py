"""The review pack as a second program sees it: LibreOffice converts it to PDF and CSV.

What a meeting sees printed or projected is checked on the PDF's words and their
positions (``pdftotext -bbox``): every heading of every table is there whole, every
word of every text cell is there (a cut value loses the end of a word), and no two
words are drawn on top of each other (wrapped text spilling into the next row). The
scorecard's status formulas, recalculated by LibreOffice, must agree with the app.
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from strategy.core.access import Identity, acting
from strategy.core.db import open_database
from strategy.core.orgs import find_organisation
from strategy.core.periods import Quarter
from strategy.demo.riverbend import DEMO_NAME
from strategy.io.review_pack import SHEETS, build_pack
from strategy.measures import scorecard
from strategy.plan import self_check

LAST = Quarter.current().shift(-1)
SOFFICE = "soffice"
# LibreOffice 7.2 and later: the 12th field of the CSV filter options picks the sheet
# (1-based), so one conversion writes the Scorecard alone.
CSV_SCORECARD = ("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,"
                 f"{SHEETS.index('Scorecard') + 1}")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Converted:
    pages: dict[str, list[list[Word]]]  # sheet title -> its pages' words
    scorecard_csv: list[list[str]]
    headings: dict[str, list[str]]  # sheet title -> the headings of its tables
    texts: dict[str, list[str]]  # sheet title -> the text of every other text cell
    expected: dict[str, scorecard.ScorecardRow]


def _soffice(profile: Path, folder: Path, target: str, pack: Path) -> None:
    # A private profile: runs in parallel (or beside someone's open LibreOffice) don't clash.
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(folder), str(pack)],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr


def _words(bbox_html: str) -> list[list[Word]]:
    pages = []
    for page in bbox_html.split("<page ")[1:]:
        pages.append([Word(html.unescape(m[5]), *(float(m[i]) for i in range(1, 5)))
                      for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" '
                                           r'xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                                           page)])
    return pages


def _sheet_of(page: list[Word], titles: list[str]) -> str:
    """The sheet a page prints: the title in the middle of its header."""
    top = min(w.y0 for w in page)
    band = [w for w in page if w.y0 < top + 2]
    right = max(w.x1 for w in band)
    middle = " ".join(w.text for w in band if 0.3 * right < (w.x0 + w.x1) / 2 < 0.7 * right)
    matches = [t for t in titles if t == middle]
    assert matches, f"no sheet title in the page header {middle!r}"
    return matches[0]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory,
              demo_template: Path) -> Iterator[Converted]:
    if shutil.which(SOFFICE) is None or shutil.which("pdftotext") is None:
        pytest.fail("LibreOffice or poppler-utils is missing: run `make test`, which "
                    "installs libreoffice-calc-nogui and poppler-utils")
    folder = tmp_path_factory.mktemp("libreoffice")
    database = folder / "demo.duckdb"
    shutil.copyfile(demo_template, database)
    con = open_database(database)
    org = find_organisation(con, DEMO_NAME)
    # The demo's round of this quarter, closed and held at the end of the last, so that
    # the pack's Self-check sheet compares two rounds and prints a Change beside them.
    with acting(Identity.shell("Test set-up")):
        now = self_check.open_round_of(con, org.id)
        assert now is not None
        self_check.close_round(con, now.id)
    con.execute("UPDATE self_check_round SET held_on = CASE WHEN id = ? THEN ? ELSE ? END "
                "WHERE org_id = ?", [now.id, LAST.end, LAST.start, org.id])
    data = build_pack(con, org.id, LAST)
    expected = {r.measure.name: r for r in scorecard.scorecard(con, org.id, LAST)}
    con.close()
    pack = folder / "pack.xlsx"
    pack.write_bytes(data)

    book = load_workbook(io.BytesIO(data))
    headings: dict[str, list[str]] = {}
    texts: dict[str, list[str]] = {}
    for ws in book.worksheets:
        heads = {(ws.title, c.coordinate) for t in ws.tables.values()
                 for c in ws[t.ref.split(":")[0]:t.ref.split(":")[1]][0]}
        headings[ws.title] = [ws[c].value for _, c in sorted(heads)]
        texts[ws.title] = [c.value for row in ws.iter_rows() for c in row
                           if isinstance(c.value, str) and c.data_type == "s"
                           and (ws.title, c.coordinate) not in heads]

    profile = folder / "profile"
    _soffice(profile, folder, "pdf", pack)
    _soffice(profile, folder, CSV_SCORECARD, pack)
    bbox = subprocess.run(["pdftotext", "-bbox", str(folder / "pack.pdf"), "-"],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    pages: dict[str, list[list[Word]]] = {title: [] for title in SHEETS}
    for page in _words(bbox):
        pages[_sheet_of(page, SHEETS)].append(page)
    (scorecard_csv,) = folder.glob("pack*Scorecard*.csv")
    rows = list(csv.reader(io.StringIO(scorecard_csv.read_text(encoding="utf-8"))))
    yield Converted(pages, rows, headings, texts, expected)


def test_every_sheet_is_printed(converted: Converted) -> None:
    assert all(converted.pages[title] for title in SHEETS), {
        title: len(pages) for title, pages in converted.pages.items()}


def test_libreoffice_recalculates_the_statuses_the_app_computes(
        converted: Converted) -> None:
    header, *body = converted.scorecard_csv
    assert header[:11] == ["Measure", "Of", "Unit", "Better when", "Target", "Amber band",
                           "Actual at the review", "Previous", "Change", "Status", "Based on"]
    rows = {row[0]: row for row in body[:len(converted.expected)]}
    assert set(rows) == set(converted.expected)
    statuses = {name: row[9] for name, row in rows.items()}
    assert statuses == {name: r.status for name, r in converted.expected.items()}
    assert {"green", "amber", "red"} <= set(statuses.values())  # every branch was taken
    for name, r in converted.expected.items():
        change = rows[name][8]
        assert (float(change) == pytest.approx(r.change)) if r.change is not None \
            else change == "", name


def _found(page: list[Word], heading: list[str]) -> bool:
    """``heading``'s words in one cell: along a line, then on the next lines below it."""
    for start in (w for w in page if w.text == heading[0]):
        current, left, ok = start, start.x0, True
        for text in heading[1:]:
            height = current.y1 - current.y0
            following = [w for w in page if w.text == text and (
                (abs(w.y0 - current.y0) < 0.3 * height and 0 <= w.x0 - current.x1 < height)
                or (0.5 * height < w.y0 - current.y0 < 2 * height and abs(w.x0 - left) < 2))]
            if not following:
                ok = False
                break
            current = following[0]
        if ok:
            return True
    return False


def test_every_heading_is_printed_whole(converted: Converted) -> None:
    missing = [(title, heading) for title, headings in converted.headings.items()
               for heading in headings
               if not any(_found(page, heading.split()) for page in converted.pages[title])]
    assert not missing


def test_no_value_is_cut(converted: Converted) -> None:
    cut = []
    for title, texts in converted.texts.items():
        printed = {w.text for page in converted.pages[title] for w in page}
        for text in texts:
            lost = [word for word in text.split() if word not in printed]
            if lost:
                cut.append((title, text, lost))
    assert not cut


def test_no_words_are_drawn_over_each_other(converted: Converted) -> None:
    clashes = []
    for title, pages in converted.pages.items():
        for page in pages:
            words = sorted(page, key=lambda w: w.y0)
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    if b.y0 >= a.y1:
                        break
                    across = min(a.x1, b.x1) - max(a.x0, b.x0)
                    down = min(a.y1, b.y1) - max(a.y0, b.y0)
                    if across > 1 and down > 0.3 * min(a.y1 - a.y0, b.y1 - b.y0):
                        clashes.append((title, a.text, b.text))
    assert not clashes


def test_the_self_check_sheet_keeps_numbers_apart_from_the_words_beside_them(
        converted: Converted) -> None:
    """A number stands at the right of its cell, a word at the left of the next: with no
    more than a space between them a Change of "-0.2" and a Plan status of "Done" read as
    one value. Words of two cells on a line must stand further apart than words of one."""
    cells = converted.texts["Self-check"] + converted.headings["Self-check"]
    together = {pair for text in cells for pair in zip(text.split(), text.split()[1:],
                                                         strict=False)}
    pages = converted.pages["Self-check"]
    assert any(re.fullmatch(r"[+-]\d\.\d", w.text) for page in pages for w in page)
    spaces, close = [], []
    for page in pages:
        # Not the page's header and footer: one text each, spaced as typed.
        top, bottom = min(w.y0 for w in page), max(w.y1 for w in page)
        page = [w for w in page if w.y0 > top + 2 and w.y1 < bottom - 2]
        for word in page:
            right = [w for w in page if abs(w.y0 - word.y0) < 0.5 and w.x0 >= word.x1 - 0.1]
            if not right:
                continue
            after = min(right, key=lambda w: w.x0)
            gap = after.x0 - word.x1
            if (word.text, after.text) in together:
                spaces.append(gap)
            else:
                close.append((gap, word.text, after.text))
    space = max(spaces)
    assert [c for c in close if c[0] < 1.5 * space] == [], space
