"""The user's own evidence (``bot.evidence``): Wilson intervals and when a comparison may be made."""

import pytest

from bot.evidence import ENOUGH, Rate, compare, rate_text, wilson


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score, no correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_intervals_match_the_published_table(k, n, low, high):
    got = wilson(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_bad_counts_are_one_line_errors():
    with pytest.raises(ValueError, match="0 <= successes <= trials"):
        wilson(3, 2)
    with pytest.raises(ValueError):
        wilson(0, 0)


def test_a_rate_reads_with_its_count_and_interval():
    assert rate_text("pitch", Rate(20, 5)) == "pitch: 5 of 20 replied, 25% (95% CI 11-47%)"
    assert rate_text("pitch", Rate(0, 0)) == "pitch: no sends yet"


def test_nothing_is_compared_until_each_side_has_ten_sends():
    assert ENOUGH == 10
    assert compare("questions", Rate(10, 8), "pitches", Rate(9, 0)) is None
    assert compare("questions", Rate(9, 8), "pitches", Rate(40, 0)) is None
    assert compare("questions", Rate(10, 8), "pitches", Rate(10, 0)) is not None
    said = compare("question-led messages", Rate(20, 16), "pitches", Rate(20, 4))
    assert said == "Your question-led messages got replies 4.0 times as often as your pitches."
    assert "about as often" in compare("a", Rate(10, 5), "b", Rate(10, 4))
