"""Ledger fixtures: every test runs on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``RAPPORT_TEST_POSTGRES_URL`` (``.ci/postgres`` starts one and prints it). Locally the
PostgreSQL runs are skipped with a reason when it is not set; in CI (``CI`` set) they fail instead.
"""

import os

import pytest
from sqlalchemy import create_engine, text

from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.ledger.schema import SLACK_STORE_TABLES, Base


def _postgres_url() -> str:
    url = os.environ.get("RAPPORT_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("RAPPORT_TEST_POSTGRES_URL is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL: set RAPPORT_TEST_POSTGRES_URL (see .ci/postgres) to run these")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    url = _postgres_url()
    engine = create_engine(url)
    with engine.begin() as connection:  # a clean database for every test
        Base.metadata.drop_all(connection)
        for table in (*SLACK_STORE_TABLES, "alembic_version"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()
    return url


@pytest.fixture
def sessions(ledger_url):
    factory = open_ledger(ledger_url)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture
def coach(sessions):
    return Coach(sessions=sessions)
