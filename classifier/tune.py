"""Compare model settings on the writer-held-out figure (``rapport tune '{"C": 8}' '{}'``).

Each argument is a JSON object of ``PitchModel`` parameters (``{}`` for the defaults). For each, it prints
pitch F1, ROC-AUC, the share of hard negatives called pitch, confident misses and the largest calibration gap,
from 5-fold ``GroupKFold`` by writer (each fold's model never sees the writers it is scored on). This is how
the shipped defaults were chosen; ``rapport train`` then reports the full leave-one-writer-out figure.
"""

from __future__ import annotations

import json

import numpy as np
from sklearn.model_selection import GroupKFold

from classifier import corpus
from classifier.evaluate import calibration_table, figures, writers
from classifier.model import PitchModel


def grouped_figures(params: dict, folds: int = 5) -> dict:
    """Writer-grouped ``folds``-fold figures for ``PitchModel(**params)`` on the shipped corpus."""
    examples = corpus.load()
    texts = np.array([e.text for e in examples], dtype=object)
    labels = np.array([e.label for e in examples], dtype=object)
    groups = np.array(writers(examples), dtype=object)
    oof = np.zeros(len(examples))
    for train, test in GroupKFold(folds).split(texts, labels, groups):
        model = PitchModel(**params).fit(texts[train], labels[train], groups=groups[train])
        oof[test] = model.predict_proba(texts[test])[:, 1]
    result = figures(examples, oof, PitchModel(**params))
    result["max_calibration_gap"] = max(abs(row["gap"]) for row in calibration_table(examples, oof))
    return result


def report_line(params: dict, f: dict) -> str:
    """One line of ``grouped_figures`` output for ``rapport tune``."""
    return (
        f"{json.dumps(params):40} F1 {f['f1']:.4f}  ROC-AUC {f['roc_auc']:.4f}  "
        f"hard negatives called pitch {f['hard_negative_pitch_rate']:.4f}  "
        f"confident misses {f['confident_misses']}  max calibration gap {f['max_calibration_gap']:.3f}"
    )
