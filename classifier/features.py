"""Interpretable cue features for the model, computed from the same rules as the flags."""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifier import cues
from classifier.text import words

#: Names of the columns ``CueFeatures`` produces, in order.
FEATURE_NAMES: tuple[str, ...] = (
    *(f"count_{reason}" for reason in cues.REASONS if reason != "pitch_wording"),
    "questions",
    "you_share",
    "first_person_rate",
    "second_person_rate",
    "log_words",
    "exclamations",
)


def cue_vector(text: str, found: cues.Cues | None = None) -> list[float]:
    """One row of cue features; pass ``found`` to reuse a ``cues.find`` result."""
    c = found if found is not None else cues.find(text)
    n_words = max(1, len(words(text)))
    row = [min(c.counts[r], 3) / 3 for r in cues.REASONS if r != "pitch_wording"]
    people = c.first_person + c.second_person
    row += [
        min(c.questions, 4) / 4,
        c.second_person / people if people else 0.5,
        min(1.0, 5 * c.first_person / n_words),
        min(1.0, 5 * c.second_person / n_words),
        math.log1p(n_words) / math.log1p(200),
        min(text.count("!"), 4) / 4,
    ]
    return row


class CueFeatures(TransformerMixin, BaseEstimator):
    """Stateless transformer: texts -> dense matrix of cue features (see ``FEATURE_NAMES``)."""

    def fit(self, X, y=None):  # noqa: N803 (scikit-learn's naming)
        return self

    def transform(self, X):  # noqa: N803
        return np.array([cue_vector(t) for t in X], dtype=np.float64)

    def get_feature_names_out(self, input_features=None):
        return np.array(FEATURE_NAMES, dtype=object)
