import json

import numpy as np
import pytest

from classifier import PitchModel, corpus
from classifier.corpus import Example
from classifier.evaluate import calibration_table, figures
from classifier.store import REPO_MODELS_DIR


def test_figures_count_borderline_as_not_pitch():
    examples = [
        Example("a", "pitch", "cold_pitch"),
        Example("b", "pitch", "link_drop"),
        Example("c", "conversation", "product_mention"),
        Example("d", "conversation", "casual_chat"),
    ]
    m = figures(examples, np.array([0.9, 0.4, 0.6, 0.1]), PitchModel(pitch_threshold=0.5, borderline_threshold=0.3))
    # called pitch: a, c. borderline: b.
    assert (m["precision"], m["recall"], m["f1"], m["accuracy"]) == (0.5, 0.5, 0.5, 0.5)
    assert m["roc_auc"] == 0.75
    assert m["borderline_share"] == 0.25
    assert m["hard_negative_pitch_rate"] == 1.0
    assert m["per_kind"]["casual_chat"] == {"n": 1, "accuracy": 1.0}


def test_one_class_file_has_no_auc():
    m = figures([Example("a", "pitch", None)], np.array([0.9]), PitchModel())
    assert m["roc_auc"] is None and m["per_kind"] == {"(none)": {"n": 1, "accuracy": 1.0}}


@pytest.fixture(scope="module")
def shipped_metrics():
    return json.loads((REPO_MODELS_DIR / "metrics.json").read_text())


def test_shipped_metrics_belong_to_the_shipped_model_and_corpus(model, shipped_metrics):
    assert shipped_metrics["corpus"]["sha256"] == model.corpus_sha256_ == corpus.fingerprint()
    assert shipped_metrics["params"] == json.loads(json.dumps(model.get_params()))


def test_shipped_model_meets_the_quality_bar_on_writers_it_never_saw(model, shipped_metrics, unseen):
    held = shipped_metrics["writer_held_out"]
    assert held["writers"] >= 12
    assert held["f1"] >= 0.93 and held["roc_auc"] >= 0.98
    assert max(abs(row["gap"]) for row in held["calibration"]) <= 0.1
    # The shipped model itself, on drafts written for the tests and never trained on.
    examples = [Example(r["text"], r["label"], r.get("kind")) for r in unseen]
    m = figures(examples, model.predict_proba([e.text for e in examples])[:, 1], model)
    assert m["f1"] >= 0.9 and m["roc_auc"] >= 0.95 and m["hard_negative_pitch_rate"] <= 0.1


def test_calibration_table_bins_by_decile():
    examples = [Example(str(i), "pitch" if i % 2 else "conversation", None) for i in range(4)]
    rows = calibration_table(examples, np.array([0.05, 0.15, 0.95, 0.99]))
    assert [(r["bin"], r["n"], r["observed_pitch_rate"]) for r in rows] == [
        ("0.0-0.1", 1, 0.0), ("0.1-0.2", 1, 1.0), ("0.9-1.0", 2, 0.5)
    ]  # fmt: skip
    assert rows[2]["mean_probability"] == 0.97 and rows[2]["gap"] == -0.47


def test_shipped_model_is_small():
    assert (REPO_MODELS_DIR / "pitch.joblib").stat().st_size <= 10_000_000
