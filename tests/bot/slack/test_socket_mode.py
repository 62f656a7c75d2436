"""Socket Mode: with SLACK_APP_TOKEN set, ``rapport slack`` opens a websocket (apps.connections.open) instead of
serving HTTP, and answers a slash command envelope with the same private verdict."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from tests.bot.slack.conftest import BOT_TOKEN, ROOT, stand_in_for
from tests.fakes.slack_api import TEAM_ID

APP_TOKEN = "xapp-1-A0RAPPORT-1234-abcdef"


@contextlib.contextmanager
def socket_mode_app(tmp_path):
    """``rapport slack`` in Socket Mode against the stand-in, connected: yields ``(stand_in, process)``; stops it
    (SIGINT, then kill) if the test left it running."""
    with stand_in_for(app_token=APP_TOKEN) as stand_in:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAPPORT_"))}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            RAPPORT_SLACK_API_URL=stand_in.api_url,
            RAPPORT_DATABASE_URL=f"sqlite:///{tmp_path / 'ledger.db'}",
        )
        with open(tmp_path / "app.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "slack"], cwd=ROOT, env=env, stdout=log, stderr=log
            )
            try:
                assert stand_in.socket.connected.wait(60), (tmp_path / "app.log").read_text()
                yield stand_in, process
            finally:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
                    try:
                        process.wait(20)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()


def test_socket_mode_answers_a_command_over_the_websocket(tmp_path):
    with socket_mode_app(tmp_path) as (stand_in, _process):
        stand_in.socket.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "token": "deprecated-verification-token",
                    "team_id": TEAM_ID,
                    "team_domain": "rapport-test",
                    "channel_id": "C1GENERAL",
                    "channel_name": "general",
                    "user_id": "U1ANA",
                    "user_name": "ana",
                    "command": "/rapport",
                    "text": "We help companies like yours grow 3x. Book a demo today, 20% off this week only!",
                    "api_app_id": "A0RAPPORT",
                    "is_enterprise_install": "false",
                    "response_url": stand_in.response_url("socket"),
                    "trigger_id": "1.2.3",
                },
            }
        )
        ack = stand_in.socket.wait_ack("env-1")
        assert ack["payload"]["response_type"] == "ephemeral"
        assert "reads as a pitch" in ack["payload"]["blocks"][0]["text"]["text"]
    assert "apps.connections.open" in {c.method for c in stand_in.calls}


def test_socket_mode_stops_at_once_on_sigterm(tmp_path):
    """`docker stop` and `systemctl stop` send SIGTERM: the process closes the websocket, stops its scheduler
    and exits 0 within seconds (without a handler it would die of the signal, or as PID 1 ignore it)."""
    with socket_mode_app(tmp_path) as (_stand_in, process):
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(10)
        took = time.monotonic() - started
    assert code == 0, (code, (tmp_path / "app.log").read_text()[-2000:])
    assert took < 5, took
