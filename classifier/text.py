"""Text clean-up shared by the model, the cue rules and the CLI.

A draft is read in three layers: ``clean`` (control characters out, length capped, offsets kept),
``set_aside`` (quoted text and code blanked out, so only the author's own words are scored and flagged), and
``for_model`` (chat markup normalised for the vectorisers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

MAX_CHARS = 40_000

# Mathematical alphanumeric symbols and fullwidth forms: compatibility letters people use for "bold" text.
_COMPATIBILITY = re.compile(r"[\U0001D400-\U0001D7FF\uFF01-\uFF5E]")
# Control characters other than tab and newline; replaced one-for-one by spaces so offsets are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
#: The top-level domains a bare domain ("ledgerly.io") is recognised by, in the order ``URL`` tries them.
_TLDS = ("io", "com", "co", "ai", "app", "dev", "gg", "ly", "me", "net", "org", "xyz")
# Lower case only: run on lowered text (``for_model``, ``cues.lower``); offsets are the same as the draft's.
# Stops at "|" and ">" so Slack's <url|label> markup is not part of the link. Possessive and anchored by a
# look-behind so a long run of letters or digits is scanned once, not from every position.
URL = re.compile(rf"(?:https?://|www\.)[^\s|>]++|(?<![a-z0-9-])[a-z0-9-]++\.(?:{'|'.join(_TLDS)})\b(?:/[^\s|>]*+)?")
MENTION = re.compile(
    r"<[@#][!&]?[A-Z0-9]+(?:\|[^>]*)?>|<!(?:here|channel|everyone)(?:\|[^>]*)?>|@(?:here|everyone)\b", re.I
)
# Slack's link markup ``<https://x.io|label>`` and a bare ``<https://x.io>``.
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>", re.I)
# ``:emoji_name:`` and Discord's custom emoji ``<:name:123>`` / ``<a:name:123>``; Discord timestamps ``<t:1:R>``.
EMOJI_CODE = re.compile(r"<a?:\w+:\d+>|(?<![\w:]):[a-z0-9_+-]{2,}:(?![\w:])|<t:\d+(?::[a-z])?>", re.I)
# ``EMOJI_CODE`` in a text without "<" (where only ``:emoji:`` codes can match), written to start with its ":" (the
# look-behind after it says what the leading one said), so ``re`` finds it with a fast search.
_EMOJI_NAME = re.compile(r":(?<![\w:]:)[a-z0-9_+-]{2,}:(?![\w:])", re.I)
# A word: a letter, then letters and digits, with single apostrophes or hyphens between letters; the same words as
# r"[^\W\d_](?:[^\W_]|['’-][^\W\d_])*", written with possessive runs (a third faster: no loop per character).
_WORD = re.compile(r"[^\W\d_][^\W_]*+(?:['’-][^\W\d_][^\W_]*+)*+", re.UNICODE)


#: Longest word (whitespace-separated chunk) a per-word cache keeps: a longer one is rare, and its entry grows with
#: it (a 40,000-character chunk has 120,000 n-grams), so a cache full of them could hold gigabytes.
CACHED_WORD_LENGTH = 64


def remember(cache: dict, word: str, value, most: int) -> None:
    """Keep ``value`` for ``word`` in a per-word ``cache`` of at most ``most`` entries (emptied when full), unless
    ``word`` is longer than ``CACHED_WORD_LENGTH``."""
    if len(cache) >= most:
        cache.clear()
    if len(word) <= CACHED_WORD_LENGTH:
        cache[word] = value


#: A UTF-16 surrogate code point: in a Python string always half of a pair that was cut (``json`` joins whole pairs).
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> tuple[str, list[str]]:
    """Return the text a verdict refers to, and notes about what was changed.

    Control characters become spaces and lone surrogates (text cut inside a UTF-16 pair, which no encoding can
    write) become U+FFFD, so offsets into the cleaned text match the input; mathematical "bold" and
    fullwidth letters become plain ones (NFKC; only then can offsets differ from the input), and drafts longer
    than ``MAX_CHARS`` are cut.
    """
    notes: list[str] = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notes.append(f"This draft is very long; only the first {MAX_CHARS:,} characters were checked.")
    text = _CONTROL.sub(" ", text)
    if not text.isascii() and _SURROGATE.search(text):  # e.g. JSON "\\ud83d" from an emoji cut in half
        text = _SURROGATE.sub("\ufffd", text)
        notes.append("A broken character (half of an emoji, say) was replaced with \ufffd.")
    if _COMPATIBILITY.search(text):  # 𝐁𝐨𝐥𝐝 or fullwidth letters (LinkedIn-style "bold") read as plain letters
        text = unicodedata.normalize("NFKC", text)
    return text, notes


#: Substrings one of which every ``URL`` match holds: its scheme, ``www.``, or a dot and a top-level domain.
_URL_NEEDS = ("http", "www.", *(f".{tld}" for tld in _TLDS))
# Where a ``URL`` match can start: at its scheme or "www." (the first alternative, anchored there), or at the start
# of the run of [a-z0-9-] just before a dot and a top-level domain (the second: its look-behind starts it only at
# the start of a run, and a run holds no dot). Both patterns begin with literals, so ``re`` finds them with fast
# searches, where ``URL.finditer`` tries the whole pattern at every position of the text.
_URL_SCHEME = re.compile(r"https?://|www\.")
_URL_DOMAIN_DOT = re.compile(rf"\.(?:{'|'.join(_TLDS)})")
_DOMAIN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def may_hold_url(text: str) -> bool:
    """False only when ``URL`` cannot match ``text`` (a few substring searches, many times cheaper than the
    pattern, which is tried at every position)."""
    return any(map(text.__contains__, _URL_NEEDS))


def find_urls(text: str) -> list[tuple[int, int]]:
    """``[m.span() for m in URL.finditer(text)]``, several times faster: ``URL`` is tried only where a match can
    start (see ``_URL_SCHEME``), in order, skipping starts inside the last match, as ``finditer`` scans on from a
    match's end. ``tests/classifier/test_shortcuts.py`` compares the two on the corpus and on fuzzed text."""
    if not may_hold_url(text):
        return []
    starts = [m.start() for m in _URL_SCHEME.finditer(text)]
    starts += [_run_start(text, m.start()) for m in _URL_DOMAIN_DOT.finditer(text)]
    return matches_at(URL, text, sorted(set(starts)))


def matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> list[tuple[int, int]]:
    """The spans of ``pattern.finditer(text)`` when every match of ``pattern`` starts at one of ``starts``
    (ascending): ``pattern`` is tried only there, skipping the starts inside the last match, as ``finditer``
    scans on from a match's end. For a ``pattern`` that cannot match empty text."""
    spans: list[tuple[int, int]] = []
    end = 0
    for start in starts:
        if start >= end and (found := pattern.match(text, start)) is not None:
            spans.append(found.span())
            end = found.end()
    return spans


def _run_start(text: str, end: int) -> int:
    """Where the run of ``_DOMAIN_CHARS`` ending at ``end`` starts, read back 64 characters at a time (the runs
    before a text's dots are disjoint, so all of them together cost one pass, not a pass each)."""
    start = end
    while start > 0:
        piece = text[max(0, start - 64) : start]
        kept = len(piece.rstrip(_DOMAIN_CHARS))
        start -= len(piece) - kept
        if kept:
            break
    return start


@lru_cache(maxsize=16)
def url_spans(text: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each ``URL`` match in ``text``, in order (``find_urls``). Cached for the last few texts:
    a check looks for links in the same lowered draft three times (rules, words, model text)."""
    return tuple(find_urls(text))


def without_urls(text: str, replacement: str) -> str:
    """``URL.sub(replacement, text)``, from the cached ``url_spans``."""
    spans = url_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for s, e in spans:
        parts += (text[last:s], replacement)
        last = e
    parts.append(text[last:])
    return "".join(parts)


def for_model(text: str) -> str:
    """Normalise a draft for the vectorisers: NFKC, lower case, chat markup (Slack's ``<url|label>``,
    ``:emoji:``, Discord's custom emoji and timestamps) reduced to plain words, links and mentions as placeholder
    words."""
    text = _SLACK_LINK.sub(lambda m: f" {m.group(1)} {m.group(2) or ''} ", text)
    if ":" in text:  # every emoji code and timestamp has one
        text = (EMOJI_CODE if "<" in text else _EMOJI_NAME).sub(" ", text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = without_urls(text, " linkurl ")
    if "<" in text or "@" in text:  # every MENTION match holds one of these
        text = MENTION.sub(" atmention ", text)
    return text.replace("’", "'")


def words(text: str) -> list[str]:
    """Alphabetic words in lower case, URLs and mentions excluded."""
    low = without_urls(text.lower(), " ")
    return _WORD.findall(MENTION.sub(" ", low) if "<" in low or "@" in low else low)


# What the author is not saying: ``>`` quote lines (Slack, Discord, e-mail), fenced and inline code, and a
# quotation of four or more words in straight or curly double quotes.
_QUOTE_LINE = re.compile(r"^[ \t]*(?:>|&gt;)[^\n]*", re.M)
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_QUOTATION = re.compile(r"[\"“„]([^\"“”„\n]{3,}?)[\"”]")

#: What a set-aside span is, as the note to the user names it.
SET_ASIDE_KINDS = {"quote": "quoted text", "code": "code"}


@dataclass(frozen=True, slots=True)
class Draft:
    """A cleaned draft and the part of it that is the author's own words.

    ``own`` has the same length as ``text`` (set-aside characters are spaces), so an offset found in ``own`` is
    an offset into ``text``. ``set_aside`` holds ``(start, end, kind)`` spans, kind in ``SET_ASIDE_KINDS``.
    """

    text: str
    own: str
    set_aside: list[tuple[int, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def model_text(self) -> str:
        """What the vectorisers read: the author's words, with one placeholder word per set-aside kind."""
        kinds = sorted({kind for _, _, kind in self.set_aside})
        return " ".join([self.own, *(f"setaside{kind}" for kind in kinds)]) if kinds else self.own


def set_aside(text: str) -> list[tuple[int, int, str]]:
    """Spans of ``text`` the author is quoting or showing as code, in order, not overlapping.

    A quotation counts when it holds at least four words, so scare quotes ("free") stay the author's.
    """
    spans: list[tuple[int, int, str]] = []
    for pattern, kind in ((_FENCE, "code"), (_QUOTE_LINE, "quote"), (_INLINE_CODE, "code")):
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), kind))
    for m in _QUOTATION.finditer(text):
        if len(m.group(1).split()) >= 4 and not any(s < m.end() and m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), "quote"))
    return sorted(spans)


def prepare(text: str) -> Draft:
    """``clean`` the draft and set aside quotes and code.

    When nothing but quotes and code is left, the whole draft counts as the author's (someone checking a draft
    they wrapped in quotes should still get an answer).
    """
    cleaned, notes = clean(text)
    spans = set_aside(cleaned)
    if not spans:
        return Draft(cleaned, cleaned, [], notes)
    chars = list(cleaned)
    for s, e, _ in spans:
        chars[s:e] = " " * (e - s)
    own = "".join(chars)
    if not words(own):
        return Draft(cleaned, cleaned, [], notes)
    kinds = sorted({SET_ASIDE_KINDS[k] for _, _, k in spans})
    notes = [*notes, f"I set aside the {' and '.join(kinds)}: only your own words were scored."]
    return Draft(cleaned, own, spans, notes)
