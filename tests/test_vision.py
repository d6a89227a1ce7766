from __future__ import annotations

import pytest

from strategy.core.db import Connection
from strategy.core.errors import ConflictError, NotFoundError, ValidationError
from strategy.core.orgs import Organisation
from strategy.service import vision
from tests.identities import as_person

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def test_vision_is_saved_and_versioned(con: Connection, org: Organisation) -> None:
    assert vision.get_vision(con, org.id).version == 0
    version = vision.save_vision(con, org.id, 0, "Service people rely on", "They called back")
    assert version == 1
    vision.save_vision(con, org.id, 1, "Facilitator's wording", "They called back")
    with pytest.raises(ConflictError, match="not overwritten"):
        vision.save_vision(con, org.id, 1, "Participant's wording", "")
    assert vision.get_vision(con, org.id).statement == "Facilitator's wording"


def test_two_first_saves_do_not_overwrite_each_other(con: Connection, org: Organisation) -> None:
    vision.save_vision(con, org.id, 0, "First", "")
    with pytest.raises(ConflictError):
        vision.save_vision(con, org.id, 0, "Second", "")
    assert vision.get_vision(con, org.id).statement == "First"


def test_values_and_behaviours(con: Connection, org: Organisation) -> None:
    own_it = vision.add_value(con, org.id, "Own it", "See it through")
    vision.add_behaviour(con, org.id, own_it, "Give your name")
    with pytest.raises(ValidationError, match="already listed"):
        vision.add_value(con, org.id, "own it")
    with pytest.raises(ValidationError, match="cannot be empty"):
        vision.add_behaviour(con, org.id, own_it, "  ")
    values = vision.list_values(con, org.id)
    assert [(v.name, [b for _, b in v.behaviours]) for v in values] == [
        ("Own it", ["Give your name"])]
    vision.delete_value(con, org.id, own_it)
    assert vision.list_values(con, org.id) == []
    assert con.execute("SELECT count(*) FROM behaviour").fetchone() == (0,)
    with pytest.raises(NotFoundError):
        vision.add_behaviour(con, org.id, own_it, "Orphan")


def test_brainstorm_votes_are_one_per_person(con: Connection, org: Organisation) -> None:
    with as_person("Ann"):
        entry = vision.add_entry(con, org.id, "Being listened to")
    # Each vote twice over, as a double tap sends it: still one each.
    for voter, stands in (("Bob", True), ("Cy", True), ("Cy", True), ("Bob", False),
                          ("Bob", False)):
        with as_person(voter, org.id, "contributor"):
            assert vision.set_vote(con, org.id, entry, stands) is stands
    (listed,) = vision.list_entries(con, org.id)
    assert (listed.votes, listed.voters) == (1, ("Cy",))


def test_merge_keeps_each_voter_once(con: Connection, org: Organisation) -> None:
    def add(author: str, text: str) -> int:
        with as_person(author):
            return vision.add_entry(con, org.id, text)

    def vote(entry: int, voter: str) -> bool:
        with as_person(voter):
            return vision.set_vote(con, org.id, entry)

    keep = add("Ann", "Tell me before the water goes off")
    dup = add("Bob", "Warn people about interruptions")
    other = add("Cy", "Kindness")
    for voter in ("Ann", "Bob"):
        vote(keep, voter)
    for voter in ("Bob", "Dee"):
        vote(dup, voter)
    vision.merge_entries(con, org.id, keep, [dup])
    entries = {e.id: e for e in vision.list_entries(con, org.id)}
    assert set(entries) == {keep, other}
    assert entries[keep].voters == ("Ann", "Bob", "Dee")
    with pytest.raises(NotFoundError, match="merged"):
        vote(dup, "Eve")
    with pytest.raises(ValidationError):
        vision.merge_entries(con, org.id, keep, [keep])


def test_adopt_and_entry_needs_text(con: Connection, org: Organisation) -> None:
    entry = vision.add_entry(con, org.id, "<b>bold</b> [link](http://x)")
    vision.set_adopted(con, org.id, entry, True)
    (listed,) = vision.list_entries(con, org.id)
    assert listed.adopted and listed.text == "<b>bold</b> [link](http://x)"
    with pytest.raises(ValidationError) as info:
        vision.add_entry(con, org.id, " ")
    assert set(info.value.fields) == {"entry"}
    vision.delete_entry(con, org.id, entry)
    assert vision.list_entries(con, org.id) == []


def test_likely_duplicates_group_alike_answers_and_keep_the_most_voted(
        con: Connection, org: Organisation) -> None:
    def add(author: str, text: str, voters: tuple[str, ...] = ()) -> int:
        with as_person(author):
            entry = vision.add_entry(con, org.id, text)
        for voter in voters:
            with as_person(voter):
                vision.set_vote(con, org.id, entry)
        return entry

    owns = add("Ann", "someone who owns my problem until its fixed!")
    owns_voted = add("Bob", "Someone who owns my problem until it's fixed", ("Cy", "Dee"))
    owns_reordered = add("Cy", "Until it's fixed, someone who owns my problem")
    bills = add("Dee", "Bills I can understand", ("Ann",))
    bills_more = add("Eve", "Bills that I can understand")
    add("Fay", "Being kind when people are stressed")
    add("Gus", "Fast repairs")
    add("Hal", "Fast answers")

    groups = vision.likely_duplicates(vision.list_entries(con, org.id))
    found = [(g.keep.id, sorted(d.id for d in g.duplicates)) for g in groups]
    # The near-copies first; the most voted is kept; the unlike answers are left alone.
    assert found == [(owns_voted, sorted([owns, owns_reordered])), (bills, [bills_more])]

    # One click merges a group: the votes follow, and the suggestion is gone.
    vision.merge_entries(con, org.id, groups[1].keep.id, [d.id for d in groups[1].duplicates])
    assert [g.keep.id for g in vision.likely_duplicates(vision.list_entries(con, org.id))] \
        == [owns_voted]
    assert vision.likely_duplicates([]) == []


def test_an_adopted_answer_is_the_one_kept(con: Connection, org: Organisation) -> None:
    with as_person("Ann"):
        first = vision.add_entry(con, org.id, "Being kept informed")
        adopted = vision.add_entry(con, org.id, "Being kept informed.")
    vision.set_adopted(con, org.id, adopted, True)
    (group,) = vision.likely_duplicates(vision.list_entries(con, org.id))
    assert group.keep.id == adopted and [d.id for d in group.duplicates] == [first]


def test_the_shared_wall_holds_both_orders_and_shows_a_change_at_once(
        con: Connection, org: Organisation) -> None:
    ids = []
    for author, text in (("Ann", "Being listened to"), ("Bob", "Bills I can read"),
                         ("Cy", "Calls returned")):
        with as_person(author):
            ids.append(vision.add_entry(con, org.id, text))
    with as_person("Dee", org.id, "contributor"):
        vision.set_vote(con, org.id, ids[1])
    wall = vision.shared_wall(con, org.id)
    assert [e.id for e in wall.by_votes] == [e.id for e in vision.list_entries(con, org.id)] \
        == [ids[1], ids[0], ids[2]]
    assert [e.id for e in wall.newest] == ids[::-1] and wall.votes == 1
    with as_person("Eve", org.id, "contributor"):
        vision.set_vote(con, org.id, ids[2])
        added = vision.add_entry(con, org.id, "Someone who owns it")
    wall = vision.shared_wall(con, org.id)  # this process's change: read afresh
    assert wall.newest[0].id == added and wall.votes == 2
