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
