"""Rapport's pitch classifier: pure text in, a ``Verdict`` out. Imports nothing from ``bot``.

``load_model()`` gives the shipped ``PitchModel`` (a scikit-learn estimator); ``load_checker()`` gives what
``check`` needs of it without importing scikit-learn (``classifier.fast``); ``check(model, text)`` and
``check_many(model, texts)`` turn either one's probability into coaching.

The names below load on first use (PEP 562), so ``import classifier`` and ``from classifier import Verdict`` do
not import scikit-learn: commands that never score a draft (``rapport --help``, ``log``, ...) start at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifier.coaching import check, check_many, label_for
    from classifier.model import PitchModel
    from classifier.store import load_checker, load_model
    from classifier.verdict import Flag, Signal, Verdict

#: Where each public name lives; the module is imported when the name is first asked for.
_HOMES = {
    "check": "classifier.coaching",
    "check_many": "classifier.coaching",
    "label_for": "classifier.coaching",
    "PitchModel": "classifier.model",
    "load_model": "classifier.store",
    "load_checker": "classifier.store",
    "Flag": "classifier.verdict",
    "Signal": "classifier.verdict",
    "Verdict": "classifier.verdict",
}

__all__ = [
    "Flag", "PitchModel", "Signal", "Verdict", "check", "check_many", "label_for", "load_checker", "load_model"
]  # fmt: skip


def __getattr__(name: str):
    """Import the module that defines ``name`` (see ``_HOMES``); AttributeError for anything else."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'classifier' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
