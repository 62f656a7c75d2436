"""The real Slack app (``rapport slack``, HTTP mode under gunicorn) on 127.0.0.1, against the Web API stand-in,
driven with requests signed exactly as Slack signs them and shaped as Slack documents them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml

from bot.tools.slack_load import command_body, sign
from tests.fakes import stop_process
from tests.fakes.slack_api import TEAM_ID, SlackStandIn

BOT_TOKEN = "xoxb-1111111111-2222222222-rapporttest"
SECRET = "8f742231b10e8888abcd99aaabbb85a5"
ROOT = Path(__file__).parents[3]
MANIFEST = yaml.safe_load((ROOT / "deploy" / "slack-manifest.yaml").read_text())
#: The bot scopes an app installed from deploy/slack-manifest.yaml holds: the stand-ins refuse any call needing more.
MANIFEST_SCOPES = frozenset(MANIFEST["oauth_config"]["scopes"]["bot"])


def stand_in_for(token: str = BOT_TOKEN, **kwargs) -> SlackStandIn:
    """A Web API stand-in granting the token exactly the manifest's scopes."""
    return SlackStandIn(token, scopes=set(MANIFEST_SCOPES), **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlackApp:
    """One ``rapport slack`` process; ``restart()`` stops it with SIGTERM and starts a new one on the same DB."""

    def __init__(
        self,
        stand_in: SlackStandIn,
        database_url: str,
        log_dir: Path,
        interval: float = 0.3,
        workers: int = 1,
        threads: int = 8,
        **env: str,
    ):
        self.stand_in = stand_in
        self.workers = workers
        self.threads = threads
        self.database_url = database_url
        self.log_dir = log_dir
        self.interval = interval
        self.extra_env = env
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAPPORT_"))}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            RAPPORT_SLACK_API_URL=self.stand_in.api_url,
            RAPPORT_DATABASE_URL=self.database_url,
        )
        env.update(self.extra_env)
        return env

    def start(self) -> SlackApp:
        self.starts += 1
        log = open(self.log_dir / f"slack-app-{self.starts}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "bot", "slack", "--host", "127.0.0.1", "--port", str(self.port)),
                *("--reminder-interval", str(self.interval), "--workers", str(self.workers)),
                *("--threads", str(self.threads)),
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() can take the workers down with it
        )
        self._log = log
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the app exited: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise AssertionError(f"the app did not become healthy: {self.output()}")

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)
            self._log.close()

    def kill(self) -> None:
        """SIGKILL to gunicorn and its workers at once: no shutdown code runs, as in a crash or an OOM kill."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self._log.close()

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return (self.log_dir / f"slack-app-{self.starts}.log").read_text(errors="replace")[-4000:]

    # -- requests as Slack sends them ------------------------------------------------------------------------
    def post(self, body: bytes, content_type: str, headers: dict | None = None, retry: int | None = None):
        all_headers = {"Content-Type": content_type, **sign(SECRET, body), **(headers or {})}
        if retry is not None:
            all_headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        request = urllib.request.Request(self.url + "/slack/events", data=body, headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw.strip() else None)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def command(self, text: str, user: str = "U1ANA", channel: str = "C1GENERAL"):
        body = command_body(text, user=user, team=TEAM_ID, response_url=self.stand_in.response_url(f"cmd-{user}"))
        body = body.replace(b"channel_id=CLOAD", b"channel_id=" + channel.encode())
        return self.post(body, "application/x-www-form-urlencoded")

    def interact(self, payload: dict):
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict, event_id: str, retry: int | None = None):
        envelope = {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0RAPPORT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": "U0BOT", "is_bot": True}],
            "is_ext_shared_channel": False,
            "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
        }
        return self.post(json.dumps(envelope).encode(), "application/json", retry=retry)


@pytest.fixture(scope="module")
def stand_in():
    with stand_in_for(timezones={"U1ANA": "Europe/Berlin"}) as fake:
        yield fake
    # Every Web API call the app made was one Slack's published description accepts (tests/fakes/specs.py).
    assert fake.violations == [], fake.violations


@pytest.fixture(scope="module")
def app(stand_in, tmp_path_factory):
    folder = tmp_path_factory.mktemp("slack")
    running = SlackApp(stand_in, f"sqlite:///{folder / 'ledger.db'}", folder).start()
    yield running
    running.stop()
