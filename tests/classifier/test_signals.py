import pytest

from classifier import cues, signals


@pytest.mark.parametrize(
    ("word", "count"),
    [("cake", 1), ("able", 2), ("cheese", 1), ("the", 1), ("venue", 2), ("rhythm", 1), ("tsk", 1), ("conversation", 4)],
)
def test_syllables(word, count):
    assert signals.syllables([word]) == count


def test_syllables_add_up_over_words():
    assert signals.syllables(["cake", "able", "cheese"]) == 4


def test_cached_syllables_equal_the_patterns_over_the_joined_words():
    from classifier import corpus, text

    for draft in [e.text for e in corpus.load()][::5]:
        ws = text.words(draft)
        joined = " ".join(ws)
        expected = sum(len(p.findall(joined)) for p in (signals._VOWEL_GROUPS, signals._NO_VOWEL_WORD))
        expected -= len(signals._SILENT_E.findall(joined))
        assert signals.syllables(ws) == expected, draft[:80]
        assert signals.syllables(ws) == expected  # again, from the cache


def test_plain_short_sentences_read_at_a_low_grade():
    easy = "We met last week. How is the new job going? I hope it is fun."
    hard = (
        "Our comprehensive enterprise-grade orchestration infrastructure revolutionizes organizational "
        "interoperability across heterogeneous multi-cloud environments."
    )
    assert signals.reading_grade(easy, cues.find(easy).words) < 4
    assert signals.reading_grade(hard, cues.find(hard).words) > 12


def test_signal_ranges():
    text = "Congrats on the launch! What was the hardest part?"
    by_name = {s.name: s for s in signals.measure(text, cues.find(text))}
    assert by_name["words"].value == 9 and not by_name["words"].in_range
    assert by_name["questions"].value == 1 and by_name["questions"].in_range
    assert by_name["about_them"].value == 0.5  # no pronouns either way
    assert by_name["reading_grade"].in_range


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("hey how are you doing today", True),
        ("Hola, ¿cómo estás? Me encantaría saber cómo va todo", False),
        ("ok", True),
    ],
)
def test_looks_english(text, english):
    assert signals.looks_english(cues.find(text).words) is english
