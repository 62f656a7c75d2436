"""Where the trained model lives, and loading it safely.

Search order for ``load_model()``: ``RAPPORT_MODEL`` (a path) if set; otherwise the model shipped with the
package (``classifier/_shipped/`` in an installed wheel, ``models/`` in a source checkout). If that file
cannot be loaded (corrupt, or written by another scikit-learn), the model is rebuilt from the corpus once,
cached in the user's cache directory, and used from there: a warning says so, nothing crashes.

File format: a gzip-compressed pickle (protocol 5) written with the C pickler, with the vectorisers'
vocabulary values stored as Python ``int`` (scikit-learn fits them as ``numpy.int64``, which the unpickler
rebuilds one Python call at a time). It loads in tens of milliseconds; ``joblib.load`` still reads it, and
``read`` still reads files ``joblib.dump`` wrote. ``tests/classifier/test_store.py`` holds the probabilities
bitwise equal across the formats.

Beside it, ``save`` writes ``pitch.fast``: the model's ``classifier.fast.FastScorer`` (plain dicts and numpy
arrays) with the SHA-256 of the model file it was built from. ``load_checker()``, what ``rapport check``
uses, reads that file when its hash matches the model file, without importing scikit-learn or SciPy; otherwise
it loads the model with ``load_model()`` and builds the same scorer from it. ``tests/classifier/test_fast.py``
holds the shipped ``pitch.fast`` equal to the shipped model's scikit-learn objects.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import logging
import os
import pickle
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from classifier import coaching, fast

if TYPE_CHECKING:  # scikit-learn, joblib and the model class load only when a PitchModel is read or trained
    from classifier.model import PitchModel

log = logging.getLogger(__name__)

MODEL_NAME = "pitch.joblib"
#: Suffix of the fast model written beside a model file (``pitch.joblib`` -> ``pitch.fast``).
FAST_SUFFIX = ".fast"
_PACKAGE_DIR = Path(__file__).parent
REPO_MODELS_DIR = _PACKAGE_DIR.parent / "models"


def shipped_model_path() -> Path:
    """The model that comes with this copy of Rapport."""
    installed = _PACKAGE_DIR / "_shipped" / MODEL_NAME
    return installed if installed.exists() else REPO_MODELS_DIR / MODEL_NAME


def cache_path() -> Path:
    """Where a model rebuilt from the corpus is kept: the user cache directory, per scikit-learn version."""
    import sklearn
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rapport")) / f"pitch-sklearn-{sklearn.__version__}.joblib"


_GZIP_MAGIC = b"\x1f\x8b"


def save(model: PitchModel, path: Path) -> None:
    """Write ``model`` to ``path`` (format in the module docstring) atomically: a crash mid-write never leaves a
    half-written model in place. The vocabularies' values become Python ``int`` (same columns, same
    probabilities)."""
    for vectorizer in getattr(model, "vectorizers_", ()):
        vectorizer.vocabulary_ = {term: int(j) for term, j in vectorizer.vocabulary_.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with gzip.open(tmp, "wb", compresslevel=6) as f:
        pickle.dump(model, f, protocol=5)
    os.replace(tmp, path)
    write_fast(model, path)


def fast_path(path: Path) -> Path:
    """Where the fast model of the model file ``path`` lives."""
    return Path(path).with_suffix(FAST_SUFFIX)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_fast(model: PitchModel, path: Path) -> None:
    """Write the fast model of ``model`` (already saved at ``path``) to ``fast_path(path)``; remove a stale one
    when the model's vectorisers cannot take the fast path."""
    scorer = fast.scorer(model)
    if scorer is None:
        fast_path(path).unlink(missing_ok=True)
        return
    fast.save(scorer, fast_path(path), _sha256(path))


def _load(path: Path):
    import joblib

    with open(path, "rb") as f:
        head = f.read(2)
        if head != _GZIP_MAGIC:  # written by joblib.dump (Rapport before issue 18, or by hand)
            return joblib.load(path)
        f.seek(0)
        return pickle.loads(gzip.decompress(f.read()))


def read(path: Path) -> PitchModel:
    """Load a model file; raise ``ValueError`` with the reason if it is unusable."""
    import sklearn
    from sklearn.exceptions import InconsistentVersionWarning

    from classifier.model import PitchModel

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            model = _load(path)
    except InconsistentVersionWarning as exc:
        raise ValueError(f"it was trained with scikit-learn {exc.original_sklearn_version}") from None
    except FileNotFoundError:
        raise ValueError("the file is missing") from None
    except Exception as exc:  # joblib/pickle raise many types for a damaged file
        raise ValueError(f"the file is damaged ({type(exc).__name__})") from None
    if not isinstance(model, PitchModel) or not hasattr(model, "calibrator_"):
        raise ValueError("the file does not hold a trained Rapport model")
    if model.sklearn_version_ != sklearn.__version__:
        raise ValueError(f"it was trained with scikit-learn {model.sklearn_version_}")
    coaching.warm_up(model)  # the fast path and lazy tables built at load: the first check is as quick as the next
    return model


def rebuild(path: Path) -> PitchModel:
    """Train a model from the packaged corpus with default parameters and try to save it to ``path``."""
    from classifier import corpus
    from classifier.model import PitchModel

    examples = corpus.load()
    model = PitchModel().fit(
        [e.text for e in examples], [e.label for e in examples], groups=[e.source for e in examples]
    )
    try:
        save(model, path)
    except OSError as exc:  # a read-only or full cache directory must not stop a check
        log.warning("Could not save the rebuilt model to %s (%s); it will be rebuilt next time.", path, exc)
    return model


_loaded: dict[Path, PitchModel] = {}


def load_model(path: str | os.PathLike[str] | None = None) -> PitchModel:
    """The trained model (cached per process). See the module docstring for where it comes from."""
    explicit = path or os.environ.get("RAPPORT_MODEL")
    target = Path(explicit) if explicit else shipped_model_path()
    if target in _loaded:
        return _loaded[target]
    try:
        model = read(target)
    except ValueError as problem:
        if explicit:
            raise ValueError(f"Cannot load the model at {target}: {problem}.") from None
        fallback = cache_path()
        try:
            model = read(fallback)
            log.info("using the model rebuilt earlier at %s", fallback)
        except ValueError:
            log.warning(
                "The shipped model could not be loaded (%s); rebuilding it from the corpus, once, into %s.",
                problem,
                fallback,
            )
            model = rebuild(fallback)
    _loaded[target] = model
    return model


_checkers: dict[Path, fast.FastScorer | PitchModel] = {}


def _write_fast_beside(checker: fast.FastScorer, path: Path) -> None:
    """Write ``checker`` as the fast model of the model file ``path`` (whose fast model was missing, stale, or
    written by an older Rapport), so that the next process loads it in tens of milliseconds instead of loading
    the scikit-learn model (about a second). A folder that cannot be written costs only that time: a warning."""
    try:
        fast.save(checker, fast_path(path), _sha256(path))
    except OSError as exc:
        log.warning(
            "Each check with %s loads the full model (about a second): its fast model could not be written "
            "beside it (%s). Make the folder writable, or run `rapport train` again.",
            path,
            exc.strerror or exc,
        )
    else:
        log.info("wrote the fast model of %s beside it", path)


def load_checker(path: str | os.PathLike[str] | None = None) -> fast.FastScorer | PitchModel:
    """What ``check`` needs, as fast to load as it can be (cached per process): the ``FastScorer`` saved beside
    the model file (same place as ``load_model``) when it was built from that very file, read without importing
    scikit-learn; otherwise the scorer built from ``load_model(path)`` (or that ``PitchModel`` itself when its
    settings have no fast path). Raises ``ValueError`` as ``load_model`` does."""
    explicit = path or os.environ.get("RAPPORT_MODEL")
    target = Path(explicit) if explicit else shipped_model_path()
    if target in _checkers:
        return _checkers[target]
    try:
        checker, source = fast.read(fast_path(target))
        if source != _sha256(target):
            raise ValueError("it was built from another model file")
        coaching.warm_up(checker)
    except (ValueError, OSError) as problem:
        log.info("not using the fast model beside %s (%s): loading the model itself", target, problem)
        model = load_model(target if explicit else None)
        checker = fast.scorer(model) or model
        if explicit and isinstance(checker, fast.FastScorer):  # a model of the user's: next time, load it fast
            _write_fast_beside(checker, target)
    _checkers[target] = checker
    # The model's tens of thousands of objects were just made: without a collection now, the first check's
    # young-generation collection would traverse them (in whichever check crosses the threshold; `rapport bench`'s
    # "first check" row). One full collection moves them to the oldest generation, as a long-running process would.
    gc.collect()
    return checker
