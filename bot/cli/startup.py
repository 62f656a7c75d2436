"""``rapport bench startup``: how long commands take from a fresh process, as ratios to ``python -c pass``."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import click

from bot.cli.base import progress_bar
from bot.cli.model import bench

#: The commands timed: (label, arguments after ``rapport``, standard input).
COMMANDS = (
    ("python -c pass", None, None),
    ("rapport --help", ["--help"], None),
    ("rapport --version", ["--version"], None),
    ("rapport log show", ["log", "show"], None),
    ("rapport followups", ["followups"], None),
    ("rapport chat (to its prompt, then Ctrl-D)", ["chat"], ""),
    ('rapport check "..."', ["check", "Hi Dana, how did you pick your first metric?"], None),
)


def _seconds(argv: list[str], stdin: str | None, env: dict[str, str]) -> tuple[float, float]:
    """(wall time, CPU time: user + system) of one run of ``argv`` in a fresh process, in seconds; exits 1 if
    the run fails. CPU time moves less than wall time when other work shares the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    r = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, timeout=300)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise click.ClickException(f"{' '.join(argv)} failed: {r.stderr.strip()[-300:]}")
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


#: Relationships in the timed ledger, so the ledger commands read rows as a user's would.
SEEDED = 30


def seed(url: str, user: str | None = None, contacts: int = SEEDED) -> None:
    """Fill the ledger at ``url`` for the command line's user: ``contacts`` people reached out to over the past
    days, every third of whom replied and every fifth of whom you met for coffee."""
    from datetime import timedelta

    from bot.cli.base import local_user
    from bot.coach import Coach
    from bot.types import utcnow

    coach, me, now = Coach.open(url), local_user(user), utcnow()
    try:
        for i in range(contacts):
            name, at = f"Contact {i}", now - timedelta(days=i + 1)
            coach.record_outreach(me, name, at, now=now)
            if i % 3 == 0:
                coach.record_reply(me, name, at + timedelta(hours=2), now=now)
            if i % 5 == 0:
                coach.log_step(me, name, "met", at + timedelta(hours=3), how="coffee", now=now)
    finally:
        coach.close()


def run(repeats: int = 5, progress: Callable[[], object] | None = None) -> list[dict]:
    """Median and first (cold-ish: the process's first run) wall time, in ms, of each command in ``COMMANDS``
    over ``repeats`` fresh processes, on a temporary SQLite ledger holding ``SEEDED`` relationships (``seed``),
    with the ratio of the median to ``python -c pass``, and the median CPU time (``cpu_ms``); ``progress()`` is
    called after each run."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{folder}/bench.db", "NO_COLOR": "1"}
        seed(env["RAPPORT_DATABASE_URL"])
        rows = []
        for label, args, stdin in COMMANDS:
            argv = [sys.executable, "-c", "pass"] if args is None else [sys.executable, "-m", "bot", *args]
            times, cpu = [], []
            for _ in range(repeats):
                wall, used = _seconds(argv, stdin, env)
                times.append(wall)
                cpu.append(used)
                if progress:
                    progress()
            rows.append(
                {
                    "command": label,
                    "first_ms": times[0] * 1000,
                    "median_ms": statistics.median(times) * 1000,
                    "cpu_ms": statistics.median(cpu) * 1000,
                }
            )
    base = rows[0]["median_ms"]
    for row in rows:
        row["ratio"] = row["median_ms"] / base
    return rows


def report(rows: list[dict]) -> str:
    """The figures as a table: median and first run in ms, the ratio to ``python -c pass``, the median CPU time,
    and the machine's load average (other work on it slows the wall times)."""
    lines = [f"{'command':44} {'median':>9} {'first':>9} {'ratio':>7} {'cpu':>9}"]
    for r in rows:
        lines.append(
            f"{r['command']:44} {r['median_ms']:7.0f}ms {r['first_ms']:7.0f}ms {r['ratio']:6.1f}x {r['cpu_ms']:7.0f}ms"
        )
    lines.append(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    return "\n".join(lines)


@bench.command(name="startup")
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1, 100), help="Runs per command.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def bench_startup(repeats: int, as_json: bool) -> None:
    """Time commands from a fresh process (ratios to 'python -c pass').

    \b
    Example:
      rapport bench startup --repeats 5
    """
    with progress_bar(len(COMMANDS) * repeats, "timing", unit="run") as bar:
        rows = run(repeats, progress=bar.update)
    click.echo(json.dumps(rows, indent=2) if as_json else report(rows))
