"""Files as other systems export them, for the import tests.

Each is written here from the system's documented export (headings, value
words, date style, extra heading rows, sheets), not copied from anyone's data.
The people, segments and teams they name are those of ``setup_organisation``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook

from strategy.core.db import Connection
from strategy.core.orgs import Organisation, create_organisation
from strategy.customers.segments import SegmentInput, add_segment
from strategy.people.personnel import EmployeeInput, add_employee, add_team

TODAY = date(2026, 11, 20)
STAFF = [("E1", "Amara Okafor", "Contact centre"), ("E2", "Ben Hall", "Contact centre"),
         ("E3", "Cleo Diaz", "Billing")]


def setup_organisation(con: Connection, name: str = "Harbour Leisure Trust") -> Organisation:
    org = create_organisation(con, name)
    teams = {t: add_team(con, org.id, t) for t in ("Contact centre", "Billing", "Field")}
    for number, person, team in STAFF:
        add_employee(con, org.id, EmployeeInput(number, person, teams[team], date(2020, 1, 6)))
    add_segment(con, org.id, SegmentInput("Households", "external"))
    return org


def to_csv(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


@dataclass
class Export:
    system: str  # the source's key
    file_name: str
    data: bytes
    kind: str  # which import
    # What a person adds on the command line for what the system cannot say.
    options: dict[str, object] = field(default_factory=dict)
    # What must be stored: reference or number or response id -> expected fields.
    expected: dict[str, dict[str, object]] = field(default_factory=dict)
    left_out: int = 0
    answers: list[int] = field(default_factory=list)  # survey scores, to work NPS out


# --- Help desks ---------------------------------------------------------------------


def zendesk() -> Export:
    head = ["Id", "Requester", "Requester id", "Requester email", "Assignee", "Group",
            "Subject", "Tags", "Status", "Priority", "Via", "Ticket type", "Created at",
            "Updated at", "Assigned at", "Solved at", "Due date", "Satisfaction Score"]
    rows = [
        [1041, "J. Marsh", 901, "jm@example.org", "Amara Okafor", "Support",
         "Charged twice for March", "complaint billing", "Solved", "High", "Email",
         "Problem", "2026-03-14 09:12:44 +0100", "2026-03-16 10:00:00 +0100",
         "2026-03-14 09:30:00 +0100", "2026-03-16 10:00:00 +0100", "", "Good"],
        [1042, "P. Ng", 902, "pn@example.org", "Ben Hall", "Support",
         "Nobody called back", "complaint", "Pending", "Normal", "Phone call (incoming)",
         "Incident", "2026-03-15 17:40:02 +0100", "2026-03-15 17:40:02 +0100", "", "", "",
         "Offered"],
        [1043, "R. Oyelaran", 903, "ro@example.org", "", "Support",
         "Thank you to Cleo", "compliment", "Closed", "Low", "Web Widget", "Question",
         "2026-03-16 08:05:10 +0100", "2026-03-17 08:05:10 +0100", "",
         "2026-03-17 08:05:10 +0100", "", "Unoffered"],
        [1044, "T. Berg", 904, "tb@example.org", "Ben Hall", "Support",
         "How do I read my meter?", "meter question", "Solved", "Low", "Web form",
         "Question", "2026-03-17 11:00:00 +0100", "", "", "2026-03-17 12:00:00 +0100", "",
         "Unoffered"],
    ]
    return Export("zendesk", "export-2026-11-20.csv", to_csv([head, *rows]), "complaints",
                  expected={
                      "1041": {"kind": "complaint", "received_on": date(2026, 3, 14),
                               "resolved_on": date(2026, 3, 16), "channel": "Email",
                               "owner": "Amara Okafor"},
                      "1042": {"kind": "complaint", "received_on": date(2026, 3, 15),
                               "resolved_on": None, "channel": "Phone", "owner": "Ben Hall"},
                      "1043": {"kind": "compliment", "received_on": date(2026, 3, 16),
                               "channel": "Web/chat"}},
                  left_out=1)


def freshdesk() -> Export:
    head = ["Ticket ID", "Subject", "Description", "Status", "Priority", "Source", "Type",
            "Agent", "Group", "Created time", "Due by Time", "Resolved time", "Closed time",
            "Last update time", "Initial response time", "Tags", "Requester Name",
            "Requester Email", "Company Name"]
    rows = [
        [201, "Wrong bill", "I was billed for a meter I do not have", "Resolved", "Medium",
         "Email", "Complaint", "Amara Okafor", "Billing", "2026-04-02 10:00:00",
         "2026-04-04 10:00:00", "2026-04-03 15:30:00", "2026-04-05 09:00:00",
         "2026-04-05 09:00:00", "2026-04-02 10:20:00", "", "K. Lum", "kl@example.org", ""],
        [202, "Great service", "Ben was patient and kind", "Closed", "Low",
         "Feedback Widget", "Compliment", "", "", "2026-04-03 12:00:00", "", "",
         "2026-04-03 12:30:00", "2026-04-03 12:30:00", "", "", "S. Vos", "sv@example.org", ""],
        [203, "Leak outside", "Water running in the street for two days", "Waiting on Customer",
         "High", "Phone", "Complaint", "Ben Hall", "Field", "2026-04-05 08:00:00",
         "2026-04-06 08:00:00", "", "", "2026-04-05 09:00:00", "", "", "A. Diaz",
         "ad@example.org", ""],
        [204, "Question about tariffs", "Which tariff am I on?", "Open", "Low", "Portal",
         "Question", "Cleo Diaz", "Billing", "2026-04-06 08:00:00", "", "", "",
         "2026-04-06 08:00:00", "", "", "B. Kim", "bk@example.org", ""],
    ]
    return Export("freshdesk", "tickets.csv", to_csv([head, *rows]), "complaints",
                  options={"values": {"kind": {"question": "leave out"}}},
                  expected={
                      "201": {"kind": "complaint", "received_on": date(2026, 4, 2),
                              "resolved_on": date(2026, 4, 3), "channel": "Email",
                              "owner": "Amara Okafor"},
                      "202": {"kind": "compliment", "channel": "Web/chat"},
                      "203": {"kind": "complaint", "resolved_on": None, "channel": "Phone"}},
                  left_out=1)


def jira() -> Export:
    # Jira repeats a heading for each value of a multi-valued field.
    head = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key",
            "Priority", "Resolution", "Assignee", "Reporter", "Created", "Updated",
            "Resolved", "Due date", "Labels", "Labels", "Description", "Comment", "Comment"]
    rows = [
        ["Engineer did not turn up", "CS-101", 10101, "Complaint", "Resolved", "CS", "High",
         "Done", "Amara Okafor", "portal", "25/Feb/26 10:17 PM", "27/Feb/26 9:00 AM",
         "27/Feb/26 9:00 AM", "", "visit", "missed", "Booked visit missed twice", "", ""],
        ["Thanks for the quick fix", "CS-102", 10102, "Compliment", "Closed", "CS", "Low",
         "Done", "", "portal", "01/Mar/26 8:05 AM", "01/Mar/26 8:05 AM", "01/Mar/26 8:05 AM",
         "", "", "", "The crew fixed it in an hour", "", ""],
        ["Password reset", "CS-103", 10103, "[System] Service request", "Canceled", "CS",
         "Low", "Won't Do", "Ben Hall", "portal", "02/Mar/26 9:00 AM", "02/Mar/26 9:00 AM",
         "", "", "", "", "Please reset my account", "", ""],
        ["Water discoloured", "CS-104", 10104, "Complaint", "Waiting for support", "CS",
         "Medium", "", "Ben Hall", "portal", "03/Mar/26 4:45 PM", "03/Mar/26 4:45 PM", "", "",
         "quality", "", "Brown water from the tap", "", ""],
    ]
    return Export("jira", "jira.csv", to_csv([head, *rows]), "complaints",
                  options={"values": {"channel": {"*": "Web/chat"},
                                      "kind": {"system service request": "leave out"}}},
                  expected={
                      "CS-101": {"kind": "complaint", "received_on": date(2026, 2, 25),
                                 "resolved_on": date(2026, 2, 27), "owner": "Amara Okafor",
                                 "channel": "Web/chat"},
                      "CS-102": {"kind": "compliment", "received_on": date(2026, 3, 1)},
                      "CS-104": {"kind": "complaint", "resolved_on": None}},
                  left_out=1)


def servicenow() -> Export:
    head = ["Number", "Opened", "Short description", "Caller", "Priority", "State",
            "Category", "Assignment group", "Assigned to", "Updated", "Updated by",
            "Resolved", "Closed", "Channel", "Close notes"]
    rows = [
        ["INC0010001", "2026/03/09 1:42:50 AM GMT", "No water since last night", "D. Park",
         "1 - Critical", "Resolved", "Complaint", "Field", "Ben Hall",
         "2026/03/09 6:00:00 PM GMT", "ben.hall", "2026/03/09 6:00:00 PM GMT", "",
         "Phone", "Supply restored"],
        ["INC0010002", "2026/03/10 9:10:00 AM GMT", "Lovely helpful agent", "M. Chen",
         "4 - Low", "Closed", "Compliment", "Contact centre", "", "2026/03/10 9:30:00 AM GMT",
         "admin", "", "2026/03/10 9:30:00 AM GMT", "Virtual Agent", ""],
        ["INC0010003", "2026/03/11 2:00:00 PM GMT", "Bill higher than usual", "F. Ade",
         "3 - Moderate", "On Hold", "Complaint", "Billing", "Cleo Diaz",
         "2026/03/11 2:00:00 PM GMT", "admin", "", "", "Email", ""],
    ]
    return Export("servicenow", "incident.csv", to_csv([head, *rows]), "complaints",
                  expected={
                      "INC0010001": {"kind": "complaint", "received_on": date(2026, 3, 9),
                                     "resolved_on": date(2026, 3, 9), "channel": "Phone",
                                     "resolution": "Supply restored"},
                      "INC0010002": {"kind": "compliment", "channel": "Web/chat"},
                      "INC0010003": {"kind": "complaint", "resolved_on": None,
                                     "channel": "Email", "owner": "Cleo Diaz"}})


def helpscout() -> Export:
    head = ["Number", "Subject", "Status", "Type", "Mailbox", "Assigned To", "Customer Name",
            "Customer Email", "Tags", "Created At", "Closed At", "Thread Count"]
    rows = [
        [3301, "Still waiting for my refund", "closed", "email", "Support", "Amara Okafor",
         "L. Ross", "lr@example.org", "complaint, refund", "2026-05-04T08:15:00Z",
         "2026-05-06T10:00:00Z", 4],
        [3302, "You were brilliant", "closed", "chat", "Support", "", "N. Ito",
         "ni@example.org", "compliment", "2026-05-05T12:00:00Z", "2026-05-05T12:10:00Z", 1],
        [3303, "Change of address", "active", "phone", "Support", "Ben Hall", "C. Fox",
         "cf@example.org", "admin", "2026-05-06T09:00:00Z", "", 2],
    ]
    return Export("helpscout", "conversations.csv", to_csv([head, *rows]), "complaints",
                  expected={
                      "3301": {"kind": "complaint", "received_on": date(2026, 5, 4),
                               "resolved_on": date(2026, 5, 6), "channel": "Email"},
                      "3302": {"kind": "compliment", "channel": "Web/chat"}},
                  left_out=1)


# --- HR systems ---------------------------------------------------------------------


def bamboohr() -> Export:
    head = ["Employee #", "First Name", "Last Name", "Department", "Division", "Job Title",
            "Location", "Hire Date", "Termination Date", "Termination Type",
            "Termination Reason", "Reporting to", "Status"]
    rows = [
        ["2201", "Dana", "Reyes", "Contact centre", "Customer", "Team leader", "Leeds",
         "06/08/2017", "", "", "", "", "Active"],
        ["2202", "Eli", "Stone", "Contact centre", "Customer", "Adviser", "Leeds",
         "02/13/2021", "", "", "", "Reyes, Dana", "Active"],
        ["2203", "Fay", "Moss", "Billing", "Customer", "Billing officer", "York",
         "11/04/2019", "09/30/2026", "Resignation (Voluntary)", "Career move", "Dana Reyes",
         "Inactive"],
    ]
    return Export("bamboohr", "employees.csv", to_csv([head, *rows]), "employees",
                  expected={
                      "2201": {"name": "Dana Reyes", "hire_date": date(2017, 6, 8)},
                      "2202": {"name": "Eli Stone", "hire_date": date(2021, 2, 13),
                               "manager_number": "2201"},
                      "2203": {"name": "Fay Moss", "hire_date": date(2019, 11, 4),
                               "leave_date": date(2026, 9, 30), "leave_kind": "voluntary",
                               "manager_number": "2201"}})


def workday() -> Export:
    book = Workbook()
    prompts = book.active
    assert prompts is not None
    prompts.title = "Report Settings"
    for line in [["Report", "All Workers - Customer Service"], ["Run by", "hr.admin"],
                 ["As of", datetime(2026, 11, 19, 7, 0)], ["Include terminated", "Yes"]]:
        prompts.append(line)
    data = book.create_sheet("All Workers")
    data.append(["Employee ID", "Worker", "Supervisory Organization", "Business Title",
                 "Hire Date", "Termination Date", "Termination Category",
                 "Primary Termination Reason", "Manager"])
    data.append(["21001", "Gil Barros", "Contact centre (Amara Okafor)", "Adviser",
                 datetime(2022, 3, 7), None, None, None, "Amara Okafor"])
    data.append(["21002", "Hana Ito", "Billing (Cleo Diaz)", "Billing officer",
                 datetime(2018, 10, 1), datetime(2026, 8, 31),
                 "Terminate Employee > Involuntary > Restructuring", "Restructuring",
                 "Cleo Diaz"])
    buffer = io.BytesIO()
    book.save(buffer)
    return Export("workday", "All_Workers.xlsx", buffer.getvalue(), "employees",
                  expected={
                      "21001": {"name": "Gil Barros", "team": "Contact centre",
                                "hire_date": date(2022, 3, 7), "manager_number": "E1"},
                      "21002": {"name": "Hana Ito", "team": "Billing",
                                "leave_date": date(2026, 8, 31), "leave_kind": "involuntary",
                                "manager_number": "E3"}})


def personio() -> Export:
    head = ["ID", "First name", "Last name", "Email", "Status", "Position", "Department",
            "Office", "Supervisor", "Hire date", "Termination date", "Termination type",
            "Termination reason"]
    rows = [
        ["31", "Ines", "Wolf", "iw@example.org", "active", "Adviser", "Contact centre",
         "Berlin", "Amara Okafor", "01.02.2023", "", "", ""],
        ["32", "Jan", "Kraus", "jk@example.org", "inactive", "Planner", "Field", "Berlin",
         "Ines Wolf", "03.04.2020", "05.06.2026", "Resignation", "Relocation"],
    ]
    return Export("personio", "personio-export.csv", to_csv([head, *rows]), "employees",
                  expected={
                      "31": {"name": "Ines Wolf", "hire_date": date(2023, 2, 1),
                             "manager_number": "E1"},
                      "32": {"hire_date": date(2020, 4, 3), "leave_date": date(2026, 6, 5),
                             "leave_kind": "voluntary", "manager_number": "31"}})


def hibob() -> Export:
    head = ["Employee ID", "Display name", "First name", "Last name", "Email", "Department",
            "Job title", "Reports to", "Start date", "Termination date", "Termination reason",
            "Termination type"]
    rows = [
        ["HB-7", "Kai Ross", "Kai", "Ross", "kr@example.org", "Field", "Engineer",
         "Ben Hall", "15/09/2021", "", "", ""],
        ["HB-8", "Lea Park", "Lea", "Park", "lp@example.org", "Billing", "Billing officer",
         "Kai Ross", "03/02/2024", "30/10/2026", "Left for a competitor", "Voluntary"],
    ]
    return Export("hibob", "people.csv", to_csv([head, *rows]), "employees",
                  expected={
                      "HB-7": {"name": "Kai Ross", "hire_date": date(2021, 9, 15),
                               "manager_number": "E2"},
                      "HB-8": {"hire_date": date(2024, 2, 3), "leave_date": date(2026, 10, 30),
                               "leave_kind": "voluntary", "manager_number": "HB-7"}})


def adp() -> Export:
    head = ["Associate ID", "Position ID", "Legal First Name", "Legal Last Name",
            "Home Department Description", "Job Title Description", "Hire Date",
            "Termination Date", "Voluntary/Involuntary Termination Flag",
            "Termination Reason Description", "Reports To Name", "Position Status"]
    rows = [
        ["A1001", "P-1", "Max", "Hill", "Contact centre", "Adviser", "04/05/2019", "", "", "",
         "Okafor, Amara", "Active"],
        ["A1002", "P-2", "Nia", "Cole", "Field", "Engineer", "01/02/2015", "07/03/2026",
         "Involuntary", "Performance", "Hill, Max", "Terminated"],
    ]
    return Export("adp", "adp-report.csv", to_csv([head, *rows]), "employees",
                  expected={
                      "A1001": {"name": "Max Hill", "hire_date": date(2019, 4, 5),
                                "manager_number": "E1"},
                      "A1002": {"hire_date": date(2015, 1, 2), "leave_date": date(2026, 7, 3),
                                "leave_kind": "involuntary", "manager_number": "A1001"}})


# --- Survey tools -------------------------------------------------------------------

NPS_ANSWERS = [10, 9, 9, 8, 7, 6, 10, 3, 9, 10, 0, 8, 9]


def _nps_dates() -> list[datetime]:
    return [datetime(2026, 10, 1 + i, 9, 12, 44) for i in range(len(NPS_ANSWERS))]


def _group(score: int) -> int:
    return 3 if score >= 9 else 2 if score >= 7 else 1


def qualtrics(answers: list[int] | None = None) -> Export:
    head = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "RecipientLastName",
            "RecipientFirstName", "RecipientEmail", "ExternalReference", "LocationLatitude",
            "LocationLongitude", "DistributionChannel", "UserLanguage", "Q1_NPS_GROUP", "Q1",
            "Q2"]
    question = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
                "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
                "Recipient Last Name", "Recipient First Name", "Recipient Email",
                "External Data Reference", "Location Latitude", "Location Longitude",
                "Distribution Channel", "User Language",
                "How likely are you to recommend Riverbend Water to a friend? - Group",
                "How likely are you to recommend Riverbend Water to a friend?",
                "What is the main reason for your score?"]
    ids = ['{"ImportId":"startDate","timeZone":"Europe/London"}',
           '{"ImportId":"endDate","timeZone":"Europe/London"}', '{"ImportId":"status"}',
           '{"ImportId":"ipAddress"}', '{"ImportId":"progress"}', '{"ImportId":"duration"}',
           '{"ImportId":"finished"}', '{"ImportId":"recordedDate","timeZone":"Europe/London"}',
           '{"ImportId":"_recordId"}', '{"ImportId":"recipientLastName"}',
           '{"ImportId":"recipientFirstName"}', '{"ImportId":"recipientEmail"}',
           '{"ImportId":"externalDataReference"}', '{"ImportId":"locationLatitude"}',
           '{"ImportId":"locationLongitude"}', '{"ImportId":"distributionChannel"}',
           '{"ImportId":"userLanguage"}', '{"ImportId":"QID1_NPS_GROUP"}',
           '{"ImportId":"QID1"}', '{"ImportId":"QID2_TEXT"}']
    answers = NPS_ANSWERS if answers is None else answers
    rows = []
    for i, score in enumerate(answers):
        when = datetime(2026, 10, 1 + i % 28, 9, 12, 44)
        stamp = f"{when:%Y-%m-%d %H:%M:%S}"
        rows.append([stamp, stamp, "IP Address", "203.0.113.9", 100, 61, "True", stamp,
                     f"R_{i:02d}aBcDeFgHiJ", "", "", "", "", "51.5", "-0.1", "anonymous",
                     "EN", _group(score), score, "reason"])
    return Export("qualtrics", "Riverbend_NPS.csv", to_csv([head, question, ids, *rows]),
                  "responses", options={"survey": "nps"}, answers=answers)


def surveymonkey() -> Export:
    question = "How likely is it that you would recommend Riverbend Water to a friend or " \
               "colleague?"
    head = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
            "Email Address", "First Name", "Last Name", "Custom Data 1", question,
            "Why did you give that score?"]
    sub = ["", "", "", "", "", "", "", "", "", "Response", "Open-Ended Response"]
    rows = []
    for i, (score, when) in enumerate(zip(NPS_ANSWERS, _nps_dates(), strict=True)):
        stamp = f"{when:%m/%d/%Y %I:%M:%S %p}"
        rows.append([11400000000 + i, 4300000, stamp, stamp, "203.0.113.9", "", "", "", "",
                     score, "because"])
    return Export("surveymonkey", "Data_All_261120.csv", to_csv([head, sub, *rows]),
                  "responses", options={"survey": "nps"}, answers=NPS_ANSWERS)


def googleforms() -> Export:
    head = ["Timestamp", "How likely are you to recommend us to a friend or colleague?",
            "Anything else?"]
    rows = [[f"{w.month}/{w.day}/{w.year} {w.hour}:{w.minute:02d}:{w.second:02d}", s, ""]
            for s, w in zip(NPS_ANSWERS, _nps_dates(), strict=True)]
    return Export("googleforms", "Customer survey (Responses) - Form responses 1.csv",
                  to_csv([head, *rows]), "responses", options={"survey": "nps"},
                  answers=NPS_ANSWERS)


def msforms() -> Export:
    head = ["ID", "Start time", "Completion time", "Email", "Name",
            "How likely are you to recommend Riverbend Water?"]
    rows = [[i + 1, f"{w.month}/{w.day}/{w:%y} {w.hour}:{w.minute:02d}:{w.second:02d}",
             f"{w.month}/{w.day}/{w:%y} {w.hour}:{w.minute + 1:02d}:{w.second:02d}",
             "anonymous", "", s] for i, (s, w) in enumerate(zip(NPS_ANSWERS, _nps_dates(),
                                                               strict=True))]
    return Export("msforms", "Customer survey.csv", to_csv([head, *rows]), "responses",
                  options={"survey": "nps"}, answers=NPS_ANSWERS)


def typeform() -> Export:
    head = ["#", "How likely are you to recommend Riverbend Water to a friend?",
            "Start Date (UTC)", "Submit Date (UTC)", "Network ID", "Tags"]
    rows = [[f"x{i:03d}k2l9q8w7e", s, f"{w:%Y-%m-%d %H:%M:%S}", f"{w:%Y-%m-%d %H:%M:%S}",
             f"n{i:04d}", ""] for i, (s, w) in enumerate(zip(NPS_ANSWERS, _nps_dates(),
                                                             strict=True))]
    return Export("typeform", "responses.csv", to_csv([head, *rows]), "responses",
                  options={"survey": "nps"}, answers=NPS_ANSWERS)


def delighted() -> Export:
    head = ["Response ID", "Score", "Comment", "Created", "Updated", "Person ID", "Name",
            "Email", "Tags", "Delighted Source"]
    rows = [[f"{7000 + i}", s, "", f"{w:%Y-%m-%d %H:%M:%S} -0700", "", f"{900 + i}", "", "",
             "", "Email"] for i, (s, w) in enumerate(zip(NPS_ANSWERS, _nps_dates(),
                                                         strict=True))]
    return Export("delighted", "delighted-responses.csv", to_csv([head, *rows]),
                  "responses", options={"survey": "nps"}, answers=NPS_ANSWERS)


def cultureamp() -> Export:
    head = ["Response ID", "Survey", "Submitted At", "Department",
            "How likely is it you would recommend Harbour Leisure Trust as a place to work?"]
    teams = ["Contact centre", "Billing", "Field"]
    rows = [[f"CA-{i}", "Engagement 2026", f"{w:%Y-%m-%dT%H:%M:%SZ}", teams[i % 3], s]
            for i, (s, w) in enumerate(zip(NPS_ANSWERS, _nps_dates(), strict=True))]
    return Export("cultureamp", "engagement-raw.csv", to_csv([head, *rows]), "responses",
                  options={"survey": "enps"}, answers=NPS_ANSWERS)


ALL = [zendesk, freshdesk, jira, servicenow, helpscout, bamboohr, workday, personio, hibob,
       adp, qualtrics, surveymonkey, googleforms, msforms, typeform, delighted, cultureamp]


def nps(answers: list[int]) -> float:
    """NPS worked out by hand: promoters' share minus detractors', in points."""
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    return 100 * (promoters - detractors) / len(answers)
