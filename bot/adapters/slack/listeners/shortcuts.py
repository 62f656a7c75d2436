"""The message shortcut "Check with Rapport": a private check of any message."""

from __future__ import annotations

from slack_bolt import App

from bot import wording
from bot.adapters.slack import blocks
from bot.adapters.slack import text as slack_text
from bot.adapters.slack.listeners.common import Listener, user_of
from bot.coach import Coach
from bot.types import Clock


def register(app: App, coach: Coach, clock: Clock) -> None:
    """The ``check_with_rapport`` message shortcut on ``app``."""
    app.shortcut("check_with_rapport")(Shortcuts(coach, clock).check_message)


class Shortcuts(Listener):
    """Shortcut listeners."""

    def check_message(self, ack, body, context, client, respond) -> None:
        """Check the message the shortcut was used on; answer privately through ``respond``."""
        ack()
        user = user_of(context)
        new = self.new_user(user)
        text = slack_text.readable(slack_text.decode((body.get("message") or {}).get("text") or ""))
        if not text.strip():
            respond(response_type="ephemeral", text=wording.NO_TEXT)
        else:
            checked = self.coach.check(user, text, self.clock(), "shortcut")
            answer = blocks.verdict_blocks(checked.verdict, checked.check_id, text)
            respond(response_type="ephemeral", replace_original=False, blocks=answer, text=blocks.text_of(answer))
        self.after(client, user, new, lambda t: respond(text=t, response_type="ephemeral", replace_original=False))
