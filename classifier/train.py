"""Train the shipped model, measure it with cross-validation, and write its metrics and model card."""

from __future__ import annotations

import json
import time
from pathlib import Path

import sklearn

from classifier import corpus, store
from classifier.evaluate import calibration_table, cross_validate, figures, grouped_cross_validate, per_writer, writers
from classifier.features import FEATURE_NAMES
from classifier.model import PitchModel


def train(
    corpus_dir: Path = corpus.CORPUS_DIR, out_dir: Path = store.REPO_MODELS_DIR, folds: int = 5, progress=None
) -> dict:
    """Cross-validate (writer-held-out first, then stratified), fit on everything, write ``pitch.joblib``
    (with ``pitch.fast`` beside it, see ``classifier.store``), ``metrics.json`` and ``MODEL_CARD.md``, and
    refresh the counts in the corpus's ``DATASHEET.md``.

    Deterministic: fixed seeds, stable corpus order. ``progress``, if given, is called with no arguments
    after each fitted model (one per writer, ``folds`` stratified, one final). Returns the metrics written.
    Raises ``corpus.CorpusError`` for an unusable corpus.
    """
    examples = corpus.load(corpus_dir)
    groups = writers(examples)
    model = PitchModel()
    started = time.perf_counter()
    grouped = grouped_cross_validate(examples, model, progress=progress)
    stratified = cross_validate(examples, model, folds=folds)
    if progress is not None:
        progress(folds)
    metrics = {
        "writer_held_out": {
            "method": "leave-one-writer-out (LeaveOneGroupOut, one corpus file = one writer)",
            "writers": len(set(groups)),
            **figures(examples, grouped, model),
            "per_writer": per_writer(examples, grouped, model),
            "calibration": calibration_table(examples, grouped),
        },
        "stratified": {
            "folds": folds,
            "stratified_by": "label/kind",
            "seed": 0,
            **figures(examples, stratified, model),
        },
        "corpus": {"files": [p.name for p in corpus.files(corpus_dir)], "sha256": corpus.fingerprint(corpus_dir)},
        "params": model.get_params(),
        "sklearn_version": sklearn.__version__,
    }
    model.fit([e.text for e in examples], [e.label for e in examples], groups=groups)
    model.corpus_sha256_ = metrics["corpus"]["sha256"]  # provenance: which corpus this model was trained on
    if progress is not None:
        progress()
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
    """The model card (Markdown) for ``metrics`` as ``train`` writes them."""
    held, cv = metrics["writer_held_out"], metrics["stratified"]
    kinds = "\n".join(
        f"| {kind} | {row['n']} | {_fmt(row['accuracy'])} | {_fmt(cv['per_kind'][kind]['accuracy'])} |"
        for kind, row in held["per_kind"].items()
    )
    per_writer = "\n".join(
        f"| {w} | {row['n']} | {row['n_pitch']} | {_fmt(row['f1'])} | {_fmt(row['roc_auc'])} "
        f"| {_fmt(row['accuracy'])} |"
        for w, row in held["per_writer"].items()
    )
    calibration = "\n".join(
        f"| {r['bin']} | {r['n']} | {r['mean_probability']:.3f} | {r['observed_pitch_rate']:.3f} | {r['gap']:+.3f} |"
        for r in held["calibration"]
    )
    p = metrics["params"]
    lo, hi = p["char_ngrams"]
    return f"""# Model card: Rapport pitch classifier

Written by `rapport train`; do not edit by hand.

## What it does
Scores a chat draft (Slack, Discord, LinkedIn-style DM) for how much it reads as a **pitch** (selling the
sender's offering before there is a relationship) versus a **conversation**. Output: a calibrated pitch
probability and a label: `pitch` at >= {p["pitch_threshold"]}, `borderline` from {p["borderline_threshold"]},
`conversation` below; `unscored` (no score shown) for a greeting, one or two words with no salesy phrase, or a
draft that is not English.
The score is always shown with the phrases behind it (`classifier/cues.py`). Quoted text (`>` lines, a
quotation of four or more words) and code are set aside: only the author's own words are scored.

## Intended use
Private coaching of the draft's own author before sending. Not for judging, ranking or moderating people,
and not for filtering other people's messages.

## Model
scikit-learn {metrics["sklearn_version"]}: word 1-2-gram TF-IDF (up to {p["word_max_features"]:,} terms) +
character {lo}-{hi}-gram TF-IDF within word boundaries (up to {p["char_max_features"]:,}, weight {p["char_weight"]}) +
{len(FEATURE_NAMES)} interpretable cue features (weight {p["cue_weight"]}: questions, share of words about them,
calls to action, offers, bumps, meeting asks, urgency, prices, market-speak, credentials, flattery, links, a
bump followed by an ask, an opening question followed by a pitch), a logistic regression (C={p["C"]}) and
Platt scaling fitted on writer-held-out decision values ({p["calibration_folds"]}-fold `GroupKFold` by writer).
Seed {p["random_state"]}.

## Data
{held["n"]} drafts by {held["writers"]} writers ({held["n_pitch"]} pitch, {held["n"] - held["n_pitch"]} conversation),
see `classifier/corpus/DATASHEET.md`. Corpus SHA-256 `{metrics["corpus"]["sha256"][:16]}…`.

## Figures on writers the model never saw (the headline)
{held["method"]}: each draft is scored by a model trained without any draft by its writer. `borderline`
counts as not pitch.

| metric | writer-held-out | stratified {cv["folds"]}-fold (for comparison) |
| --- | --- | --- |
{_pair_rows(held, cv)}

Confident misses (pitches scored under 0.10): {held["confident_misses"]} writer-held-out,
{cv["confident_misses"]} stratified.

Per writer (writer-held-out):

| writer (file) | n | pitch | F1 | ROC-AUC | accuracy |
| --- | --- | --- | --- | --- | --- |
{per_writer}

Calibration (writer-held-out): observed pitch rate per probability decile.

| probability | n | mean probability | observed pitch rate | gap |
| --- | --- | --- | --- | --- |
{calibration}

Accuracy per kind:

| kind | n | writer-held-out | stratified |
| --- | --- | --- | --- |
{kinds}

## Limitations
- English only; other languages get a note that the score may be unreliable.
- Every writer here wrote for this corpus; the writer-held-out figure is the honest one, and real drafts from
  your own community can still differ. Run `rapport eval your.jsonl` on them before trusting the figures.
- It reads one draft, not the relationship: a demo ask to someone who asked for one is fine, and the model
  cannot know that.
"""


def _pair_rows(held: dict, cv: dict) -> str:
    names = (
        ("precision (pitch)", "precision"), ("recall (pitch)", "recall"), ("F1 (pitch)", "f1"), ("ROC-AUC", "roc_auc"),
        ("accuracy", "accuracy"), ("accuracy on hard cases", "hard_case_accuracy"),
        ("hard negatives called pitch", "hard_negative_pitch_rate"), ("share labelled borderline", "borderline_share"),
    )  # fmt: skip
    return "\n".join(f"| {name} | {_fmt(held[key])} | {_fmt(cv[key])} |" for name, key in names)
