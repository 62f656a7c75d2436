import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import f1_score, roc_auc_score

from classifier import PitchModel, Verdict, check, check_many, label_for
from classifier.coaching import NO_SINGLE_PHRASE
from classifier.corpus import load
from classifier.questions import CLOSED_OPENERS
from classifier.text import MAX_CHARS

PITCH = "Hi! We help companies like yours cut costs 40%. Free for a 15-min demo Friday?"


def test_example_from_the_readme(model):
    v = check(model, PITCH)
    assert isinstance(v, Verdict)
    assert v.label == "pitch" and v.score >= 80
    assert [(f.text, f.reason) for f in v.flags] == [
        ("We help companies like yours", "market_speak"),
        ("Free for a 15-min demo Friday?", "meeting_ask"),
    ]
    assert v.tip.startswith("Ask about their goals first")
    assert {s.name for s in v.signals} == {"words", "questions", "reading_grade", "about_them"}
    words = next(s for s in v.signals if s.name == "words")
    assert (words.value, words.low, words.high, words.in_range) == (15, 50, 125, False)


def test_unseen_drafts_are_told_apart(model, unseen):
    texts = [r["text"] for r in unseen]
    truth = np.array([r["label"] == "pitch" for r in unseen])
    proba = model.predict_proba(texts)[:, 1]
    called = np.array([label == "pitch" for label in model.predict(texts)])
    assert f1_score(truth, called) >= 0.9
    assert roc_auc_score(truth, proba) >= 0.95


def test_known_conversations_are_not_called_pitches(model, unseen):
    conversations = [r["text"] for r in unseen if r["label"] == "conversation"]
    labels = model.predict(conversations)
    assert (labels == "pitch").mean() <= 0.1
    for v in check_many(model, conversations):
        if v.label == "conversation":
            assert v.flags == []


def test_a_pitch_is_never_called_a_pitch_without_a_reason(model, unseen):
    corpus_pitches = [e.text for e in load() if e.label == "pitch"]
    for v in check_many(model, [r["text"] for r in unseen] + corpus_pitches):
        if v.label in ("pitch", "borderline"):
            assert v.flags or NO_SINGLE_PHRASE in v.notes, v
            for f in v.flags:
                assert v.text[f.start : f.end] == f.text


def test_questions_are_open(model, unseen):
    for v in check_many(model, [r["text"] for r in unseen]):
        assert 2 <= len(v.questions) <= 3
        for q in v.questions:
            assert q.split()[0].lower() not in CLOSED_OPENERS


def test_check_many_matches_check(model, unseen):
    texts = [r["text"] for r in unseen[:10]]
    assert check_many(model, texts) == [check(model, t) for t in texts]
    assert check_many(model, []) == []


def test_fast_probability_path_matches_scikit_learn(model, unseen):
    from classifier import cues
    from classifier.text import prepare

    drafts = [prepare(r["text"]) for r in unseen]
    matrix = model._stack(model.blocks(drafts, [cues.find(d.own) for d in drafts]))
    reference = model.calibrator_.predict_proba(model.linear_.decision_function(matrix).reshape(-1, 1))
    assert np.allclose(model.predict_proba([r["text"] for r in unseen]), reference, atol=1e-12)


def test_labels_follow_documented_thresholds():
    m = PitchModel(pitch_threshold=0.5, borderline_threshold=0.3)
    assert [label_for(m, p) for p in (0.0, 0.29, 0.3, 0.49, 0.5, 1.0)] == [
        "conversation", "conversation", "borderline", "borderline", "pitch", "pitch"
    ]  # fmt: skip


def test_predict_returns_one_of_its_classes(model, unseen):
    labels = model.predict([r["text"] for r in unseen])
    assert set(labels) == set(model.classes_) == {"pitch", "conversation"}
    proba = model.predict_proba([r["text"] for r in unseen])
    assert proba.shape == (len(unseen), 2) and np.allclose(proba.sum(axis=1), 1)
    assert list(labels) == [model.classes_[int(p >= model.pitch_threshold)] for p in proba[:, 1]]


def test_an_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError):
        PitchModel().predict_proba(["hello there, how was the trip?"])
    with pytest.raises(NotFittedError):
        check(PitchModel(), "hello there, how was the trip?")


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("🙂🙂🚀🙏", "no words"),
        ("Hola, ¿cómo estás? Me encantaría saber cómo va el proyecto de la escuela con los niños.", "English"),
    ],
)
def test_odd_drafts_get_a_note(model, text, note):
    v = check(model, text)
    assert any(note in n for n in v.notes)
    assert 0.0 <= v.pitch_probability <= 1.0


def test_long_drafts_are_cut_with_a_note(model):
    v = check(model, "hello there friend. " * 5000)
    assert len(v.text) == MAX_CHARS
    assert any("only the first" in n for n in v.notes)


def test_control_characters_keep_offsets(model):
    text = "Book\x00 a demo\x07 today! https://x.io"
    v = check(model, text)
    assert len(v.text) == len(text) and "\x00" not in v.text
    for f in v.flags:
        assert v.text[f.start : f.end] == f.text


def test_code_is_set_aside_and_a_question_about_it_reads_as_conversation(model):
    code = "```python\nimport requests\nrequests.get('https://promo.example.dev/signup?code=SAVE20')\n```"
    text = code + "\nwhy does this hang in docker?"
    v = check(model, text)
    assert v.label == "conversation" and v.flags == []
    assert any("set aside the code" in n for n in v.notes)


def test_training_is_deterministic():
    texts = [
        PITCH,
        "Book a demo today, 20% off!",
        "Sign up now at https://a.io",
        "Our agency 10x's your revenue",
        "how was the trip?",
        "can you review my PR?",
        "congrats on the new job!",
        "what got you into design?",
    ] * 3
    labels = (["pitch"] * 4 + ["conversation"] * 4) * 3
    a = PitchModel().fit(texts, labels).predict_proba(texts)
    b = PitchModel().fit(texts, labels).predict_proba(texts)
    assert np.array_equal(a, b)


def test_fit_needs_both_labels():
    with pytest.raises(ValueError, match="both"):
        PitchModel().fit(["a b c d"] * 10, ["pitch"] * 10)
