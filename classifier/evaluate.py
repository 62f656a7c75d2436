"""Quality figures for a model on labelled drafts: the same numbers for cross-validation and ``rapport eval``.

A ``borderline`` verdict counts as *not pitch*: only a confident pitch call is a positive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from classifier.corpus import HARD_KINDS, HARD_NEGATIVE_KINDS, Example
from classifier.model import PitchModel


def figures(examples: Sequence[Example], probabilities: np.ndarray, model: PitchModel) -> dict:
    """Precision, recall, F1 (pitch class), ROC-AUC, accuracy overall, per kind and for hard cases."""
    truth = np.array([e.label == "pitch" for e in examples])
    labels = [model.label_for(p) for p in probabilities]
    called = np.array([label == "pitch" for label in labels])
    correct = truth == called

    per_kind: dict[str, list[bool]] = defaultdict(list)
    for e, ok in zip(examples, correct, strict=True):
        per_kind[e.kind or "(none)"].append(bool(ok))

    def share(mask: np.ndarray) -> float | None:
        return round(float(called[mask].mean()), 4) if mask.any() else None

    kinds = np.array([e.kind for e in examples], dtype=object)
    hard = np.array([k in HARD_KINDS for k in kinds])
    hard_negative = np.array([k in HARD_NEGATIVE_KINDS for k in kinds])
    return {
        "n": len(examples),
        "n_pitch": int(truth.sum()),
        "thresholds": {"pitch": model.pitch_threshold, "borderline": model.borderline_threshold},
        "precision": round(float(precision_score(truth, called, zero_division=0)), 4),
        "recall": round(float(recall_score(truth, called, zero_division=0)), 4),
        "f1": round(float(f1_score(truth, called, zero_division=0)), 4),
        "roc_auc": round(float(roc_auc_score(truth, probabilities)), 4) if 0 < truth.sum() < len(truth) else None,
        "accuracy": round(float(correct.mean()), 4),
        "borderline_share": round(sum(label == "borderline" for label in labels) / len(labels), 4),
        "hard_case_accuracy": round(float(correct[hard].mean()), 4) if hard.any() else None,
        "hard_negative_pitch_rate": share(hard_negative & ~truth),
        "per_kind": {
            kind: {"n": len(oks), "accuracy": round(sum(oks) / len(oks), 4)} for kind, oks in sorted(per_kind.items())
        },
    }


def cross_validate(examples: Sequence[Example], model: PitchModel, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold pitch probabilities from stratified k-fold (stratified by kind, so by label too)."""
    texts = np.array([e.text for e in examples], dtype=object)
    labels = np.array([e.label for e in examples], dtype=object)
    strata = np.array([f"{e.label}/{e.kind}" for e in examples], dtype=object)
    out = np.zeros(len(examples))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, strata):
        fold_model = PitchModel(**model.get_params()).fit(texts[train], labels[train])
        out[test] = fold_model.predict_proba(texts[test])[:, 1]
    return out
