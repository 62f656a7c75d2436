"""The pitch classifier: a scikit-learn estimator plus the check that turns a probability into coaching.

``PitchModel`` follows scikit-learn's conventions: parameters in ``__init__``, learning only in ``fit``,
fitted state in attributes ending with ``_``; ``check`` and ``check_many`` are pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifier import cues, questions, signals
from classifier.features import cue_vector
from classifier.text import clean, for_model
from classifier.verdict import Flag, Verdict

#: The reason given when a draft reads as a pitch but no phrase can be pointed at.
NO_SINGLE_PHRASE = "No single phrase stands out: the draft as a whole reads like the pitches Rapport has seen."


class PitchModel(ClassifierMixin, BaseEstimator):
    """Pitch-versus-conversation classifier with calibrated probabilities.

    Labels: ``pitch`` when the pitch probability is at least ``pitch_threshold``, ``borderline`` from
    ``borderline_threshold`` up to that, ``conversation`` below.
    """

    def __init__(
        self,
        C: float = 4.0,  # noqa: N803 (scikit-learn's name)
        cue_weight: float = 0.5,
        pitch_threshold: float = 0.6,
        borderline_threshold: float = 0.35,
        word_max_features: int = 30_000,
        char_max_features: int = 60_000,
        char_ngrams: tuple[int, int] = (3, 5),
        random_state: int = 0,
    ):
        self.C = C
        self.cue_weight = cue_weight
        self.pitch_threshold = pitch_threshold
        self.borderline_threshold = borderline_threshold
        self.word_max_features = word_max_features
        self.char_max_features = char_max_features
        self.char_ngrams = char_ngrams
        self.random_state = random_state

    # -- learning -------------------------------------------------------------------------------------
    def _vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        words = TfidfVectorizer(
            preprocessor=for_model, ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=self.word_max_features
        )
        chars = TfidfVectorizer(
            preprocessor=for_model,
            analyzer="char_wb",
            ngram_range=self.char_ngrams,
            min_df=3,
            sublinear_tf=True,
            max_features=self.char_max_features,
        )
        return words, chars  # fmt: skip

    def _blocks(self, texts: Sequence[str], found: Sequence[cues.Cues]) -> list:
        """Word TF-IDF, character TF-IDF, then the cue columns (``classifier.features``) times ``cue_weight``.

        The vectorisers are called directly rather than through a ``FeatureUnion``, whose per-call overhead
        was a third of a single check's time.
        """
        rows = np.array([cue_vector(t, f) for t, f in zip(texts, found, strict=True)]) * self.cue_weight
        # Our own fitted vectorisers on plain strings: scikit-learn's input checks cannot fail here.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return [*(v.transform(texts) for v in self.vectorizers_), rows]

    def _matrix(self, texts: Sequence[str], found: Sequence[cues.Cues]) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(b) for b in self._blocks(texts, found)], format="csr")

    def fit(self, X: Sequence[str], y: Sequence[str]):  # noqa: N803
        texts = [clean(t)[0] for t in X]
        y_bin = np.array([label == "pitch" for label in y], dtype=int)
        if len(set(y_bin)) < 2:
            raise ValueError("training needs both pitch and conversation examples")
        self.vectorizers_ = self._vectorizers()
        for vectorizer in self.vectorizers_:
            vectorizer.fit(texts)
            if hasattr(vectorizer, "stop_words_"):  # introspection only, large; documented as safe to drop
                del vectorizer.stop_words_
        linear = LogisticRegression(C=self.C, solver="liblinear", max_iter=1000, random_state=self.random_state)
        self.classifier_ = CalibratedClassifierCV(linear, method="sigmoid", cv=5, ensemble=False)
        self.classifier_.fit(self._matrix(texts, [cues.find(t) for t in texts]), y_bin)
        self.classes_ = np.array(["conversation", "pitch"])
        self.sklearn_version_ = sklearn.__version__
        return self

    # -- prediction -----------------------------------------------------------------------------------
    def predict_proba(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        texts = [clean(t)[0] for t in X]
        pitch = self._pitch_probability(self._blocks(texts, [cues.find(t) for t in texts]))
        return np.column_stack([1 - pitch, pitch])

    def _pitch_probability(self, blocks: list) -> np.ndarray:
        # CalibratedClassifierCV(ensemble=False) holds one fitted linear model and one sigmoid calibrator.
        # Applying them directly gives the same numbers as its predict_proba without its per-call input
        # validation, which cost as much as the rest of a check (tests/classifier/test_model.py compares).
        # The feature blocks are multiplied by their slice of the weights, so no matrix is stacked either.
        fitted = self.classifier_.calibrated_classifiers_[0]
        coef = fitted.estimator.coef_[0]
        scores = np.full(blocks[0].shape[0], fitted.estimator.intercept_[0])
        start = 0
        for block in blocks:
            scores += block @ coef[start : start + block.shape[1]]
            start += block.shape[1]
        return fitted.calibrators[0].predict(scores)

    def label_for(self, probability: float) -> str:
        if probability >= self.pitch_threshold:
            return "pitch"
        if probability >= self.borderline_threshold:
            return "borderline"
        return "conversation"

    def predict(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        return np.array([self.label_for(p) for p in self.predict_proba(X)[:, 1]], dtype=object)

    def check(self, text: str) -> Verdict:
        """Check one draft: score, flagged phrases with reasons, open questions, a tip, signals."""
        return self.check_many([text])[0]

    def check_many(self, texts: Iterable[str]) -> list[Verdict]:
        cleaned = [clean(t) for t in texts]
        if not cleaned:
            return []
        plain = [t for t, _ in cleaned]
        found = [cues.find(t) for t in plain]
        blocks = self._blocks(plain, found)
        probabilities = self._pitch_probability(blocks)
        word_tfidf = blocks[0]
        verdicts = []
        for i, ((text, notes), f, p) in enumerate(zip(cleaned, found, probabilities, strict=True)):
            row = slice(word_tfidf.indptr[i], word_tfidf.indptr[i + 1])
            word_row = (word_tfidf.indices[row], word_tfidf.data[row])
            verdicts.append(self._verdict(text, notes, f, float(p), word_row))
        return verdicts

    def _verdict(self, text: str, notes: list[str], found: cues.Cues, probability: float, word_row: tuple) -> Verdict:
        label = self.label_for(probability)
        flags: list[Flag] = []
        notes = list(notes)
        if label != "conversation":
            flags = found.flags or self._wording_flags(text, *word_row)
            if not flags:
                notes.append(NO_SINGLE_PHRASE)
        ws = found.words
        if not ws:
            notes.append("There are no words to check here, so the score means little.")
        elif not signals.looks_english(ws):
            notes.append("This doesn't look like English; the score may be unreliable.")
        return Verdict(
            text=text,
            pitch_probability=round(probability, 4),
            label=label,
            flags=flags,
            questions=questions.suggest(text),
            tip=questions.tip(label, {f.reason for f in flags}),
            signals=signals.measure(text, found),
            notes=notes,
        )

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_word_terms", None)  # a cache derived from the vocabulary: not worth storing
        return state

    @cached_property
    def _word_terms(self) -> np.ndarray:
        """Column index -> word n-gram; derived from the fitted vocabulary on first use (not saved)."""
        return self.vectorizers_[0].get_feature_names_out()

    def _wording_flags(self, text: str, columns: np.ndarray, values: np.ndarray, limit: int = 2) -> list[Flag]:
        """When no rule fired, point at the words that pushed the model towards 'pitch'.

        ``columns`` and ``values`` are the draft's word TF-IDF row, as computed for its score.
        """
        weights = self.classifier_.calibrated_classifiers_[0].estimator.coef_[0][columns]
        contributions = sorted(zip(values * weights, columns, strict=True), reverse=True)
        flags: list[Flag] = []
        for contribution, j in contributions:
            if contribution <= 0:
                break
            term = self._word_terms[j]
            if term in ("linkurl", "atmention") or all(part in ENGLISH_STOP_WORDS for part in term.split()):
                continue
            pattern = r"\b" + r"\W+".join(re.escape(part) for part in term.split()) + r"\b"
            m = re.search(pattern, text, re.IGNORECASE)
            if m and not any(f.start < m.end() and m.start() < f.end for f in flags):
                flags.append(Flag(m.start(), m.end(), m.group(), "pitch_wording", cues.REASONS["pitch_wording"]))
            if len(flags) == limit:
                break
        return sorted(flags, key=lambda f: f.start)
