"""The failure drills: the real ``rapport slack`` (gunicorn) or ``rapport`` CLI, a real database, the Slack
Web API stand-in on 127.0.0.1, and a fault. Each drill returns rows of figures (what was sent in, delivered,
duplicated, lost) and the test suite asserts nothing is duplicated or lost; ``python -m tests.drills``
prints them.

1. ``kill_during_delivery``: SIGKILL to the app and its workers while Slack holds the answer to a reminder
   DM it has already taken, then a restart on the same database.
2. ``postgres_outage``: PostgreSQL stopped under the running app (commands, retried events and reminders
   falling due meanwhile), then started again.
3. ``chat_api_errors``: Slack answers 500s (some after taking the message) and 429s for a while.
4. ``full_disk``: the SQLite file cannot grow (``RLIMIT_FSIZE``, which works even for root) while outreach
   is being logged.
"""

from __future__ import annotations

import glob
import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from bot import wording
from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.ledger.repo import UserRef
from bot.ledger.schema import Contact, Outreach, Reminder, Reply
from tests.bot.slack.conftest import ROOT, SlackApp, free_port, stand_in_for
from tests.fakes.slack_api import TEAM_ID, SlackStandIn
from tests.wait import wait_for

OWNER = "U1ANA"
REF = UserRef("slack", TEAM_ID, OWNER)
REMINDER_BLOCK = re.compile(r"reminder:(\d+)")


@dataclass(frozen=True)
class Row:
    drill: str
    what: str
    sent: int  # put in: due reminders, commands, events
    delivered: int  # came out once: DMs that arrived, rows in the ledger
    duplicated: int
    lost: int
    note: str = ""


class UnavailableError(Exception):
    """What a drill needs is not on this machine (said in the message)."""


# -- shared helpers ---------------------------------------------------------------------------------------------
def seed_due_reminders(url: str, count: int, due_in: timedelta = timedelta(0)) -> tuple[Coach, set[int]]:
    """``count`` contacts of OWNER whose first follow-up falls due ``due_in`` from now (quiet hours off)."""
    coach = Coach(sessions=open_ledger(url))
    now = datetime.now(UTC)
    coach.update_settings(REF, now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
    for i in range(count):
        coach.record_outreach(REF, f"<@U9C{i:04d}>", now - timedelta(days=3) + due_in)
    with coach.sessions() as session:
        ids = set(session.scalars(select(Reminder.id).where(Reminder.status == "pending")))
    return coach, ids


def reminder_ids_in_dms(api: SlackStandIn) -> list[int]:
    """One entry per reminder block in the owner's DM (a duplicate shows up twice)."""
    return [
        int(m[1])
        for message in api.posted(OWNER)
        for block in message.get("blocks") or []
        if (m := REMINDER_BLOCK.fullmatch(block.get("block_id", "")))
    ]


def pending(coach: Coach, ids: set[int]) -> int:
    with coach.sessions() as session:
        return session.scalar(select(func.count()).where(Reminder.id.in_(ids), Reminder.status == "pending"))


def wait_until(check, timeout: float, what: str):
    return wait_for(check, timeout=timeout, what=what, interval=0.1)


def a_later_round(coach: Coach, api: SlackStandIn, user_id: str = "U3LATER") -> None:
    """A barrier instead of a sleep: a follow-up for another user falls due now; once its DM is posted, the app
    has run a whole delivery round after the drill's reminders were marked sent (so a duplicate would show)."""
    now = datetime.now(UTC)
    ref = UserRef("slack", TEAM_ID, user_id)
    coach.update_settings(ref, now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0)
    coach.record_outreach(ref, "<@U9LATER>", now - timedelta(days=4))
    api.wait_for("chat.postMessage", channel=user_id, timeout=60)


def reminder_row(drill: str, due_ids: set[int], api: SlackStandIn, note: str = "") -> Row:
    seen = reminder_ids_in_dms(api)
    return Row(
        drill,
        "reminders",
        sent=len(due_ids),
        delivered=len(set(seen) & due_ids),
        duplicated=len(seen) - len(set(seen)),
        lost=len(due_ids - set(seen)),
        note=note,
    )


def health(app: SlackApp) -> int:
    try:
        with urllib.request.urlopen(app.url + "/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


# -- 1. kill -9 while delivering ----------------------------------------------------------------------------------
def kill_during_delivery(folder: Path, count: int = 60) -> list[Row]:
    url = f"sqlite:///{folder / 'ledger.db'}"
    coach, due_ids = seed_due_reminders(url, count)
    with stand_in_for() as api:
        api.hold["chat.postMessage"] = 0.02
        app = SlackApp(api, url, folder, interval=0.3, RAPPORT_REMINDER_LEASE="3")
        app.start()
        try:
            wait_until(lambda: len(api.posted(OWNER)) >= count // 3, 60, "a third of the batch")
            api.hold_next("chat.postMessage", 120)  # Slack takes the next DM and never answers
            wait_until(lambda: api.held, 30, "a DM taken by Slack, its answer held back")
            app.kill()
            killed_at = len(api.posted(OWNER))
            app.start()
            wait_until(lambda: pending(coach, due_ids) == 0, 90, "every due reminder marked sent")
            a_later_round(coach, api)  # more rounds: nothing more may go out
        finally:
            app.stop()
        looked_up = len(api.of("conversations.history"))
        row = reminder_row(
            "kill -9 during delivery",
            due_ids,
            api,
            f"killed after {killed_at} DMs, one of them taken but unanswered; {looked_up} history lookup(s)",
        )
    coach.sessions.kw["bind"].dispose()
    return [row]


# -- 2. PostgreSQL stopped and started under the running app -------------------------------------------------------
class ThrowawayPostgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port, that a drill may stop and start."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            raise UnavailableError("PostgreSQL's server programs are not installed (bash .ci/postgres installs them)")
        self.bin = Path(bins[-1]).parent
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="rapport-drill-pg-"))
        self.data = self.folder / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:  # the server refuses to run as root
            shutil.chown(self.folder, "postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "rapport", "--auth=trust", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://rapport@127.0.0.1:{self.port}/postgres"

    def _pg(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_postgres, str(self.bin / program), *args], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def deliver_like_slack(app: SlackApp, event: dict, event_id: str, waits=(1.0, 2.0, 10.0)) -> int:
    """Send an event as Slack does: on anything but HTTP 200, try again (Slack waits ~1 min then ~5 min; the
    drill waits ``waits``) with ``X-Slack-Retry-Num``. Returns the attempts it took (0 if Slack gave up)."""
    status, _ = app.event(event, event_id)
    for attempt, wait in enumerate(waits, start=1):
        if status == 200:
            return attempt
        time.sleep(wait)
        status, _ = app.event(event, event_id, retry=attempt)
    return len(waits) + 1 if status == 200 else 0


def reply_event(contact: str, ts: float) -> dict:
    return {
        "type": "message",
        "channel": "C1GENERAL",
        "user": contact,
        "text": "Thanks for reaching out! Happy to talk next week.",
        "ts": f"{ts:.6f}",
        "thread_ts": f"{ts - 100:.6f}",
        "parent_user_id": OWNER,
        "channel_type": "channel",
        "event_ts": f"{ts:.6f}",
    }


def postgres_outage(folder: Path, reminders: int = 10, commands: int = 5, outage: float = 5.0) -> list[Row]:
    pg = ThrowawayPostgres()
    try:
        pg.start()
        # Reminders due in an hour; just before the outage they are moved to fall due during it.
        coach, due_ids = seed_due_reminders(pg.url, reminders, due_in=timedelta(hours=1))
        with stand_in_for() as api:
            app = SlackApp(api, pg.url, folder, interval=0.3, RAPPORT_REMINDER_RETRY="0.5")
            app.start()
            try:
                before = [f"<@U7A{i:04d}>" for i in range(commands)]
                during = [f"<@U7B{i:04d}>" for i in range(commands)]
                logged = {c for c in before if _say(app, f"sent {c}").startswith("Logged.")}
                with coach.sessions.begin() as session:
                    soon = datetime.now(UTC) + timedelta(seconds=1)
                    session.execute(update(Reminder).where(Reminder.id.in_(due_ids)).values(due_at=soon))
                pg.stop()
                down_at = time.monotonic()
                wait_until(lambda: health(app) == 503, 15, "/healthz to report the outage")
                # During the outage: commands are refused with a clear message; replies are events Slack retries.
                refused = [c for c in during if _say(app, f"sent {c}") == wording.UNAVAILABLE]
                repliers = [c[2:-1] for c in before]
                attempts: dict[str, int] = {}

                def reply(contact: str, n: int) -> None:
                    event = reply_event(contact, time.time() + n)
                    attempts[contact] = deliver_like_slack(app, event, f"EvReply{contact}")

                senders = [threading.Thread(target=reply, args=(c, n)) for n, c in enumerate(repliers)]
                for sender in senders:
                    sender.start()
                time.sleep(max(0.0, outage - (time.monotonic() - down_at)))
                pg.start()
                up_at = time.monotonic()
                wait_until(lambda: health(app) == 200, 60, "/healthz to recover")
                recovered = time.monotonic() - up_at
                retried = [c for c in refused if _say(app, f"sent {c}").startswith("Logged.")]  # told to retry
                logged |= set(retried)
                for sender in senders:
                    sender.join(30)
                wait_until(lambda: pending(coach, due_ids) == 0, 60, "the reminders due during the outage")
                a_later_round(coach, api)
                told = app.output().count("the database is unavailable")
            finally:
                app.stop()
            with coach.sessions() as session:
                outreach = _count_by_contact(session, Outreach, before + during)
                replies = _count_by_contact(session, Reply, [f"<@{c}>" for c in repliers])
            reminder = reminder_row(
                "postgres outage",
                due_ids,
                api,
                f"/healthz 503 during the outage, 200 {recovered:.1f} s after PostgreSQL was back; "
                f"{told} request(s) logged as 'the database is unavailable'",
            )
        coach.sessions.kw["bind"].dispose()
    finally:
        pg.remove()
    return [
        Row(
            "postgres outage",
            "outreach commands",
            sent=len(before) + len(during),
            delivered=sum(1 for c in logged if outreach.get(c) == 1),
            duplicated=sum(n - 1 for n in outreach.values() if n > 1),
            lost=sum(1 for c in logged if not outreach.get(c)),
            note=f"{len(refused)} refused during the outage with the 'nothing was recorded' message; "
            f"{len(retried)} logged when the user tried again",
        ),
        Row(
            "postgres outage",
            "reply events",
            sent=len(repliers),
            delivered=sum(1 for n in replies.values() if n >= 1),
            duplicated=sum(n - 1 for n in replies.values() if n > 1),
            lost=len(repliers) - sum(1 for n in replies.values() if n >= 1),
            note=f"Slack deliveries needed per event: {sorted(attempts.values())}",
        ),
        reminder,
    ]


def _count_by_contact(session, table, contacts: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(Contact.display, func.count(table.id))
        .join(table, table.contact_id == Contact.id)
        .where(Contact.display.in_(contacts))
        .group_by(Contact.display)
    ).all()
    return dict(rows)


def _say(app: SlackApp, words: str) -> str:
    """The ephemeral text ``/rapport <words>`` answers with."""
    status, body = app.command(words)
    if status != 200 or not isinstance(body, dict):
        return f"HTTP {status}"
    return body.get("text") or " ".join(b.get("text", {}).get("text", "") for b in body.get("blocks") or [])


# -- 3. the chat API failing for a while --------------------------------------------------------------------------
def chat_api_errors(folder: Path, count: int = 30) -> list[Row]:
    url = f"sqlite:///{folder / 'ledger.db'}"
    coach, due_ids = seed_due_reminders(url, count)
    error = (500, {}, {"ok": False, "error": "internal_error"})
    limited = (429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"})
    with stand_in_for() as api:
        api.script("chat.postMessage", error, error, limited, error, limited, error)  # refused before taking it
        api.script_after_accept("chat.postMessage", error, error, error, error)  # taken, but answered 500
        api.script("conversations.history", error)  # the first "did it arrive?" question fails too
        app = SlackApp(api, url, folder, interval=0.3, RAPPORT_REMINDER_RETRY="0.5")
        started = time.monotonic()
        app.start()
        try:
            wait_until(lambda: pending(coach, due_ids) == 0, 90, "every due reminder marked sent")
            took = time.monotonic() - started
            a_later_round(coach, api)
        finally:
            app.stop()
        posts = api.of("chat.postMessage", channel=OWNER)
        statuses = [c.status for c in posts]
        waits = app.output().count("was not delivered")
        row = reminder_row(
            "chat API 500s and 429s",
            due_ids,
            api,
            f"{len(posts)} chat.postMessage calls: {statuses.count(500)} answered 500 (4 of them after Slack took "
            f"the message), {statuses.count(429)} answered 429; {waits} backed-off retries; all sent in {took:.1f} s",
        )
    coach.sessions.kw["bind"].dispose()
    return [row]


# -- 4. a full disk under SQLite ----------------------------------------------------------------------------------
def full_disk(folder: Path, attempts: int = 6, limit: int = 64 * 1024) -> list[Row]:
    """Log outreach with ``rapport log sent`` while no file may grow past ``limit`` bytes.

    The database file is already bigger than that, so its WAL takes the first writes (and keeps them, as it
    cannot be copied back into the file) until the WAL itself is full: from then on every write is refused.
    """
    db = folder / "ledger.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "SLACK_", "DISCORD_"))}
    env["RAPPORT_DATABASE_URL"] = f"sqlite:///{db}"
    rapport = [sys.executable, "-m", "bot"]

    def log_sent(contact: str, limit: int | None = None) -> subprocess.CompletedProcess:
        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return subprocess.run(
            [*rapport, "log", "sent", contact, "--user", "ana"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=cap if limit else None,
        )

    for i in range(3):
        assert log_sent(f"Warm {i}").returncode == 0
    assert db.stat().st_size > limit
    acknowledged, refused, messages = [], [], set()
    for i in range(attempts):
        contact = f"Contact {i:03d}"
        done = log_sent(contact, limit)
        if done.returncode == 0:
            acknowledged.append(contact)
        else:
            refused.append(contact)
            messages.add(done.stderr.strip())
    # The disk has room again: check the file, what was acknowledged, and that writing works again.
    with sqlite3.connect(db) as check:
        integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in check.execute("SELECT display FROM contacts")}
    again = log_sent("After the disk was freed").returncode
    stats = json.loads(
        subprocess.run(
            [*rapport, "stats", "--json", "--user", "ana"], cwd=ROOT, env=env, capture_output=True, text=True
        ).stdout
        or "{}"
    )
    note = (
        f"{len(refused)} refused, each with: {' / '.join(sorted(messages)) or '-'}; integrity_check {integrity}; "
        f"writing after the disk was freed exit {again}; stats still readable: {bool(stats)}"
    )
    # The same file opened read-only (as root, file permissions would not stop a write; SQLite's mode=ro does).
    env["RAPPORT_DATABASE_URL"] = f"sqlite:///file:{db}?mode=ro&uri=true"
    read_only = [log_sent(f"Read-only {i}") for i in range(3)]
    env["RAPPORT_DATABASE_URL"] = f"sqlite:///{db}"
    with sqlite3.connect(db) as check:
        integrity_after = check.execute("PRAGMA integrity_check").fetchone()[0]
        kept = check.execute("SELECT count(*) FROM contacts WHERE display LIKE 'Read-only%'").fetchone()[0]
    said = {r.stderr.strip() for r in read_only}
    read_only_note = (
        f"{sum(r.returncode == 1 for r in read_only)} refused (exit 1), each with: {' / '.join(sorted(said))}; "
        f"integrity_check {integrity_after}"
    )
    return [
        Row(
            "full disk (SQLite)",
            "outreach logged",
            sent=attempts,
            delivered=sum(1 for c in acknowledged if c in stored),
            duplicated=0,
            lost=sum(1 for c in acknowledged if c not in stored),
            note=note,
        ),
        Row("read-only SQLite file", "outreach logged", len(read_only), kept, 0, 0, read_only_note),
    ]


DRILLS = {
    "kill": kill_during_delivery,
    "postgres": postgres_outage,
    "chat-api": chat_api_errors,
    "full-disk": full_disk,
}
