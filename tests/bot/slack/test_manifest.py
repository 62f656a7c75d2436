"""deploy/slack-manifest.yaml names exactly what the app uses: its command, shortcut, events and scopes."""

import re
from pathlib import Path

import yaml
from slack_bolt import App

from bot.adapters.slack_app import Listeners

ROOT = Path(__file__).parents[3]
MANIFEST = yaml.safe_load((ROOT / "deploy" / "slack-manifest.yaml").read_text())

#: The bot scope each Web API method we call needs (methods that need none map to nothing).
SCOPE_OF_METHOD = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "users_info": {"users:read"},
    "conversations_join": {"channels:join"},
    "conversations_open": {"im:write"},
    "conversations_history": {"im:history"},
    "views_open": set(),
    "views_publish": set(),
    "auth_test": set(),
}
#: The scope each message event subscription needs.
SCOPE_OF_EVENT = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
}


def registered() -> App:
    app = App(token="xoxb-test", signing_secret="0" * 32, token_verification_enabled=False)
    Listeners(coach=None, clock=None).register(app)
    return app


def test_request_urls_all_point_at_slack_events():
    settings = MANIFEST["settings"]
    urls = {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in MANIFEST["features"]["slash_commands"]),
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")


def test_the_command_and_shortcut_are_the_ones_the_app_listens_for():
    source = (ROOT / "bot" / "adapters" / "slack_app.py").read_text()
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["should_escape"] is True  # mentions arrive as <@U123|name>, which "sent @someone" parses
    assert f'app.command("{command["command"]}")' in source
    [shortcut] = MANIFEST["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert f'app.shortcut("{shortcut["callback_id"]}")' in source
    events = set(re.findall(r'app\.event\("([a-z_]+)"\)', source))
    subscribed = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {e.split(".")[0] for e in subscribed} == events
    assert registered()  # the listeners register on a real bolt App


def test_scopes_are_exactly_what_the_calls_and_events_need():
    source = "".join(p.read_text() for p in (ROOT / "bot" / "adapters").glob("slack_*.py"))
    methods = set(re.findall(r"client\.([a-z]+_[A-Za-z]+)\(", source)) | {"auth_test"}
    assert methods <= set(SCOPE_OF_METHOD), f"add the scope of {methods - set(SCOPE_OF_METHOD)} to this test"
    needed = {"commands"} | set().union(*(SCOPE_OF_METHOD[m] for m in methods))
    needed |= {SCOPE_OF_EVENT[e] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"] if "." in e}
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed
