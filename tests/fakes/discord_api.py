"""A local stand-in for Discord: the HTTP API and a gateway websocket, on 127.0.0.1.

It answers the routes Rapport's bot calls the way Discord documents them (JSON with ``Content-Type:
application/json``; errors as ``{"message", "code"}``; 429 with ``retry_after`` and a ``Via`` header, as Discord's
own rate limits carry), checks the ``Authorization: Bot <token>`` header, and records every call so tests can assert
on what the bot sent. ``script()`` queues answers (a 429, an error) for a route ahead of the normal one.

``GET /gateway/bot`` points the bot at the gateway websocket here (``tests.fakes.discord_gateway``, sharded as
Discord shards): it sends HELLO, takes IDENTIFY (recording the intents and the shard), answers with READY and a
GUILD_CREATE per guild of that shard, acknowledges heartbeats, and ``dispatch()`` sends any event
(``INTERACTION_CREATE``, ``MESSAGE_CREATE``) to the session whose shard has its guild. Payload builders
(``slash``, ``press``, ``channel_message``...) are in ``tests.fakes.discord_payloads`` and re-exported here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes import specs
from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_limits import message_error
from tests.fakes.discord_payloads import *  # noqa: F403 - the tests build payloads as d.slash(...)
from tests.fakes.discord_payloads import (
    APP_ID,
    BOT_ID,
    BOT_TOKEN,
    GUILD_ID,
    MESSAGE_CONTENT_LIMITED,
    message,
    snowflake,
    user,
)


@dataclass
class Call:
    method: str
    path: str  # below /api/v10, e.g. "/channels/123/messages"
    query: dict
    body: dict | list | None
    status: int
    answer: dict | list | None = None
    at: float = field(default_factory=time.monotonic)


class DiscordStandIn(Gateway):
    """The HTTP API under ``/api/v10`` and the gateway at ``/gateway``; ``with DiscordStandIn() as discord: ...``"""

    def __init__(
        self,
        token: str = BOT_TOKEN,
        *,
        message_content: bool = True,
        closed_dms: set[str] | None = None,
        guilds: tuple[str, ...] = (GUILD_ID,),
        shards: int = 1,
    ):
        self.token = token
        self.app_flags = MESSAGE_CONTENT_LIMITED if message_content else 0
        self.closed_dms = set(closed_dms or ())
        self.guilds = guilds
        self.shards = shards  # the shard count GET /gateway/bot recommends
        self.calls: list[Call] = []
        #: ``(method, path, why)`` for every request Discord's published description says Discord would refuse.
        self.violations: list[tuple[str, str, list[str]]] = []
        self.identifies: list[dict] = []  # every accepted IDENTIFY (without the token), in order
        self.refused_identifies: list[dict] = []  # IDENTIFYs closed with 4010 (an invalid shard)
        self.sessions: dict[web.WebSocketResponse, tuple[int, int]] = {}  # socket -> (shard_id, num_shards)
        self.messages: dict[str, dict] = {}  # every message the bot created or edited, by id
        self.dm_channels: dict[str, str] = {}  # DM channel id -> recipient user id
        self._interactions: dict[str, dict] = {}  # interaction token -> the INTERACTION_CREATE payload
        self._scripts: list[tuple[str, re.Pattern, int, dict, dict]] = []
        self.lose_answers = 0  # this many next created messages are stored, then answered with a 500
        self._nonces: dict[tuple[str, str], dict] = {}  # (channel, nonce) -> message, for enforce_nonce
        self._changed = threading.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="discord-stand-in", daemon=True)
        self.port = 0
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/v10"

    def __enter__(self) -> DiscordStandIn:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._http)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        await self._runner.cleanup()

    # -- what tests use -------------------------------------------------------------------------------------------
    def script(self, method: str, path: str, status: int, body: dict, headers: dict | None = None) -> None:
        """Answer the next ``method`` call whose path matches the regex ``path`` with this, once."""
        with self._changed:
            self._scripts.append((method, re.compile(path), status, body, headers or {}))

    def rate_limit(self, method: str, path: str, retry_after: float = 0.3) -> None:
        """The next matching call gets a 429 as Discord sends it (through Cloudflare, hence ``Via``)."""
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "rapport-test-bucket",
            "X-RateLimit-Scope": "user",
        }
        self.script(method, path, 429, body, headers)

    def of(self, method: str, path: str) -> list[Call]:
        """Recorded calls whose path matches the regex ``path`` in full."""
        pattern = re.compile(path)
        with self._changed:
            return [c for c in self.calls if c.method == method and pattern.fullmatch(c.path)]

    def wait_for(self, method: str, path: str, count: int = 1, timeout: float = 15.0, where=None) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.of(method, path) if where is None or where(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join(f"  {c.method} {c.path} -> {c.status}" for c in self.calls[-30:])
                    raise AssertionError(f"expected {count} x {method} {path}, got {len(found)}; last calls:\n{seen}")
                self._changed.wait(left)

    def wait_identified(self, count: int = 1, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.identifies) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("the bot never identified on the gateway")
                self._changed.wait(left)
            return self.identifies[count - 1]

    def dispatch(self, event: str, data: dict) -> None:
        """Send a gateway DISPATCH to the connected bot."""
        if event == "INTERACTION_CREATE":
            self._interactions[data["token"]] = data
            if "message" in data:  # a component's or form's response edits that message ("@original")
                self.messages.setdefault(data["message"]["id"], json.loads(json.dumps(data["message"])))
                self.messages[f"original-{data['token']}"] = self.messages[data["message"]["id"]]
        asyncio.run_coroutine_threadsafe(self._send_all(event, data), self.loop).result(5)

    def interact(self, payload: dict, timeout: float = 15.0) -> Call:
        """Dispatch an INTERACTION_CREATE and return the bot's callback for it."""
        self.dispatch("INTERACTION_CREATE", payload)
        path = f"/interactions/{payload['id']}/{payload['token']}/callback"
        return self.wait_for("POST", re.escape(path), timeout=timeout, where=lambda c: c.status < 300)[-1]

    def followups(self, payload: dict) -> list[Call]:
        """Follow-up messages the bot sent for an interaction (``POST /webhooks/{app}/{token}``)."""
        return self.of("POST", re.escape(f"/webhooks/{APP_ID}/{payload['token']}"))

    # -- the HTTP API -----------------------------------------------------------------------------------------------
    async def _http(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status, answer, headers = self._answer(request, path, body)
        with self._changed:
            self.calls.append(Call(request.method, path, dict(request.query), body, status, answer))
            self._changed.notify_all()
        if status == 204:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json" (no charset): what Discord sends, and what discord.py requires to parse JSON.
        return web.Response(
            status=status,
            body=json.dumps(answer).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )

    def _scripted(self, method: str, path: str):
        with self._changed:
            for i, (m, pattern, status, body, headers) in enumerate(self._scripts):
                if m == method and pattern.fullmatch(path):
                    del self._scripts[i]
                    return status, body, headers
        return None

    def _answer(self, request: web.Request, path: str, body) -> tuple[int, dict | list | None, dict]:
        method = request.method
        scripted = self._scripted(method, path)
        if scripted:
            return scripted
        # Interaction callbacks and webhook follow-ups are authorised by the token in the URL.
        signed = request.headers.get("Authorization") == f"Bot {self.token}"
        if not signed and not path.startswith(("/interactions/", "/webhooks/")):
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        spec = specs.discord()
        why = spec.request_errors(method, path, body) if spec else []
        if why:
            self.violations.append((method, path, why))
            logging.getLogger(__name__).warning("Discord would refuse %s %s: %s", method, path, why)
            if why[0].startswith("no route"):
                return 404, {"message": "404: Not Found", "code": 0}, {}
            return 400, {"code": 50035, "message": "Invalid Form Body", "errors": {"_errors": why}}, {}
        route = (method, path)
        sent = (body or {}).get("data") if "/callback" in path else body
        if method in ("POST", "PATCH") and isinstance(sent, dict) and (why := message_error(sent)):
            return 400, {"code": 50035, "message": "Invalid Form Body", "errors": why}, {}
        if route == ("GET", "/users/@me"):
            me = {
                **user(BOT_ID, "Rapport", bot=True),
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
                "locale": "en-US",
            }
            return 200, me, {}
        if route == ("GET", "/oauth2/applications/@me"):
            return 200, self._application(), {}
        if route == ("GET", "/gateway/bot"):
            limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
            gateway = {"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": self.shards}
            return 200, {**gateway, "session_start_limit": limit}, {}
        if method == "PUT" and re.fullmatch(rf"/applications/{APP_ID}(/guilds/\d+)?/commands", path):
            guild_id = path.split("/")[4] if "/guilds/" in path else None
            return 200, [self._command(c, guild_id) for c in body], {}
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._callback(m[1], m[2], body, request.query.get("with_response"))
        if (m := re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)", path)) and method == "POST":
            return 200, self._store(self._bot_message(self._channel_of(m[1]), body, webhook=True)), {}
        if (m := re.fullmatch(rf"/webhooks/{APP_ID}/([^/]+)/messages/(@original|\d+)", path)) and method == "PATCH":
            return 200, self._edit(m[1], m[2], body), {}
        if route == ("POST", "/users/@me/channels"):
            recipient = str(body["recipient_id"])  # a snowflake, as a string or a number
            channel_id = next((c for c, u in self.dm_channels.items() if u == recipient), None) or snowflake()
            self.dm_channels[channel_id] = recipient
            dm = {"id": channel_id, "type": 1, "last_message_id": None, "flags": 0, "recipients": [user(recipient)]}
            return 200, dm, {}
        if (m := re.fullmatch(r"/channels/(\d+)/messages", path)) and method == "GET":
            return 200, self._history(m[1], request.query), {}
        if (m := re.fullmatch(r"/channels/(\d+)/messages", path)) and method == "POST":
            if self.dm_channels.get(m[1]) in self.closed_dms:
                return 403, {"message": "Cannot send messages to this user", "code": 50007}, {}
            return self._create(m[1], body)
        return 404, {"message": "404: Not Found", "code": 0}, {}

    def _application(self) -> dict:
        owner = user("1400000000000000999", "owner")
        return {
            "id": APP_ID,
            "name": "Rapport",
            "icon": None,
            "description": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": user(BOT_ID, "Rapport", bot=True),
            "owner": owner,
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.app_flags,
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
            "redirect_uris": [],
            "tags": [],
            "type": None,
            "flags_new": str(self.app_flags),
            "role_connections_verification_url": None,
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["bot", "applications.commands"],
        }

    def _command(self, command: dict, guild_id: str | None) -> dict:
        data = {
            **command,
            "id": snowflake(),
            "application_id": APP_ID,
            "version": snowflake(),
            "default_member_permissions": command.get("default_member_permissions"),
            "description": command.get("description", ""),
            "options": command.get("options", []),
        }
        if guild_id:
            data["guild_id"] = guild_id
        return data

    def _bot_message(self, channel_id: str, body: dict | None, webhook: bool = False) -> dict:
        """The message the bot's request creates; interaction responses are webhook messages of the app."""
        body = body or {}
        return message(
            channel_id,
            user(BOT_ID, "Rapport", bot=True),
            body.get("content") or "",
            embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],  # Discord stores them as "rich"
            components=body.get("components"),
            flags=body.get("flags") or 0,
            webhook_id=APP_ID if webhook else None,
        )

    def _create(self, channel_id: str, body: dict) -> tuple[int, dict, dict]:
        """Create Message; with ``enforce_nonce``, a nonce seen before returns that message and creates none."""
        key = (channel_id, str(body.get("nonce")))
        with self._changed:
            if body.get("enforce_nonce") and key in self._nonces:
                return 200, self._nonces[key], {}
            created = self._store(self._bot_message(channel_id, body))
            if body.get("nonce") is not None:
                created["nonce"] = str(body["nonce"])
                self._nonces[key] = created
            if self.lose_answers > 0:  # Discord took it; the answer is an error
                self.lose_answers -= 1
                return 500, {"message": "500: Internal Server Error", "code": 0}, {}
        return 200, created, {}

    def _history(self, channel_id: str, query) -> list[dict]:
        """Get Channel Messages: newest first; ``after`` gives the ``limit`` messages just after that id."""
        limit = min(int(query.get("limit", 50)), 100)
        found = sorted(
            {m["id"]: m for m in self.messages.values() if m.get("channel_id") == channel_id}.values(),
            key=lambda m: int(m["id"]),
        )
        if "after" in query:
            found = [m for m in found if int(m["id"]) > int(query["after"])][:limit]
        if "before" in query:
            found = [m for m in found if int(m["id"]) < int(query["before"])][-limit:]
        return list(reversed(found[-limit:]))

    def _channel_of(self, token: str) -> str:
        return self._interactions.get(token, {}).get("channel_id", "0")

    def _store(self, data: dict) -> dict:
        self.messages[data["id"]] = data
        return data

    def _callback(self, interaction_id: str, token: str, body: dict, with_response) -> tuple[int, dict | None, dict]:
        kind = body["type"]
        data = body.get("data") or {}
        callback = {
            "id": interaction_id,
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
        }
        resource: dict = {"type": kind}
        if kind == 4:
            created = self._store(self._bot_message(self._channel_of(token), data, webhook=True))
            self.messages[f"original-{token}"] = created
            callback["response_message_id"] = created["id"]
            resource["message"] = created
        elif kind == 7:
            updated = self._edit(token, "@original", data)
            callback["response_message_id"] = updated["id"]
            resource["message"] = updated
        if not with_response:
            return 204, None, {}
        return 200, {"interaction": callback, "resource": resource}, {}

    def _edit(self, token: str, message_id: str, body: dict) -> dict:
        key = f"original-{token}" if message_id == "@original" else message_id
        current = self.messages.get(key) or self._bot_message(self._channel_of(token), {}, webhook=True)
        for name in ("content", "embeds", "components"):
            if name in body:
                current[name] = body[name] or ([] if name != "content" else "")
        self.messages[key] = self.messages[current["id"]] = current
        return current
