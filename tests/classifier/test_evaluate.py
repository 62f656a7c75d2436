import json

import numpy as np
import pytest

from classifier import PitchModel
from classifier.corpus import Example
from classifier.evaluate import figures
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


def test_shipped_model_meets_the_quality_bar(shipped_metrics):
    cv = shipped_metrics["cross_validation"]
    assert cv["folds"] == 5
    assert cv["f1"] >= 0.90
    assert cv["roc_auc"] >= 0.95
    assert cv["hard_negative_pitch_rate"] <= 0.10


def test_shipped_model_is_small():
    assert (REPO_MODELS_DIR / "pitch.joblib").stat().st_size <= 10_000_000
