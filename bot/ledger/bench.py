"""``rapport bench ledger``: how long finding due reminders takes at 10,000, 100,000 and 1,000,000 outreach rows.

Grows a database (a temporary SQLite file unless a URL is given) step by step to each size: users, contacts,
outreach and one follow-up reminder per outreach. After each step it runs ``ANALYZE``, as a production database
has statistics (PostgreSQL's autovacuum gathers them; without them the planner guesses), and times the two due
queries production runs (``bot.ledger.queue``): the delivery rounds' claim query (all users, the first 500
claimable) and one user's due list ("followups"). Prints the median and worst of repeated runs, in
milliseconds, and how many rows each query found.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from bot.ledger import queue
from bot.ledger.db import LedgerError, open_ledger
from bot.ledger.schema import Contact, Outreach, Reminder, User
from bot.types import DEFAULTS, UserRef

#: Outreach rows the bench grows the database to, in order.
SIZES: tuple[int, ...] = (10_000, 100_000, 1_000_000)
_BATCH = 20_000  # rows per INSERT round trip while seeding

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def seed(sessions, users: int, outreach: int, seed: int = 0) -> None:
    """Fill an empty ledger: ``users`` users and ``outreach`` contacts, outreach rows and follow-ups (see ``grow``).

    ``LedgerError`` if the database already has users (the benchmark never mixes its rows with real ones).
    """
    with sessions.begin() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise LedgerError("the benchmark needs an empty database; it would mix its rows with real ones")
        session.execute(
            insert(User),
            [dict(platform="bench", workspace="w", user_id=f"u{i}", **DEFAULTS, created_at=NOW) for i in range(users)],
        )
    grow(sessions, outreach, random.Random(seed))


def grow(sessions, outreach: int, rng: random.Random) -> None:
    """Add contacts, outreach rows (spread over the last 60 days) and one follow-up each (pending, sent or
    cancelled at random) until the bench users have about ``outreach`` of them, spread evenly; a no-op when they
    have that many already."""
    with sessions.begin() as session:
        user_ids = list(session.scalars(select(User.id).where(User.platform == "bench").order_by(User.id)))
        have = session.scalar(select(func.count()).select_from(Contact)) or 0
        per_user, start = outreach // len(user_ids), have // len(user_ids)
        new = [dict(owner_id=u, key=f"c{j}", display=f"Contact {j}") for j in range(start, per_user) for u in user_ids]
        for i in range(0, len(new), _BATCH):
            batch = new[i : i + _BATCH]
            session.execute(insert(Contact), batch)
        last = session.scalar(select(func.max(Outreach.id))) or 0
        last_contact = session.scalar(select(func.max(Outreach.contact_id))) or 0
        contacts = session.execute(
            select(Contact.id, Contact.owner_id).where(Contact.id > last_contact).order_by(Contact.id)
        ).all()
        for i in range(0, len(contacts), _BATCH):
            part = contacts[i : i + _BATCH]
            times = [NOW - timedelta(minutes=rng.randrange(60 * 24 * 60)) for _ in part]
            session.execute(
                insert(Outreach), [dict(owner_id=o, contact_id=c, at=t) for (c, o), t in zip(part, times, strict=True)]
            )
        rows = session.execute(
            select(Outreach.id, Outreach.contact_id, Outreach.owner_id, Outreach.at).where(Outreach.id > last)
        ).all()
        for i in range(0, len(rows), _BATCH):
            session.execute(
                insert(Reminder),
                [
                    dict(owner_id=o, contact_id=c, outreach_id=r, kind="follow_up", seq=1,
                         due_at=at + timedelta(days=3), status=rng.choice(["pending", "sent", "cancelled"]))
                    for r, c, o, at in rows[i : i + _BATCH]
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


def _analyze(sessions) -> None:
    """Gather planner statistics, as a production database has them."""
    engine = sessions.kw["bind"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def run(
    url: str | None,
    users: int = 1000,
    sizes: Sequence[int] = SIZES,
    repeats: int = 20,
    progress: Callable[[], object] | None = None,
) -> list[dict]:
    """Grow the database at ``url`` (a temporary SQLite file when None) to each of ``sizes`` outreach rows, run
    ``ANALYZE``, and time the due queries; one dict per size.

    Each dict holds ``database`` (dialect name), ``users``, ``outreach``, ``seed_s`` (seconds to grow to this
    size), ``workers_due_ms`` and ``one_user_due_ms`` as (median, worst) in milliseconds, and
    ``workers_due_rows`` / ``one_user_due_rows``; ``progress()`` is called as each size is done.
    ``ValueError`` when ``sizes`` is empty, not increasing, or
    gives a user no rows; ``LedgerError`` when the database is not empty.
    """
    sizes = list(sizes)
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] < users:
        raise ValueError(f"sizes must increase and be at least the number of users ({users}); got {sizes}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        target = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        sessions = open_ledger(target)
        rng = random.Random(0)
        one_user = UserRef("bench", "w", f"u{users // 2}")

        # The queries production runs: the delivery rounds' claim query (all users, first 500) and one user's.
        def workers_query():
            return queue.due_ids(sessions, NOW, limit=500)

        try:
            for n, size in enumerate(sizes):
                t = time.perf_counter()
                if n == 0:
                    seed(sessions, users, size)
                else:
                    grow(sessions, size, rng)
                _analyze(sessions)
                seeded = time.perf_counter() - t
                results.append(
                    {
                        "database": sessions.kw["bind"].dialect.name,
                        "users": users,
                        "outreach": size,
                        "seed_s": round(seeded, 1),
                        "workers_due_ms": _time(workers_query, repeats),
                        "one_user_due_ms": _time(lambda: queue.due(sessions, NOW, one_user), repeats),
                        "workers_due_rows": len(workers_query()),
                        "one_user_due_rows": len(queue.due(sessions, NOW, one_user)),
                    }
                )
                if progress:
                    progress()
        finally:
            sessions.kw["bind"].dispose()
    return results


def report(results: list[dict]) -> str:
    """``run``'s figures: a heading, then three lines per size."""
    lines = [f"{results[0]['database']}, {results[0]['users']:,} users, statistics gathered (ANALYZE) at each size"]
    for r in results:
        w, u = r["workers_due_ms"], r["one_user_due_ms"]
        lines += [
            f"{r['outreach']:>9,} outreach rows (grown in {r['seed_s']} s)",
            f"  claim query, all users (first 500): median {w[0]:.1f} ms, worst {w[1]:.1f} ms"
            f" ({r['workers_due_rows']} rows)",
            f"  due reminders, one user:            median {u[0]:.1f} ms, worst {u[1]:.1f} ms"
            f" ({r['one_user_due_rows']} rows)",
        ]
    return "\n".join(lines)
