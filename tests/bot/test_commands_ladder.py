"""The ladder's words (met, called, emailed, circle) and ``check to`` in the one chat grammar: never a draft."""

import pytest

from bot import commands as c

WAYS = "coffee, lunch, video, drinks or event"


@pytest.mark.parametrize(
    ("text", "typed"),
    [("met <@U2BO|bo> picnic", "picnic"), ("met <@U10ABCDEF> coffee extra", "coffee extra")],
)
def test_words_after_a_picked_mention_that_are_no_way_to_meet_get_one_line(text, typed):
    assert c.parse(text) == c.Hint(f"{typed} isn't a way to meet: {WAYS}.")


def test_a_typed_mention_in_the_console_is_one_token():
    assert c.parse("met @jo picnic", names=True) == c.Hint(f"picnic isn't a way to meet: {WAYS}.")
    assert c.parse("met @jo coffee", names=True) == c.Step("met", "@jo", "coffee")


def test_a_plain_name_in_the_console_keeps_its_words():
    assert c.parse("met Dana Lee coffee", names=True) == c.Step("met", "Dana Lee", "coffee")
    assert c.parse("met Dana Lee", names=True) == c.Step("met", "Dana Lee", None)
    assert c.parse("circle Dana Lee wider", names=True) == c.Circle("Dana Lee", "wider")


@pytest.mark.parametrize(
    "text",
    ['emailed "Sam Ortiz"', "emailed “Sam Ortiz”", "emailed 'Sam Ortiz'", "emailed ‘Sam Ortiz’"],
)
def test_one_pair_of_surrounding_quotes_is_dropped_from_a_name(text):
    assert c.parse(text, names=True) == c.Step("emailed", "Sam Ortiz")


def test_quotes_are_dropped_for_every_contact_word():
    assert c.parse('sent "Sam Ortiz"', names=True) == c.Sent("Sam Ortiz")
    assert c.parse('met "Dana Lee" coffee', names=True) == c.Step("met", "Dana Lee", "coffee")
    assert c.parse('emailed "Sam" Ortiz"', names=True) == c.Hint(
        "`emailed` takes one person and nothing else: `emailed @someone`."
    )


@pytest.mark.parametrize("text", ["met x Coffee", "met x --how Coffee", "met x --how=COFFEE", "met x coffee"])
def test_a_way_to_meet_is_read_in_any_case(text):
    assert c.parse(text, names=True) == c.Step("met", "x", "coffee")


@pytest.mark.parametrize(
    ("text", "word", "typed"),
    [
        ("met Dana Lee", "met", "Dana Lee"),
        ("met Dana Lee coffee", "met", "Dana Lee"),
        ("called Dana Lee", "called", "Dana Lee"),
        ("emailed dana about the launch", "emailed", "dana about the launch"),
        ("met @dana.lee", "met", "@dana.lee"),
    ],
)
def test_ladder_words_without_a_picked_mention_are_a_hint_never_a_draft(text, word, typed):
    assert c.parse(text) == c.Hint(c.contact_hint(word, typed))


def test_check_to_a_typed_name_is_the_contact_hint_not_a_score():
    got = c.parse("check to @dana: How did the launch go?")
    assert isinstance(got, c.Hint) and "I can't tell who @dana is" in got.text


@pytest.mark.parametrize("text", ["check to <@U1>:", "check to <@U1|dana>:   "])
def test_check_to_with_no_draft_says_the_draft_is_empty(text):
    assert c.parse(text) == c.Hint(c.EMPTY_DRAFT)
    assert "empty" in c.EMPTY_DRAFT


def test_check_to_a_picked_mention_still_checks_the_draft():
    assert c.parse("check to <@U1|dana>: How did the launch go?") == c.Check("How did the launch go?", "<@U1>")
    assert c.parse("check to see whether: this works") == c.Check("to see whether: this works")


def test_the_help_says_what_stats_shows():
    line = next(line for line in c.help_text().splitlines() if "`stats`" in line)
    assert "reply rate" in line and "how fast" not in line
