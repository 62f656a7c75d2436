"""The corpus is data we ship and train on: hold it to the datasheet's promises."""

import re
from collections import Counter
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier import corpus


@pytest.fixture(scope="module")
def examples():
    return corpus.load()


def test_size_and_balance(examples):
    assert len(examples) >= 3000
    assert len({e.source for e in examples}) >= 12  # one file per writer: the writer-held-out figure needs many
    counts = Counter(e.label for e in examples)
    assert 0.4 <= counts["pitch"] / len(examples) <= 0.6


def test_every_kind_is_covered_and_hard_cases_are_a_third(examples):
    for label, kinds in corpus.KINDS.items():
        rows = [e for e in examples if e.label == label]
        assert {e.kind for e in rows} == set(kinds)
        assert sum(e.kind in corpus.HARD_KINDS for e in rows) >= len(rows) / 3


def test_lengths_and_registers(examples):
    lengths = [len(e.text.split()) for e in examples]
    assert min(lengths) >= 3 and max(lengths) <= 200  # bare calls to action can be three words
    texts = [e.text for e in examples]

    def share(pattern):
        return sum(bool(re.search(pattern, t)) for t in texts) / len(texts)

    assert share(r"\n") > 0.03  # line breaks
    assert share(r"https?://|\w\.(io|com|dev)/") > 0.03  # links
    assert share(r"<@[UW0-9]") > 0.01  # mentions
    assert share(r"[\U0001F300-\U0001FAFF]|:[a-z_]+:") > 0.05  # emoji
    assert share(r"^[^A-Z]*$") > 0.05  # all lower case


def test_no_near_duplicates(examples):
    texts = [e.text for e in examples]
    x = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(texts)
    similarity = (x @ x.T).tocoo()
    pairs = [
        (i, j, v) for i, j, v in zip(similarity.row, similarity.col, similarity.data, strict=True) if i < j and v > 0.8
    ]
    assert pairs == [], [(texts[i][:50], texts[j][:50], round(v, 2)) for i, j, v in pairs[:5]]


def test_no_exact_duplicates(examples):
    normalised = Counter(re.sub(r"\W+", " ", e.text.lower()).strip() for e in examples)
    assert [t for t, n in normalised.items() if n > 1] == []


def test_datasheet_counts_match_the_corpus(examples):
    sheet = (corpus.CORPUS_DIR / "DATASHEET.md").read_text(encoding="utf-8")
    assert corpus.counts_table(examples) in sheet, "run `rapport train` to refresh the datasheet counts"
    for (label, kind), n in Counter((e.label, e.kind) for e in examples).items():
        assert re.search(rf"\|\s*{label}\s*\|\s*{kind}\s*\|\s*{n}\s*\|", sheet), f"{label}/{kind}: {n}"


def test_bad_files_name_the_line(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine text here", "label": "pitch"}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match=r"bad.jsonl:2"):
        corpus.read_jsonl(bad)
    bad.write_text('{"text": "x y z w", "label": "sales"}\n', encoding="utf-8")
    with pytest.raises(corpus.CorpusError, match="label"):
        corpus.read_jsonl(bad)
    bad.write_text('{"text": "x y z w", "label": "pitch", "kind": "spam"}\n', encoding="utf-8")
    assert corpus.read_jsonl(bad)[0].kind == "spam"  # eval files may use any kind
    with pytest.raises(corpus.CorpusError, match="unknown kind"):
        corpus.read_jsonl(bad, require_kind=True)
