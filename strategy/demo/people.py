"""The demo organisation's people: about sixty staff in seven teams over two years.

Generated from a fixed seed so every load is the same plan: hires and leavers
in each of the last eight quarters, owners and acknowledgements for the
standards, compliance observations, training, candidates and a few hundred
recognition records that favour some people more than others (as in life).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from strategy.core import access
from strategy.core.db import Connection
from strategy.core.periods import Quarter
from strategy.measures import impact
from strategy.people import personnel, recognition, training, workforce
from strategy.service import accountability, line_of_sight
from strategy.service.standards import list_standards
from strategy.service.vision import list_values

TEAMS = {  # team: (current staff, role of most members)
    "Contact centre": (17, "Adviser"),
    "Billing": (8, "Billing officer"),
    "Field operations": (14, "Engineer"),
    "Business desk": (5, "Adviser"),
    "Key accounts": (4, "Account manager"),
    "Developer services": (4, "Case officer"),
    "Work planning": (6, "Planner"),
}
CHANNEL_TEAMS = {
    "Phone": ["Contact centre", "Business desk"],
    "Email": ["Contact centre", "Billing", "Business desk", "Developer services"],
    "Web/chat": ["Contact centre"],
    "In person": ["Key accounts", "Developer services"],
    "Field": ["Field operations", "Work planning"],
    "All channels": list(TEAMS),
}
QUALITY_RESULTS = {
    "Responsiveness": ["Customer retention", "Fewer complaints"],
    "Timeliness": ["Customer retention", "Fewer complaints"],
    "Courtesy": ["Reputation and referrals"],
    "Communication": ["Fewer complaints", "Reputation and referrals"],
    "Recognising the customer": ["Reputation and referrals", "Customer retention"],
    "Reliability": ["Customer retention", "Cost to serve"],
    "Consideration": ["Reputation and referrals"],
    "Competence": ["Cost to serve", "Fewer complaints"],
    "Accuracy": ["Cost to serve", "Revenue", "Fewer complaints"],
}
FIRST = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamid", "Isla", "Jonah",
         "Kira", "Liam", "Maya", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tara",
         "Umar", "Vera", "Wes", "Xena", "Yusuf", "Zoe", "Aled", "Bea", "Cal", "Dina"]
LAST = ["Adams", "Bhatt", "Carter", "Dlamini", "Evans", "Fischer", "Garcia", "Hughes", "Iqbal",
        "Jones", "Kowalski", "Lewis", "Morgan", "Nowak", "Okafor", "Price", "Reid", "Singh",
        "Taylor", "Usman", "Vaughan", "Walsh", "Young", "Zhang"]
LEAVE_REASONS = {"voluntary": ["Better pay elsewhere", "Career move", "Relocation",
                               "Workload", "Retirement", "Returned to study"],
                 "involuntary": ["Performance", "Conduct", "End of fixed-term contract"]}
WHAT = ["Stayed on the line until a vulnerable customer's supply was back",
        "Spotted a billing error before it reached the customer",
        "Called a customer back the same day as promised",
        "Handled an angry caller calmly and solved the problem",
        "Covered a colleague's shift during the storm",
        "Explained a complex bill in plain words",
        "Arrived early and kept the customer informed throughout",
        "Shared a fix that cut repeat calls for the whole team",
        "A customer wrote in to thank them by name",
        "Trained two new starters on the phone standards"]


def load_people(con: Connection, org_id: int, today: date) -> None:
    rng = random.Random(2026)
    current = Quarter.containing(today)
    first_day = current.shift(-7).start  # the start of the eighth quarter back
    names = iter(rng.sample([f"{f} {surname}" for f in FIRST for surname in LAST], 200))
    # Some teams exist already: step 1's segments name the teams that serve them.
    existing = {t.name: t.id for t in personnel.list_teams(con, org_id)}
    team_ids = {name: existing.get(name) or personnel.add_team(con, org_id, name) for name in TEAMS}

    number = 1000
    by_team: dict[str, list[int]] = {t: [] for t in TEAMS}
    leaders: dict[str, str] = {}
    for team, (size, role) in TEAMS.items():
        # Staff today: a leader, longer-serving people, and hires from the last two years.
        for index in range(size):
            number += 1
            if index == 0:
                hired = today - timedelta(days=rng.randint(2500, 4000))
                this_role = "Team leader"
                leaders[team] = str(number)
            elif index <= size * 0.6:
                hired = today - timedelta(days=rng.randint(800, 3000))
                this_role = role
            else:
                hired = first_day + timedelta(days=rng.randint(0, (today - first_day).days - 20))
                this_role = role
            by_team[team].append(personnel.add_employee(con, org_id, personnel.EmployeeInput(
                str(number), next(names), team_ids[team], hired, this_role,
                manager_number=leaders[team] if index else ""), today=today))
        # Leavers over the two years (a few more where the work is hardest).
        for _ in range({"Contact centre": 7, "Field operations": 4}.get(team, 1)):
            number += 1
            left = first_day + timedelta(days=rng.randint(5, (today - first_day).days - 5))
            hired = left - timedelta(days=rng.randint(120, 1800))
            kind = "voluntary" if rng.random() < 0.75 else "involuntary"
            personnel.add_employee(con, org_id, personnel.EmployeeInput(
                str(number), next(names), team_ids[team], hired, role,
                manager_number=leaders[team], leave_date=left, leave_kind=kind,
                leave_reason=rng.choice(LEAVE_REASONS[kind])), today=today)

    leader_ids = {t: by_team[t][0] for t in TEAMS}
    standards = list_standards(con, org_id)
    for standard in standards:
        teams = CHANNEL_TEAMS[standard.channel]
        accountability.assign(con, org_id, standard.id, leader_ids[teams[0]],
                              [team_ids[t] for t in teams])
        line_of_sight.set_results(con, org_id, standard.id,
                                  QUALITY_RESULTS.get(standard.quality, ["Customer retention"]))
        serving = [e for t in teams for e in by_team[t]]
        acknowledged = [e for e in serving if rng.random() < 0.85]
        if acknowledged:
            accountability.acknowledge(con, org_id, standard.id, acknowledged,
                                       today - timedelta(days=rng.randint(20, 150)), today=today)
        # Compliance observed in each of the last four quarters, improving lately.
        for back in range(3, -1, -1):
            quarter = current.shift(-back)
            last = min(quarter.end, today)
            chance = 0.72 + 0.05 * (3 - back) + (0.1 if standard.channel == "Email" else 0)
            for _ in range(rng.randint(4, 8)):
                day = quarter.start + timedelta(days=rng.randint(0, (last - quarter.start).days))
                observer = rng.choice(["Quality team", "Team leader", "Mystery shopper"])
                # Each demo observation is recorded as made by its observer.
                with access.acting(access.Identity.shell(observer)):
                    accountability.add_observation(con, org_id, accountability.ObservationInput(
                        standard.id, day, rng.random() < chance,
                        team_ids[rng.choice(teams)]), today=today)

    # The impact model for this quarter and the last.
    for quarter, complaints, quick in ((current.shift(-1), 420, 0.55), (current, 365, 0.62)):
        impact.save(con, org_id, quarter, impact.Inputs(191_400, 340.0, complaints, quick, 180.0),
                    impact.Assumptions())

    training.seed_curriculum(con, org_id)
    modules = {m.name: m.id for m in training.list_modules(con, org_id)}
    frontline = [team_ids[t] for t in ("Contact centre", "Business desk", "Billing")]
    # Required since the plan's first quarter: those hired earlier are due from then.
    training.set_requirements(con, org_id, modules["Responding to complaints"], frontline, [],
                              since=first_day)
    training.set_requirements(con, org_id, modules["Managing angry customers"], frontline,
                              ["Engineer"], since=first_day)
    training.set_requirements(con, org_id, modules["Telephone skills"], [], ["Adviser"],
                              since=first_day)
    training.set_requirements(con, org_id, modules["Positive language"], list(team_ids.values()),
                              [], since=first_day)
    training.set_requirements(con, org_id, modules["The caring responses"],
                              [team_ids["Field operations"]], [], since=first_day)
    listed = training.list_modules(con, org_id)
    required_of = {m.id: (set(m.teams), {r.lower() for r in m.roles}) for m in listed}
    due_within = {m.id: m.due_within_days for m in listed}
    for employee in personnel.list_employees(con, org_id):
        for module_id in modules.values():
            start = max(employee.hire_date, first_day)
            end = min(employee.leave_date or today, today)
            required_teams, required_roles = required_of[module_id]
            if employee.team in required_teams or employee.role.lower() in required_roles:
                # As in an organisation that chases it: required training long due is
                # done and passed; what is still outstanding is recent.
                due = start + timedelta(days=due_within[module_id])
                settled = due < today - timedelta(days=30)
                taken, pass_rate = settled or rng.random() < 0.4, 1.0 if settled else 0.9
                end = min(end, due)
            else:
                taken, pass_rate = rng.random() < 0.35, 0.9
            if taken and start < end:
                day = start + timedelta(days=rng.randint(0, (end - start).days))
                passed = rng.random() < pass_rate
                training.record_completion(con, org_id, module_id, [employee.id], day,
                                           passed, rng.randint(70, 98) if passed else
                                           rng.randint(35, 64), today=today)

    workforce.seed_criteria(con, org_id)
    criteria = workforce.list_criteria(con, org_id)
    for name, role in (("Jordan Ellis", "Adviser"), ("Sam Ortiz", "Adviser"),
                       ("Robin Clarke", "Engineer"), ("Alex Moreau", "Billing officer")):
        workforce.score_candidate(con, org_id, name, role, "Team leader panel",
                                  today - timedelta(days=rng.randint(3, 60)),
                                  {c.id: rng.randint(2, 5) for c in criteria}, today=today)

    values = [v.id for v in list_values(con, org_id)]
    everyone = personnel.list_employees(con, org_id)
    favourites = rng.sample([e.id for e in everyone if e.leave_date is None], 8)
    for _ in range(320):
        day = first_day + timedelta(days=rng.randint(0, (today - first_day).days))
        eligible = [e.id for e in everyone if e.employed_on(day)]
        pool = [f for f in favourites if f in eligible] * 4 + eligible
        recipients = sorted({rng.choice(pool) for _ in range(1 if rng.random() < 0.85 else 3)})
        kind = rng.choices(["peer", "manager", "customer"], [5, 3, 2])[0]
        reward = rng.choices(["thanks", "voucher", "points", "gift", "bonus"], [6, 2, 3, 1, 1])[0]
        amount = {"voucher": 25.0, "points": 50.0, "gift": 30.0, "bonus": 150.0}.get(reward)
        use_standard = rng.random() < 0.5
        recognition.add_recognition(con, org_id, recognition.RecognitionInput(
            recipients, day, "Customer feedback" if kind == "customer" else
            rng.choice(["Team leader", "A colleague", "Operations manager"]), kind,
            rng.choice(WHAT), reward, amount,
            value_id=None if use_standard else rng.choice(values),
            standard_id=rng.choice(standards).id if use_standard else None), today=today)
