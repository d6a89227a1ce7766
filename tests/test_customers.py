from __future__ import annotations

import pytest

from strategy.core.db import Connection
from strategy.core.errors import ConflictError, NotFoundError, ValidationError
from strategy.core.orgs import Organisation
from strategy.customers import segments
from strategy.customers.segments import SegmentInput
from strategy.people import personnel

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def _households() -> SegmentInput:
    return SegmentInput("Households", "external", "Homes", 1000, "accounts", "critical", 5e6,
                        ["Contact centre", " Billing "], ["Phone", "Email"])


@pytest.fixture(autouse=True)
def _teams(con: Connection, org: Organisation) -> None:
    # Segments are served by the organisation's own teams (People and teams).
    for name in ("Contact centre", "Billing", "Planning"):
        personnel.add_team(con, org.id, name)


def test_add_list_and_count(con: Connection, org: Organisation) -> None:
    segments.add_segment(con, org.id, _households())
    segments.add_segment(con, org.id, SegmentInput("Field crews", "internal",
                                                   serving_teams=["Planning"]))
    listed = segments.list_segments(con, org.id)
    assert [s.name for s in listed] == ["Households", "Field crews"]
    assert listed[0].serving_teams == ["Billing", "Contact centre"]
    assert listed[0].channels == ["Phone", "Email"]
    assert segments.segment_counts(con, org.id) == {"external": 1, "internal": 1}


def test_serving_teams_are_the_organisations_teams(con: Connection, org: Organisation) -> None:
    segment_id = segments.add_segment(con, org.id, _households())
    with pytest.raises(ValidationError) as info:
        segments.add_segment(con, org.id, SegmentInput("Shops", "external",
                                                       serving_teams=["Shop floor", "billing"]))
    assert "no team called “Shop floor”" in info.value.fields["serving_teams"]
    assert [s.name for s in segments.list_segments(con, org.id)] == ["Households"]
    # Letter case does not matter; the team's own spelling is shown.
    segments.add_segment(con, org.id, SegmentInput("Shops", "external",
                                                   serving_teams=["BILLING"]))
    by_name = {t.name: t.id for t in personnel.list_teams(con, org.id)}
    personnel.rename_team(con, org.id, by_name["Billing"], "Billing and payments")
    assert segments.get_segment(con, org.id, segment_id).serving_teams == [
        "Billing and payments", "Contact centre"]
    personnel.delete_team(con, org.id, by_name["Contact centre"])
    assert segments.get_segment(con, org.id, segment_id).serving_teams == [
        "Billing and payments"]
    # Editing replaces the links; deleting the segment removes them.
    segment = segments.get_segment(con, org.id, segment_id)
    segments.update_segment(con, org.id, segment_id, segment.version, SegmentInput(
        "Households", "external", serving_teams=["Planning"]))
    assert segments.get_segment(con, org.id, segment_id).serving_teams == ["Planning"]
    segments.delete_segment(con, org.id, segment_id)
    links = con.execute("SELECT count(*) FROM segment_team WHERE segment_id = ?",
                        [segment_id]).fetchone()
    assert links == (0,)


def test_bad_input_writes_nothing_and_says_what_to_fix(con: Connection,
                                                       org: Organisation) -> None:
    segments.add_segment(con, org.id, _households())
    bad = SegmentInput("households", "partner", size=-3, channels=["Fax"])
    with pytest.raises(ValidationError) as info:
        segments.add_segment(con, org.id, bad)
    assert set(info.value.fields) == {"name", "kind", "size", "channels"}
    assert "already a segment called" in info.value.fields["name"]
    assert len(segments.list_segments(con, org.id)) == 1


def test_update_detects_someone_elses_save(con: Connection, org: Organisation) -> None:
    segment_id = segments.add_segment(con, org.id, _households())
    loaded = segments.get_segment(con, org.id, segment_id)
    mine = _households()
    mine.description = "Mine"
    theirs = _households()
    theirs.description = "Theirs"
    segments.update_segment(con, org.id, segment_id, loaded.version, theirs)
    with pytest.raises(ConflictError, match="Your text is still in the form"):
        segments.update_segment(con, org.id, segment_id, loaded.version, mine)
    assert segments.get_segment(con, org.id, segment_id).description == "Theirs"


def test_update_of_a_deleted_segment(con: Connection, org: Organisation) -> None:
    segment_id = segments.add_segment(con, org.id, _households())
    segments.delete_segment(con, org.id, segment_id)
    with pytest.raises(NotFoundError, match="deleted by someone else"):
        segments.update_segment(con, org.id, segment_id, 1, _households())


def test_expectations(con: Connection, org: Organisation) -> None:
    segment_id = segments.add_segment(con, org.id, _households())
    version = segments.get_segment(con, org.id, segment_id).version
    segments.update_expectations(con, org.id, segment_id, version, ["Past experience"],
                                 "Compare with banks", ["Price"])
    saved = segments.get_segment(con, org.id, segment_id)
    assert (saved.expectation_factors, saved.choice_reasons) == (["Past experience"], ["Price"])
    with pytest.raises(ValidationError):
        segments.update_expectations(con, org.id, segment_id, saved.version, ["Horoscope"],
                                     "", [])


def test_segments_are_private_to_their_organisation(con: Connection, org: Organisation) -> None:
    from strategy.core.orgs import create_organisation

    other = create_organisation(con, "Other")
    segment_id = segments.add_segment(con, org.id, _households())
    with pytest.raises(NotFoundError):
        segments.get_segment(con, other.id, segment_id)
    # Another organisation's teams cannot serve this one's segments.
    with pytest.raises(ValidationError):
        segments.add_segment(con, other.id, _households())
    for name in ("Contact centre", "Billing"):
        personnel.add_team(con, other.id, name)
    segments.add_segment(con, other.id, _households())  # same name elsewhere is fine
