"""Where and how Rapport logs: one handler on stderr for the whole process (gunicorn's error log included).

On a terminal a line reads ``rapport: message``; anywhere else (journald, ``docker logs``, a log shipper) it is
one JSON object per line with ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, any ``extra=``
fields and ``exc_info`` for a traceback. ``RAPPORT_LOG_FORMAT=json`` or ``text`` overrides the choice.

No line carries a secret: the values of the platform credentials, and anything shaped like a Slack token, are
replaced in the finished line, tracebacks included. Draft text is never logged in the first place (library
code logs ids, counts and error messages only).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

#: The credentials whose values must never appear in a log line.
SECRETS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DISCORD_TOKEN")
#: Slack tokens of any kind, whoever's they are.
SLACK_TOKEN = re.compile(r"\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]+")
FORMATS = ("json", "text")


class Redacting(logging.Formatter):
    """Formats with ``inner``, then blanks every secret in the finished line."""

    def __init__(self, inner: logging.Formatter, secrets: dict[str, str]):
        super().__init__()
        self.inner = inner
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted(((v, f"[{k}]") for k, v in secrets.items() if len(v) >= 8), key=lambda p: -len(p[0]))

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for value, name in self.secrets:
            line = line.replace(value, name)
        return SLACK_TOKEN.sub("[redacted]", line)


def _secrets() -> dict[str, str]:
    """The credentials' values, from the environment and from a ``.env`` file if the settings read one."""
    found = {name: os.environ[name].strip() for name in SECRETS if os.environ.get(name, "").strip()}
    try:
        from bot import settings

        current = settings.load()
    except Exception:  # a malformed setting is reported by the command that needs it, not here
        return found
    for name in SECRETS:
        value = getattr(current, name.lower())
        if value is not None and value.get_secret_value().strip():
            found.setdefault(name, value.get_secret_value().strip())
    return found


def formatter(stream: TextIO) -> logging.Formatter:
    """JSON unless ``stream`` is a terminal, or as ``RAPPORT_LOG_FORMAT`` says."""
    choice = os.environ.get("RAPPORT_LOG_FORMAT", "").strip().lower()
    if choice and choice not in FORMATS:
        raise ValueError(f"RAPPORT_LOG_FORMAT must be one of {', '.join(FORMATS)}, got {choice!r}")
    if choice == "text" or (not choice and stream.isatty()):
        return logging.Formatter("rapport: %(message)s")
    json = JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%SZ",
        json_ensure_ascii=False,
    )
    json.converter = time.gmtime
    return json


def setup(verbose: bool = False, stream: TextIO | None = None) -> None:
    """Install the one handler (replacing any) on the root logger; INFO with ``verbose``, else WARNING."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(Redacting(formatter(stream), _secrets()))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
