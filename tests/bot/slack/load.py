"""The Slack load check, runnable anywhere: ``python -m tests.bot.slack.load [--requests 200 --concurrency 20]``.

Starts the Web API stand-in, the real ``rapport slack`` app (gunicorn, HTTP) with a fresh SQLite ledger (or
``--database-url``), and beside it the floor: a bare bolt app that acks at once, served the same way
(``bot/adapters/slack/floor.py``). Both get the same signed ``/rapport`` checks with ``rapport slack loadtest``'s
code, one after the other, and it prints the ack latency of each and Rapport's ratio to the floor. Targets: every
ack within 3 s, p99 <= 300 ms, zero errors.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.tools.slack_load import run_load
from tests.bot.slack.conftest import BOT_TOKEN, ROOT, SECRET, SlackApp, free_port
from tests.fakes import stop_process
from tests.fakes.slack_api import SlackStandIn


class Floor:
    """The floor app (``python -m bot.adapters.slack.floor``) on 127.0.0.1, with the app's workers and threads."""

    def __init__(self, stand_in: SlackStandIn, workers: int, threads: int):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAPPORT_"))}
        env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, RAPPORT_SLACK_API_URL=stand_in.api_url)
        command = [sys.executable, "-m", "bot.adapters.slack.floor", "--port", str(self.port)]
        command += ["--workers", str(workers), "--threads", str(threads)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while run_load(self.url, SECRET, total=1, concurrency=1, timeout=2)["errors"]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the floor app did not start answering")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def stop(self) -> None:
        stop_process(self.process)


def measure(url: str, total: int, concurrency: int) -> dict:
    """Warm up (20 checks, 5 at a time), then ``total`` checks ``concurrency`` at a time: the figures."""
    run_load(url, SECRET, total=20, concurrency=5)
    return run_load(url, SECRET, total=total, concurrency=concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes, for both apps")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker, for both apps")
    parser.add_argument("--database-url", help="the app's ledger (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, SlackStandIn(BOT_TOKEN) as stand_in:
        url = args.database_url or f"sqlite:///{Path(folder) / 'ledger.db'}"
        app = SlackApp(stand_in, url, Path(folder), workers=args.workers, threads=args.threads).start()
        try:
            rapport = measure(app.url + "/slack/events", args.requests, args.concurrency)
        finally:
            app.stop()
        floor = Floor(stand_in, args.workers, args.threads)
        try:
            bare = measure(floor.url, args.requests, args.concurrency)
        finally:
            floor.stop()
    database = url.split(":", 1)[0].split("+", 1)[0]
    print(f"{args.workers} worker(s) x {args.threads} threads, {database} ledger")
    print(f"rapport:   {rapport['summary']}")
    print(f"bare bolt: {bare['summary']}")
    print(
        f"rapport / bare bolt: ack p50 {rapport['p50_ms'] / bare['p50_ms']:.1f}x, "
        f"p99 {rapport['p99_ms'] / bare['p99_ms']:.1f}x"
    )
    for name, result in (("rapport", rapport), ("bare bolt", bare)):
        if result["first_error"]:
            print(f"{name} first error: {result['first_error']}")


if __name__ == "__main__":
    main()
