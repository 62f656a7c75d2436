"""The one chat grammar: ``parse(text) -> Command``, and its help, used by every adapter.

Slack's ``/rapport`` and the DM with the bot, the console chat (``rapport chat``) and, mapped onto app-command
options, Discord all speak this grammar. A command is a small dataclass; the adapter runs it through the coach and
renders the result in its own markup. Adding a command means one entry in ``GRAMMAR`` (and its dataclass), one coach
method and one renderer per adapter.

Contacts: on a chat platform a contact is a mention carrying the platform's user id (``<@U123|dana>`` in Slack,
``<@123>`` in Discord). A typed ``@dana.lee`` (no autocomplete, so no id) gets a one-line hint, never a draft check;
so does a lone word (``sent dana``). A longer text after the word is a draft that happens to start with it,
except after the ladder's words (``met``, ``called``, ``emailed``, ``circle``) and ``check to``: those are always
commands, so anything but a mention gets the hint, never a score. A mention is one token: after it ``met`` takes
only a way to meet (any case), anything else gets one line saying so. One pair of quotes around a name is dropped.
The console has no user ids: there a contact is any name (``parse(text, names=True)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.types import CIRCLE_NAMES, MEET_HOW, MENTION, SNOOZE_DAYS_ERROR, SNOOZE_DAYS_RANGE

__all__ = ["MENTION", "Command", "parse"]
#: How far "snooze" pushes reminders when no number of days is given.
SNOOZE_DAYS = 3
#: The days between a watched channel's digests: the default and the range allowed.
DIGEST_DAYS, DIGEST_DAYS_RANGE = 7, (1, 90)


@dataclass(frozen=True, slots=True)
class Help:
    """Show the help."""


@dataclass(frozen=True, slots=True)
class Hint:
    """A one-line hint instead of an answer: an unknown word, a missing or unusable argument."""

    text: str


@dataclass(frozen=True, slots=True)
class Check:
    """Check a draft (``draft`` is the whole text to score); ``to``: whom it is for (``check to @dana: <draft>``)."""

    draft: str
    to: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """Log a step off the feed with ``contact``: ``kind`` emailed | called | met, ``how`` (met only) coffee..."""

    kind: str
    contact: str
    how: str | None = None


@dataclass(frozen=True, slots=True)
class Circle:
    """Put ``contact`` in a circle (close | regular | wider), or back to the default (``circle`` None)."""

    contact: str
    circle: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    """This week's plan: whom to reach and how, within the weekly budget."""


@dataclass(frozen=True, slots=True)
class Ladder:
    """Every relationship and its rung."""


@dataclass(frozen=True, slots=True)
class Sent:
    """Log that the user reached out to ``contact`` (a mention, or a name in the console)."""

    contact: str


@dataclass(frozen=True, slots=True)
class Replied:
    """Log that ``contact`` answered the user."""

    contact: str


@dataclass(frozen=True, slots=True)
class Done:
    """End the pending follow-up reminders for ``contact``."""

    contact: str


@dataclass(frozen=True, slots=True)
class Snooze:
    """Push ``contact``'s pending reminders back ``days`` days."""

    contact: str
    days: int = SNOOZE_DAYS


@dataclass(frozen=True, slots=True)
class Followups:
    """List what is due now."""


@dataclass(frozen=True, slots=True)
class Stats:
    """Reply rates by how drafts read and by question, the ladder's rungs, time to reply."""


@dataclass(frozen=True, slots=True)
class Settings:
    """See or change the reminder settings."""


@dataclass(frozen=True, slots=True)
class Forget:
    """Delete everything Rapport holds about the user (the adapter asks first)."""


@dataclass(frozen=True, slots=True)
class Watch:
    """Opt the channel the command was given in to coaching and a digest every ``digest_days`` days."""

    digest_days: int = DIGEST_DAYS


@dataclass(frozen=True, slots=True)
class Unwatch:
    """Opt the channel out again."""


@dataclass(frozen=True, slots=True)
class Quit:
    """End the session (the console; a chat app has no session to end)."""


Command = (
    Help
    | Hint
    | Check
    | Step
    | Circle
    | Plan
    | Ladder
    | Sent
    | Replied
    | Done
    | Snooze
    | Followups
    | Stats
    | Settings
    | Forget
    | Watch
    | Unwatch
    | Quit
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One command of the grammar: its word, its arguments as the help shows them, and what it does."""

    word: str
    args: str
    about: str


GRAMMAR: tuple[Entry, ...] = (
    Entry("check", "<draft>", "check a draft before you send it (any text that is not a command is a draft too)"),
    Entry("sent", "@someone", "log that you reached out; I'll remind you to follow up"),
    Entry("replied", "@someone", "log that they answered (ends the follow-ups)"),
    Entry("done", "@someone", "stop follow-up reminders for them"),
    Entry("snooze", f"@someone [days, default {SNOOZE_DAYS}]", "push their reminders back"),
    Entry("met", f"@someone [{'|'.join(MEET_HOW)}]", "log that you met them (the top of the ladder)"),
    Entry("called", "@someone", "log that you talked on the phone (off the feed)"),
    Entry("emailed", "@someone", "log that you emailed them (off the feed)"),
    Entry("ladder", "", "where each relationship stands"),
    Entry("plan", "", "whom to reach this week, and how, within your time budget"),
    Entry("circle", f"@someone {'|'.join(CIRCLE_NAMES)}|default", "how often to keep in touch with them"),
    Entry("followups", "", "who is waiting on you"),
    Entry("stats", "", "your reply rates by how drafts read, where your relationships stand, time to reply"),
    Entry("settings", "", "follow-up delay, how often, quiet hours, time zone"),
    Entry("watch", f"[days, default {DIGEST_DAYS}]", "coach pitches in this channel privately, with a digest"),
    Entry("unwatch", "", "stop watching this channel and delete its digest numbers"),
    Entry("forget", "", "delete everything Rapport holds about you"),
    Entry("help", "", "this list"),
)
WORDS = frozenset(e.word for e in GRAMMAR) | {"quit", "exit"}
#: Commands that take no argument: followed by more text, the whole text is a draft that starts with that word.
_BARE = {
    "followups": Followups,
    "stats": Stats,
    "settings": Settings,
    "forget": Forget,
    "unwatch": Unwatch,
    "plan": Plan,
    "ladder": Ladder,
}
#: A number where a snooze takes its days (a bad one gets ``SNOOZE_DAYS_ERROR``, never a contact named "sam -2").
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d*)?")
_ABOUT_CONTACT = {"sent": Sent, "replied": Replied, "done": Done}


def help_text(prefix: str = "", contact: str = "@someone", only: set[str] | None = None) -> str:
    """The help, one line per command: ``{prefix}{word} {args}: {about}``.

    ``prefix`` is how the platform invokes a command (``"/rapport "`` in Slack, ``""`` in the console),
    ``contact`` how a contact is written there, ``only`` the words the platform offers (default: all).
    """
    lines = []
    for e in GRAMMAR:
        if only is not None and e.word not in only:
            continue
        usage = f"{prefix}{e.word} {e.args.replace('@someone', contact)}".rstrip()
        lines.append(f"• `{usage}`: {e.about}")
    return "\n".join(lines)


def contact_hint(word: str, typed: str = "") -> str:
    """The one line for a contact that is missing or carries no platform id (``sent @dana.lee`` typed by hand)."""
    if not typed:
        return f"Who? Mention them: `{word} @someone`."
    return (
        f"I can't tell who {typed} is: type @ and pick them from the list, so the mention carries their id "
        f"(`{word} @someone`)."
    )


#: Quote pairs that may wrap a name typed in the console (``emailed "Sam Ortiz"``): straight and curly.
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u201e": "\u201c"}
#: The one line for a ``check to @someone:`` with nothing after the colon.
EMPTY_DRAFT = "The draft is empty: `check to @someone: <your message>`."


def unquote(name: str) -> str:
    """``name`` without one pair of matching surrounding quotes (straight or curly), stripped of spaces."""
    name = name.strip()
    if len(name) >= 2 and _QUOTES.get(name[0]) == name[-1]:
        return name[1:-1].strip()
    return name


def way_hint(typed: str) -> str:
    """The one line for ``met @x <typed>`` when ``typed`` is not a way to meet."""
    ways = ", ".join(MEET_HOW[:-1]) + f" or {MEET_HOW[-1]}"
    return f"{typed} isn't a way to meet: {ways}."


def _contact(rest: str, names: bool) -> str | None:
    """The contact named by ``rest``: a mention as ``<@ID>`` (the display part dropped), or the name itself (one
    pair of surrounding quotes dropped) when ``names``; None when it is neither."""
    whole = MENTION.fullmatch(rest)
    if whole:
        return f"<@{whole.group(1)}>"
    if names and rest and not MENTION.search(rest):
        return unquote(rest) or None
    return None


def _names_someone(rest: str) -> bool:
    """Whether ``rest`` tries to name a person (nothing, one word, ``@...`` or a mention), not to start a draft."""
    return not rest or " " not in rest or rest.startswith("@") or MENTION.search(rest) is not None


def _check(rest: str, names: bool) -> Command:
    """``check <draft>``, or ``check to <contact>: <draft>`` for a draft to someone (a mention, or a name).

    ``to`` followed by a typed ``@name`` (no id) gets the contact hint, an empty draft after the colon says so;
    neither is ever scored.
    """
    head, colon, draft = rest.partition(":")
    if rest.lower().startswith("to ") and colon:
        who = head[3:].strip()
        contact = _contact(who, names)
        if contact is not None and (MENTION.fullmatch(who) or names):
            return Check(draft.strip(), contact) if draft.strip() else Hint(EMPTY_DRAFT)
        if (who.startswith("@") and " " not in who) or MENTION.search(who):
            return Hint(contact_hint("check to", who).replace("`check to @someone`", "`check to @someone: <draft>`"))
    return Check(rest)


def _lead(rest: str) -> tuple[str, str] | None:
    """``rest`` split into its leading contact token and what follows, when it starts with one: a mention
    (``<@U1|bo>``), a typed ``@name`` (one word) or a quoted name; None for a plain name."""
    mention = MENTION.match(rest)
    if mention:
        return mention.group(0), rest[mention.end() :].strip()
    if rest.startswith("@"):
        token, _, tail = rest.partition(" ")
        return token, tail.strip()
    close = _QUOTES.get(rest[:1])
    if close and close in rest[1:]:
        end = rest.index(close, 1) + 1
        return rest[:end], rest[end:].strip()
    return None


def _way(tail: str) -> str | None:
    """The way to meet ``tail`` names (``coffee``, ``--how Coffee``, ``--how=lunch``; any case), else None."""
    word = tail.strip().lower()
    word = word.removeprefix("--how=").removeprefix("--how ").strip()
    return word if word in MEET_HOW else None


def _about_step(word: str, rest: str, names: bool) -> Command:
    """``met @x [how]``, ``called @x``, ``emailed @x``, ``circle @x close|regular|wider|default``.

    These words are always commands, never a draft: a contact that is not a mention (on a chat platform) gets
    the contact hint, words after a mention that are not a way to meet (or a circle) get a one-line error.
    """
    lead = _lead(rest)
    if lead is not None:
        who, tail = lead
    elif word == "met" and " " in rest and _way(rest.rsplit(" ", 1)[1]) is not None:
        who, tail = rest.rsplit(" ", 1)  # ``met Dana Lee coffee``
        if who.lower().endswith(" --how"):
            who = who[: -len(" --how")]
    elif word == "met" and "--how" in rest.lower():
        who, _, how = rest.partition("--how")
        who, tail = who.strip(), "--how" + how
    elif word == "circle" and " " in rest:
        who, tail = rest.rsplit(" ", 1)
    else:
        who, tail = rest, ""
    who = who.strip()
    extra = None
    if word == "circle":
        choice = tail.lower()
        if not who or choice not in (*CIRCLE_NAMES, "default"):
            return Hint(f"Which circle? `circle @someone {'|'.join(CIRCLE_NAMES)}|default`.")
        extra = None if choice == "default" else choice
    elif word == "met" and tail:
        extra = _way(tail)
        if extra is None:
            return Hint(way_hint(tail))
    elif tail:
        return Hint(f"`{word}` takes one person and nothing else: `{word} @someone`.")
    contact = _contact(who, names)
    if contact is None:
        return Hint(contact_hint(word, who))
    return Circle(contact, extra) if word == "circle" else Step(word, contact, extra)


def parse(text: str, *, names: bool = False) -> Command:
    """The command ``text`` asks for. Never raises: anything else is a draft to check, a hint or the help.

    ``names`` accepts plain names as contacts (the console); on chat platforms a contact must be a mention.
    A leading ``/rapport`` is ignored, so the console takes what one types in Slack.
    """
    text = text.strip()
    if text.lower().startswith("/rapport"):
        text = text[len("/rapport") :].strip()
    if not text:
        return Help()
    word, _, rest = text.partition(" ")
    word, rest = word.lower(), rest.strip()
    if word in ("help", "?"):
        return Help()
    if word in ("quit", "exit") and not rest:
        return Quit()
    if word == "check":
        return _check(rest, names) if rest else Hint("Give me a draft to check: `check <your message>`.")
    if word in ("met", "called", "emailed", "circle"):
        return _about_step(word, rest, names)
    if word in _ABOUT_CONTACT or word == "snooze":
        days = SNOOZE_DAYS
        if word == "snooze":
            name, _, last = rest.rpartition(" ")
            if name and _NUMBER.fullmatch(last):
                if not last.lstrip("+-").isdigit() or not SNOOZE_DAYS_RANGE[0] <= int(last) <= SNOOZE_DAYS_RANGE[1]:
                    return Hint(SNOOZE_DAYS_ERROR)
                rest, days = name.strip(), int(last)
        contact = _contact(rest, names)
        if contact is None:
            if _names_someone(rest):
                return Hint(contact_hint(word, rest))
            return Check(text)  # "sent you the deck yesterday, did it help?" is a draft
        return Snooze(contact, days) if word == "snooze" else _ABOUT_CONTACT[word](contact)
    if word in _BARE and not rest:
        return _BARE[word]()
    if word == "watch" and (not rest or rest.isdigit()):
        return Watch(int(rest) if rest else DIGEST_DAYS)
    if not rest and word not in WORDS:
        return Hint(f"I don't know “{word}”. Type `help` to see what I can do, or give me a whole draft to check.")
    return Check(text)
