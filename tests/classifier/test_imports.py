"""The check path imports neither scikit-learn nor SciPy (nor joblib). A fresh process runs a check under
``python -X importtime`` (which lists the modules ``import`` statements load) and, at exit, also lists
``sys.modules`` (which holds everything, however it was imported)."""

import subprocess
import sys

import pytest

HEAVY = ("sklearn", "scipy", "joblib")
DRAFT = "We help teams like yours cut churn 30%. Book a 15-min demo this week? https://cal.com/x"
_AT_EXIT = "import atexit,sys;atexit.register(lambda:sys.stderr.write('MODULES '+' '.join(sys.modules)+'\\n'));"


def _imported(code: str, *args: str) -> tuple[set[str], set[str]]:
    """(modules -X importtime listed, sys.modules at exit) of ``python -c code args...``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _AT_EXIT + code, *args],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = done.stderr.splitlines()
    timed = {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}
    loaded = set(next(line for line in lines if line.startswith("MODULES ")).split()[1:])
    return timed, loaded


@pytest.mark.parametrize(
    "code_and_args",
    [
        (f"import classifier; classifier.check(classifier.load_checker(), {DRAFT!r})",),
        ("from bot.cli import main; main()", "check", DRAFT),
    ],
    ids=["classifier", "rapport check"],
)
def test_checking_a_draft_imports_no_scikit_learn(code_and_args, monkeypatch):
    monkeypatch.delenv("RAPPORT_MODEL", raising=False)
    timed, loaded = _imported(*code_and_args)
    assert {"classifier.coaching", "classifier.fast", "yake_rust"} <= loaded  # the check did run
    assert "numpy" in timed  # and -X importtime did list what it imported
    assert sorted(m for m in timed | loaded if m.split(".")[0] in HEAVY) == []
