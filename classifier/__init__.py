"""Rapport's pitch classifier: pure text in, a ``Verdict`` out. Imports nothing from ``bot``."""

from classifier.model import PitchModel
from classifier.store import load_model
from classifier.verdict import Flag, Signal, Verdict

__all__ = ["Flag", "PitchModel", "Signal", "Verdict", "load_model"]
