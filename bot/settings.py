"""Configuration from the environment (or a ``.env`` file): one settings object for the whole bot.

Platform credentials keep the names their platforms use (``SLACK_BOT_TOKEN``, ``DISCORD_TOKEN``...);
everything else is ``RAPPORT_*``. A missing or malformed setting raises ``SettingsError`` naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_URL = "https://slack.com/api/"
DISCORD_API_URL = "https://discord.com/api/v10"

_FORMATS = {
    "SLACK_BOT_TOKEN": (re.compile(r"xoxb-[A-Za-z0-9-]+"), "a bot token starting with xoxb-"),
    "SLACK_APP_TOKEN": (re.compile(r"xapp-[A-Za-z0-9-]+"), "an app-level token starting with xapp-"),
    "SLACK_SIGNING_SECRET": (re.compile(r"[0-9a-f]{32}"), "the 32-character hex signing secret"),
    # Three base64url parts joined by dots: user id, timestamp, HMAC.
    "DISCORD_TOKEN": (re.compile(r"[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}"), "a bot token"),
}


#: The platform credentials, by the names their platforms use: checked for format, never logged or shown.
SECRET_NAMES = tuple(_FORMATS)


class SettingsError(ValueError):
    """A missing or malformed setting; the message names it in one line."""


def _env(name: str):
    return Field(None, validation_alias=AliasChoices(name))


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """What ``rapport slack`` runs with (``signing_secret`` is None in Socket Mode, ``app_token`` in HTTP mode)."""

    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str
    database_url: str
    #: Seconds between delivery rounds.
    reminder_interval: float = 60.0
    reminder_lease: timedelta = timedelta(minutes=5)
    reminder_retry: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    """What ``rapport discord`` runs with."""

    token: str
    api_url: str
    database_url: str
    guild_id: int | None = None
    #: Seconds between delivery rounds.
    reminder_interval: float = 60.0
    reminder_lease: timedelta = timedelta(minutes=5)
    reminder_retry: timedelta = timedelta(seconds=30)
    #: Answer an interaction directly if the work is done within this many seconds; otherwise defer first.
    reply_within: float = 2.0
    #: The gateway shards this process runs (None: all of them) and how many there are across every process
    #: (None: as many as Discord recommends).
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None


def _http_url(name: str, value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise SettingsError(f"{name} is malformed: expected an http(s) URL, got {value!r}")
    return value


class Settings(BaseSettings):
    """Every setting, from the environment or ``.env`` (``RAPPORT_*``, and the platforms' own credential names)."""

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", env_file=".env", extra="ignore")

    #: SQLAlchemy URL; SQLite in the user's data directory when unset.
    database_url: str | None = None
    #: Seconds a bot holds a reminder it is sending; if it dies, another takes the reminder after this.
    reminder_lease: float = Field(300.0, gt=0)
    #: Seconds before the first retry of a reminder whose send failed; doubles each time, up to an hour.
    reminder_retry: float = Field(30.0, gt=0)

    slack_bot_token: SecretStr | None = _env("SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = _env("SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = _env("SLACK_APP_TOKEN")
    #: The Slack Web API base URL (tests point it at a local stand-in).
    slack_api_url: str = SLACK_API_URL

    discord_token: SecretStr | None = _env("DISCORD_TOKEN")
    #: A guild id to sync slash commands to at start (instant, for development); global when unset.
    discord_guild: int | None = None
    #: The Discord HTTP API base URL (tests point it at a local stand-in).
    discord_api_url: str = DISCORD_API_URL

    def database(self) -> str:
        """The ledger's SQLAlchemy URL: ``RAPPORT_DATABASE_URL``, else SQLite in the user's data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(user_data_dir('rapport')) / 'rapport.db'}"

    def slack(self, reminder_interval: float = 60.0) -> SlackConfig:
        """The Slack app's configuration; ``SettingsError`` naming the first missing or malformed setting.

        ``SLACK_SIGNING_SECRET`` is needed unless ``SLACK_APP_TOKEN`` (Socket Mode) is set.
        """
        bot_token = self.secret("SLACK_BOT_TOKEN")
        app_token = self.secret("SLACK_APP_TOKEN", required=False)
        signing_secret = self.secret("SLACK_SIGNING_SECRET", required=app_token is None)
        return SlackConfig(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=_http_url("RAPPORT_SLACK_API_URL", self.slack_api_url),
            database_url=self.database(),
            reminder_interval=reminder_interval,
            reminder_lease=timedelta(seconds=self.reminder_lease),
            reminder_retry=timedelta(seconds=self.reminder_retry),
        )

    def discord(
        self,
        reminder_interval: float = 60.0,
        reply_within: float = 2.0,
        shards: tuple[tuple[int, ...] | None, int | None] = (None, None),
    ) -> DiscordConfig:
        """The Discord bot's configuration; ``SettingsError`` naming the first missing or malformed setting.

        ``shards`` is ``(shard_ids, shard_count)``, already checked (``rapport discord --shard-ids``)."""
        return DiscordConfig(
            token=self.secret("DISCORD_TOKEN"),
            api_url=_http_url("RAPPORT_DISCORD_API_URL", self.discord_api_url),
            database_url=self.database(),
            guild_id=self.discord_guild,
            reminder_interval=reminder_interval,
            reminder_lease=timedelta(seconds=self.reminder_lease),
            reminder_retry=timedelta(seconds=self.reminder_retry),
            reply_within=reply_within,
            shard_ids=shards[0],
            shard_count=shards[1],
        )

    def secret(self, name: str, *, required: bool = True) -> str | None:
        """The value of credential ``name`` (e.g. ``"SLACK_BOT_TOKEN"``), checked against its format."""
        value = getattr(self, name.lower())
        text = value.get_secret_value().strip() if value is not None else ""
        if not text:
            if required:
                raise SettingsError(f"{name} is not set")
            return None
        pattern, what = _FORMATS[name]
        if not pattern.fullmatch(text):
            raise SettingsError(f"{name} is malformed: expected {what}")
        return text


def load() -> Settings:
    """The settings from the environment and ``.env``; ``SettingsError`` naming the first malformed one."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0])
        alias = Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
        name = alias.choices[0] if isinstance(alias, AliasChoices) else "RAPPORT_" + field.upper()
        raise SettingsError(f"{name}: {first['msg']}") from None
