"""Reminder DMs from the bot, and watched channels' digests (the ledger decides what is due and guarantees once)."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import wording
from bot.adapters.slack import blocks
from bot.adapters.slack.installs import OneWorkspace
from bot.types import ChannelDigest, DueReminder, Refused, Undeliverable, UserRef, WeeklyPlan

log = logging.getLogger(__name__)

#: Slack errors that mean a DM to this user will never go through: set the reminder aside.
UNDELIVERABLE = {"user_not_found", "account_inactive", "cannot_dm_bot", "user_disabled", "not_in_channel"}
#: Slack errors that mean the message itself is malformed: sending it again would be refused again.
MALFORMED = {"invalid_blocks", "invalid_blocks_format", "invalid_arguments", "msg_too_long", "too_many_attachments"}


#: Slack truncates ``text`` longer than this; a plain-text fallback is cut here.
_TEXT_MAX = 40_000
#: How a plain-text fallback (no blocks, so no ``block_id``) names its reminders, so ``delivered`` finds them too.
FALLBACK_MARK = re.compile(r"\(reminder #(\d+)\)")


def _marked(text: str, items: list[DueReminder]) -> str:
    """``text`` cut to fit, ending with each reminder's mark."""
    marks = " ".join(f"(reminder #{item.id})" for item in items)
    return f"{text[: _TEXT_MAX - len(marks) - 1]}\n{marks}"


class SlackNotifier:
    """Delivers reminders as DMs from the bot (the ledger decides what is due and guarantees once).

    Reminder DMs are posted by a client that retries only 429s: a 5xx or a dropped connection may come after
    Slack took the message, so instead of posting again at once, the ledger asks ``delivered`` before the
    next try. Each reminder's buttons carry ``block_id`` ``reminder:<id>``, which is what ``delivered`` finds.

    Each user is reached with their own workspace's bot token: ``workspaces`` (``installs.Installations``) gives
    it; given only ``client``, every workspace is served by that one client (``SLACK_BOT_TOKEN``).
    """

    def __init__(self, client: WebClient | None = None, workspaces=None):
        if workspaces is None and client is None:
            raise ValueError("SlackNotifier needs a client or workspaces")
        self.workspaces = workspaces if workspaces is not None else OneWorkspace(client)
        self._posting: dict[str, WebClient] = {}

    def _client(self, workspace: str) -> WebClient:
        return self.workspaces.client(workspace)

    def _posting_client(self, workspace: str) -> WebClient:
        """The workspace's token on a client that retries only 429s (see the class docstring)."""
        client = self._client(workspace)
        posting = self._posting.get(client.token)
        if posting is None:
            posting = self._posting[client.token] = WebClient(
                token=client.token,
                base_url=client.base_url,
                retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
            )
        return posting

    def _post(self, user: UserRef, body: list[dict], text: str, items: list[DueReminder]) -> None:
        """Post a DM about ``items``; a message Slack refuses as malformed is a bug: logged, then sent once as plain
        text marked with the reminders' ids (``delivered`` finds those marks as it finds the blocks' ids).

        Raises ``Undeliverable`` when the user cannot be reached and ``Refused`` when even the plain text is
        refused, so the reminder is set aside instead of being retried forever; other ``SlackApiError``s
        propagate (retry).
        """
        posting = self._posting_client(user.workspace)
        try:
            posting.chat_postMessage(channel=user.user_id, blocks=body, text=text)
            return
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in UNDELIVERABLE:
                raise Undeliverable(error) from exc
            if error not in MALFORMED:
                raise
            log.error("bug: Slack refused a reminder message as malformed (%s): %s", error, exc.response.data)
        try:
            posting.chat_postMessage(channel=user.user_id, text=_marked(text, items))
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in UNDELIVERABLE:
                raise Undeliverable(error) from exc
            if error in MALFORMED:
                raise Refused(error) from exc
            raise

    def delivered(self, reminder: DueReminder, since: datetime) -> bool:
        """Whether the DM with the user holds a message with this reminder's block, or a plain-text fallback
        marked with its id (``conversations.history``)."""
        client = self._client(reminder.user.workspace)
        channel = client.conversations_open(users=reminder.user.user_id)["channel"]["id"]
        oldest = f"{since.timestamp():.6f}"
        block_id = f"reminder:{reminder.id}"
        for page in client.conversations_history(channel=channel, oldest=oldest, limit=200):
            for message in page.get("messages", []):
                if any(b.get("block_id") == block_id for b in message.get("blocks") or []):
                    return True
                if str(reminder.id) in FALLBACK_MARK.findall(message.get("text") or ""):
                    return True
        return False

    def send(self, reminder: DueReminder) -> None:
        """DM the reminder with its Done / Snooze / They replied buttons; ``Undeliverable`` if DMs are closed."""
        self._post(reminder.user, blocks.reminder_blocks(reminder), wording.reminder_line(reminder), [reminder])

    def send_digest(self, user: UserRef, items: list[DueReminder]) -> None:
        """DM the user's daily digest: every due reminder once, in as many messages of 50 blocks as it needs.

        If a later part fails, the earlier parts are in the DM: the next round's ``delivered`` finds their
        reminders' blocks there, so only the rest is sent again.
        """
        for part, body in blocks.digest_messages(items):
            self._post(user, body, wording.digest_text(part), part)

    def send_plan(self, user: UserRef, plan: WeeklyPlan) -> None:
        """DM the user's weekly plan (one message); ``Undeliverable`` if DMs are closed."""
        self._post(user, blocks.plan_blocks(plan), wording.plan_text(plan), [])

    def post_channel_digest(self, digest: ChannelDigest) -> None:
        """Post a watched channel's digest in the channel (totals only)."""
        self._client(digest.workspace).chat_postMessage(
            channel=digest.channel_id,
            blocks=blocks.channel_digest_blocks(digest),
            text=wording.channel_digest_text(digest),
        )
