"""Several processes starting on a new, empty ledger at once (a shell loop with ``&``, several workers of a fresh
deployment): one migrates, the others wait for it, and every write is kept. On SQLite and PostgreSQL."""

import json
import os
import subprocess
import sys

import pytest

N = 5


def _at_once(url: str) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "RAPPORT_DATABASE_URL": url, "NO_COLOR": "1"}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "log", "sent", f"Fresh {i}", "--user", "ana"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(N)
    ]
    done = []
    for process in started:
        out, err = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def _contacts(url: str) -> set[str]:
    env = {**os.environ, "RAPPORT_DATABASE_URL": url}
    r = subprocess.run(
        [sys.executable, "-m", "bot", "export", "--user", "ana"], capture_output=True, text=True, env=env
    )
    return {c["contact"] for c in json.loads(r.stdout)["contacts"]}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_starting_on_a_new_ledger_at_once_all_keep_their_write(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'new.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    runs = _at_once(url)
    assert [r.returncode for r in runs] == [0] * N, [r.stderr.strip() for r in runs if r.returncode]
    assert _contacts(url) == {f"Fresh {i}" for i in range(N)}
