"""Alembic environment: always run from ``bot.ledger.db.upgrade`` with a shared connection."""

from alembic import context

from bot.ledger.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
