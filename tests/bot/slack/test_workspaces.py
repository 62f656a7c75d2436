"""Many workspaces, end to end: the real ``rapport slack`` (gunicorn on 127.0.0.1) with SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET, installed into two workspaces through "Add to Slack" (``/slack/install``), Slack's redirect
(``/slack/oauth_redirect``) and the stand-in's ``oauth.v2.access``, as an admin's browser would go through them.

Each workspace's people get their DMs (answers and reminders) from that workspace's own bot token; one uses token
rotation, so its DMs go out with refreshed tokens. An uninstall deletes that workspace's installation and its
people's data and leaves the other untouched. A redirect with a bad, expired or foreign state is refused. Each
runs on SQLite and on PostgreSQL (``RAPPORT_TEST_POSTGRES_URL``, as the ledger's tests).
"""

from __future__ import annotations

import html
import json
import re
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import create_engine, text

from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.ledger.schema import SLACK_STORE_TABLES, Base
from bot.types import UserRef
from tests.bot.slack.conftest import MANIFEST_SCOPES, SlackApp, stand_in_for
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.wait import wait_for

ACME, BETA = "T1ACME", "T2BETA"
ANA, BEN = "U1ANA", "U2BEN"  # Acme's admin and Beta's


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory) -> str:
    """The app's database: a new SQLite file, or the test PostgreSQL emptied (skipped without one, as the ledger's)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('workspaces-db') / 'ledger.db'}"
    from tests.bot.ledger.conftest import _postgres_url

    url = _postgres_url()
    engine = create_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        for table in (*SLACK_STORE_TABLES, "alembic_version"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def stand_in(database):
    with stand_in_for() as fake:
        fake.installs.add(ACME, "Acme", ANA, rotating=True)
        fake.installs.add(BETA, "Beta", BEN)
        yield fake
    assert fake.violations == [], fake.violations


@pytest.fixture(scope="module")
def app(stand_in, database, tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspaces")
    running = SlackApp(
        stand_in,
        database,
        folder,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        # Slack's rotating tokens live 12 hours: refreshing within 12 hours of expiry refreshes on every use.
        RAPPORT_SLACK_TOKEN_ROTATION_MINUTES="720",
    ).start()
    yield running
    running.stop()


def ledger(app: SlackApp) -> Coach:
    return Coach(sessions=open_ledger(app.database_url))


def get(url: str, cookie: str | None = None) -> tuple[int, object, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def add_to_slack(app: SlackApp) -> tuple[str, str]:
    """Open the "Add to Slack" page: (the state in its Slack authorize link, the browser's state cookie)."""
    status, headers, page = get(app.url + "/slack/install")
    assert status == 200 and "Add to Slack" in page
    link = html.unescape(re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page).group(1))
    query = parse_qs(urlsplit(link).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == MANIFEST_SCOPES  # what deploy/slack-manifest.yaml grants
    return query["state"][0], headers["Set-Cookie"].split(";")[0]


def install(app: SlackApp, code: str) -> tuple[int, str]:
    """An admin adds the app: the install page, then Slack's redirect back with ``code`` and the state."""
    state, cookie = add_to_slack(app)
    status, _headers, page = get(f"{app.url}/slack/oauth_redirect?code={code}&state={state}", cookie)
    return status, page


def event(app: SlackApp, team: str, body: dict, event_id: str):
    envelope = {
        "token": "deprecated-verification-token",
        "team_id": team,
        "api_app_id": "A0RAPPORT",
        "event": body,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team, "user_id": "U0BOT", "is_bot": True}],
        "is_ext_shared_channel": False,
    }
    return app.post(json.dumps(envelope).encode(), "application/json")


def due_reminder(app: SlackApp, team: str, user_id: str, contact: str) -> None:
    """A follow-up for ``user_id`` of ``team`` falls due now (no quiet hours)."""
    now = datetime.now(UTC)
    coach = ledger(app)
    coach.update_settings(
        UserRef("slack", team, user_id), now - timedelta(days=5), quiet_start_hour=0, quiet_end_hour=0
    )
    coach.record_outreach(UserRef("slack", team, user_id), contact, now - timedelta(days=4))


def store(app: SlackApp) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=open_ledger(app.database_url).kw["bind"])


@pytest.fixture(scope="module")
def installed(app) -> list[tuple[int, str]]:
    """Acme and Beta add the app: the redirect's (status, page) for each."""
    return [install(app, "code-" + ACME), install(app, "code-" + BETA)]


def test_two_workspaces_install_and_each_gets_its_own_dms_with_its_own_token(app, stand_in, installed):
    for status, page in installed:
        assert status == 200 and "Thank you!" in page, page
    assert len(stand_in.wait_for("oauth.v2.access", 2)) == 2
    acme, beta = stand_in.installs.workspaces[ACME], stand_in.installs.workspaces[BETA]
    assert store(app).find_installation(enterprise_id=None, team_id=BETA).bot_token == beta.token

    # A request from each workspace is answered with that workspace's token (the DM with the bot).
    for team, user_id in ((ACME, ANA), (BETA, BEN)):
        dm = {"type": "message", "channel": "D" + user_id[1:], "user": user_id, "text": "followups"}
        dm |= {"ts": f"{time.time():.6f}", "channel_type": "im"}
        assert event(app, team, dm, f"Ev-dm-{team}")[0] == 200
    [to_ana] = stand_in.wait_for("chat.postMessage", channel="D1ANA")
    [to_ben] = stand_in.wait_for("chat.postMessage", channel="D2BEN")
    assert to_ben.token == beta.tokens[0]
    # Acme's token rotates: the answer went out with a refreshed token, not the one the install gave.
    assert to_ana.token in acme.tokens[1:]
    assert stand_in.of("oauth.v2.access", grant_type="refresh_token")

    # The reminder rounds reach each workspace's people with that workspace's token.
    due_reminder(app, ACME, ANA, "Dana")
    due_reminder(app, BETA, BEN, "Eli")
    [reminder_ana] = stand_in.wait_for("chat.postMessage", channel=ANA)
    [reminder_ben] = stand_in.wait_for("chat.postMessage", channel=BEN)
    assert "Dana" in reminder_ana.params["text"] and "Eli" in reminder_ben.params["text"]
    assert reminder_ana.token in acme.tokens[1:] and reminder_ana.token != acme.tokens[0]
    assert reminder_ben.token == beta.tokens[0]


def test_an_uninstall_deletes_that_workspaces_data_and_leaves_the_other_untouched(app, stand_in, installed):
    assert [status for status, _page in installed] == [200, 200]
    acme_user, beta_user = UserRef("slack", ACME, ANA), UserRef("slack", BETA, BEN)
    coach = ledger(app)
    coach.record_outreach(acme_user, "Fay", datetime.now(UTC))  # pending, not due
    coach.record_outreach(beta_user, "Gus", datetime.now(UTC))
    coach.watch("slack", ACME, "C1ACME", ANA, datetime.now(UTC))
    coach.watch("slack", BETA, "C2BETA", BEN, datetime.now(UTC))

    stand_in.installs.uninstall(ACME)  # Slack revokes the tokens, then tells the app
    assert event(app, ACME, {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}, "Ev-gone-acme")[0] == 200
    wait_for(lambda: store(app).find_installation(enterprise_id=None, team_id=ACME) is None, what="Acme's install")
    wait_for(lambda: not ledger(app).export(acme_user)["contacts"], what="Acme's people's data to be deleted")
    assert not coach.is_watched("slack", ACME, "C1ACME")

    # Beta: its installation, its people's log and its watched channel are all still there, and it is served.
    assert store(app).find_installation(enterprise_id=None, team_id=BETA) is not None
    assert {c["contact"] for c in coach.export(beta_user)["contacts"]} >= {"Eli", "Gus"}
    assert coach.is_watched("slack", BETA, "C2BETA")
    before = len(stand_in.of("chat.postMessage", channel=BEN))
    due_reminder(app, BETA, BEN, "Hal")
    sent = stand_in.wait_for("chat.postMessage", before + 1, channel=BEN)
    assert "Hal" in sent[-1].params["text"] and sent[-1].token == stand_in.installs.workspaces[BETA].token


def test_a_redirect_with_a_bad_expired_or_foreign_state_installs_nothing(app, stand_in):
    before = len(stand_in.of("oauth.v2.access"))
    stand_in.installs.add("T3CORP", "Corp", "U3CY")
    # A state Rapport never issued, with a matching cookie: refused.
    status, _h, _page = get(
        f"{app.url}/slack/oauth_redirect?code=code-T3CORP&state=forged", "slack-app-oauth-state=forged"
    )
    assert status == 401
    # A real state, but from another browser (no cookie, or another one): refused.
    state, cookie = add_to_slack(app)
    assert get(f"{app.url}/slack/oauth_redirect?code=code-T3CORP&state={state}")[0] == 400
    # The same state once it has expired: refused.
    engine = open_ledger(app.database_url).kw["bind"]
    with engine.begin() as connection:
        expired = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        connection.execute(
            text("UPDATE slack_oauth_states SET expire_at = :t WHERE state = :s"), {"t": expired, "s": state}
        )
    assert get(f"{app.url}/slack/oauth_redirect?code=code-T3CORP&state={state}", cookie)[0] == 401
    assert len(stand_in.of("oauth.v2.access")) == before  # no code was exchanged
    assert store(app).find_installation(enterprise_id=None, team_id="T3CORP") is None
    # A fresh state from the same page works once, and only once.
    state, cookie = add_to_slack(app)
    assert get(f"{app.url}/slack/oauth_redirect?code=code-T3CORP&state={state}", cookie)[0] == 200
    assert get(f"{app.url}/slack/oauth_redirect?code=code-T3CORP&state={state}", cookie)[0] == 401


def test_a_revoked_bot_token_deletes_that_workspaces_data(app, stand_in):
    stand_in.installs.add("T4DELTA", "Delta", "U4DEE")
    assert install(app, "code-T4DELTA")[0] == 200
    dee = UserRef("slack", "T4DELTA", "U4DEE")
    ledger(app).record_outreach(dee, "Ivy", datetime.now(UTC))
    revoked = {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}, "event_ts": f"{time.time():.6f}"}
    assert event(app, "T4DELTA", revoked, "Ev-revoked-bot")[0] == 200
    wait_for(lambda: not ledger(app).export(dee)["contacts"], what="Delta's people's data to be deleted")
    assert store(app).find_installation(enterprise_id=None, team_id="T4DELTA") is None
    assert store(app).find_installation(enterprise_id=None, team_id=BETA) is not None


def test_a_revocation_of_user_tokens_only_deletes_nothing(tmp_path):
    """Rapport asks for no user tokens: a ``tokens_revoked`` naming only user tokens concerns nothing it holds."""
    from types import SimpleNamespace

    from bot.adapters.slack.listeners.events import Events

    forgotten = []
    coach = Coach(sessions=open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}"))
    dee = UserRef("slack", "T4DELTA", "U4DEE")
    coach.record_outreach(dee, "Ivy", datetime.now(UTC))
    events = Events(coach, lambda: datetime.now(UTC), SimpleNamespace(forget=forgotten.append))
    context = SimpleNamespace(team_id="T4DELTA", enterprise_id=None)
    events.tokens_revoked({"type": "tokens_revoked", "tokens": {"oauth": ["U4DEE"]}}, context)
    assert forgotten == [] and coach.export(dee)["contacts"]
    events.tokens_revoked({"type": "tokens_revoked", "tokens": {"oauth": ["U4DEE"], "bot": ["U0BOT"]}}, context)
    assert forgotten == ["T4DELTA"] and not coach.export(dee)["contacts"]
