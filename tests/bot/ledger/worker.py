"""A reminder worker in its own process, for the concurrency tests.

python -m tests.bot.ledger.worker URL LOG NOW [--die-after-claim]
Appends one line per delivered reminder id to LOG. With --die-after-claim it claims the first due reminder
and exits at once without sending, like a process killed between claim and send.
"""

import os
import sys
from datetime import datetime

from bot.ledger.db import open_ledger
from bot.reminders import DEFAULT_LEASE, claim, deliver_due, due, worker_name


class FileNotifier:
    def __init__(self, path: str):
        self.path = path

    def send(self, reminder) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{reminder.id}\n".encode())
        finally:
            os.close(fd)

    def send_digest(self, user, items) -> None:
        for reminder in items:
            self.send(reminder)

    def send_plan(self, user, plan) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"plan:{user.user_id}\n".encode())
        finally:
            os.close(fd)

    def delivered(self, reminder, since) -> bool:
        if not os.path.exists(self.path):
            return False
        with open(self.path) as log:
            return str(reminder.id) in log.read().split()


def main() -> None:
    url, log, now = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])
    sessions = open_ledger(url)
    if "--die-after-claim" in sys.argv:
        first = due(sessions, now)[0]
        assert claim(sessions, first.id, worker_name(), now, DEFAULT_LEASE)
        os._exit(0)
    deliver_due(sessions, FileNotifier(log), now)


if __name__ == "__main__":
    main()
