"""The stand-ins' own behaviour that the product tests rely on (not the product's behaviour)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes import discord_api as d
from tests.fakes.slack_api import SlackStandIn


def test_the_slack_stand_in_refuses_a_call_outside_the_granted_scopes():
    """The Slack end-to-end tests catch a scope missing from the manifest only because the stand-in refuses it."""
    granted = {"chat:write", "commands"}
    with SlackStandIn("xoxb-scoped", scopes=granted) as stand_in:
        client = WebClient(token="xoxb-scoped", base_url=stand_in.api_url)
        try:
            client.users_info(user="U1")
        except SlackApiError as exc:
            assert exc.response["error"] == "missing_scope" and exc.response["needed"] == "users:read"
        else:
            raise AssertionError("a call needing a scope that was not granted was answered")
        assert client.chat_postMessage(channel="U1", text="hi")["ok"] is True


def test_the_discord_gateway_takes_a_valid_shard_and_closes_an_invalid_one_with_4010():
    """The shard tests catch a process identifying the wrong shard, or getting another shard's guilds, only because
    the gateway checks ``shard`` and sends each session just its shard's guilds, as Discord does."""
    guilds = tuple(str((290_000_000_000 + shard) << 22) for shard in range(4))

    async def identify(url: str, shard: list) -> tuple[int | None, dict | None]:
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            await ws.receive_json(timeout=5)  # HELLO
            await ws.send_json({"op": 2, "d": {"token": d.BOT_TOKEN, "intents": 0, "shard": shard, "properties": {}}})
            message = await ws.receive(timeout=5)
            if message.type == aiohttp.WSMsgType.TEXT:
                return None, json.loads(message.data)["d"]
            return ws.close_code, None

    with d.DiscordStandIn(guilds=guilds) as stand_in:
        url = f"ws://127.0.0.1:{stand_in.port}/gateway"
        assert asyncio.run(identify(url, [4, 4])) == (4010, None)
        assert asyncio.run(identify(url, [0, 0])) == (4010, None)
        code, ready = asyncio.run(identify(url, [1, 4]))
        assert code is None and ready["shard"] == [1, 4]
        assert [g["id"] for g in ready["guilds"]] == [guilds[1]]
