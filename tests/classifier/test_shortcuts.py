"""The clean-up shortcuts of a check give what the plain patterns give: links found once per lowered draft
(``text.url_spans``), emoji and markup patterns skipped when their marker character is absent, and the
self-introduction pattern skipped only when it cannot match (``phrases._may_introduce``)."""

import re
import unicodedata

import pytest

from classifier import corpus, cues, phrases, text
from tests.classifier.test_fast import ADVERSARIAL, _fuzzed
from tests.classifier.test_scan import _soup

_MARKED = [
    "see https://x.io/a|b and www.Ledgerly.com, ledgerly.io/pricing <https://y.dev|docs> @here <@U123|sam>",
    "mail sam@ledgerly.io :tada: <:party:123> <t:1700000000:R> <b>bold</b> a:b: ::",
    "I AM here. WE'RE a team, THIS IS Sam. my NAME is Ana! i run ops, I'M part of it",
    "thiſ is ſam, I aM kelvin: \u212a; İ'm here, ı am, WE ARE",
    "nothing to see here",
    "Thiſ is Sam from Ledgerly",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    drafts = [e.text for e in corpus.load()][::3]  # every third draft: a third of the time, every writer
    everything = drafts + _fuzzed(drafts, 300, seed=18) + ADVERSARIAL + _soup(600, seed=18) + _MARKED
    return everything + [cues.lower(t) for t in everything] + [t.upper() for t in _MARKED]


def _for_model_plain(t: str) -> str:
    t = text._SLACK_LINK.sub(lambda m: f" {m.group(1)} {m.group(2) or ''} ", t)
    t = text.EMOJI_CODE.sub(" ", t)
    t = unicodedata.normalize("NFKC", t).lower()
    return text.MENTION.sub(" atmention ", text.URL.sub(" linkurl ", t)).replace("’", "'")


def test_links_words_and_model_text_equal_the_plain_patterns(texts):
    for t in texts:
        low = t.lower()
        assert text.url_spans(low) == tuple(m.span() for m in text.URL.finditer(low)), t[:80]
        assert text._without_urls(low, " linkurl ") == text.URL.sub(" linkurl ", low), t[:80]
        assert text.words(t) == text._WORD.findall(text.MENTION.sub(" ", text.URL.sub(" ", low))), t[:80]
        assert text.for_model(t) == _for_model_plain(t), t[:80]


def test_self_introduction_is_skipped_only_when_it_cannot_match(texts):
    skipped = 0
    for t in texts:
        if not phrases._may_introduce(t):
            skipped += 1
            assert phrases._SELF_INTRO.search(t) is None, t[:80]
    assert skipped > len(texts) // 10  # the shortcut is taken on many drafts


def test_key_phrase_markup_is_removed_as_the_plain_pattern_removes_it(texts):
    markup = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.\w+|<[^<>]*>|:[a-z0-9_+-]+:")
    for t in texts:
        expected = markup.sub(" ", text.MENTION.sub(" ", text.URL.sub(" ", t)))
        assert phrases._plain(t) == expected, t[:80]
