"""Discord's objects and gateway events as Discord documents them, for the stand-in and the tests: ids (snowflakes),
users, guilds, messages, and the INTERACTION_CREATE / MESSAGE_CREATE payloads a test dispatches."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1420070400000
APP_ID = "1100000000000000001"
BOT_ID = "1100000000000000001"  # a bot user's id is its application's id
BOT_TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GtEsT0.rapport-test-token-not-a-secret-0123"
GUILD_ID = "1200000000000000001"
CHANNEL_ID = "1300000000000000001"
OTHER_CHANNEL_ID = "1300000000000000002"
MESSAGE_CONTENT_LIMITED = 1 << 19
EVERYONE_PERMISSIONS = "104324673"  # view channel, send messages, read history... (no manage channels)
MANAGE_CHANNELS = 1 << 4

_counter = itertools.count(1)


def snowflake(at: datetime | None = None) -> str:
    """A Discord id; its top bits are the creation time (so a test can make a message that is days old)."""
    ms = int((at or datetime.now(UTC)).timestamp() * 1000)
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (next(_counter) % 4096))


def user(user_id: str, name: str | None = None, bot: bool = False) -> dict:
    data = {
        "id": user_id,
        "username": name or f"user{user_id[-4:]}",
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def member(
    user_id: str, permissions: str = EVERYONE_PERMISSIONS, with_user: bool = True, name=None, bot: bool = False
) -> dict:
    data = {
        "roles": [],
        "joined_at": "2025-01-01T00:00:00.000000+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": permissions,
        "nick": None,
        "avatar": None,
    }
    if with_user:
        data["user"] = user(user_id, name, bot=bot)
    return data


def text_channel(channel_id: str, guild_id: str = GUILD_ID, name: str = "general") -> dict:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def guild(guild_id: str = GUILD_ID, channels: tuple[str, ...] = (CHANNEL_ID, OTHER_CHANNEL_ID)) -> dict:
    """A GUILD_CREATE payload."""
    return {
        "id": guild_id,
        "name": "Rapport Test Server",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": "1400000000000000999",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [
            {
                "id": guild_id,
                "name": "@everyone",
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": 0,
                "permissions": EVERYONE_PERMISSIONS,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": "2025-01-01T00:00:00.000000+00:00",
        "large": False,
        "unavailable": False,
        "member_count": 3,
        "voice_states": [],
        "members": [member(BOT_ID, permissions="0", name="Rapport", bot=True)],
        "channels": [text_channel(c, guild_id, name=f"channel-{i}") for i, c in enumerate(channels)],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message(
    channel_id: str,
    author: dict,
    content: str = "",
    *,
    message_id: str | None = None,
    guild_id: str | None = None,
    embeds: list | None = None,
    components: list | None = None,
    flags: int = 0,
    mentions: list[dict] | None = None,
    reference: dict | None = None,
    referenced: dict | None = None,
    webhook_id: str | None = None,
    interaction_metadata: dict | None = None,
) -> dict:
    """A message object (``MESSAGE_CREATE`` adds ``guild_id`` and ``member``)."""
    message_id = message_id or snowflake()
    data = {
        "id": message_id,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": _iso(message_id),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 19 if reference else 0,
        "flags": flags,
    }
    if guild_id:
        data["guild_id"] = guild_id
        if not author.get("bot") and webhook_id is None:
            data["member"] = member(author["id"], with_user=False)
    if reference:
        data["message_reference"] = reference
        data["referenced_message"] = referenced
    if webhook_id:
        data["webhook_id"] = webhook_id
    if interaction_metadata:
        data["interaction_metadata"] = interaction_metadata
    return data


def _iso(message_id: str) -> str:
    ms = (int(message_id) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


# -- gateway events as Discord documents them ----------------------------------------------------------------------


def _interaction_base(kind: int, user_id: str, guild_id: str | None, channel_id: str, permissions: int) -> dict:
    data = {
        "id": snowflake(),
        "application_id": APP_ID,
        "type": kind,
        "token": f"itoken-{snowflake()}",
        "version": 1,
        "locale": "en-US",
        "app_permissions": "3072",
        "attachment_size_limit": 10485760,
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild_id} if guild_id else {"1": user_id},
    }
    if guild_id:
        perms = str(int(EVERYONE_PERMISSIONS) | permissions)
        data.update(
            guild_id=guild_id,
            guild={"id": guild_id, "locale": "en-US", "features": []},
            guild_locale="en-US",
            channel_id=channel_id,
            channel=text_channel(channel_id, guild_id),
            member=member(user_id, permissions=perms),
            context=0,
        )
    else:
        data.update(
            channel_id=channel_id,
            channel={"id": channel_id, "type": 1, "last_message_id": None, "recipients": [user(user_id)]},
            user=user(user_id),
            context=1,
        )
    return data


def slash(
    subcommand: str,
    user_id: str,
    options: dict | None = None,
    *,
    guild_id: str | None = GUILD_ID,
    channel_id: str = CHANNEL_ID,
    permissions: int = 0,
    resolved_users: list[dict] | None = None,
) -> dict:
    """``/rapport <subcommand> option:value...``; user options take the user's id and appear in ``resolved``."""
    types = {str: 3, bool: 5, int: 4}
    opts = []
    for name, value in (options or {}).items():
        kind = 6 if name == "user" else types[type(value)]
        opts.append({"name": name, "type": kind, "value": value})
    data = {
        "id": "1500000000000000001",
        "name": "rapport",
        "type": 1,
        "options": [{"name": subcommand, "type": 1, "options": opts}],
    }
    if guild_id:
        data["guild_id"] = guild_id
    if resolved_users:
        data["resolved"] = {
            "users": {u["id"]: u for u in resolved_users},
            "members": {u["id"]: {**member(u["id"], with_user=False)} for u in resolved_users} if guild_id else {},
        }
    payload = _interaction_base(2, user_id, guild_id, channel_id, permissions)
    payload["data"] = data
    return payload


def context_menu(target: dict, user_id: str, *, guild_id: str | None = GUILD_ID, channel_id: str = CHANNEL_ID) -> dict:
    payload = _interaction_base(2, user_id, guild_id, channel_id, 0)
    payload["data"] = {
        "id": "1500000000000000002",
        "name": "Check with Rapport",
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }
    if guild_id:
        payload["data"]["guild_id"] = guild_id
    return payload


def press(
    msg: dict,
    custom_id: str,
    user_id: str,
    *,
    guild_id: str | None = GUILD_ID,
    channel_id: str | None = None,
    values: list[str] | None = None,
    resolved_users: list[dict] | None = None,
) -> dict:
    """A button press or select choice on ``msg`` (a message the bot sent, as the stand-in recorded it)."""
    component_type = next(
        c["type"] for row in msg["components"] for c in row["components"] if c.get("custom_id") == custom_id
    )
    payload = _interaction_base(3, user_id, guild_id, channel_id or msg["channel_id"], 0)
    payload["message"] = {**msg, "channel_id": payload["channel_id"]}
    payload["data"] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        payload["data"]["values"] = values
    if resolved_users:
        payload["data"]["resolved"] = {"users": {u["id"]: u for u in resolved_users}}
    return payload


def submit(
    custom_id: str, fields: dict[str, str], user_id: str, msg: dict | None = None, *, guild_id: str | None = GUILD_ID
) -> dict:
    """A modal submission: each text input's custom_id and value."""
    payload = _interaction_base(5, user_id, guild_id, (msg or {}).get("channel_id", CHANNEL_ID), 0)
    payload["data"] = {
        "custom_id": custom_id,
        "components": [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in fields.items()],
    }
    if msg is not None:
        payload["message"] = {**msg, "channel_id": payload["channel_id"]}
    return payload


def channel_message(
    author_id: str,
    content: str,
    *,
    channel_id: str = CHANNEL_ID,
    guild_id: str = GUILD_ID,
    at: datetime | None = None,
    bot: bool = False,
    mentions: list[str] | None = None,
    reply_to: dict | None = None,
) -> dict:
    """A MESSAGE_CREATE in a guild channel; ``reply_to`` makes it a reply (message reference) to that message."""
    reference = None
    if reply_to is not None:
        reference = {"type": 0, "message_id": reply_to["id"], "channel_id": channel_id, "guild_id": guild_id}
    data = message(
        channel_id,
        user(author_id, bot=bot),
        content,
        message_id=snowflake(at),
        guild_id=guild_id,
        mentions=[{**user(m), "member": member(m, with_user=False)} for m in mentions or []],
        reference=reference,
        referenced=reply_to,
    )
    return data
