"""Modal submissions: "Check again" and the settings form."""

from __future__ import annotations

from slack_bolt import App

from bot.adapters.slack import blocks
from bot.adapters.slack.listeners.common import Listener, user_of
from bot.coach import Coach
from bot.types import Clock


def register(app: App, coach: Coach, clock: Clock) -> None:
    """The ``recheck`` and ``settings`` view submissions on ``app``."""
    views = Views(coach, clock)
    app.view("recheck")(views.recheck)
    app.view("settings")(views.save_settings)


class Views(Listener):
    """View submission listeners."""

    def recheck(self, ack, view, context) -> None:
        """Check the edited draft; the modal updates to the new verdict with the draft still editable."""
        text = view["state"]["values"]["draft"]["text"].get("value") or ""
        if not text.strip():
            ack(response_action="errors", errors={"draft": "Write a draft to check."})
            return
        checked = self.coach.check(user_of(context), text, self.clock(), "command")
        ack(response_action="update", view=blocks.verdict_modal(checked.verdict, text))

    def save_settings(self, ack, view, context) -> None:
        """Save the settings form; a bad value is shown next to its field."""
        changes = blocks.settings_from_view(view["state"]["values"])
        try:
            self.coach.update_settings(user_of(context), self.clock(), **changes)
        except ValueError as exc:
            name, _, why = str(exc).partition(": ")
            ack(response_action="errors", errors={name if name in changes else "follow_up_days": why or str(exc)})
            return
        ack()
