"""What a new user's tryout found in the command line, the ledger rules and the settings: each a test."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

from bot.coach import Coach
from bot.types import UserRef, utcnow
from tests.bot.test_cli_errors import one_line, rapport  # noqa: F401  (the fixture)


def test_a_message_costing_more_than_the_weekly_budget_is_refused(rapport):  # noqa: F811
    err = one_line(rapport("settings", "--budget", "10", "--cost-message", "11"), 2)
    assert "--cost-message" in err and "--budget" in err and "_" not in err.split("(")[0], err
    assert "--budget: 60 min a week" in rapport("settings").stdout.decode()  # nothing was changed
    assert rapport("settings", "--budget", "10", "--cost-message", "10").returncode == 0  # equal is a plan of one


def test_the_budget_rule_holds_in_the_coach_for_every_adapter(tmp_path):
    coach = Coach.open(f"sqlite:///{tmp_path / 'c.db'}")
    me = UserRef("slack", "T1", "U1")
    coach.update_settings(me, utcnow(), weekly_budget_minutes=20)
    with pytest.raises(ValueError, match="weekly_budget_minutes"):
        coach.update_settings(me, utcnow(), cost_message=21)
    with pytest.raises(ValueError, match="cost_message"):
        coach.update_settings(me, utcnow(), weekly_budget_minutes=10, cost_message=12)
    assert coach.update_settings(me, utcnow())["cost_message"] == 3
    coach.close()


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["log", "met", "Dana Lee", "--at", "2099-01-01"], "a step can't be in the future"),
        (["log", "called", "Dana Lee", "--at", "2099-01-01"], "a step can't be in the future"),
        (["log", "sent", "X", "--at", "2030-01-01"], "a send can't be in the future"),
    ],
)
def test_steps_and_sends_in_the_future_are_refused(rapport, args, what):  # noqa: F811
    err = one_line(rapport(*args), 2)
    assert what in err and ("2099" in err or "2030" in err), err
    assert json.loads(rapport("export").stdout)["contacts"] == []


def test_the_coach_refuses_future_steps_and_sends_but_takes_a_little_clock_skew(tmp_path):
    coach = Coach.open(f"sqlite:///{tmp_path / 'c.db'}")
    me, now = UserRef("discord", "G1", "U1"), utcnow()
    with pytest.raises(ValueError, match="a step can't be in the future"):
        coach.log_step(me, "Dana", "met", now + timedelta(days=1), now=now)
    with pytest.raises(ValueError, match="a send can't be in the future"):
        coach.record_outreach(me, "Dana", now + timedelta(hours=1), now=now)
    coach.record_outreach(me, "Dana", now + timedelta(minutes=1), now=now)  # another clock a minute ahead
    coach.log_step(me, "Dana", "called", now + timedelta(minutes=1), now=now)
    assert [c["contact"] for c in coach.export(me)["contacts"]] == ["Dana"]
    coach.close()


def test_log_show_shows_steps_for_contacts_with_steps_only(rapport):  # noqa: F811
    assert rapport("log", "met", "Ana", "--how", "coffee", "--at", "2026-11-02T10:00").returncode == 0
    rapport("log", "sent", "Bo", "--at", "2026-11-02T10:00")
    out = rapport("log", "show").stdout.decode().splitlines()
    assert "  Ana: met (coffee) 2026-11-02 10:00 UTC" in out, out
    assert "  Bo: reached out 2026-11-02 10:00 UTC; no reply yet" in out, out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["check", "--to", b"Bad\xffName", "How did it go?"], "--to"),
        (["circle", b"Bad\xffName", "close"], "CONTACT"),
        (["ladder", "--user", b"u\xff"], "--user"),
        (["plan", "--user", b"u\xff"], "--user"),
        (["stats", "--user", b"u\xff"], "--user"),
        (["followups", "--user", b"u\xff"], "--user"),
        (["log", "show", "--user", b"u\xff"], "--user"),
        (["log", "sent", b"Bad\xffName"], "CONTACT"),
        (["export", "--user", b"u\xff"], "--user"),
        (["chat", "--user", b"u\xff"], "--user"),
        (["settings", "--timezone", b"Europe/\xff"], "--timezone"),
        ([b"\xff"], "the command name"),
    ],
)
def test_an_argument_that_is_not_utf8_is_one_line(rapport, args, named):  # noqa: F811
    err = one_line(rapport(*[os.fsdecode(a) if isinstance(a, bytes) else a for a in args], stdin=b""), 2)
    assert err.startswith("rapport: an argument is not valid UTF-8 text (") and named in err, err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["settings", "--budget", "-5"], "rapport: --budget: must be a whole number from 10 to 1200 ("),
        (["settings", "--cost-message", "0"], "rapport: --cost-message: must be a whole number from 1 to 120 ("),
        (["settings", "--keep-in-touch-days", "0"], "rapport: --keep-in-touch-days: must be a whole number from 1 to"),
        (["log", "met", ""], "rapport: a contact needs a name or a mention (e.g."),
        (["circle", "Nobody", "close"], "rapport: Nobody is not in your log yet (log a message or a step"),
        (["plan", "--demo", "--now", "2026-12-07"], "rapport: --demo shows a fixed week"),
    ],
)
def test_bad_input_names_the_option_and_what_to_do(rapport, args, says):  # noqa: F811
    err = one_line(rapport(*args), 2)
    assert err.startswith(says) and err.rstrip().endswith(")"), err
    assert not any(field in err for field in ("weekly_budget", "cost_message", "keep_in_touch")), err


def test_a_malformed_database_url_is_bad_input_naming_the_setting(rapport):  # noqa: F811
    err = one_line(rapport("ladder", RAPPORT_DATABASE_URL="garbage"), 2)
    assert "RAPPORT_DATABASE_URL" in err and "postgresql+psycopg://" in err and "refused" not in err, err


def test_stats_json_carries_the_intervals_and_plan_json_the_plan(rapport, tmp_path):  # noqa: F811
    coach = Coach.open(f"sqlite:///{tmp_path}/e.db")
    me = UserRef("cli", "local", "dana")
    from types import SimpleNamespace

    for n in range(4):
        verdict = SimpleNamespace(pitch_probability=0.9, label="pitch", text="Book a demo today!")
        coach.record_outreach(me, f"C{n}", utcnow() - timedelta(days=3), verdict=verdict)
    coach.record_reply(me, "C0", utcnow() - timedelta(days=2))
    coach.close()
    pitch = json.loads(rapport("stats", "--json", "--user", "dana").stdout)["by_draft_label"]["pitch"]
    assert pitch["sent"] == 4 and pitch["replied"] == 1 and pitch["rate"] == 0.25
    assert pitch["interval"] == pytest.approx([0.04558, 0.69936], abs=1e-4)  # Wilson 95%, 1 of 4
    week = json.loads(rapport("plan", "--demo", "--json").stdout)
    assert week["budget"] == 60 and week["minutes"] <= 60 and week["items"][0]["contact"] == "Jo Park"
    assert {"contact", "action", "minutes", "due_at", "circle", "stage"} <= set(week["items"][0])
