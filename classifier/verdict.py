"""The plain data a check returns. No behaviour beyond serialisation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Label = Literal["pitch", "borderline", "conversation"]


@dataclass(frozen=True, slots=True)
class Flag:
    """A salesy phrase: ``text == draft[start:end]``; ``reason`` is one of ``classifier.cues.REASONS``."""

    start: int
    end: int
    text: str
    reason: str
    why: str


@dataclass(frozen=True, slots=True)
class Signal:
    """A measurable trait of the draft and the range that tends to get replies."""

    name: str
    value: float
    low: float | None
    high: float | None
    in_range: bool
    note: str


@dataclass(frozen=True, slots=True)
class Verdict:
    text: str
    pitch_probability: float
    label: Label
    flags: list[Flag]
    questions: list[str]
    tip: str
    signals: list[Signal]
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        """The pitch probability as a 0-100 score, as users see it."""
        return round(self.pitch_probability * 100)

    def to_dict(self, include_text: bool = False) -> dict:
        data = asdict(self)
        if not include_text:
            del data["text"]
        data["score"] = self.score
        return data
