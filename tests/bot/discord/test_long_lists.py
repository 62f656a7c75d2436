"""A long weekly plan and a long ladder on Discord: whole lines within 2,000 characters of content, then
"…and N more" and a pointer; never a line (or a mention) cut in the middle."""

from __future__ import annotations

from bot import wording
from bot.adapters.discord import render
from tests.bot.slack.test_long_lists import long_ladder, long_plan


def test_a_plan_of_150_people_is_whole_lines_and_says_how_many_more():
    plan = long_plan(150, needed=900)
    shown = render.plan_text(plan)
    assert len(shown) <= render.CONTENT_MAX
    people = [f"• {line}" for line in wording.plan_parts(plan)[1]]
    lines = shown.split("\n")
    listed = [line for line in lines if line.startswith("• ")]
    assert 0 < len(listed) < 150 and listed == people[: len(listed)]
    assert lines[-2] == wording.and_more(150 - len(listed), wording.PLAN_REST)
    assert lines[-1].startswith("Your circles ask for about 900 minutes")  # the notes are kept
    assert "more" not in render.plan_text(long_plan(3))


def test_a_ladder_of_121_long_mentions_is_never_cut_mid_mention():
    shown = render.ladder_text(long_ladder(121))
    assert len(shown) <= render.CONTENT_MAX
    lines = shown.split("\n")
    assert all(line.endswith("(default)") for line in lines[:-1])
    assert lines[-1] == wording.and_more(121 - len(lines[:-1]), wording.LADDER_REST)


def test_an_empty_ladder_is_a_sentence_not_a_bullet():
    assert render.ladder_text([]) == wording.NO_RELATIONSHIPS
