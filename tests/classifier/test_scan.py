"""Parity: ``classifier.scan.Alternation`` (the phrase rules' fast matcher) finds exactly what ``re`` finds, and
checks built on it give exactly the verdicts (probabilities, flags, questions, rewrite) that plain ``re`` gives,
on the corpus and on fuzzed and adversarial text."""

import random

import pytest

from classifier import check_many, corpus, cues, questions, scan
from tests.classifier.test_fast import ADVERSARIAL, _fuzzed


def _alternations() -> dict[str, scan.Alternation]:
    found = {f"cues.{reason}": a for reason, a in cues._COMPILED.items()}
    found |= {f"intent.{name}": a for name, a in questions._INTENT_RE}
    found |= {
        "cues.meeting_words": cues._MEETING_WORDS,
        "cues.asks_their_view": cues._ASKS_THEIR_VIEW,
        "cues.first_person": cues._FIRST_PERSON,
        "cues.second_person": cues._SECOND_PERSON,
    }
    return found


def _soup(n: int, seed: int = 7) -> list[str]:
    """Word fragments of the rules glued to letters, digits, "_", apostrophes and accents: every ``\\b`` edge."""
    rng = random.Random(seed)
    words = ["book a demo", "sign up", "bump", "congrats", "hiring", "you", "i'm", "we", "our", "free trial",
             "50% off", "$99", "ex-Google", "join us", "demo", "15-min", "calendly.com/x", "what do you"]  # fmt: skip
    glue = ["", " ", "_", "x", "é", "1", "'", "-", ".", "\n", "?", "İ", "😀"]
    return [
        "".join(rng.choice(glue) + rng.choice(words) + rng.choice(glue) for _ in range(rng.randint(1, 12)))
        for _ in range(n)
    ]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    drafts = [e.text for e in corpus.load()]
    # Every third draft (every writer, a third of the time: the suite stays fast); all the fuzz and edge cases.
    everything = drafts[::3] + _fuzzed(drafts, 800, seed=1818) + ADVERSARIAL + _soup(3000)
    return everything + [cues.lower(t) for t in everything]


def test_every_rule_matches_what_re_matches(texts):
    for name, shipped in _alternations().items():
        # Both ways of splitting a rule: the one it ships with (on every text) and the other one (every 4th).
        other = scan.Alternation(shipped.reference.pattern, fine=not shipped.fine)
        for alternation, text in [(shipped, t) for t in texts] + [(other, t) for t in texts[::4]]:
            ours = [m.span() for m in alternation.finditer(text)]
            assert ours == [m.span() for m in alternation.reference.finditer(text)], (name, text[:80])
            assert alternation.search(text) == (alternation.reference.search(text) is not None), (name, text[:80])
            assert alternation.count(text) == len(ours)


@pytest.mark.parametrize(
    ("pattern", "text", "spans"),
    [
        (r"\bbook\b", "book abook book_ _book booking book", [(0, 4), (31, 35)]),
        (r"\b(?:demo|[123]0[- ]?min)\b", "x30 min 30-min demos demo", [(8, 14), (21, 25)]),
        (r"\bbump\w*|\bbumper", "ébump bump bumper", [(6, 10), (11, 17)]),
        (r"\b(?:a|ab)c", "abc ac", [(0, 3), (4, 6)]),
        # An optional group spread over what follows; a class (with word and non-word characters) at the start.
        (
            r"\b(?:over )?[\d,]+ clients\b",
            "over 5 clients, x5 clients,1,000 clients a,5 clients",
            [(0, 14), (26, 40), (42, 52)],
        ),
        (r"\b(?:i |we )?(?:really )?love it", "i really love it; we love it, xlove it", [(0, 16), (18, 28)]),
        (r"\b(?:really )??love", "really love", [(0, 11)]),
        (r"\b(?:ab)?a", "aba", [(0, 3)]),  # both branches start at 0: the order decides
        (r"\b(?:ab)??a", "aba ab", [(0, 1), (4, 5)]),
        (r"\b[123]0[- ]?min\b", "10 min x20-min 30min 40 min", [(0, 6), (15, 20)]),
        (r"\bsave \d++ ?%|\b\d++%", "save 20 % 5% x5%", [(0, 9), (10, 12)]),
    ],
)
def test_word_boundaries_hold_after_the_rewrite(pattern, text, spans):
    for fine in (False, True):
        alternation = scan.Alternation(pattern, fine=fine)
        assert [m.span() for m in alternation.reference.finditer(text)] == spans  # the case itself is right
        assert [m.span() for m in alternation.finditer(text)] == spans, fine


def test_patterns_it_cannot_keep_exact_are_refused():
    with pytest.raises(ValueError, match="capturing groups"):
        scan.Alternation(r"\b(book) a call")
    with pytest.raises(ValueError, match="empty"):
        scan.Alternation(r"\bbook|x*")


def test_verdicts_equal_the_verdicts_of_plain_re(model, texts, monkeypatch):
    sample = texts[: len(texts) // 2 : 5] + ADVERSARIAL
    fast_verdicts = check_many(model, sample)
    monkeypatch.setattr(scan.Alternation, "finditer", lambda self, text, pos=0: self.reference.finditer(text, pos))
    monkeypatch.setattr(scan.Alternation, "search", lambda self, text: self.reference.search(text) is not None)
    monkeypatch.setattr(scan.Alternation, "count", lambda self, text: len(self.reference.findall(text)))
    assert fast_verdicts == check_many(model, sample)


def test_the_shared_literals_found_are_those_in_the_text(texts):
    literals = scan.SHARED._literals
    assert len(literals) > 100  # the rules' literals, registered at import
    for text in texts[::3]:
        assert scan.SHARED.found(text) == {literal for literal in literals if literal in text}, text[:80]


def test_literals_of_a_new_alternation_are_found_too():
    group = scan.Literals()
    scan.Alternation(r"\bbook a (?:call|demo)\b", literals=group)
    assert group.found("please book a demo") == {"book a ", "demo"}  # each set: "book a ", and "call" or "demo"
    scan.Alternation(r"\bdemo day\b", literals=group)  # registered after a search: the automaton is rebuilt
    assert group.found("please book a demo day") == {"book a ", "demo", "demo day"}
    assert scan.Literals().found("anything") == frozenset()
