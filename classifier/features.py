"""Interpretable cue features for the model, computed from the same rules as the flags.

The model appends these columns to its TF-IDF columns (`PitchModel._matrix`)."""

from __future__ import annotations

import math

from classifier import cues

#: Names of the columns ``CueFeatures`` produces, in order.
FEATURE_NAMES: tuple[str, ...] = (
    *(f"count_{reason}" for reason in cues.REASONS if reason != "pitch_wording"),
    "questions",
    "about_them",
    "first_person_rate",
    "second_person_rate",
    "log_words",
    "exclamations",
    "asks_their_view",
    "bump_then_ask",
    "question_then_pitch",
)

#: Reasons that make an ask: after a bump, or after an opening question, they turn the draft into a pitch.
_ASKS = ("offer", "call_to_action", "meeting_ask", "discount_price", "urgency", "market_speak", "self_focus")


def cue_vector(text: str, found: cues.Cues | None = None) -> list[float]:
    """One row of cue features (``len(FEATURE_NAMES)`` floats, each in 0..1); pass ``found`` to reuse a
    ``cues.find`` result for the same ``text``."""
    c = found if found is not None else cues.find(text)
    n_words = max(1, len(c.words))
    row = [min(c.counts[r], 3) / 3 for r in cues.REASONS if r != "pitch_wording"]
    people = c.first_person + c.second_person
    row += [
        min(c.questions, 4) / 4,
        c.second_person / people if people else 0.5,
        min(1.0, 5 * c.first_person / n_words),
        min(1.0, 5 * c.second_person / n_words),
        math.log1p(n_words) / math.log1p(200),
        min(text.count("!"), 4) / 4,
        min(c.asks_their_view, 3) / 3,
        float(c.counts["bump"] > 0 and any(c.counts[r] for r in _ASKS)),
        float(c.opens_with_question and any(c.counts[r] for r in _ASKS)),
    ]
    return row
