import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def model():
    from classifier import load_model

    return load_model()


@pytest.fixture(scope="session")
def unseen():
    """Drafts written for the tests only (never in the training corpus)."""
    return [json.loads(line) for line in (DATA / "unseen.jsonl").read_text(encoding="utf-8").splitlines()]
