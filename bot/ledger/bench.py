"""``rapport bench ledger``: how long finding due reminders takes with 100,000 outreach rows.

Seeds an empty database (a temporary SQLite file unless a URL is given) with users, contacts, outreach and
one follow-up reminder per outreach, then times the two due queries production runs (``bot.ledger.queue``): the
delivery rounds' (all users, the first 500 claimable) and one user's ("followups"). Prints the median and worst
of repeated runs, in milliseconds, and how many rows each query found.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.ledger import queue
from bot.ledger.db import LedgerError, open_ledger
from bot.ledger.schema import Contact, Outreach, Reminder, User
from bot.types import DEFAULTS, UserRef

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def seed(sessions, users: int, outreach: int, seed: int = 0) -> None:
    """Fill an empty ledger: ``users`` users, ``outreach`` contacts and outreach rows spread over the last 60 days,
    one follow-up per outreach (pending, sent or cancelled at random, reproducibly from ``seed``).

    ``LedgerError`` if the database already has users (the benchmark never mixes its rows with real ones).
    """
    rng = random.Random(seed)
    per_user = outreach // users
    with sessions.begin() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise LedgerError("the benchmark needs an empty database; it would mix its rows with real ones")
        session.execute(
            insert(User),
            [dict(platform="bench", workspace="w", user_id=f"u{i}", **DEFAULTS, created_at=NOW) for i in range(users)],
        )
        user_ids = list(session.scalars(select(User.id).order_by(User.id)))
        session.execute(
            insert(Contact),
            [dict(owner_id=u, key=f"c{j}", display=f"Contact {j}") for u in user_ids for j in range(per_user)],
        )
        contacts = session.execute(select(Contact.id, Contact.owner_id).order_by(Contact.id)).all()
        times = [NOW - timedelta(minutes=rng.randrange(60 * 24 * 60)) for _ in contacts]
        session.execute(
            insert(Outreach), [dict(owner_id=o, contact_id=c, at=t) for (c, o), t in zip(contacts, times, strict=True)]
        )
        rows = session.execute(select(Outreach.id, Outreach.contact_id, Outreach.owner_id, Outreach.at)).all()
        session.execute(
            insert(Reminder),
            [
                dict(owner_id=o, contact_id=c, outreach_id=i, kind="follow_up", seq=1,
                     due_at=at + timedelta(days=3), status=rng.choice(["pending", "sent", "cancelled"]))
                for i, c, o, at in rows
            ],
        )  # fmt: skip


def _time(fn, repeats: int) -> tuple[float, float]:
    """(median, worst) milliseconds of ``repeats`` calls of ``fn`` after one warm-up call."""
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), max(samples)


def run(url: str | None, users: int = 1000, outreach: int = 100_000, repeats: int = 20) -> dict:
    """Seed the database at ``url`` (a temporary SQLite file when None) and time the due queries.

    Returns ``database`` (dialect name), ``users``, ``outreach``, ``seed_s`` (seconds), ``workers_due_ms`` and
    ``one_user_due_ms`` as (median, worst) in milliseconds, and ``workers_due_rows`` / ``one_user_due_rows``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        target = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        sessions = open_ledger(target)
        t = time.perf_counter()
        seed(sessions, users, outreach)
        seeded = time.perf_counter() - t

        # The queries production runs: the delivery rounds' (all users, first 500) and "followups" (one user).
        def workers_query():
            return queue.due_ids(sessions, NOW, limit=500)

        one_user = UserRef("bench", "w", f"u{users // 2}")
        result = {
            "database": sessions.kw["bind"].dialect.name,
            "users": users,
            "outreach": outreach,
            "seed_s": round(seeded, 1),
            "workers_due_ms": _time(workers_query, repeats),
            "one_user_due_ms": _time(lambda: queue.due(sessions, NOW, one_user), repeats),
            "workers_due_rows": len(workers_query()),
            "one_user_due_rows": len(queue.due(sessions, NOW, one_user)),
        }
        sessions.kw["bind"].dispose()
        return result


def report(r: dict) -> str:
    """``run``'s figures as three lines of text."""
    w, u = r["workers_due_ms"], r["one_user_due_ms"]
    return "\n".join(
        [
            f"{r['database']}: {r['outreach']:,} outreach rows across {r['users']:,} users (seeded in {r['seed_s']} s)",
            f"  due reminders, all users (first 500): median {w[0]:.1f} ms, worst {w[1]:.1f} ms"
            f" ({r['workers_due_rows']} rows)",
            f"  due reminders, one user:              median {u[0]:.1f} ms, worst {u[1]:.1f} ms"
            f" ({r['one_user_due_rows']} rows)",
        ]
    )
