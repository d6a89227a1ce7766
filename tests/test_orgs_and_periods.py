from __future__ import annotations

from datetime import date

import pytest

from strategy.core import orgs
from strategy.core.db import Connection
from strategy.core.errors import NotFoundError, ValidationError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter, quarter_choices
from strategy.customers import segments
from strategy.service import vision

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def test_create_rename_and_list(con: Connection) -> None:
    first = orgs.create_organisation(con, "  Beta Ltd ")
    orgs.create_organisation(con, "alpha plc")
    assert first.name == "Beta Ltd"
    assert [o.name for o in orgs.list_organisations(con)] == ["alpha plc", "Beta Ltd"]
    orgs.update_organisation(con, first.id, "Beta Group", 90)
    renamed = orgs.get_organisation(con, first.id)
    assert (renamed.name, renamed.reassess_days) == ("Beta Group", 90)


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_is_refused(con: Connection, name: str) -> None:
    with pytest.raises(ValidationError) as info:
        orgs.create_organisation(con, name)
    assert info.value.fields == {"name": "The organisation's name cannot be empty."}
    assert orgs.list_organisations(con) == []


def test_duplicate_name_ignores_case(con: Connection, org: Organisation) -> None:
    with pytest.raises(ValidationError, match="already exists"):
        orgs.create_organisation(con, "ACME SERVICES")
    other = orgs.create_organisation(con, "Other")
    with pytest.raises(ValidationError, match="already exists"):
        orgs.update_organisation(con, other.id, "acme services", 180)


def test_reassess_interval_range(con: Connection, org: Organisation) -> None:
    with pytest.raises(ValidationError, match="between 1 and 3650"):
        orgs.update_organisation(con, org.id, org.name, 0)
    assert orgs.get_organisation(con, org.id).reassess_days == 180


def test_delete_removes_everything_of_that_organisation_only(con: Connection,
                                                             org: Organisation) -> None:
    other = orgs.create_organisation(con, "Other")
    for owner in (org, other):
        segments.add_segment(con, owner.id, segments.SegmentInput("Shoppers", "external"))
        entry = vision.add_entry(con, owner.id, "Being listened to")
        vision.set_vote(con, owner.id, entry)
    summary = orgs.deletion_summary(con, org.id)
    assert summary == {"customer segments": 1, "brainstorm entries": 1,
                       "change history entries": 1}
    orgs.delete_organisation(con, org.id)
    with pytest.raises(NotFoundError):
        orgs.get_organisation(con, org.id)
    assert con.execute("SELECT count(*) FROM segment").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM brainstorm_vote").fetchone() == (1,)
    assert [o.name for o in orgs.list_organisations(con)] == ["Other"]


def test_quarters() -> None:
    q = Quarter.parse("2026-q4")
    assert str(q) == "2026-Q4"
    assert (q.start, q.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert str(q.shift(1)) == "2027-Q1" and str(q.shift(-4)) == "2025-Q4"
    assert Quarter.containing(date(2026, 3, 31)) == Quarter(2026, 1)
    assert q.contains(date(2026, 10, 1)) and not q.contains(date(2026, 9, 30))
    with pytest.raises(ValidationError, match="write it like 2026-Q4"):
        Quarter.parse("2026-Q5")
    choices = quarter_choices(Quarter(2026, 4), back=2, ahead=1)
    assert choices == ["2027-Q1", "2026-Q4", "2026-Q3", "2026-Q2"]


def test_counts_of_what_deleting_removes_read_as_words() -> None:
    from strategy.core.wording import counted

    def said(n: int, noun: str) -> str:
        return counted(n, orgs.one_of(noun), noun)

    assert said(1, "reviews") == "1 review"
    assert said(1, "hiring criteria") == "1 hiring criterion"
    assert said(1, "links to company results") == "1 link to company results"
    assert said(1, "vision statement") == "1 vision statement"
    assert said(2336, "survey responses") == "2,336 survey responses"
    # Every noun the summary can say ends in "s" or has its own singular.
    assert all(noun.endswith("s") or noun in orgs._ONE_OF or noun == "vision statement"
               for noun in orgs.TABLE_NOUNS.values())
