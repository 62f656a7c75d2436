"""A question-led rewrite of a draft that reads as a pitch.

The rewrite keeps the draft's greeting and personal context, takes out the sentences that carry the pitch
(asks, meeting requests, offers, deadlines, prices, link drops, credentials, market-speak, bumps) and the
yes/no asks, and puts the best open question in front. It is a starting point the author edits, not a
finished message.
"""

from __future__ import annotations

import re

from classifier.text import EMOJI_CODE, MAX_CHARS, Draft
from classifier.verdict import Flag

#: Flag reasons whose sentence is taken out of the rewrite.
REMOVED_REASONS = frozenset(
    {"call_to_action", "meeting_ask", "offer", "urgency", "discount_price", "link_drop", "credential_brag",
     "market_speak", "bump", "generic_flattery", "self_focus", "pitch_wording"}
)  # fmt: skip
#: At most this many of the draft's own sentences are kept after the question.
KEEP_SENTENCES = 2

# A sentence ends at . ! ? followed by a space or the end, or at a line break; "Dr. ", "e.g." and the dots of
# links and numbers do not end one.
_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\b(?:Dr|Mr|Ms|St))\.|\.(?=\S)|(?<=\bMrs)\.|(?<=\bProf)\.)+(?:[.!?]+|\n|$)")
# A greeting, at most three words of name after it, and the punctuation that ends it ("Hey Alex —", "Hi Dr. Lee,",
# "Hello <@U123>!"). Without that punctuation there is no separate greeting: "hey sam loved your talk…" stays
# one sentence rather than being cut mid-word.
_GREETING = re.compile(
    r"^\s*((?i:hi|hey|hello|hiya|dear|good (?:morning|afternoon|evening))"
    r"(?:\s+(?:(?i:dr|mr|ms|mrs|prof)\.?\s+)?(?:<@[^>]+>|[\w'-]+)){0,3}"
    r"(?:\s*:[a-z0-9_+-]+:)*\s*(?:[,!.:—–]+|\s-\s|\n))",
)
# Sentences that offer or ask for a meeting are the pitch even when no rule flagged them.
_OFFERING = re.compile(
    r"\b(?:demo|walk-?through|free (?:trial|audit|consultation)|book (?:me|a)|sign up|would love to (?:show|give|walk)|"
    r"happy to (?:show|walk)|let me know if you(?:'re| are) interested|(?:dm|message|ping) me|let me know!?$|"
    r"(?:i've|i have|we've|we have) (?:got )?(?:bandwidth|capacity|openings?|slots?|spots?)|"
    r"(?:we|i) (?:have|'ve got) (?:a|an) (?:[\w-]+ ){0,4}(?:role|opening|position|opportunity|offer)|"
    r"(?:we|i) (?:help|offer|build|built|sell|run|provide|specialize|specialise)|"
    r"(?:our|my) (?:agency|company|team|tool|platform|product|app|services?|startup|client|firm|course|program"
    r"|programme)\b|writing to (?:offer|introduce)|"
    r"i'?m (?:a|an|the) "
    r"(?:recruiter|founder|consultant|coach|freelancer|designer|developer|sdr|ae))\b",
    re.I,
)
_CLOSED_ASK = re.compile(
    r"^\s*(?:(?:so|and|but|also|btw)\W+)?(?:would|could|can|are|do|does|is|will|want|wanna|interested|open|free|"
    r"any chance|worth|mind if|shall|should)\b", re.I
)  # fmt: skip
_SPACES = re.compile(r"[ \t]+")


def rewrite(draft: Draft, flags: list[Flag], question: str) -> str:
    """The draft led by ``question``, with flagged sentences, yes/no asks, quotes and code taken out.

    ``flags`` are offsets into ``draft.text`` (and ``draft.own``, which has the same length). Returns one
    string: ``"<greeting> <question> <kept context>"``, where the greeting and context come from the draft.
    """
    own = draft.own
    greeting = ""
    start = 0
    m = _GREETING.match(own)
    if m:
        greeting = m.group(1).strip()
        start = m.end()
    kept: list[str] = []
    for s in _SENTENCE.finditer(own, start):
        sentence = " ".join(EMOJI_CODE.sub(" ", s.group()).split())
        if not sentence or len(sentence.split()) < 3:
            continue
        if s.end() == len(own) and len(own) >= MAX_CHARS:  # the draft was cut here: not a sentence of its own
            continue
        flagged = any(f.start < s.end() and s.start() < f.end and f.reason in REMOVED_REASONS for f in flags)
        if flagged or _OFFERING.search(sentence) or (sentence.endswith("?") and _CLOSED_ASK.match(sentence)):
            continue
        if sentence[:1].islower() and not sentence[1:2].isupper():  # it now follows the question: a new sentence
            sentence = sentence[:1].upper() + sentence[1:]
        kept.append(sentence if sentence[-1] in ".!?" else sentence + ".")
        if len(kept) == KEEP_SENTENCES:
            break
    if greeting and greeting[-1] not in ".!?:":
        greeting = greeting.rstrip(" —–-\n")
        greeting = greeting if greeting.endswith(",") else greeting + ","
        question = question[:1].lower() + question[1:]
    parts = [greeting, question, *kept]
    return _SPACES.sub(" ", " ".join(p for p in parts if p)).strip()
