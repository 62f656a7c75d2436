"""Time zones follow the user: Slack's ``user_change`` event moves a known user's zone, ``users.info`` is read
again at most daily on use, and a zone the user set by hand is never overridden.

Discord has no per-user time zone (only a ``locale`` on interactions, which names a language, not a place), so
there a zone is what the user sets with ``/rapport settings timezone:``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bot.coach import Coach
from bot.ledger.db import open_ledger
from bot.types import UserRef
from tests.fakes.slack_api import TEAM_ID
from tests.wait import wait_for

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ledger(app) -> Coach:
    return Coach(sessions=open_ledger(app.database_url))


def ref(user_id: str) -> UserRef:
    return UserRef("slack", TEAM_ID, user_id)


def user_change(user_id: str, tz: str) -> dict:
    """A ``user_change`` event as Slack sends it (the full user object, trimmed to what matters here)."""
    offset = {"America/New_York": -18000, "Europe/Paris": 3600, "Europe/Berlin": 3600}[tz]
    return {
        "type": "user_change",
        "user": {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "deleted": False,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": offset,
            "profile": {"real_name": user_id, "display_name": user_id.lower()},
            "is_bot": False,
            "updated": int(time.time()),
        },
        "cache_ts": int(time.time()),
        "event_ts": f"{time.time():.6f}",
    }


def zone_of(app, user_id: str) -> str:
    return ledger(app).update_settings(ref(user_id), datetime.now(UTC))["timezone"]


def test_a_user_who_moves_in_slack_gets_reminders_in_the_new_zone(app, stand_in):
    app.command("stats", user="U1ANA")
    wait_for(lambda: zone_of(app, "U1ANA") == "Europe/Berlin", what="the zone from users.info")
    status, _ = app.event(user_change("U1ANA", "America/New_York"), "Ev0TZMOVE1")
    assert status == 200
    wait_for(lambda: zone_of(app, "U1ANA") == "America/New_York", what="the zone from user_change")


def test_a_zone_set_by_hand_is_kept_and_strangers_get_no_row(app, stand_in):
    for who in ("U2HAND", "U5CTRL"):
        app.command("stats", user=who)
        wait_for(lambda who=who: zone_of(app, who) == "America/New_York", what="the zone from users.info")
    ledger(app).update_settings(ref("U2HAND"), datetime.now(UTC), timezone="Asia/Tokyo")  # by hand
    app.event(user_change("U2HAND", "Europe/Paris"), "Ev0TZHAND1")
    app.event(user_change("U3STRANGER", "Europe/Paris"), "Ev0TZSTRANGE1")
    app.event(user_change("U5CTRL", "Europe/Paris"), "Ev0TZCTRL1")  # sent last: once it is taken, so are the others
    wait_for(lambda: zone_of(app, "U5CTRL") == "Europe/Paris", what="the control user's zone to follow")
    assert zone_of(app, "U2HAND") == "Asia/Tokyo"
    assert ledger(app).ensure_user(ref("U3STRANGER"), datetime.now(UTC)) is True  # it had no row


def test_users_info_is_read_again_at_most_daily_on_use(app, stand_in):
    app.command("stats", user="U4DAILY")
    stand_in.wait_for("users.info", user="U4DAILY")
    wait_for(lambda: not ledger(app).timezone_due(ref("U4DAILY"), datetime.now(UTC)), what="the read to be recorded")
    app.command("stats", user="U4DAILY")
    app.command("followups", user="U4DAILY")
    assert len(stand_in.of("users.info", user="U4DAILY")) == 1  # not on every use

    coach = ledger(app)
    assert coach.timezone_due(ref("U4DAILY"), datetime.now(UTC)) is False
    assert coach.timezone_due(ref("U4DAILY"), datetime.now(UTC) + timedelta(days=1, minutes=1)) is True
    coach.update_settings(ref("U4DAILY"), datetime.now(UTC), timezone="Europe/Berlin")
    assert coach.timezone_due(ref("U4DAILY"), datetime.now(UTC) + timedelta(days=30)) is False  # set by hand
