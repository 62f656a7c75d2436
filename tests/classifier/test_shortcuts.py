"""The clean-up shortcuts of a check give what the plain patterns give: links found once per lowered draft
(``text.url_spans``), emoji and markup patterns skipped when their marker character is absent, and the
self-introduction pattern skipped only when it cannot match (``phrases._may_introduce``)."""

import random
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
    "no link at all, just dots... and a colon: here",
    "so :tada: good:x: a::b: :ok_hand:: x:yy: ::zz: :Party_Parrot: 10:30:45 :+1:",
]
# One domain of each ending ``text.URL`` knows, nothing else that looks like a link.
_ENDINGS = re.search(r"\(\?:(io\|[^)]*)\)", text.URL.pattern).group(1).split("|")
_DOMAINS = [f"see ledgerly.{tld} soon" for tld in _ENDINGS]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    drafts = [e.text for e in corpus.load()][::3]  # every third draft: a third of the time, every writer
    everything = drafts + _fuzzed(drafts, 300, seed=18) + ADVERSARIAL + _soup(600, seed=18) + _MARKED + _DOMAINS
    return everything + [cues.lower(t) for t in everything] + [t.upper() for t in _MARKED]


_WORD = re.compile(r"[^\W\d_](?:[^\W_]|['’-][^\W\d_])*")  # text._WORD as first written


def _for_model_plain(t: str) -> str:
    t = text._SLACK_LINK.sub(lambda m: f" {m.group(1)} {m.group(2) or ''} ", t)
    t = text.EMOJI_CODE.sub(" ", t)
    t = unicodedata.normalize("NFKC", t).lower()
    return text.MENTION.sub(" atmention ", text.URL.sub(" linkurl ", t)).replace("’", "'")


def test_links_words_and_model_text_equal_the_plain_patterns(texts):
    for t in texts:
        low = t.lower()
        assert text.url_spans(low) == tuple(m.span() for m in text.URL.finditer(low)), t[:80]
        assert text.without_urls(low, " linkurl ") == text.URL.sub(" linkurl ", low), t[:80]
        assert text.words(t) == _WORD.findall(text.MENTION.sub(" ", text.URL.sub(" ", low))), t[:80]
        assert text.for_model(t) == _for_model_plain(t), t[:80]


def _link_soup(n: int, seed: int = 18) -> list[str]:
    """Pieces of links glued together: schemes, "www." runs, domains with and without a path, endings that only
    start a word ("abc.comx"), hyphen and digit runs, upper case, separators."""
    rng = random.Random(seed)
    bits = ["http://a.io", "https://x.co/y", "www.", "www.www.", ".io", ".com.io", "a-b.co", "-", "x", "..",
            "a.ly/b", "calendly.com/x", "HTTP://X.IO", "é", "|", ">", " ", "\n", "co", "io.me", "http", "https:/",
            "abc.comx", "9.ai", "a_b.dev", "xhttp://q", "ap.app", "<", "net.org", "z" * 70, "q-" * 40]  # fmt: skip
    return ["".join(rng.choice(bits) for _ in range(rng.randint(1, 15))) for _ in range(n)]


def test_links_are_found_where_the_link_pattern_finds_them(texts):
    for t in texts + _link_soup(5000):
        assert text.find_urls(t) == [m.span() for m in text.URL.finditer(t)], t[:80]


def test_self_introduction_is_skipped_only_when_it_cannot_match(texts):
    skipped = 0
    for t in texts:
        if not phrases._may_introduce(t):
            skipped += 1
            assert phrases._SELF_INTRO.search(t) is None, t[:80]
        assert phrases._intro_spans(t) == [m.span() for m in phrases._SELF_INTRO.finditer(t)], t[:80]
    assert skipped > len(texts) // 10  # the shortcut is taken on many drafts


def test_key_phrase_markup_is_removed_as_the_plain_pattern_removes_it(texts):
    markup = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.\w+|<[^<>]*>|:[a-z0-9_+-]+:")
    for t in texts:
        expected = markup.sub(" ", text.MENTION.sub(" ", text.URL.sub(" ", t)))
        assert phrases._plain(t) == expected, t[:80]


def test_link_test_says_no_only_when_there_is_no_link(texts):
    assert len(_DOMAINS) >= 10
    skipped = 0
    for t in texts + [d.upper() for d in _DOMAINS] + ["http://x", "www.x"]:
        if not text.may_hold_url(t):
            skipped += 1
            assert text.URL.search(t) is None, t[:80]
    assert all(text.may_hold_url(d) for d in _DOMAINS)
    assert skipped > len(texts) // 10  # the shortcut is taken on many drafts


def test_name_test_equals_the_sentence_start_definition(texts):
    checked = 0
    for t in texts[::4]:
        plain = phrases._plain(t)
        for token in set(phrases._TOKEN.findall(plain)):
            expected = token[:1].isupper() and not phrases._is_acronym(token)
            expected = expected and all(
                not phrases._at_sentence_start(plain, m.start()) for m in phrases._whole_word(token).finditer(plain)
            )
            assert phrases._is_name(token, plain) == expected, (token, plain[:80])
            checked += expected
    assert checked > 100


def test_name_after_greeting_finds_what_the_plain_pattern_finds(texts):
    plain = re.compile(
        r"\b(?i:hi|hey|hello|dear|morning|thanks|thank you|congrats),?\s+(?:(?i:dr|mr|ms|mrs|prof)\.?\s+)?"
        r"([A-Z][\w'-]+)"
    )
    cases = ["HI Sam", "hİ Sam", "ThAnK YoU Dr. Lee", "xhi Sam", "_hi Sam", "éhey Ana", "hey, Ana", "dear\tMr Bob"]
    found = 0
    for t in texts + cases:
        ours = [(m.span(), m.group(1)) for m in phrases._NAME_AFTER_GREETING.finditer(t)]
        assert ours == [(m.span(), m.group(1)) for m in plain.finditer(t)], t[:80]
        found += len(ours)
    assert found > 100


def test_ex_company_pattern_is_skipped_only_when_it_cannot_match(texts):
    from classifier import cues

    for t in [*texts, "Ex-Google PM", "ex-Stripe/Meta", "EX-Google"]:
        if "x-" not in t:
            assert cues._EX_COMPANY.search(t) is None, t[:80]
    assert cues.find("ex-Stripe PM here").counts["credential_brag"] == 1


def test_sentence_and_question_counts_equal_the_plain_patterns(texts):
    from classifier import signals

    for t in texts:
        pieces = re.split(r"[.!?\n]+", t)
        assert len(signals._SENTENCE_FROM_LETTER.findall(t)) == sum(1 for p in pieces if re.search(r"[^\W\d_]", p))
        assert cues._QUESTION.findall(t) == re.findall(r"\?+", t), t[:80]
