"""SQLite allows one writer: a process's write transactions take turns on a lock instead of SQLite's sleeps."""

from __future__ import annotations

import threading

from sqlalchemy import text

from bot.ledger.db import open_ledger
from tests.wait import wait_for


def test_a_second_writer_waits_for_the_first_to_end_and_then_starts_at_once(tmp_path):
    """While one thread's write transaction holds SQLite's write lock, another thread's ``begin()`` does not
    start (it would otherwise start, hit SQLITE_BUSY on its first write and sleep in SQLite's busy handler);
    the moment the first commits, the second runs and commits."""
    sessions = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    first_wrote, first_may_end, second_started = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with sessions.begin() as session:
            session.execute(text("UPDATE alembic_version SET version_num = version_num"))
            first_wrote.set()
            first_may_end.wait(30)

    def second() -> None:
        with sessions.begin() as session:
            second_started.set()
            session.execute(text("UPDATE alembic_version SET version_num = version_num"))

    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    assert first_wrote.wait(10)
    two.start()
    # The second writer is queued on the lock, not inside a transaction: it has not started while the first holds.
    assert not second_started.wait(0.5), "a second write transaction started while the first held the write lock"
    first_may_end.set()
    wait_for(second_started.is_set, timeout=5, what="the second writer to start once the first ended")
    one.join(10)
    two.join(10)
    assert not one.is_alive() and not two.is_alive()
    sessions.kw["bind"].dispose()


def test_a_write_transaction_inside_another_in_the_same_thread_works(tmp_path):
    sessions = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    done = threading.Event()

    def nested() -> None:
        with sessions.begin() as outer:
            outer.execute(text("SELECT 1"))
            with sessions.begin() as inner:
                inner.execute(text("SELECT 1"))
        done.set()

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    assert done.wait(10), "a nested write transaction in one thread deadlocked on the write lock"
    sessions.kw["bind"].dispose()
