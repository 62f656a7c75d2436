"""Engines, sessions and migrations for the ledger (SQLite by default, PostgreSQL for teams)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


class LedgerError(RuntimeError):
    """The ledger cannot be used: the message says why in one line."""


def describe(exc: BaseException) -> str:
    """The driver's own message, first line only (SQLAlchemy appends background links and SQL)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout, and its folder is created."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise LedgerError(f"RAPPORT_DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # e.g. a root-owned volume mounted over the data folder
                raise LedgerError(
                    f"cannot create the database folder {folder}: {exc.strerror or exc} "
                    "(give this user write permission there, or set RAPPORT_DATABASE_URL)"
                ) from None
        engine = create_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    except (ArgumentError, ImportError) as exc:
        raise LedgerError(f"cannot use database {parsed.render_as_string()}: {exc}") from None


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration the database has not seen yet."""
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise LedgerError(f"cannot reach or write the database: {describe(exc)}") from None


def migration_state(engine: Engine) -> tuple[set[str], set[str], set[str]]:
    """(the database's current revisions, this Rapport's heads, every revision this Rapport knows)."""
    script = ScriptDirectory.from_config(_alembic_config())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, set(script.get_heads()), {rev.revision for rev in script.walk_revisions()}


def check_version(engine: Engine) -> bool:
    """Refuse a database written by a newer Rapport (a migration this copy does not know); True when the
    database is at this Rapport's heads already (nothing to migrate)."""
    current, heads, known = migration_state(engine)
    if current - known:
        raise LedgerError(
            f"the database is at migration {', '.join(sorted(current))}, newer than this Rapport "
            f"(latest {', '.join(sorted(heads))}); upgrade Rapport"
        )
    return current == heads


def open_ledger(url: str) -> sessionmaker[Session]:
    """Connect, refuse newer databases, migrate, and return a session factory."""
    engine = make_engine(url)
    try:
        if not check_version(engine):
            upgrade(engine)
    except SQLAlchemyError as exc:
        raise LedgerError(f"cannot use the database {make_url(url).render_as_string()}: {describe(exc)}") from None
    return sessionmaker(engine, expire_on_commit=False)
