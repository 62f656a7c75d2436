"""Slack's text rules and Block Kit limits: decoding what Slack sends, escaping what goes back, fitting lists to
50 blocks a message and 100 a view, splitting long digests, and a refused message never retried forever.

The end-to-end cases run the real ``rapport slack`` process against the stand-in, which refuses more than 50
blocks in a message (100 in a view) and any block slack_sdk's models reject, with ``invalid_blocks`` as Slack does.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackObjectFormationError

from bot.adapters.slack import blocks, text
from bot.adapters.slack.notifier import SlackNotifier
from bot.coach import Coach
from bot.commands import Check, Hint, Sent
from bot.ledger.db import open_ledger
from bot.types import DueReminder, Refused, Stats, UserRef
from tests.bot.slack.conftest import BOT_TOKEN, stand_in_for
from tests.fakes.slack_api import TEAM_ID

ESCAPED = "I'm ex-AT&amp;T and we help R&amp;D teams like yours. Book a 15-min demo?"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def texts(body: list[dict]) -> str:
    return "\n".join(b["text"]["text"] for b in body if b.get("type") == "section")


def due(count: int, user: str = "U1ANA") -> list[DueReminder]:
    ref = UserRef("slack", TEAM_ID, user)
    return [DueReminder(i, ref, f"<@U{i:04d}>", "follow_up", 1, NOW - timedelta(days=1)) for i in range(1, count + 1)]


def reminder_ids(messages: list[list[dict]]) -> list[str]:
    return [b["block_id"] for body in messages for b in body if b.get("block_id", "").startswith("reminder:")]


# -- text in, text out ------------------------------------------------------------------------------------------
def test_slack_escapes_and_entities_are_decoded_before_the_coach_reads_them():
    assert text.decode(ESCAPED) == "I'm ex-AT&T and we help R&D teams like yours. Book a 15-min demo?"
    assert text.decode("a &amp;lt; b &gt; c") == "a &lt; b > c"  # a typed "&lt;" stays as typed
    said = "<!here> see <#C1SALES|sales>, <https://x.example/deck?a=1&amp;b=2|our deck> and <https://x.example>"
    assert text.decode(said) == "@here see #sales, our deck and https://x.example"
    assert text.decode("<mailto:dana@x.example|dana@x.example>, <@U2BO|bo>") == "dana@x.example, <@U2BO|bo>"
    assert text.readable(text.decode("thanks <@U2BO|bo> and <@U3CY>")) == "thanks @bo and @U3CY"
    assert text.escape("AT&T <b>") == "AT&amp;T &lt;b&gt;"


def test_the_grammar_reads_the_decoded_command_a_picked_mention_keeps_its_id_a_typed_name_gets_a_hint():
    assert text.command(ESCAPED) == Check("I'm ex-AT&T and we help R&D teams like yours. Book a 15-min demo?")
    assert text.command("check thanks <@U2BO|bo> &amp; all") == Check("thanks @bo & all")
    assert text.command("sent <@U2BO|dana.lee>") == Sent("<@U2BO>")
    hint = text.command("sent @dana.lee")  # typed without autocomplete: Slack sends plain "@dana.lee"
    assert isinstance(hint, Hint) and hint.text.startswith("I can't tell who @dana.lee is")
    assert "“&lt;b&gt;”" in text.command("&lt;b&gt;").text  # a hint repeating what was typed is escaped going back


def test_an_escaped_draft_is_checked_and_shown_as_typed(app):
    status, body = app.command(ESCAPED)
    assert status == 200
    shown = texts(body["blocks"])
    assert "&amp;amp;" not in shown and "AT&amp;T" in shown  # Slack shows "AT&T"; never "AT&amp;T"
    actions = next(b for b in body["blocks"] if b["type"] == "actions")
    again = next(e for e in actions["elements"] if e["action_id"] == "check_again")
    assert again["value"] == text.decode(ESCAPED)  # the form gets the text as typed


# -- limits -------------------------------------------------------------------------------------------------------
def test_every_builder_is_checked_by_slack_sdk_models_and_the_block_counts():
    with pytest.raises(SlackObjectFormationError, match="51 blocks"):
        blocks.checked([blocks.section("x")] * 51)
    with pytest.raises(SlackObjectFormationError):
        blocks.checked([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert len(blocks.checked([blocks.section("x")] * 50)) == 50


def test_a_long_followups_list_is_cut_with_and_n_more_and_a_pointer():
    body = blocks.followups_blocks(due(25))
    assert len(body) <= blocks.MESSAGE_BLOCKS
    shown = len(reminder_ids([body]))
    assert body[-1]["text"]["text"] == f"…and {25 - shown} more. {blocks.IN_HOME}"
    assert shown == 24
    assert len(blocks.followups_blocks(due(24))) == 49 and "more" not in texts(blocks.followups_blocks(due(24)))

    home = blocks.home_view(due(60), _stats(), [])
    assert len(home["blocks"]) <= blocks.VIEW_BLOCKS
    assert f"more. {blocks.IN_FOLLOWUPS}" in texts(home["blocks"])
    assert texts(home["blocks"]).endswith("No checks yet. Try `/rapport <draft>`.")  # the end is never cut off


def test_a_digest_too_long_for_one_message_is_split_and_each_reminder_is_in_it_once():
    items = due(30)
    messages = blocks.digest_messages(items)
    assert len(messages) == 2 and all(len(body) <= blocks.MESSAGE_BLOCKS for _, body in messages)
    assert sorted(reminder_ids([body for _, body in messages])) == sorted(f"reminder:{i.id}" for i in items)
    assert [len(part) for part, _ in messages] == [24, 6]
    assert texts(messages[1][1]).startswith("*Your Rapport digest for today* (2/2)")


def test_the_strict_stand_in_takes_a_split_digest_of_30_and_the_ledger_can_find_each_reminder():
    with stand_in_for() as stand_in:
        notifier = SlackNotifier(WebClient(token=BOT_TOKEN, base_url=stand_in.api_url))
        items = due(30)
        notifier.send_digest(items[0].user, items)
        posted = stand_in.posted("U1ANA")
        assert len(posted) == 2
        assert sorted(reminder_ids([m["blocks"] for m in posted])) == sorted(f"reminder:{i.id}" for i in items)
        assert all(notifier.delivered(item, NOW - timedelta(days=400)) for item in items)


def test_the_stand_in_refuses_51_blocks_as_slack_does():
    with stand_in_for() as stand_in:
        client = WebClient(token=BOT_TOKEN, base_url=stand_in.api_url)
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="U1", text="x", blocks=[blocks.section("x")] * 51)
        assert refused.value.response["error"] == "invalid_blocks"
        assert client.chat_postMessage(channel="U1", text="x", blocks=[blocks.section("x")] * 50)["ok"]


def test_a_message_refused_as_malformed_is_logged_as_a_bug_sent_as_text_and_never_retried_forever(caplog):
    refusal = (200, {}, {"ok": False, "error": "invalid_blocks", "errors": ["bad block"]})
    with stand_in_for() as stand_in:
        notifier = SlackNotifier(WebClient(token=BOT_TOKEN, base_url=stand_in.api_url))
        [item] = due(1)
        stand_in.script("chat.postMessage", refusal)
        with caplog.at_level(logging.ERROR, logger="bot.adapters.slack.notifier"):
            notifier.send(item)
        assert "bug: Slack refused a reminder message as malformed (invalid_blocks)" in caplog.text
        [message] = stand_in.posted("U1ANA")
        assert "blocks" not in message and "<@U0001>" in message["text"]
        # No blocks, so no block_id: the text's mark is what finds it after a lost answer.
        assert message["text"].endswith(f"(reminder #{item.id})")
        assert notifier.delivered(item, NOW - timedelta(days=400))
        assert not notifier.delivered(replace(item, id=item.id * 10), NOW - timedelta(days=400))

        stand_in.script("chat.postMessage", refusal, refusal)
        with pytest.raises(Refused) as refused:  # the round sets it aside instead of trying again every round
            notifier.send(item)
        assert refused.value.notice == "message_refused"  # its own words, not "your DMs are closed"


def test_a_refused_digest_falls_back_to_text_marked_with_each_reminder():
    refusal = (200, {}, {"ok": False, "error": "invalid_blocks", "errors": ["bad block"]})
    with stand_in_for() as stand_in:
        notifier = SlackNotifier(WebClient(token=BOT_TOKEN, base_url=stand_in.api_url))
        items = due(3)
        stand_in.script("chat.postMessage", refusal)
        notifier.send_digest(items[0].user, items)
        [message] = stand_in.posted("U1ANA")
        assert "blocks" not in message
        assert all(notifier.delivered(item, NOW - timedelta(days=400)) for item in items)


def test_25_due_followups_answer_slash_followups_within_50_blocks(app):
    coach = Coach(sessions=open_ledger(app.database_url))
    user = UserRef("slack", TEAM_ID, "U8MANY")
    coach.ensure_user(user, NOW)
    # The running app's rounds must leave these alone: a round that reaches a due reminder in quiet hours moves it
    # to the end of them (no longer due now), while a daily-digest user in quiet hours is skipped untouched.
    hour = datetime.now(UTC).hour
    coach.update_settings(
        user, NOW, timezone="UTC", quiet_start_hour=hour, quiet_end_hour=(hour + 2) % 24, daily_digest=True
    )
    for number in range(25):
        coach.record_outreach(user, f"<@U9{number:03d}>", datetime.now(UTC) - timedelta(days=30))
    status, body = app.command("followups", user="U8MANY")
    assert status == 200 and body["response_type"] == "ephemeral", body
    assert len(body["blocks"]) <= blocks.MESSAGE_BLOCKS
    assert texts(body["blocks"]).endswith(blocks.IN_HOME)


def _stats() -> Stats:
    return Stats(reached=0, replied=0, reply_rate=None, median_hours_to_reply=None)
