"""A local stand-in for the Slack Web API (and for ``response_url``s), on 127.0.0.1.

It answers the methods Rapport calls the way Slack documents them (``{"ok": true, ...}`` with HTTP 200,
``{"ok": false, "error": ...}`` for errors, HTTP 429 with ``Retry-After`` when rate limited), checks the
bearer token, and records every call so tests can assert on what the app sent. ``script()`` queues answers
(errors, 429s) for a method ahead of the normal one; ``script_after_accept()`` queues answers given after a
message was posted (Slack took it, the answer says otherwise); ``hold`` delays answers after posting; a closed
``gates[method]`` (a ``threading.Event``) keeps that method's calls waiting until it is set.
Messages posted to a user (``channel=U...``) land in the bot's DM with them (``D...``), which
``conversations.open`` and ``conversations.history`` return as Slack does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from aiohttp import WSMsgType, web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.fakes import specs
from tests.fakes.slack_oauth import SlackInstalls

#: Block Kit counts Slack enforces (not in its OpenAPI description): blocks in a message, in a modal or Home tab.
MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100

TEAM_ID = "T0TEST"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0RAPPORT1"  # Slack bot ids are B + 8 or more
#: The bot scope each Web API method this stand-in serves needs, as Slack's method reference lists it (None: no
#: scope). With ``scopes=`` given, a call whose scope was not granted is refused with ``missing_scope``, as Slack does.
SCOPE_OF_METHOD: dict[str, str | None] = {
    "auth.test": None,
    "oauth.v2.access": None,
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "users.info": "users:read",
    "conversations.join": "channels:join",
    "conversations.open": "im:write",
    "conversations.history": "im:history",
    "views.open": None,
    "views.publish": None,
    "views.update": None,
}


def block_error(blocks, limit: int) -> str | None:
    """Why Slack would refuse ``blocks`` (``invalid_blocks`` with a reason), or None if it takes them.

    The per-element rules are slack_sdk's models' (the same Slack documents); the count is Block Kit's.
    """
    if blocks is None:
        return None
    if not isinstance(blocks, list):
        return "blocks must be an array"
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    for number, block in enumerate(blocks):
        try:
            Block.parse(block).validate_json()
        except (SlackObjectFormationError, AttributeError, KeyError, TypeError) as exc:
            return f"{exc} [json-pointer:/blocks/{number}]"
    return None


def refused(why: str) -> tuple[int, dict, dict]:
    """Slack's answer to a malformed Block Kit payload."""
    return 200, {}, {"ok": False, "error": "invalid_blocks", "errors": [why], "response_metadata": {"messages": [why]}}


def dm_of(channel: str) -> str:
    """The bot's DM channel with a user (``U123`` -> ``D123``); other channels are themselves."""
    return "D" + channel[1:] if channel.startswith("U") else channel


@dataclass
class Call:
    method: str  # a Web API method ("chat.postMessage") or "response_url"
    params: dict
    status: int
    path: str = ""
    at: float = field(default_factory=time.time)
    token: str = ""  # the bearer token (or ``token`` argument) the call was made with


class SlackStandIn:
    def __init__(
        self,
        token: str,
        timezones: dict[str, str] | None = None,
        app_token: str | None = None,
        scopes: set[str] | None = None,
    ):
        self.token = token
        self.scopes = scopes  # the bot scopes the token was granted; None grants every one
        self.app_token = app_token
        self.socket: SocketModeStandIn | None = SocketModeStandIn() if app_token else None
        self.timezones = timezones or {}
        #: Workspaces that install the app through ``oauth.v2.access``, each with its own tokens.
        self.installs = SlackInstalls(scopes=scopes)
        self.calls: list[Call] = []
        #: ``(method, why)`` for every call Slack's published description says Slack would refuse.
        self.violations: list[tuple[str, str]] = []
        self._scripts: dict[str, list[tuple[int, dict, dict]]] = {}
        self._after_accept: dict[str, list[tuple[int, dict, dict]]] = {}
        self.hold: dict[str, float] = {}  # seconds to wait, after posting, before answering
        self._hold_next: dict[str, list[float]] = {}
        self.held: list[dict] = []  # messages taken whose answer was held by hold_next()
        #: method -> an Event: while it is not set, calls of that method wait for it before being answered.
        self.gates: dict[str, threading.Event] = {}
        self.at_gate: list[dict] = []  # the parameters of every call that waited at a closed gate
        self.history: dict[str, list[dict]] = {}  # channel -> messages posted, oldest first
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                stand_in._handle(self)

            def do_POST(self):
                stand_in._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def __enter__(self):
        self.thread.start()
        if self.socket:
            self.socket.start()
        return self

    def __exit__(self, *exc):
        if self.socket:
            self.socket.stop()
        self.server.shutdown()
        self.server.server_close()

    # -- what tests use ----------------------------------------------------------------------------------
    def script(self, method: str, *answers: tuple[int, dict, dict]) -> None:
        """Queue ``(status, headers, body)`` answers for ``method``, used before the normal answer."""
        with self._lock:
            self._scripts.setdefault(method, []).extend(answers)

    def script_after_accept(self, method: str, *answers: tuple[int, dict, dict]) -> None:
        """Queue answers for ``method`` given after the message was posted (e.g. a 500 for a message Slack took)."""
        with self._lock:
            self._after_accept.setdefault(method, []).extend(answers)

    def hold_next(self, method: str, seconds: float) -> None:
        """Take the next ``method`` call's message, then keep its answer back for ``seconds`` (see ``held``)."""
        with self._lock:
            self._hold_next.setdefault(method, []).append(seconds)

    def posted(self, channel: str) -> list[dict]:
        """Messages in ``channel`` (a user id means the bot's DM with them), oldest first."""
        with self._lock:
            return list(self.history.get(dm_of(channel), []))

    def of(self, method: str, **match) -> list[Call]:
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c.method == method and all(c.params.get(k) == v for k, v in match.items())]

    def wait_for(self, method: str, count: int = 1, timeout: float = 15.0, path: str = "", **match) -> list[Call]:
        """Successful calls of ``method`` matching ``match`` (and whose URL path ends with ``path``), once there
        are ``count`` of them."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [c for c in self.of(method, **match) if c.status == 200 and c.path.endswith(path)]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} successful {method} call(s) matching {match}; got {self.of(method)}")

    # -- the server side ------------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        params = dict(parse_qsl(parts.query))
        kind = request.headers.get("Content-Type", "")
        if raw and "json" in kind:
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode()))
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        authorization = request.headers.get("Authorization", "")
        token = params.get("token") or (
            authorization.removeprefix("Bearer ").strip() if "Bearer" in authorization else ""
        )
        if parts.path.startswith("/response/"):
            method, status, headers, body = "response_url", 200, {}, {"ok": True}
            why = block_error(params.get("blocks"), MESSAGE_BLOCKS)
            if why:
                status, headers, body = refused(why)
        elif parts.path.startswith("/api/"):
            method = parts.path.removeprefix("/api/")
            gate = self.gates.get(method)
            if gate is not None and not gate.is_set():
                with self._lock:
                    self.at_gate.append(params)
                gate.wait(60)
            status, headers, body = self._answer(method, params, request.headers.get("Authorization", ""))
        else:
            method, status, headers, body = "unknown", 404, {}, {"ok": False, "error": "not_found"}
        with self._lock:
            self.calls.append(Call(method, params, status, parts.path, token=token))
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _answer(self, method: str, params: dict, authorization: str) -> tuple[int, dict, dict]:
        with self._lock:
            queued = self._scripts.get(method)
            if queued:
                return queued.pop(0)
        if method == "oauth.v2.access":
            return self.installs.access(params, authorization, self.violations)
        token = params.get("token") or authorization.removeprefix("Bearer ").strip()
        if not token:
            return 200, {}, {"ok": False, "error": "not_authed"}
        if method == "apps.connections.open":
            if self.socket is None or token != self.app_token:
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            return 200, {}, {"ok": True, "url": self.socket.url}
        team = TEAM_ID if token == self.token else self.installs.team_of(token)
        if team is None:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        needed = SCOPE_OF_METHOD.get(method)
        if self.scopes is not None and needed is not None and needed not in self.scopes:
            return 200, {}, {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(self.scopes)}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            why = block_error(params.get("blocks"), MESSAGE_BLOCKS)
            if why:
                return refused(why)
        if method in ("views.publish", "views.open", "views.update") and isinstance(params.get("view"), dict):
            why = block_error(params["view"].get("blocks"), VIEW_BLOCKS)
            if why:
                return refused(why)
        spec = specs.slack()
        why = spec.request_error(method, params) if spec else None
        if why:
            with self._lock:
                self.violations.append((method, why))
            logging.getLogger(__name__).warning("Slack would refuse %s: %s", method, why)
            error = "unknown_method" if why == "unknown_method" else "invalid_arguments"
            return 200, {}, {"ok": False, "error": error, "response_metadata": {"messages": [why]}}
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        if method == "auth.test":
            return (
                200,
                {},
                {
                    "ok": True,
                    "url": "https://rapport-test.slack.com/",
                    "team": "Rapport Test",
                    "user": "rapport",
                    "team_id": team,
                    "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "is_enterprise_install": False,
                },
            )
        if method == "chat.postMessage":
            if "channel" not in params:
                return 200, {}, {"ok": False, "error": "channel_not_found"}
            channel = dm_of(params["channel"])
            message = {"type": "message", "text": params.get("text", ""), "user": BOT_USER_ID, "bot_id": BOT_ID}
            message = {**message, "ts": ts, **({"blocks": params["blocks"]} if params.get("blocks") else {})}
            with self._lock:
                self.history.setdefault(channel, []).append(message)
                after = self._after_accept.get(method)
                scripted = after.pop(0) if after else None
                once = self._hold_next.get(method)
                if once:
                    hold = once.pop(0)
                    self.held.append(message)
                else:
                    hold = self.hold.get(method, 0)
            if hold:
                time.sleep(hold)
            if scripted:
                return scripted
            return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "conversations.open":
            users = params.get("users", "")
            if not users.startswith("U") or "," in users:
                return 200, {}, {"ok": False, "error": "user_not_found"}
            return 200, {}, {"ok": True, "channel": {"id": dm_of(users)}}
        if method == "conversations.history":
            oldest = float(params.get("oldest") or 0)
            limit = int(params.get("limit") or 100)
            with self._lock:
                found = [m for m in self.history.get(params.get("channel", ""), []) if float(m["ts"]) > oldest]
            start = int(params.get("cursor") or 0)
            page = list(reversed(found))[start : start + limit]  # newest first, as Slack returns them
            more = start + limit < len(found)
            meta = {"next_cursor": str(start + limit) if more else ""}
            return 200, {}, {"ok": True, "messages": page, "has_more": more, "response_metadata": meta}
        if method == "chat.postEphemeral":
            if "channel" not in params or "user" not in params:
                return 200, {}, {"ok": False, "error": "invalid_arguments"}
            return 200, {}, {"ok": True, "message_ts": ts}
        if method in ("views.publish", "views.open", "views.update"):
            if not isinstance(params.get("view"), dict):
                return 200, {}, {"ok": False, "error": "invalid_arguments"}
            return 200, {}, {"ok": True, "view": {"id": f"V{next(self._ts)}", **params["view"]}}
        if method == "users.info":
            user = params.get("user", "")
            tz = self.timezones.get(user, "America/New_York")
            return 200, {}, {"ok": True, "user": {"id": user, "team_id": team, "name": user.lower(), "tz": tz}}
        if method == "conversations.join":
            channel = params.get("channel", "")
            if channel.startswith("G"):
                return 200, {}, {"ok": False, "error": "method_not_supported_for_channel_type"}
            return 200, {}, {"ok": True, "channel": {"id": channel}}
        return 200, {}, {"ok": False, "error": "unknown_method"}


class SocketModeStandIn:
    """Slack's Socket Mode websocket: says ``hello``, pushes envelopes, and collects the app's acks."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.acks: list[dict] = []
        self.connected = threading.Event()
        self._ws: web.WebSocketResponse | None = None
        self._started = threading.Event()
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=stand-in"

    def start(self) -> None:
        self.thread.start()
        self._started.wait(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/link/", self._link)
        runner = web.AppRunner(app)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._started.set()
        self.loop.run_forever()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "applink-stand-in", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0RAPPORT"},
            }
        )
        self.connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        return ws

    def send(self, envelope: dict) -> None:
        asyncio.run_coroutine_threadsafe(self._ws.send_json(envelope), self.loop).result(5)

    def wait_ack(self, envelope_id: str, timeout: float = 15.0) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for ack in list(self.acks):
                if ack.get("envelope_id") == envelope_id:
                    return ack
            time.sleep(0.05)
        raise AssertionError(f"no ack for envelope {envelope_id}; acks: {self.acks}")
