"""Text clean-up shared by the model, the cue rules and the CLI."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 40_000

# Control characters other than tab and newline; replaced one-for-one by spaces so offsets are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
# Lower case only: run on lowered text (``for_model``, ``cues.lower``); offsets are the same as the draft's.
URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:io|com|co|ai|app|dev|gg|ly|me|net|org|xyz)\b(?:/\S*)?")
MENTION = re.compile(r"<[@#][!&]?[A-Z0-9]+(?:\|[^>]*)?>|<!(?:here|channel|everyone)>", re.I)
_WORD = re.compile(r"[^\W\d_](?:[^\W_]|['’-][^\W\d_])*", re.UNICODE)


def clean(text: str) -> tuple[str, list[str]]:
    """Return the text a verdict refers to, and notes about what was changed.

    Control characters become spaces (so offsets into the cleaned text match the input) and drafts longer
    than ``MAX_CHARS`` are cut.
    """
    notes: list[str] = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notes.append(f"This draft is very long; only the first {MAX_CHARS:,} characters were checked.")
    text = _CONTROL.sub(" ", text)
    return text, notes


def for_model(text: str) -> str:
    """Normalise a draft for the vectorisers: NFKC, lower case, links and mentions as placeholder words."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = URL.sub(" linkurl ", text)
    text = MENTION.sub(" atmention ", text)
    return text.replace("’", "'")


def words(text: str) -> list[str]:
    """Alphabetic words in lower case, URLs and mentions excluded."""
    return _WORD.findall(MENTION.sub(" ", URL.sub(" ", text.lower())))
