import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.coach import Coach, UnknownContactError
from bot.ledger.db import LedgerError, open_ledger
from bot.ledger.repo import UserRef
from bot.ledger.schema import Reminder, User
from bot.reminders import DEFAULT_LEASE, claim, deliver_due, due, release
from classifier import check

ROOT = Path(__file__).parents[3]
ANA = UserRef("slack", "T1", "U_ANA")
BO = UserRef("slack", "T1", "U_BO")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


class Collect:
    def __init__(self):
        self.sent = []
        self.digests = []

    def send(self, reminder):
        self.sent.append(reminder)

    def send_digest(self, user, items):
        self.digests.append((user, [r.contact for r in items]))

    def delivered(self, reminder, since):
        return any(r.id == reminder.id for r in self.sent)


def _schema(sessions) -> dict:
    """Every table's columns (name, type, nullable), indexes and unique constraints, as the database reports them."""
    from sqlalchemy import inspect

    found = inspect(sessions.kw["bind"])
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes(table)),
            sorted((u["name"] or "", tuple(u["column_names"])) for u in found.get_unique_constraints(table)),
        )
        for table in sorted(found.get_table_names())
    }


def test_migrations_are_idempotent(ledger_url):
    from bot.ledger.db import migration_state

    first = open_ledger(ledger_url)
    current, heads, _ = migration_state(first.kw["bind"])
    assert current == heads and len(heads) == 1  # migrated to the one head
    schema = _schema(first)
    assert {"users", "contacts", "outreach", "replies", "reminders"} <= set(schema)
    coach = Coach(sessions=first)
    coach.record_outreach(ANA, "Dana Lee", T0, note="met at the meetup")
    before = coach.export(ANA)
    first.kw["bind"].dispose()

    again = open_ledger(ledger_url)  # a second start finds nothing to do: same head, same schema, same rows
    assert migration_state(again.kw["bind"])[0] == heads
    assert _schema(again) == schema
    assert Coach(sessions=again).export(ANA) == before
    again.kw["bind"].dispose()


def test_the_cheap_revision_reading_agrees_with_alembic(ledger_url):
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.ledger import db

    script = ScriptDirectory.from_config(db._alembic_config())
    heads, known = db.revisions()
    assert heads == set(script.get_heads()) and known == {r.revision for r in script.walk_revisions()}
    engine = db.make_engine(ledger_url)
    assert db.stored_revisions(engine) == set()  # a new database: no version table yet
    engine.dispose()
    engine = open_ledger(ledger_url).kw["bind"]
    with engine.connect() as connection:
        assert db.stored_revisions(engine) == set(MigrationContext.configure(connection).get_current_heads()) == heads
    engine.dispose()


def test_outreach_schedules_a_follow_up_and_a_reply_cancels_it(coach):
    logged = coach.record_outreach(ANA, "Dana Lee", T0, note="met at the meetup")
    assert logged.follow_up_due == T0 + timedelta(days=3)
    assert coach.followups(ANA, T0 + timedelta(days=2)) == []
    [due] = coach.followups(ANA, T0 + timedelta(days=3))
    assert (due.contact, due.kind, due.seq) == ("Dana Lee", "follow_up", 1)
    replied = coach.record_reply(ANA, "dana   LEE", T0 + timedelta(days=1))  # names fold case and spaces
    assert replied.cancelled_follow_ups == 1
    assert [r.kind for r in coach.followups(ANA, T0 + timedelta(days=10))] == []


def test_follow_ups_are_spaced_and_capped(coach, sessions):
    coach.record_outreach(ANA, "<@U999>", T0)
    out = Collect()
    deliver_due(sessions, out, T0 + timedelta(days=3))
    deliver_due(sessions, out, T0 + timedelta(days=5))  # second one not due yet
    deliver_due(sessions, out, T0 + timedelta(days=6))
    deliver_due(sessions, out, T0 + timedelta(days=30))  # the user's maximum is 2
    assert [(r.contact, r.seq) for r in out.sent] == [("<@U999>", 1), ("<@U999>", 2)]


def test_nothing_is_due_in_quiet_hours(coach):
    late = datetime(2026, 11, 2, 22, 30, tzinfo=UTC)
    logged = coach.record_outreach(ANA, "Sam", late)
    assert logged.follow_up_due == datetime(2026, 11, 6, 8, 0, tzinfo=UTC)


def test_keep_in_touch_follows_the_last_interaction(coach, sessions):
    coach.record_outreach(ANA, "Kim", T0)
    coach.record_reply(ANA, "Kim", T0 + timedelta(hours=5))
    assert coach.followups(ANA, T0 + timedelta(days=29)) == []
    [nudge] = coach.followups(ANA, T0 + timedelta(days=30, hours=5))
    assert nudge.kind == "keep_in_touch"
    coach.record_outreach(ANA, "Kim", T0 + timedelta(days=20))  # a logged message restarts the clock
    kinds = [r.kind for r in coach.followups(ANA, T0 + timedelta(days=31))]
    assert "keep_in_touch" not in kinds
    assert [r.kind for r in coach.followups(ANA, T0 + timedelta(days=50, hours=1))].count("keep_in_touch") == 1


def test_remind_twice_at_the_same_time_delivers_once(coach, sessions):
    coach.record_outreach(ANA, "Lee", T0)
    first, second = Collect(), Collect()
    deliver_due(sessions, first, T0 + timedelta(days=3))
    deliver_due(sessions, second, T0 + timedelta(days=3))
    assert len(first.sent) == 1 and second.sent == []


def test_a_failing_notifier_leaves_the_reminder_due(coach, sessions):
    coach.record_outreach(ANA, "Lee", T0)

    class Down:
        def send(self, reminder):
            raise ConnectionError("chat API down")

    deliver_due(sessions, Down(), T0 + timedelta(days=3))
    out = Collect()
    deliver_due(sessions, out, T0 + timedelta(days=3, seconds=10))
    assert out.sent == []  # the first retry waits DEFAULT_RETRY (30 s)
    deliver_due(sessions, out, T0 + timedelta(days=3, minutes=1))
    assert len(out.sent) == 1


class LostAnswer(Collect):
    """The platform (``arrived``) takes each message, then the connection drops before the answer."""

    def __init__(self, arrived: Collect):
        super().__init__()
        self.arrived = arrived

    def send(self, reminder):
        self.arrived.send(reminder)
        raise ConnectionError("connection reset after the message was taken")


def test_a_send_whose_answer_was_lost_is_not_sent_again(coach, sessions):
    """The platform took the message, then the connection dropped: the retry finds it and only marks it sent."""
    coach.record_outreach(ANA, "Lee", T0)
    arrived = Collect()
    assert deliver_due(sessions, LostAnswer(arrived), T0 + timedelta(days=3)) == []
    later = Collect()
    later.delivered = arrived.delivered  # the platform's record is what counts
    [marked] = deliver_due(sessions, later, T0 + timedelta(days=3, minutes=1))
    assert later.sent == [] and len(arrived.sent) == 1 and marked.id == arrived.sent[0].id
    assert coach.export(ANA)["contacts"][0]["reminders"][0]["status"] == "sent"


def test_a_snoozed_reminder_is_sent_again_even_if_an_earlier_send_had_arrived(coach, sessions):
    """The DM arrived but its answer was lost; the user pressed Snooze on it: the later one is a new reminder."""
    coach.record_outreach(ANA, "Lee", T0)
    arrived = Collect()
    deliver_due(sessions, LostAnswer(arrived), T0 + timedelta(days=3))
    assert coach.snooze(ANA, "Lee", 3, T0 + timedelta(days=3)) == [T0 + timedelta(days=6)]
    later = Collect()
    later.delivered = arrived.delivered
    assert len(deliver_due(sessions, later, T0 + timedelta(days=6))) == 1
    assert len(later.sent) == 1  # sent, not just marked


def test_failed_sends_back_off_twice_as_long_each_time(coach, sessions):
    coach.record_outreach(ANA, "Lee", T0)
    tries = []

    class Down(Collect):
        def send(self, reminder):
            tries.append(reminder.id)
            raise ConnectionError("chat API down")

    start = T0 + timedelta(days=3)
    for second in range(0, 400, 5):
        deliver_due(sessions, Down(), start + timedelta(seconds=second))
    # tries at 0 s, then after waits of 30, 60, 120 s: 30, 90, 210 (next would be 450)
    assert len(tries) == 4


def test_a_stop_finishes_the_send_in_flight_and_claims_nothing_more(coach, sessions):
    for name in ("Lee", "Kim", "Sam"):
        coach.record_outreach(ANA, name, T0)
    stop = threading.Event()

    class StopAfterFirst(Collect):
        def send(self, reminder):
            super().send(reminder)
            stop.set()  # SIGTERM arrives while this one is being sent

    out = StopAfterFirst()
    assert len(deliver_due(sessions, out, T0 + timedelta(days=3), worker="w1", stop=stop)) == 1
    assert release(sessions, "w1") == 0  # nothing left claimed
    assert len(deliver_due(sessions, Collect(), T0 + timedelta(days=3), worker="w2")) == 2


def test_release_hands_back_held_claims(coach, sessions):
    coach.record_outreach(ANA, "Lee", T0)
    [item] = due(sessions, T0 + timedelta(days=3))
    assert claim(sessions, item.id, "w1", T0 + timedelta(days=3), timedelta(minutes=5))
    assert deliver_due(sessions, Collect(), T0 + timedelta(days=3), worker="w2") == []
    assert release(sessions, "w1") == 1
    assert len(deliver_due(sessions, Collect(), T0 + timedelta(days=3), worker="w2")) == 1


def test_users_only_see_their_own_data(coach):
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_outreach(BO, "Dana", T0)
    assert len(coach.followups(BO, T0 + timedelta(days=3))) == 1
    with pytest.raises(UnknownContactError):
        coach.record_reply(BO, "Someone Ana knows", T0)
    assert coach.forget(ANA) is True
    assert coach.followups(ANA, T0 + timedelta(days=3)) == []
    assert len(coach.followups(BO, T0 + timedelta(days=3))) == 1
    assert coach.export(ANA)["contacts"] == []


def test_export_holds_times_scores_and_notes_only(coach, model):
    verdict = check(model, "We help companies like yours. Free for a demo Friday?")
    coach.record_outreach(ANA, "Dana", T0, note="asked about hiring", verdict=verdict, channel="C42")
    data = coach.export(ANA)
    [contact] = data["contacts"]
    [outreach] = contact["outreach"]
    assert outreach["note"] == "asked about hiring" and outreach["pitch_label"] == "pitch"
    assert "demo Friday" not in json.dumps(data)


def test_stats(coach, model):
    pitchy = check(model, "We help companies like yours. Free for a demo Friday?")
    friendly = check(model, "Congrats on the launch! What was the hardest part?")
    coach.record_outreach(ANA, "A", T0, verdict=pitchy)
    coach.record_outreach(ANA, "B", T0, verdict=friendly)
    coach.record_outreach(ANA, "C", T0, verdict=friendly)
    coach.record_reply(ANA, "B", T0 + timedelta(hours=4))
    coach.record_reply(ANA, "C", T0 + timedelta(hours=8))
    stats = coach.stats(ANA)
    assert (stats.reached, stats.replied) == (3, 2)
    assert stats.reply_rate == pytest.approx(2 / 3)
    assert stats.median_hours_to_reply == 6.0
    assert stats.by_draft_label == {"pitch": (1, 0), "conversation": (2, 2)}


def _worker(url, log, now, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.bot.ledger.worker", url, str(log), now.isoformat(), *extra], cwd=ROOT
    )


def test_two_worker_processes_never_send_the_same_reminder(coach, ledger_url, tmp_path):
    for i in range(60):
        coach.record_outreach(ANA, f"contact {i}", T0 + timedelta(minutes=i))
    log = tmp_path / "sent.log"
    now = T0 + timedelta(days=4)
    workers = [_worker(ledger_url, log, now) for _ in range(2)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    ids = log.read_text().split()
    assert len(ids) == 60 and len(set(ids)) == 60


def test_a_worker_killed_after_claiming_leaves_the_reminder_for_later(coach, sessions, ledger_url, tmp_path):
    coach.record_outreach(ANA, "Dana", T0)
    now = T0 + timedelta(days=3)
    assert _worker(ledger_url, tmp_path / "none.log", now, "--die-after-claim").wait(timeout=60) == 0
    early = Collect()
    deliver_due(sessions, early, now + timedelta(minutes=1))  # the dead worker's lease still holds
    assert early.sent == []
    late = Collect()
    deliver_due(sessions, late, now + DEFAULT_LEASE + timedelta(seconds=1))
    again = Collect()
    deliver_due(sessions, again, now + DEFAULT_LEASE + timedelta(minutes=2))
    assert [r.contact for r in late.sent] == ["Dana"] and again.sent == []


def test_a_database_from_a_newer_rapport_is_refused(ledger_url, sessions):
    with sessions.begin() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(LedgerError, match="newer than this Rapport"):
        open_ledger(ledger_url)


def test_naive_times_are_refused(coach):
    with pytest.raises(Exception, match="naive"):
        coach.record_outreach(ANA, "Dana", datetime(2026, 11, 2, 10, 0))


def test_done_ends_follow_ups_and_snooze_moves_them(coach):
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_outreach(ANA, "Lee", T0)
    assert coach.mark_done(ANA, "Dana") == 1
    assert coach.snooze(ANA, "Lee", 4, T0) == [T0 + timedelta(days=7)]  # due on day 3, pushed back 4 days
    assert coach.followups(ANA, T0 + timedelta(days=6)) == []
    assert [r.contact for r in coach.followups(ANA, T0 + timedelta(days=7))] == ["Lee"]
    with pytest.raises(UnknownContactError):
        coach.snooze(ANA, "Nobody", 3, T0)


def test_settings_are_validated_and_used(coach):
    settings = coach.update_settings(ANA, T0, follow_up_days=5, timezone="America/New_York")
    assert settings["follow_up_days"] == 5 and settings["timezone"] == "America/New_York"
    # 10:00 UTC + 5 days = 05:00 in New York, inside quiet hours (21-08): moved to 08:00 local (13:00 UTC)
    assert coach.record_outreach(ANA, "Dana", T0).follow_up_due == datetime(2026, 11, 7, 13, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="max_follow_ups"):
        coach.update_settings(ANA, T0, max_follow_ups=9)
    with pytest.raises(ValueError, match="timezone"):
        coach.update_settings(ANA, T0, timezone="Mars/Olympus")
    assert coach.export(ANA)["settings"]["follow_up_days"] == 5


def test_migrations_match_the_schema(sessions):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from bot.ledger.schema import SLACK_STORE_TABLES, Base

    def ours(name, type_, _parents):  # slack_sdk's tables: tests/bot/ledger/test_slack_tables.py
        return not (type_ == "table" and name in SLACK_STORE_TABLES)

    with sessions.kw["bind"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], "schema.py changed without a migration"


def test_ledger_bench_times_the_due_queries_production_runs_at_each_size_with_statistics(tmp_path):
    from bot.ledger import bench

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    results = bench.run(url, users=5, sizes=[100, 300], repeats=3)
    assert [(r["database"], r["users"], r["outreach"]) for r in results] == [("sqlite", 5, 100), ("sqlite", 5, 300)]
    for result in results:
        for key in ("workers_due_ms", "one_user_due_ms"):
            median, worst = result[key]
            assert 0 < median <= worst < 5000, (key, result[key])  # milliseconds: timed, not a placeholder
    # The figures are for the rows production's queries find: every due pending reminder, and one user's.
    seeded = open_ledger(url)
    with seeded() as session:
        pending = session.scalars(
            select(User.user_id)
            .join(Reminder, Reminder.owner_id == User.id)
            .where(Reminder.status == "pending", Reminder.due_at <= bench.NOW)
        ).all()
        assert session.scalar(select(func.count()).select_from(Reminder)) == 300
        # ANALYZE ran after the last step: SQLite's statistics count every reminder.
        stats = session.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'reminders'")).scalars().all()
    seeded.kw["bind"].dispose()
    assert stats and all(s.split()[0] == "300" for s in stats)
    last = results[-1]
    assert 0 < last["workers_due_rows"] == len(pending) < 300
    assert last["one_user_due_rows"] == pending.count("u2")
    lines = bench.report(results).splitlines()
    assert lines[0].startswith("sqlite, 5 users, statistics gathered (ANALYZE)")
    assert lines[4].strip().startswith("300 outreach rows")
    w, u = last["workers_due_ms"], last["one_user_due_ms"]
    assert f"median {w[0]:.1f} ms, worst {w[1]:.1f} ms ({len(pending)} rows)" in lines[5]
    assert f"median {u[0]:.1f} ms, worst {u[1]:.1f} ms ({pending.count('u2')} rows)" in lines[6]


def test_ledger_bench_refuses_sizes_that_do_not_increase(tmp_path):
    from bot.ledger import bench

    with pytest.raises(ValueError, match="increase"):
        bench.run(f"sqlite:///{tmp_path / 'b.db'}", users=5, sizes=[300, 100])


def test_delivering_one_users_reminders_leaves_others_untouched(coach, sessions):
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_outreach(BO, "Lee", T0)
    mine = Collect()
    deliver_due(sessions, mine, T0 + timedelta(days=3), user=ANA)
    assert [r.user for r in mine.sent] == [ANA]
    with sessions() as session:
        claimed = session.execute(
            text("SELECT COUNT(*) FROM reminders WHERE claimed_by IS NOT NULL AND status = 'pending'")
        )
        assert claimed.scalar() == 0
    assert [r.user for r in coach.followups(BO, T0 + timedelta(days=3))] == [BO]


def test_daily_digest_is_one_message_a_day_after_quiet_hours(coach, sessions):
    coach.update_settings(ANA, T0, daily_digest=True)
    coach.record_outreach(ANA, "Dana", T0)
    coach.record_outreach(ANA, "Lee", T0 + timedelta(hours=1))
    coach.record_outreach(BO, "Kim", T0)  # Bo keeps separate reminders
    out = Collect()
    day3 = T0 + timedelta(days=3, hours=2)  # 12:00 UTC: both of Ana's follow-ups are due
    deliver_due(sessions, out, day3)
    assert out.digests == [(ANA, ["Dana", "Lee"])]
    assert [r.contact for r in out.sent] == ["Kim"]
    coach.record_outreach(ANA, "Sam", T0 + timedelta(hours=2))  # due at day 3, 12:00
    deliver_due(sessions, out, day3 + timedelta(hours=3))  # same day: no second digest
    assert len(out.digests) == 1
    deliver_due(sessions, out, day3 + timedelta(days=1) - timedelta(hours=5))  # 07:00 next day: quiet hours
    assert len(out.digests) == 1
    deliver_due(sessions, out, day3 + timedelta(days=1) - timedelta(hours=3))  # 09:00 next day
    assert out.digests[-1] == (ANA, ["Sam"])


def test_a_failed_digest_is_retried(coach, sessions):
    coach.update_settings(ANA, T0, daily_digest=True)
    coach.record_outreach(ANA, "Dana", T0)

    class Down(Collect):
        def send_digest(self, user, items):
            raise ConnectionError("chat API down")

    deliver_due(sessions, Down(), T0 + timedelta(days=3))
    out = Collect()
    deliver_due(sessions, out, T0 + timedelta(days=3, minutes=5))
    assert out.digests == [(ANA, ["Dana"])]


def test_a_contact_name_longer_than_the_column_is_refused_alike_on_both_databases(coach):
    from bot.ledger.repo import CONTACT_NAME_MAX

    coach.record_outreach(ANA, "C" * CONTACT_NAME_MAX, T0)
    for name in ("C" * (CONTACT_NAME_MAX + 1), "ß" * (CONTACT_NAME_MAX // 2 + 1)):  # ß compares as "ss"
        with pytest.raises(ValueError, match=f"at most {CONTACT_NAME_MAX} characters"):
            coach.record_outreach(ANA, name, T0)
