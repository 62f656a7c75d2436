"""Which bot token serves which Slack workspace: the one ``SLACK_BOT_TOKEN``, or each workspace's installation.

Many workspaces: bolt's OAuth flow (``/slack/install``, ``/slack/oauth_redirect``) stores each installation with
slack_sdk's SQLAlchemy installation store, and the state of each flow with its SQLAlchemy OAuth state store, both
in Rapport's own database (tables made by migration 0008). Requests from Slack are authorized by bolt from the
installation store; the reminder rounds, which no request starts, ask ``Installations.client(team)``. A rotating
token (the app's "token rotation" on) is refreshed with its refresh token when it expires within
``token_rotation_minutes``, as bolt does for requests, and the new one is saved.

Installs are per workspace (``team_id``); an Enterprise Grid org-wide install is not supported.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.adapters.slack import make_client
from bot.settings import SlackOAuth
from bot.types import Undeliverable

log = logging.getLogger(__name__)

#: The bot scopes an install asks for: deploy/slack-manifest.yaml's (tests/bot/slack/test_manifest.py checks).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "channels:join",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
)
#: Seconds an install link's state stays valid (bolt's default).
STATE_SECONDS = 600


class NotInstalled(Undeliverable):
    """Rapport is not (or no longer) installed in the workspace: nothing can be sent there (and nobody told)."""

    notice = None


class OneWorkspace:
    """One workspace on one bot token (``SLACK_BOT_TOKEN``): every workspace id gets the same client."""

    def __init__(self, client: WebClient):
        self._client = client

    def client(self, workspace: str) -> WebClient:
        """The one client, whatever ``workspace`` is."""
        return self._client

    def forget(self, workspace: str) -> None:
        """Nothing is stored per workspace in this mode."""


class Installations:
    """Many workspaces: each one's bot token from its installation (slack_sdk's SQLAlchemy store on ``engine``).

    ``engine`` is the ledger's (SQLAlchemy) engine, migrated to 0008 or later; ``api_url`` the Web API base URL.
    """

    def __init__(self, oauth: SlackOAuth, engine, api_url: str):
        self.oauth = oauth
        self.api_url = api_url
        self.store = SQLAlchemyInstallationStore(client_id=oauth.client_id, engine=engine, logger=log)
        self.states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine, logger=log)
        #: Token-less: ``oauth.v2.access`` (installs, refreshes) and ``auth.test`` at ``api_url``.
        self.base = make_client(None, api_url)
        self.rotator = TokenRotator(client_id=oauth.client_id, client_secret=oauth.client_secret, client=self.base)
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def oauth_settings(self) -> OAuthSettings:
        """Bolt's OAuth settings: the install page, the redirect, both stores, and token rotation."""
        return OAuthSettings(
            client_id=self.oauth.client_id,
            client_secret=self.oauth.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=self.oauth.redirect_uri,
            installation_store=self.store,
            state_store=self.states,
            state_expiration_seconds=STATE_SECONDS,
            token_rotation_expiration_minutes=self.oauth.token_rotation_minutes,
            logger=log,
        )

    def authorize(self) -> InstallationStoreAuthorize:
        """Bolt's authorization of requests from the store, refreshing rotating tokens through ``api_url``."""
        return InstallationStoreAuthorize(
            logger=log,
            installation_store=self.store,
            client_id=self.oauth.client_id,
            client_secret=self.oauth.client_secret,
            token_rotation_expiration_minutes=self.oauth.token_rotation_minutes,
            client=self.base,
        )

    def client(self, workspace: str) -> WebClient:
        """A client with ``workspace``'s bot token, refreshed first if it rotates and expires soon.

        Raises ``NotInstalled`` when there is no installation with a bot token for the workspace, and
        slack_sdk's ``SlackTokenRotationError`` when a refresh is refused.
        """
        installation = self.store.find_installation(enterprise_id=None, team_id=workspace)
        if installation is None or not installation.bot_token:
            raise NotInstalled("not_installed")
        rotated = self.rotator.perform_token_rotation(
            installation=installation, minutes_before_expiration=self.oauth.token_rotation_minutes
        )
        if rotated is not None:
            self.store.save(rotated)
            installation = rotated
            log.info("refreshed a workspace's rotating bot token")
        token = installation.bot_token
        with self._lock:
            client = self._clients.get(workspace)
            if client is None or client.token != token:
                client = self._clients[workspace] = make_client(token, self.api_url)
            return client

    def forget(self, workspace: str) -> None:
        """Delete the workspace's installations and bot tokens (the app was uninstalled or its token revoked)."""
        self.store.delete_all(enterprise_id=None, team_id=workspace)
        with self._lock:
            self._clients.pop(workspace, None)
