"""The Slack stand-in's OAuth side: workspaces that install the app (``oauth.v2.access``), each with its own bot
token, optionally rotating (``expires_in`` and a refresh token, as Slack answers when the app turns token rotation
on), and uninstalling (its tokens stop working, as Slack revokes them).

``oauth.v2.access`` is answered as https://api.slack.com/methods/oauth.v2.access documents: the app's
credentials by HTTP Basic auth (slack_sdk sends them so) or as arguments; ``code`` exchanged once; or
``grant_type=refresh_token`` with ``refresh_token`` for a new token pair (rotation).
"""

from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass, field

from tests.fakes import specs

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "3f1e2d3c4b5a69788796a5b4c3d2e1f0"
#: Seconds a rotating token lives (Slack: 12 hours).
ROTATING_SECONDS = 43_200


@dataclass
class Workspace:
    """A workspace that can install the app: its team, the installer, and its tokens as issued so far."""

    team_id: str
    name: str
    installer: str
    code: str
    rotating: bool = False
    bot_user_id: str = "U0BOT"
    tokens: list[str] = field(default_factory=list)  # every bot token issued, oldest first
    refresh_token: str | None = None
    installed: bool = False

    @property
    def token(self) -> str | None:
        """The bot token in force (None before the install and after the uninstall)."""
        return self.tokens[-1] if self.installed and self.tokens else None


class SlackInstalls:
    """Workspaces and their tokens; ``access`` answers ``oauth.v2.access``."""

    def __init__(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET, scopes: set[str] | None = None):
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.workspaces: dict[str, Workspace] = {}
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, team_id: str, name: str, installer: str, rotating: bool = False) -> Workspace:
        """A workspace whose admin, once sent to Slack's authorize page, comes back with ``code``."""
        workspace = Workspace(team_id, name, installer, code=f"code-{team_id}", rotating=rotating)
        self.workspaces[team_id] = workspace
        return workspace

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: its tokens are revoked."""
        self.workspaces[team_id].installed = False

    def team_of(self, token: str) -> str | None:
        """The workspace a live bot token belongs to, or None (unknown, or revoked by an uninstall). A token a
        refresh replaced stays valid until it expires, as Slack's do (never within a test)."""
        for workspace in self.workspaces.values():
            if workspace.installed and token in workspace.tokens:
                return workspace.team_id
        return None

    def _credentials_ok(self, params: dict, authorization: str) -> bool:
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        return client_id == self.client_id and client_secret == self.client_secret

    def _issue(self, workspace: Workspace) -> dict:
        serial = next(self._serial)
        if workspace.rotating:
            token = f"xoxe.xoxb-{workspace.team_id}-{serial}-rotating"
            workspace.refresh_token = f"xoxe-1-{workspace.team_id}-{serial}-refresh"
        else:
            token = f"xoxb-{workspace.team_id}-{serial}-installed"
        workspace.tokens.append(token)
        workspace.installed = True
        grant = {"access_token": token, "token_type": "bot"}
        if workspace.rotating:
            grant |= {"expires_in": ROTATING_SECONDS, "refresh_token": workspace.refresh_token}
        return grant

    def access(self, params: dict, authorization: str, violations: list) -> tuple[int, dict, dict]:
        """``oauth.v2.access``: exchange an install's ``code``, or a refresh token, for a bot token."""
        if not self._credentials_ok(params, authorization):
            return 200, {}, {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                # The published description (2021) lists only the code grant; the method page documents this one.
                for workspace in self.workspaces.values():
                    if workspace.installed and params.get("refresh_token") == workspace.refresh_token:
                        grant = self._issue(workspace)
                        return 200, {}, {"ok": True, "app_id": "A0RAPPORT", "team": self._team(workspace), **grant}
                return 200, {}, {"ok": False, "error": "invalid_refresh_token"}
            spec = specs.slack()
            why = spec.request_error("oauth.v2.access", params) if spec else None
            if why:
                violations.append(("oauth.v2.access", why))
                return 200, {}, {"ok": False, "error": "invalid_arguments"}
            found = [w for w in self.workspaces.values() if w.code == params.get("code")]
            if not found:
                return 200, {}, {"ok": False, "error": "invalid_code"}
            workspace = found[0]
            workspace.code = f"used-{workspace.code}"  # a code is exchanged once
            grant = self._issue(workspace)
            scope = ",".join(sorted(self.scopes or ()))
            return (
                200,
                {},
                {
                    "ok": True,
                    "app_id": "A0RAPPORT",
                    "authed_user": {"id": workspace.installer},
                    "scope": scope,
                    "bot_user_id": workspace.bot_user_id,
                    "team": self._team(workspace),
                    "enterprise": None,
                    "is_enterprise_install": False,
                    **grant,
                },
            )

    @staticmethod
    def _team(workspace: Workspace) -> dict:
        return {"id": workspace.team_id, "name": workspace.name}
