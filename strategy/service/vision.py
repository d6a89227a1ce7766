"""Step 3 — the service vision, values with their behaviours, and the brainstorm wall."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate, optional_text, raise_if, require_text
from strategy.core.db import Connection, transaction
from strategy.core.errors import ConflictError, NotFoundError, ValidationError
from strategy.core.shared import SharedReads


@dataclass(frozen=True)
class Vision:
    statement: str
    customer_story: str
    version: int  # 0 until first saved


@dataclass
class Value:
    id: int
    name: str
    description: str
    behaviours: list[tuple[int, str]] = field(default_factory=list)


def get_vision(con: Connection, org_id: int) -> Vision:
    row = con.execute(
        "SELECT statement, customer_story, version FROM vision WHERE org_id = ?", [org_id]
    ).fetchone()
    return Vision(*row) if row else Vision("", "", 0)


def save_vision(con: Connection, org_id: int, version: int, statement: str,
                customer_story: str) -> int:
    """Save the vision if nobody else saved it since ``version``; returns the new version."""
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    statement = optional_text(problems, "statement", statement, "The vision statement", 600)
    story = optional_text(problems, "customer_story", customer_story, "The customer's story",
                          2000)
    raise_if(problems)
    try:
        return _save_vision(con, org_id, version, statement, story)
    except duckdb.ConstraintException as exc:
        # Two first saves at the same moment: the second is someone else's newer
        # version, exactly as when the first had been saved a minute earlier.
        raise ConflictError(VISION_CONFLICT) from exc


VISION_CONFLICT = ("Someone else saved the vision while you were editing it, so your change "
                   "was not saved and theirs was not overwritten. Your text is still in the "
                   "form: load the latest version, then apply your change again.")


def _save_vision(con: Connection, org_id: int, version: int, statement: str,
                 story: str) -> int:
    with transaction(con):
        if version == 0:
            exists = con.execute("SELECT 1 FROM vision WHERE org_id = ?", [org_id]).fetchone()
            if exists is None:
                con.execute(
                    "INSERT INTO vision (org_id, statement, customer_story) VALUES (?, ?, ?)",
                    [org_id, statement, story],
                )
                audit.record(con, org_id, "Vision", "added", "Vision and customer story")
                return 1
        row = con.execute(
            "UPDATE vision SET statement = ?, customer_story = ?, updated_at = now(), "
            "version = version + 1 WHERE org_id = ? AND version = ? RETURNING version",
            [statement, story, org_id, version],
        ).fetchone()
        if row is None:
            raise ConflictError(VISION_CONFLICT)
        audit.record(con, org_id, "Vision", "edited", "Vision and customer story")
        return int(row[0])


def list_values(con: Connection, org_id: int) -> list[Value]:
    values = {
        row[0]: Value(row[0], row[1], row[2])
        for row in con.execute(
            "SELECT id, name, description FROM org_value WHERE org_id = ? ORDER BY id", [org_id]
        ).fetchall()
    }
    for value_id, behaviour_id, text in con.execute(
        "SELECT value_id, id, description FROM behaviour WHERE org_id = ? ORDER BY id", [org_id]
    ).fetchall():
        if value_id in values:
            values[value_id].behaviours.append((behaviour_id, text))
    return list(values.values())


def add_value(con: Connection, org_id: int, name: str, description: str = "") -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    name = require_text(problems, "value_name", name, "The value's name", 80)
    description = optional_text(problems, "value_description", description,
                                "The value's description", 600)
    raise_if(problems)
    with on_duplicate("value_name", lambda: f"The value “{name}” is already listed."), \
            transaction(con):
        clash = con.execute("SELECT 1 FROM org_value WHERE org_id = ? AND lower(name) = lower(?)",
                            [org_id, name]).fetchone()
        if clash:
            raise ValidationError({"value_name": f"The value “{name}” is already listed."})
        row = con.execute(
            "INSERT INTO org_value (org_id, name, description) VALUES (?, ?, ?) RETURNING id",
            [org_id, name, description],
        ).fetchone()
        audit.record(con, org_id, "Vision", "added", f"Value “{name}”")
    assert row is not None
    return int(row[0])


def delete_value(con: Connection, org_id: int, value_id: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        con.execute("DELETE FROM behaviour WHERE org_id = ? AND value_id = ?", [org_id, value_id])
        con.execute("UPDATE recognition SET value_id = NULL WHERE org_id = ? AND value_id = ?",
                    [org_id, value_id])
        gone = con.execute("DELETE FROM org_value WHERE org_id = ? AND id = ? RETURNING name",
                           [org_id, value_id]).fetchone()
        if gone:
            audit.record(con, org_id, "Vision", "deleted", f"Value “{gone[0]}”")


def add_behaviour(con: Connection, org_id: int, value_id: int, description: str) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    description = require_text(problems, "behaviour", description, "The behaviour", 300)
    raise_if(problems)
    with transaction(con):
        if con.execute("SELECT 1 FROM org_value WHERE org_id = ? AND id = ?",
                       [org_id, value_id]).fetchone() is None:
            raise NotFoundError("That value no longer exists; it may have been deleted.")
        row = con.execute(
            "INSERT INTO behaviour (org_id, value_id, description) VALUES (?, ?, ?) RETURNING id",
            [org_id, value_id, description],
        ).fetchone()
        audit.record(con, org_id, "Vision", "added", f"Behaviour “{description}”")
    assert row is not None
    return int(row[0])


def delete_behaviour(con: Connection, org_id: int, behaviour_id: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        gone = con.execute("DELETE FROM behaviour WHERE org_id = ? AND id = ? "
                           "RETURNING description", [org_id, behaviour_id]).fetchone()
        if gone:
            audit.record(con, org_id, "Vision", "deleted", f"Behaviour “{gone[0]}”")


# --- The brainstorm wall: "Customer service means …" -------------------------


@dataclass(frozen=True)
class Entry:
    id: int
    text: str
    author: str
    created_at: datetime
    adopted: bool
    votes: int
    voters: tuple[str, ...]


def add_entry(con: Connection, org_id: int, text: str) -> int:
    author = access.require(Permission.BRAINSTORM, org_id).name
    problems: dict[str, str] = {}
    text = require_text(problems, "entry", text, "Your answer", 280)
    raise_if(problems)
    try:
        with transaction(con):
            row = con.execute(
                "INSERT INTO brainstorm_entry (org_id, text, author) VALUES (?, ?, ?) "
                "RETURNING id", [org_id, text, author]).fetchone()
    finally:
        _wall_changed(org_id)
    assert row is not None
    return int(row[0])


# The wall as every browser of an organisation refreshes it, shared: a room of a
# hundred guests refreshing every few seconds would otherwise ask the database the
# same question thirty times a second. A change made through this module shows at
# once (it drops the shared copy); a change made elsewhere (another app server, an
# import) within WALL_FRESH_SECONDS.
WALL_FRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Wall:
    """The live entries in both of the wall's orders, and its total of votes: worked
    out once per change for every browser in the room, not once per refresh each."""

    by_votes: tuple[Entry, ...]  # most votes first, then the first written
    newest: tuple[Entry, ...]
    votes: int

    @classmethod
    def of(cls, entries: list[Entry]) -> Wall:
        return cls(tuple(entries),
                   tuple(sorted(entries, key=lambda e: (e.created_at, e.id), reverse=True)),
                   sum(e.votes for e in entries))


_wall: SharedReads[int, Wall] = SharedReads("walls")


def shared_wall(con: Connection, org_id: int) -> Wall:
    """:func:`list_entries` as a :class:`Wall`, shared between the browsers that
    refresh it."""
    return _wall.get(org_id, lambda: Wall.of(list_entries(con, org_id)), WALL_FRESH_SECONDS)


def wall_entries(con: Connection, org_id: int) -> list[Entry]:
    """:func:`list_entries`, shared between the browsers that refresh the wall."""
    return list(shared_wall(con, org_id).by_votes)


def _wall_changed(org_id: int) -> None:
    _wall.forget(org_id)


def list_entries(con: Connection, org_id: int) -> list[Entry]:
    """Live entries (merged duplicates excluded), most votes first."""
    rows = con.execute(
        """
        SELECT e.id, e.text, e.author, e.created_at, e.adopted,
               count(v.voter) AS votes, list(v.voter ORDER BY v.voter)
                   FILTER (WHERE v.voter IS NOT NULL) AS voters
        FROM brainstorm_entry e LEFT JOIN brainstorm_vote v ON v.entry_id = e.id
        WHERE e.org_id = ? AND e.merged_into IS NULL
        GROUP BY ALL
        ORDER BY votes DESC, e.created_at, e.id
        """,
        [org_id],
    ).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], r[4], int(r[5]), tuple(r[6] or ())) for r in rows]


# How alike two answers must be (0-100) to be offered as likely the same: the better
# of plain similarity (typos, punctuation, a word more or less) and similarity with
# the words sorted (the same words in another order), on lower-cased text.
LIKELY_SAME = 80


@dataclass(frozen=True)
class LikelyDuplicates:
    """Answers that probably say the same thing, and the one to keep: the most voted
    (an adopted one first), else the first written."""

    keep: Entry
    duplicates: tuple[Entry, ...]


def likely_duplicates(entries: list[Entry]) -> list[LikelyDuplicates]:
    """Groups of answers alike enough to suggest merging, most alike first.

    Only a suggestion: the facilitator merges with one click or leaves them be."""
    from rapidfuzz import fuzz, process, utils

    texts = [utils.default_process(e.text) for e in entries]
    if len(entries) < 2:
        return []
    plain = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=LIKELY_SAME)
    sorted_words = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio,
                                 score_cutoff=LIKELY_SAME)
    # Join alike pairs into groups (a union-find over the pairs).
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    best: dict[int, float] = {}
    for i in range(len(entries)):
        for j in range(i + 1, len(entries)):
            score = max(float(plain[i][j]), float(sorted_words[i][j]))
            if score >= LIKELY_SAME and texts[i] and texts[j]:
                a, b = root(i), root(j)
                if a != b:
                    parent[b] = a
                best[i] = max(best.get(i, 0), score)
                best[j] = max(best.get(j, 0), score)
    groups: dict[int, list[int]] = {}
    for i in best:
        groups.setdefault(root(i), []).append(i)
    found = []
    for members in groups.values():
        ranked = sorted((entries[i] for i in members),
                        key=lambda e: (not e.adopted, -e.votes, e.created_at, e.id))
        found.append((max(best[i] for i in members),
                      LikelyDuplicates(ranked[0], tuple(ranked[1:]))))
    found.sort(key=lambda pair: (-pair[0], pair[1].keep.id))
    return [group for _, group in found]


def _live_entry(con: Connection, org_id: int, entry_id: int) -> None:
    row = con.execute(
        "SELECT merged_into FROM brainstorm_entry WHERE org_id = ? AND id = ?", [org_id, entry_id]
    ).fetchone()
    if row is None or row[0] is not None:
        raise NotFoundError("That entry was merged or removed by the facilitator.")


def set_vote(con: Connection, org_id: int, entry_id: int, stands: bool = True) -> bool:
    """Vote for an entry (``stands``), or take the vote back; returns whether the vote
    now stands. Votes are the signed-in person's (or guest's) own: one each per entry.

    Setting, not toggling: a vote that arrives twice (a double tap, a click sent again
    by the browser) is still one vote, not a vote and its withdrawal."""
    voter = access.require(Permission.BRAINSTORM, org_id).name
    try:
        with transaction(con):
            _live_entry(con, org_id, entry_id)
            if stands:
                con.execute("INSERT INTO brainstorm_vote (entry_id, voter) VALUES (?, ?) "
                            "ON CONFLICT DO NOTHING", [entry_id, voter])
            else:
                con.execute("DELETE FROM brainstorm_vote WHERE entry_id = ? AND voter = ?",
                            [entry_id, voter])
    except duckdb.ConstraintException:
        # The same person's vote arrived twice at once, on two cursors: it stands.
        if not stands:
            raise
    finally:
        _wall_changed(org_id)
    return stands


def merge_entries(con: Connection, org_id: int, keep_id: int, duplicate_ids: list[int]) -> None:
    """Fold duplicates into one entry; each voter's support counts once."""
    access.require(Permission.FACILITATE, org_id)
    duplicates = [d for d in duplicate_ids if d != keep_id]
    if not duplicates:
        raise ValidationError({"merge": "Choose at least one other entry to merge into it."})
    _wall_changed(org_id)
    with transaction(con):
        _live_entry(con, org_id, keep_id)
        for dup in duplicates:
            _live_entry(con, org_id, dup)
            con.execute(
                "INSERT INTO brainstorm_vote (entry_id, voter) "
                "SELECT ?, voter FROM brainstorm_vote WHERE entry_id = ? "
                "ON CONFLICT DO NOTHING",
                [keep_id, dup],
            )
            con.execute("DELETE FROM brainstorm_vote WHERE entry_id = ?", [dup])
            con.execute(
                "UPDATE brainstorm_entry SET merged_into = ? WHERE org_id = ? AND id = ?",
                [keep_id, org_id, dup],
            )
    _wall_changed(org_id)


def set_adopted(con: Connection, org_id: int, entry_id: int, adopted: bool) -> None:
    access.require(Permission.FACILITATE, org_id)
    with transaction(con):
        _live_entry(con, org_id, entry_id)
        con.execute("UPDATE brainstorm_entry SET adopted = ? WHERE org_id = ? AND id = ?",
                    [adopted, org_id, entry_id])
    _wall_changed(org_id)


def delete_entry(con: Connection, org_id: int, entry_id: int) -> None:
    access.require(Permission.FACILITATE, org_id)
    with transaction(con):
        con.execute("DELETE FROM brainstorm_vote WHERE entry_id IN (SELECT id FROM "
                    "brainstorm_entry WHERE org_id = ? AND (id = ? OR merged_into = ?))",
                    [org_id, entry_id, entry_id])
        con.execute("DELETE FROM brainstorm_entry WHERE org_id = ? AND (id = ? OR merged_into = ?)",
                    [org_id, entry_id, entry_id])
    _wall_changed(org_id)

