"""One follow-up chain per contact, snoozes that only push back, replies that make sense, and each worker its own
platform. On SQLite and PostgreSQL (the ``coach`` fixture)."""

from datetime import UTC, datetime

import pytest

from bot import commands
from bot.ledger.repo import UserRef
from bot.reminders import deliver_due
from bot.types import SNOOZE_DAYS_ERROR


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


ME = UserRef("cli", "local", "me")
SLACKER = UserRef("slack", "T1", "U_ME")


class Collect:
    def __init__(self):
        self.sent = []

    def send(self, reminder):
        self.sent.append(reminder)

    def send_digest(self, user, items):
        self.sent.extend(items)

    def delivered(self, reminder, since):
        return False


def test_the_same_person_logged_twice_is_one_chain(coach):
    """The issue's example: Dana at 10:00 and again at 16:00 (spelt differently): one follow-up, from the second."""
    coach.record_outreach(ME, "Dana Lee", utc(2026, 11, 2, 10, 0))
    logged = coach.record_outreach(ME, "  dana   LEE ", utc(2026, 11, 2, 16, 0))
    assert logged.contact == "Dana Lee" and logged.follow_up_due == utc(2026, 11, 5, 16, 0)
    due = coach.followups(ME, utc(2026, 11, 5, 17, 0))
    assert [(r.contact, r.due_at) for r in due] == [("Dana Lee", utc(2026, 11, 5, 16, 0))]
    [contact] = coach.export(ME)["contacts"]
    assert len(contact["outreach"]) == 2
    assert sorted(r["status"] for r in contact["reminders"]) == ["pending", "replaced"]


def test_a_platform_id_is_the_contact_whatever_the_display_name(coach):
    coach.record_outreach(SLACKER, "<@U9|dana>", utc(2026, 11, 2, 10, 0))
    coach.record_outreach(SLACKER, "<@U9>", utc(2026, 11, 3, 10, 0))
    assert len(coach.export(SLACKER)["contacts"]) == 1
    assert [r.due_at for r in coach.followups(SLACKER, utc(2026, 11, 9))] == [utc(2026, 11, 6, 10, 0)]


def test_the_menu_and_the_command_for_one_send_are_one_outreach(coach):
    """`/rapport sent @bo` then "I sent it to…" five minutes later: one outreach, one chain, the score kept."""
    check_id = coach.record_check(SLACKER, _verdict(), utc(2026, 11, 2, 9, 58), "shortcut")
    first = coach.record_outreach(SLACKER, "<@U7>", utc(2026, 11, 2, 10, 0), channel="C1")
    again = coach.record_outreach(SLACKER, "<@U7>", utc(2026, 11, 2, 10, 5), check_id=check_id)
    assert again.follow_up_due == first.follow_up_due == utc(2026, 11, 5, 10, 0)
    [contact] = coach.export(SLACKER)["contacts"]
    [outreach] = contact["outreach"]
    assert outreach["channel"] == "C1" and outreach["pitch_label"] == "pitch"
    assert len(contact["reminders"]) == 1
    later = coach.record_outreach(SLACKER, "<@U7>", utc(2026, 11, 2, 10, 16))  # past the window: a new send
    assert later.follow_up_due == utc(2026, 11, 5, 10, 16)


def test_a_reply_in_between_makes_the_next_send_a_new_message(coach):
    """Sent, they replied, sent again five minutes later: a new outreach with its own follow-up (not merged)."""
    coach.record_outreach(ME, "Dana", utc(2026, 11, 2, 10, 0))
    coach.record_reply(ME, "Dana", utc(2026, 11, 2, 10, 2), utc(2026, 11, 2, 10, 2))
    again = coach.record_outreach(ME, "Dana", utc(2026, 11, 2, 10, 5))
    assert again.follow_up_due == utc(2026, 11, 5, 10, 5)
    [contact] = coach.export(ME)["contacts"]
    assert len(contact["outreach"]) == 2


def test_an_older_outreach_logged_late_leaves_the_chain_alone(coach):
    coach.record_outreach(ME, "Ola", utc(2026, 11, 5, 10, 0))
    late = coach.record_outreach(ME, "Ola", utc(2026, 11, 1, 10, 0))
    assert late.follow_up_due == utc(2026, 11, 8, 10, 0)
    assert [r.due_at for r in coach.followups(ME, utc(2026, 11, 30))] == [utc(2026, 11, 8, 10, 0)]


def _verdict():
    from classifier import Verdict

    return Verdict(text="x", pitch_probability=0.9, label="pitch", flags=[], questions=[], tip="", signals=[])


def test_snooze_only_pushes_back(coach):
    """The issue's example: due 13 March; a one-day snooze on the 10th moves it to the 14th, never the 11th."""
    coach.record_outreach(ME, "Finn", utc(2026, 3, 10, 12, 0))
    assert coach.snooze(ME, "Finn", 1, utc(2026, 3, 10, 13, 0)) == [utc(2026, 3, 14, 12, 0)]
    assert coach.followups(ME, utc(2026, 3, 13, 23, 0)) == []
    # an overdue reminder is pushed back from now, at the same local time
    assert coach.snooze(ME, "Finn", 2, utc(2026, 3, 15, 9, 0)) == [utc(2026, 3, 17, 9, 0)]


def test_snooze_counts_local_days_across_a_dst_change(coach):
    coach.update_settings(ME, utc(2026, 3, 1), timezone="America/New_York")
    coach.record_outreach(ME, "Finn", utc(2026, 3, 2, 15, 0))  # 10:00 EST; due 5 March 10:00 EST
    assert coach.snooze(ME, "Finn", 7, utc(2026, 3, 3)) == [utc(2026, 3, 12, 14, 0)]  # 10:00 EDT on the 12th


@pytest.mark.parametrize("days", [0, -2, 366, 3_000_000, True, 2.5])
def test_a_bad_snooze_is_one_line_and_moves_nothing(coach, days):
    coach.record_outreach(ME, "Finn", utc(2026, 3, 10, 12, 0))
    with pytest.raises(ValueError, match=f"^{SNOOZE_DAYS_ERROR}$"):
        coach.snooze(ME, "Finn", days, utc(2026, 3, 10, 13, 0))
    assert [r.due_at for r in coach.followups(ME, utc(2026, 3, 30))] == [utc(2026, 3, 13, 12, 0)]


@pytest.mark.parametrize("text", ["snooze sam 3000000", "snooze sam 0", "snooze sam -2", "snooze sam 1.5"])
def test_the_chat_grammar_refuses_a_bad_snooze_in_one_line(text):
    assert commands.parse(text, names=True) == commands.Hint(SNOOZE_DAYS_ERROR)


def test_the_chat_grammar_takes_a_good_snooze():
    assert commands.parse("snooze sam lee 365", names=True) == commands.Snooze("sam lee", 365)


def test_a_reply_before_the_first_outreach_is_refused(coach):
    coach.record_outreach(ME, "Dana", utc(2026, 11, 2, 10, 0))
    with pytest.raises(ValueError, match=r"^Dana can't have replied at 1999-01-01 00:00 UTC: that is before"):
        coach.record_reply(ME, "Dana", utc(1999, 1, 1), now=utc(2026, 11, 3))
    assert coach.stats(ME).replied == 0
    assert len(coach.followups(ME, utc(2026, 11, 6))) == 1  # the follow-up was not cancelled


def test_a_reply_in_the_future_is_refused(coach):
    coach.record_outreach(ME, "Dana", utc(2026, 11, 2, 10, 0))
    with pytest.raises(ValueError, match=r"^a reply can't be in the future"):
        coach.record_reply(ME, "Dana", utc(2026, 11, 4), now=utc(2026, 11, 3))
    logged = coach.record_reply(ME, "Dana", utc(2026, 11, 3, 0, 4), now=utc(2026, 11, 3))  # within clock skew
    assert logged.cancelled_follow_ups == 1 and coach.stats(ME).replied == 1


def test_each_worker_delivers_only_its_own_platform(coach, sessions):
    """A Slack, a Discord and a terminal user each have a due follow-up; each platform's worker takes only its own."""
    users = {
        "slack": UserRef("slack", "T1", "U1"),
        "discord": UserRef("discord", "42", "1001"),
        "cli": UserRef("cli", "local", "me"),
    }
    for user in users.values():
        coach.record_outreach(user, "<@U55>" if user.platform != "cli" else "Sam", utc(2026, 11, 2, 10, 0))
    now = utc(2026, 11, 5, 12, 0)
    for platform, user in users.items():
        out = Collect()
        rounds = coach.rounds(platform) if platform != "cli" else None
        if rounds is None:
            deliver_due(sessions, out, now, platform="cli")
        else:
            rounds.run(out, lambda digest: None, now)
        assert [r.user for r in out.sent] == [user], platform
    assert all(coach.followups(user, now) == [] for user in users.values())  # each was delivered, once


def test_the_terminal_chat_delivers_only_its_own_user_s_reminders(coach):
    from bot.adapters.console import ConsoleChat

    for user in (UserRef("slack", "T1", "U1"), UserRef("discord", "42", "1001"), ME, UserRef("cli", "local", "other")):
        coach.record_outreach(user, "<@U55>" if user.platform != "cli" else "Sam", utc(2026, 11, 2, 10, 0))
    printed = []
    ConsoleChat(coach, ME, echo=printed.append, clock=lambda: utc(2026, 11, 5, 12, 0)).deliver()
    assert len(printed) == 1 and "Sam" in printed[0]
    assert all(len(coach.followups(u, utc(2026, 11, 5, 12))) == 1 for u in (UserRef("slack", "T1", "U1"),))


def test_the_terminal_chat_answers_a_bad_snooze_in_one_line(coach):
    from bot.adapters.console import ConsoleChat

    coach.record_outreach(ME, "sam", utc(2026, 11, 2, 10, 0))
    printed = []
    chat = ConsoleChat(coach, ME, echo=printed.append, clock=lambda: utc(2026, 11, 3))
    for line in ("snooze sam 3000000", "snooze sam 0", "snooze sam -2"):
        assert chat.handle(line)
    assert printed == [SNOOZE_DAYS_ERROR] * 3
    assert [r.due_at for r in coach.followups(ME, utc(2026, 11, 30))] == [utc(2026, 11, 5, 10, 0)]
