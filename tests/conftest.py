import json
import os
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def model():
    from classifier import load_model

    return load_model()


@pytest.fixture(scope="session")
def unseen():
    """Drafts written for the tests only (never in the training corpus)."""
    return [json.loads(line) for line in (DATA / "unseen.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def postgres_url() -> str:
    """A clean PostgreSQL database (``RAPPORT_TEST_POSTGRES_URL``), e.g. for several app processes to share.

    Skipped with the reason when it is not set, except in CI (``CI`` set), where that fails."""
    url = os.environ.get("RAPPORT_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("RAPPORT_TEST_POSTGRES_URL is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL: set RAPPORT_TEST_POSTGRES_URL (see .ci/postgres) to run these")
    engine = create_engine(url)
    with engine.begin() as connection:  # every table there, including any a newer migration added
        tables = MetaData()
        tables.reflect(connection)
        tables.drop_all(connection)
    engine.dispose()
    return url
