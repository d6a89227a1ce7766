"""A small organisation for the complaints register's tests: a team of three, two
customer segments, a standard and a value."""

from __future__ import annotations

from datetime import date

from strategy.core.db import Connection
from strategy.customers.segments import SegmentInput, add_segment
from strategy.people.personnel import EmployeeInput, add_employee, add_team
from strategy.service.standards import add_from_template
from strategy.service.vision import add_value


def staff_an_organisation(con: Connection, org_id: int) -> dict[str, int]:
    """Ids by short name: team, amara, ben, cleo, households, business, standard, value."""
    team = add_team(con, org_id, "Contact centre")
    ids = {"team": team}
    for number, name in (("E1", "Amara Okafor"), ("E2", "Ben Hall"), ("E3", "Cleo Diaz")):
        ids[name.split()[0].lower()] = add_employee(
            con, org_id, EmployeeInput(number, name, team, date(2020, 1, 6)))
    ids["households"] = add_segment(con, org_id, SegmentInput("Households", "external"))
    ids["business"] = add_segment(con, org_id, SegmentInput("Businesses", "external"))
    ids["standard"] = add_from_template(con, org_id, "Answer the phone by the third ring")
    ids["value"] = add_value(con, org_id, "Own it", "We see it through.")
    return ids
