"""Coach features the chat adapters share: checks and "Not a pitch", replies seen in channels, watched
channels and their digest, processed events, closed DMs. SQLite and PostgreSQL, like the rest of the ledger."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.channel_digests import deliver as deliver_channel_digests
from bot.coach import Message
from bot.ledger.repo import UserRef
from bot.reminders import Undeliverable, deliver_due

ANA = UserRef("slack", "T1", "UANA")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
PITCH = (
    "Hi! We help companies like yours cut hiring costs by 40%. Book a 15-minute demo this week, "
    "the discount ends Friday: https://example.com/demo"
)
QUESTION = "Loved your talk on onboarding. What made you change how new people spend their first week?"


def post(text, message_id, author="UBO", channel="C1", at=T0, **extra) -> Message:
    return Message("slack", "T1", channel, message_id, author, text, at, **extra)


def test_checks_and_not_a_pitch_are_counted_without_text(coach, sessions):
    verdict = coach.check_draft(PITCH)
    check_id = coach.record_check(ANA, verdict, T0, "command")
    coach.record_check(ANA, coach.check_draft(QUESTION), T0, "command")
    assert coach.dispute(ANA, check_id, T0)
    assert not coach.dispute(ANA, check_id, T0)  # once
    assert not coach.dispute(UserRef("slack", "T1", "UEVE"), check_id, T0)  # only the author's own check
    stats = coach.stats(ANA)
    assert (stats.checks, stats.pitch_checks, stats.disputed) == (2, 1, 1)
    feedback = coach.feedback()
    assert (feedback.users, feedback.checks, feedback.pitch_checks, feedback.disputed_rate) == (1, 2, 1, 1.0)
    assert [(c.label, c.disputed) for c in coach.recent_checks(ANA)] == [("conversation", False), ("pitch", True)]
    with sessions() as session:
        assert "companies" not in str(session.execute(text("SELECT * FROM checks")).all())


def test_outreach_from_a_check_takes_its_score(coach):
    verdict = coach.check_draft(PITCH)
    check_id = coach.record_check(ANA, verdict, T0, "command")
    coach.record_outreach(ANA, "<@UBO>", T0, check_id=check_id)
    [contact] = coach.export(ANA)["contacts"]
    assert contact["outreach"][0]["pitch_label"] == "pitch"
    assert contact["outreach"][0]["pitch_score"] == verdict.pitch_probability


def test_a_contact_answering_in_the_users_thread_or_mentioning_them_is_a_reply(coach):
    coach.record_outreach(ANA, "<@UBO>", T0)
    seen = coach.observe(post("thanks, happy to chat", "2", author="UBO", parent_id="1", parent_author_id="UANA"))
    assert seen.replies == [(ANA, "<@UBO>")]
    assert coach.followups(ANA, T0 + timedelta(days=10)) == []  # the follow-up was cancelled
    # someone the user never reached out to, or the user themself: nothing recorded
    assert coach.observe(post("hey <@UANA>", "3", author="UEVE", mentions=("UANA",))).replies == []
    assert coach.observe(post("note to self", "4", author="UANA", mentions=("UANA",))).replies == []
    assert coach.stats(ANA).replied == 1


def test_watched_channel_coaches_pitches_and_counts_posts_once(coach):
    assert not coach.observe(post(PITCH, "1")).coaching  # not watched: nothing
    assert coach.watch("slack", "T1", "C1", by="UANA", at=T0)
    assert not coach.watch("slack", "T1", "C1", by="UANA", at=T0)
    seen = coach.observe(post(PITCH, "2", at=T0 + timedelta(hours=1)))
    assert seen.coaching is not None and seen.coaching.label == "pitch" and seen.check_id
    assert coach.observe(post(PITCH, "2", at=T0 + timedelta(hours=1))).coaching is None  # retried: once
    assert coach.observe(post(QUESTION, "3", author="UCY", at=T0 + timedelta(hours=2))).coaching is None
    # a reply in the question's thread counts for the digest; the author's own follow-up does not
    coach.observe(post("good one", "4", author="UDI", parent_id="3", parent_author_id="UCY", at=T0))
    coach.observe(post("anyone?", "5", author="UBO", parent_id="2", parent_author_id="UBO", at=T0))

    posted = []
    assert deliver_channel_digests(coach.sessions, posted.append, T0 + timedelta(days=6), "slack") == []
    [digest] = deliver_channel_digests(coach.sessions, posted.append, T0 + timedelta(days=7), "slack")
    assert (digest.posts, digest.pitches, digest.replied, digest.replied_pitches) == (2, 1, 1, 0)
    assert digest.questions >= 1 and digest.posts_with_question == 1 and digest.replied_with_question == 1
    assert deliver_channel_digests(coach.sessions, posted.append, T0 + timedelta(days=8), "slack") == []
    assert deliver_channel_digests(coach.sessions, posted.append, T0 + timedelta(days=7), "discord") == []
    assert posted == [digest]


def test_a_failed_digest_is_retried_and_an_opted_out_author_is_not_coached(coach):
    coach.watch("slack", "T1", "C1", by="UANA", at=T0)
    coach.update_settings(UserRef("slack", "T1", "UBO"), T0, channel_coaching=False)
    assert coach.observe(post(PITCH, "1")).coaching is None

    def broken(_digest):
        raise RuntimeError("chat.postMessage failed")

    assert deliver_channel_digests(coach.sessions, broken, T0 + timedelta(days=7), "slack") == []
    posted = []
    assert len(deliver_channel_digests(coach.sessions, posted.append, T0 + timedelta(days=7), "slack")) == 1


def test_unwatch_and_forget_remove_channel_aggregates(coach, sessions):
    coach.watch("slack", "T1", "C1", by="UANA", at=T0)
    coach.observe(post(PITCH, "1", author="UBO"))
    assert coach.forget(UserRef("slack", "T1", "UBO"))  # only channel posts were held: still forgotten
    posted = []
    deliver_channel_digests(sessions, posted.append, T0 + timedelta(days=7), "slack")
    assert posted == []
    assert coach.unwatch("slack", "T1", "C1") and not coach.unwatch("slack", "T1", "C1")
    assert not coach.is_watched("slack", "T1", "C1")


def test_an_event_is_processed_once(coach):
    assert coach.first_seen("slack", "Ev1", T0)
    assert not coach.first_seen("slack", "Ev1", T0)
    assert coach.first_seen("discord", "Ev1", T0)
    assert coach.prune_events(T0 + timedelta(days=1)) == 2
    assert coach.first_seen("slack", "Ev1", T0)


def test_closed_dms_set_the_reminder_aside_and_tell_the_user_once(coach, sessions):
    coach.record_outreach(ANA, "<@UBO>", T0)
    coach.ensure_user(UserRef("discord", "G1", "42"), T0)

    class Closed:
        def send(self, reminder):
            raise Undeliverable("Cannot send messages to this user")

        def send_digest(self, user, items):
            raise Undeliverable("Cannot send messages to this user")

    assert deliver_due(sessions, Closed(), T0 + timedelta(days=3), platform="slack") == []
    assert deliver_due(sessions, Closed(), T0 + timedelta(days=30), platform="slack") == []  # not retried
    assert coach.take_notice(ANA) == "dm_closed"
    assert coach.take_notice(ANA) is None


@pytest.mark.parametrize("digest", [False, True])
def test_a_message_the_platform_refuses_as_malformed_is_set_aside_with_its_own_notice(coach, sessions, digest):
    from bot.types import Refused

    coach.record_outreach(ANA, "<@UBO>", T0)
    if digest:
        coach.update_settings(ANA, T0, daily_digest=True)

    class Malformed:
        def send(self, reminder):
            raise Refused("invalid_blocks")

        def send_digest(self, user, items):
            raise Refused("invalid_blocks")

    assert deliver_due(sessions, Malformed(), T0 + timedelta(days=3), platform="slack") == []
    assert deliver_due(sessions, Malformed(), T0 + timedelta(days=30), platform="slack") == []  # not retried
    assert coach.take_notice(ANA) == "message_refused"  # not "your DMs are closed": they are not
    assert coach.take_notice(ANA) is None


def test_reminders_are_delivered_per_platform(coach, sessions):
    coach.record_outreach(ANA, "<@UBO>", T0)
    got = []

    class Collect:
        def send(self, reminder):
            got.append(reminder)

        def send_digest(self, user, items):
            got.extend(items)

        def delivered(self, reminder, since):
            return reminder in got

    assert deliver_due(sessions, Collect(), T0 + timedelta(days=3), platform="discord") == []
    assert len(deliver_due(sessions, Collect(), T0 + timedelta(days=3), platform="slack")) == 1


def test_a_new_user_takes_their_platform_time_zone(coach):
    assert coach.ensure_user(ANA, T0, timezone="America/Los_Angeles")
    assert not coach.ensure_user(ANA, T0, timezone="Europe/Berlin")
    assert coach.update_settings(ANA, T0)["timezone"] == "America/Los_Angeles"
    bad = UserRef("slack", "T1", "UX")
    coach.ensure_user(bad, T0, timezone="Mars/Olympus")
    assert coach.update_settings(bad, T0)["timezone"] == "UTC"
