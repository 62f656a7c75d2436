"""Open questions to lead with, fitted to what *this* draft is doing and what it is about, and a tip.

``read`` works out the draft's intent (congratulating, asking about a job, following up, inviting, ...) with
the phrase rules in ``questions.toml``, and its key phrases (``classifier.phrases``, YAKE). ``suggest`` fills the
intent's question patterns with those phrases, so a congratulation on a seed round is asked about the round,
never about "fundraising this quarter", and a celebration gets no work questions.

Questions never start with a yes/no opener (``CLOSED_OPENERS``): the point is to get the other person
talking about themselves.
"""

from __future__ import annotations

import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path

from classifier import cues
from classifier.cues import lower
from classifier.phrases import key_phrases
from classifier.scan import Alternation

#: First words that make a question closed (answerable with yes or no).
CLOSED_OPENERS: tuple[str, ...] = (
    "do", "does", "did", "are", "is", "was", "were", "can", "could", "would", "will", "should", "have",
    "has", "had", "may", "might", "shall", "any", "anyone", "open", "interested", "free", "want", "wanna",
    "fancy", "keen", "got", "up",
)  # fmt: skip

_DATA = tomllib.loads((Path(__file__).parent / "questions.toml").read_text(encoding="utf-8"))
#: Intents in priority order, each with the phrases that show it (matched on lower-cased text).
INTENT_PATTERNS: tuple[tuple[str, str], ...] = tuple((i["name"], i["pattern"]) for i in _DATA["intents"])
_INTENT_RE = tuple((name, Alternation(pattern, fine=True)) for name, pattern in INTENT_PATTERNS)
#: Question patterns per intent: (with a key phrase ``{kp}``/``{the_kp}``, without one). All are open.
PATTERNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    intent: (tuple(p["with_phrase"]), tuple(p["without"])) for intent, p in _DATA["patterns"].items()
}
#: Cue reasons that make a draft a sales draft for the questions (asked about the reader's side).
SELLING_REASONS = ("offer", "call_to_action", "meeting_ask", "discount_price", "market_speak")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a draft is doing and what it is about.

    ``intent`` is a key of ``PATTERNS``; ``phrases`` are up to three key phrases, best first; ``has_question``
    is true when the draft asks anything.
    """

    text: str
    intent: str
    phrases: tuple[str, ...]
    has_question: bool


#: Key phrases ``suggest`` uses: the first, and the second when it is a real phrase.
SUGGESTED_PHRASES = 2


def read(text: str, found: cues.Cues | None = None, label: str | None = None) -> Reading:
    """Work out what ``text`` (the author's own words) is doing and what it is about.

    ``found`` is ``cues.find(text)`` when the caller has it already. With the verdict's ``label``, only the key
    phrases ``suggest(reading, label)`` uses are looked for (YAKE is most of a check's cost): the first
    ``SUGGESTED_PHRASES``, and none when ``suggest`` asks without them (a pitch that follows up or invites).
    """
    found = found if found is not None else cues.find(text)
    low = lower(text)
    intent = next((name for name, pattern in _INTENT_RE if pattern.search(low)), "catch_up")
    selling = any(found.counts[r] for r in SELLING_REASONS)
    if label is None:
        phrases = key_phrases(text, selling)
    elif _asks_without_phrases(intent, label):
        phrases = ()
    else:
        phrases = key_phrases(text, selling, limit=SUGGESTED_PHRASES)
    return Reading(text, intent, phrases, "?" in text)


def _asks_without_phrases(intent: str, label: str) -> bool:
    """Whether ``suggest`` leaves the key phrases out: a sales draft that follows up or invites (they would
    name the seller's offer)."""
    return label in ("pitch", "borderline") and intent in ("follow_up", "invite")


def _the(phrase: str) -> str:
    """``the seed round`` for a common noun phrase; a name, an acronym or a plural stays as it is."""
    first = phrase.split()[0]
    if first[:1].isupper() or (len(phrase.split()) == 1 and phrase.endswith("s")):
        return phrase
    return f"the {phrase}"


def _pick(candidates, out: list[str], start: int) -> str | None:
    """The first of ``candidates`` from ``start`` (cyclically) not already in ``out`` nor opening like one (the
    same first four words, punctuation aside: "How are you celebrating?" opens like "How are you celebrating the
    launch?")."""
    for k in range(len(candidates)):
        question = candidates[(start + k) % len(candidates)]
        if question not in out and not any(_opening(question) == _opening(q) for q in out):
            return question
    return None


def _opening(question: str) -> list[str]:
    return [word.strip("?.,!").lower() for word in question.split()[:4]]


def effective_intent(reading: Reading, label: str = "conversation") -> str:
    """The intent the questions are fitted to: a pitch or borderline draft with no warmer intent is ``sell``."""
    if label in ("pitch", "borderline") and reading.intent in ("catch_up", "community", "coordinate", "share"):
        return "sell"
    return reading.intent


def suggest(reading: Reading, label: str = "conversation", limit: int = 3) -> list[str]:
    """2-3 open questions for the draft: its intent's patterns filled with its key phrases.

    A sales draft (label ``pitch`` or ``borderline``) with no warmer intent is asked about the reader's side of
    its topic; one that follows up or invites is asked without its phrases (they name the seller's offer). The
    choice among patterns is a stable function of the draft: the same draft always gets the same list, and
    different drafts get different ones.
    """
    intent = effective_intent(reading, label)
    with_phrase, without = PATTERNS[intent]
    phrases = () if _asks_without_phrases(intent, label) else reading.phrases
    # A second phrase earns its own question only when it is a real phrase: a lone word there is mostly noise.
    phrases = phrases[:1] + tuple(p for p in phrases[1:2] if " " in p)
    # Seeded by the words, not the spacing: a trailing newline (echo | rapport check -) asks the same questions.
    seed = zlib.crc32(" ".join(reading.text.split()).encode("utf-8", "replace"))
    out: list[str] = []
    for i, phrase in enumerate(phrases[:2]):
        the_phrase = _the(phrase)
        filled = [p.format(kp=phrase, the_kp=the_phrase) for p in with_phrase]
        question = _pick(filled, out, (seed >> (4 * i)) % len(filled))
        if question:
            out.append(question)
    while len(out) < min(limit, max(2, len(phrases) + 1)):
        question = _pick(without, out, seed % len(without))
        if question is None:
            break
        out.append(question)
    return out[:limit]


#: Coaching tip per reason; the first reason in this order that the draft was flagged for picks the tip.
TIPS: dict[str, str] = {
    "meeting_ask": "Ask about their goals first; offer a demo only when they ask how you'd help.",
    "bump": "Instead of bumping, send something useful for them, or ask one real question about their work.",
    "offer": "Hold the offer; ask what they need first, and they'll tell you whether it fits.",
    "call_to_action": "Swap the ask for a question about their work; let them choose the next step.",
    "urgency": "Drop the deadline; a real conversation has no expiry date.",
    "discount_price": "Leave the price out until they ask; talk about their problem first.",
    "market_speak": "Write to one person: mention something specific about them instead of their market.",
    "self_focus": "Turn one 'we' sentence into a question about them.",
    "credential_brag": "Let your credentials wait; curiosity about them earns more replies than a résumé.",
    "link_drop": "Say why the link matters to them, or hold it until they ask.",
    "generic_flattery": "Make the compliment specific, or replace it with a question about their work.",
    "pitch_wording": "Lead with a question about them; keep what you sell for when they ask.",
}
TIP_BORDERLINE = "Close to a pitch: lead with your question and let the offer wait."
TIP_CONVERSATION = "Reads like a real conversation: your question gives them an easy way to answer."
TIP_CONVERSATION_NO_QUESTION = "Reads like a real conversation; ending on one open question makes it easy to answer."
TIP_CELEBRATE = "A warm note: keep it about them, and save any ask for another day."
TIP_UNSCORED = "Say a little more: what you'd like to ask or share gives them something to answer."
TIP_NOT_ENGLISH = "Rapport reads English only for now: these general questions are a starting point."
TIP_CARE = "Keep it about them: no ask, and make it easy to answer or not."


def tip(label: str, reasons: set[str], reading: Reading | None = None, english: bool = True) -> str:
    """One sentence of coaching for the draft's label, the reasons it was flagged for and what it does."""
    if label == "unscored":
        return TIP_UNSCORED if english else TIP_NOT_ENGLISH
    if label == "conversation":
        if reading is not None and reading.intent == "celebrate":
            return TIP_CELEBRATE
        if reading is not None and reading.intent == "care":
            return TIP_CARE
        return TIP_CONVERSATION if reading is None or reading.has_question else TIP_CONVERSATION_NO_QUESTION
    return next((text for reason, text in TIPS.items() if reason in reasons), TIP_BORDERLINE)
