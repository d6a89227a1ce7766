from __future__ import annotations

from datetime import date

import pytest

from strategy.core.db import Connection
from strategy.core.errors import ConflictError, ValidationError
from strategy.core.orgs import Organisation
from strategy.service import standards
from strategy.service.standards import StandardInput

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 22)


def _email_reply(**changes: object) -> StandardInput:
    data = StandardInput("Reply to emails within a day", "Email", "Timeliness",
                         "Personal reply", "Time to first reply", 24, "hours", "lower")
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_add_and_flags(con: Connection, org: Organisation) -> None:
    standards.add_standard(con, org.id, _email_reply())
    standards.add_standard(con, org.id, StandardInput("Smile", "In person", "Friendliness"))
    by_title = {s.title: s for s in standards.list_standards(con, org.id)}
    assert by_title["Reply to emails within a day"].flags() == ["Not yet communicated"]
    assert by_title["Smile"].flags() == ["No measurable target", "Not yet communicated"]
    assert by_title["Reply to emails within a day"].target_text() == "≤ 24 hours"


@pytest.mark.parametrize(("direction", "target", "promise", "risky"), [
    ("lower", 24, 4, True),      # promise a 4-hour reply when the team aims for 24
    ("lower", 24, 48, False),    # under-promise
    ("lower", 24, 24, False),
    ("higher", 90, 95, True),    # promise 95 % when the team aims for 90 %
    ("higher", 90, 80, False),
])
def test_over_promising(con: Connection, org: Organisation, direction: str, target: float,
                        promise: float, risky: bool) -> None:
    unit = "hours" if direction == "lower" else "%"
    standards.add_standard(con, org.id, _email_reply(direction=direction, target=target,
                                                     promise=promise, unit=unit))
    (saved,) = standards.list_standards(con, org.id)
    assert saved.over_promises is risky
    assert ("Promise stricter than target" in saved.flags()) is risky


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"unit": ""}, "unit", "needs a unit"),
    ({"measure": ""}, "measure", "Say what is measured"),
    ({"title": " "}, "title", "cannot be empty"),
    ({"channel": "Carrier pigeon"}, "channel", "must be one of"),
    ({"unit": "%", "target": 120}, "target", "cannot be over 100"),
    ({"target": None, "promise": 4}, "promise", "Set the internal target first"),
    ({"quality": "Telepathy"}, "quality", "Choose the service quality"),
    ({"target": float("nan")}, "target", "must be a number"),
])
def test_bad_standards_are_refused(con: Connection, org: Organisation,
                                   changes: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        standards.add_standard(con, org.id, _email_reply(**changes))
    assert words in info.value.fields[field]
    assert standards.list_standards(con, org.id) == []


def test_duplicate_title_and_versioned_update(con: Connection, org: Organisation) -> None:
    standard_id = standards.add_standard(con, org.id, _email_reply())
    with pytest.raises(ValidationError, match="already a standard"):
        standards.add_standard(con, org.id, _email_reply(title="REPLY to emails within a day"))
    loaded = standards.get_standard(con, org.id, standard_id)
    standards.update_standard(con, org.id, standard_id, loaded.version, _email_reply(target=8))
    with pytest.raises(ConflictError):
        standards.update_standard(con, org.id, standard_id, loaded.version,
                                  _email_reply(target=12))
    assert standards.get_standard(con, org.id, standard_id).target == 8


def test_templates(con: Connection, org: Organisation) -> None:
    library = standards.templates()
    assert len(library) >= 15
    assert {t.channel for t in library} >= {"Phone", "Email", "In person", "Web/chat", "Field"}
    for template in library:
        standards.add_from_template(con, org.id, template.title)
    assert all(s.has_measurable_target for s in standards.list_standards(con, org.id))
    with pytest.raises(ValidationError, match="already in your register"):
        standards.add_from_template(con, org.id, library[0].title)


def test_communication_log(con: Connection, org: Organisation) -> None:
    standard_id = standards.add_standard(con, org.id, _email_reply())
    standards.add_communication(con, org.id, standard_id, date(2026, 11, 1), "internal",
                                "Team briefing", "Monday huddle", today=TODAY)
    standards.add_communication(con, org.id, standard_id, date(2026, 11, 5), "external",
                                "Service charter", today=TODAY)
    log = standards.list_communications(con, org.id, standard_id)
    assert [(c.communicated_on, c.method) for c in log] == [
        (date(2026, 11, 5), "Service charter"), (date(2026, 11, 1), "Team briefing")]
    assert standards.get_standard(con, org.id, standard_id).communications == 2
    with pytest.raises(ValidationError) as info:
        standards.add_communication(con, org.id, standard_id, date(2027, 1, 1), "external",
                                    "Team briefing", today=TODAY)
    assert set(info.value.fields) == {"communicated_on", "method"}
    standards.delete_standard(con, org.id, standard_id)
    assert con.execute("SELECT count(*) FROM standard_communication").fetchone() == (0,)
