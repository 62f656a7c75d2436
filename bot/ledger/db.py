"""Engines, sessions and migrations for the ledger (SQLite by default, PostgreSQL for teams).

Alembic is imported only to migrate: a database already at this Rapport's head is recognised by reading its
``alembic_version`` row and the ``revision``/``down_revision`` lines of ``migrations/versions/*.py``, which
keeps ``rapport log show`` and the other ledger commands quick to start.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: Alembic's bookkeeping table (its default name; ``migrations/env.py`` keeps it).
VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r"""^(revision|down_revision)\s*=\s*(None|["']([^"']+)["'])\s*$""", re.MULTILINE)


class LedgerError(RuntimeError):
    """The ledger cannot be used: the message says why in one line."""


def describe(exc: BaseException) -> str:
    """The driver's own message, first line only (SQLAlchemy appends background links and SQL)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def default_folder() -> Path:
    """The default data directory (``bot.settings`` puts ``rapport.db`` there): the one folder Rapport creates."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("rapport"))


#: The database URLs Rapport takes, as its messages name them.
URL_FORMS = "use sqlite:////path/to/rapport.db or postgresql+psycopg://user:password@host/db"


def parse_url(url: str) -> URL:
    """SQLAlchemy's ``URL`` for ``url``; ``LedgerError`` (one line naming the forms to use) for text that is not a
    database URL, including a port that is not a number or a broken ``[IPv6]`` host, which SQLAlchemy reports as
    ``ValueError``."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        why = "" if isinstance(exc, ArgumentError) else f": {exc}"
        raise LedgerError(
            f"RAPPORT_DATABASE_URL is not a database URL{why} ({URL_FORMS}, or unset it for the default SQLite file)"
        ) from None


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL opens (a ``file:`` URI with ``uri=true`` too), or None for an in-memory database or
    another backend. ``LedgerError`` for something that is not a database URL."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if str(parsed.query.get("uri", "")).lower() in ("true", "1") and database.startswith("file:"):
        if parsed.query.get("mode") == "memory":
            return None
        uri = urlsplit(database)
        database = unquote(uri.path)
    if database in ("", ":memory:"):
        return None
    return Path(database).expanduser()


def is_memory(url: str) -> bool:
    """Whether ``url`` is an in-memory SQLite database (gone when the process ends)."""
    return parse_url(url).get_backend_name() == "sqlite" and sqlite_file(url) is None


def make_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite gets WAL (when it may write), foreign keys and a busy timeout.

    ``LedgerError`` when the SQLite file's folder does not exist (only the default data directory is created).
    """
    path = sqlite_file(url)
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        if path is not None:
            _folder_for(path)
        engine = create_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:  # a read-only file keeps its journal mode; reading still works
                if "readonly" not in str(exc):
                    raise
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    except (ArgumentError, ImportError) as exc:
        raise LedgerError(f"cannot use database {parsed.render_as_string()}: {exc}") from None


def _folder_for(path: Path) -> None:
    """Make sure the database file's folder is there: the default data directory is created, any other missing
    folder is a ``LedgerError`` naming it (a typo should not quietly make a new, empty ledger)."""
    folder = path.parent
    if folder.is_dir():
        return
    if folder.resolve() != default_folder().resolve():
        raise LedgerError(
            f"the database folder {folder} does not exist; create it or set RAPPORT_DATABASE_URL to a file in a "
            "folder that does"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. a root-owned volume mounted over the data folder
        raise LedgerError(
            f"cannot create the database folder {folder}: {exc.strerror or exc} "
            "(give this user write permission there, or set RAPPORT_DATABASE_URL)"
        ) from None


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration the database has not seen yet (imports Alembic)."""
    from alembic import command

    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise LedgerError(f"cannot reach or write the database: {describe(exc)}") from None


@functools.cache
def revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(this Rapport's heads, every revision it knows), read from the ``revision = "..."`` and
    ``down_revision = "..."`` lines of ``migrations/versions/*.py`` without importing Alembic.

    ``tests/bot/ledger/test_ledger.py`` holds that this agrees with Alembic's own ``ScriptDirectory``.
    """
    known: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        fields = {m.group(1): m.group(3) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))}
        if fields.get("revision") is None:
            raise LedgerError(f"migration {path.name} has no revision line")
        known.add(fields["revision"])
        if fields.get("down_revision"):
            parents.add(fields["down_revision"])
    return frozenset(known - parents), frozenset(known)


def stored_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database's ``alembic_version`` table (empty for a new database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return {row[0] for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


def migration_state(engine: Engine) -> tuple[set[str], set[str], set[str]]:
    """(the database's current revisions, this Rapport's heads, every revision this Rapport knows)."""
    heads, known = revisions()
    return stored_revisions(engine), set(heads), set(known)


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


#: PostgreSQL advisory-lock key for migrating (any fixed 64-bit number; this is "rapport" in ASCII).
MIGRATION_LOCK_KEY = 0x72617070_6F7274


@contextmanager
def one_migrator(engine: Engine) -> Iterator[None]:
    """Hold the database's migration lock: several processes starting on a new database (``for i in 1 2 3; do
    rapport log sent X$i & done``) would otherwise all create the same tables, and all but one fail.

    PostgreSQL: a session-level advisory lock (``pg_advisory_lock``). SQLite: an exclusive ``flock`` on the
    database's folder. Not on the database file itself: closing any descriptor of that file would drop the POSIX
    locks SQLite holds on it in this process (sqlite.org, "How To Corrupt An SQLite Database File", 2.2). Where
    ``fcntl`` is missing (Windows), and for an in-memory database, nothing is locked."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                connection.commit()
        return
    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    try:
        import fcntl
    except ImportError:
        fcntl = None
    if path is None or fcntl is None:
        yield
        return
    try:
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError as exc:
        raise LedgerError(f"cannot open the database folder {path.parent}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)  # releases the lock


def open_ledger(url: str) -> sessionmaker[Session]:
    """Connect, refuse newer databases, migrate (only when behind), and return a session factory."""
    engine = make_engine(url)
    try:
        if not check_version(engine):  # a database at the head is only read: a read-only file works for reading
            with one_migrator(engine):
                if not check_version(engine):  # another process may have migrated it while this one waited
                    upgrade(engine)
    except SQLAlchemyError as exc:
        raise LedgerError(f"cannot use the database {make_url(url).render_as_string()}: {describe(exc)}") from None
    if engine.dialect.name == "sqlite":
        return TakeTurnsWriting(engine, expire_on_commit=False)
    return sessionmaker(engine, expire_on_commit=False)


class TakeTurnsWriting(sessionmaker):
    """The session factory for SQLite: write transactions (``begin()``) of one process take turns on a lock.

    SQLite lets one connection write at a time. A second writer gets ``SQLITE_BUSY`` and waits in SQLite's busy
    handler, which sleeps 1, 2, 5, 10 ... up to 100 ms between tries, so under a burst of writes from one process's
    threads (20 concurrent ``/rapport`` checks) some waited far longer than the writes ahead of them took. Here they
    queue on a lock instead and each starts as soon as the one before it ends. Writers in other processes still meet
    the busy handler. Reads (``sessions()``) do not take the lock: WAL lets them run beside a writer. The lock is
    reentrant, so a write transaction opened inside another in the same thread works.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writing = threading.RLock()

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in a transaction that commits at the end (or rolls back on an exception), holding the lock."""
        with self._writing, super().begin() as session:
            yield session
