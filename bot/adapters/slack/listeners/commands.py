"""``/rapport``: the one chat grammar (``bot.commands``), answered privately in the ack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import commands, wording
from bot.adapters.slack import PLATFORM, blocks, text
from bot.adapters.slack.listeners.common import Listener, apology, logged_text, user_of
from bot.coach import Coach
from bot.types import Clock, UnknownContactError, UserRef

INVITE_ME = "I can't join this channel by myself: invite me with `/invite @Rapport` so I can see the posts."


def register(app: App, coach: Coach, clock: Clock) -> None:
    """``/rapport`` on ``app``."""
    app.command("/rapport")(Commands(coach, clock).rapport)


class Commands(Listener):
    """``/rapport`` and the grammar's answers (the DM with the bot uses ``answer`` too)."""

    def rapport(self, ack, body, context, client, respond) -> None:
        """``/rapport <text>``: answer in the ack (or open a modal), then join a newly watched channel."""
        user = user_of(context)
        asked = text.command(body.get("text") or "")
        try:
            new = self.new_user(user)
            answer = self.answer(user, asked, body.get("channel_id"), client, body.get("trigger_id"), ack)
        except Exception as exc:
            ack(response_type="ephemeral", text=apology(exc, "/rapport"))
            return
        if answer is not None:
            ack(response_type="ephemeral", blocks=answer, text=blocks.text_of(answer))

        def say(message: str) -> None:
            respond(text=message, response_type="ephemeral")

        channel = body.get("channel_id")
        if isinstance(asked, commands.Watch) and self.coach.is_watched(PLATFORM, user.workspace, channel):
            self._join(client, channel, say)
        self.after(client, user, new, say)

    def _join(self, client: WebClient, channel: str, say: Callable[[str], None]) -> None:
        """Join a newly watched channel so its posts reach us (after the ack: it is a Web API call)."""
        try:
            client.conversations_join(channel=channel)
        except SlackApiError:
            say(INVITE_ME)

    def answer(
        self, user: UserRef, command: commands.Command, channel: str | None, client, trigger_id, ack
    ) -> list[dict] | None:
        """The blocks that answer a ``/rapport`` command (also typed in the DM with the bot, ``channel`` None).

        Returns None when the answer is a modal (``ack`` was called and the modal opened).
        """
        now = self.clock()
        match command:
            case commands.Hint(text=hint):
                return [blocks.section(hint)]
            case commands.Check(draft=draft, to=to):
                checked = self.coach.check(user, draft, now, "command", to=to)
                answer = blocks.verdict_blocks(checked.verdict, checked.check_id, draft)
                return answer + ([blocks.standing_block(checked.standing)] if checked.standing else [])
            case commands.Step(kind=kind, contact=contact, how=how):
                standing = self.coach.log_step(user, contact, kind, now, how)
                return [blocks.section(wording.step_text(kind, standing, how))]
            case commands.Circle(contact=contact, circle=circle):
                try:
                    return [blocks.section(wording.circle_text(self.coach.set_circle(user, contact, circle)))]
                except UnknownContactError:
                    return [blocks.section(wording.no_outreach_text(contact))]
            case commands.Plan():
                return blocks.plan_blocks(self.coach.plan(user, now))
            case commands.Ladder():
                return blocks.ladder_blocks(self.coach.ladder(user))
            case commands.Sent(contact=contact):
                return [blocks.section(logged_text(self.coach.record_outreach(user, contact, now, channel=channel)))]
            case commands.Replied() | commands.Done() | commands.Snooze():
                return [blocks.section(self._about_contact(user, command, now))]
            case commands.Watch() | commands.Unwatch():
                if channel is None:
                    word = "watch" if isinstance(command, commands.Watch) else "unwatch"
                    return [blocks.section(f"Run `/rapport {word}` in the channel itself.")]
                return [blocks.section(self._watch(user, command, channel, now))]
            case commands.Followups():
                return blocks.followups_blocks(self.coach.followups(user, now))
            case commands.Stats():
                return blocks.stats_blocks(self.coach.stats(user))
            case commands.Forget():
                return blocks.forget_blocks()
            case commands.Settings():
                if not trigger_id:
                    return [blocks.section("Open your settings with `/rapport settings`.")]
                ack()
                current = self.coach.update_settings(user, now)
                client.views_open(trigger_id=trigger_id, view=blocks.settings_modal(current))
                return None
        return blocks.help_blocks()

    def _about_contact(self, user: UserRef, command: commands.Command, now: datetime) -> str:
        contact = command.contact
        try:
            match command:
                case commands.Replied():
                    self.coach.record_reply(user, contact, now)
                    return wording.replied_text(contact)
                case commands.Done():
                    ended = self.coach.mark_done(user, contact)
                    return wording.done_text(contact) if ended else wording.nothing_pending_text(contact)
                case commands.Snooze(days=days):
                    if not self.coach.snooze(user, contact, days, now):
                        return wording.nothing_pending_text(contact)
                    return wording.snoozed_text(contact, f"in {days} days")
        except UnknownContactError:
            return wording.no_outreach_text(contact)
        raise TypeError(command)

    def _watch(self, user: UserRef, command: commands.Command, channel: str, now: datetime) -> str:
        if isinstance(command, commands.Unwatch):
            return wording.UNWATCHED if self.coach.unwatch(PLATFORM, user.workspace, channel) else wording.NOT_WATCHED
        try:
            added = self.coach.watch(PLATFORM, user.workspace, channel, user.user_id, now, command.digest_days)
        except ValueError as exc:
            return f"Hmm: {exc}"
        return wording.watching_text(command.digest_days) if added else wording.ALREADY_WATCHED
