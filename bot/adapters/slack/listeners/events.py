"""Events: App Home opened, and messages (the DM with the bot, replies, posts in watched channels)."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.adapters.slack import PLATFORM, blocks, text
from bot.adapters.slack.listeners.commands import Commands
from bot.adapters.slack.listeners.common import Listener, from_ts, user_of
from bot.coach import Coach
from bot.types import MENTION, Clock, Message, UserRef

log = logging.getLogger(__name__)


def register(app: App, coach: Coach, clock: Clock, workspaces=None) -> None:
    """``app_home_opened``, ``message``, ``user_change``, ``app_uninstalled`` and ``tokens_revoked`` on ``app``."""
    events = Events(coach, clock, workspaces)
    app.event("app_home_opened")(events.home_opened)
    app.event("message")(events.message)
    app.event("user_change")(events.user_changed)
    app.event("app_uninstalled")(events.uninstalled)
    app.event("tokens_revoked")(events.tokens_revoked)


class Events(Listener):
    """Event listeners; ``workspaces`` forgets a workspace's installation when it uninstalls."""

    def __init__(self, coach: Coach, clock: Clock, workspaces=None):
        super().__init__(coach, clock)
        self.workspaces = workspaces

    def uninstalled(self, context) -> None:
        """The app was uninstalled from a workspace: its installation and all its people's data go.

        Every user of that workspace is forgotten as ``rapport forget`` forgets one (outreach, replies,
        reminders, checks, settings), and its watched channels with their aggregates; other workspaces stay.
        """
        team = context.team_id or context.enterprise_id or ""
        if not team:
            return
        if self.workspaces is not None:
            self.workspaces.forget(team)
        gone = self.coach.forget_workspace(PLATFORM, team)
        log.info("the app left a workspace: its installation and %d user(s)' data were deleted", gone)

    def tokens_revoked(self, event, context) -> None:
        """The workspace revoked the bot's token: as ``uninstalled``. Rapport asks for no user tokens, so a
        revocation of user tokens alone concerns nothing it holds."""
        if (event.get("tokens") or {}).get("bot"):
            self.uninstalled(context)
        else:
            log.info("user tokens were revoked in a workspace; Rapport holds none, so nothing was deleted")

    def home_opened(self, event, context, client) -> None:
        """Publish App Home (a new user's time zone is learnt first)."""
        if event.get("tab", "home") == "home":
            user = user_of(context)
            if self.new_user(user) or self.coach.timezone_due(user, self.clock()):
                self.learn_timezone(client, user)
            self.publish_home(client, user)

    def user_changed(self, event, context) -> None:
        """A member's profile changed: their reminders follow a new Slack time zone (unless set by hand).

        Only users Rapport already knows are touched; no row is created for anyone else.
        """
        member = event.get("user") or {}
        team = member.get("team_id") or context.team_id or context.enterprise_id or ""
        if member.get("id") and self.coach.follow_timezone(
            UserRef(PLATFORM, team, member["id"]), member.get("tz"), self.clock()
        ):
            log.info("a user's time zone followed their Slack profile")

    def message(self, event, context, client, body) -> None:
        """A DM takes commands; a channel message may be a contact's reply or a post in a watched channel."""
        if event.get("bot_id") or event.get("subtype") not in (None, "thread_broadcast", "file_share"):
            return  # bots (ourselves included), edits, deletions, joins
        author, raw = event.get("user"), event.get("text") or ""
        if not author:
            return
        team = context.team_id or context.enterprise_id or ""
        if event.get("channel_type") == "im":
            self._direct_message(client, UserRef(PLATFORM, team, author), event["channel"], raw)
            return
        thread = event.get("thread_ts")
        answers = thread and thread != event["ts"]
        seen = self.coach.observe(
            Message(
                platform=PLATFORM,
                workspace=team,
                channel_id=event["channel"],
                message_id=event["ts"],
                author_id=author,
                text=text.readable(text.decode(raw)),
                at=from_ts(event["ts"]),
                parent_id=thread if answers else None,
                parent_author_id=event.get("parent_user_id") if answers else None,
                mentions=tuple(dict.fromkeys(MENTION.findall(raw))),
            ),
            event_id=body.get("event_id"),
        )
        if seen.replies:
            log.info("recorded %d reply(ies) seen in a channel", len(seen.replies))
        if seen.coaching is not None:
            note = blocks.coaching_blocks(seen.coaching, seen.check_id)
            client.chat_postEphemeral(
                channel=event["channel"], user=author, blocks=note, text="Only you can see this: a coaching note."
            )

    def _direct_message(self, client: WebClient, user: UserRef, channel: str, raw: str) -> None:
        """The DM with the bot takes the same words as ``/rapport`` (a settings modal needs the slash command)."""
        new = self.new_user(user)
        answer = Commands(self.coach, self.clock).answer(user, text.command(raw), None, client, None, ack=None)
        client.chat_postMessage(channel=channel, blocks=answer, text=blocks.text_of(answer))
        self.after(client, user, new, lambda t: client.chat_postMessage(channel=channel, text=t))
