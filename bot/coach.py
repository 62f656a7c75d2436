"""The one service every adapter calls. Knows no platform SDK: plain text in, plain dataclasses out."""

from __future__ import annotations

from collections.abc import Sequence

from classifier import PitchModel, Verdict, load_model


class Coach:
    def __init__(self, model: PitchModel | None = None):
        self._model = model

    @property
    def model(self) -> PitchModel:
        if self._model is None:
            self._model = load_model()
        return self._model

    def check_draft(self, text: str) -> Verdict:
        """Score a draft and say why, with open questions to lead with instead."""
        return self.model.check(text)

    def check_drafts(self, texts: Sequence[str]) -> list[Verdict]:
        return self.model.check_many(texts)
