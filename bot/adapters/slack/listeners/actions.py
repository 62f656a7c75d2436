"""Buttons and selects: "I sent it to…", "Check again", "Check this version", "Not a pitch", the reminder buttons,
"forget me"."""

from __future__ import annotations

import re

from slack_bolt import App

from bot import wording
from bot.adapters.slack import blocks
from bot.adapters.slack.listeners.common import Listener, logged_text, user_of
from bot.coach import Coach
from bot.types import Clock, UnknownContactError


def register(app: App, coach: Coach, clock: Clock) -> None:
    """Every block action on ``app``."""
    actions = Actions(coach, clock)
    app.action("sent_to")(actions.sent_to)
    app.action("check_again")(actions.check_again)
    app.action("check_rewrite")(actions.check_rewrite)
    app.action("not_a_pitch")(actions.not_a_pitch)
    app.action(re.compile(r"^reminder_(done|snooze|replied|emailed|called|met)$"))(actions.reminder_button)
    app.action(re.compile(r"^forget_(confirm|cancel)$"))(actions.forget_button)


def check_id_of(block_id: str) -> int | None:
    """The check a verdict's action block belongs to (``block_id`` ``check:<id>``)."""
    prefix, _, number = block_id.partition(":")
    return int(number) if prefix == "check" and number.isdigit() else None


class Actions(Listener):
    """Block actions."""

    def sent_to(self, ack, body, context, respond) -> None:
        """ "I sent it to…": log outreach to the picked user with the checked draft's score."""
        ack()
        action = body["actions"][0]
        contact = f"<@{action['selected_user']}>"
        check_id = check_id_of(action.get("block_id", ""))
        logged = self.coach.record_outreach(user_of(context), contact, self.clock(), check_id=check_id)
        respond(response_type="ephemeral", replace_original=False, text=logged_text(logged))

    def check_again(self, ack, body, client) -> None:
        """Open the draft in a modal to edit and check again."""
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=blocks.recheck_modal(body["actions"][0]["value"]))

    def check_rewrite(self, ack, body, context, respond) -> None:
        """ "Check this version": check the suggested rewrite at once and answer with its verdict, privately."""
        ack()
        text = body["actions"][0]["value"]
        checked = self.coach.check(user_of(context), text, self.clock(), "command")
        respond(
            response_type="ephemeral",
            replace_original=False,
            text=wording.headline(checked.verdict),
            blocks=blocks.verdict_blocks(checked.verdict, checked.check_id, text),
        )

    def not_a_pitch(self, ack, body, context, respond) -> None:
        """Record that the user disputes a pitch verdict (never the text)."""
        ack()
        check_id = int(body["actions"][0]["value"])
        disputed = self.coach.dispute(user_of(context), check_id, self.clock())
        text = wording.DISPUTED if disputed else wording.ALREADY_DISPUTED
        respond(response_type="ephemeral", replace_original=False, text=text)

    def reminder_button(self, ack, body, context, client, respond) -> None:
        """Done / Snooze / They replied / Emailed / Called / Met, on a reminder DM or in App Home."""
        ack()
        user = user_of(context)
        action = body["actions"][0]
        contact = action["value"]
        now = self.clock()
        try:
            if action["action_id"] == "reminder_done":
                self.coach.mark_done(user, contact)
                text = wording.done_text(contact)
            elif action["action_id"] in ("reminder_emailed", "reminder_called", "reminder_met"):
                kind = action["action_id"].removeprefix("reminder_")
                text = wording.step_text(kind, self.coach.log_step(user, contact, kind, now))
            elif action["action_id"] == "reminder_snooze":
                self.coach.snooze(user, contact, wording.SNOOZE.days, now)
                text = wording.snoozed_text(contact, f"in {wording.SNOOZE.days} days")
            else:
                self.coach.record_reply(user, contact, now)
                text = wording.replied_text(contact)
        except UnknownContactError:
            text = wording.gone_text(contact)
        if body.get("container", {}).get("type") == "view":
            self.publish_home(client, user)
        else:
            respond(replace_original=True, text=text)

    def forget_button(self, ack, body, context, respond) -> None:
        """Yes, forget me / Keep it."""
        ack()
        if body["actions"][0]["action_id"] == "forget_confirm":
            self.coach.forget(user_of(context))
            respond(replace_original=True, text=wording.FORGOTTEN)
        else:
            respond(replace_original=True, text=wording.KEPT)
