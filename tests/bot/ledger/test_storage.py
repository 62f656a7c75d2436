"""Storage that tells the truth: which file a URL opens, missing folders, in-memory URLs, read-only files."""

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.coach import Coach
from bot.ledger.db import LedgerError, default_folder, is_memory, make_engine, open_ledger, sqlite_file
from bot.ledger.repo import UserRef

ME = UserRef("cli", "local", "me")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////tmp/a/x.db", "/tmp/a/x.db"),
        ("sqlite:///file:/tmp/a/x.db?mode=ro&uri=true", "/tmp/a/x.db"),
        ("sqlite:///file:/tmp/a%20b/x.db?uri=true", "/tmp/a b/x.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file::memory:?uri=true", None),
        ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", None),
        ("postgresql+psycopg://u:p@127.0.0.1/db", None),
    ],
)
def test_the_file_an_sqlite_url_opens(url, path):
    found = sqlite_file(url)
    assert (str(found) if found else None) == path


def test_in_memory_urls_are_told_apart():
    assert is_memory("sqlite://") and is_memory("sqlite:///file::memory:?uri=true")
    assert not is_memory("sqlite:////tmp/x.db") and not is_memory("postgresql+psycopg://u:p@127.0.0.1/db")


def test_a_file_uri_makes_no_stray_folder_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    make_engine(f"sqlite:///file:{tmp_path / 'data' / 'x.db'}?uri=true").dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_missing_folder_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(LedgerError, match=f"^the database folder {missing} does not exist"):
        make_engine(f"sqlite:///{missing / 'x.db'}")
    assert not (tmp_path / "no").exists()


def test_the_default_data_folder_is_created(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    folder = default_folder()
    assert str(folder).startswith(str(tmp_path)) and not folder.exists()
    make_engine(f"sqlite:///{folder / 'rapport.db'}").dispose()
    assert folder.is_dir()


def test_reading_commands_work_on_a_read_only_file(tmp_path):
    """A ledger at the current migration, in rollback-journal mode (as a copy or an older tool leaves it), opened
    read-only: reading works, writing is refused by the database, and nothing tries to migrate it."""
    path = tmp_path / "ledger.db"
    writer = open_ledger(f"sqlite:///{path}")
    Coach(sessions=writer).record_outreach(ME, "Dana", datetime(2026, 11, 2, 10, tzinfo=UTC))
    writer.kw["bind"].dispose()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    reader = Coach(sessions=open_ledger(f"sqlite:///file:{path}?mode=ro&uri=true"))
    assert reader.export(ME)["contacts"][0]["contact"] == "Dana"
    assert reader.stats(ME).reached == 1
    assert len(reader.followups(ME, datetime(2026, 11, 6, tzinfo=UTC))) == 1
    with pytest.raises(Exception, match="readonly"):
        reader.record_outreach(ME, "Lee", datetime(2026, 11, 2, 10, tzinfo=UTC))
