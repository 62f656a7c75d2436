"""Migration 0008 makes exactly the tables slack_sdk's SQLAlchemy installation and OAuth state stores define, on
SQLite and PostgreSQL, and those stores work on a migrated ledger (the Slack app's "many workspaces" mode)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

from bot.coach import Coach
from bot.ledger.schema import SLACK_STORE_TABLES
from bot.types import UserRef


def slack_sdk_metadata() -> MetaData:
    """The tables of slack_sdk's stores, built by the stores' own classmethods, with their default names."""
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def test_migration_0008_makes_the_tables_slack_sdks_stores_define(sessions):
    metadata = slack_sdk_metadata()
    assert set(metadata.tables) == set(SLACK_STORE_TABLES)

    def theirs(name, type_, _parents):
        return type_ != "table" or name in SLACK_STORE_TABLES

    with sessions.kw["bind"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": theirs, "compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], diff


def test_the_stores_save_find_and_delete_installations_on_the_migrated_ledger(sessions):
    engine = sessions.kw["bind"]
    store = SQLAlchemyInstallationStore(client_id="111.222", engine=engine)
    expires = int((datetime.now(UTC) + timedelta(hours=12)).timestamp()) - int(datetime.now(UTC).timestamp())
    for team, token in (("T1", "xoxe.xoxb-1"), ("T2", "xoxb-2")):
        store.save(
            Installation(
                app_id="A1",
                team_id=team,
                user_id="U9",
                bot_token=token,
                bot_id="B1",
                bot_user_id="U0",
                bot_refresh_token="xoxe-1-r" if team == "T1" else None,
                bot_token_expires_in=expires if team == "T1" else None,
            )
        )
    assert store.find_installation(enterprise_id=None, team_id="T1").bot_refresh_token == "xoxe-1-r"
    assert store.find_bot(enterprise_id=None, team_id="T2").bot_token == "xoxb-2"
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert store.find_installation(enterprise_id=None, team_id="T2") is not None

    states = SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=engine)
    state = states.issue()
    assert states.consume(state) and not states.consume(state)


def test_forget_workspace_deletes_one_workspaces_people_and_channels_only(sessions):
    coach = Coach(sessions=sessions)
    now = datetime(2026, 11, 2, 10, tzinfo=UTC)
    ana, ben, cy = UserRef("slack", "T1", "U1ANA"), UserRef("slack", "T1", "U1BEN"), UserRef("slack", "T2", "U2CY")
    same_id_elsewhere = UserRef("discord", "T1", "U1ANA")
    for user in (ana, ben, cy, same_id_elsewhere):
        coach.record_outreach(user, "Dana", now)
    coach.watch("slack", "T1", "C1", "U1ANA", now)
    coach.watch("slack", "T2", "C2", "U2CY", now)
    assert coach.forget_workspace("slack", "T1") == 2
    assert coach.export(ana)["contacts"] == [] and coach.export(ben)["contacts"] == []
    assert len(coach.export(cy)["contacts"]) == 1 and len(coach.export(same_id_elsewhere)["contacts"]) == 1
    assert not coach.is_watched("slack", "T1", "C1") and coach.is_watched("slack", "T2", "C2")
    assert coach.forget_workspace("slack", "T1") == 0
