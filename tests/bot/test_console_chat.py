"""The console adapter: the same commands the chat apps take, with reminders delivered as they come due."""

import os
import subprocess
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import update

from bot.adapters.console import ConsoleChat
from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.ledger.repo import UserRef
from bot.ledger.schema import Reminder
from tests.bot.test_cli import CMD


def test_a_session_with_reminders(tmp_path, model):
    coach = Coach(model=model, sessions=open_ledger(f"sqlite:///{tmp_path / 'chat.db'}"))
    now = [datetime(2026, 11, 2, 10, 0, tzinfo=UTC)]
    out: list[str] = []
    chat = ConsoleChat(coach, UserRef("cli", "local", "me"), echo=out.append, clock=lambda: now[0])
    script = iter(
        ["/rapport Hi! We help companies like yours. Free for a 15-min demo Friday?", "sent Dana Lee", "stats"]
    )

    def read(prompt):
        line = next(script, None)
        if line is None:
            now[0] += timedelta(days=3)  # three days later, the session asks again and the reminder arrives
            raise EOFError
        return line

    chat.run(read=read)
    chat.deliver()
    text = "\n".join(out)
    assert "reads as a pitch" in text
    assert "I'll remind you to follow up with Dana Lee on Thu 05 Nov" in text
    assert "Reached 1, 0 replied" in text and "reads as a pitch: 0 of 1 replied, 0% (95% CI 0-79%)" in text
    assert click.unstyle(out[-1]).endswith(
        "Follow up with Dana Lee: no reply yet (reminder 1). Ask how things are going, not whether they read it."
    )
    assert chat.handle("replied nobody") and out[-1].startswith("Hmm: no outreach to 'nobody'")
    assert chat.handle("what?") and out[-1].startswith("I don't know “what?”. Type `help`")
    assert chat.handle("help") and out[-1].startswith("Commands")
    assert chat.handle("quit") is False


def test_a_reminder_whose_earlier_printing_was_cut_off_prints_again(tmp_path):
    coach = Coach(sessions=open_ledger(f"sqlite:///{tmp_path / 'chat.db'}"))
    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    me = UserRef("cli", "local", "me")
    coach.record_outreach(me, "Dana Lee", now - timedelta(days=3))
    with coach.sessions.begin() as session:  # an earlier session died while printing it
        session.execute(update(Reminder).values(attempted_at=now, attempts=1))
    out: list[str] = []
    ConsoleChat(coach, me, echo=out.append, clock=lambda: now + timedelta(hours=1)).deliver()
    assert len(out) == 1 and "Follow up with Dana Lee" in out[0]


def test_rapport_chat_in_a_terminal(tmp_path):
    env = {**os.environ, "NO_COLOR": "1", "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    r = subprocess.run(
        [*CMD, "chat"], input="help\nsent Dana\nfollowups\nquit\n", capture_output=True, text=True, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert "Commands (the same the Slack and Discord apps take)" in r.stdout
    assert "I'll remind you to follow up with Dana" in r.stdout and "Nothing due. Nice." in r.stdout


def test_the_ladder_and_the_plan_in_the_console(tmp_path, model):
    coach = Coach(model=model, sessions=open_ledger(f"sqlite:///{tmp_path / 'chat.db'}"))
    now = [datetime(2026, 11, 2, 10, 0, tzinfo=UTC)]
    out: list[str] = []
    chat = ConsoleChat(coach, UserRef("cli", "local", "me"), echo=out.append, clock=lambda: now[0])
    for line in ["sent Dana Lee", "replied Dana Lee", "sent Dana Lee", "replied Dana Lee"]:
        assert chat.handle(line)
    chat.handle("check to Dana Lee: How did the launch go?")
    assert click.unstyle(out[-1]).startswith("You've traded 4 messages with Dana Lee (in conversation); a call")
    chat.handle("called Dana Lee")
    assert out[-1].startswith("Logged: you called Dana Lee. Now talked off the feed. Coffee might be next.")
    chat.handle("met Dana Lee --how coffee")
    assert out[-1].startswith("Logged: you met Dana Lee (coffee). Now met.")
    chat.handle("circle Dana Lee close")
    assert out[-1] == "Dana Lee is in your close circle (keep in touch every 2 weeks)."
    chat.handle("ladder")
    assert out[-1] == "  Dana Lee: met, 4 messages, close, every 2 weeks"
    now[0] += timedelta(days=15)
    chat.handle("plan")
    assert (
        out[-1]
        == "Your week of Mon 16 Nov: 1 to reach, about 60 of your 60 minutes.\n  • Dana Lee: a coffee (60 min, met)"
    )
    chat.handle("circle Nobody wider")
    assert out[-1].startswith("Hmm: Nobody is not in your log yet")


def test_the_console_reads_mentions_as_one_token_and_drops_quotes_around_names(tmp_path, model):
    coach = Coach(model=model, sessions=open_ledger(f"sqlite:///{tmp_path / 'chat.db'}"))
    me = UserRef("cli", "local", "me")
    out: list[str] = []
    chat = ConsoleChat(coach, me, echo=out.append, clock=lambda: datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    chat.handle("ladder")
    assert out[-1].startswith("No relationships yet.")  # a sentence, not an indented list item
    chat.handle("met @jo picnic")
    assert out[-1] == "picnic isn't a way to meet: coffee, lunch, video, drinks or event."
    chat.handle('emailed "Sam Ortiz"')
    chat.handle("met “Dana Lee” Coffee")
    assert out[-1].startswith("Logged: you met Dana Lee (coffee). Now met. Keep meeting: ask how the plans")
    assert sorted(s.contact for s in coach.ladder(me)) == ["Dana Lee", "Sam Ortiz"]
