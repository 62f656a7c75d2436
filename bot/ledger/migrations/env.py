"""Alembic environment: always run from ``bot.ledger.db.upgrade`` with a shared connection."""

from alembic import context

from bot.ledger.schema import SLACK_STORE_TABLES, Base

connection = context.config.attributes["connection"]


def include_name(name, type_, _parent_names) -> bool:
    """Autogenerate compares the ledger's own tables; slack_sdk's store tables are checked against slack_sdk."""
    return not (type_ == "table" and name in SLACK_STORE_TABLES)


context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_name=include_name)
with context.begin_transaction():
    context.run_migrations()
