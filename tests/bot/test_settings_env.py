"""bot.env reads a setting as bot.settings.Settings does, without pydantic (the quick path of the ledger commands
and the log redaction)."""

import pytest

from bot import env, settings

NAMES = ("RAPPORT_DATABASE_URL", "SLACK_BOT_TOKEN", "DISCORD_TOKEN")


@pytest.fixture
def clean(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.upper() in NAMES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def both(name: str) -> tuple[str | None, str | None]:
    """(bot.env's value, Settings' value) of ``name``; Settings' database URL is as ``database()`` gives it."""
    current = settings.load()
    if name == "RAPPORT_DATABASE_URL":
        return env.database_url(), current.database()
    secret = getattr(current, name.lower())
    return env.value(name), secret.get_secret_value() if secret is not None else None


@pytest.mark.parametrize("name", NAMES)
def test_unset_empty_env_file_and_environment_read_alike(clean, monkeypatch, name):
    assert both(name)[0] == both(name)[1]  # unset: None, or the default database
    (clean / ".env").write_text(f"{name}=from-the-file-{name}\n")
    assert both(name) == (f"from-the-file-{name}",) * 2
    monkeypatch.setenv(name.lower(), f"from-the-environment-{name}")  # any case, and it beats .env
    assert both(name) == (f"from-the-environment-{name}",) * 2


def test_an_empty_database_url_means_the_default(clean, monkeypatch):
    monkeypatch.setenv("RAPPORT_DATABASE_URL", "")
    assert env.database_url() == settings.load().database() == env.default_database_url()


def test_a_changed_env_file_is_read_again(clean):
    (clean / ".env").write_text("RAPPORT_DATABASE_URL=sqlite:////tmp/one.db\n")
    assert env.database_url() == "sqlite:////tmp/one.db"
    (clean / ".env").write_text("RAPPORT_DATABASE_URL=sqlite:////tmp/two-and-longer.db\n")
    assert env.database_url() == "sqlite:////tmp/two-and-longer.db"
