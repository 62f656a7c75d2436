"""deploy/slack-manifest.yaml names exactly what the app uses: its command, shortcut, events and scopes.

The command, shortcut and events are compared with what the listeners really register on a bolt ``App``. The
scopes are compared with what the Web API methods need: every end-to-end Slack test runs against a stand-in that
grants exactly the manifest's scopes and refuses a call needing another (``missing_scope``, as Slack does), so a
scope missing here fails those tests; this file checks that no scope is there without a use.
"""

from __future__ import annotations

from slack_bolt import App

from bot.adapters.slack import listeners
from tests.bot.slack.conftest import MANIFEST, MANIFEST_SCOPES
from tests.fakes.slack_api import SCOPE_OF_METHOD

#: The scope each message event subscription needs.
SCOPE_OF_EVENT = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
}


class Recording(App):
    """A real bolt App that also notes what each listener was registered for."""

    def __init__(self):
        super().__init__(token="xoxb-test", signing_secret="0" * 32, token_verification_enabled=False)
        self.seen: dict[str, list] = {"command": [], "shortcut": [], "event": [], "action": [], "view": []}

    def command(self, command, *args, **kwargs):
        self.seen["command"].append(command)
        return super().command(command, *args, **kwargs)

    def shortcut(self, constraints, *args, **kwargs):
        self.seen["shortcut"].append(constraints)
        return super().shortcut(constraints, *args, **kwargs)

    def event(self, event, *args, **kwargs):
        self.seen["event"].append(event)
        return super().event(event, *args, **kwargs)


def registered() -> Recording:
    app = Recording()
    listeners.register(app, coach=None, clock=None)
    return app


def test_request_urls_all_point_at_slack_events():
    settings = MANIFEST["settings"]
    urls = {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(c["url"] for c in MANIFEST["features"]["slash_commands"]),
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")


def test_the_command_shortcut_and_events_are_the_ones_the_app_listens_for():
    app = registered()
    [command] = MANIFEST["features"]["slash_commands"]
    assert command["should_escape"] is True  # mentions arrive as <@U123|name>, which "sent @someone" parses
    assert app.seen["command"] == [command["command"]]
    [shortcut] = MANIFEST["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert app.seen["shortcut"] == [shortcut["callback_id"]]
    subscribed = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert sorted({e.split(".")[0] for e in subscribed}) == sorted(app.seen["event"])


def test_every_scope_has_a_use():
    """Each scope is needed by the slash command, a subscribed event, or a Web API method the app calls."""
    used = {"commands"} | {s for s in SCOPE_OF_METHOD.values() if s}
    used |= {SCOPE_OF_EVENT[e] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"] if "." in e}
    assert set(MANIFEST_SCOPES) == used


def test_an_install_asks_for_exactly_the_manifests_scopes_and_comes_back_to_the_oauth_redirect():
    from bot.adapters.slack.installs import BOT_SCOPES

    assert set(BOT_SCOPES) == set(MANIFEST_SCOPES) and len(BOT_SCOPES) == len(MANIFEST_SCOPES)
    [redirect] = MANIFEST["oauth_config"]["redirect_urls"]
    assert redirect.endswith("/slack/oauth_redirect")
