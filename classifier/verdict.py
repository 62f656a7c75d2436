"""The plain data a check returns. No behaviour beyond serialisation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Literal

#: ``unscored``: too short to judge (a greeting, one or two words with no salesy phrase) or not English. The
#: probability is kept for the record, but renderers show the note saying why instead of a score.
Label = Literal["pitch", "borderline", "conversation", "unscored"]


@dataclass(frozen=True, slots=True)
class Flag:
    """A salesy phrase: ``text == draft[start:end]``; ``reason`` is one of ``classifier.cues.REASONS``."""

    start: int
    end: int
    text: str
    reason: str
    why: str


#: How each signal is named for a reader, and whether its value is a share (shown as a percentage).
SIGNAL_LABELS: dict[str, str] = {"reading_grade": "reading grade", "about_them": "about them"}
PERCENT_SIGNALS = frozenset({"about_them"})


@dataclass(frozen=True, slots=True)
class Signal:
    """A measurable trait of the draft and the range that tends to get replies.

    ``value``, ``low`` and ``high`` share a unit: words, questions, a Flesch-Kincaid grade, or a share
    from 0 to 1 (``about_them``); ``low``/``high`` of ``None`` means unbounded on that side.
    """

    name: str
    value: float
    low: float | None
    high: float | None
    in_range: bool
    note: str

    @property
    def label(self) -> str:
        """The name as a reader sees it, e.g. ``"about them"``."""
        return SIGNAL_LABELS.get(self.name, self.name.replace("_", " "))

    def show(self, value: float) -> str:
        """A value in this signal's unit as text: ``"40%"`` for shares, ``"12"`` or ``"6.5"`` otherwise."""
        return f"{value:.0%}" if self.name in PERCENT_SIGNALS else f"{value:g}"

    @property
    def target(self) -> str:
        """The range that tends to get replies, e.g. ``"50-125"``, ``"≤6"``, ``"≥50%"``."""
        if self.low is not None and self.high is not None:
            return f"{self.show(self.low)}-{self.show(self.high)}"
        if self.high is not None:
            return f"≤{self.show(self.high)}"
        return f"≥{self.show(self.low)}" if self.low is not None else ""

    def summary(self, with_target: bool = False) -> str:
        """One line for any renderer: ``"words 15 ✗"``, or ``"words 15 ✗ (50-125)"`` with the target."""
        line = f"{self.label} {self.show(self.value)} {'✓' if self.in_range else '✗'}"
        return f"{line} ({self.target})" if with_target and self.target else line


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a check returns (``classifier.coaching.check``).

    ``pitch_probability`` is calibrated (0..1); ``flags`` point into ``text``; ``questions`` are 2-3 open
    questions fitted to the draft; ``intent`` is what the draft is doing (a key of
    ``classifier.questions.PATTERNS``); ``rewrite`` is a question-led version of the draft for ``pitch`` and
    ``borderline`` verdicts (``None`` otherwise).
    """

    text: str
    pitch_probability: float
    label: Label
    flags: list[Flag]
    questions: list[str]
    tip: str
    signals: list[Signal]
    notes: list[str] = field(default_factory=list)
    intent: str = "catch_up"
    rewrite: str | None = None

    @property
    def score(self) -> int | None:
        """The pitch probability as a 0-100 score, as users see it; ``None`` for an ``unscored`` draft."""
        return None if self.label == "unscored" else round(self.pitch_probability * 100)

    def to_dict(self, include_text: bool = False) -> dict:
        """The verdict as JSON-ready data (``score`` added; the draft itself only with ``include_text``)."""
        data = asdict(self)
        if not include_text:
            del data["text"]
        data["score"] = self.score
        return data


def _pickled_by_fields(cls: type) -> None:
    """Pickle ``cls`` as its constructor and field values. A frozen dataclass with slots otherwise pickles through
    a state dict restored one ``object.__setattr__`` at a time: this halves the cost of sending a batch worker's
    verdicts back (``classifier.batch``)."""
    names = tuple(f.name for f in fields(cls))

    def reduce(self):
        return (cls, tuple([getattr(self, name) for name in names]))

    cls.__reduce__ = reduce


for _cls in (Flag, Signal, Verdict):
    _pickled_by_fields(_cls)
