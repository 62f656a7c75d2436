"""Salesy phrase rules: where a draft reads as a pitch, and why.

Each family is a reason code with a short, coaching explanation. The same rules feed the model (as cue
counts, see ``classifier.features``) and the flags a user sees, so what the user is told is what the model
looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from classifier.scan import Alternation
from classifier.text import url_spans, words
from classifier.verdict import Flag

#: reason code -> what the phrase does to the reader (shown next to the phrase)
REASONS: dict[str, str] = {
    "call_to_action": "asks them to act before they have shown any interest",
    "meeting_ask": "asks for a meeting before there is a relationship",
    "urgency": "adds pressure with a deadline they did not ask for",
    "discount_price": "leads with a price or a deal instead of their problem",
    "market_speak": "talks about them as a market, not a person",
    "self_focus": "is all about you and nothing about them",
    "credential_brag": "leads with credentials instead of curiosity",
    "link_drop": "drops a link before they asked for one",
    "generic_flattery": "is a compliment that could be sent to anyone",
    "bump": "pushes your earlier ask up again without adding anything for them",
    "offer": "offers your service before they asked for it",
    "pitch_wording": "is wording that mostly shows up in pitches",
}


_PATTERNS: dict[str, list[str]] = {
    "bump": [
        r"\b(?:just )?bump(?:ing)? (?:this|my (?:note|email|message)|it|up)\b"
        r"(?: (?:up|thread|to the top of your inbox))?",
        r"\b(?:circling|looping|popping|floating|bubbling|coming) (?:back|this up|it up|up)\b"
        r"(?: (?:on|to) (?:my|this|our)[^.!?\n]{0,30})?",
        r"\btop of your inbox\b|\bgot buried\b|\bget buried\b|\blast (?:note|email|message|try|ping) from me\b",
        r"\b(?:did|have) you (?:get|had|have) a chance to (?:look|review|read|check)\b[^.!?\n]{0,40}",
        r"\bfollowing up on my (?:last |previous |earlier )?(?:note|email|message|msg|dm|inmail|pitch|offer|quote)\b",
        r"\bbump(?:ing)? my (?:dm|msg|message|note|email|inmail)\b",
        r"\b(?:floating|bubbling|bringing|popping|pushing|nudging) (?:my|this|it)(?: [a-z]+){0,3} (?:back )?up\b",
        r"\bbring(?:ing)? this back to your attention\b|\bno reply yet\b|\bme again\b|\bround \d\b",
        r"\b(?:had|have|get) a chance to think (?:it )?(?:over|about)\b|\bany update on (?:whether|if) you\b",
        r"\bdid (?:my|this) (?:last )?(?:message|msg|note|email|dm) get buried\b",
        r"\bis this still something you(?:'re| are) interested in\b",
        r"\b(?:just )?wanted to make sure you saw my (?:msg|message|note|email|dm|offer)\b",
        r"\bresurfacing (?:this|my)\b",
        r"\bin case (?:this|my (?:last )?(?:note|email|message)) (?:got|slipped)\b[^.!?\n]{0,20}",
    ],
    "offer": [
        r"\bwant me to (?:hold|save|send|reserve|set up|book|pencil)\b[^.!?\n]{0,30}",
        r"\bhappy to (?:jump|hop) on a (?:quick |short )?call\b[^.!?\n]{0,20}",
        r"\b(?:we|i) (?:still )?(?:have|got) (?:\d+|one|two|three|four|a few|a couple(?: of)?) (?:[a-z-]+ ){0,2}"
        r"(?:slots?|spots?|seats?|openings?|places?)\b",
        r"\b(?:founder|founding[- ]member|intro(?:ductory)?|launch|beta) (?:rate|pricing|price|discount)\b",
        r"\bhappy to send (?:over )?(?:pricing|a (?:revised )?quote|the deck|more info|details|a proposal)\b",
        r"\b(?:still )?(?:have|got) (?:that|a|one|an) (?:slot|spot|seat|opening|place)s? (?:open|left|available)\b",
        r"\b(?:saved|holding|held|reserved|save) (?:one|a spot|a slot|a seat|your spot|a place) for you\b",
        r"\b(?:i|we) can (?:start|fit you in|squeeze you in|adjust (?:the )?scope)\b",
        r"\bpayment plan\b|\brevised quote\b|\bstill (?:\d+ ?% off|on sale|available) for you\b",
        r"\bi can (?:send|get) you (?:a|the|our) (?:quote|proposal|pricing|deck)\b",
    ],
    "call_to_action": [
        r"\bsign(?:ing)?[ -]?up\b(?: (?:here|now|today|below|for free|for (?:a|the|our) [\w-]+))?",
        r"\b(?:grab|claim|secure|reserve|save) (?:a|your|my) (?:spot|seat|place|ticket|copy|discount)\b",
        r"\breply (?:with )?[\"'“]?(?:yes|interested|y)\b[\"'”]?",
        r"\bclick (?:here|the link|below|through)\b",
        r"\bcheck (?:it|us|this|them) out\b|\bcheck out (?:my|our)\b",
        r"\bjoin (?:us|our|the waitlist|the beta|the server|my)\b[^.!?\n]{0,30}",
        r"\b(?:register|apply|subscribe|enroll|pre-?order|rsvp)(?: here| now| today| below| at)?\b",
        r"\b(?:start|get|claim) (?:your|a) free (?:trial|audit|consultation|account|month|week)\b",
        r"\b(?:dm|message|ping) me (?:if|for|to)\b[^.!?\n]{0,40}|\bdm me\b",
        r"\blet me know if (?:you(?:'re| are)|you'd be|youre) (?:interested|keen|open)\b",
        r"\buse (?:the )?code\b\s*\S+",
        r"\b(?:try|test[- ]drive) (?:it|us) (?:for )?free\b",
        r"\bdon'?t forget to (?:follow|subscribe|like|share)\b",
        r"\bwould love (?:for you|to have you) to (?:try|join|check)\b[^.!?\n]{0,40}",
    ],
    "meeting_ask": [
        r"\b(?:book|schedule|grab|set up) (?:a|some|15|20|30)[^.!?\n]{0,30}(?:call|demo|chat|time|meeting)\b",
        r"\b(?:open|up|free) (?:to|for) (?:a )?(?:quick |short |brief )?(?:call|demo|chat|meeting)\b",
        r"\bhere'?s my (?:calendar|calendly|booking link)\b",
        r"\b(?:calendly\.com|cal\.com)/[^\s|>]++",
    ],
    "urgency": [
        r"\b(?:this|next) (?:week|month|weekend|friday) only\b",
        r"\blimited (?:time|spots?|seats?|availability|offer|run|slots?)\b",
        r"\b(?:only|just) \d+ (?:spots?|seats?|slots?|places?|tickets?|left)\b(?: left)?",
        r"\b\d+ (?:spots?|seats?|slots?|places?|tickets?) (?:left|remaining)\b",
        r"\b(?:grab|claim|book|reserve|secure)\b[^.!?\n]{0,30}\bbefore (?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
        r"\b(?:offer|sale|deal|discount|pricing|registration|early[- ]bird) (?:ends|expires|closes)\b[^.!?\n]{0,25}",
        r"\b(?:ends|closes|expires) (?:today|tonight|tomorrow|soon|this week|on \w+day|\w+day)\b",
        r"\blast (?:chance|call|few spots)\b",
        r"\b(?:act|book|sign up|register) (?:now|today|fast)\b",
        r"\bdon'?t miss (?:out|this|it)\b",
        r"\bfilling (?:up )?fast\b|\bselling fast\b|\bwhile (?:it|they|stocks?) lasts?\b",
        r"\bearly[- ]bird\b",
        r"\bbefore (?:it'?s|they'?re) gone\b|\btoday only\b|\bhurry\b",
    ],
    "discount_price": [
        r"(?<!\d)\d+ ?% (?:off|discount|cheaper|less)\b",
        r"\b(?:discount|promo code|coupon|voucher|lifetime deal|half[- ]price|bogo)\b",
        r"[$€£]\s?\d[\d,.]*(?:k|/mo(?:nth)?| ?per (?:month|seat|user|year))?",
        r"(?<![\d,.])\d[\d,.]* ?(?:usd|eur|gbp|dollars|bucks)\b",
        r"\bfree (?:trial|audit|consultation|month|shipping|plan|tier)\b",
        r"\bsave (?:up to )?\d++ ?%",
        r"\bno (?:setup|hidden) fees?\b|\bfor free\b|\bat no cost\b",
    ],
    "market_speak": [
        r"\b(?:we|i|our team) (?:help|work with|partner with|support|serve)\s+(?:[\w-]+\s+){0,3}?"
        r"like (?:yours|you|your\s+\w+)\b",
        r"\b(?:companies|businesses|teams|brands|founders|startups|agencies|leaders|people|folks|orgs|"
        r"organizations|organisations|clients|creators|owners) like (?:yours|you)\b",
        r"\b(?:we|i|our \w+) (?:help|helps|enable|enables|empower|empowers)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:companies|businesses|teams|brands|founders|startups|agencies|leaders|organi[sz]ations|"
        r"creators|coaches|saas|b2b)\b",
        r"\b(?:streamline|supercharge|turbocharge|revolutioni[sz]e|unlock|leverage|skyrocket|10x|"
        r"game[- ]?changer|cutting[- ]edge|best[- ]in[- ]class|end[- ]to[- ]end solution|all[- ]in[- ]one|"
        r"seamless(?:ly)?|synerg\w*|scal(?:e|ing) your (?:business|revenue|sales|brand|agency))\b",
        r"\b(?:boost|grow|increase|double|triple) your (?:revenue|sales|pipeline|conversions?|leads|"
        r"roi|mrr|arr|business|brand|reach|following|audience)\b",
        r"\bpain points?\b|\broi\b|\bvalue proposition\b|\bgame plan\b",
    ],
    "credential_brag": [
        r"\b[Ee]x-[A-Z][\w&]+(?:/[A-Z][\w&]+)*\b",
        r"\bformer(?:ly)? (?:at )?(?:google|meta|facebook|amazon|apple|microsoft|stripe|mckinsey|netflix|uber)\b",
        r"\btrusted by (?:over |more than )?[\d,]+\+?[^.!?\n]{0,30}",
        r"\b(?:over |more than )?[\d,]+\+? (?:happy |satisfied )?(?:clients|customers|companies|brands|"
        r"teams|founders|students|businesses)\b",
        r"\baward[- ]winning\b|\bfeatured (?:in|on|by)\b[^.!?\n]{0,30}",
        r"\b(?:y ?combinator|yc[- ]?backed|backed by|fortune 500|forbes|techcrunch|inc\.? 5000)\b",
        r"\b\d+\+? years? of experience\b|\btop[- ]rated\b|\bindustry[- ]leading\b|\b#1\b",
        r"\b(?:worked|work) with (?:brands|companies|clients|teams) (?:like|such as)\b[^.!?\n]{0,40}",
    ],
    "generic_flattery": [
        r"\b(?:i |we )?(?:really |absolutely |just )?love (?:what you(?:'re| are) (?:doing|building)|"
        r"your (?:work|content|posts?|profile|company|brand|vibe))\b",
        r"\b(?:really |so |very )?impressed (?:by|with) (?:your|what you)\b[^.!?\n]{0,30}",
        r"\b(?:big|huge) fan of (?:your|what you)\b[^.!?\n]{0,25}",
        r"\bcame across your (?:profile|post|company|page|work|website)\b",
        r"\b(?:i've been|been) following your (?:work|journey|content|posts?)\b",
        r"\bsomeone (?:like you|with your (?:background|experience|profile))\b",
        r"\byour (?:impressive|amazing|incredible|inspiring) (?:work|profile|background|journey|growth)\b",
    ],
}

# Patterns are lower case and run on an ASCII-lowered copy of the draft (same length, so offsets hold):
# several times faster than re.IGNORECASE. The "ex-Google" brag needs the capital, so it runs on the draft.
# Each family is an ``Alternation`` (``classifier.scan``): the matches of ``re`` for the joined pattern, faster.
_EX_COMPANY = re.compile(_PATTERNS["credential_brag"].pop(0))
# Families of many rarely-present words are matched branch by branch (``fine``; ``tests/classifier/test_scan.py``).
_FINE = frozenset({"call_to_action", "meeting_ask", "market_speak", "generic_flattery", "urgency"})
_COMPILED: dict[str, Alternation] = {
    reason: Alternation(patterns, fine=reason in _FINE) for reason, patterns in _PATTERNS.items()
}
_UPPER_RUN = re.compile("[A-Z]+")
_BEYOND_ASCII = re.compile("[^\x00-\x7f]+")


def _lower_run(m: re.Match[str]) -> str:
    return m.group().lower()


@lru_cache(maxsize=8)
def lower(text: str) -> str:
    """ASCII-only lower case: keeps every offset of ``text`` (``str.lower`` can change lengths beyond ASCII).
    Beyond ASCII, only the runs of A-Z are replaced (a third of the time ``str.translate`` takes). Cached for
    the last few texts: a check lowers the same draft for the rules and for the intents."""
    if text.isascii():
        return text.lower()
    beyond = "".join(_BEYOND_ASCII.findall(text))
    if beyond.lower() == beyond:  # str.lower changes nothing beyond ASCII here (emoji, quotes, accents in lower case)
        return text.lower()
    return _UPPER_RUN.sub(_lower_run, text)


# A question that asks for a meeting is flagged whole: "Free for a 15-min demo Friday?"
_MEETING_WORDS = Alternation(
    r"\b(?:demo|walk-?through|discovery call|intro call|quick call|short call|a call|[123]0[- ]?min(?:ute)?s?|"
    r"15[- ]?min(?:ute)?s?|zoom|hop on|jump on|book a (?:time|slot|call)|calendly|quick chat|coffee chat|meeting)\b",
)
# Asking for the reader's view is the opposite of a pitch: a model feature only, never a flag.
_ASKS_THEIR_VIEW = Alternation(
    r"\b(?:what would you|which would you|would you (?:pick|choose|do)|should (?:i|we)|any (?:tips|advice|recs|"
    r"recommendations|ideas|thoughts)|recs? for|recommendations? for|your (?:honest )?(?:take|thoughts|opinion|"
    r"advice|input|eyes)|gut check|sanity check|pick your brain|what do you (?:think|use|recommend|wish)|"
    r"how (?:do|did|would) you|what worked for you|what (?:did|do) you wish|am i (?:crazy|wrong|overthinking)|"
    r"too (?:salesy|pushy|long|cheap|expensive)\?|feedback on|(?:honest|brutal) feedback|curious (?:how|what) you)",
    fine=True,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_FIRST_PERSON = Alternation(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|we|we're|we've|we'd|we'll|us|our|ours)\b")
_SECOND_PERSON = Alternation(r"\b(?:you|you're|you've|you'd|you'll|your|yours|u|ur|ya|yall|y'all)\b")
_QUESTION = re.compile(r"\?\?*+")  # r"\?+", written to start with its literal: found by a fast search
# The draft's first sentence (after any greeting line) ends with a question mark.
_FIRST_SENTENCE_QUESTION = re.compile(r"\s*+(?:(?:hi|hey|hello|yo)\b[^\n.!?]{0,25}[,!\n]\s*)?[^.!?\n]{3,160}\?")


@dataclass(frozen=True, slots=True)
class Cues:
    """What the rules saw in one draft."""

    flags: list[Flag]
    counts: dict[str, int]
    first_person: int
    second_person: int
    questions: int
    links: int
    words: list[str]
    asks_their_view: int
    opens_with_question: bool = False


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n-•*,;:":
        start += 1
    while end > start and text[end - 1] in " \t\n,;:":
        end -= 1
    return start, end


def find(text: str) -> Cues:
    """Run every rule over ``text``; flags are non-overlapping, in text order."""
    low = lower(text)
    matches = [(reason, m) for reason, pattern in _COMPILED.items() for m in pattern.finditer(low)]
    if "x-" in text:  # every _EX_COMPANY match holds it ("ex-Google", "Ex-Stripe")
        matches += [("credential_brag", m) for m in _EX_COMPANY.finditer(text)]
    raw: list[tuple[int, int, str]] = []
    links = url_spans(low)
    for reason, m in matches:
        s, e = _trim(text, m.start(), m.end())
        # A phrase inside a link ("…/signup") is part of the link, not something the author says; a booking link
        # (calendly.com/…) is itself a meeting ask.
        if e > s and (reason == "meeting_ask" or not any(ls <= s and e <= le for ls, le in links)):
            raw.append((s, e, reason))
    raw += [(s, e, "link_drop") for s, e in links]
    for m in _MEETING_WORDS.finditer(low):
        start = max(text.rfind(c, 0, m.start()) for c in ".!?\n") + 1
        end = min((i for i in (text.find(c, m.end()) for c in ".!?\n") if i >= 0), default=len(text))
        if text.startswith("?", end):
            s, e = _trim(text, start, end + 1)
            raw.append((s, e, "meeting_ask"))

    first = _FIRST_PERSON.count(low)
    second = _SECOND_PERSON.count(low)
    if first >= 4 and second * 3 <= first:
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]
        if sentences:
            s, e = max(sentences, key=lambda se: len(_FIRST_PERSON.reference.findall(low, se[0], se[1])))
            s, e = _trim(text, s, e)
            if e > s:
                raw.append((s, e, "self_focus"))

    counts = dict.fromkeys(REASONS, 0)
    for _, _, reason in raw:
        counts[reason] += 1
    # Longest first at each start, then drop anything overlapping an earlier kept span.
    raw.sort(key=lambda r: (r[0], -(r[1] - r[0])))
    flags: list[Flag] = []
    last_end = -1
    for s, e, reason in raw:
        if s >= last_end:
            flags.append(Flag(s, e, text[s:e], reason, REASONS[reason]))
            last_end = e
    return Cues(
        flags=flags,
        counts=counts,
        first_person=first,
        second_person=second,
        questions=len(_QUESTION.findall(text)),
        links=counts["link_drop"],
        words=words(text),
        asks_their_view=_ASKS_THEIR_VIEW.count(low),
        opens_with_question=bool(_FIRST_SENTENCE_QUESTION.match(text)),
    )
