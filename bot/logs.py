"""Where and how Rapport logs: one handler on stderr for the whole process (gunicorn's error log included).

On a terminal a line reads ``rapport: message``; anywhere else (journald, ``docker logs``, a log shipper) it is
one JSON object per line with ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, any ``extra=``
fields and ``exc_info`` for a traceback. ``RAPPORT_LOG_FORMAT=json`` or ``text`` overrides the choice.

No line carries a secret: the values of the platform credentials, the database password and anything shaped
like a Slack token are replaced in the finished line, tracebacks included. Draft text is never logged in the
first place (library code logs ids, counts and error messages only).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from typing import TextIO
from urllib.parse import unquote, urlsplit

from pythonjsonlogger.json import JsonFormatter

from bot import env
from bot.credentials import SECRET_NAMES as SECRETS  # the credentials whose values must never appear in a log line

#: Slack tokens of any kind, whoever's they are. No word boundary in front: in a JSON line a token that starts
#: a line of a traceback follows the escape ``\n``, and one may follow ``_`` or ``=`` in someone's message.
SLACK_TOKEN = re.compile(r"(?:xox[abposre]|xapp)-[A-Za-z0-9-]+")
#: Shorter values are not replaced (they would blank ordinary words); real credentials are far longer.
MIN_SECRET = 8
FORMATS = ("json", "text")


class Redacting(logging.Formatter):
    """Formats with ``inner``, then blanks every secret in the finished line."""

    def __init__(self, inner: logging.Formatter, secrets: list[tuple[str, str]]):
        """``secrets`` holds ``(label, value)`` pairs; a value becomes ``[label]``."""
        super().__init__()
        self.inner = inner
        self.hide(secrets)

    def hide(self, secrets: list[tuple[str, str]]) -> None:
        """Blank these ``(label, value)`` pairs from now on (in place of the ones given before)."""
        # Each value as written and as it reads inside a JSON string (quotes, backslashes, non-ASCII escaped);
        # longest first, so a secret that contains another is replaced whole.
        forms = {
            (form, f"[{label}]")
            for label, value in secrets
            if len(value) >= MIN_SECRET
            for form in (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1])
        }
        self.secrets = sorted(forms, key=lambda pair: (-len(pair[0]), pair[0]))

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for value, label in self.secrets:
            line = line.replace(value, label)
        return SLACK_TOKEN.sub("[redacted]", line)


def _database_password(url: str) -> list[tuple[str, str]]:
    """The password in a database URL (``postgresql+psycopg://user:PASSWORD@host/db``), as written and decoded."""
    try:
        password = urlsplit(url.strip()).password
    except ValueError:
        return []
    return [("database password", password), ("database password", unquote(password))] if password else []


def _secrets() -> list[tuple[str, str]]:
    """The credentials' values and the database password, from the environment or ``.env`` (``bot.env``: no
    pydantic, so every command starts quickly)."""
    found = [(name, text) for name in SECRETS if (text := (env.value(name) or "").strip())]
    return found + _database_password(env.value("RAPPORT_DATABASE_URL") or "")


def formatter(stream: TextIO) -> logging.Formatter:
    """JSON unless ``stream`` is a terminal, or as ``RAPPORT_LOG_FORMAT`` says."""
    choice = os.environ.get("RAPPORT_LOG_FORMAT", "").strip().lower()
    if choice and choice not in FORMATS:
        raise ValueError(f"RAPPORT_LOG_FORMAT must be one of {', '.join(FORMATS)}, got {choice!r}")
    if choice == "text" or (not choice and stream.isatty()):
        return logging.Formatter("rapport: %(message)s")
    lines = JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%SZ",
        json_ensure_ascii=False,
    )
    lines.converter = time.gmtime
    return lines


def setup(verbose: bool = False, stream: TextIO | None = None) -> None:
    """Install the one handler (replacing any) on the root logger; INFO with ``verbose``, else WARNING."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    redacting = Redacting(formatter(stream), [])
    handler.setFormatter(redacting)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    # Read the credentials after the handler is in place: a broken .env line is then reported in Rapport's
    # format (a terminal line or JSON), not by Python's bare last-resort handler.
    redacting.hide(_secrets())
