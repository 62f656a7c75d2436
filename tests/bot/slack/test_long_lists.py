"""A long weekly plan and a long ladder in Slack: whole lines in sections of at most 3000 characters, then
"…and N more" and a pointer, in a message and in App Home; ladder commands never scored as drafts."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import wording
from bot.adapters.slack import blocks
from bot.types import PlanItem, Standing, Stats, WeeklyPlan
from tests.bot.slack.test_slack_app import ledger, texts, user

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def long_plan(count: int, needed: int = 0) -> WeeklyPlan:
    items = tuple(
        PlanItem(f"<@U0098LONGERIDX{i:03d}>", "message", 1, NOW, "regular", "in_conversation") for i in range(count)
    )
    return WeeklyPlan(NOW, 500, list(items), count, 0, needed)


def long_ladder(count: int) -> list[Standing]:
    return [
        Standing(f"<@U0098LONGERIDX{i:03d}>", "in_conversation", 12, "regular", False, NOW, "off_feed")
        for i in range(count)
    ]


def listed(body: list[dict], first: int) -> tuple[list[str], str]:
    """The list lines of ``body`` from section ``first`` on (each section at most 3000 characters), and its last."""
    sections = [b["text"]["text"] for b in body[first:] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    lines = [line for s in sections for line in s.split("\n")]
    return [line for line in lines if line.startswith("• ")], lines[-1]


def test_a_plan_of_150_people_shows_each_whole_line_or_says_how_many_more():
    plan = long_plan(150)
    people = [f"• {line}" for line in wording.plan_parts(plan)[1]]
    body = blocks.plan_blocks(plan)
    shown, last = listed(body, 1)
    assert shown == people[: len(shown)]  # whole lines, in order, none broken
    assert len(shown) == 150 and "more" not in last  # 4 sections hold them all
    cut = blocks.plan_blocks(long_plan(400, needed=900))
    shown, last = listed(cut[:-1], 1)
    assert last == wording.and_more(400 - len(shown), blocks.PLAN_REST_MESSAGE)
    assert shown == [f"• {line}" for line in wording.plan_parts(long_plan(400))[1]][: len(shown)]
    assert texts(cut).splitlines()[-1].startswith("Your circles ask for about 900 minutes")  # notes are kept


def test_a_ladder_of_121_long_mentions_is_never_cut_mid_mention():
    body = blocks.ladder_blocks(long_ladder(121))
    shown, last = listed(body, 0)
    assert len(shown) == 121 and all(line.endswith("(default)") for line in shown)
    cut = blocks.ladder_blocks(long_ladder(121), parts=1)
    shown, last = listed(cut, 0)
    assert 0 < len(shown) < 121 and last == wording.and_more(121 - len(shown), blocks.LADDER_REST_MESSAGE)
    assert all(line.endswith("(default)") for line in shown)


def test_app_home_holds_a_long_plan_and_ladder_within_100_blocks_and_cuts_with_a_pointer():
    stats = Stats(0, 0, None, None)
    home = blocks.home_view([], stats, [], long_plan(900), long_ladder(700))
    assert len(home["blocks"]) <= blocks.VIEW_BLOCKS
    shown = texts(home["blocks"])
    assert f"more. {wording.PLAN_REST}" in shown and f"more. {wording.LADDER_REST}" in shown
    assert all(len(b["text"]["text"]) <= 3000 for b in home["blocks"] if b["type"] == "section")


def test_an_empty_ladder_is_a_sentence_not_a_bullet():
    assert texts(blocks.ladder_blocks([])) == wording.NO_RELATIONSHIPS


def test_ladder_commands_without_a_picked_mention_are_answered_never_scored(app):
    _, body = app.command("met <@U2BO|bo> picnic", user="U5PI")
    assert texts(body["blocks"]) == "picnic isn't a way to meet: coffee, lunch, video, drinks or event."
    _, body = app.command("met Dana Lee", user="U5PI")
    assert texts(body["blocks"]).startswith("I can't tell who Dana Lee is")
    _, body = app.command("check to @dana: How did the launch go?", user="U5PI")
    assert texts(body["blocks"]).startswith("I can't tell who @dana is")
    _, body = app.command("check to <@U2BO|bo>:", user="U5PI")
    assert texts(body["blocks"]).startswith("The draft is empty")  # not "too short to judge"
    assert ledger(app).recent_checks(user("U5PI")) == []
