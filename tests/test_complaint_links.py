"""Deleting a standard or a customer segment leaves no complaint pointing at nothing: the
complaints stay on record, without the standard or segment, and the page warns first."""

from __future__ import annotations

from datetime import date

import pytest

from strategy.core import orgs
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.customers import segments
from strategy.service import standards
from tests.test_pages import open_app, plain

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def add_segment(con: Connection, org: Organisation, name: str) -> int:
    return segments.add_segment(con, org.id, segments.SegmentInput(name, "external"))


def add_standard(con: Connection, org: Organisation, title: str) -> int:
    return standards.add_standard(con, org.id, standards.StandardInput(title, "Phone",
                                                                       "Responsiveness"))


def add_complaint(con: Connection, org_id: int, segment_id: int | None,
                  standard_id: int | None, kind: str = "complaint") -> int:
    row = con.execute(
        "INSERT INTO complaint (org_id, kind, received_on, what_happened, recorded_by, "
        "segment_id, standard_id) VALUES (?, ?, ?, 'Kept waiting', 'Test', ?, ?) RETURNING id",
        [org_id, kind, date(2026, 3, 2), segment_id, standard_id]).fetchone()
    assert row is not None
    return int(row[0])


def links(con: Connection, complaint_id: int) -> tuple[int | None, int | None]:
    row = con.execute("SELECT segment_id, standard_id FROM complaint WHERE id = ?",
                      [complaint_id]).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.fixture
def other(con: Connection) -> Organisation:
    return orgs.create_organisation(con, "Other Ltd")


def test_deleting_a_standard_unlinks_its_complaints(con: Connection, org: Organisation) -> None:
    segment = add_segment(con, org, "Households")
    gone, kept = add_standard(con, org, "Answer in 3 rings"), add_standard(con, org, "Call back")
    naming = add_complaint(con, org.id, segment, gone)
    compliment = add_complaint(con, org.id, None, gone, "compliment")
    elsewhere = add_complaint(con, org.id, segment, kept)
    assert standards.complaints_naming(con, org.id, gone) == 2
    standards.delete_standard(con, org.id, gone)
    # Kept on record, without the standard; the segment and other standards untouched.
    assert links(con, naming) == (segment, None)
    assert links(con, compliment) == (None, None)
    assert links(con, elsewhere) == (segment, kept)
    assert con.execute("SELECT count(*) FROM complaint WHERE standard_id NOT IN "
                       "(SELECT id FROM standard)").fetchone() == (0,)


def test_deleting_a_segment_unlinks_its_complaints(con: Connection, org: Organisation,
                                                   other: Organisation) -> None:
    gone, kept = add_segment(con, org, "Households"), add_segment(con, org, "Businesses")
    standard = add_standard(con, org, "Answer in 3 rings")
    naming = add_complaint(con, org.id, gone, standard)
    compliment = add_complaint(con, org.id, gone, None, "compliment")
    elsewhere = add_complaint(con, org.id, kept, None)
    # Ids are unique across organisations, but the deletion looks in its own only.
    foreign = add_complaint(con, other.id, gone, None)
    found = segments.dependents(con, org.id, gone)
    assert (found.assessments, found.complaints) == (0, 2)
    segments.delete_segment(con, org.id, gone)
    assert links(con, naming) == (None, standard)
    assert links(con, compliment) == (None, None)
    assert links(con, elsewhere) == (kept, None)
    assert links(con, foreign) == (gone, None)
    assert segments.dependents(con, org.id, kept).complaints == 1


def test_the_segment_page_counts_complaints_before_deleting(con: Connection,
                                                            org: Organisation) -> None:
    segment = add_segment(con, org, "Households")
    for _ in range(3):
        add_complaint(con, org.id, segment, None)
    at = open_app("step01_customers")
    at.session_state["customers_tab"] = "Edit or delete"
    (warning,) = [plain(m.value) for m in at.run().markdown if m.value.startswith("Delete ")]
    assert warning == ("Delete Households? 3 complaints and compliments name it: they are "
                       "kept, without a segment.")
    at.button(key=f"segment_delete_{segment}").click().run()
    assert not at.exception
    assert con.execute("SELECT count(*), count(segment_id) FROM complaint").fetchone() == (3, 0)


def test_the_standards_page_counts_complaints_before_deleting(con: Connection,
                                                              org: Organisation) -> None:
    standard = add_standard(con, org, "Answer in 3 rings")
    add_complaint(con, org.id, None, standard)
    at = open_app("step04_standards")
    at.session_state["standards_tab"] = "Edit or delete"
    (warning,) = [plain(m.value) for m in at.run().markdown if m.value.startswith("Delete ")]
    assert warning == ("Delete Answer in 3 rings and its 0 communication records? 1 complaint "
                       "or compliment names it: it is kept, without a standard.")
    at.button(key=f"standard_delete_{standard}").click().run()
    assert not at.exception
    assert con.execute("SELECT count(*), count(standard_id) FROM complaint").fetchone() == (1, 0)
