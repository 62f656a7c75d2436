"""``rapport doctor``: check settings, database, migrations, model and token formats without starting anything.

No migration is applied: pending ones are reported. Secrets are never shown.
"""

from __future__ import annotations

import importlib.util
import os
import time
from dataclasses import dataclass
from pathlib import Path

from bot import settings
from bot.ledger import db
from classifier import store

OK, WARN, FAIL = "ok", "warn", "FAIL"
#: The credentials each platform needs (HTTP-mode Slack also needs the signing secret; Socket Mode the app token).
CREDENTIALS = settings.CREDENTIAL_NAMES


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's result: ``status`` ok, warn or FAIL; what was checked; one line of detail."""

    status: str  # ok | warn | FAIL
    what: str
    detail: str


def examine() -> list[Finding]:
    """Every check, in order; a FAIL means the bots would not start or work."""
    try:
        current = settings.load()
    except settings.SettingsError as exc:
        return [Finding(FAIL, "settings", str(exc))]
    findings = [Finding(OK, "settings", "loaded from the environment and .env")]
    findings += _database(current.database())
    findings.append(_model())
    findings += _credentials(current)
    return findings


def _database(url: str) -> list[Finding]:
    try:
        shown = db.parse_url(url).render_as_string(hide_password=True) if "://" in url else url
        engine = db.make_engine(url)
        current, heads, known = db.migration_state(engine)
    except db.LedgerError as exc:
        return [Finding(FAIL, "database", str(exc))]
    except Exception as exc:
        return [Finding(FAIL, "database", f"cannot reach {shown}: {db.describe(exc)}")]
    found = [Finding(OK, "database", f"reachable: {shown}")]
    if current == heads:
        found.append(Finding(OK, "migrations", f"up to date ({', '.join(sorted(heads))})"))
    elif current - known:
        found.append(Finding(FAIL, "migrations", f"the database is at {sorted(current)}, newer than this Rapport"))
    else:
        at = ", ".join(sorted(current)) or "an empty database"
        found.append(
            Finding(WARN, "migrations", f"at {at}, latest {', '.join(sorted(heads))}: run 'rapport db upgrade'")
        )
    engine.dispose()
    return found


def _model() -> Finding:
    explicit = os.environ.get("RAPPORT_MODEL")
    path = Path(explicit) if explicit else store.shipped_model_path()
    started = time.perf_counter()
    try:
        store.read(path)
    except ValueError as exc:
        if explicit:
            return Finding(FAIL, "model", f"RAPPORT_MODEL={path} cannot be loaded: {exc}")
        return Finding(WARN, "model", f"the shipped model cannot be loaded ({exc}); it will be rebuilt on first use")
    return Finding(OK, "model", f"loads in {(time.perf_counter() - started) * 1000:.0f} ms from {path}")


def _slack_mode(current: settings.Settings, present: dict) -> Finding:
    """One line: which Slack mode the settings select, and what it still needs."""
    mode, missing = current.slack_mode()
    if mode == "many workspaces":
        if missing:
            return Finding(FAIL, "slack", f"many workspaces: {', '.join(missing)} not set")
        if present["SLACK_APP_TOKEN"]:
            return Finding(FAIL, "slack", "many workspaces: unset SLACK_APP_TOKEN (the install pages need HTTP mode)")
        unused = ", SLACK_BOT_TOKEN unused" if present["SLACK_BOT_TOKEN"] else ""
        return Finding(OK, "slack", f"many workspaces: install at https://<your host>/slack/install{unused}")
    if missing == ["SLACK_BOT_TOKEN"] or set(missing) == {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}:
        return Finding(
            WARN,
            "slack",
            f"one workspace: {', '.join(missing)} not set, 'rapport slack' will not start "
            "(or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for many workspaces)",
        )
    if missing:
        return Finding(FAIL, "slack", f"one workspace: {', '.join(missing)} not set (needed unless SLACK_APP_TOKEN is)")
    how = "Socket Mode" if present["SLACK_APP_TOKEN"] else "HTTP"
    return Finding(OK, "slack", f"one workspace ({how}) on SLACK_BOT_TOKEN")


def _credentials(current: settings.Settings) -> list[Finding]:
    found = []
    present = {}
    for name in CREDENTIALS:
        try:
            present[name] = current.secret(name, required=False) is not None
        except settings.SettingsError as exc:
            found.append(Finding(FAIL, name, str(exc).removeprefix(f"{name} ")))
            present[name] = None
            continue
        if present[name]:
            found.append(Finding(OK, name, "set, well-formed"))
    mode = _installed(_slack_mode(current, present), "slack", "slack_bolt")
    malformed = [name for name in CREDENTIALS if name.startswith("SLACK_") and present[name] is None]
    if malformed and mode.status == OK:  # never an ok line under the FAIL of a credential it needs
        mode = Finding(WARN, "slack", f"{mode.detail}, once {', '.join(malformed)} is fixed (see above)")
    found.append(mode)
    if present["DISCORD_TOKEN"] is False:
        found.append(Finding(WARN, "discord", "DISCORD_TOKEN is not set: 'rapport discord' will not start"))
    elif present["DISCORD_TOKEN"] and importlib.util.find_spec("discord") is None:
        found.append(
            Finding(
                FAIL,
                "discord",
                "DISCORD_TOKEN is set, but the 'discord' extra is not installed (pip install '.[discord]')",
            )
        )
    return found


def _installed(finding: Finding, extra: str, module: str) -> Finding:
    """``finding`` as it is, unless it is ok and ``module`` (the extra's SDK) is not installed: then a FAIL naming
    the extra, since ``rapport slack``/``rapport discord`` would not start."""
    if finding.status != OK or importlib.util.find_spec(module) is not None:
        return finding
    return Finding(
        FAIL, finding.what, f"{finding.detail}, but the '{extra}' extra is not installed (pip install '.[{extra}]')"
    )
