"""The wall's refreshes may share who is signed in (issue 21); its actions never do."""

from __future__ import annotations

import pytest

from strategy.core.access import Identity, acting
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.service import vision
from tests.identities import member


def test_every_action_reads_who_is_signed_in_afresh(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh may have drawn the wall for a session that has since ended; pressing
    Add then checks the session itself, and nothing is written."""
    from strategy.ui import forms, session

    leader = member("Lee", org.id, "leader")
    reads: list[bool] = []

    def holder(shared: bool = False) -> Identity | None:
        reads.append(shared)
        return leader if shared else None  # the shared copy is a second old

    monkeypatch.setattr(session, "request_identity", holder)
    assert session.recheck in forms.before_action
    added: list[int] = []
    with acting(leader):  # as the refresh left it
        done = forms.attempt(lambda: added.append(vision.add_entry(con, org.id, "Kept informed")),
                             rerun=False)
    assert not done and added == [] and vision.list_entries(con, org.id) == []
    assert reads == [False]  # read afresh, not shared
