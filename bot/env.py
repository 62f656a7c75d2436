"""Reading one setting without building the whole ``bot.settings.Settings`` (which imports pydantic, about a
tenth of a second): the ledger commands need only ``RAPPORT_DATABASE_URL``, and the log redaction only the raw
credential values.

It reads the way ``Settings`` does (``tests/bot/test_settings_env.py`` holds the two together): a variable in
the environment, its name in any case, wins over the same name in ``./.env`` (parsed by python-dotenv, as
pydantic-settings parses it).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

#: The file ``Settings`` reads too, relative to the working directory.
ENV_FILE = ".env"


def _dotenv() -> dict[str, str | None]:
    """``./.env`` as {lowercased name: value}; empty when there is no such file. Parsed once per version of
    the file (a broken line is warned about once, not once per setting read)."""
    path = Path(ENV_FILE).absolute()
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _parsed(path: str, _mtime_ns: int, _size: int) -> dict[str, str | None]:
    from dotenv import dotenv_values

    if not (Path(path).is_file() or Path(path).is_fifo()):
        return {}
    return {name.lower(): value for name, value in dotenv_values(path).items()}


def value(name: str) -> str | None:
    """The setting ``name`` (e.g. ``"RAPPORT_DATABASE_URL"``) from the environment, else ``./.env``; None when
    neither has it."""
    wanted = name.lower()
    for key, found in os.environ.items():
        if key.lower() == wanted:
            return found
    return _dotenv().get(wanted)


def default_database_url() -> str:
    """SQLite in the user's data directory: ``rapport.db`` under ``platformdirs.user_data_dir("rapport")``."""
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('rapport')) / 'rapport.db'}"


def database_url() -> str:
    """The ledger's SQLAlchemy URL: ``RAPPORT_DATABASE_URL`` when set and not empty, else the default."""
    return value("RAPPORT_DATABASE_URL") or default_database_url()
