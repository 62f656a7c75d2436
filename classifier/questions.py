"""Open-ended questions to lead with, fitted to what the draft is about, and a coaching tip.

Questions never start with a yes/no opener (``CLOSED_OPENERS``): the point is to get the other person
talking about themselves.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

#: First words that make a question closed (answerable with yes or no).
CLOSED_OPENERS: tuple[str, ...] = (
    "do", "does", "did", "are", "is", "was", "were", "can", "could", "would", "will", "should", "have",
    "has", "had", "may", "might", "shall", "any", "anyone", "open", "interested", "free", "want", "wanna",
    "fancy", "keen", "got", "up",
)  # fmt: skip

# (pattern, how the topic reads inside a question). First match wins per topic; order is priority.
TOPICS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, _I), phrase)
    for p, phrase in (
        (r"\b(?:cloud|aws|azure|gcp|kubernetes|k8s|infra(?:structure)?|devops|servers?|hosting)\b", "your cloud setup"),
        (r"\b(?:costs?|spend(?:ing)?|budgets?|pricing|expenses?|sav(?:e|ings))\b", "costs"),
        (r"\b(?:hir(?:e|ing)|recruit\w*|candidates?|talent|roles?|headcount|job)\b", "hiring"),
        (r"\b(?:onboard\w*|activation|churn|retention)\b", "onboarding and retention"),
        (r"\b(?:sales|pipeline|leads?|prospect\w*|outbound|quota|crm)\b", "your pipeline"),
        (
            r"\b(?:marketing|seo|ads?|campaigns?|brand(?:ing)?|content|newsletter|audience|followers)\b",
            "getting the word out",
        ),
        (r"\b(?:fundrais\w*|investors?|raise|raising|seed|series [a-c]|angels?|vcs?|runway)\b", "fundraising"),
        (r"\b(?:security|compliance|soc ?2|gdpr|breach\w*|vulnerabilit\w*|pentest\w*)\b", "security"),
        (r"\b(?:data|analytics|dashboards?|metrics|reporting|sql|warehouse|etl)\b", "your data"),
        (r"\b(?:design|ux|ui|figma|website|landing page|mockups?|logo)\b", "design"),
        (
            r"\b(?:code|coding|developers?|engineering|api|bugs?|deploy\w*|codebase|python|javascript|rust)\b",
            "your engineering work",
        ),
        (r"\b(?:community|discord|members|server|moderat\w*|events?|meetups?)\b", "your community"),
        (r"\b(?:career|job search|promotion|manager|leadership|team lead)\b", "your career"),
        (r"\b(?:customers?|clients?|users?|support|tickets?)\b", "your customers"),
        (r"\b(?:productivity|workflow|process(?:es)?|automat\w*|tools?|ops)\b", "your workflow"),
        (r"\b(?:fitness|health|wellness|coach\w*|mindset|burnout|stress)\b", "your goals"),
        (r"\b(?:ecommerce|e-commerce|shop(?:ify)?|store|inventory|shipping|products?)\b", "your store"),
        (r"\b(?:growth|scal(?:e|ing)|revenue|mrr|arr)\b", "growth"),
        (r"\b(?:launch\w*|product hunt|beta|mvp|roadmap|features?)\b", "the launch"),
    )
)

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
    return [phrase for pattern, phrase in TOPICS if pattern.search(text)]


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
