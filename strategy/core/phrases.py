"""The phrase check: wording to avoid with customers, and what to say instead.

A plain function so that the standards register (step 4) and the training
language check (step 7) share one list and one behaviour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (pattern, phrase as shown, why it grates, better wording). Patterns match whole
# words and tolerate curly apostrophes, since text is often pasted from documents.
_A = "['’]"
PHRASES_TO_AVOID: list[tuple[str, str, str, str]] = [
    (rf"\bI{_A}ll try\b|\bI will try\b", "I'll try",
     "sounds like you expect to fail", "“I will …” with what you will do and by when"),
    (r"\bunfortunately\b", "unfortunately",
     "opens with bad news", "say what you can do: “What I can do is …”"),
    (rf"\bwe can(?:{_A}t| ?not) do that\b", "we can't do that",
     "closes the conversation", "“What we can do is …”"),
    (rf"\b(?:it{_A}s|it is) (?:our |company )?policy\b", "it's (our) policy",
     "hides behind rules", "explain the reason and offer the option that remains"),
    (rf"\byou(?:{_A}ll| will) have to\b", "you will have to",
     "orders the customer about", "“The quickest way is to …” or “Could you …?”"),
    (r"\bjust a (?:second|sec|minute|moment)\b", "just a second",
     "is rarely true", "“May I put you on hold for two minutes while I check?”"),
    (r"\bno problem\b", "no problem",
     "suggests there might have been one", "“Certainly” or “My pleasure”"),
    (rf"\bdon{_A}t worry\b|\bdo not worry\b", "don't worry",
     "dismisses the concern", "“I will take care of this for you”"),
    (rf"\bI don{_A}t know\b|\bI do not know\b", "I don't know",
     "leaves the customer stranded", "“Let me find out for you”"),
    (rf"\bI{_A}m afraid\b|\bI am afraid\b", "I'm afraid",
     "sounds apologetic and unsure", "state the fact, then the option"),
    (r"\bbut\b", "but",
     "cancels whatever came before it", "“and”, or start a new sentence"),
]

_COMPILED = [(re.compile(pattern, re.IGNORECASE), phrase, why, better)
             for pattern, phrase, why, better in PHRASES_TO_AVOID]


@dataclass(frozen=True)
class PhraseHit:
    start: int
    end: int
    found: str  # the text as written
    phrase: str  # the phrase on the list
    why: str
    better: str


def check_phrases(text: str) -> list[PhraseHit]:
    """Every phrase to avoid in ``text``, in reading order, without overlaps."""
    hits: list[PhraseHit] = []
    for pattern, phrase, why, better in _COMPILED:
        for match in pattern.finditer(text or ""):
            hits.append(PhraseHit(match.start(), match.end(), match.group(0), phrase, why,
                                  better))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[PhraseHit] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def split_for_highlight(text: str) -> list[tuple[str, PhraseHit | None]]:
    """The text cut into pieces, each either plain or a phrase to highlight."""
    pieces: list[tuple[str, PhraseHit | None]] = []
    position = 0
    for hit in check_phrases(text):
        if hit.start > position:
            pieces.append((text[position:hit.start], None))
        pieces.append((text[hit.start:hit.end], hit))
        position = hit.end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces
