"""One error style, ``rapport: <what went wrong> (<what to do>)``: exit 2 for the command line's own mistakes,
1 for the environment's; and the small things of the command line (version, bare ``rapport``, summaries)."""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import subprocess

import click
import pytest

from bot.cli import main
from bot.cli.base import RapportGroup
from bot.types import SNOOZE_DAYS_ERROR
from tests.bot.test_cli import CMD


@pytest.fixture
def rapport(tmp_path):
    def run(*args, stdin: bytes | None = None, **env):
        full = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80", "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}
        full.update(env)
        return subprocess.run([*CMD, *args], input=stdin, capture_output=True, env=full, timeout=120)

    return run


def one_line(r, code: int) -> str:
    """The single stderr line of a failed run, checked for exit ``code`` and the ``rapport:`` style."""
    err = r.stderr.decode()
    assert r.returncode == code, (r.returncode, err)
    assert err.startswith("rapport: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    "args", [["log", "sent", "Dana"], ["log", "show"], ["followups"], ["export"], ["settings"], ["chat"]]
)
def test_unwritable_storage_is_one_line_and_exit_1(rapport, args):
    env = {"RAPPORT_DATABASE_URL": "", "XDG_DATA_HOME": "/dev/null/data"}  # a folder that cannot be made
    err = one_line(rapport(*args, stdin=b"stats\n", **env), 1)
    assert "/dev/null/data" in err and "RAPPORT_DATABASE_URL" in err


SLACK = {
    "SLACK_BOT_TOKEN": "xoxb-1234567890-9876543210-AbCdEfGhIjKlMnOpQrStUvWx",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99aaabbb85a5",
}
PLATFORMS = {
    "slack": ("Slack API", SLACK, "RAPPORT_SLACK_API_URL", "/api/"),
    "slack-socket-mode": (
        "Slack API",
        {**SLACK, "SLACK_APP_TOKEN": "xapp-1-A0123456789-1234567890123-0123456789abcdef"},
        "RAPPORT_SLACK_API_URL",
        "/api/",
    ),
    "discord": (
        "Discord",
        {"DISCORD_TOKEN": "MTA4MjAxNTQ0NzY4ODU0NDE2MA.GcXyZa.abcdefghijklmnopqrstuvwxyz0123456789AB"},
        "RAPPORT_DISCORD_API_URL",
        "/api/v10",
    ),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_platform_api_that_cannot_be_reached_is_one_line_and_exit_1(rapport, platform):
    what, credentials, setting, path = PLATFORMS[platform]
    with socket.socket() as refusing:  # bound but not listening: every connection to it is refused at once
        refusing.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{refusing.getsockname()[1]}{path}"
        r = rapport(platform.removesuffix("-socket-mode"), **credentials, **{setting: url})
    err = one_line(r, 1)  # no SDK log lines before it
    assert err.startswith(f"rapport: cannot reach {'the ' if 'Slack' in what else ''}{what} at {url}: ")
    assert f"Connection refused (check the network connection, or {setting} if it points elsewhere)" in err


def test_any_oserror_of_a_command_is_one_line_and_exit_1(capsys):
    @click.group(cls=RapportGroup)
    def cli():
        pass

    @cli.command()
    def write():
        raise PermissionError(13, "Permission denied", "/srv/rapport/out.json")

    with pytest.raises(SystemExit) as exit_:
        cli.main(["write"], prog_name="rapport")
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and err.count("\n") == 1
    assert err.startswith("rapport: cannot use /srv/rapport/out.json: Permission denied (")


def test_usage_errors_are_one_line_naming_the_option_and_exit_2(rapport):
    assert "'CONTACT'" in one_line(rapport("log", "sent"), 2)
    err = one_line(rapport("log", "sent", "Dana", "--at", "2026-02-30"), 2)
    assert "'--at'" in err and "day is out of range" in err and "rapport log sent --help" in err
    assert "'--days'" in one_line(rapport("snooze", "sam", "--days", "3000000"), 2)
    assert "No such command 'chekc'" in one_line(rapport("chekc"), 2)
    err = one_line(rapport("settings", "--quiet-hours", "25-7"), 2)
    assert "--quiet-hours" in err and "0-23" in err and "quiet_start_hour" not in err


def test_database_urls_of_the_wrong_form_say_which_to_use(rapport):
    for url in ("postgres://u:p@db/rapport", "postgresql://u:p@db/rapport"):
        assert "use postgresql+psycopg://" in one_line(rapport("log", "show", RAPPORT_DATABASE_URL=url), 2)
    assert "not supported" in one_line(rapport("log", "show", RAPPORT_DATABASE_URL="mysql://u:p@db/r"), 2)
    for url in ("postgresql+psycopg://u:p@host:abc/db", "postgresql+psycopg://u:p@[::1/db"):  # SQLAlchemy: ValueError
        for command in (["followups"], ["log", "sent", "Dana"], ["db", "upgrade"]):
            assert "is not a database URL" in one_line(rapport(*command, RAPPORT_DATABASE_URL=url), 2), command
    assert "http is not a database Rapport can use" in one_line(
        rapport("followups", RAPPORT_DATABASE_URL="http://x"), 2
    )


def test_a_malformed_setting_is_exit_2_and_an_unreachable_database_exit_1(rapport, tmp_path):
    assert "RAPPORT_LOG_FORMAT" in one_line(rapport("log", "show", RAPPORT_LOG_FORMAT="loud"), 2)
    one_line(rapport("check", "Hi Dana, how are you?", RAPPORT_MODEL=str(tmp_path / "none.joblib")), 2)
    assert "DISCORD_TOKEN is not set (set it in the environment" in one_line(rapport("discord", DISCORD_TOKEN=""), 2)
    one_line(rapport("log", "show", RAPPORT_DATABASE_URL="postgresql+psycopg://u:p@127.0.0.1:1/none"), 1)


def test_binary_stdin_is_refused_and_a_huge_draft_is_clamped_with_a_note(rapport):
    garbage = bytes(range(256)) * 40
    assert "binary" in one_line(rapport("check", "-", stdin=garbage), 2)
    r = rapport("check", "--json", "-", stdin=("Tell me more about your work. " * 4000).encode())
    verdict = json.loads(r.stdout)
    assert r.returncode == 0 and any("first 40,000 characters" in n for n in verdict["notes"])
    grade = next(s for s in verdict["signals"] if s["name"] == "reading_grade")
    assert grade["value"] < 12, grade
    run_on = rapport("check", "--json", "-", stdin=("hello there how are you " * 5000).encode())  # no full stop
    grade = next(s for s in json.loads(run_on.stdout)["signals"] if s["name"] == "reading_grade")
    assert run_on.returncode == 0 and grade["value"] == 20.0, grade  # the top of the scale, not grade 3000


def test_settings_show_on_and_off_not_python_booleans(rapport):
    out = rapport("settings", "--daily-digest").stdout.decode()
    assert "--daily-digest: on" in out and "True" not in out and "False" not in out


def test_version_and_bare_rapport(rapport):
    r = rapport("--version")
    assert r.returncode == 0 and r.stdout.decode() == f"rapport {importlib.metadata.version('rapport')}\n"
    r = rapport()
    assert r.returncode == 0 and r.stdout.decode().startswith("Usage: rapport") and r.stderr == b""


def _commands(group: click.Group, path: str = "rapport"):
    for name, command in group.commands.items():
        yield f"{path} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} {name}")


def test_every_command_and_option_has_a_one_line_summary(rapport):
    groups = ["rapport"] + [path for path, c in _commands(main) if isinstance(c, click.Group)]
    for path in groups:
        listing = rapport(*path.split()[1:], "--help").stdout.decode()
        assert "..." not in listing.split("Commands:")[1], listing  # a summary cut short by click
    for path, command in _commands(main):
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"{path} {param.opts[0]} has no help"


@pytest.mark.parametrize("path", ["check", "log sent", "chat", "settings", "train", "eval", "tune", "slack", "remind"])
def test_the_main_commands_show_an_example(path):
    command = main
    for word in path.split():
        command = command.commands[word]
    assert "Example" in command.help and "rapport " in command.help.split("Example", 1)[1], path


def test_a_broken_env_file_warns_once(tmp_path):
    (tmp_path / ".env").write_text("this is not a setting\n")
    env = {**os.environ, "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}
    r = subprocess.run([*CMD, "log", "show"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    said = ".env line 1 is not NAME=value and was skipped (fix or remove that line)"
    assert r.returncode == 0 and r.stderr.count(said) == 1 and "python-dotenv" not in r.stderr, r.stderr
    assert json.loads(r.stderr)["level"] == "WARNING"  # through Rapport's handler (JSON off a terminal)


def test_chat_answers_an_absurd_snooze_an_unknown_word_and_a_pasted_draft_in_one_session(rapport):
    typed = "sent sam\nsnooze sam 3000000\nblah\nHi Sam, we help teams like yours cut costs 40%. Demo Friday?\nstats\n"
    r = rapport("chat", stdin=typed.encode())
    out = r.stdout.decode()
    assert r.returncode == 0 and r.stderr == b"" and "Traceback" not in out, r.stderr
    assert SNOOZE_DAYS_ERROR in out and "Reached 1, 0 replied" in out  # the session went on
    unknown = [line for line in out.splitlines() if "blah" in line]
    assert len(unknown) == 1 and "`help`" in unknown[0] and "Commands" not in out
    assert "Pitch score" in out and "reads as a pitch" in out  # the draft, pasted without /rapport, was checked
