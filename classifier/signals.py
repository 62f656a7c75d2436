"""Measurable traits of a draft, each with the range that tends to get replies.

Ranges for length, questions and reading grade come from Boomerang's 2016 analysis of 40 million emails
(see README); the you-versus-me range is our own coaching guideline.
"""

from __future__ import annotations

import re

from classifier.cues import Cues
from classifier.text import remember
from classifier.verdict import Signal

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# A sentence with a letter in it, from its first letter to its end: one match for each piece of text between runs
# of end marks (``re.split(r"[.!?\n]+", text)``) that holds a letter.
_SENTENCE_FROM_LETTER = re.compile(r"[^\W\d_][^.!?\n]*")

# Common English function words, to tell whether a draft is English at all.
_ENGLISH = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "he",
        "her",
        "here",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "know",
        "let",
        "like",
        "me",
        "more",
        "my",
        "new",
        "no",
        "not",
        "now",
        "of",
        "on",
        "one",
        "or",
        "our",
        "out",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "up",
        "us",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "hey",
        "hi",
        "thanks",
        "thank",
    ]
)


# Syllables per word: its vowel groups, less a silent final "e" (not "-le", not "-ee") when the word has
# another vowel group, and at least one. Counted over all words at once with three regex passes.
_NO_VOWEL_WORD = re.compile(r"(?<!\S)[^\saeiouy]+(?!\S)")
_SILENT_E = re.compile(r"[aeiouy][^aeiouy\s]*[^aeiouyl\s]e(?!\S)")


def _word_syllables(word: str) -> int:
    return len(_VOWEL_GROUPS.findall(word)) + len(_NO_VOWEL_WORD.findall(word)) - len(_SILENT_E.findall(word))


#: Syllables per word seen (none of the three patterns matches across a space, so a text's count is the sum of
#: its words' counts), kept as ``classifier.text.remember`` keeps a per-word cache, up to ``SYLLABLE_CACHE_WORDS``.
_SYLLABLES: dict[str, int] = {}
SYLLABLE_CACHE_WORDS = 100_000


def syllables(ws: list[str]) -> int:
    """Total syllables of lower-case words without spaces (a heuristic good enough for a reading grade): what the
    three patterns count in ``" ".join(ws)``, summed from a cache of each word's count."""
    counts = list(map(_SYLLABLES.get, ws))
    if None in counts:
        for k, word in enumerate(ws):
            if counts[k] is None:
                counts[k] = _word_syllables(word)
                remember(_SYLLABLES, word, counts[k], SYLLABLE_CACHE_WORDS)
    return sum(counts)


#: The highest reading grade reported: the scale ends in practice around 18 (postgraduate text), and a long
#: draft without a full stop would otherwise read "grade 3000".
MAX_GRADE = 20.0


def reading_grade(text: str, ws: list[str]) -> float:
    """Flesch-Kincaid grade level, from 0 (also for drafts without words) to ``MAX_GRADE``."""
    if not ws:
        return 0.0
    sentences = max(1, len(_SENTENCE_FROM_LETTER.findall(text)))
    grade = 0.39 * len(ws) / sentences + 11.8 * syllables(ws) / len(ws) - 15.59
    return round(min(max(0.0, grade), MAX_GRADE), 1)


def looks_english(ws: list[str]) -> bool:
    """True when at least 12% of the lower-case words ``ws`` are common English function words (or there are
    fewer than four words to tell)."""
    if len(ws) < 4:
        return True
    hits = sum(w.lower() in _ENGLISH for w in ws)
    return hits / len(ws) >= 0.12


def measure(text: str, found: Cues) -> list[Signal]:
    """The four signals of ``text`` (words, questions, reading grade, share about them), each with the range
    that tends to get replies; ``found`` is ``cues.find`` of the same text."""
    ws = found.words
    n = len(text.split())  # words as a reader counts them, numbers and links included
    grade = reading_grade(text, ws)
    people = found.first_person + found.second_person
    about_them = round(found.second_person / people, 2) if people else 0.5

    def sig(name: str, value: float, low: float | None, high: float | None, note: str) -> Signal:
        ok = (low is None or value >= low) and (high is None or value <= high)
        return Signal(name, value, low, high, ok, note)

    return [
        sig("words", n, 50, 125, "50-125 words get the most replies"),
        sig("questions", found.questions, 1, 3, "one to three questions get more replies than none"),
        sig("reading_grade", grade, None, 6, "plain words and short sentences (grade 3 did best)"),
        sig("about_them", about_them, 0.5, None, "at least as much about them as about you"),
    ]
