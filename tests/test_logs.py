"""Logs: JSON lines off a terminal, the short form on one, never a secret, never draft text."""

import io
import json
import logging
import os
import subprocess
import sys
import time

import pytest
from gunicorn.config import Config

from bot import logs
from bot.adapters.slack.server import gunicorn_options
from tests.bot.slack.conftest import ROOT, SlackApp
from tests.fakes.slack_api import SlackStandIn

BOT_TOKEN = "xoxb-9999-8888-logtestsecret"
SIGNING = "0123456789abcdef0123456789abcdef"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_loggers(monkeypatch):
    for name in ("RAPPORT_LOG_FORMAT", "RAPPORT_DATABASE_URL", *logs.SECRETS):
        monkeypatch.delenv(name, raising=False)
    saved = [
        (log, list(log.handlers), log.level, log.propagate)
        for log in (logging.getLogger(), logging.getLogger("gunicorn.error"), logging.getLogger("gunicorn.access"))
    ]
    yield
    for log, handlers, level, propagate in saved:
        log.handlers[:] = handlers
        log.setLevel(level)
        log.propagate = propagate


def test_json_lines_when_not_a_terminal():
    out = io.StringIO()
    logs.setup(verbose=True, stream=out)
    log = logging.getLogger("bot.test")
    log.info("reminder %s sent", 12, extra={"reminder": 12})
    try:
        raise ConnectionError("chat API down")
    except ConnectionError:
        log.exception("round failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "reminder 12 sent" and first["level"] == "INFO" and first["logger"] == "bot.test"
    assert first["reminder"] == 12 and first["time"].endswith("Z")
    assert second["level"] == "ERROR" and "ConnectionError: chat API down" in second["exc_info"]


def test_the_short_form_on_a_terminal_and_warnings_only_without_verbose():
    out = Terminal()
    logs.setup(verbose=False, stream=out)
    logging.getLogger("bot.test").info("not shown")
    logging.getLogger("bot.test").warning("shown")
    assert out.getvalue() == "rapport: shown\n"


def test_the_format_can_be_forced_and_a_bad_choice_is_refused(monkeypatch):
    monkeypatch.setenv("RAPPORT_LOG_FORMAT", "json")
    out = Terminal()
    logs.setup(stream=out)
    logging.getLogger("bot.test").warning("forced")
    assert json.loads(out.getvalue())["message"] == "forced"
    monkeypatch.setenv("RAPPORT_LOG_FORMAT", "yaml")
    with pytest.raises(ValueError, match="RAPPORT_LOG_FORMAT must be one of json, text"):
        logs.setup(stream=out)


def test_secrets_never_reach_a_line(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING)
    out = io.StringIO()
    logs.setup(stream=out)
    log = logging.getLogger("bot.test")
    log.warning("calling with %s and %s", BOT_TOKEN, SIGNING)
    log.warning("someone else's token xoxp-1234-5678-abcdef leaked")
    try:
        raise RuntimeError(f"refused: {BOT_TOKEN}")
    except RuntimeError:
        log.exception("failed")
    text = out.getvalue()
    assert BOT_TOKEN not in text and SIGNING not in text and "xoxp-1234" not in text
    assert "[SLACK_BOT_TOKEN]" in text and "[SLACK_SIGNING_SECRET]" in text and "[redacted]" in text
    assert all(json.loads(line) for line in text.splitlines())


@pytest.mark.parametrize("stream", [io.StringIO, Terminal])
def test_slack_shaped_tokens_go_wherever_they_start_and_escaped_secrets_too(monkeypatch, stream):
    discord = 'MTA5.GhX-"quoted\\back"-é-token'  # a made-up token with characters JSON escapes
    monkeypatch.setenv("DISCORD_TOKEN", discord)
    monkeypatch.setenv("RAPPORT_DATABASE_URL", "postgresql+psycopg://rapport:pa%40ss-w0rd-long@db:5432/rapport")
    out = stream()
    logs.setup(stream=out)
    log = logging.getLogger("bot.test")
    log.warning("token=xoxb-1-2-abc, _xapp-1-A2-def and %s; pa@ss-w0rd-long pa%%40ss-w0rd-long", discord)
    try:
        raise RuntimeError("refused:\nxoxp-7-8-ghi")  # a token at the start of a traceback line
    except RuntimeError:
        log.exception("failed")
    text = out.getvalue()
    for leak in ("xoxb-", "xapp-", "xoxp-", "ghi", "MTA5", "quoted", "w0rd"):
        assert leak not in text, (leak, text)
    assert "token=[redacted], _[redacted] and [DISCORD_TOKEN]; [database password] [database password]" in text
    newline = "\n" if stream is Terminal else "\\n"  # inside a JSON string a line break reads \n
    assert f"RuntimeError: refused:{newline}[redacted]" in text


def test_gunicorns_error_log_goes_through_the_one_handler_and_the_access_log_stays_off():
    out = io.StringIO()
    logs.setup(stream=out)  # as `rapport slack` does before gunicorn starts
    cfg = Config()
    for key, value in gunicorn_options("127.0.0.1", 0, 1, 1).items():
        cfg.set(key, value)
    gunicorn = cfg.logger_class(cfg)
    gunicorn.info("Booting worker with pid: %s", 42)
    gunicorn.error("Worker (pid:%s) exited with code %s", 42, 1)
    assert not gunicorn.access_log_enabled
    assert not logging.getLogger("gunicorn.error").handlers  # its own stderr handler was dropped
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["logger"], r["level"], r["message"]) for r in lines] == [
        ("gunicorn.error", "INFO", "Booting worker with pid: 42"),
        ("gunicorn.error", "ERROR", "Worker (pid:42) exited with code 1"),
    ]
    assert all(r["time"].endswith("Z") for r in lines)


def test_the_slack_app_under_gunicorn_logs_json_without_draft_text(tmp_path):
    draft = "We help teams like yours cut cloud costs, grab a demo slot this Friday"
    with SlackStandIn("xoxb-1111111111-2222222222-rapporttest") as stand_in:
        stand_in.script("users.info", (200, {}, {"ok": False, "error": "user_not_found"}))  # a logged failure
        app = SlackApp(stand_in, f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path).start()
        try:
            status, body = app.command(draft)
            assert status == 200 and "Pitch score" in json.dumps(body)
            deadline = time.monotonic() + 15
            while "time zone" not in app.output() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            app.stop()
    output = (tmp_path / "slack-app-1.log").read_text()
    lines = [json.loads(line) for line in output.splitlines() if not line.startswith("Rapport for")]
    assert {"Booting worker", "Handling signal: term"} <= {r["message"].split(" with pid")[0] for r in lines}
    assert all(r["logger"] == "gunicorn.error" or r["logger"].startswith("bot.") for r in lines), lines
    assert any(r["logger"] == "bot.adapters.slack.listeners.common" and "time zone" in r["message"] for r in lines), (
        lines
    )
    assert draft not in output and "demo slot" not in output and "xoxb-1111" not in output


def test_the_cli_logs_json_without_draft_text_or_secrets(tmp_path):
    draft = "We help companies like yours scale faster, book a demo this week"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "SLACK_", "DISCORD_"))}
    env.update(RAPPORT_DATABASE_URL=f"sqlite:///{tmp_path / 'ledger.db'}", SLACK_BOT_TOKEN=BOT_TOKEN)
    stderr = ""
    for args in (["log", "sent", "Dana"], ["check", draft], ["remind"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "-v", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        stderr += done.stderr
    lines = [json.loads(line) for line in stderr.splitlines()]
    assert any(r["logger"].startswith("alembic") for r in lines)  # the migrations of the new file were logged
    assert draft not in stderr and "book a demo" not in stderr and BOT_TOKEN not in stderr
