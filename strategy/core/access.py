"""Who may do what: the one role → permission table, and who is acting now.

Every page, every domain write, every export, the command line and the tests
read :data:`ROLE_PERMISSIONS`. The person acting is set once per request (a
script run, a command) with :func:`acting`; domain functions call
:func:`require` before they read personal data or write anything, so a check
does not depend on a page having hidden a button.

The identity is a context variable: each Streamlit session runs its script in
its own thread and sees only its own person.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from strategy.core.errors import StrategyError


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    LEADER = "leader"
    HR = "hr"
    CONTRIBUTOR = "contributor"
    VIEWER = "viewer"
    # Not an account's role: a workshop participant who joined by code.
    GUEST = "guest"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMINISTRATOR: "Administrator",
    Role.LEADER: "Leader",
    Role.HR: "HR",
    Role.CONTRIBUTOR: "Contributor",
    Role.VIEWER: "Viewer",
    Role.GUEST: "Workshop guest",
}

# The roles an account can be given (guests are made by joining a workshop).
ACCOUNT_ROLES = (Role.ADMINISTRATOR, Role.LEADER, Role.HR, Role.CONTRIBUTOR, Role.VIEWER)


class Permission(StrEnum):
    # The value completes "Your role does not allow you to ...".
    VIEW_VISION = "see the vision page"
    READ_PLAN = "read the plan"
    READ_SCORECARD = "read the scorecard"
    BRAINSTORM = "take part in the brainstorm wall"
    SEE_SELF_CHECK = "see the eleven-step self-check"
    TAKE_SELF_CHECK = "answer the eleven-step self-check"
    GIVE_RECOGNITION = "give recognition"
    READ_FEEDBACK = ("read complaints and compliments one by one (the customers' own words "
                     "and the staff named)")
    RECORD_FEEDBACK = "record complaints and compliments"
    MANAGE_FEEDBACK = "change anyone's complaints and compliments"
    RECORD_OWN_TEAM = "record observations and training for your own team"
    RECORD_ANY_TEAM = "record observations and training for any team"
    EDIT_PLAN = "edit the plan, its measures and reviews"
    FACILITATE = "run workshops"
    HR_AGGREGATES = "see HR figures per team"
    HR_RECORDS = "see personal HR records"
    ADD_TEAMS = "add teams"
    MANAGE_PEOPLE = "manage people, teams and recognition records"
    MANAGE_ORGANISATIONS = "create, rename and delete organisations"
    MANAGE_ACCOUNTS = "manage accounts and roles"
    READ_ACCESS_LOG = "read the access log"


P = Permission
_VIEWER = frozenset({P.VIEW_VISION, P.READ_PLAN, P.READ_SCORECARD, P.SEE_SELF_CHECK})
# A viewer (a board member, an auditor) reads the plan and the scorecard, the
# complaints' figures among them, but not the register's records: they hold what
# customers said in their own words and name members of staff. Whoever records
# complaints reads them.
_CONTRIBUTOR = _VIEWER | {P.BRAINSTORM, P.GIVE_RECOGNITION, P.RECORD_OWN_TEAM,
                          P.READ_FEEDBACK, P.RECORD_FEEDBACK}
# The self-check asks the leaders (and a workshop's guests) how far the organisation has
# got; everyone who reads the plan sees the figures, never anyone's own answers.
# A team's name is not personal data, and a leader setting up step 1 in a workshop
# must not wait for HR to add the team that serves a segment: leaders add teams.
# Renaming and removing them, and the people in them, stay HR's.
_LEADER = _CONTRIBUTOR | {P.EDIT_PLAN, P.FACILITATE, P.RECORD_ANY_TEAM, P.HR_AGGREGATES,
                          P.TAKE_SELF_CHECK, P.MANAGE_FEEDBACK, P.ADD_TEAMS}
# HR sees what a leader sees and keeps the people records; the plan itself is the
# leaders' to edit. HR usually sits on the leadership team, so it answers the
# self-check with the leaders.
_HR = _CONTRIBUTOR | {P.RECORD_ANY_TEAM, P.HR_AGGREGATES, P.HR_RECORDS, P.MANAGE_PEOPLE,
                      P.TAKE_SELF_CHECK, P.ADD_TEAMS}

ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType({
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.LEADER: _LEADER,
    Role.HR: _HR,
    Role.CONTRIBUTOR: _CONTRIBUTOR,
    Role.VIEWER: _VIEWER,
    # A guest sees and answers only the self-check round opened for their workshop
    # (strategy.plan.self_check checks the workshop).
    Role.GUEST: frozenset({P.VIEW_VISION, P.BRAINSTORM, P.SEE_SELF_CHECK, P.TAKE_SELF_CHECK}),
})

# Permissions that are not about one organisation.
SERVER_PERMISSIONS = frozenset({P.MANAGE_ACCOUNTS, P.READ_ACCESS_LOG, P.MANAGE_ORGANISATIONS})


class AccessDenied(StrategyError):
    title = "Not allowed"


@dataclass(frozen=True)
class Identity:
    """The person acting: a signed-in account, a workshop guest, or the shell."""

    kind: str  # "account", "guest" or "shell"
    name: str  # as the change history records it
    account_id: int | None = None
    is_administrator: bool = False
    roles: Mapping[int, Role] = field(default_factory=dict)
    teams: Mapping[int, int | None] = field(default_factory=dict)
    guest_id: int | None = None
    workshop_id: int | None = None
    workshop_org: int | None = None

    @classmethod
    def shell(cls, name: str) -> Identity:
        # Whoever can run the command line can open the database file itself:
        # the shell acts as an administrator and is recorded as such.
        return cls(kind="shell", name=name, is_administrator=True)

    def role_in(self, org_id: int | None) -> Role | None:
        if self.is_administrator:
            return Role.ADMINISTRATOR
        if self.kind == "guest":
            return Role.GUEST if org_id is not None and org_id == self.workshop_org else None
        return self.roles.get(org_id) if org_id is not None else None

    def may(self, permission: Permission, org_id: int | None = None) -> bool:
        if self.is_administrator:
            return True
        if permission in SERVER_PERMISSIONS:
            return False
        role = self.role_in(org_id)
        return role is not None and permission in ROLE_PERMISSIONS[role]

    def team_in(self, org_id: int) -> int | None:
        return self.teams.get(org_id)

    @property
    def org_ids(self) -> frozenset[int]:
        """The organisations this person belongs to (administrators: see all)."""
        if self.kind == "guest":
            return frozenset({self.workshop_org} if self.workshop_org else ())
        return frozenset(self.roles)


_current: ContextVar[Identity | None] = ContextVar("strategy_identity", default=None)


def set_current(identity: Identity | None) -> None:
    """Make ``identity`` the person acting in this thread from now on."""
    _current.set(identity)


@contextmanager
def acting(identity: Identity | None) -> Iterator[Identity | None]:
    """Act as ``identity`` inside the block (the command line, tests)."""
    token = _current.set(identity)
    try:
        yield identity
    finally:
        _current.reset(token)


def current() -> Identity:
    identity = _current.get()
    if identity is None:
        raise AccessDenied("Sign in first: nobody is signed in.")
    return identity


def current_or_none() -> Identity | None:
    return _current.get()


def allowed(permission: Permission, org_id: int | None = None) -> bool:
    identity = _current.get()
    return identity is not None and identity.may(permission, org_id)


def require(permission: Permission, org_id: int | None = None) -> Identity:
    """The acting person, if they may; otherwise :class:`AccessDenied`, saying why."""
    identity = current()
    if identity.may(permission, org_id):
        return identity
    role = identity.role_in(org_id)
    if role is None:
        who = "You are not a member of this organisation" if org_id is not None else \
            "Only an administrator may do this"
        if permission in SERVER_PERMISSIONS:
            who = "Only an administrator may do this"
        raise AccessDenied(f"{who}: you cannot {permission}.")
    raise AccessDenied(f"Your role in this organisation ({role.label}) does not allow you to "
                       f"{permission}. Ask an administrator if you need it.")


def require_team(org_id: int, team_id: int | None) -> Identity:
    """Observations and training completions: any team, or the contributor's own."""
    identity = current()
    if identity.may(P.RECORD_ANY_TEAM, org_id):
        return identity
    require(P.RECORD_OWN_TEAM, org_id)
    own = identity.team_in(org_id)
    if own is None or team_id != own:
        raise AccessDenied("You may record observations and training only for your own team"
                           + ("." if own is not None else
                              ", and no team is set for you: ask an administrator."))
    return identity


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]
