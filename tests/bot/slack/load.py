"""The Slack load check, runnable anywhere: ``python -m tests.bot.slack.load [--requests 200 --concurrency 20]``.

Starts the Web API stand-in and the real ``rapport slack`` app (gunicorn, HTTP) on 127.0.0.1 with a fresh
SQLite ledger, then sends signed ``/rapport`` checks with ``rapport slack loadtest``'s code and prints the
ack latency figures. Targets: every ack within 3 s, p99 <= 300 ms, zero errors.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bot.tools.slack_load import run_load
from tests.bot.slack.conftest import BOT_TOKEN, SECRET, SlackApp
from tests.fakes.slack_api import SlackStandIn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes for the app")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, SlackStandIn(BOT_TOKEN) as stand_in:
        app = SlackApp(stand_in, f"sqlite:///{Path(folder) / 'ledger.db'}", Path(folder), workers=args.workers)
        app.start()
        try:
            run_load(app.url + "/slack/events", SECRET, total=20, concurrency=5)  # warm up
            result = run_load(app.url + "/slack/events", SECRET, total=args.requests, concurrency=args.concurrency)
        finally:
            app.stop()
    print(f"app workers {args.workers}: {result['summary']}")
    if result["first_error"]:
        print(f"first error: {result['first_error']}")


if __name__ == "__main__":
    main()
