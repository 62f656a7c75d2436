"""Coaching: turn the model's probability into a ``Verdict`` a person can act on.

``check(model, text)`` and ``check_many(model, texts)`` are pure: the same model and draft always give the
same verdict. ``model`` is a fitted ``PitchModel`` or its ``fast.FastScorer`` (what ``store.load_checker``
gives: the same verdicts without importing scikit-learn). They use the model for the probability, the phrase
rules (``classifier.cues``) for the flags, ``classifier.questions`` for the questions and tip, and
``classifier.rewrite`` for the question-led rewrite.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from classifier import cues, fast, questions, rewrite, signals
from classifier.text import Draft, prepare
from classifier.verdict import Flag, Verdict

if TYPE_CHECKING:  # scikit-learn is imported only by a caller that brings a PitchModel
    from classifier.model import PitchModel

    Model = PitchModel | fast.FastScorer

#: The reason given when a draft reads as a pitch but no phrase can be pointed at.
NO_SINGLE_PHRASE = "No single phrase stands out: the draft as a whole reads like the pitches Rapport has seen."
#: Said instead of a score when there is too little to judge.
TOO_SHORT = "Too short to judge: add what you want to ask or say, and check again."
#: Said instead of a score when the draft is not English (the model has only seen English).
NOT_ENGLISH = "This doesn't look like English, and Rapport only reads English so far: no score this time."

# Words that carry no intent on their own (greetings, thanks, reactions): a draft of at most two words, or of
# at most six words all from this list, with no salesy phrase, is not scored (``unscored``).
_FILLER = frozenset(
    "afternoon all awesome cheers cool dear evening everyone folks friend friends gm gn good great guys haha "
    "hahaha hello hey hi hiya hola lol morning nice no nope ok okay sup sure team thank thanks there thx ty "
    "y'all yall yeah yep yes yo "
    "hope hoping you you're youre well doing best regards kind warm wishes sincerely soon take care talk later "
    "catch xoxo hugs how are is it going hows how's".split()
)
#: A ``pitch_wording`` flag needs a two-word term whose contribution to the score is at least this (logit units).
MIN_WORDING_WEIGHT = 0.35
# Words that carry feeling, not a pitch: never the content word of a wording flag.
_WEAK = frozenset(
    "love like great awesome amazing hope happy glad excited really just super quick little new best good nice "
    "want would could make get know let need see look".split()
)


def label_for(model: Model, probability: float) -> str:
    """``pitch`` at or above ``model.pitch_threshold``, ``borderline`` from ``model.borderline_threshold``,
    else ``conversation``."""
    if probability >= model.pitch_threshold:
        return "pitch"
    if probability >= model.borderline_threshold:
        return "borderline"
    return "conversation"


#: Most flags shown for one draft (a 100 KB pitch repeating one phrase would otherwise list it hundreds of times).
MAX_FLAGS = 8
_CAPITALISED = re.compile(r"\b[A-Z][a-z'-]+\b")


def too_short(draft: Draft, found: cues.Cues) -> bool:
    """True when there is nothing to judge: no salesy phrase, and either one or two words, or a note made only of
    greetings, sign-offs and names ("Hi Dana, hope you're well! Best, Sam")."""
    if found.flags:
        return False
    names = {w.lower() for w in _CAPITALISED.findall(draft.own)} - _FILLER
    content = [w for w in found.words if w not in _FILLER and w not in names]
    return len(found.words) <= 2 or (not content and len(found.words) <= 12)


def is_english(model: Model, found: cues.Cues) -> bool:
    """Whether the rules and the model can read the draft. Not when most of its letters are in another script
    (Japanese, Arabic, Cyrillic, ...). Otherwise yes when it has fewer than four words, a salesy phrase was found
    (the rules are English), the common-function-word test (``signals.looks_english``) passes, or at least half
    of its words (after Unicode normalisation) are in the model's word vocabulary."""
    ws = found.words
    letters = "".join(ws)
    # The ASCII letters counted by dropping the others in C ("ignore"), not one character at a time.
    if letters and not letters.isascii() and len(letters.encode("ascii", "ignore")) / len(letters) < 0.5:
        return False  # mostly another script (Japanese, Arabic, Cyrillic, ...)
    if len(ws) < 4 or found.flags or signals.looks_english(ws):
        return True
    vocabulary = _vocabulary(model)
    known = sum(unicodedata.normalize("NFKC", w) in vocabulary for w in ws)
    return known / len(ws) >= 0.5


# A draft that goes through every stage of a check (set-aside code, flags, wording, key phrases, a rewrite).
_WARM_UP_DRAFT = (
    "Hi Sam, loved your post on onboarding! We help teams like yours cut churn 30%. `npm i kit` > quoted\n"
    "Book a 15-min demo this week? Our seed round closed, and our onboarding platform ships Friday."
)


def warm_up(model: Model) -> None:
    """Build, once per process, what the first check would otherwise build (the fast path, the word terms,
    the key-phrase extractor's tables, compiled patterns), so the first user's check is as quick as the next."""
    fast.scorer(model)
    _word_terms(model)
    check(model, _WARM_UP_DRAFT)


def check(model: Model, text: str) -> Verdict:
    """Check one draft: score, label, flagged phrases with reasons, open questions, a tip, a rewrite.

    Raises ``TypeError`` when ``text`` is not a string.
    """
    return check_many(model, [text])[0]


def check_many(model: Model, texts: Iterable[str], *, reference: bool = False) -> list[Verdict]:
    """``check`` for many drafts at once; same verdicts, in order.

    The probability comes from the fast path (``classifier.fast``, built from the fitted model once);
    ``reference=True`` computes it with the scikit-learn objects instead (one matrix product for all drafts),
    which the parity test compares against (a ``PitchModel`` only). Raises ``TypeError`` for a single string
    (pass a list), a draft that is not a string, or ``reference=True`` with a ``FastScorer``.
    """
    if isinstance(texts, str):
        raise TypeError("check_many takes a list of drafts, not one string: use check(model, text)")
    if reference and isinstance(model, fast.FastScorer):
        raise TypeError("reference=True needs the scikit-learn PitchModel, not its FastScorer")
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"a draft must be a string, not {type(text).__name__}")
    drafts = [prepare(t) for t in texts]
    if not drafts:
        return []
    found = [cues.find(d.own) for d in drafts]
    scorer = None if reference else fast.scorer(model)
    if scorer is not None:
        probabilities, word_rows = scorer.score(drafts, found)
    else:
        probabilities, word_rows = _reference_scores(model, drafts, found)
    return [
        _verdict(model, draft, f, float(p), row)
        for draft, f, p, row in zip(drafts, found, probabilities, word_rows, strict=True)
    ]


def _reference_scores(model: PitchModel, drafts: list[Draft], found: list[cues.Cues]) -> tuple[np.ndarray, list]:
    """Probabilities and word TF-IDF rows ``(columns, values)`` through the scikit-learn objects."""
    blocks = model.blocks(drafts, found)
    word_tfidf = blocks[0].tocsr()
    rows = [
        (word_tfidf.indices[word_tfidf.indptr[i] : word_tfidf.indptr[i + 1]],
         word_tfidf.data[word_tfidf.indptr[i] : word_tfidf.indptr[i + 1]])
        for i in range(len(drafts))
    ]  # fmt: skip
    return model.pitch_probability(blocks), rows


def _verdict(model: Model, draft: Draft, found: cues.Cues, probability: float, word_row: tuple) -> Verdict:
    text = draft.text
    notes = list(draft.notes)
    ws = found.words
    english = is_english(model, found)
    label = "unscored" if too_short(draft, found) or not english else label_for(model, probability)
    flags: list[Flag] = []
    if label in ("pitch", "borderline"):
        # Rules ran on the author's own words (quotes and code blanked, offsets kept): quote the draft itself.
        seen: set[tuple[str, str]] = set()
        for f in found.flags:
            key = (" ".join(text[f.start : f.end].lower().split()), f.reason)
            if key not in seen and len(flags) < MAX_FLAGS:
                seen.add(key)
                flags.append(Flag(f.start, f.end, text[f.start : f.end], f.reason, f.why))
        flags = flags or _wording_flags(model, draft.own, *word_row)
        if not flags:
            notes.append(NO_SINGLE_PHRASE)
    if not ws:
        notes.append("There are no words to check here.")
    elif not english:
        notes.append(NOT_ENGLISH)
    elif label == "unscored":
        notes.append(TOO_SHORT)
    # Key phrases of a language the rules do not read, or of a draft too short to judge, make nonsense questions:
    # ask the general ones.
    plain = questions.Reading(draft.own, "catch_up", (), False)
    reading = questions.read(draft.own, found, label) if english and label != "unscored" else plain
    intent = questions.effective_intent(reading, label)
    suggested = questions.suggest(reading, label)
    return Verdict(
        text=text,
        pitch_probability=round(probability, 4),
        label=label,
        flags=flags,
        questions=suggested,
        tip=questions.tip(label, {f.reason for f in flags}, reading if english else None, english=english),
        signals=signals.measure(text, found),
        notes=notes,
        intent=intent,
        rewrite=rewrite.rewrite(draft, flags, suggested[0]) if label in ("pitch", "borderline") else None,
    )


def _vocabulary(model: Model) -> dict:
    """The word vectoriser's fitted vocabulary (term -> column)."""
    return model.word_vocab if isinstance(model, fast.FastScorer) else model.vectorizers_[0].vocabulary_


@lru_cache(maxsize=8)
def _word_terms(model: Model) -> list[str]:
    """Column index -> word n-gram of ``model``'s fitted vocabulary (derived once per model, never saved).

    The same terms as ``get_feature_names_out()``, built straight from ``vocabulary_`` (a hundred times faster).
    """
    vocabulary = _vocabulary(model)
    terms = [""] * len(vocabulary)
    for term, j in vocabulary.items():
        terms[j] = term
    return terms


def _wording_flags(model: Model, own: str, columns: np.ndarray, values: np.ndarray, limit: int = 2) -> list[Flag]:
    """When no rule fired, point at content phrases that pushed the model towards 'pitch'.

    ``columns`` and ``values`` are the draft's word TF-IDF row, as computed for its score. Only phrases whose
    contribution is at least ``MIN_WORDING_WEIGHT``, that are two words long and that hold a content word (not a
    stop word, greeting, filler or feeling word, three letters or more) are flagged: a lone "hi" or "love" is
    never pointed at.
    """
    scorer = fast.scorer(model)
    if scorer is not None:
        weights, stop_words = scorer.word_coef[columns], scorer.stop_words
    else:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        weights, stop_words = model.linear_.coef_[0][columns], ENGLISH_STOP_WORDS
    contributions = sorted(zip(values * weights, columns, strict=True), reverse=True)
    terms = _word_terms(model)
    flags: list[Flag] = []
    for contribution, j in contributions:
        if contribution < MIN_WORDING_WEIGHT:
            break
        term = terms[j]
        parts = term.split()
        content = [p for p in parts if p not in stop_words and p not in _FILLER | _WEAK and len(p) >= 3]
        if len(parts) < 2 or "linkurl" in parts or "atmention" in parts or term.startswith("setaside") or not content:
            continue
        pattern = r"\b" + r"\W+".join(re.escape(part) for part in parts) + r"\b"
        m = re.search(pattern, own, re.IGNORECASE)
        if m and not any(f.start < m.end() and m.start() < f.end for f in flags):
            flags.append(Flag(m.start(), m.end(), m.group(), "pitch_wording", cues.REASONS["pitch_wording"]))
        if len(flags) == limit:
            break
    return sorted(flags, key=lambda f: f.start)
