"""Train the shipped model, measure it with cross-validation, and write its metrics and model card."""

from __future__ import annotations

import json
import time
from pathlib import Path

import sklearn

from classifier import corpus, store
from classifier.evaluate import cross_validate, figures
from classifier.features import FEATURE_NAMES
from classifier.model import PitchModel


def train(corpus_dir: Path = corpus.CORPUS_DIR, out_dir: Path = store.REPO_MODELS_DIR, folds: int = 5) -> dict:
    """Cross-validate, fit on everything, write ``pitch.joblib``, ``metrics.json`` and ``MODEL_CARD.md``,
    and refresh the counts in the corpus's ``DATASHEET.md``.

    Deterministic: fixed seeds, stable corpus order. Returns the metrics written.
    """
    examples = corpus.load(corpus_dir)
    model = PitchModel()
    started = time.perf_counter()
    oof = cross_validate(examples, model, folds=folds)
    metrics = {
        "cross_validation": {"folds": folds, "stratified_by": "label/kind", "seed": 0, **figures(examples, oof, model)},
        "corpus": {"files": [p.name for p in corpus.files(corpus_dir)], "sha256": corpus.fingerprint(corpus_dir)},
        "params": model.get_params(),
        "sklearn_version": sklearn.__version__,
    }
    model.fit([e.text for e in examples], [e.label for e in examples])
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    store.save(model, out_dir / store.MODEL_NAME)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out_dir / "MODEL_CARD.md").write_text(model_card(metrics), encoding="utf-8")
    corpus.write_counts(corpus_dir, examples)
    return metrics


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def model_card(metrics: dict) -> str:
    cv = metrics["cross_validation"]
    kinds = "\n".join(f"| {kind} | {row['n']} | {_fmt(row['accuracy'])} |" for kind, row in cv["per_kind"].items())
    p = metrics["params"]
    return f"""# Model card: Rapport pitch classifier

Written by `rapport train`; do not edit by hand.

## What it does
Scores a chat draft (Slack, Discord, LinkedIn-style DM) for how much it reads as a **pitch** (selling the
sender's offering before there is a relationship) versus a **conversation**. Output: a calibrated pitch
probability and a label: `pitch` at >= {p["pitch_threshold"]}, `borderline` from {p["borderline_threshold"]},
`conversation` below. The score is always shown with the phrases behind it (`classifier/cues.py`).

## Intended use
Private coaching of the draft's own author before sending. Not for judging, ranking or moderating people,
and not for filtering other people's messages.

## Model
scikit-learn {metrics["sklearn_version"]} pipeline: word 1-2-gram TF-IDF (up to {p["word_max_features"]:,}
terms) + character 2-5-gram TF-IDF within word boundaries (up to {p["char_max_features"]:,}) + {len(FEATURE_NAMES)}
interpretable cue features (questions, you-versus-I/we focus, calls to action, meeting asks, urgency, prices,
market-speak, credentials, flattery, links), a logistic regression (C={p["C"]}) with sigmoid calibration
(`CalibratedClassifierCV`, 5 folds, `ensemble=False`). Seed {p["random_state"]}.

## Data
{cv["n"]} drafts written by the Rapport team ({cv["n_pitch"]} pitch, {cv["n"] - cv["n_pitch"]} conversation), see
`classifier/corpus/DATASHEET.md`. Corpus SHA-256 `{metrics["corpus"]["sha256"][:16]}…`.

## Figures ({cv["folds"]}-fold stratified cross-validation; `borderline` counts as not pitch)
| metric | value |
| --- | --- |
| precision (pitch) | {_fmt(cv["precision"])} |
| recall (pitch) | {_fmt(cv["recall"])} |
| F1 (pitch) | {_fmt(cv["f1"])} |
| ROC-AUC | {_fmt(cv["roc_auc"])} |
| accuracy | {_fmt(cv["accuracy"])} |
| accuracy on hard cases | {_fmt(cv["hard_case_accuracy"])} |
| hard negatives called pitch | {_fmt(cv["hard_negative_pitch_rate"])} |
| share labelled borderline | {_fmt(cv["borderline_share"])} |

Accuracy per kind:

| kind | n | accuracy |
| --- | --- | --- |
{kinds}

## Limitations
- English only; other languages get a note that the score may be unreliable.
- Cross-validation on our own corpus overstates quality on other people's writing: drafts by one team share
  habits. Run `rapport eval your.jsonl` on drafts from your own community before trusting the figures.
- Short drafts (under ~8 words) carry little signal; the score there leans on single phrases.
- It reads one draft, not the relationship: a demo ask to someone who asked for one is fine, and the model
  cannot know that.
"""
