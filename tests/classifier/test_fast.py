"""Parity: the fast path (``classifier.fast``) and the scikit-learn objects give the same probabilities (within
1e-12) and the same verdicts, on the whole corpus and on fuzzed and adversarial drafts."""

import random

import numpy as np
import pytest

from classifier import check_many, corpus, cues, fast
from classifier.coaching import _reference_scores
from classifier.text import CACHED_WORD_LENGTH, MAX_CHARS, prepare

ADVERSARIAL = [
    "",
    " ",
    "\n\n\t  \n",
    "\x00\x01\x02\x1f\x7f",  # control characters only: empty after cleaning
    ":smile: :tada: <:party:12345> <t:1700000000:R>",  # only emoji codes: empty after normalisation
    "<@U123ABC> <#C999|general> <!here>",
    "😀🎉🚀 🔥🔥🔥 ❤️",
    "Ｆｕｌｌｗｉｄｔｈ ＮＦＫＣ ｔｅｘｔ ﬁ ligature",
    "İstanbul ß straße ǅ Ω Åström – “curly” ‘quotes’ don’t",
    "Привет! Как дела? 你好，最近怎么样？ مرحبا كيف حالك",
    "```python\nprint('buy now 50% off')\n```",
    "> We help brands like yours 3x ROAS\n> free audit this week only!",
    '"this is a long quotation of several words" what do you think of it?',
    "`inline code` and a sign up here link https://x.io/signup?ref=a_b",
    "a" * 45_000,
    ("Book a 15-min demo this week only! 50% off, sign up now. " * 800)[: MAX_CHARS + 500],
    " ".join(["supercalifragilisticexpialidocious"] * 300),
    "x y z a b c 1 2 3 ! ? . , ; :",
    "We we we we our our us me my mine I I I I.",
    "\u200b\u200c\u200d\ufeff hi \u2028\u2029 there",
    "We help companies \ud83d like yours cut costs. Book a demo?",  # lone surrogates: an emoji cut in half
    "\udc00\udfff how was the \ud800 launch?",
]


def _fuzzed(texts: list[str], n: int, seed: int = 18) -> list[str]:
    """Drafts made by splicing corpus drafts with odd characters, markup, code and quotes."""
    rng = random.Random(seed)
    pieces = ["😀", "🚀", "é", "ß", "İ", "\t", "\n", "  ", "```", "`", "> ", '"', "“", "”", "’", ":tada:",
              "<@U1>", "https://a.io/x", "www.b.com", "!!!", "???", "$99/mo", "50%", "\x00", "\u200b", "ﬁ"]  # fmt: skip
    out = []
    for _ in range(n):
        words = " ".join(rng.sample(texts, 2)).split(" ")
        for _ in range(rng.randint(1, 8)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(pieces))
        out.append((" " if rng.random() < 0.7 else "").join(words))
    return out


@pytest.fixture(scope="module")
def drafts() -> list[str]:
    texts = [e.text for e in corpus.load()]
    # Every other draft (every writer, half the time: the suite stays fast); all the fuzz and adversarial ones.
    return texts[::2] + _fuzzed(texts, 1500) + ADVERSARIAL


def test_fast_probabilities_equal_the_scikit_learn_ones(model, drafts):
    prepared = [prepare(t) for t in drafts]
    found = [cues.find(d.own) for d in prepared]
    scorer = fast.scorer(model)
    assert scorer is not None
    quick, quick_rows = scorer.score(prepared, found)
    exact, exact_rows = _reference_scores(model, prepared, found)
    assert np.max(np.abs(quick - exact)) <= 1e-12
    for (qi, qv), (ei, ev) in zip(quick_rows, exact_rows, strict=True):
        assert np.array_equal(qi, ei)
        assert np.max(np.abs(qv - ev), initial=0.0) <= 1e-12


def test_whole_draft_tokenising_equals_the_chunked_one(model, drafts):
    """The fast path tokenises chunk by chunk (cached) for the default token pattern, else the whole draft at
    once (``FastScorer.chunked``): both give the same rows and probabilities."""
    sample = drafts[::4] + ADVERSARIAL
    prepared = [prepare(t) for t in sample]
    found = [cues.find(d.own) for d in prepared]
    chunked = fast.FastScorer(fast.scorer(model).state)
    whole = fast.FastScorer(fast.scorer(model).state)
    whole.chunked = False
    assert chunked.chunked
    (p, rows), (q, whole_rows) = chunked.score(prepared, found), whole.score(prepared, found)
    assert np.array_equal(p, q)
    for (ci, cv), (wi, wv) in zip(rows, whole_rows, strict=True):
        assert np.array_equal(ci, wi) and np.array_equal(cv, wv)


def test_a_drafts_score_does_not_depend_on_the_drafts_scored_with_it(model, drafts, monkeypatch):
    """The fast path scores a chunk of drafts with whole-chunk array operations: each draft's probability and
    word row must be bitwise what it gets alone (``check`` and ``check_many`` give the same verdicts), and a
    long list is scored ``SCORE_CHUNK`` drafts at a time (memory does not grow with it)."""
    sample = drafts[::16] + ADVERSARIAL
    prepared = [prepare(t) for t in sample]
    found = [cues.find(d.own) for d in prepared]
    scorer = fast.scorer(model)
    sizes = []
    score_chunk = fast.FastScorer._score_chunk

    def spied(self, chunk, chunk_found):
        sizes.append(len(chunk))
        return score_chunk(self, chunk, chunk_found)

    monkeypatch.setattr(fast, "SCORE_CHUNK", 50)
    monkeypatch.setattr(fast.FastScorer, "_score_chunk", spied)
    together, rows = scorer.score(prepared, found)
    assert max(sizes) == 50 and sum(sizes) == len(sample)
    for k, (d, f) in enumerate(zip(prepared, found, strict=True)):
        alone, (row,) = scorer.score([d], [f])
        assert alone[0] == together[k], sample[k][:80]
        assert np.array_equal(row[0], rows[k][0]) and np.array_equal(row[1], rows[k][1])


def test_fast_verdicts_are_the_scikit_learn_verdicts(model, drafts):
    sample = drafts[::8] + ADVERSARIAL
    assert check_many(model, sample) == check_many(model, sample, reference=True)


def test_the_scorer_is_rebuilt_after_set_params(model):
    first = fast.scorer(model)
    assert fast.scorer(model) is first
    clone = type(model)(**model.get_params())
    clone.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
    clone.set_params(char_weight=2.0)
    text = "We help teams like yours streamline onboarding; book a demo this week?"
    assert check_many(clone, [text])[0] == check_many(clone, [text], reference=True)[0]
    assert fast.scorer(clone).char_weight == 2.0


def test_word_terms_are_the_vectorisers_feature_names(model):
    from classifier.coaching import _word_terms

    assert list(_word_terms(model)) == list(model.vectorizers_[0].get_feature_names_out())


def test_reading_a_model_builds_its_fast_path_and_word_terms(tmp_path, model):
    from classifier import store
    from classifier.coaching import _word_terms

    path = tmp_path / "m.joblib"
    store.save(model, path)
    before = _word_terms.cache_info().misses
    fresh = store.read(path)
    assert fresh in fast._built and fast._built[fresh][1] is not None
    assert _word_terms.cache_info().misses == before + 1
    _word_terms(fresh)
    assert _word_terms.cache_info().misses == before + 1  # already built at load


def test_the_shipped_fast_model_equals_the_scikit_learn_model(model, drafts):
    """``models/pitch.fast`` (what ``rapport check`` loads) gives the scikit-learn objects' probabilities and
    verdicts."""
    from classifier import store

    shipped, _source = fast.read(store.fast_path(store.shipped_model_path()))
    prepared = [prepare(t) for t in drafts]
    found = [cues.find(d.own) for d in prepared]
    quick, _rows = shipped.score(prepared, found)
    exact, _rows = _reference_scores(model, prepared, found)
    assert np.max(np.abs(quick - exact)) <= 1e-12
    assert np.allclose(shipped.predict_proba(drafts[:50]), model.predict_proba(drafts[:50]), rtol=0, atol=1e-12)
    sample = drafts[::8] + ADVERSARIAL
    assert check_many(shipped, sample) == check_many(model, sample, reference=True)


def test_n_gram_slicers_are_kept_only_for_words_of_ordinary_length(model):
    # A slicer holds one slice per n-gram: kept for every length of a 40,000-character word, memory would grow
    # with each new length an attacker sends.
    scorer = fast.FastScorer(fast.scorer(model).state)
    long_words = [("x" * n + "y") for n in range(100, 130)]
    prepared = [prepare(w) for w in long_words] + [prepare("ordinary words here, ok")]
    scorer.score(prepared, [cues.find(d.own) for d in prepared])
    assert scorer._gram_getters and max(scorer._gram_getters) <= fast.GRAM_GETTER_LENGTH  # "ok": a short word
    assert scorer._span_getters and max(map(max, scorer._span_getters)) <= fast.GRAM_GETTER_LENGTH
    assert (
        scorer.score(prepared[:1], [cues.find(prepared[0].own)])[0][0]
        == fast.scorer(model).score(prepared[:1], [cues.find(prepared[0].own)])[0][0]
    )


def test_only_words_of_ordinary_length_are_cached(model):
    from classifier import signals

    scorer = fast.FastScorer(fast.scorer(model).state)
    texts = ["x" * 5000 + " and a few words", "y" * 70 + " more words", "z" * 20 + " here"]
    prepared = [prepare(t) for t in texts]
    scorer.score(prepared, [cues.find(d.own) for d in prepared])
    for cache in (scorer._chunk_cache, scorer._open_cache, scorer._closing_cache):
        assert cache and max(map(len, cache)) <= CACHED_WORD_LENGTH
    assert "z" * 20 in scorer._chunk_cache and "z" * 20 in scorer._open_cache
    signals.syllables(["q" * 5000, "word"])
    assert "q" * 5000 not in signals._SYLLABLES and "word" in signals._SYLLABLES


_WORDS = ["hello", "hello,", "hello!!", "(hello", "hello...", "hi.", "ok", "x", ",,,,", "a....", "ab.", "abcd",
          "x" * 70 + "!", "héllo…", "’tis", "emoji🎉", "10x.", "e-mail:", "it's", "calendly.com/x?",
          "pre-order!"]  # fmt: skip


def test_a_words_char_columns_are_the_columns_of_scikit_learns_n_grams(model):
    scorer = fast.FastScorer(fast.scorer(model).state)
    chars = model.vectorizers_[1]
    analyse = chars.build_analyzer()
    for word in _WORDS + [w.upper().lower() for w in _WORDS]:
        expected = sorted(chars.vocabulary_[g] for g in analyse(word) if g in chars.vocabulary_)
        chunks = scorer.char_preprocess(word).split()  # as the scorer reads it: "héllo…" is "héllo..."
        for _ in range(2):  # computed, then from the caches
            ours = b"".join(scorer._char_columns_of(chunk) for chunk in chunks)
            assert sorted(np.frombuffer(ours, dtype=np.intp)) == expected, word


def test_the_head_table_holds_each_vocabulary_words_open_n_grams(model):
    scorer = fast.scorer(model)
    words = [t for t in model.vectorizers_[0].vocabulary_ if " " not in t]
    assert sorted(scorer.head_columns) == sorted(words)
    for word in words[::50]:
        assert scorer.head_columns[word] == fast.open_columns(word, scorer.char_vocab, scorer.char_ngrams)
