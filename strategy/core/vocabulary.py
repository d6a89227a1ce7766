"""The domain's fixed lists: channels, service qualities, evidence sources, …"""

from __future__ import annotations

CHANNELS = ["Phone", "Email", "In person", "Web/chat", "Field"]
ALL_CHANNELS = "All channels"
STANDARD_CHANNELS = [*CHANNELS, ALL_CHANNELS]

SEGMENT_KINDS = ["external", "internal"]
SIZE_UNITS = ["people", "accounts"]
VALUE_LEVELS = ["critical", "high", "medium", "low"]

SERVICE_QUALITIES = [
    "Accuracy", "Friendliness", "Timeliness", "Efficiency", "Courtesy", "Honesty",
    "Reliability", "Responsiveness", "Accessibility", "Safety", "Consideration",
    "Communication", "Recognising the customer", "Competence",
]

EVIDENCE_SOURCES = [
    "survey", "interview", "focus group", "complaint analysis", "front-line feedback",
    "assumption",
]
ASSUMPTION = "assumption"

EXPECTATION_FACTORS = [
    "Social and demographic factors", "Economic situation", "Education",
    "Competitors' offerings", "Past experience",
]
CHOICE_REASONS = ["Quality", "Price", "Product", "Location", "Customer service"]

AUDIENCES = ["internal", "external"]
COMMUNICATION_METHODS = {
    "internal": ["Team briefing", "Onboarding", "Staff handbook", "Intranet", "Email",
                 "Training session"],
    "external": ["Service charter", "Website", "Marketing material", "Letter or email",
                 "Signage"],
}
DIRECTIONS = {"higher": "Higher is better", "lower": "Lower is better"}
