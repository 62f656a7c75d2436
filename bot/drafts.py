"""Checking drafts, the part of the coach that needs no ledger: ``rapport check`` uses it alone, so a check
imports the classifier and nothing of SQLAlchemy, Alembic or pydantic. ``bot.coach.Coach`` builds on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import classifier  # light: no scikit-learn (the shipped model loads as classifier.fast.FastScorer)

if TYPE_CHECKING:
    from classifier import PitchModel, Verdict
    from classifier.fast import FastScorer


class DraftChecker:
    """Scores drafts and says why. ``model`` is loaded on first use when not given."""

    def __init__(self, model: PitchModel | FastScorer | None = None):
        self._model = model

    @property
    def model(self) -> PitchModel | FastScorer:
        """The classifier (the shipped one's fast scorer, ``classifier.load_checker``, unless given)."""
        if self._model is None:
            self._model = classifier.load_checker()
        return self._model

    def check_draft(self, text: str) -> Verdict:
        """Score a draft and say why, with open questions to lead with instead (nothing is recorded)."""
        return classifier.check(self.model, text)

    def check_drafts(self, texts: Sequence[str]) -> list[Verdict]:
        """``check_draft`` for many drafts at once, in order (faster than one by one)."""
        return classifier.check_many(self.model, texts)
