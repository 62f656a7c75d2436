"""The shapes of the platform credentials, checked before anything is sent: a pasted placeholder such as
``SLACK_BOT_TOKEN=xoxb-x`` or a user token where a bot token belongs is caught by ``rapport doctor`` and at
start-up, in one line that never shows the value.

Sources of the rules:

* Slack bot and app-level tokens: the ``slack-bot-token`` and ``slack-app-token`` rules of gitleaks
  (``cmd/generate/config/rules/slack.go``, which cites https://api.slack.com/authentication/token-types):
  a bot token is ``xoxb-`` then two runs of 10 to 13 digits (the workspace and the bot user) and the secret;
  an app-level token is ``xapp-<digit>-<app id>-<digits>-<secret>``.
* Slack signing secret and client secret: 32 lowercase hex digits, and the client id digits.digits, as the app's
  Basic Information page shows them.
* Discord bot token: three base64url parts joined by dots (https://discord.com/developers/docs/reference,
  "Authentication"); the first is the bot's user id, a snowflake of 17 to 20 digits, base64-encoded.

Imports nothing heavy: ``bot.logs`` reads ``SECRET_NAMES`` on every command.
"""

from __future__ import annotations

import base64
import binascii
import re

#: Each credential: (the shape it must have, what to expect, in words).
FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "SLACK_BOT_TOKEN": (
        re.compile(r"xoxb-[0-9]{10,13}-[0-9]{10,13}[A-Za-z0-9-]*"),
        "a bot token: xoxb-<digits>-<digits>-<secret>, from OAuth & Permissions",
    ),
    "SLACK_APP_TOKEN": (
        re.compile(r"xapp-[0-9]-[A-Za-z0-9]+-[0-9]+-[A-Za-z0-9]+"),
        "an app-level token: xapp-<digit>-<app id>-<digits>-<secret>, from Basic Information",
    ),
    "SLACK_SIGNING_SECRET": (re.compile(r"[0-9a-f]{32}"), "the 32-character hex signing secret"),
    "SLACK_CLIENT_ID": (re.compile(r"\d+\.\d+"), "the app's client id, digits.digits, from Basic Information"),
    "SLACK_CLIENT_SECRET": (re.compile(r"[0-9a-f]{32}"), "the 32-character hex client secret, from Basic Information"),
    "DISCORD_TOKEN": (
        re.compile(r"([A-Za-z0-9_-]{23,28})\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}"),
        "a bot token: <base64 user id>.<timestamp>.<secret>, from the Developer Portal's Bot page",
    ),
}

#: The platform credentials, by the names their platforms use: checked for shape, never shown.
CREDENTIAL_NAMES = tuple(FORMATS)
#: The credentials whose values never appear in a log line (a client id is public: it is in every install link).
SECRET_NAMES = tuple(name for name in FORMATS if name != "SLACK_CLIENT_ID")


def _snowflake(part: str) -> bool:
    """Whether a Discord token's first part is a base64-encoded user id (17 to 20 digits)."""
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return decoded.isdigit() and 17 <= len(decoded) <= 20


def problem(name: str, value: str) -> str | None:
    """None when ``value`` has the shape credential ``name`` (one of ``SECRET_NAMES``) must have, else what was
    expected, in words (never the value). ``KeyError`` for an unknown name."""
    pattern, expected = FORMATS[name]
    match = pattern.fullmatch(value)
    if match is None or (name == "DISCORD_TOKEN" and not _snowflake(match.group(1))):
        return f"expected {expected}"
    return None
