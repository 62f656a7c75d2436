"""What each command imports (``python -X importtime``), the extras, and the terminal niceties that need a pty:
line editing in ``rapport chat``, the hint of ``check -`` and the progress bar of ``eval``."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"sklearn", "scipy", "slack_bolt", "slack_sdk", "discord", "aiohttp", "gunicorn", "psycopg"}


def imported(*args: str, tmp_path: Path, stdin: str = "", modules: bool = False) -> set[str]:
    """Top-level packages (or with ``modules``, every module) ``rapport ARGS`` imports, from
    ``python -X importtime`` (the command must exit 0)."""
    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}", "NO_COLOR": "1"}
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        input=stdin.encode(),
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", r.stderr.decode(), flags=re.M)
    assert names, "python -X importtime printed nothing"
    return set(names) if modules else {name.split(".")[0] for name in names}


def test_help_and_version_import_neither_the_model_nor_the_database(tmp_path):
    for args in (["--help"], ["--version"], []):
        loaded = imported(*args, tmp_path=tmp_path)
        assert not loaded & (HEAVY | {"sqlalchemy", "alembic", "numpy", "pydantic"}), (args, loaded)


@pytest.mark.parametrize(
    "args", [["settings"], ["log", "show"], ["followups"], ["export"], ["log", "sent", "Dana"], ["stats"]]
)
def test_ledger_commands_import_no_model_and_no_chat_sdk(tmp_path, args):
    loaded = imported(*args, tmp_path=tmp_path)
    assert "sqlalchemy" in loaded  # the check can see a heavy import: the ledger's own
    assert not loaded & (HEAVY | {"numpy"}), loaded & HEAVY


def test_ledger_commands_on_a_migrated_sqlite_ledger_import_neither_alembic_nor_pydantic_nor_postgresql(tmp_path):
    imported("log", "sent", "Dana", tmp_path=tmp_path)  # the first run creates and migrates the ledger
    for args in (["log", "show"], ["followups"], ["log", "sent", "Sam"]):
        loaded = imported(*args, tmp_path=tmp_path, modules=True)
        assert "sqlalchemy.orm" in loaded, args  # the check sees the ledger's own imports
        assert not {m.split(".")[0] for m in loaded} & {"alembic", "pydantic", "pydantic_settings"}, (args, loaded)
        # nor SQLAlchemy's PostgreSQL dialect on an SQLite ledger (~40 ms: bot/ledger/schema.py says why)
        assert "sqlalchemy.dialects.postgresql" not in loaded, args


def test_log_show_with_checked_sends_imports_no_scipy_and_stats_does(tmp_path):
    from types import SimpleNamespace

    from bot.coach import Coach
    from bot.types import UserRef, utcnow

    coach = Coach.open(f"sqlite:///{tmp_path / 'startup.db'}")
    me = UserRef("cli", "local", "dana")
    for n, (label, text) in enumerate([("pitch", "Book a demo today!"), ("conversation", "How did you start?")] * 6):
        verdict = SimpleNamespace(pitch_probability=0.9 if label == "pitch" else 0.1, label=label, text=text)
        coach.record_outreach(me, f"Contact {n}", utcnow(), verdict=verdict)
    coach.close()
    loaded = imported("log", "show", "--user", "dana", tmp_path=tmp_path)
    assert "sqlalchemy" in loaded and not loaded & (HEAVY | {"numpy"}), loaded & (HEAVY | {"numpy"})
    assert "scipy" in imported("stats", "--user", "dana", tmp_path=tmp_path)  # the intervals are there, and seen


def test_a_command_leaves_its_objects_frozen_at_exit_and_the_servers_do_not(tmp_path):
    """bot/cli/base.py registers gc.freeze as the last exit handler (~40 ms of a ledger command's exit)."""
    probe = (  # registered before bot.cli is imported, so it runs after Rapport's own exit handler
        "import atexit, gc, os, sys\n"
        "atexit.register(lambda: os.write(2, f'frozen {gc.get_freeze_count()}'.encode()))\n"
        "from bot.cli import main\n"
        "main()\n"
    )
    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}"}
    r = subprocess.run(
        [sys.executable, "-c", probe, "log", "show"], capture_output=True, text=True, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr[-2000:]
    frozen = int(re.search(r"frozen (\d+)", r.stderr).group(1))
    assert frozen > 10_000, frozen  # SQLAlchemy and the ledger's tables alone are tens of thousands of objects
    # The servers collect at exit as usual (their connections are closed by it); here they stop at a missing token.
    env = {k: v for k, v in env.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    for server in ("slack", "discord"):
        r = subprocess.run([sys.executable, "-c", probe, server], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 2 and re.search(r"frozen 0\b", r.stderr), (server, r.returncode, r.stderr[-2000:])


def test_after_a_ledger_command_the_database_file_alone_holds_every_write(tmp_path):
    """The frozen exit skips the collection that used to close SQLite's connection (and so copy the write-ahead
    log into the file): the commands close their ledger themselves. A backup by copying the file misses nothing."""
    import shutil
    import sqlite3

    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}"}
    for contact in ("Dana", "Sam"):
        r = subprocess.run([sys.executable, "-m", "bot", "log", "sent", contact], capture_output=True, env=env)
        assert r.returncode == 0, r.stderr.decode()[-2000:]
    (tmp_path / "copy").mkdir()
    shutil.copy(tmp_path / "ledger.db", tmp_path / "copy" / "ledger.db")  # the file only, as a backup would
    with contextlib.closing(sqlite3.connect(tmp_path / "copy" / "ledger.db")) as copy:
        assert {row[0] for row in copy.execute("SELECT display FROM contacts")} == {"Dana", "Sam"}


def test_check_imports_the_classifier_and_nothing_of_the_ledger_or_the_settings(tmp_path):
    loaded = imported("check", "Hi Dana, how did you pick your first metric?", tmp_path=tmp_path)
    assert "classifier" in loaded  # the check can see the imports that matter: the classifier's own
    assert not loaded & {"sqlalchemy", "alembic", "pydantic", "pydantic_settings"}, loaded
    assert not loaded & (HEAVY - {"sklearn", "scipy"}), loaded


def test_chat_opens_without_loading_the_model(tmp_path):
    assert not imported("chat", tmp_path=tmp_path, stdin="stats\nfollowups\n") & (HEAVY | {"numpy"})


def test_the_plain_install_is_the_terminal_and_the_extras_add_the_rest():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = " ".join(project["dependencies"]).lower()
    for sdk in ("slack-bolt", "slack-sdk", "discord.py", "gunicorn", "psycopg", "aiohttp"):
        assert sdk not in base, sdk
    extras = project["optional-dependencies"]
    assert any("slack-bolt" in d for d in extras["slack"]) and any("gunicorn" in d for d in extras["slack"])
    assert any("discord.py" in d for d in extras["discord"]) and any("psycopg" in d for d in extras["postgres"])
    assert extras["all"] == ["rapport[slack,discord,postgres]"] and "rapport[all]" in extras["dev"]


def test_a_missing_extra_is_one_line_naming_it(monkeypatch, capsys):
    from bot.cli import main

    for module, args, extra in (("slack_bolt", ["slack"], "slack"), ("discord", ["discord"], "discord")):
        monkeypatch.setitem(sys.modules, module, None)  # find_spec answers None: as if not installed
        with pytest.raises(SystemExit) as exit_:
            main.main(args, prog_name="rapport")
        err = capsys.readouterr().err
        assert exit_.value.code == 1 and err.count("\n") == 1, err
        assert f"the '{extra}' extra" in err and f"pip install '.[{extra}]'" in err


def test_a_postgresql_url_without_the_driver_names_the_postgres_extra(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setenv("RAPPORT_DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1:1/db")
    with pytest.raises(SystemExit) as exit_:
        main.main(["followups"], prog_name="rapport")
    assert exit_.value.code == 1 and "the 'postgres' extra" in capsys.readouterr().err


# -- on a terminal ------------------------------------------------------------------------------------------


def _own_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pty on standard input, with Ctrl-C's signal
    at its default as an interactive shell gives a foreground command (a test run started in the background, as
    CI may, inherits SIGINT ignored, and Python then never raises KeyboardInterrupt)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """``rapport ARGS`` on a pseudo-terminal: ``send`` keys, ``expect`` output within a deadline."""

    def __init__(self, *args: str, tmp_path: Path):
        env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'tty.db'}", "TERM": "xterm"}
        env["XDG_DATA_HOME"] = str(tmp_path / "data")
        self.fd_parent, fd_child = pty.openpty()
        fcntl.ioctl(fd_child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # 80 x 24, like a terminal
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            stdin=fd_child,
            stdout=fd_child,
            stderr=fd_child,
            env=env,
            preexec_fn=_own_terminal,  # so Ctrl-C on it is a SIGINT to the command, as in a real terminal
        )
        os.close(fd_child)
        self.seen = ""

    def send(self, keys: str) -> None:
        os.write(self.fd_parent, keys.encode())

    def expect(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {text!r}; the terminal shows:\n{self.seen[-1500:]}")
            if select.select([self.fd_parent], [], [], left)[0]:
                try:
                    self.seen += os.read(self.fd_parent, 4096).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    break
        assert text in self.seen, self.seen[-1500:]
        return self.seen

    def expect_prompt(self, n: int) -> None:
        """Wait until the chat prompt has been shown ``n`` times (so keys are not typed ahead of it)."""
        deadline = time.monotonic() + 30
        while self.seen.count("rapport> ") < n and time.monotonic() < deadline:
            self.expect("rapport> ", timeout=max(0.01, deadline - time.monotonic()))
            if self.seen.count("rapport> ") < n and select.select([self.fd_parent], [], [], 0.5)[0]:
                self.seen += os.read(self.fd_parent, 4096).decode("utf-8", "replace")
        assert self.seen.count("rapport> ") >= n, self.seen[-1500:]

    def exit_code(self) -> int:
        """Wait for the command to end (30 s at most), read what it wrote last into ``seen``, return its code."""
        try:
            code = self.proc.wait(timeout=30)
            while select.select([self.fd_parent], [], [], 0)[0]:
                try:
                    chunk = os.read(self.fd_parent, 4096)
                except OSError:  # the child closed the terminal: everything has been read
                    break
                if not chunk:
                    break
                self.seen += chunk.decode("utf-8", "replace")
            return code
        finally:
            os.close(self.fd_parent)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def terminal(tmp_path):
    opened = []

    def start(*args: str) -> Terminal:
        opened.append(Terminal(*args, tmp_path=tmp_path))
        return opened[-1]

    yield start
    for t in opened:
        t.close()


def test_chat_has_line_editing_history_and_leaves_on_ctrl_d(terminal):
    chat = terminal("chat")
    chat.expect("rapport> ")
    chat.send("sent dana\r")
    chat.expect("remind you to follow up with dana")
    chat.expect_prompt(2)
    chat.send("replied dna\x1b[D\x1b[Da\r")  # two steps left, then an "a": "replied dana"
    chat.expect("dana replied")
    chat.expect_prompt(3)
    chat.send("\x1b[A\x1b[A\r")  # two steps up the history: "sent dana" again
    chat.expect_prompt(4)
    assert chat.seen.count("remind you to follow up with dana") == 2 and "^[[" not in chat.seen
    chat.send("\x04")  # Ctrl-D
    assert chat.exit_code() == 0


def test_chat_leaves_on_ctrl_c_with_exit_0(terminal):
    chat = terminal("chat")
    chat.expect("rapport> ")
    # CPython's readline waits in select() and checks for signals only when select() is interrupted, so a SIGINT
    # landing just before it enters select() is noticed at the next key (a person would press Ctrl-C again): press
    # it again until the command ends, within a deadline.
    deadline = time.monotonic() + 30
    while chat.proc.poll() is None and time.monotonic() < deadline:
        chat.send("\x03")
        with contextlib.suppress(subprocess.TimeoutExpired):
            chat.proc.wait(timeout=2)
    assert chat.exit_code() == 0 and "Aborted" not in chat.seen and "Traceback" not in chat.seen


def test_check_dash_on_a_terminal_says_how_to_end_the_input(terminal):
    check = terminal("check", "-")
    check.expect("Ctrl-D")
    check.send("Hi Dana, how did you choose your first metric?\r\x04")
    check.expect("Pitch score")
    assert check.exit_code() == 0


def test_eval_shows_its_progress_on_a_terminal_only(terminal, tmp_path):
    lines = (ROOT / "tests" / "data" / "unseen.jsonl").read_text().splitlines()
    data = tmp_path / "many.jsonl"  # enough drafts that the bar redraws before the end (tqdm: every 0.1 s)
    data.write_text("\n".join(lines * 40) + "\n")
    data = str(data)
    run = terminal("eval", data)
    run.expect("precision", timeout=120)
    advanced = r"evaluating: +\d+%\|[^|]*\| *[1-9]\d*/\d+ \["  # a bar that has moved past 0
    assert run.exit_code() == 0 and re.search(advanced, run.seen), run.seen[:800]
    piped = subprocess.run([sys.executable, "-m", "bot", "eval", data], capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and "evaluating" not in piped.stderr + piped.stdout


@pytest.mark.parametrize(
    ("args", "bar", "done"),
    [
        (["bench", "startup", "--repeats", "1"], "timing", "python -c pass"),
        (["bench", "ledger", "--users", "10", "--sizes", "100,5000,20000"], "growing and timing", "outreach rows"),
    ],
)
def test_the_benchmarks_show_a_progress_bar_on_a_terminal_only(terminal, tmp_path, args, bar, done):
    run = terminal(*args)
    run.expect(done, timeout=120)
    advanced = rf"{bar}: +\d+%\|[^|]*\| *[1-9]\d*/\d+ \["  # a bar that has moved past 0
    assert run.exit_code() == 0 and re.search(advanced, run.seen), run.seen[:800]
    piped = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and f"{bar}:" not in piped.stderr + piped.stdout


def test_bench_startup_reports_ratios_to_python_c_pass():
    r = subprocess.run(
        [sys.executable, "-m", "bot", "bench", "startup", "--repeats", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    rows = {row["command"]: row for row in json.loads(r.stdout)}
    assert rows["python -c pass"]["ratio"] == 1.0
    assert rows["rapport --help"]["median_ms"] > 0 and rows['rapport check "..."']["ratio"] > 1
    assert 0 < rows["python -c pass"]["cpu_ms"] < rows['rapport check "..."']["cpu_ms"]
