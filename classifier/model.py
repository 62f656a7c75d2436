"""The pitch classifier: a scikit-learn estimator, nothing else (coaching lives in ``classifier.coaching``).

``PitchModel`` follows scikit-learn's conventions: parameters in ``__init__``, learning only in ``fit``,
fitted state in attributes ending with ``_``, ``predict`` returning one of ``classes_``, and
``NotFittedError`` before ``fit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.utils.validation import check_is_fitted

from classifier import cues
from classifier.features import cue_vector
from classifier.text import Draft, for_model, prepare


class PitchModel(ClassifierMixin, BaseEstimator):
    """Pitch-versus-conversation classifier with calibrated probabilities.

    Features: word 1-2-gram TF-IDF, character n-gram TF-IDF within word boundaries (``char_ngrams``), and the
    cue columns of ``classifier.features`` times ``cue_weight``, all over the author's own words
    (``classifier.text.prepare`` sets quotes and code aside). A logistic regression scores them; Platt scaling
    (a sigmoid fitted on out-of-fold decision values, Platt 1999) turns scores into probabilities.

    ``classes_`` is ``["conversation", "pitch"]``; ``predict`` calls ``pitch`` at a probability of at least
    ``pitch_threshold``. ``borderline_threshold`` is used by the coaching layer only (``coaching.label_for``).
    """

    def __init__(
        self,
        C: float = 4.0,  # noqa: N803 (scikit-learn's name)
        cue_weight: float = 0.5,
        char_weight: float = 1.0,
        pitch_threshold: float = 0.6,
        borderline_threshold: float = 0.35,
        word_max_features: int = 30_000,
        char_max_features: int = 60_000,
        char_ngrams: tuple[int, int] = (3, 5),
        calibration_folds: int = 5,
        random_state: int = 0,
    ):
        self.C = C
        self.cue_weight = cue_weight
        self.char_weight = char_weight
        self.pitch_threshold = pitch_threshold
        self.borderline_threshold = borderline_threshold
        self.word_max_features = word_max_features
        self.char_max_features = char_max_features
        self.char_ngrams = char_ngrams
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    # -- features -------------------------------------------------------------------------------------
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

    def blocks(self, drafts: Sequence[Draft], found: Sequence[cues.Cues]) -> list:
        """Feature blocks for prepared drafts: word TF-IDF (sparse, n × words), character TF-IDF (sparse,
        n × chars, times ``char_weight``), cue columns (dense, n × ``len(FEATURE_NAMES)``, times ``cue_weight``).

        ``found[i]`` must be ``cues.find(drafts[i].own)``. The vectorisers are called directly rather than
        through a ``FeatureUnion``, whose per-call overhead was a third of a single check's time.
        """
        check_is_fitted(self, "vectorizers_")
        texts = [d.model_text() for d in drafts]
        rows = np.array([cue_vector(d.own, f) for d, f in zip(drafts, found, strict=True)]) * self.cue_weight
        # Our own fitted vectorisers on plain strings: scikit-learn's input checks cannot fail here.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            words, chars = (v.transform(texts) for v in self.vectorizers_)
        return [words, chars * self.char_weight, rows]

    @staticmethod
    def _stack(blocks: list) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(b) for b in blocks], format="csr")

    # -- learning -------------------------------------------------------------------------------------
    def fit(self, X: Sequence[str], y: Sequence[str], groups: Sequence[str] | None = None):  # noqa: N803
        """Learn from drafts ``X`` (strings) and labels ``y`` (``"pitch"`` or ``"conversation"``).

        ``groups`` (one writer id per draft) makes the calibration writer-held-out: the sigmoid is fitted on
        decision values from ``GroupKFold`` instead of ``StratifiedKFold``, so probabilities are calibrated
        for writers the model has not seen. Raises ``ValueError`` when ``y`` holds one class only.
        """
        drafts = [prepare(t) for t in X]
        y_bin = np.array([label == "pitch" for label in y], dtype=int)
        if len(set(y_bin)) < 2:
            raise ValueError("training needs both pitch and conversation examples")
        texts = [d.model_text() for d in drafts]
        self.vectorizers_ = self._vectorizers()
        for vectorizer in self.vectorizers_:
            vectorizer.fit(texts)
            if hasattr(vectorizer, "stop_words_"):  # introspection only, large; documented as safe to drop
                del vectorizer.stop_words_
        matrix = self._stack(self.blocks(drafts, [cues.find(d.own) for d in drafts]))
        linear = LogisticRegression(C=self.C, solver="liblinear", max_iter=1000, random_state=self.random_state)
        if groups is not None and len(set(groups)) >= self.calibration_folds:
            folds = list(GroupKFold(self.calibration_folds).split(matrix, y_bin, groups))
        else:
            folds = list(
                StratifiedKFold(self.calibration_folds, shuffle=True, random_state=self.random_state).split(
                    matrix, y_bin
                )
            )
        scores = cross_val_predict(linear, matrix, y_bin, cv=folds, method="decision_function")
        self.calibrator_ = LogisticRegression(C=1e6, solver="lbfgs").fit(scores.reshape(-1, 1), y_bin)
        self.linear_ = linear.fit(matrix, y_bin)
        self.classes_ = np.array(["conversation", "pitch"])
        self.sklearn_version_ = sklearn.__version__
        return self

    # -- prediction -----------------------------------------------------------------------------------
    def pitch_probability(self, blocks: list) -> np.ndarray:
        """Calibrated pitch probabilities (shape ``(n,)``, each in 0..1) from ``blocks(...)``.

        Equal to ``calibrator_.predict_proba(linear_.decision_function(stacked))[:, 1]`` (a test compares),
        computed block by block with public fitted attributes and without re-validating the input.
        """
        check_is_fitted(self, "calibrator_")
        coef = self.linear_.coef_[0]
        scores = np.full(blocks[0].shape[0], self.linear_.intercept_[0])
        start = 0
        for block in blocks:
            scores += block @ coef[start : start + block.shape[1]]
            start += block.shape[1]
        logit = scores * self.calibrator_.coef_[0, 0] + self.calibrator_.intercept_[0]
        return 1.0 / (1.0 + np.exp(-logit))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """Probabilities of ``classes_`` for drafts ``X``: shape ``(n, 2)``, rows sum to 1.

        Raises ``NotFittedError`` before ``fit``.
        """
        check_is_fitted(self, "calibrator_")
        drafts = [prepare(t) for t in X]
        pitch = self.pitch_probability(self.blocks(drafts, [cues.find(d.own) for d in drafts]))
        return np.column_stack([1 - pitch, pitch])

    def predict(self, X: Iterable[str]) -> np.ndarray:  # noqa: N803
        """One of ``classes_`` per draft: ``"pitch"`` at a probability of at least ``pitch_threshold``."""
        return self.classes_[(self.predict_proba(X)[:, 1] >= self.pitch_threshold).astype(int)]
