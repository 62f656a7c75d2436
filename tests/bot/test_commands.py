"""The one chat grammar every adapter speaks (``bot.commands``)."""

import pytest

from bot import commands as c


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.Help()),
        ("  help ", c.Help()),
        ("/rapport stats", c.Stats()),
        ("followups", c.Followups()),
        ("settings", c.Settings()),
        ("forget", c.Forget()),
        ("unwatch", c.Unwatch()),
        ("watch", c.Watch(7)),
        ("watch 14", c.Watch(14)),
        ("sent <@U123|dana>", c.Sent("<@U123>")),
        ("SENT <@!4567>", c.Sent("<@4567>")),
        ("replied <@U123>", c.Replied("<@U123>")),
        ("done <@U123>", c.Done("<@U123>")),
        ("snooze <@U123>", c.Snooze("<@U123>", 3)),
        ("snooze <@U123> 5", c.Snooze("<@U123>", 5)),
        ("check Hi there", c.Check("Hi there")),
        ("Hi! We help teams like yours grow. Demo Friday?", c.Check("Hi! We help teams like yours grow. Demo Friday?")),
        ("stats are what I love about your talk", c.Check("stats are what I love about your talk")),
        ("quit", c.Quit()),
        ("sent you the deck yesterday, did it help?", c.Check("sent you the deck yesterday, did it help?")),
    ],
)
def test_parse(text, expected):
    assert c.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["sent @dana.lee", "sent @Dana Lee", "replied dana", "done dana", "snooze @dana 3", "sent", "sent <@U1> hi"]
)
def test_a_contact_without_a_platform_id_is_a_hint_never_a_draft_check(text):
    parsed = c.parse(text)
    assert isinstance(parsed, c.Hint)
    assert "`" + text.split()[0] + " @someone`" in parsed.text


def test_an_unknown_word_is_a_one_line_hint():
    parsed = c.parse("wat")
    assert isinstance(parsed, c.Hint) and "\n" not in parsed.text and "“wat”" in parsed.text


def test_the_console_takes_plain_names():
    assert c.parse("sent Dana Lee", names=True) == c.Sent("Dana Lee")
    assert c.parse("snooze Dana Lee 4", names=True) == c.Snooze("Dana Lee", 4)
    assert c.parse("sent <@U1|x>", names=True) == c.Sent("<@U1>")


def test_every_word_has_one_help_line():
    lines = c.help_text("/rapport ").splitlines()
    assert [line.split("`")[1].split()[1] for line in lines] == [e.word for e in c.GRAMMAR]
