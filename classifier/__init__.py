"""Rapport's pitch classifier: pure text in, a ``Verdict`` out. Imports nothing from ``bot``.

``load_model()`` gives the shipped ``PitchModel`` (a scikit-learn estimator); ``check(model, text)`` and
``check_many(model, texts)`` turn its probability into coaching.
"""

from classifier.coaching import check, check_many, label_for
from classifier.model import PitchModel
from classifier.store import load_model
from classifier.verdict import Flag, Signal, Verdict

__all__ = ["Flag", "PitchModel", "Signal", "Verdict", "check", "check_many", "label_for", "load_model"]
