"""The stand-ins' own behaviour that the product tests rely on (not the product's behaviour)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
