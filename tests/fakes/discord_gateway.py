"""The Discord stand-in's gateway websocket, sharded as Discord shards it.

It sends HELLO, takes IDENTIFY (checking the token and the ``shard`` pair), answers with READY and a GUILD_CREATE
for each guild on that shard, acknowledges heartbeats, and routes each dispatched event to the one session that
Discord would send it to. The rules, from Discord's gateway documentation ("Sharding"; the gateway is not part of
the OpenAPI description in ``../shared/specs``, whose ``GET /gateway/bot`` answer, with its recommended
``shards``, the stand-in does follow):

- ``shard`` is ``[shard_id, num_shards]``, with ``0 <= shard_id < num_shards``; anything else closes the
  connection with 4010 (Invalid shard). Without ``shard`` a session is ``[0, 1]``, every guild's.
- a guild's events go to shard ``(guild_id >> 22) % num_shards``; events without a guild (DMs) to shard 0.
"""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from tests.fakes.discord_payloads import APP_ID, BOT_ID, guild, user

#: The close code and reason Discord sends for an invalid ``shard`` in IDENTIFY.
INVALID_SHARD = 4010


def shard_of(guild_id: str | None, num_shards: int) -> int:
    """The shard Discord sends a guild's events to (DMs: shard 0)."""
    return 0 if guild_id is None else (int(guild_id) >> 22) % num_shards


def guild_of(event: str, data: dict) -> str | None:
    """The guild an event belongs to: ``id`` for the guild events themselves, else ``guild_id`` (None for DMs)."""
    if event in {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"}:
        return data.get("id")
    return data.get("guild_id")


def valid_shard(shard: object) -> bool:
    """Whether IDENTIFY's ``shard`` is ``[shard_id, num_shards]`` with ``0 <= shard_id < num_shards``."""
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in shard)
        and 0 <= shard[0] < shard[1]
    )


class Gateway:
    """The gateway half of ``DiscordStandIn`` (which supplies ``token``, ``guilds``, ``port``, ``app_flags``,
    ``identifies``, ``_sockets``, ``_seq`` and ``_changed``). ``sessions`` maps each open socket to its shard."""

    sessions: dict[web.WebSocketResponse, tuple[int, int]]

    async def _send_all(self, event: str, data: dict) -> None:
        """Send a DISPATCH to the session Discord would send it to (every session whose shard has the guild)."""
        if not self._sockets:
            raise AssertionError("no bot is connected to the gateway")
        guild_id = guild_of(event, data)
        targets = [ws for ws in self._sockets if self.sessions[ws][0] == shard_of(guild_id, self.sessions[ws][1])]
        if not targets:
            raise AssertionError(f"no connected session runs the shard of guild {guild_id}")
        for ws in targets:
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                if frame["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif frame["op"] == 2:
                    await self._identify(ws, frame["d"])
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = data.get("shard", [0, 1])
        if not valid_shard(shard):
            with self._changed:
                self.refused_identifies.append({k: v for k, v in data.items() if k != "token"})
                self._changed.notify_all()
            await ws.close(code=INVALID_SHARD, message=b"Invalid shard.")
            return
        mine = [g for g in self.guilds if shard_of(g, shard[1]) == shard[0]]
        ready = {
            "v": 10,
            "user": {**user(BOT_ID, "Rapport", bot=True), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": g, "unavailable": True} for g in mine],
            "session_id": f"rapport-test-session-{shard[0]}-{shard[1]}",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "shard": shard,
            "application": {"id": APP_ID, "flags": self.app_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": ready}))
        for g in mine:
            await ws.send_str(json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": guild(g)}))
        self.sessions[ws] = (shard[0], shard[1])
        self._sockets.append(ws)
        with self._changed:
            self.identifies.append({k: v for k, v in data.items() if k != "token"})
            self._changed.notify_all()
