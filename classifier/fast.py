"""The fast path: the fitted ``PitchModel``'s probability without scikit-learn's per-call machinery.

``scorer(model)`` builds (once per fitted model) a ``FastScorer`` from the model's public fitted attributes:
the vectorisers' ``vocabulary_`` and ``idf_``, ``linear_.coef_`` and the Platt ``calibrator_``. It computes what
``model.pitch_probability(model.blocks(drafts, found))`` computes (word and character TF-IDF, the cue columns,
the linear score, the sigmoid) with plain dictionaries and small numpy arrays: no input validation, no sparse
matrices, and each word's character n-grams looked up once and cached (for the words of the model's vocabulary,
precomputed: ``head_columns``; a word with punctuation after it reuses them). The scikit-learn objects stay the
source of truth; ``tests/classifier/test_fast.py`` holds the two paths equal within 1e-12 on the corpus and on
fuzzed and adversarial text.

Vectoriser settings the fast path does not reproduce (a custom tokenizer, stop words, binary counts, a norm
other than l2, ...) make ``scorer`` return ``None``, and callers use the scikit-learn path.

A ``FastScorer`` is also the model ``rapport check`` runs: ``save`` writes it (plain dicts, numpy arrays and
numbers, no scikit-learn object) beside the scikit-learn pickle at train time, and ``read`` loads it without
importing scikit-learn or SciPy. It carries the thresholds, so ``coaching.check`` takes it in place of the
``PitchModel``.
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import weakref
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, pairwise
from operator import itemgetter
from pathlib import Path

import numpy as np

from classifier import cues
from classifier.features import cue_vector
from classifier.text import Draft, prepare, remember

#: Version of the file ``save`` writes; ``read`` refuses any other (2: with ``head_columns``).
FORMAT = 2

# The ``array`` type code of ``np.intp`` (the bytes ``_char_columns_of`` gives are read back as ``np.intp``).
_INTP = next(code for code in "lqi" if array(code).itemsize == np.dtype(np.intp).itemsize)

#: Longest padded word whose n-gram slicer ``FastScorer`` keeps (longer words are sliced afresh each time).
GRAM_GETTER_LENGTH = 64

#: Drafts ``FastScorer.score`` scores with one set of array operations.
SCORE_CHUNK = 512

#: Words whose character n-gram columns are kept, per scorer; beyond it the cache is cleared and refilled.
CHAR_CACHE_WORDS = 200_000


#: Token patterns whose every match is word characters only (scikit-learn's default): ``FastScorer._columns``
#: may then tokenise a draft chunk by chunk.
_CHUNKED_PATTERNS = frozenset({r"(?u)\b\w\w+\b", r"\b\w\w+\b"})


def _supported(v, analyzer: str) -> bool:
    return (
        v.analyzer == analyzer
        and v.input == "content"
        and v.preprocessor is not None
        and v.tokenizer is None
        and v.stop_words is None
        and not v.binary
        and v.norm == "l2"
        and v.use_idf
        and np.dtype(v.dtype) == np.float64
        and v.ngram_range[0] >= 1
    )


def _int_valued(vocabulary: dict) -> dict[str, int]:
    """``vocabulary`` itself when its values are Python ints (a model read by ``classifier.store``), else a copy
    with ``int`` values (``numpy.int64`` keys a numpy array just as well, but is slower to fetch)."""
    if all(type(j) is int for j in vocabulary.values()):
        return vocabulary
    return {term: int(j) for term, j in vocabulary.items()}


#: Characters taken off the end of a chunk to find its head ("call," -> "call"): a chunk's char n-grams are its
#: head's open n-grams (cached, or from ``head_columns``) and the few n-grams around its end.
_TRAILING = ".,!?;:)]}\"'’”…*"


def _open_spans(length: int, ngrams: tuple[int, int]) -> list[slice]:
    """The n-grams (n in ``ngrams``, inclusive) lying wholly inside the first ``length`` characters of a padded
    chunk, as slices, by n and then offset."""
    lo, hi = ngrams
    return [slice(i, i + n) for n in range(lo, hi + 1) for i in range(length - n + 1)]


def _closing_spans(head: int, length: int, ngrams: tuple[int, int]) -> list[slice]:
    """The n-grams of a padded chunk of ``length`` characters that reach past its first ``head`` characters: with
    ``_open_spans(head)`` they are every n-gram of the chunk (when ``length`` > the longest n, so that
    scikit-learn's short-word rule does not apply)."""
    lo, hi = ngrams
    return [slice(i, i + n) for n in range(lo, hi + 1) for i in range(max(0, head - n + 1), length - n + 1)]


def _slicer(spans: list[slice]) -> Callable[[str], tuple[str, ...]]:
    """A function giving the substrings at ``spans`` of a string, as a tuple."""
    if len(spans) > 1:
        return itemgetter(*spans)
    return (lambda w: (w[spans[0]],)) if spans else (lambda w: ())


def _columns_of(grams: Iterable[str], vocabulary: dict[str, int]) -> bytes:
    """The columns of the in-vocabulary ``grams``, repeats kept, as the bytes of an ``np.intp`` array (look-ups at
    C speed with ``map``; a list, not an iterator, is what ``array`` reads fastest)."""
    return array(_INTP, [j for j in map(vocabulary.get, grams) if j is not None]).tobytes()


def open_columns(head: str, char_vocab: dict[str, int], ngrams: tuple[int, int]) -> bytes:
    """Columns of the char_wb n-grams that lie wholly inside ``" " + head`` (the open n-grams of a chunk starting
    with ``head``), as bytes of an ``np.intp`` array. ``FastScorer.head_columns`` holds them for every word of the
    word vocabulary."""
    padded = " " + head
    return _columns_of(_slicer(_open_spans(len(padded), ngrams))(padded), char_vocab)


class FastScorer:
    """Pitch probabilities for prepared drafts, equal to the fitted ``PitchModel``'s (see the module docstring).

    Build it with ``scorer(model)`` (or ``FastScorer.from_model``), or ``read`` a saved one;
    ``score(drafts, found)`` returns ``(probabilities, word_rows)``. ``pitch_threshold``,
    ``borderline_threshold`` and ``classes_`` are the model's.
    """

    #: What ``from_model`` takes from the fitted model and ``save`` writes.
    FIELDS = (
        "preprocess", "char_preprocess", "token_pattern", "word_ngrams", "char_ngrams", "word_vocab", "char_vocab",
        "word_sublinear", "char_sublinear", "word_idf", "char_idf", "coef", "intercept", "platt", "char_weight",
        "cue_weight", "pitch_threshold", "borderline_threshold", "stop_words", "sklearn_version", "head_columns",
    )  # fmt: skip

    def __init__(self, state: dict) -> None:
        missing = set(self.FIELDS) - set(state)
        if missing:
            raise ValueError(f"a fast model needs {sorted(missing)}")
        self.state = {k: state[k] for k in self.FIELDS}
        self.state["word_vocab"] = _int_valued(self.state["word_vocab"])
        self.state["char_vocab"] = _int_valued(self.state["char_vocab"])
        self.__dict__.update(self.state)
        self.token = re.compile(self.token_pattern)
        coef = np.asarray(self.coef, dtype=np.float64)
        n_words, n_chars = len(self.word_idf), len(self.char_idf)
        self.word_coef = coef[:n_words]
        self.char_coef = coef[n_words : n_words + n_chars]
        self.cue_coef = coef[n_words + n_chars :]
        self.classes_ = np.array(["conversation", "pitch"])
        self._char_cache: dict[str, bytes] = {}
        self._chunk_cache: dict[str, tuple[tuple[str, ...], tuple[int, ...], bytes]] = {}
        self._gram_getters: dict[int, Callable[[str], tuple[str, ...]]] = {}
        self._open_cache: dict[str, bytes] = {}
        self._closing_cache: dict[str, bytes] = {}
        self._span_getters: dict[tuple[int, int], Callable[[str], tuple[str, ...]]] = {}
        self.chunked = self.token_pattern in _CHUNKED_PATTERNS

    @classmethod
    def from_model(cls, model) -> FastScorer:
        """The fast path of a fitted ``PitchModel`` (its vectorisers must pass ``_supported``)."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # a fitted model has scikit-learn loaded

        words, chars = model.vectorizers_
        char_vocab, char_ngrams = _int_valued(chars.vocabulary_), tuple(chars.ngram_range)
        unigrams = [term for term in words.vocabulary_ if " " not in term]
        return cls(
            {
                "head_columns": {word: open_columns(word, char_vocab, char_ngrams) for word in unigrams},
                "preprocess": words.preprocessor,
                "char_preprocess": chars.preprocessor,
                "token_pattern": words.token_pattern,
                "word_ngrams": tuple(words.ngram_range),
                "char_ngrams": char_ngrams,
                "word_vocab": words.vocabulary_,
                "char_vocab": char_vocab,
                "word_sublinear": bool(words.sublinear_tf),
                "char_sublinear": bool(chars.sublinear_tf),
                "word_idf": np.asarray(words.idf_, dtype=np.float64),
                "char_idf": np.asarray(chars.idf_, dtype=np.float64),
                "coef": np.asarray(model.linear_.coef_[0], dtype=np.float64),
                "intercept": float(model.linear_.intercept_[0]),
                "platt": (float(model.calibrator_.coef_[0, 0]), float(model.calibrator_.intercept_[0])),
                "char_weight": float(model.char_weight),
                "cue_weight": float(model.cue_weight),
                "pitch_threshold": float(model.pitch_threshold),
                "borderline_threshold": float(model.borderline_threshold),
                "stop_words": frozenset(ENGLISH_STOP_WORDS),
                "sklearn_version": getattr(model, "sklearn_version_", None),
            }
        )

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Probabilities of ``classes_`` for drafts ``texts``: shape ``(n, 2)``, as ``PitchModel.predict_proba``."""
        drafts = [prepare(t) for t in texts]
        pitch, _rows = self.score(drafts, [cues.find(d.own) for d in drafts])
        return np.column_stack([1 - pitch, pitch])

    # -- vectorising ----------------------------------------------------------------------------------
    def _word_columns(self, normalised: str) -> list[int]:
        tokens = self.token.findall(normalised)
        lo, hi = self.word_ngrams
        vocab = self.word_vocab
        columns = []
        for n in range(lo, min(hi, len(tokens)) + 1):
            grams = tokens if n == 1 else [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
            columns += [j for g in grams if (j := vocab.get(g)) is not None]
        return columns

    def _char_columns_of(self, word: str) -> bytes:
        """Column ids of one word's in-vocabulary char_wb n-grams, repeats kept (scikit-learn's ``_char_wb_ngrams``),
        as the bytes of an ``np.intp`` array: a draft's columns are then one ``bytes.join`` and one
        ``np.frombuffer``, several times cheaper than an array per word and ``np.concatenate``.

        A word longer than the longest n-gram less two is split into a head and a tail ("call," is "call" and
        ","): its n-grams are the head's open n-grams (from ``head_columns`` for a word of the model's vocabulary,
        else computed once and cached) and the three to six that reach its end, instead of all of them (~18 for a
        7-letter word). The order differs from scikit-learn's; the counts, all the scores read, do not."""
        if len(word) + 2 <= self.char_ngrams[1]:  # padded, no longer than the longest n-gram: the short-word rule
            w = " " + word + " "
            grams = self._gram_getters.get(len(w)) or self._gram_getter(len(w))
            return _columns_of(grams(w), self.char_vocab)
        head = word.rstrip(_TRAILING)
        opened = self.head_columns.get(head)
        if opened is None:
            opened = self._open_cache.get(head)
            if opened is None:
                padded = " " + head
                opened = _columns_of(self._spans(len(padded), 0)(padded), self.char_vocab)
                remember(self._open_cache, head, opened, CHAR_CACHE_WORDS)
        w = " " + word + " "
        cut = len(head) + 2 - self.char_ngrams[1]  # where the first n-gram reaching past the head can start
        if cut < 0:  # a head shorter than the longest n-gram
            return opened + _columns_of(self._spans(len(head) + 1, len(w))(w), self.char_vocab)
        # The n-grams reaching past the head are those of ``w[cut:]`` reaching past its first ``longest - 1``
        # characters: a word's ending and tail ("ing, "), shared by many words, so cached by it.
        ending = w[cut:]
        closing = self._closing_cache.get(ending)
        if closing is None:
            closing = _columns_of(self._spans(self.char_ngrams[1] - 1, len(ending))(ending), self.char_vocab)
            remember(self._closing_cache, ending, closing, CHAR_CACHE_WORDS)
        return opened + closing

    def _spans(self, head: int, length: int) -> Callable[[str], tuple[str, ...]]:
        """The slicer of ``_open_spans(head)`` (``length`` 0) or of ``_closing_spans(head, length)``, kept while both
        are at most ``GRAM_GETTER_LENGTH``."""
        key = (head, length)
        slicer = self._span_getters.get(key)
        if slicer is None:
            ngrams = self.char_ngrams
            spans = _closing_spans(head, length, ngrams) if length else _open_spans(head, ngrams)
            slicer = _slicer(spans)
            if head <= GRAM_GETTER_LENGTH and length <= GRAM_GETTER_LENGTH:
                self._span_getters[key] = slicer
        return slicer

    def _gram_getter(self, length: int) -> Callable[[str], Iterable[str]]:
        """A function giving the char_wb n-grams of a padded word of ``length`` characters, in scikit-learn's
        order: every n-gram for each n, and a word no longer than n once, whole (then no longer n). Kept per
        length up to ``GRAM_GETTER_LENGTH`` (a getter holds a slice per n-gram: a 40,000-character word would
        hold 120,000 of them)."""
        lo, hi = self.char_ngrams
        spans = []
        for n in range(lo, hi + 1):
            if length <= n:  # a short word counts once, whole
                spans.append(slice(0, length))
                break
            spans += [slice(i, i + n) for i in range(length - n + 1)]
        getter = _slicer(spans)
        if length <= GRAM_GETTER_LENGTH:
            self._gram_getters[length] = getter
        return getter

    def _char_columns(self, text: str) -> bytes:
        cache = self._char_cache
        parts = []
        for word in text.split():
            columns = cache.get(word)
            if columns is None:
                columns = self._char_columns_of(word)
                remember(cache, word, columns, CHAR_CACHE_WORDS)
            parts.append(columns)
        return b"".join(parts)

    def _columns(self, normalised: str) -> tuple[list[int], bytes]:
        """Word and character column ids of one normalised draft (repeats kept), in one pass over its
        whitespace-separated chunks, each chunk's tokens, word columns and char columns cached: with a token
        pattern of word characters only (``_CHUNKED_PATTERNS``) a token never spans whitespace, so the draft's
        tokens are its chunks' tokens in order."""
        cache = self._chunk_cache
        vocab = self.word_vocab
        unigram = self.word_ngrams[0] == 1
        tokens: list[str] = []
        words: list[int] = []
        parts = []
        for chunk in normalised.split():
            entry = cache.get(chunk)
            if entry is None:
                # Tuples, not lists: one object each (the items inline), and untracked by the garbage collector.
                found = tuple(self.token.findall(chunk))
                unigrams = tuple([j for t in found if (j := vocab.get(t)) is not None] if unigram else ())
                entry = (found, unigrams, self._char_columns_of(chunk))
                remember(cache, chunk, entry, CHAR_CACHE_WORDS)
            tokens += entry[0]
            words += entry[1]
            parts.append(entry[2])
        lo, hi = self.word_ngrams
        get = vocab.get
        for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
            # The n-grams "t[i] ... t[i+n-1]" in order, joined and looked up at C speed.
            grams = map(" ".join, zip(*(tokens[k:] for k in range(n)), strict=False))  # shorter lists end it
            words += [j for j in map(get, grams) if j is not None]
        return words, b"".join(parts)

    @staticmethod
    def _tfidf(parts: Sequence, idf: np.ndarray, sublinear: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        """The l2-normalised TF-IDF rows of many drafts, like ``TfidfTransformer.transform``, with one sort and a
        few array operations for them all. ``parts[i]`` is draft i's column ids, repeats kept (a list of ints or
        the bytes of an ``np.intp`` array). Returns ``(owner, columns, values, bounds)``: entry k is draft
        ``owner[k]``'s value at column ``columns[k]``; draft i's entries are ``bounds[i]:bounds[i + 1]``, columns
        ascending."""
        n, width = len(parts), len(idf)
        if isinstance(parts[0], bytes):
            flat = np.frombuffer(b"".join(parts), dtype=np.intp)
        else:
            flat = np.array(list(chain.from_iterable(parts)), dtype=np.intp)
        if n == 1:  # one draft (a single check): its column ids are the keys
            keys = np.sort(flat)
        else:  # draft i's column j is key i * width + j: one sort orders them by draft, then column
            lengths = np.fromiter(map(len, parts), dtype=np.intp, count=n)
            if isinstance(parts[0], bytes):
                lengths //= flat.itemsize
            keys = np.repeat(np.arange(n, dtype=np.intp) * width, lengths)
            keys += flat
            keys.sort()
        # np.unique(keys, return_counts=True), without its wrapper's cost.
        starts = np.empty(len(keys), dtype=bool)
        starts[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=starts[1:])
        first = np.flatnonzero(starts)
        values = np.empty(len(first))
        np.subtract(first[1:], first[:-1], out=values[:-1], casting="unsafe")
        values[-1:] = len(keys) - first[-1:]
        if n == 1:
            columns = keys[first]
            owner = np.zeros(len(columns), dtype=np.intp)
        else:
            owner, columns = np.divmod(keys[first], width)
        if sublinear:
            np.log(values, out=values)
            values += 1.0
        values *= idf[columns]
        norms = np.sqrt(np.bincount(owner, weights=values * values, minlength=n))
        norms[norms == 0.0] = 1.0
        values /= norms[owner]
        bounds = [0, len(columns)] if n == 1 else np.searchsorted(owner, np.arange(n + 1)).tolist()
        return owner, columns, values, bounds

    # -- scoring --------------------------------------------------------------------------------------
    def score(self, drafts: Sequence[Draft], found: Sequence[cues.Cues]) -> tuple[np.ndarray, list[tuple]]:
        """Pitch probabilities (shape ``(n,)``) and each draft's word TF-IDF row ``(columns, values)``.

        ``found[i]`` must be ``cues.find(drafts[i].own)``, as for ``PitchModel.blocks``. The drafts are
        vectorised one by one and scored ``SCORE_CHUNK`` at a time (a draft's score does not depend on the others;
        the chunk's arrays take a few kilobytes per draft, so memory does not grow with a long list).
        """
        probabilities = np.empty(len(drafts))
        rows: list[tuple] = []
        for start in range(0, len(drafts), SCORE_CHUNK):
            end = start + SCORE_CHUNK
            probabilities[start:end], chunk_rows = self._score_chunk(drafts[start:end], found[start:end])
            rows += chunk_rows
        return probabilities, rows

    def _score_chunk(self, drafts: Sequence[Draft], found: Sequence[cues.Cues]) -> tuple[np.ndarray, list[tuple]]:
        n = len(drafts)
        word_parts, char_parts, cue_rows = [], [], []
        same = self.preprocess is self.char_preprocess  # both vectorisers read ``for_model(text)``: do it once
        for draft, f in zip(drafts, found, strict=True):
            text = draft.model_text()
            normalised = self.preprocess(text)
            if same and self.chunked:
                words, chars = self._columns(normalised)
            else:
                words = self._word_columns(normalised)
                chars = self._char_columns(normalised if same else self.char_preprocess(text))
            word_parts.append(words)
            char_parts.append(chars)
            cue_rows.append(cue_vector(draft.own, f))
        w_owner, w_index, w_values, w_bounds = self._tfidf(word_parts, self.word_idf, self.word_sublinear)
        c_owner, c_index, c_values, _ = self._tfidf(char_parts, self.char_idf, self.char_sublinear)
        score = self.intercept + np.bincount(w_owner, weights=w_values * self.word_coef[w_index], minlength=n)
        score += np.bincount(c_owner, weights=(c_values * self.char_weight) * self.char_coef[c_index], minlength=n)
        # A row sum, not a matrix product: BLAS sums a row differently in a block of rows, and a draft's score
        # must not depend on the drafts checked with it.
        score += ((np.array(cue_rows) * self.cue_weight) * self.cue_coef).sum(axis=1)
        a, b = self.platt
        probabilities = 1.0 / (1.0 + np.exp(-(score * a + b)))
        rows = [(w_index[s:e], w_values[s:e]) for s, e in pairwise(w_bounds)]
        return probabilities, rows


_built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def scorer(model) -> FastScorer | None:
    """The ``FastScorer`` of ``model``: ``model`` itself when it is one; for a fitted ``PitchModel``, built on
    first use and rebuilt after a refit or ``set_params``, or ``None`` when its vectorisers use settings the fast
    path does not reproduce. Raises scikit-learn's ``NotFittedError`` before ``fit``."""
    if isinstance(model, FastScorer):
        return model
    if not hasattr(model, "calibrator_"):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(model, "calibrator_")
    key = (model.linear_, model.calibrator_, model.vectorizers_, model.char_weight, model.cue_weight,
           model.pitch_threshold, model.borderline_threshold)  # fmt: skip
    entry = _built.get(model)
    if entry is not None and all(a is b or a == b for a, b in zip(entry[0], key, strict=True)):
        return entry[1]
    words, chars = model.vectorizers_
    fast = FastScorer.from_model(model) if _supported(words, "word") and _supported(chars, "char_wb") else None
    _built[model] = (key, fast)
    return fast


def save(fast: FastScorer, path: Path, source_sha256: str) -> None:
    """Write ``fast`` to ``path`` atomically: a gzip-compressed pickle (protocol 5) of a dict of plain data
    (``FastScorer.FIELDS``, ``format``, and ``source_sha256``: the SHA-256 of the scikit-learn model file it
    was built from, which ``read`` callers compare)."""
    data = {**fast.state, "format": FORMAT, "source_sha256": source_sha256}
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as f:
        pickle.dump(data, f, protocol=5)
    os.replace(tmp, path)


def read(path: Path) -> tuple[FastScorer, str]:
    """A ``FastScorer`` saved by ``save``, and the SHA-256 of the model file it was built from. Raises
    ``ValueError`` (with the reason) for a missing, damaged or other-format file."""
    try:
        with open(path, "rb") as f:
            data = pickle.loads(gzip.decompress(f.read()))
    except FileNotFoundError:
        raise ValueError("the file is missing") from None
    except Exception as exc:  # gzip/pickle raise many types for a damaged file
        raise ValueError(f"the file is damaged ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("the file is not a Rapport fast model of this version")
    return FastScorer(data), str(data.get("source_sha256"))
