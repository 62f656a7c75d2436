"""Slack's text rules, in one place: what Slack sends is decoded here before the coach sees it, and what goes
back is escaped here.

Slack sends ``&``, ``<`` and ``>`` typed by a person as ``&amp;``, ``&lt;`` and ``&gt;``, and its own entities
in angle brackets: ``<@U123|dana>`` (a user), ``<#C123|general>`` (a channel), ``<!here>`` (a special mention),
``<!subteam^S123|@team>`` (a user group), ``<!date^…|fallback>`` (a date), ``<https://x.y|label>`` (a link).
See https://api.slack.com/reference/surfaces/formatting#escaping.
"""

from __future__ import annotations

import re

from bot import commands

#: One entity of Slack's markup: ``<`` what ``|`` label ``>``; a literal ``<`` always arrives as ``&lt;``.
_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")


def unescape(text: str) -> str:
    """Slack's three escapes decoded (``&amp;`` last, so ``&amp;lt;`` stays the literal ``&lt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Text a person wrote, safe in a Slack message: ``&``, ``<`` and ``>`` escaped as Slack requires."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _readable(match: re.Match, keep_users: bool) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("@"):
        if keep_users:
            return match.group(0) if label is None else f"<{target}|{unescape(label)}>"
        return "@" + unescape(label) if label else target
    if target.startswith("#"):
        return "#" + unescape(label) if label else target
    if target.startswith("!"):
        if label:
            return unescape(label)
        word = target[1:].split("^")[0]
        return "@" + word if word in ("here", "channel", "everyone") else ""
    link = unescape(target)
    if label:
        return unescape(label)
    return link.removeprefix("mailto:")


def decode(text: str, *, keep_users: bool = True) -> str:
    """What a person typed, from the ``text`` Slack sends (command, message or shortcut text).

    Escapes are decoded; channels become ``#name``, links their label (or their URL), special mentions
    ``@here``. User mentions stay ``<@U123|name>`` when ``keep_users`` (the grammar needs their id), else
    become ``@name`` (``@U123`` when Slack gave no name). E.g. ``ex-AT&amp;T <#C1|sales>`` -> ``ex-AT&T #sales``.
    """
    out, last = [], 0
    for match in _ENTITY.finditer(text):
        out.append(unescape(text[last : match.start()]))
        out.append(_readable(match, keep_users))
        last = match.end()
    out.append(unescape(text[last:]))
    return "".join(out)


def readable(text: str) -> str:
    """Decoded text with its user mentions as ``@name`` (or ``@U123``): what a draft check reads."""
    return _USER_MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)


def command(raw: str) -> commands.Command:
    """The grammar's command in Slack's ``text`` (``/rapport``, the DM with the bot): decoded first, so
    ``sent <@U1|dana>`` keeps its id and a draft is checked as the person typed it (``AT&T``, ``@dana``)."""
    asked = commands.parse(decode(raw))
    if isinstance(asked, commands.Check):
        return commands.Check(readable(asked.draft), asked.to)
    if isinstance(asked, commands.Hint):
        return commands.Hint(escape(asked.text))
    return asked
