"""The ``rapport`` command group and what its subcommands share: failing in one line, times, the ledger.

Everything heavy (scikit-learn, SQLAlchemy, the chat SDKs) is imported inside the command that needs it, so
``rapport --help`` and the ledger commands start at once (``tests/bot/test_cli_startup.py`` holds this).
"""

from __future__ import annotations

import atexit
import errno
import functools
import gc
import getpass
import importlib.util
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn

import click

from bot.types import UserRef, utcnow

if TYPE_CHECKING:
    from bot.coach import Coach
    from bot.drafts import DraftChecker

#: Exit codes: what was typed or configured is wrong (a usage error, bad input, a malformed setting) ...
EXIT_BAD_INPUT = 2
#: ... or something outside failed: the database, a file or folder, the network, a missing extra.
EXIT_ENVIRONMENT = 1


def repair(text: str) -> str:
    """Arguments with invalid UTF-8 arrive with surrogate escapes; turn those bytes into U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_stdin(hint: bool = True) -> str:
    """Standard input as text (invalid UTF-8 becomes U+FFFD). On a terminal, first say how to end the input.

    Binary input (see ``looks_binary``) exits 2 with one line.
    """
    if hint and sys.stdin.isatty():
        end = "Ctrl-Z then Enter" if sys.platform == "win32" else "Ctrl-D on an empty line"
        click.echo(f"Paste or type the draft, then press {end}.", err=True)
    data = sys.stdin.buffer.read()
    text = data.decode("utf-8", "replace")
    if looks_binary(text):
        fail("standard input looks binary, not text (pipe in the draft as UTF-8 text)")
    return text


def looks_binary(text: str) -> bool:
    """Whether decoded input is binary rather than text: at least 16 characters, and over a quarter of them,
    undecodable bytes (U+FFFD) or control characters other than tab, newline, carriage return and form feed."""
    bad = sum(1 for c in text if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r\f"))
    return bad >= 16 and bad * 4 > len(text)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print ``rapport: <message>`` on stderr and exit with ``code`` (2: bad input, 1: the environment)."""
    click.echo(f"rapport: {message}", err=True)
    sys.exit(code)


def need_extra(extra: str, module: str, what: str) -> None:
    """Exit 1 with one line naming the extra to install when ``module`` (e.g. ``"slack_bolt"``) is missing."""
    if importlib.util.find_spec(module) is None:
        fail(f"{what} needs the '{extra}' extra (install it: pip install '.[{extra}]' in the Rapport checkout)", 1)


def check_database_url(url: str) -> str:
    """``url`` if Rapport can use it; else exit 2 naming the form to use, or 1 naming the extra to install."""
    from bot.ledger.db import URL_FORMS, LedgerError, is_memory, parse_url

    try:
        backend = parse_url(url).get_backend_name()
    except LedgerError as exc:
        fail(str(exc))
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+asyncpg"):
        fail(f"RAPPORT_DATABASE_URL starts with {scheme}:// (use postgresql+psycopg://user:password@host/db)")
    if scheme.startswith(("mysql", "mariadb", "mssql", "oracle")):
        fail(f"RAPPORT_DATABASE_URL: {scheme} is not supported (use sqlite:///path or postgresql+psycopg://...)")
    if backend not in ("sqlite", "postgresql"):
        fail(f"RAPPORT_DATABASE_URL: {scheme} is not a database Rapport can use ({URL_FORMS})")
    if scheme == "postgresql+psycopg":
        need_extra("postgres", "psycopg", "a PostgreSQL ledger")
    if is_memory(url):
        fail(
            "RAPPORT_DATABASE_URL is an in-memory SQLite database, gone when the command ends "
            "(use a file, e.g. sqlite:////home/you/rapport.db)"
        )
    return url


#: Parameters whose undecodable bytes are turned into U+FFFD (``repair``) instead of refused: ``check``'s draft.
REPAIRED_PARAMS = {("check", "draft")}
UTF8_HINT = "retype it, or set the terminal to UTF-8, e.g. LANG=C.UTF-8"


def undecodable(value) -> bool:
    """Whether a parsed parameter (text, or a tuple of texts) holds bytes that were not valid UTF-8."""
    values = value if isinstance(value, tuple | list) else (value,)
    for item in values:
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


class RapportCommand(click.Command):
    """A command that refuses, in one line (exit 2), a parameter that is not valid UTF-8 text, naming it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """click's parsing, then the UTF-8 check on every parameter (see ``REPAIRED_PARAMS`` for the exception)."""
        rest = super().parse_args(ctx, args)
        for param in self.get_params(ctx):
            if (self.name, param.name) in REPAIRED_PARAMS or not undecodable(ctx.params.get(param.name)):
                continue
            where = next((o for o in param.opts if o.startswith("--")), None) or (param.human_readable_name or "")
            fail(f"an argument is not valid UTF-8 text ({where}: {repair(str(ctx.params[param.name]))}; {UTF8_HINT})")
        if undecodable(list(rest)):
            fail(f"an argument is not valid UTF-8 text ({UTF8_HINT})")
        return rest


class RapportGroup(click.Group):
    """A click group whose every failure is one line: ``rapport: <what went wrong> (<what to do>)``.

    Usage errors exit 2 and keep naming the option; an argument that is not valid UTF-8 exits 2 (see
    ``RapportCommand``); files and the system (``OSError``) exit 1; Ctrl-C exits 130.
    """

    command_class = RapportCommand

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run the command line; with ``standalone_mode`` (the default) always ends in ``sys.exit``."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        if args is None and undecodable([a for a in sys.argv[1:2] if not a.startswith("-")]):
            fail(f"an argument is not valid UTF-8 text (the command name; {UTF8_HINT})")
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "rapport"
            fail(f"{exc.format_message().rstrip('.')} (see '{where} --help')", exc.exit_code)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except click.Abort as exc:
            fail("stopped; nothing more was done", 130 if isinstance(exc.__cause__, KeyboardInterrupt) else 1)
        except OverflowError as exc:
            fail(f"a number is too large ({exc}); use a smaller one")
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # `rapport export | head`: the reader left, nothing to say
                sys.exit(EXIT_ENVIRONMENT)
            place = f" {exc.filename}" if exc.filename else ""
            fail(
                f"cannot use{place}: {exc.strerror or exc} (check that it exists and this user may write there; "
                "RAPPORT_DATABASE_URL and XDG_DATA_HOME choose where Rapport keeps its data)",
                EXIT_ENVIRONMENT,
            )
        except UnicodeError:  # text that was not UTF-8 reached a codec: never a traceback
            fail(f"an argument is not valid UTF-8 text ({UTF8_HINT})")
        sys.exit(code if isinstance(code, int) else 0)


RapportGroup.group_class = type  # subgroups (``rapport log``) are RapportGroups too, so their commands check


# When the process exits, let the interpreter's teardown skip the garbage collector's walk over every object the
# imports made (SQLAlchemy's alone make it tens of milliseconds of a ledger command on this machine; `rapport
# bench startup` times the commands): gc.freeze() moves them to the permanent generation, which collections
# ignore. It runs as the last exit handler (atexit runs them in reverse order), so the other handlers still run,
# and objects freed by the modules' teardown are still finalised; only the final collection's walk is skipped
# (CPython never promised to collect cycles at exit), and the operating system frees the memory. The trick is
# Instagram's ("Dismissing Python Garbage Collection at Instagram", 2017) without their os._exit.
atexit.register(gc.freeze)


def collect_at_exit() -> None:
    """Undo the frozen exit for this process and the processes it forks: for the servers (``rapport slack`` and
    ``rapport discord``), whose exit time does not matter and whose ledger connections the final collection
    closes (closing SQLite's last connection copies the write-ahead log into the database file)."""
    atexit.unregister(gc.freeze)


class _EnvWarnings(logging.Filter):
    """python-dotenv's warnings about ``.env``, once each per process (the file is read more than once) and in
    Rapport's words: ``.env line 3 is not NAME=value and was skipped (fix or remove that line)``."""

    UNPARSED = re.compile(r"could not parse statement starting at line (\d+)")

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """True the first time a message is seen; a parse failure is reworded."""
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        unparsed = self.UNPARSED.search(message)
        if unparsed:
            record.msg = f".env line {unparsed.group(1)} is not NAME=value and was skipped (fix or remove that line)"
            record.args = ()
        return True


@click.group(
    cls=RapportGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(None, "-V", "--version", package_name="rapport", message="rapport %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Show informational log messages on stderr.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Rapport: coaching for networking messages that start conversations instead of pitches.

    \b
    Examples:
      rapport check "Hi Dana, loved your talk on onboarding. How did you pick the first metric?"
      rapport log sent "Dana Lee"
      rapport chat
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)
    logging.getLogger("dotenv.main").addFilter(_EnvWarnings())
    from bot import logs

    try:
        logs.setup(verbose)
    except ValueError as exc:
        fail(str(exc))


def model_coach() -> DraftChecker:
    """A draft checker with its model loaded (no ledger: nothing of SQLAlchemy is imported), or one line."""
    from bot.drafts import DraftChecker
    from classifier import load_checker

    try:
        return DraftChecker(load_checker())
    except ValueError as exc:  # RAPPORT_MODEL names no usable model: a setting
        fail(str(exc))


# -- the ledger: outreach, replies, reminders ------------------------------------------------------------


class IsoTime(click.ParamType):
    """An ISO 8601 time (``2026-11-22T09:30``, ``2026-11-22``); one without a zone is taken as UTC."""

    name = "ISO8601"

    def convert(self, value, param, ctx) -> datetime:
        """The aware ``datetime``; a usage error naming the option for anything else."""
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            self.fail(f"{value!r} is not an ISO 8601 time ({exc}), e.g. 2026-11-22T09:30 or 2026-11-22")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_time(value: datetime | str | None) -> datetime:
    """``--now``/``--at`` (already an ``IsoTime``, or ISO 8601 text); defaults to the current time."""
    if value is None:
        return utcnow()
    return IsoTime().convert(value, None, None)


def ledger_coach() -> Coach:
    """A coach on the configured ledger (migrated), or exit with one line (2: a setting, 1: the database).

    Reads only ``RAPPORT_DATABASE_URL`` (``bot.env``), so the ledger commands do not import pydantic. The coach's
    connections are closed when the command ends: closing SQLite's last connection copies the write-ahead log
    into the database file, so the file alone holds every write (a backup by copying it misses nothing). The
    exit does not do it: the connections sit in reference cycles, which the frozen exit skips (see above)."""
    from bot import env
    from bot.coach import Coach
    from bot.ledger.db import LedgerError, open_ledger

    try:
        coach = Coach(sessions=open_ledger(check_database_url(env.database_url())))
    except LedgerError as exc:
        fail(str(exc), code=EXIT_ENVIRONMENT)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(coach.close)
    return coach


#: How SQLite reports a full disk, a file it may not write, or a folder it cannot create its journal in.
STORAGE_TROUBLE = ("disk I/O error", "disk is full", "readonly database", "unable to open database file")


def ledger_errors(command):
    """Database failures (read-only file, lost connection, full disk) become one line and exit 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from sqlalchemy.exc import SQLAlchemyError

        from bot.ledger.db import describe
        from bot.types import Unavailable

        try:
            return command(*args, **kwargs)
        except (SQLAlchemyError, Unavailable) as exc:
            reason = str(exc) if isinstance(exc, Unavailable) else describe(exc)
            if any(sign in reason for sign in STORAGE_TROUBLE):
                from bot import env

                reason += f" (check free space and write permission where the database is: {env.database_url()})"
            fail(f"the database refused: {reason}", code=EXIT_ENVIRONMENT)

    return wrapper


#: The platform name of the terminal's users (``rapport remind`` and ``rapport chat`` deliver only theirs).
TERMINAL = "cli"


def local_user(user: str | None) -> UserRef:
    """The command line's user: ``("cli", "local", user or the login name)``."""
    return UserRef(TERMINAL, "local", user or getpass.getuser())


def shown(when: datetime) -> str:
    """An aware time as the user reads it, in the zone it carries: ``Mon 09 Mar 2026 20:30 EDT``."""
    return f"{when:%a %d %b %Y %H:%M %Z}"


user_option = click.option("--user", help="Whose ledger. [default: your login name]")
at_option = click.option("--at", "at", type=IsoTime(), help="When it happened. [default: now]")
now_option = click.option("--now", "now", type=IsoTime(), help="Pretend it is this time. [default: now]")


def reminder_json(r) -> dict:
    """A due reminder as a JSON-ready dict (``due_at`` ISO 8601)."""
    return {"id": r.id, "user": r.user.user_id, "contact": r.contact, "kind": r.kind, "due_at": r.due_at.isoformat()}


def progress_bar(total: int | None, what: str, unit: str = "step"):
    """A tqdm bar on stderr when it is a terminal (disabled otherwise): ``total`` steps (None: a running count of
    ``unit``), labelled ``what``; use as a context manager and call ``update(n)``."""
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


reminder_interval_option = click.option(
    "--reminder-interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between rounds of reminder and digest delivery.",
)
