"""``classifier.batch.stream``: the same verdicts as ``check_many``, in order, with workers, reading ahead a
bounded number of drafts."""

import pytest

from classifier import batch, check_many, corpus


@pytest.fixture(scope="module")
def texts():
    return [e.text for e in corpus.load()][:300]


@pytest.mark.parametrize("jobs", [1, 2])
def test_stream_gives_check_many_verdicts_in_order(model, texts, jobs):
    seen = []
    got = list(batch.stream(model, iter(texts), jobs=jobs, chunk=16, progress=seen.append))
    assert got == check_many(model, texts)
    assert sum(seen) == len(texts)


@pytest.mark.parametrize("jobs", [1, 2])
def test_stream_reads_ahead_a_bounded_number_of_drafts(model, texts, jobs):
    read = 0

    def source():
        nonlocal read
        for t in texts:
            read += 1
            yield t

    out = batch.stream(model, source(), jobs=jobs, chunk=8)
    for done, _ in enumerate(out, 1):
        assert read - done <= 2 * jobs * 8 + 8
    assert read == len(texts)


def test_stream_refuses_zero_jobs(model):
    with pytest.raises(ValueError, match="at least 1"):
        list(batch.stream(model, ["hi"], jobs=0))


def _worker_freeze_count(_):
    import gc

    return gc.get_freeze_count()


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_a_forked_worker_sets_aside_what_it_inherits_from_the_collector(model):
    """A worker's garbage collector never walks (and so never copies) the model and caches it shares with the
    parent: ``gc.freeze`` at start moves them out of its generations."""
    import gc
    import multiprocessing

    assert gc.get_freeze_count() == 0
    context = multiprocessing.get_context("fork")
    with context.Pool(1, initializer=batch._init_worker, initargs=(model,)) as pool:
        frozen = pool.map(_worker_freeze_count, [0])[0]
    assert frozen > 10_000  # the fitted model alone is tens of thousands of objects
    assert gc.get_freeze_count() == 0  # the parent's collector is left as it was


def test_verdicts_pickle_to_equal_verdicts(model):
    import copy
    import pickle

    from classifier import check_many

    verdicts = check_many(model, ["Book a 15-min demo this week? 30% off!", "hey, how was the trip?", ""])
    assert any(v.flags for v in verdicts) and all(v.signals for v in verdicts)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        assert pickle.loads(pickle.dumps(verdicts, protocol=protocol)) == verdicts
    assert copy.deepcopy(verdicts) == verdicts
