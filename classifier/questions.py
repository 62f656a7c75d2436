"""Open-ended questions to lead with, fitted to what the draft is about, and a coaching tip.

Questions never start with a yes/no opener (``CLOSED_OPENERS``): the point is to get the other person
talking about themselves.
"""

from __future__ import annotations

import re

from classifier.cues import lower

_I = re.IGNORECASE

#: First words that make a question closed (answerable with yes or no).
CLOSED_OPENERS: tuple[str, ...] = (
    "do", "does", "did", "are", "is", "was", "were", "can", "could", "would", "will", "should", "have",
    "has", "had", "may", "might", "shall", "any", "anyone", "open", "interested", "free", "want", "wanna",
    "fancy", "keen", "got", "up",
)  # fmt: skip

# (pattern for one lower-case word, how the topic reads inside a question), in priority order.
TOPICS: tuple[tuple[str, str], ...] = (
    (r"(?:cloud|aws|azure|gcp|kubernetes|k8s|infra(?:structure)?|devops|servers?|hosting)", "your cloud setup"),
    (r"(?:costs?|spend(?:ing)?|budgets?|pricing|expenses?|sav(?:e|ings))", "costs"),
    (r"(?:hir(?:e|ing)|recruit\w*|candidates?|talent|roles?|headcount|job)", "hiring"),
    (r"(?:onboard\w*|activation|churn|retention)", "onboarding and retention"),
    (r"(?:sales|pipeline|leads?|prospect\w*|outbound|quota|crm)", "your pipeline"),
    (
        r"(?:marketing|seo|ads?|campaigns?|brand(?:ing)?|content|newsletter|audience|followers)",
        "getting the word out",
    ),
    (r"(?:fundrais\w*|investors?|raise|raising|seed|series|angels?|vcs?|runway)", "fundraising"),
    (r"(?:security|compliance|soc ?2|gdpr|breach\w*|vulnerabilit\w*|pentest\w*)", "security"),
    (r"(?:data|analytics|dashboards?|metrics|reporting|sql|warehouse|etl)", "your data"),
    (r"(?:design|ux|ui|figma|website|landing|mockups?|logo)", "design"),
    (
        r"(?:code|coding|developers?|engineering|api|bugs?|deploy\w*|codebase|python|javascript|rust)",
        "your engineering work",
    ),
    (r"(?:community|discord|members|server|moderat\w*|events?|meetups?)", "your community"),
    (r"(?:career|promotion|manager|leadership|mentor\w*)", "your career"),
    (r"(?:customers?|clients?|users?|support|tickets?)", "your customers"),
    (r"(?:productivity|workflow|process(?:es)?|automat\w*|tools?|ops)", "your workflow"),
    (r"(?:fitness|health|wellness|coach\w*|mindset|burnout|stress)", "your goals"),
    (r"(?:ecommerce|e-commerce|shop(?:ify)?|store|inventory|shipping|products?)", "your store"),
    (r"(?:growth|scal(?:e|ing)|revenue|mrr|arr)", "growth"),
    (r"(?:launch\w*|producthunt|beta|mvp|roadmap|features?)", "the launch"),
)
# Matched against each distinct word of the draft (far faster than scanning the text with every pattern);
# the group that matched names the topic.
_TOPIC_RE = re.compile("|".join(f"(?P<t{i}>{pattern})" for i, (pattern, _) in enumerate(TOPICS)))
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'-]*")

_TEMPLATES: tuple[str, ...] = (
    "What are you hoping to change about {topic} this quarter?",
    "How are you handling {topic} today, and what's been hardest about it?",
    "What would a good outcome with {topic} look like for you?",
)
_FALLBACK: tuple[str, ...] = (
    "What are you focused on right now?",
    "What's been the hardest part of your work lately?",
    "What would make the next few months a win for you?",
)

_QUESTION = re.compile(r"[^.!?\n]*\?")
_CLOSED_START = re.compile(
    r"^\W*(?:(?:hey|hi|hello|so|quick q|btw|also|and|but|ok|okay|honestly|curious)\b[\s,!:.-]*)*(?:"
    + "|".join(CLOSED_OPENERS)
    + r"|any chance|how about|what about)\b",
    _I,
)
# A closed question in the draft -> an open alternative.
_OPEN_ALTERNATIVES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, _I), q)
    for p, q in (
        (
            r"\b(?:call|chat|demo|meeting|zoom|min(?:ute)?s?|coffee|hop on|jump on|time this week)\b",
            "What would be most useful for you to talk through right now?",
        ),
        (
            r"\b(?:interested|open to|keen|want to (?:try|see)|like to (?:try|see))\b",
            "What would you need to see before something like this is worth your time?",
        ),
        (
            r"\b(?:use|using|tried|heard of|familiar with)\b",
            "How are you handling this today, and what would you change about it?",
        ),
        (r"\b(?:struggl\w*|problem|issue|pain|challenge|hard)\b", "What's been the hardest part of this for you?"),
        (r"\b(?:make sense|thoughts|agree|right)\b", "What's your take on this?"),
    )
)
_GENERIC_OPEN = "What would be most helpful for you to hear about?"

#: Coaching tip per reason; the first reason in this order that the draft was flagged for picks the tip.
TIPS: dict[str, str] = {
    "meeting_ask": "Ask about their goals first; offer a demo only when they ask how you'd help.",
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
TIP_CONVERSATION = "Reads like a real conversation: keep the question up front."


def closed_questions(text: str) -> list[str]:
    """Questions in the draft that can be answered with yes or no."""
    return [q.strip() for q in _QUESTION.findall(text) if _CLOSED_START.match(q.strip())]


def topics(text: str) -> list[str]:
    """Topics the draft touches, in ``TOPICS`` order."""
    matches = (_TOPIC_RE.fullmatch(token) for token in set(_TOKEN.findall(lower(text))))
    seen = {int(m.lastgroup[1:]) for m in matches if m}
    return [TOPICS[i][1] for i in sorted(seen)]


def suggest(text: str, limit: int = 3) -> list[str]:
    """2-3 open questions: an open version of the draft's first closed question, then topic questions."""
    out: list[str] = []
    closed = closed_questions(text)
    if closed:
        out.append(next((q for p, q in _OPEN_ALTERNATIVES if p.search(closed[0])), _GENERIC_OPEN))
    found = topics(text)
    for i, template in enumerate(_TEMPLATES):
        topic = found[i % len(found)] if found else None
        question = template.format(topic=topic) if topic else _FALLBACK[i]
        if question not in out:
            out.append(question)
    return out[:limit]


def tip(label: str, reasons: set[str]) -> str:
    """One sentence of coaching for the draft's label and the reasons it was flagged for."""
    if label == "conversation":
        return TIP_CONVERSATION
    return next((text for reason, text in TIPS.items() if reason in reasons), TIP_BORDERLINE)
