"""A demo organisation with a coherent, filled-in plan, so a newcomer sees one at once.

Riverbend Water is a regional water utility: households and businesses outside,
field crews, billing and planning serving each other inside. Dates are set
relative to today so the demo always shows recent work, one stale assessment
and one assumption to fix.
"""

from __future__ import annotations

from datetime import date, timedelta

from strategy.core import access
from strategy.core.db import Connection
from strategy.core.orgs import Organisation, create_organisation, list_organisations
from strategy.customers.needs import AssessmentInput, add_assessment
from strategy.customers.segments import SegmentInput, add_segment
from strategy.demo.complaints import load_complaints
from strategy.demo.measures import load_measures
from strategy.demo.people import load_people
from strategy.people.personnel import add_team
from strategy.plan.self_check import load_demo_rounds
from strategy.service.standards import (
    StandardInput,
    add_communication,
    add_from_template,
    add_standard,
)
from strategy.service.vision import (
    add_behaviour,
    add_entry,
    add_value,
    save_vision,
    set_adopted,
    set_vote,
)

DEMO_NAME = "Riverbend Water (demo)"

_SEGMENTS = [
    # name, kind, description, size, unit, value, annual value, teams, channels
    ("Households", "external", "Homes on a metered or unmetered supply.", 182000, "accounts",
     "critical", 61_000_000, ["Contact centre", "Billing", "Field operations"],
     ["Phone", "Email", "Web/chat", "Field"]),
    ("Small businesses", "external", "Shops, offices and cafés with a business account.",
     9400, "accounts", "high", 14_500_000, ["Business desk", "Billing"],
     ["Phone", "Email", "Web/chat"]),
    ("Large industrial users", "external",
     "Factories and food processors on bespoke tariffs and trade-effluent consents.", 64,
     "accounts", "critical", 22_000_000, ["Key accounts", "Field operations"],
     ["Phone", "Email", "In person", "Field"]),
    ("Property developers", "external", "Developers asking for new connections and diversions.",
     310, "accounts", "high", 3_800_000, ["Developer services"],
     ["Email", "In person", "Web/chat"]),
    ("Customers needing extra help", "external",
     "People on the priority services register: medical needs, limited mobility, language.",
     11800, "people", "critical", None, ["Contact centre", "Field operations"],
     ["Phone", "In person", "Field"]),
    ("Local councils", "external", "Councils we work with on roadworks, flooding and schools.",
     7, "accounts", "high", None, ["Key accounts"], ["Email", "In person"]),
    ("Regulator", "external", "The economic and drinking-water regulators.", 2, "accounts",
     "critical", None, ["Regulation team"], ["Email", "In person"]),
    ("Field crews", "internal", "Depend on planning for accurate, complete job sheets.", 240,
     "people", "high", None, ["Work planning"], ["Phone", "Email"]),
    ("Contact centre advisers", "internal",
     "Depend on field operations and billing for up-to-date job and account status.", 85,
     "people", "high", None, ["Field operations", "Billing"], ["Phone", "Web/chat"]),
    ("Billing team", "internal", "Depends on meter readers for timely, accurate readings.", 32,
     "people", "medium", None, ["Meter reading"], ["Email", "Field"]),
    ("Line managers", "internal", "Depend on HR for recruitment, pay and people advice.", 60,
     "people", "medium", None, ["HR"], ["Email", "In person"]),
    ("Executive team", "internal", "Depends on finance and performance for reliable reports.", 8,
     "people", "high", None, ["Finance", "Performance"], ["Email", "In person"]),
]

_ASSESSMENTS = [
    # segment, quality, importance, performance, source, days ago, notes
    ("Households", "Reliability", 5, 4, "survey", 40, "Quarterly tracker, 1,204 answers."),
    ("Households", "Timeliness", 5, 3, "survey", 40, "Waits on the phone at bill time."),
    ("Households", "Communication", 4, 2, "complaint analysis", 55,
     "Most complaints mention not being told about supply interruptions."),
    ("Households", "Friendliness", 3, 4, "survey", 40, ""),
    ("Small businesses", "Accuracy", 5, 3, "interview", 70, "Twelve interviews; estimated bills."),
    ("Small businesses", "Responsiveness", 4, 3, "interview", 70, ""),
    ("Large industrial users", "Reliability", 5, 4, "interview", 25, "Account reviews."),
    ("Large industrial users", "Competence", 5, 4, "interview", 25, ""),
    ("Large industrial users", "Communication", 4, 3, "focus group", 200,
     "Older than the re-assessment interval: ask again."),
    ("Property developers", "Timeliness", 5, 2, "focus group", 90,
     "Connection quotes take too long."),
    ("Property developers", "Honesty", 4, 3, "focus group", 90, "Want realistic dates."),
    ("Customers needing extra help", "Consideration", 5, 4, "interview", 60,
     "Home visits with the priority services team."),
    ("Customers needing extra help", "Accessibility", 5, 3, "front-line feedback", 30,
     "Advisers report callers struggle with the phone menu."),
    ("Local councils", "Communication", 4, 3, "interview", 120, ""),
    ("Regulator", "Honesty", 5, 4, "assumption", 150, "Not yet asked: flagged."),
    ("Field crews", "Accuracy", 5, 2, "front-line feedback", 20,
     "Job sheets missing access details."),
    ("Field crews", "Timeliness", 4, 3, "survey", 20, "Internal pulse survey."),
    ("Contact centre advisers", "Timeliness", 5, 2, "front-line feedback", 15,
     "Job status updates arrive hours late."),
    ("Contact centre advisers", "Communication", 4, 3, "survey", 15, ""),
    ("Billing team", "Accuracy", 5, 3, "complaint analysis", 45, "Read errors cause rebills."),
    ("Line managers", "Responsiveness", 4, 3, "survey", 100, ""),
    ("Executive team", "Reliability", 5, 4, "interview", 80, ""),
    # An older household answer shows how expectations move over time.
    ("Households", "Timeliness", 4, 3, "survey", 400, "Last year's tracker."),
]

_VALUES = [
    ("Own it", "We see a customer's problem through to the end.",
     ["Give the customer your name and a date for the next update.",
      "Follow up after the fix to check it worked."]),
    ("Tell it straight", "We say what is happening and what we can do, in plain words.",
     ["Warn customers about interruptions before they notice them.",
      "Give realistic dates, and explain any change before it happens."]),
    ("Care for every customer", "We adapt to the person in front of us.",
     ["Check the priority services register before every visit.",
      "Offer another way to contact us when a channel does not suit."]),
    ("One team", "Colleagues are customers too.",
     ["Answer colleagues' requests within a working day.",
      "Hand over a job with everything the next person needs."]),
]

_BRAINSTORM = [
    ("Priya", "Being told before the water goes off, not after", ["Priya", "Tom", "Ade", "Mei"]),
    ("Tom", "Someone who owns my problem until it's fixed", ["Tom", "Ade", "Sam"]),
    ("Ade", "Not having to explain twice", ["Ade", "Priya", "Mei", "Sam", "Jo"]),
    ("Mei", "Bills I can understand", ["Mei"]),
    ("Sam", "Crews that turn up when they said", ["Sam", "Tom"]),
    ("Jo", "Treating colleagues like customers", ["Jo", "Priya"]),
    ("Tom", "Tell people before the water goes off", []),
    ("Priya", "Being kind when people are stressed", ["Priya", "Jo"]),
]

_OWN_STANDARDS = [
    StandardInput("Warn households of planned interruptions 48 hours ahead", "All channels",
                  "Communication", "Every affected household hears about planned work at "
                  "least two days before it starts.", "Planned interruptions warned 48 hours "
                  "ahead", 98, "%", "higher", 100,
                  "We will always tell you at least 48 hours before planned work."),
    StandardInput("Complete job sheets before crews leave the depot", "Field", "Accuracy",
                  "Job sheets include access details, customer needs and parts.",
                  "Job sheets complete at dispatch", 95, "%", "higher"),
]

_TEMPLATES = [
    "Answer the phone by the third ring",
    "Greet with company, department and your own name",
    "Ask before putting anyone on hold",
    "Update callers on hold at least every 30 seconds",
    "Return calls within four working hours",
    "Thank the customer at the end of every contact",
    "Reply to emails within one working day",
    "Acknowledge complaints in writing within one working day",
    "Answer web chats within one minute",
    "Greet visitors within 30 seconds",
    "Arrive within the booked time window",
    "Call ahead when running late",
    "Resolve at the first contact",
    "Get bills and orders right first time",
]


def load_demo(con: Connection, name: str = DEMO_NAME, today: date | None = None) -> Organisation:
    """Create the demo organisation; refuses if one of that name exists."""
    today = today or date.today()
    with access.acting(access.Identity.shell("Demo loader")):
        return _load_demo(con, name, today)


def _load_demo(con: Connection, name: str, today: date) -> Organisation:
    org = create_organisation(con, name)
    # The teams that serve the segments, the staffed ones among them filled in later.
    for team in sorted({t for seg in _SEGMENTS for t in seg[7]}):
        add_team(con, org.id, team)
    segment_ids = {}
    for seg in _SEGMENTS:
        segment_ids[seg[0]] = add_segment(con, org.id, SegmentInput(*seg))
    for seg_name, quality, importance, performance, source, days, notes in _ASSESSMENTS:
        add_assessment(con, org.id, AssessmentInput(
            segment_ids[seg_name], quality, importance, performance, source,
            today - timedelta(days=days), notes), today=today)
    _expectations(con, org.id, segment_ids)

    save_vision(con, org.id, 0,
                "Clean water, and service people can rely on: we tell you what is happening, "
                "we own your problem, and we treat colleagues as customers too.",
                "“My water went off on a Tuesday morning. I already had a text from Riverbend "
                "telling me why and when it would be back, and it was back when they said. "
                "When I rang, the person I spoke to knew about it and gave me her name.”")
    for value_name, description, behaviours in _VALUES:
        value_id = add_value(con, org.id, value_name, description)
        for behaviour in behaviours:
            add_behaviour(con, org.id, value_id, behaviour)
    for author, text, voters in _BRAINSTORM:
        # The demo's wall was filled in by its workshop's participants.
        with access.acting(access.Identity.shell(author)):
            entry_id = add_entry(con, org.id, text)
        for voter in voters:
            with access.acting(access.Identity.shell(voter)):
                set_vote(con, org.id, entry_id)
        if text.startswith(("Being told before", "Someone who owns")):
            set_adopted(con, org.id, entry_id, True)

    standard_ids = [add_standard(con, org.id, s) for s in _OWN_STANDARDS]
    standard_ids += [add_from_template(con, org.id, title) for title in _TEMPLATES]
    methods = [("internal", "Team briefing"), ("internal", "Staff handbook"),
               ("internal", "Onboarding")]
    for index, standard_id in enumerate(standard_ids):
        if index % 5 == 4:
            continue  # leave a few uncommunicated, as in any real register
        audience, method = methods[index % len(methods)]
        add_communication(con, org.id, standard_id, today - timedelta(days=10 + 7 * index),
                          audience, method, "", today=today)
    add_communication(con, org.id, standard_ids[0], today - timedelta(days=30), "external",
                      "Service charter", "Published in the customer charter.", today=today)
    load_people(con, org.id, today)
    # Before the measures: they close the previous quarter's review, which locks it.
    load_complaints(con, org.id, today)
    load_measures(con, org.id, today)
    load_demo_rounds(con, org.id, today)
    return org


def _expectations(con: Connection, org_id: int, segment_ids: dict[str, int]) -> None:
    from strategy.customers.segments import get_segment, update_expectations

    shaped = {
        "Households": (["Past experience", "Competitors' offerings"],
                       "Compare us with energy and broadband suppliers' apps.",
                       ["Customer service", "Quality"]),
        "Small businesses": (["Economic situation", "Past experience"],
                             "Cash flow makes estimated bills painful.", ["Price", "Quality"]),
        "Property developers": (["Competitors' offerings"],
                                "Self-lay providers offer faster quotes.",
                                ["Customer service", "Price"]),
    }
    for seg_name, (factors, notes, reasons) in shaped.items():
        segment = get_segment(con, org_id, segment_ids[seg_name])
        update_expectations(con, org_id, segment.id, segment.version, factors, notes, reasons)


def load_demo_if_empty(con: Connection) -> Organisation | None:
    """On a first start with an empty database, load the demo; otherwise do nothing."""
    if list_organisations(con):
        return None
    return load_demo(con)
