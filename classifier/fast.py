"""The fast path: the fitted ``PitchModel``'s probability without scikit-learn's per-call machinery.

``scorer(model)`` builds (once per fitted model) a ``FastScorer`` from the model's public fitted attributes:
the vectorisers' ``vocabulary_`` and ``idf_``, ``linear_.coef_`` and the Platt ``calibrator_``. It computes what
``model.pitch_probability(model.blocks(drafts, found))`` computes (word and character TF-IDF, the cue columns,
the linear score, the sigmoid) with plain dictionaries and small numpy arrays: no input validation, no sparse
matrices, and each word's character n-grams looked up once and cached. The scikit-learn objects stay the
source of truth; ``tests/classifier/test_fast.py`` holds the two paths equal within 1e-12 on the corpus and on
fuzzed and adversarial text.

Vectoriser settings the fast path does not reproduce (a custom tokenizer, stop words, binary counts, a norm
other than l2, ...) make ``scorer`` return ``None``, and callers use the scikit-learn path.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from classifier import cues
from classifier.features import cue_vector
from classifier.text import Draft

#: Words whose character n-gram columns are kept, per scorer; beyond it the cache is cleared and refilled.
CHAR_CACHE_WORDS = 200_000


def _supported(v, analyzer: str) -> bool:
    return (
        v.analyzer == analyzer
        and v.input == "content"
        and v.preprocessor is not None
        and v.tokenizer is None
        and v.stop_words is None
        and not v.binary
        and v.norm == "l2"
        and v.use_idf
        and np.dtype(v.dtype) == np.float64
        and v.ngram_range[0] >= 1
    )


def _int_valued(vocabulary: dict) -> dict[str, int]:
    """``vocabulary`` itself when its values are Python ints (a model read by ``classifier.store``), else a copy
    with ``int`` values (``numpy.int64`` keys a numpy array just as well, but is slower to fetch)."""
    if all(type(j) is int for j in vocabulary.values()):
        return vocabulary
    return {term: int(j) for term, j in vocabulary.items()}


class FastScorer:
    """Pitch probabilities for prepared drafts, equal to the fitted ``PitchModel``'s (see the module docstring).

    Build it with ``scorer(model)``; ``score(drafts, found)`` returns ``(probabilities, word_rows)``.
    """

    def __init__(self, model) -> None:
        words, chars = model.vectorizers_
        self.preprocess = words.preprocessor
        self.char_preprocess = chars.preprocessor
        self.token = re.compile(words.token_pattern)
        self.word_ngrams = tuple(words.ngram_range)
        self.char_ngrams = tuple(chars.ngram_range)
        self.word_vocab, self.char_vocab = _int_valued(words.vocabulary_), _int_valued(chars.vocabulary_)
        self.word_sublinear, self.char_sublinear = words.sublinear_tf, chars.sublinear_tf
        self.word_idf = np.asarray(words.idf_, dtype=np.float64)
        self.char_idf = np.asarray(chars.idf_, dtype=np.float64)
        coef = np.asarray(model.linear_.coef_[0], dtype=np.float64)
        n_words, n_chars = len(self.word_idf), len(self.char_idf)
        self.word_coef = coef[:n_words]
        self.char_coef = coef[n_words : n_words + n_chars]
        self.cue_coef = coef[n_words + n_chars :]
        self.intercept = float(model.linear_.intercept_[0])
        self.platt = (float(model.calibrator_.coef_[0, 0]), float(model.calibrator_.intercept_[0]))
        self.char_weight, self.cue_weight = float(model.char_weight), float(model.cue_weight)
        self._char_cache: dict[str, np.ndarray] = {}
        self._empty = np.zeros(0, dtype=np.intp)

    # -- vectorising ----------------------------------------------------------------------------------
    def _word_columns(self, normalised: str) -> list[int]:
        tokens = self.token.findall(normalised)
        lo, hi = self.word_ngrams
        vocab = self.word_vocab
        columns = []
        for n in range(lo, min(hi, len(tokens)) + 1):
            grams = tokens if n == 1 else [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            columns += [j for g in grams if (j := vocab.get(g)) is not None]
        return columns

    def _char_columns_of(self, word: str) -> np.ndarray:
        """Column ids of one word's in-vocabulary char_wb n-grams, repeats kept (scikit-learn's ``_char_wb_ngrams``)."""
        w = " " + word + " "
        lo, hi = self.char_ngrams
        vocab = self.char_vocab
        grams = []
        for n in range(lo, hi + 1):
            if len(w) <= n:  # a short word counts once, whole
                grams.append(w)
                break
            grams += [w[i : i + n] for i in range(len(w) - n + 1)]
        return np.array([j for g in grams if (j := vocab.get(g)) is not None], dtype=np.intp)

    def _char_columns(self, text: str) -> np.ndarray:
        cache = self._char_cache
        parts = []
        for word in text.split():
            columns = cache.get(word)
            if columns is None:
                if len(cache) >= CHAR_CACHE_WORDS:
                    cache.clear()
                columns = cache[word] = self._char_columns_of(word)
            parts.append(columns)
        return np.concatenate(parts) if parts else self._empty

    @staticmethod
    def _tfidf(columns, idf: np.ndarray, sublinear: bool) -> tuple[np.ndarray, np.ndarray]:
        """One l2-normalised TF-IDF row as (sorted column ids, values), like ``TfidfTransformer.transform``."""
        index, counts = np.unique(np.asarray(columns, dtype=np.intp), return_counts=True)
        values = counts.astype(np.float64)
        if sublinear:
            np.log(values, out=values)
            values += 1.0
        values *= idf[index]
        norm = math.sqrt(float(values @ values))
        if norm > 0.0:
            values /= norm
        return index, values

    # -- scoring --------------------------------------------------------------------------------------
    def score(self, drafts: Sequence[Draft], found: Sequence[cues.Cues]) -> tuple[np.ndarray, list[tuple]]:
        """Pitch probabilities (shape ``(n,)``) and each draft's word TF-IDF row ``(columns, values)``.

        ``found[i]`` must be ``cues.find(drafts[i].own)``, as for ``PitchModel.blocks``.
        """
        probabilities = np.empty(len(drafts))
        rows = []
        a, b = self.platt
        same = self.preprocess is self.char_preprocess  # both vectorisers read ``for_model(text)``: do it once
        for i, (draft, f) in enumerate(zip(drafts, found, strict=True)):
            text = draft.model_text()
            normalised = self.preprocess(text)
            w_index, w_values = self._tfidf(self._word_columns(normalised), self.word_idf, self.word_sublinear)
            chars = self._char_columns(normalised if same else self.char_preprocess(text))
            c_index, c_values = self._tfidf(chars, self.char_idf, self.char_sublinear)
            cue_row = np.array(cue_vector(draft.own, f)) * self.cue_weight
            score = self.intercept + w_values @ self.word_coef[w_index]
            score += (c_values * self.char_weight) @ self.char_coef[c_index]
            score += cue_row @ self.cue_coef
            probabilities[i] = 1.0 / (1.0 + np.exp(-(score * a + b)))
            rows.append((w_index, w_values))
        return probabilities, rows


_built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def scorer(model) -> FastScorer | None:
    """The ``FastScorer`` of a fitted ``model``, built on first use and rebuilt after a refit or ``set_params``;
    ``None`` when the model's vectorisers use settings the fast path does not reproduce. Raises scikit-learn's
    ``NotFittedError`` before ``fit``."""
    check_is_fitted(model, "calibrator_")
    key = (model.linear_, model.calibrator_, model.vectorizers_, model.char_weight, model.cue_weight)
    entry = _built.get(model)
    if entry is not None and all(a is b or a == b for a, b in zip(entry[0], key, strict=True)):
        return entry[1]
    words, chars = model.vectorizers_
    fast = FastScorer(model) if _supported(words, "word") and _supported(chars, "char_wb") else None
    _built[model] = (key, fast)
    return fast
