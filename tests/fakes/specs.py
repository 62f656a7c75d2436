"""The platforms' published API descriptions (``../shared/specs/`` beside the repo, see its README), read so the
stand-ins refuse what the real APIs would and answer in the shapes they publish.

- Slack: ``slack/web-api-openapi-v2.json`` (OpenAPI 2): each Web API method, its parameters (``required``,
  ``type``) and its success response schema.
- Discord: ``discord/openapi.json`` (OpenAPI 3.1): each route, its JSON request body schema, its 200 schema.

Where the folder is absent (or jsonschema is not installed), ``SPECS`` is None and the stand-ins check nothing
more than before; the spec tests skip with ``MISSING`` as the reason. ``RAPPORT_SPECS_DIR`` points elsewhere.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

try:
    from jsonschema import Draft4Validator, Draft202012Validator
except ImportError:  # the stand-ins also run where only the app is installed (deploy/smoke's containers)
    Draft4Validator = Draft202012Validator = None

ROOT = Path(__file__).resolve().parents[2]
_FOLDER = Path(os.environ.get("RAPPORT_SPECS_DIR") or ROOT.parent / "shared" / "specs")
_FOUND = (_FOLDER / "slack" / "web-api-openapi-v2.json").is_file() and Draft4Validator is not None
SPECS: Path | None = _FOLDER if _FOUND else None
MISSING = (
    f"the platforms' API descriptions are not at {_FOLDER} (CI has them; see shared/specs/README.md)"
    if Draft4Validator is not None
    else "jsonschema is not installed (pip install -e '.[dev]')"
)

#: The JSON types each OpenAPI 2 parameter type accepts, and how a form value (always a string) must look.
_FORM = {
    "boolean": re.compile(r"true|false|1|0", re.I),
    "integer": re.compile(r"-?\d+"),
    "number": re.compile(r"-?\d+(\.\d+)?"),
}
_JSON = {"boolean": (bool,), "integer": (int,), "number": (int, float)}


def _messages(validator, body) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


class SlackSpec:
    """Slack's Web API description: ``request_error`` and ``response_errors`` for one method."""

    def __init__(self, data: dict):
        self.data = data
        self.methods = {path.lstrip("/"): next(iter(ops.values())) for path, ops in data["paths"].items()}

    def request_error(self, method: str, params: dict) -> str | None:
        """Why Slack would refuse ``params`` for ``method`` (unknown method, a required argument missing, a value
        of the wrong type), or None. ``token`` is checked by the stand-in itself (header or argument)."""
        operation = self.methods.get(method)
        if operation is None:
            return "unknown_method"
        for parameter in operation.get("parameters", []):
            name, kind = parameter["name"], parameter.get("type", "string")
            if name == "token":
                continue
            if name not in params:
                if parameter.get("required"):
                    return f"missing required argument {name}"
                continue
            value = params[name]
            if isinstance(value, str) and kind in _FORM and not _FORM[kind].fullmatch(value):
                return f"argument {name} must be a {kind}, got {value!r}"
            # A JSON body may carry a string argument as JSON (``blocks`` as an array): Slack takes that.
            if not isinstance(value, str) and kind in _JSON and not isinstance(value, _JSON[kind]):
                return f"argument {name} must be a {kind}, got {type(value).__name__}"
        return None

    def response_errors(self, method: str, body: dict) -> list[str]:
        """Where ``body`` (an ``ok: true`` answer) breaks ``method``'s published success schema."""
        schema = self.methods[method]["responses"]["200"]["schema"]
        validator = Draft4Validator({**schema, "definitions": self.data["definitions"]})
        return _messages(validator, body)


def _snowflakes_as_strings(value):
    """``value`` with numbers as large as snowflakes written as strings.

    Discord takes a snowflake as a JSON number too (discord.py sends ``recipient_id`` as one), while its
    description allows only strings: a known gap between the description and the API, bridged here.
    """
    if isinstance(value, dict):
        return {k: _snowflakes_as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snowflakes_as_strings(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1 << 32:
        return str(value)
    return value


class DiscordSpec:
    """Discord's HTTP API description: ``route``, ``request_errors`` and ``response_errors``."""

    def __init__(self, data: dict):
        self.data = data
        routes = []
        for template, ops in data["paths"].items():
            pattern = re.compile(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)))
            routes.append((template.count("{"), template, pattern, ops))
        self.routes = sorted(routes, key=lambda r: r[0])  # literal segments ("@original", "@me") win

    def route(self, method: str, path: str) -> tuple[str, dict] | None:
        """The published route ``(template, operation)`` a request is for, or None if Discord has no such route."""
        for _, template, pattern, ops in self.routes:
            if pattern.fullmatch(path) and method.lower() in ops:
                return template, ops[method.lower()]
        return None

    def _validator(self, schema: dict) -> Draft202012Validator:
        return Draft202012Validator({**schema, "components": self.data["components"]})

    def request_errors(self, method: str, path: str, body) -> list[str]:
        """Why Discord would refuse this request: no such route, or a JSON body breaking the route's schema."""
        found = self.route(method, path)
        if found is None:
            return [f"no route {method} {path}"]
        schema = found[1].get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if schema is None or body is None:
            return []
        return _messages(self._validator(schema), _snowflakes_as_strings(body))

    def response_errors(self, method: str, path: str, status: int, body) -> list[str]:
        """Where an answer breaks the route's published response schema for ``status``."""
        _, operation = self.route(method, path)
        content = operation["responses"].get(str(status), {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            return [] if status == 204 else [f"no published {status} answer"]
        return _messages(self._validator(schema), body)


@cache
def slack() -> SlackSpec | None:
    """Slack's description, or None when the specs folder is absent."""
    return SlackSpec(json.loads((SPECS / "slack" / "web-api-openapi-v2.json").read_text())) if SPECS else None


@cache
def discord() -> DiscordSpec | None:
    """Discord's description, or None when the specs folder is absent."""
    return DiscordSpec(json.loads((SPECS / "discord" / "openapi.json").read_text())) if SPECS else None
