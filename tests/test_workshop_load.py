"""The workshop load benchmark's smallest room as a test: ten guests, without a browser
each, over Streamlit's websocket (bench/bench_workshop.py). Every answer the server
acknowledged is stored, every answer reaches every other guest's wall, every vote
pressed is stored, and nobody sees an error. (Its timings are printed by ``make bench``,
not asserted here.)"""

from __future__ import annotations

from pathlib import Path

from bench.bench_workshop import ANSWERS, SHORT, VOTES, run_room


def test_a_room_of_ten_loses_nothing(tmp_path: Path) -> None:
    room = run_room(10, SHORT, folder=tmp_path)
    assert room.errors == 0, room.first_errors
    assert room.acknowledged == room.stored == 10 * ANSWERS
    assert room.missed == 0  # each answer was drawn on all nine other walls
    # Every vote pressed (on a card the guest's wall showed) is stored.
    assert room.votes == room.votes_stored == 10 * VOTES
