"""Discord's documented message and embed limits, as the stand-in enforces them (answers 400, code 50035)."""

from __future__ import annotations

#: Discord's documented message limits (Create Message, Embed Limits).
CONTENT_MAX, EMBEDS_MAX, EMBED_TOTAL_MAX, FIELDS_MAX = 2000, 10, 6000, 25
EMBED_LIMITS = {"title": 256, "description": 4096, "footer.text": 2048, "author.name": 256}
FIELD_LIMITS = {"name": 256, "value": 1024}


def _too_long(where: str, limit: int) -> dict:
    error = {"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {limit} or fewer in length."}
    return {where: {"_errors": [error]}}


def message_error(body: dict) -> dict | None:
    """Discord's ``errors`` object (code 50035) for a message body breaking a documented limit, or None."""
    if len(body.get("content") or "") > CONTENT_MAX:
        return _too_long("content", CONTENT_MAX)
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        return _too_long("embeds", EMBEDS_MAX)
    total = 0
    for number, embed in enumerate(embeds):
        for key, limit in EMBED_LIMITS.items():
            outer, _, inner = key.partition(".")
            value = (embed.get(outer) or {}).get(inner) if inner else embed.get(outer)
            total += len(value or "")
            if len(value or "") > limit:
                return _too_long(f"embeds.{number}.{key}", limit)
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_MAX:
            return _too_long(f"embeds.{number}.fields", FIELDS_MAX)
        for index, item in enumerate(fields):
            for key, limit in FIELD_LIMITS.items():
                total += len(item.get(key) or "")
                if len(item.get(key) or "") > limit:
                    return _too_long(f"embeds.{number}.fields.{index}.{key}", limit)
    if total > EMBED_TOTAL_MAX:
        return {
            "embeds": {
                "_errors": [{"code": "MAX_EMBED_SIZE_EXCEEDED", "message": "Embed size exceeds maximum size of 6000"}]
            }
        }
    return None
