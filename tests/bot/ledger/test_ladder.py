"""The relationship ladder, circles, the weekly plan's delivery and the user's own evidence, on a real ledger."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.coach import UnknownContactError
from bot.ledger.repo import UserRef
from bot.ledger.schema import Reminder
from bot.reminders import deliver_due
from bot.types import Message
from bot.wording import reminder_line, standing_text

ROOT = Path(__file__).parents[3]
ANA = UserRef("slack", "T1", "U_ANA")
BO = UserRef("slack", "T1", "U_BO")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


class Collect:
    def __init__(self, fail_plans: int = 0):
        self.sent, self.digests, self.plans = [], [], []
        self.fail_plans = fail_plans

    def send(self, reminder):
        self.sent.append(reminder)

    def send_digest(self, user, items):
        self.digests.append((user, items))

    def send_plan(self, user, plan):
        if self.fail_plans:
            self.fail_plans -= 1
            raise ConnectionError("platform down")
        self.plans.append((user, plan))

    def delivered(self, reminder, since):
        return False


def _keep_in_touch(sessions, contact_display=None):
    with sessions() as session:
        return [
            r.due_at
            for r in session.scalars(
                select(Reminder).where(Reminder.kind == "keep_in_touch", Reminder.status == "pending")
            )
        ]


def test_the_ladder_climbs_from_connected_to_met(coach):
    coach.record_outreach(ANA, "Dana", T0)
    assert coach.standing(ANA, "Dana").stage == "connected"
    coach.record_reply(ANA, "Dana", T0 + timedelta(hours=2), now=T0 + timedelta(days=1))
    assert coach.standing(ANA, "Dana").stage == "in_conversation"
    assert coach.log_step(ANA, "Dana", "emailed", T0 + timedelta(days=1)).stage == "off_feed"
    assert coach.log_step(ANA, "Dana", "called", T0 + timedelta(days=2)).stage == "off_feed"
    met = coach.log_step(ANA, "Dana", "met", T0 + timedelta(days=3), how="coffee")
    assert (met.stage, met.next_stage, met.messages) == ("met", None, 2)
    # A rung is never lost: a later message does not move Dana down.
    coach.record_outreach(ANA, "Dana", T0 + timedelta(days=4))
    assert coach.standing(ANA, "Dana").stage == "met"
    assert coach.standing(ANA, "Nobody") is None


def test_a_reply_seen_in_a_thread_moves_the_contact_up_by_itself(coach):
    coach.record_outreach(ANA, "<@U_DANA>", T0)
    seen = Message(
        "slack",
        "T1",
        "D1",
        "m2",
        "U_DANA",
        "sure, happy to chat",
        T0 + timedelta(hours=1),
        parent_id="m1",
        parent_author_id="U_ANA",
    )
    coach.observe(seen)
    assert coach.standing(ANA, "<@U_DANA>").stage == "in_conversation"


def test_bad_steps_are_one_line_errors(coach):
    with pytest.raises(ValueError, match="not a step"):
        coach.log_step(ANA, "Dana", "waved", T0)
    with pytest.raises(ValueError, match="--how is one of"):
        coach.log_step(ANA, "Dana", "met", T0, how="skydiving")
    with pytest.raises(UnknownContactError):
        coach.set_circle(ANA, "Nobody", "close")


def test_any_interaction_resets_the_keep_in_touch_clock(coach, sessions):
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_reply(ANA, "Dana", T0 + timedelta(days=1), now=T0 + timedelta(days=1))
    assert _keep_in_touch(sessions) == [T0 + timedelta(days=31)]  # 30 days after the reply
    coach.log_step(ANA, "Dana", "called", T0 + timedelta(days=10))
    assert _keep_in_touch(sessions) == [T0 + timedelta(days=40)]  # 30 days after the call
    coach.log_step(ANA, "Dana", "met", T0 + timedelta(days=20), how="lunch")
    assert _keep_in_touch(sessions) == [T0 + timedelta(days=50)]


def test_someone_met_before_any_message_gets_a_keep_in_touch_clock(coach, sessions):
    coach.log_step(ANA, "Lee", "met", T0, how="event")
    assert coach.standing(ANA, "Lee").stage == "met"
    assert _keep_in_touch(sessions) == [T0 + timedelta(days=30)]


def test_after_a_few_messages_each_way_the_nudge_proposes_the_next_rung(coach):
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_reply(ANA, "Dana", T0 + timedelta(hours=1), now=T0 + timedelta(days=9))
    early = coach.followups(ANA, T0 + timedelta(days=40))
    assert [r.next_stage for r in early] == [None]  # 2 messages: just keep in touch
    assert "What are they working on" in reminder_line(early[0])
    coach.record_outreach(ANA, "Dana", T0 + timedelta(days=2))
    coach.record_reply(ANA, "Dana", T0 + timedelta(days=2, hours=1), now=T0 + timedelta(days=9))
    later = coach.followups(ANA, T0 + timedelta(days=40))
    assert [r.next_stage for r in later] == ["off_feed"]
    assert "20-minute call about what they're working on?" in reminder_line(later[0])
    coach.log_step(ANA, "Dana", "called", T0 + timedelta(days=3))
    assert "over coffee?" in reminder_line(coach.followups(ANA, T0 + timedelta(days=40))[0])


def test_circles_default_from_the_rung_and_can_be_chosen(coach):
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_reply(ANA, "Dana", T0 + timedelta(hours=1), now=T0 + timedelta(hours=2))
    assert coach.standing(ANA, "Dana").circle == "wider"
    coach.log_step(ANA, "Dana", "called", T0 + timedelta(days=1))
    assert coach.standing(ANA, "Dana").circle == "regular"
    coach.log_step(ANA, "Dana", "met", T0 + timedelta(days=2))
    assert coach.standing(ANA, "Dana").circle == "close"
    chosen = coach.set_circle(ANA, "Dana", "wider")
    assert (chosen.circle, chosen.circle_chosen) == ("wider", True)
    assert coach.set_circle(ANA, "dana", None).circle == "close"


def test_a_chosen_circle_sets_when_the_keep_in_touch_nudge_is_due(coach, sessions):
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_reply(ANA, "Dana", T0 + timedelta(hours=1), now=T0 + timedelta(hours=2))
    last = T0 + timedelta(hours=1)
    assert _keep_in_touch(sessions) == [last + timedelta(days=30)]  # the user's keep_in_touch_days
    coach.set_circle(ANA, "Dana", "close")
    assert _keep_in_touch(sessions) == [last + timedelta(days=14)]
    coach.set_circle(ANA, "Dana", "wider")
    assert _keep_in_touch(sessions) == [last + timedelta(days=90)]
    coach.log_step(ANA, "Dana", "called", T0 + timedelta(days=3))  # the next interaction keeps the circle's days
    assert _keep_in_touch(sessions) == [T0 + timedelta(days=93)]
    coach.set_circle(ANA, "Dana", None)
    assert _keep_in_touch(sessions) == [T0 + timedelta(days=33)]


def test_checking_a_draft_to_someone_in_the_ledger_says_where_it_stands(coach, model):
    coach._model = model
    for day in range(2):
        coach.record_outreach(ANA, "Dana", T0 + timedelta(days=day))
        coach.record_reply(ANA, "Dana", T0 + timedelta(days=day, hours=1), now=T0 + timedelta(days=3))
    checked = coach.check(ANA, "How did the launch go?", T0 + timedelta(days=3), "command", to="Dana")
    assert checked.standing.messages == 4
    assert standing_text(checked.standing).startswith("You've traded 4 messages with Dana (in conversation); a call")
    assert coach.check(ANA, "How did the launch go?", T0, "command", to="Stranger").standing is None


def test_stats_count_rungs_their_30_day_movement_and_question_led_replies(coach, model):
    coach._model = model
    asks, tells = model_verdicts(coach)
    coach.record_outreach(ANA, "Old", T0 - timedelta(days=60), verdict=tells)
    coach.record_reply(ANA, "Old", T0 - timedelta(days=59), now=T0)
    coach.record_outreach(ANA, "Dana", T0 - timedelta(days=40), verdict=asks)
    coach.record_reply(ANA, "Dana", T0 - timedelta(days=39), now=T0)
    coach.log_step(ANA, "Dana", "met", T0 - timedelta(days=5))
    coach.record_outreach(ANA, "Lee", T0 - timedelta(days=2), verdict=asks)
    stats = coach.stats(ANA, T0)
    assert stats.rungs == {"connected": 1, "in_conversation": 1, "off_feed": 0, "met": 1}
    assert stats.rungs_before == {"connected": 0, "in_conversation": 2, "off_feed": 0, "met": 0}
    assert stats.by_question == {True: (2, 1), False: (1, 1)}


def model_verdicts(coach):
    asks = coach.check_draft("What got you into onboarding research? I loved your talk.")
    tells = coach.check_draft("I loved your talk on onboarding research. Let me know when you are free.")
    assert coach.check_draft  # both are scored by the shipped model
    from bot.relationships import leads_with_question

    assert leads_with_question(asks.text) and not leads_with_question(tells.text)
    return asks, tells


# -- the weekly plan, delivered -----------------------------------------------------------------------------------
def _relationship(coach, user, name, at):
    coach.record_outreach(user, name, at)
    coach.record_reply(user, name, at + timedelta(hours=1), now=at + timedelta(hours=1))


def test_the_weekly_plan_goes_out_once_a_week_after_quiet_hours_in_the_user_s_zone(coach, sessions):
    coach.update_settings(ANA, T0, weekly_plan=True, timezone="America/New_York")
    _relationship(coach, ANA, "Dana", T0 - timedelta(days=100))  # wider circle: due long ago
    monday = datetime(2026, 11, 9, 0, 0, tzinfo=UTC)  # still Sunday evening in New York
    box = Collect()
    deliver_due(sessions, box, monday + timedelta(hours=5))  # Monday 00:00 New York: quiet hours
    assert box.plans == []
    deliver_due(sessions, box, monday + timedelta(hours=13))  # Monday 08:00 New York
    assert [(u, [i.contact for i in p.items]) for u, p in box.plans] == [(ANA, ["Dana"])]
    assert box.plans[0][1].week_start == datetime(2026, 11, 9, tzinfo=box.plans[0][1].week_start.tzinfo)
    for hours in (14, 60, 24 * 6):
        deliver_due(sessions, box, monday + timedelta(hours=hours))
    assert len(box.plans) == 1  # once a week
    deliver_due(sessions, box, monday + timedelta(days=7, hours=13))
    assert len(box.plans) == 2  # and again the next week, Dana still waiting: never dropped


def test_a_failed_plan_is_retried_and_a_user_without_the_plan_gets_none(coach, sessions):
    coach.update_settings(ANA, T0, weekly_plan=True)
    _relationship(coach, ANA, "Dana", T0 - timedelta(days=100))
    _relationship(coach, BO, "Lee", T0 - timedelta(days=100))
    box = Collect(fail_plans=1)
    deliver_due(sessions, box, T0)
    assert box.plans == []
    deliver_due(sessions, box, T0 + timedelta(minutes=1))
    assert [u for u, _ in box.plans] == [ANA]


def test_a_plan_whose_worker_crashed_after_claiming_it_goes_out_when_the_lease_ends(coach, sessions):
    from bot.ledger import queue
    from bot.reminders import DEFAULT_LEASE

    coach.update_settings(ANA, T0, weekly_plan=True)
    _relationship(coach, ANA, "Dana", T0 - timedelta(days=100))
    (owner,) = queue.plan_users(sessions, ANA, None)
    start = T0 - timedelta(days=T0.weekday())
    assert queue.claim_week(sessions, owner.id, start, T0, DEFAULT_LEASE)  # a worker took the week, then died
    box = Collect()
    deliver_due(sessions, box, T0 + DEFAULT_LEASE / 2)
    assert box.plans == []  # its lease still holds
    deliver_due(sessions, box, T0 + DEFAULT_LEASE)
    assert [u for u, _ in box.plans] == [ANA]
    deliver_due(sessions, box, T0 + DEFAULT_LEASE * 3)
    assert len(box.plans) == 1


def test_the_plan_replaces_keep_in_touch_nudges_but_not_follow_ups(coach, sessions):
    for user in (ANA, BO):
        _relationship(coach, user, "Dana", T0 - timedelta(days=100))
        coach.record_outreach(user, "Sam", T0 - timedelta(days=4))
    coach.update_settings(ANA, T0, weekly_plan=True)
    listed = {u.user_id: sorted((r.contact, r.kind) for r in coach.followups(u, T0)) for u in (ANA, BO)}
    assert listed == {  # what `followups` lists follows the same rule
        "U_ANA": [("Sam", "follow_up")],
        "U_BO": [("Dana", "keep_in_touch"), ("Sam", "follow_up")],
    }
    box = Collect()
    deliver_due(sessions, box, T0)
    sent = sorted((r.user.user_id, r.contact, r.kind) for r in box.sent)
    assert sent == [("U_ANA", "Sam", "follow_up"), ("U_BO", "Dana", "keep_in_touch"), ("U_BO", "Sam", "follow_up")]
    assert [i.contact for _, p in box.plans for i in p.items] == ["Dana"]


def test_the_daily_digest_leaves_out_what_the_plan_covers(coach, sessions):
    _relationship(coach, ANA, "Dana", T0 - timedelta(days=40))
    coach.record_outreach(ANA, "Sam", T0 - timedelta(days=4))
    coach.update_settings(ANA, T0, weekly_plan=True, daily_digest=True)
    box = Collect()
    deliver_due(sessions, box, T0)
    assert [[r.contact for r in items] for _, items in box.digests] == [["Sam"]]


def _worker(url, log, now):
    return subprocess.Popen([sys.executable, "-m", "tests.bot.ledger.worker", url, str(log), now.isoformat()], cwd=ROOT)


def test_two_worker_processes_send_each_weekly_plan_once(coach, ledger_url, tmp_path):
    users = [UserRef("slack", "T1", f"U{i}") for i in range(20)]
    for user in users:
        coach.update_settings(user, T0, weekly_plan=True)
        _relationship(coach, user, "Dana", T0 - timedelta(days=100))
    log = tmp_path / "sent.log"
    workers = [_worker(ledger_url, log, T0) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    plans = [line for line in log.read_text().split() if line.startswith("plan:")]
    assert sorted(plans) == sorted(f"plan:{u.user_id}" for u in users)


def test_a_team_digest_shows_the_team_s_evidence_as_totals_only(coach, model):
    from bot.channel_digests import deliver as deliver_channel_digests
    from bot.wording import channel_digest_text

    coach._model = model
    asks, _ = model_verdicts(coach)
    coach.watch("slack", "T1", "C1", by="U_ANA", at=T0)
    coach.observe(Message("slack", "T1", "C1", "p1", "U_CY", "What are you all reading this week?", T0))
    for user, name in ((ANA, "<@U_DANA>"), (BO, "<@U_LEE>")):
        coach.record_outreach(user, name, T0, verdict=asks)
    coach.record_reply(ANA, "<@U_DANA>", T0 + timedelta(hours=2), now=T0 + timedelta(days=1))
    coach.log_step(BO, "<@U_LEE>", "met", T0 + timedelta(days=1), how="coffee")
    coach.record_outreach(UserRef("slack", "T2", "U_ELSEWHERE"), "Zed", T0)  # another workspace: not counted
    posted = []
    deliver_channel_digests(coach.sessions, posted.append, T0 + timedelta(days=7), "slack")
    [digest] = posted
    team = digest.team
    assert (team.reached, team.replied) == (2, 1)
    assert team.by_question == {True: (2, 1)}
    assert team.rungs == {"connected": 0, "in_conversation": 1, "off_feed": 0, "met": 1}
    text = channel_digest_text(digest)
    assert "Across the team's own outreach (totals, nobody named): 1 of 2 people reached replied (50%)." in text
    assert "Relationships: connected 0, in conversation 1 (+1 in 30 days), talked off the feed 0, met 1 (+1" in text
    assert "U_ANA" not in text and "U_BO" not in text and "U_DANA" not in text and "U_LEE" not in text


def test_export_holds_steps_and_circles_and_forget_deletes_them(coach, sessions):
    from sqlalchemy import func

    from bot.ledger.schema import Step

    coach.log_step(ANA, "Dana", "met", T0, how="coffee")
    coach.set_circle(ANA, "Dana", "regular")
    [contact] = coach.export(ANA)["contacts"]
    assert contact["circle"] == "regular"
    assert contact["steps"] == [{"at": T0.isoformat(), "kind": "met", "how": "coffee"}]
    assert coach.forget(ANA)
    with sessions() as session:
        assert session.scalar(select(func.count(Step.id))) == 0
