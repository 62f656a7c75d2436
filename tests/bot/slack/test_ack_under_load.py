"""Acks under load: a ``/rapport`` answer never waits for work other requests do after their own ack; the load
check's floor app."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.bot.slack.conftest import SlackApp, stand_in_for
from tests.bot.slack.load import Floor, measure
from tests.wait import wait_for


def test_an_ack_does_not_wait_for_other_listeners_after_ack_work(tmp_path):
    """12 new users check at once while Slack holds every ``users.info`` answer (the time-zone lookup a new
    user's listener makes after acking). Every ack still arrives at once, and all 12 lookups wait together:
    with bolt's default 5 listener threads, 5 held lookups would take every thread and 7 acks would wait."""
    with stand_in_for() as stand_in:
        app = SlackApp(stand_in, f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path).start()
        try:
            app.command("warm up the model and the database", user="U0WARM")
            stand_in.wait_for("users.info", user="U0WARM")
            stand_in.gates["users.info"] = gate = threading.Event()
            users = [f"U{n:02d}NEW" for n in range(12)]

            def check(user: str) -> tuple[float, int, object]:
                started = time.monotonic()
                status, body = app.command("We help teams like yours. Book a demo?", user=user)
                return time.monotonic() - started, status, body

            with ThreadPoolExecutor(len(users)) as pool:
                answers = list(pool.map(check, users))
            for seconds, status, body in answers:
                assert status == 200 and "Pitch score" in str(body), (status, body)
                assert seconds < 2.5, f"an ack took {seconds:.2f} s"
            wait_for(lambda: len(stand_in.at_gate) == len(users), what="all 12 time-zone lookups held at once")
            gate.set()
            stand_in.wait_for("users.info", count=len(users) + 1)
        finally:
            for gate in stand_in.gates.values():
                gate.set()
            app.stop()


def test_the_load_check_measures_the_bare_bolt_floor_beside_the_app():
    """The floor app the load check compares Rapport with acks signed ``/rapport`` checks under load, at once."""
    with stand_in_for() as stand_in:
        floor = Floor(stand_in, workers=1, threads=8)
        try:
            result = measure(floor.url, total=40, concurrency=10)
        finally:
            floor.stop()
    assert result["errors"] == 0 and result["requests"] == 40, result
    assert [c.method for c in stand_in.calls] == ["auth.test"]  # no Web API call beyond bolt's own auth.test
