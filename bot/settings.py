"""Configuration from the environment (or a ``.env`` file): one settings object for the whole bot."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A missing or malformed setting; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAPPORT_", env_file=".env", extra="ignore")

    #: SQLAlchemy URL; SQLite in the user's data directory when unset.
    database_url: str | None = None

    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(user_data_dir('rapport')) / 'rapport.db'}"


def load() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "RAPPORT_" + str(first["loc"][0]).upper()
        raise SettingsError(f"{name}: {first['msg']}") from None
