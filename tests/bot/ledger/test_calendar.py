"""Due times in the user's calendar: N days later at the same local wall-clock time, then out of quiet hours.

Every test runs on SQLite and PostgreSQL (the ``coach`` fixture). Expected values are worked out by hand from the
zone's rules, in UTC, so a wrong zone or a count in UTC shows as a wrong hour.
"""

from datetime import UTC, datetime, timedelta

import pytest

from bot.ledger.repo import UserRef
from bot.reminders import deliver_due


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


NY = UserRef("cli", "local", "ny")
SYD = UserRef("cli", "local", "syd")


class Collect:
    def __init__(self):
        self.sent, self.digests = [], []

    def send(self, reminder):
        self.sent.append(reminder)

    def send_digest(self, user, items):
        self.digests.append([(r.contact, r.due_at) for r in items])

    def delivered(self, reminder, since):
        return False


def first_due(coach, user, contact, at, **settings) -> datetime:
    coach.update_settings(user, at, **settings)
    return coach.record_outreach(user, contact, at).follow_up_due


def test_the_issue_example_spring_forward_in_new_york(coach):
    """Sent 20:30 EST on Friday 6 March; clocks go forward on Sunday 8 March: due Monday 20:30 EDT, not 08:00."""
    due = first_due(
        coach, NY, "Avery", utc(2026, 3, 7, 1, 30), timezone="America/New_York", quiet_start_hour=21, quiet_end_hour=8
    )
    assert due == utc(2026, 3, 10, 0, 30)
    assert due.utcoffset() == timedelta(hours=-4)  # shown in the user's zone: 20:30 EDT on the 9th
    [item] = coach.followups(NY, utc(2026, 3, 12))
    assert item.due_at == utc(2026, 3, 10, 0, 30) and f"{item.due_at:%H:%M %Z}" == "20:30 EDT"


def test_fall_back_in_new_york_keeps_the_wall_clock(coach):
    """Sent 20:30 EDT on Friday 30 October; clocks go back on Sunday 1 November: due Monday 20:30 EST."""
    due = first_due(coach, NY, "Avery", utc(2026, 10, 31, 0, 30), timezone="America/New_York", quiet_start_hour=22)
    assert due == utc(2026, 11, 3, 1, 30)


def test_southern_hemisphere_spring_forward_in_sydney(coach):
    """Sydney goes from AEST (+10) to AEDT (+11) on Sunday 4 October 2026: 10:00 stays 10:00."""
    due = first_due(coach, SYD, "Kai", utc(2026, 10, 2, 0, 0), timezone="Australia/Sydney")
    assert due == utc(2026, 10, 4, 23, 0)


def test_fall_back_in_berlin(coach):
    """Berlin goes from CEST (+2) to CET (+1) on Sunday 25 October 2026: 09:00 stays 09:00."""
    due = first_due(coach, NY, "Jo", utc(2026, 10, 23, 7, 0), timezone="Europe/Berlin")
    assert due == utc(2026, 10, 26, 8, 0)


def test_a_wall_time_that_does_not_exist_moves_forward_by_the_gap(coach):
    """02:30 on 8 March 2026 does not exist in New York (02:00 -> 03:00): it becomes 03:30 EDT."""
    due = first_due(
        coach, NY, "Gap", utc(2026, 3, 5, 7, 30), timezone="America/New_York", quiet_start_hour=0, quiet_end_hour=0
    )
    assert due == utc(2026, 3, 8, 7, 30) and f"{due:%H:%M %Z}" == "03:30 EDT"


def test_a_wall_time_that_happens_twice_is_the_first_one(coach):
    """01:30 on 1 November 2026 happens twice in New York: the first (EDT, 05:30 UTC) is the one."""
    due = first_due(
        coach, NY, "Twice", utc(2026, 10, 29, 5, 30), timezone="America/New_York", quiet_start_hour=0, quiet_end_hour=0
    )
    # (an aware time in the repeated hour never compares equal across zones (PEP 495): compare in UTC)
    assert due.astimezone(UTC) == utc(2026, 11, 1, 5, 30) and f"{due:%H:%M %Z}" == "01:30 EDT"


def test_quiet_hours_are_the_user_s_local_hours(coach):
    """Tokyo, quiet 22-7: sent 23:30 JST, due three days later at 23:30, moved to 07:00 JST the next morning."""
    user = UserRef("cli", "local", "tokyo")
    due = first_due(
        coach, user, "Ren", utc(2026, 11, 2, 14, 30), timezone="Asia/Tokyo", quiet_start_hour=22, quiet_end_hour=7
    )
    assert due == utc(2026, 11, 5, 22, 0) and f"{due:%H:%M}" == "07:00"


def test_keep_in_touch_across_a_dst_change(coach):
    """New York, 30 days to keep in touch: a reply at 10:00 EST on 21 February is a nudge at 10:00 EDT on 23 March."""
    coach.update_settings(NY, utc(2026, 2, 1), timezone="America/New_York")
    coach.record_outreach(NY, "Sam", utc(2026, 2, 20, 15, 0))
    coach.record_reply(NY, "Sam", utc(2026, 2, 21, 15, 0), now=utc(2026, 2, 21, 15, 0))
    assert coach.followups(NY, utc(2026, 3, 23, 13, 59)) == []
    [nudge] = coach.followups(NY, utc(2026, 3, 23, 14, 0))
    assert nudge.kind == "keep_in_touch" and nudge.due_at == utc(2026, 3, 23, 14, 0)


def test_the_daily_digest_follows_the_local_clock_across_a_change(coach, sessions):
    """A digest user in New York: follow-ups sent at 09:00 EST on 6 March come in the 09:00 EDT digest on the 9th
    (13:00 UTC, an hour earlier in UTC than before the change)."""
    coach.update_settings(NY, utc(2026, 3, 1), timezone="America/New_York", daily_digest=True)
    coach.record_outreach(NY, "Dana", utc(2026, 3, 6, 14, 0))
    coach.record_outreach(NY, "Lee", utc(2026, 3, 6, 14, 5))
    out = Collect()
    assert deliver_due(sessions, out, utc(2026, 3, 9, 12, 59)) == [] and out.digests == []
    assert len(deliver_due(sessions, out, utc(2026, 3, 9, 13, 10))) == 2
    assert out.digests == [[("Dana", utc(2026, 3, 9, 13, 0)), ("Lee", utc(2026, 3, 9, 13, 5))]]
    assert [f"{due:%H:%M %Z}" for _, due in out.digests[0]] == ["09:00 EDT", "09:05 EDT"]  # in the user's zone


def test_the_digest_day_is_the_user_s_local_day(coach, sessions):
    """Sydney: 22:00 UTC on the 5th is already the morning of the 6th there, a new day for the digest."""
    coach.update_settings(SYD, utc(2026, 11, 1), timezone="Australia/Sydney", daily_digest=True, quiet_start_hour=22)
    coach.record_outreach(SYD, "Kai", utc(2026, 11, 1, 22, 0))  # 09:00 AEDT on the 2nd: due 09:00 on the 5th
    coach.record_outreach(SYD, "Mo", utc(2026, 11, 2, 21, 0))  # 08:00 AEDT on the 3rd: due 08:00 on the 6th
    out = Collect()
    assert len(deliver_due(sessions, out, utc(2026, 11, 4, 22, 0))) == 1  # 09:00 on the 5th there
    assert len(deliver_due(sessions, out, utc(2026, 11, 5, 21, 30))) == 1  # 08:30 on the 6th: the next day
    assert [len(d) for d in out.digests] == [1, 1]


def test_changing_the_zone_or_quiet_hours_re_plans_pending_reminders(coach):
    """Logged at 10:00 UTC while the zone was UTC: moving to Los Angeles makes it 02:00 PST, in quiet hours,
    so 08:00 PST (16:00 UTC); turning quiet hours off makes it 02:00 PST (10:00 UTC) again."""
    user = UserRef("cli", "local", "mover")
    assert first_due(coach, user, "Ash", utc(2026, 11, 2, 10, 0)) == utc(2026, 11, 5, 10, 0)
    coach.update_settings(user, utc(2026, 11, 3), timezone="America/Los_Angeles")
    [item] = coach.followups(user, utc(2026, 11, 6))
    assert item.due_at == utc(2026, 11, 5, 16, 0) and f"{item.due_at:%H:%M %Z}" == "08:00 PST"
    coach.update_settings(user, utc(2026, 11, 3), quiet_start_hour=0, quiet_end_hour=0)
    assert [r.due_at for r in coach.followups(user, utc(2026, 11, 5, 10, 0))] == [utc(2026, 11, 5, 10, 0)]


def test_a_zone_change_re_plans_a_keep_in_touch_nudge_too(coach):
    user = UserRef("cli", "local", "mover2")
    coach.record_outreach(user, "Bo", utc(2026, 11, 2, 12, 0))
    coach.record_reply(user, "Bo", utc(2026, 11, 2, 13, 0), now=utc(2026, 11, 2, 13, 0))  # nudge 2 Dec 13:00 UTC
    coach.update_settings(user, utc(2026, 11, 3), timezone="Europe/Berlin")  # 14:00 CET on 2 Nov -> 2 Dec
    [nudge] = coach.followups(user, utc(2026, 12, 3))
    assert nudge.due_at == utc(2026, 12, 2, 13, 0)
    coach.update_settings(user, utc(2026, 11, 3), timezone="Asia/Kolkata")  # 18:30 IST on 2 Nov -> 2 Dec 18:30
    assert coach.followups(user, utc(2026, 12, 3))[0].due_at == utc(2026, 12, 2, 13, 0)
    coach.update_settings(user, utc(2026, 11, 3), quiet_start_hour=18, quiet_end_hour=9)  # 18:30 is quiet now
    assert coach.followups(user, utc(2026, 12, 4))[0].due_at == utc(2026, 12, 3, 3, 30)  # 09:00 IST on 3 Dec


@pytest.mark.parametrize(
    ("zone", "sent", "days", "want"),
    [
        ("America/Sao_Paulo", utc(2026, 6, 1, 23, 0), 3, utc(2026, 6, 4, 23, 0)),  # no DST: 20:00 -03
        ("Europe/London", utc(2026, 3, 27, 12, 0), 3, utc(2026, 3, 30, 11, 0)),  # GMT 12:00 -> BST 12:00
        ("Pacific/Auckland", utc(2026, 4, 2, 20, 0), 5, utc(2026, 4, 7, 21, 0)),  # NZDT 09:00 -> NZST 09:00
        ("Australia/Lord_Howe", utc(2026, 10, 2, 23, 0), 3, utc(2026, 10, 5, 22, 30)),  # a half-hour change
    ],
)
def test_more_zones(coach, zone, sent, days, want):
    user = UserRef("cli", "local", zone)
    assert first_due(coach, user, "X", sent, timezone=zone, follow_up_days=days, quiet_start_hour=23) == want
