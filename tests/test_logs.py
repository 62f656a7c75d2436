"""Logs: JSON lines off a terminal, the short form on one, never a secret, never draft text."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest

from bot import logs
from tests.bot.slack.conftest import ROOT

BOT_TOKEN = "xoxb-9999-8888-logtestsecret"
SIGNING = "0123456789abcdef0123456789abcdef"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_root_logger(monkeypatch):
    monkeypatch.delenv("RAPPORT_LOG_FORMAT", raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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
