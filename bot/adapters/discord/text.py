"""Discord's text rules, in one place: what Discord sends is made readable here before the coach checks it.

Discord sends mentions and other entities in angle brackets: ``<@123>`` / ``<@!123>`` (a user), ``<#123>`` (a
channel), ``<@&123>`` (a role), ``<:name:123>`` / ``<a:name:123>`` (a custom emoji), ``<t:1700000000:R>`` (a
timestamp), ``</name:123>`` (a slash command). discord.py's ``Message.clean_content`` turns the mentions into
``@name``, ``#channel`` and ``@role`` with the names it knows; ``decode`` finishes what it leaves (emoji,
timestamps, command mentions). Nothing is HTML-escaped on Discord, so there is nothing else to undo. Text
going back is escaped with ``discord.utils.escape_markdown`` where a person's words are shown.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import discord

_EMOJI = re.compile(r"<a?(:[A-Za-z0-9_~]+:)\d+>")
_TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::[tTdDfFR])?>")
_SLASH = re.compile(r"</([^:<>]+):\d+>")
_USER = re.compile(r"<@!?(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")


def _when(match: re.Match) -> str:
    try:
        return datetime.fromtimestamp(int(match.group(1)), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return match.group(0)


def decode(content: str) -> str:
    """``content`` with the entities discord.py's ``clean_content`` does not resolve made readable.

    Custom emoji become ``:name:``, timestamps a UTC date, command mentions ``/name``; mentions still in
    ``<@…>`` form (no name known) become ``@user``, ``#channel``, ``@role``.
    """
    content = _EMOJI.sub(r"\1", content)
    content = _TIMESTAMP.sub(_when, content)
    content = _SLASH.sub(r"/\1", content)
    content = _ROLE.sub("@role", content)
    content = _USER.sub("@user", content)
    return _CHANNEL.sub("#channel", content)


def readable(message: discord.Message) -> str:
    """What a person wrote in ``message``, as a draft check reads it (names for mentions, emoji as ``:name:``)."""
    return decode(message.clean_content)
