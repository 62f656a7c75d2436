"""Reminder DMs and watched channels' digests, sent over Discord's HTTP API from the delivery thread.

The delivery round runs in a worker thread (the ledger is synchronous). Instead of handing each send back to the
bot's event loop, the notifier keeps its own HTTP client on its own event loop in that thread: the bot's loop keeps
serving interactions and a round never waits on it. discord.py's HTTP client waits out 429s itself, and the
reminder buttons are the bot's persistent components, so they work whoever sent the message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

import discord
from discord.http import HTTPClient, handle_message_parameters

from bot import wording
from bot.adapters.discord import PLATFORM, render
from bot.adapters.discord.components import reminder_view
from bot.coach import Coach
from bot.types import ChannelDigest, DueReminder, Refused, Undeliverable, UserRef, WeeklyPlan

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Discord's JSON error codes meaning a DM to this user will never go through (DMs closed, no shared server).
DM_CLOSED_CODES = {50007, 50278}
UNKNOWN_USER, UNKNOWN_CHANNEL = 10013, 10003
#: Discord's "Invalid Form Body": the message itself breaks a rule, so sending it again would fail again.
INVALID_FORM_BODY = 50035
#: How a plain-text fallback names its reminders, so ``delivered`` finds them too.
FALLBACK_MARK = re.compile(r"Reminder #(\d+)")


class DiscordNotifier:
    """The ``Notifier`` for the bot's delivery rounds; call it from one thread at a time, ``close()`` at the end.

    ``guild_name(workspace)`` names the server a reminder comes from (None if unknown).
    """

    def __init__(self, token: str, coach: Coach, guild_name: Callable[[str], str | None] = lambda _: None):
        self.token = token
        self.coach = coach
        self.guild_name = guild_name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: HTTPClient | None = None
        self._me: int | None = None
        self._dm_channels: dict[str, int] = {}

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coro)

    async def _client(self) -> HTTPClient:
        if self._http is None:
            http = HTTPClient(asyncio.get_running_loop())
            self._me = int((await http.static_login(self.token))["id"])
            self._http = http
        return self._http

    async def _dm_channel(self, user_id: str) -> int:
        if user_id not in self._dm_channels:
            http = await self._client()
            self._dm_channels[user_id] = int((await http.start_private_message(int(user_id)))["id"])
        return self._dm_channels[user_id]

    async def _dm(self, user_id: str, fallback: str | None = None, **kwargs) -> None:
        """DM a user; ``Undeliverable`` when Discord says they cannot get DMs from us.

        A message Discord refuses as malformed (400, code 50035) is a bug: logged, then sent once as the plain
        ``fallback`` text; refused again (or with no fallback), ``Undeliverable``, so it is not retried forever.
        """
        try:
            await self._send(user_id, **kwargs)
        except discord.HTTPException as exc:
            if exc.status != 400 or exc.code != INVALID_FORM_BODY:
                raise
            log.error("bug: Discord refused a reminder message as malformed (code %s): %s", exc.code, exc.text)
            if fallback is None:
                raise Refused(f"Discord code {exc.code}") from exc
            try:
                await self._send(user_id, content=fallback[: render.CONTENT_MAX])
            except discord.HTTPException as again:
                if again.status == 400:
                    raise Refused(f"Discord code {again.code}") from again
                raise

    async def _send(self, user_id: str, **kwargs) -> None:
        try:
            http = await self._client()
            channel = await self._dm_channel(user_id)
            allowed = discord.AllowedMentions.none()
            with handle_message_parameters(allowed_mentions=allowed, **kwargs) as params:
                await http.send_message(channel, params=params)
        except discord.Forbidden as exc:
            if exc.code in DM_CLOSED_CODES:
                raise Undeliverable(f"Discord code {exc.code}") from exc
            raise
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_USER:
                raise Undeliverable(f"Discord code {exc.code}") from exc
            raise

    def send(self, reminder: DueReminder) -> None:
        """DM one reminder with its Done / Snooze / They replied buttons (when the contact is a mention)."""

        async def send() -> None:
            embed = render.reminder_embed(reminder, self.guild_name(reminder.user.workspace))
            view = reminder_view(reminder)  # built on this loop: discord.py views need a running one
            # With a nonce Discord enforces, a repeat within minutes returns the first message instead of a second.
            extra = {"view": view} if view else {}
            await self._dm(
                reminder.user.user_id,
                fallback=f"⏰ {wording.reminder_line(reminder)} (Reminder #{reminder.id})",
                embed=embed,
                nonce=f"reminder-{reminder.id}",
                **extra,
            )

        self._run(send())

    def send_digest(self, user: UserRef, items: list[DueReminder]) -> None:
        """DM a user's daily digest: every due reminder once, in as many messages as Discord's limits need.

        If a later part fails, the earlier parts are in the DM: the next round's ``delivered`` finds their
        reminders' numbers there, so only the rest is sent again.
        """
        for part, embed in render.digest_embeds(items):
            fallback = f"{wording.digest_text(part)}\n" + " ".join(f"Reminder #{r.id}" for r in part)
            self._run(self._dm(user.user_id, fallback=fallback, embed=embed, nonce=f"digest-{part[0].id}"))

    def send_plan(self, user: UserRef, plan: WeeklyPlan) -> None:
        """DM the user's weekly plan (one message); ``Undeliverable`` if DMs are closed."""
        text = render.plan_text(plan)
        self._run(self._dm(user.user_id, fallback=text, content=text))

    def delivered(self, reminder: DueReminder, since: datetime) -> bool:
        """Whether the DM holds a message of ours since ``since`` whose footer names this reminder."""

        async def look() -> bool:
            http = await self._client()
            channel = await self._dm_channel(reminder.user.user_id)
            after = discord.utils.time_snowflake(since)
            for message in await http.logs_from(channel, 200, after=after):
                embeds = [discord.Embed.from_dict(e) for e in message.get("embeds") or []]
                ours = int(message["author"]["id"]) == self._me
                in_text = str(reminder.id) in FALLBACK_MARK.findall(message.get("content") or "")
                if ours and (reminder.id in render.marked(embeds) or in_text):
                    return True
            return False

        return self._run(look())

    def post_channel_digest(self, digest: ChannelDigest) -> None:
        """Post a watched channel's digest (plain text); a channel that is gone is unwatched."""

        async def post() -> bool:
            http = await self._client()
            allowed = discord.AllowedMentions.none()
            try:
                with handle_message_parameters(wording.channel_digest_text(digest), allowed_mentions=allowed) as params:
                    await http.send_message(int(digest.channel_id), params=params)
            except discord.NotFound as exc:
                if exc.code != UNKNOWN_CHANNEL:
                    raise
                return False
            return True

        if not self._run(post()):
            log.warning("watched channel %s no longer exists; it is unwatched", digest.channel_id)
            self.coach.unwatch(PLATFORM, digest.workspace, digest.channel_id)

    def close(self) -> None:
        """Close the HTTP client and its event loop."""
        if self._loop is None:
            return
        if self._http is not None:
            self._run(self._http.close())
        self._loop.close()
        self._loop = self._http = None
