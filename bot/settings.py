"""Configuration from the environment (or a ``.env`` file): one settings object for the whole bot.

Platform credentials keep the names their platforms use (``SLACK_BOT_TOKEN``, ``DISCORD_TOKEN``...);
everything else is ``RAPPORT_*``. A missing or malformed setting raises ``SettingsError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import credentials, env

SLACK_API_URL = "https://slack.com/api/"
DISCORD_API_URL = "https://discord.com/api/v10"

#: The platform credentials, by the names their platforms use: checked for shape, never shown.
CREDENTIAL_NAMES = credentials.CREDENTIAL_NAMES
#: The credentials whose values never appear in a log line (``bot.credentials``).
SECRET_NAMES = credentials.SECRET_NAMES
#: Bolt's default: a rotating bot token is refreshed when it expires within this many minutes.
TOKEN_ROTATION_MINUTES = 120


class SettingsError(ValueError):
    """A missing or malformed setting; the message names it in one line."""


def _env(name: str):
    return Field(None, validation_alias=AliasChoices(name))


@dataclass(frozen=True, slots=True)
class SlackOAuth:
    """Many workspaces: the app's OAuth credentials (Basic Information > App Credentials) and install flow."""

    client_id: str
    client_secret: str
    #: The Redirect URL registered with the app (``https://<host>/slack/oauth_redirect``); None lets Slack use the
    #: app's only one.
    redirect_uri: str | None = None
    #: A rotating bot token is refreshed (``oauth.v2.access`` with its refresh token) within this many minutes of
    #: expiring.
    token_rotation_minutes: int = TOKEN_ROTATION_MINUTES


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """What ``rapport slack`` runs with (``signing_secret`` is None in Socket Mode, ``app_token`` in HTTP mode).

    One workspace: ``bot_token`` is set and ``oauth`` None. Many workspaces: ``oauth`` is set, ``bot_token`` None,
    and each workspace's token comes from its installation (``/slack/install``).
    """

    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    api_url: str
    database_url: str
    #: Seconds between delivery rounds.
    reminder_interval: float = 60.0
    reminder_lease: timedelta = timedelta(minutes=5)
    reminder_retry: timedelta = timedelta(seconds=30)
    oauth: SlackOAuth | None = None


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

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", env_file=env.ENV_FILE, extra="ignore")

    #: SQLAlchemy URL; SQLite in the user's data directory when unset.
    database_url: str | None = None
    #: Seconds a bot holds a reminder it is sending; if it dies, another takes the reminder after this.
    reminder_lease: float = Field(300.0, gt=0)
    #: Seconds before the first retry of a reminder whose send failed; doubles each time, up to an hour.
    reminder_retry: float = Field(30.0, gt=0)

    slack_bot_token: SecretStr | None = _env("SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = _env("SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = _env("SLACK_APP_TOKEN")
    slack_client_id: SecretStr | None = _env("SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = _env("SLACK_CLIENT_SECRET")
    #: The Redirect URL registered with the Slack app, e.g. https://rapport.example.com/slack/oauth_redirect.
    slack_redirect_uri: str | None = _env("SLACK_REDIRECT_URI")
    #: Minutes before a rotating Slack bot token expires when it is refreshed (bolt's default).
    slack_token_rotation_minutes: int = Field(TOKEN_ROTATION_MINUTES, gt=0, le=720)
    #: The Slack Web API base URL (tests point it at a local stand-in).
    slack_api_url: str = SLACK_API_URL

    discord_token: SecretStr | None = _env("DISCORD_TOKEN")
    #: A guild id to sync slash commands to at start (instant, for development); global when unset.
    discord_guild: int | None = None
    #: The Discord HTTP API base URL (tests point it at a local stand-in).
    discord_api_url: str = DISCORD_API_URL

    def database(self) -> str:
        """The ledger's SQLAlchemy URL: ``RAPPORT_DATABASE_URL``, else SQLite in the user's data directory."""
        return self.database_url or env.default_database_url()

    def slack_mode(self) -> tuple[str, list[str]]:
        """Which Slack mode the settings select, and the names of the settings it still needs (unchecked format).

        ``"many workspaces"`` when ``SLACK_CLIENT_ID`` or ``SLACK_CLIENT_SECRET`` is set (it needs both, and the
        signing secret: the install pages are served over HTTP); otherwise ``"one workspace"`` (it needs
        ``SLACK_BOT_TOKEN``, and ``SLACK_SIGNING_SECRET`` unless ``SLACK_APP_TOKEN`` selects Socket Mode).
        """

        def given(name: str) -> bool:
            value = getattr(self, name.lower())
            return value is not None and bool(value.get_secret_value().strip())

        if given("SLACK_CLIENT_ID") or given("SLACK_CLIENT_SECRET"):
            needed = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET")
            return "many workspaces", [name for name in needed if not given(name)]
        needed = ("SLACK_BOT_TOKEN",) + (() if given("SLACK_APP_TOKEN") else ("SLACK_SIGNING_SECRET",))
        return "one workspace", [name for name in needed if not given(name)]

    def slack(self, reminder_interval: float = 60.0) -> SlackConfig:
        """The Slack app's configuration; ``SettingsError`` naming the first missing or malformed setting.

        One workspace: ``SLACK_BOT_TOKEN``, and ``SLACK_SIGNING_SECRET`` unless ``SLACK_APP_TOKEN`` (Socket Mode)
        is set. Many workspaces (``SLACK_CLIENT_ID`` / ``SLACK_CLIENT_SECRET`` set): both of those and
        ``SLACK_SIGNING_SECRET``, in HTTP mode only; ``SLACK_BOT_TOKEN`` is then not used.
        """
        mode, _missing = self.slack_mode()
        oauth = None
        if mode == "many workspaces":
            oauth = SlackOAuth(
                client_id=self.secret("SLACK_CLIENT_ID"),
                client_secret=self.secret("SLACK_CLIENT_SECRET"),
                redirect_uri=_http_url("SLACK_REDIRECT_URI", self.slack_redirect_uri)
                if self.slack_redirect_uri
                else None,
                token_rotation_minutes=self.slack_token_rotation_minutes,
            )
            if self.secret("SLACK_APP_TOKEN", required=False):
                raise SettingsError(
                    "SLACK_APP_TOKEN is set, but many workspaces need HTTP mode for their install pages: unset it"
                )
        bot_token = None if oauth else self.secret("SLACK_BOT_TOKEN")
        app_token = self.secret("SLACK_APP_TOKEN", required=False)
        signing_secret = self.secret("SLACK_SIGNING_SECRET", required=app_token is None)
        return SlackConfig(
            oauth=oauth,
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
                raise SettingsError(f"{name} is not set (set it in the environment or in a .env file here)")
            return None
        wrong = credentials.problem(name, text)
        if wrong:
            raise SettingsError(f"{name} is malformed: {wrong}")
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
