import logging

import pytest
import sklearn

from classifier import check, corpus, store


@pytest.fixture
def small_corpus(monkeypatch):
    """Rebuilds train on every sixth draft (every writer and kind still in it): these tests are about where the
    rebuilt model goes, not how good it is, and a rebuild on the whole corpus takes about 20 s."""
    examples = corpus.load()[::6]
    monkeypatch.setattr(corpus, "load", lambda: examples)


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    target = tmp_path / "cache" / "pitch.joblib"
    monkeypatch.setattr(store, "cache_path", lambda: target)
    monkeypatch.setattr(store, "_loaded", {})
    return target


def test_shipped_model_loads_and_was_trained_on_the_shipped_corpus():
    shipped = store.read(store.shipped_model_path())
    assert shipped.sklearn_version_ == sklearn.__version__
    assert shipped.corpus_sha256_ == corpus.fingerprint(), "the corpus changed: run `rapport train`"
    assert list(shipped.predict(["Book a demo today, 20% off!", "how was the trip?"])) == ["pitch", "conversation"]


def test_explicit_bad_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="damaged"):
        store.load_model(bad)


def test_damaged_shipped_model_is_rebuilt_once(tmp_path, monkeypatch, isolated_cache, small_corpus, caplog):
    damaged = tmp_path / "pitch.joblib"
    damaged.write_bytes(b"\x80\x04garbage")
    monkeypatch.setattr(store, "shipped_model_path", lambda: damaged)
    monkeypatch.delenv("RAPPORT_MODEL", raising=False)
    with caplog.at_level(logging.WARNING):
        model = store.load_model()
    assert check(model, "Book a demo today!").label in ("pitch", "borderline")
    assert isolated_cache.exists()
    assert next(r.message for r in caplog.records if r.levelno >= logging.WARNING).startswith("The shipped model")

    # A new process finds the rebuilt copy and says nothing.
    monkeypatch.setattr(store, "_loaded", {})
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        store.load_model()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_model_from_another_sklearn_is_refused(tmp_path, model, monkeypatch):
    import copy

    other = copy.copy(model)
    other.sklearn_version_ = "0.0.1"
    path = tmp_path / "old.joblib"
    store.save(other, path)
    with pytest.raises(ValueError, match=r"scikit-learn 0\.0\.1"):
        store.read(path)


def test_unwritable_cache_still_gives_a_model(tmp_path, monkeypatch, small_corpus, caplog):
    damaged = tmp_path / "pitch.joblib"
    damaged.write_bytes(b"junk")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setattr(store, "shipped_model_path", lambda: damaged)
    monkeypatch.setattr(store, "cache_path", lambda: blocker / "pitch.joblib")
    monkeypatch.setattr(store, "_loaded", {})
    monkeypatch.delenv("RAPPORT_MODEL", raising=False)
    with caplog.at_level(logging.WARNING):
        model = store.load_model()
    assert check(model, "Book a demo today, 20% off!").label in ("pitch", "borderline")
    assert any("Could not save" in r.message for r in caplog.records)


def test_the_fast_format_and_joblib_give_bitwise_equal_probabilities(tmp_path, model):
    import copy

    import joblib
    import numpy as np

    texts = [e.text for e in corpus.load()][::5]
    fitted = copy.deepcopy(model)
    for v in fitted.vectorizers_:  # as ``fit`` leaves them
        v.vocabulary_ = {term: np.int64(j) for term, j in v.vocabulary_.items()}
    old, new = tmp_path / "old.joblib", tmp_path / "new.joblib"
    joblib.dump(fitted, old, compress=3)  # the format Rapport wrote before issue 18
    store.save(fitted, new)
    assert new.read_bytes()[:2] == b"\x1f\x8b" and old.read_bytes()[:2] != b"\x1f\x8b"
    from_joblib, from_fast = store.read(old), store.read(new)
    assert np.array_equal(from_joblib.predict_proba(texts), from_fast.predict_proba(texts))
    assert np.array_equal(joblib.load(new).predict_proba(texts), from_fast.predict_proba(texts))
    assert all(type(j) is int for v in from_fast.vectorizers_ for j in v.vocabulary_.values())


def test_the_shipped_model_is_in_the_fast_format():
    assert store.shipped_model_path().read_bytes()[:2] == b"\x1f\x8b", "re-save it with classifier.store.save"


def test_saving_writes_the_fast_model_and_the_checker_reads_it(tmp_path, model, monkeypatch):
    from classifier import fast

    path = tmp_path / "m.joblib"
    store.save(model, path)
    monkeypatch.setattr(store, "_checkers", {})
    checker = store.load_checker(path)
    assert isinstance(checker, fast.FastScorer) and checker is not fast.scorer(model)
    text = "We help teams like yours cut churn 30%. Book a 15-min demo this week?"
    assert check(checker, text) == check(model, text)


def test_loading_the_checker_leaves_no_young_objects_for_the_first_check_to_collect(monkeypatch):
    import gc

    monkeypatch.setattr(store, "_checkers", {})
    store.load_checker()
    assert gc.get_count()[0] < 50  # the load's objects were collected into the oldest generation


def test_a_stale_or_damaged_fast_model_is_not_used(tmp_path, model, monkeypatch, caplog):
    from classifier import fast

    path = tmp_path / "m.joblib"
    store.save(model, path)
    path.write_bytes(path.read_bytes() + b"\0")  # the model file changed after the fast model was written
    monkeypatch.setattr(store, "_checkers", {})
    with caplog.at_level(logging.INFO):
        checker = store.load_checker(path)
    assert "another model file" in caplog.text
    assert checker is fast.scorer(store.load_model(path))  # built from the model file itself

    store.fast_path(path).write_bytes(b"junk")
    monkeypatch.setattr(store, "_checkers", {})
    caplog.clear()
    with caplog.at_level(logging.INFO):
        store.load_checker(path)
    assert "damaged" in caplog.text


def test_a_users_model_gets_its_fast_model_back_after_an_upgrade(tmp_path, model, monkeypatch, caplog):
    import gzip
    import pickle

    from classifier import fast

    path = tmp_path / "m.joblib"
    store.save(model, path)
    # The fast model an older Rapport wrote: another format.
    store.fast_path(path).write_bytes(gzip.compress(pickle.dumps({"format": fast.FORMAT - 1})))
    monkeypatch.setattr(store, "_checkers", {})
    store.load_checker(path)  # loads the scikit-learn model once, and writes the fast model beside it
    rebuilt, source = fast.read(store.fast_path(path))
    assert source == store._sha256(path) and rebuilt.state.keys() == fast.scorer(model).state.keys()

    store.fast_path(path).unlink()

    def refused(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fast, "save", refused)  # a folder it cannot write to: a warning, and the check still works
    monkeypatch.setattr(store, "_checkers", {})
    with caplog.at_level(logging.WARNING):
        checker = store.load_checker(path)
    assert isinstance(checker, fast.FastScorer) and not store.fast_path(path).exists()
    assert "could not be written beside it (Permission denied)" in caplog.text


def test_the_shipped_fast_model_was_built_from_the_shipped_model():
    from classifier import fast

    _scorer, source = fast.read(store.fast_path(store.shipped_model_path()))
    assert source == store._sha256(store.shipped_model_path()), "rebuild it: store.write_fast(model, path)"
