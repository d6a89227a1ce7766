"""Who the tests act as: the domain refuses to act for nobody."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from strategy.core.access import Identity, Role, acting, set_current


def member(name: str, org_id: int, role: Role | str, team_id: int | None = None,
           account_id: int | None = None) -> Identity:
    """Someone with one role in one organisation."""
    return Identity(kind="account", name=name, account_id=account_id,
                    roles={org_id: Role(role)}, teams={org_id: team_id})


@contextmanager
def as_person(name: str, org_id: int | None = None,
              role: Role | str = Role.ADMINISTRATOR) -> Iterator[Identity]:
    """Act as ``name``: an administrator unless a role in ``org_id`` is given."""
    identity = (Identity.shell(name) if org_id is None or Role(role) is Role.ADMINISTRATOR
                else member(name, org_id, role))
    with acting(identity):
        yield identity


def act_as(name: str) -> Identity:
    """From here to the end of the test, act as administrator ``name``."""
    identity = Identity.shell(name)
    set_current(identity)
    return identity


def sign_in_app(monkeypatch: pytest.MonkeyPatch, identity: Identity) -> Identity:
    """Make AppTest's app see ``identity`` as the signed-in person."""

    from strategy.ui import session

    monkeypatch.setattr(session, "request_identity", lambda shared=False: identity)
    return identity
