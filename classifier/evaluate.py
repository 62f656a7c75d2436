"""Quality figures for a model on labelled drafts: the same numbers for cross-validation and ``rapport eval``.

A ``borderline`` or ``unscored`` verdict counts as *not pitch*: only a confident pitch call is a positive.
The headline is **writer-held-out** cross-validation (``grouped_cross_validate``: every corpus file is one
writer, and each fold's model never saw the writer it is scored on); the stratified figure is reported beside
it because it is what most papers quote, and it flatters a model that learns one writer's style.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

from classifier.coaching import label_for
from classifier.corpus import HARD_KINDS, HARD_NEGATIVE_KINDS, Example
from classifier.model import PitchModel
from classifier.verdict import Verdict


def figures(
    examples: Sequence[Example], probabilities: np.ndarray, model: PitchModel, labels: Sequence[str] | None = None
) -> dict:
    """Precision, recall, F1 (pitch class), ROC-AUC, accuracy overall, per kind and for hard cases.

    ``probabilities`` has one pitch probability per example (shape ``(n,)``); ``model`` gives the thresholds.
    ``labels``, when given, are the verdicts' labels as users see them (``unscored`` included); otherwise they
    are derived from the probabilities.
    """
    truth = np.array([e.label == "pitch" for e in examples])
    labels = list(labels) if labels is not None else [label_for(model, p) for p in probabilities]
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
        "confident_misses": int(((probabilities < 0.1) & truth).sum()),
        "per_kind": {
            kind: {"n": len(oks), "accuracy": round(sum(oks) / len(oks), 4)} for kind, oks in sorted(per_kind.items())
        },
    }


def calibration_table(examples: Sequence[Example], probabilities: np.ndarray, bins: int = 10) -> list[dict]:
    """Reliability by probability decile: for each bin ``[k/bins, (k+1)/bins)`` with drafts in it, the count,
    the mean predicted probability and the observed pitch rate (``gap`` = observed - mean)."""
    truth = np.array([e.label == "pitch" for e in examples], dtype=float)
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    rows = []
    for k in range(bins):
        mask = which == k
        if mask.any():
            mean, observed = float(probabilities[mask].mean()), float(truth[mask].mean())
            rows.append(
                {
                    "bin": f"{k / bins:.1f}-{(k + 1) / bins:.1f}",
                    "n": int(mask.sum()),
                    "mean_probability": round(mean, 3),
                    "observed_pitch_rate": round(observed, 3),
                    "gap": round(observed - mean, 3),
                }
            )
    return rows


def writers(examples: Sequence[Example]) -> list[str]:
    """The writer of each example: its corpus file (every file is one writer)."""
    return [e.source or "(unknown)" for e in examples]


def cross_validate(examples: Sequence[Example], model: PitchModel, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold pitch probabilities (shape ``(n,)``) from stratified k-fold, stratified by label and kind."""
    texts = np.array([e.text for e in examples], dtype=object)
    labels = np.array([e.label for e in examples], dtype=object)
    strata = np.array([f"{e.label}/{e.kind}" for e in examples], dtype=object)
    groups = np.array(writers(examples), dtype=object)
    out = np.zeros(len(examples))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, strata):
        fold_model = PitchModel(**model.get_params()).fit(texts[train], labels[train], groups=groups[train])
        out[test] = fold_model.predict_proba(texts[test])[:, 1]
    return out


def grouped_cross_validate(examples: Sequence[Example], model: PitchModel, progress=None) -> np.ndarray:
    """Out-of-fold pitch probabilities (shape ``(n,)``) from leave-one-writer-out cross-validation
    (``LeaveOneGroupOut`` over ``writers``): each draft is scored by a model that never saw its writer.

    ``progress``, if given, is called once per finished fold with no arguments.
    """
    texts = np.array([e.text for e in examples], dtype=object)
    labels = np.array([e.label for e in examples], dtype=object)
    groups = np.array(writers(examples), dtype=object)
    if len(set(groups)) < 2:
        raise ValueError("writer-held-out cross-validation needs drafts from at least two writers (files)")
    out = np.zeros(len(examples))
    for train, test in LeaveOneGroupOut().split(texts, labels, groups):
        fold_model = PitchModel(**model.get_params()).fit(texts[train], labels[train], groups=groups[train])
        out[test] = fold_model.predict_proba(texts[test])[:, 1]
        if progress is not None:
            progress()
    return out


def per_writer(examples: Sequence[Example], probabilities: np.ndarray, model: PitchModel) -> dict[str, dict]:
    """``figures`` for each writer's drafts on their own (F1 and ROC-AUC are ``None``/0 for one-label files)."""
    by_writer: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(writers(examples)):
        by_writer[w].append(i)
    out = {}
    for w, idx in sorted(by_writer.items()):
        f = figures([examples[i] for i in idx], probabilities[idx], model)
        out[w] = {k: f[k] for k in ("n", "n_pitch", "f1", "roc_auc", "accuracy", "hard_negative_pitch_rate")}
    return out


_CONTENT = re.compile(r"[a-z][a-z'-]{2,}")


def content_words(text: str) -> set[str]:
    """Lower-case words of three letters or more that are not English stop words."""
    return {w for w in _CONTENT.findall(text.lower()) if w not in ENGLISH_STOP_WORDS}


def advice_figures(verdicts: Sequence[Verdict]) -> dict:
    """How fitted the advice is over many verdicts.

    ``top_list_share``: the share of verdicts given the single most common question list (lower is better);
    ``distinct_per_verdict``: distinct questions over verdicts; ``on_topic_share``: among drafts of 8+ words,
    the share whose questions include one sharing a content word with the draft; ``wording_flag_share``: the
    share of flags that are model-wording flags rather than phrase rules.
    """
    if not verdicts:
        return {"n": 0}
    lists = Counter(tuple(v.questions) for v in verdicts)
    distinct = {q for v in verdicts for q in v.questions}
    long = [v for v in verdicts if len(v.text.split()) >= 8]
    on_topic = [v for v in long if any(content_words(q) & content_words(v.text) for q in v.questions)]
    flags = [f for v in verdicts for f in v.flags]
    return {
        "n": len(verdicts),
        "top_list_share": round(lists.most_common(1)[0][1] / len(verdicts), 4),
        "distinct_questions": len(distinct),
        "distinct_per_verdict": round(len(distinct) / len(verdicts), 4),
        "on_topic_share": round(len(on_topic) / len(long), 4) if long else None,
        "wording_flag_share": round(sum(f.reason == "pitch_wording" for f in flags) / len(flags), 4) if flags else None,
        "rewrites": sum(v.rewrite is not None for v in verdicts),
    }
