"""The real Discord bot (``rapport discord``, a subprocess) against a local stand-in of Discord's HTTP API and gateway.

Events reach the bot through the stand-in's gateway websocket as Discord sends them, so discord.py's own parsing,
app-command dispatch and persistent components run; everything the bot sends is recorded by the stand-in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.coach import Coach
from bot.ledger.db import open_ledger
from tests.fakes import stop_process
from tests.fakes.discord_api import BOT_TOKEN, DiscordStandIn

RAPPORT = str(Path(sys.executable).parent / "rapport")
ROOT = Path(__file__).parents[3]


class BotProcess:
    """One ``rapport discord`` process; start it again for a second lifetime on the same database."""

    def __init__(self, stand_in: DiscordStandIn, database_url: str, log_dir: Path, *args: str, **env: str):
        self.stand_in = stand_in
        self.database_url = database_url
        self.log_dir = log_dir
        self.args = args or ("--reminder-interval", "0.3")
        self.extra_env = env
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "RAPPORT_", "SLACK_"))}
        env.update(
            DISCORD_TOKEN=self.stand_in.token,
            RAPPORT_DISCORD_API_URL=self.stand_in.api_url,
            RAPPORT_DATABASE_URL=self.database_url,
        )
        env.update(self.extra_env)
        return env

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"discord-bot-{self.starts}.log"

    def start(self) -> BotProcess:
        self.starts += 1
        identified = len(self.stand_in.identifies)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [RAPPORT, "-v", "discord", *self.args],
            cwd=self.log_dir,  # no stray .env
            env=self.env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.stand_in.wait_identified(identified + 1, timeout=60)
        except AssertionError:
            self.stop()
            raise AssertionError(f"the bot did not connect:\n{self.output()}") from None
        return self

    def stop(self) -> int | None:
        if self.process is None:
            return None
        code = stop_process(self.process)
        self._log.close()
        return code

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="package")
def discord_api():
    with DiscordStandIn(BOT_TOKEN) as stand_in:
        yield stand_in
    # Every request the bot made was one Discord's published description accepts (tests/fakes/specs.py).
    assert stand_in.violations == [], stand_in.violations


@pytest.fixture(scope="package")
def database_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('discord-db') / 'rapport.db'}"


@pytest.fixture(scope="package")
def bot(discord_api, database_url, tmp_path_factory):
    """One bot for the package's tests (each test uses its own users, so they do not meet)."""
    process = BotProcess(discord_api, database_url, tmp_path_factory.mktemp("discord-logs")).start()
    yield process
    process.stop()
    assert BOT_TOKEN not in process.output()


@pytest.fixture(scope="package")
def ledger(database_url, bot) -> Coach:
    """The same ledger the bot uses, opened by the test (after the bot migrated it)."""
    sessions = open_ledger(database_url)
    yield Coach(sessions=sessions)
    sessions.kw["bind"].dispose()
