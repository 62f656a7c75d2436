"""The ``rapport`` command."""

from __future__ import annotations

import functools
import getpass
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from bot.adapters.console import ConsoleChat, render_verdict
from bot.coach import Coach, UnknownContactError
from bot.types import UserRef
from bot.wording import NOTHING_DUE, digest_text, reminder_line, stats_line

EXIT_BAD_INPUT = 2


def _repair(text: str) -> str:
    """Arguments with invalid UTF-8 arrive with surrogate escapes; turn those bytes into U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _read_stdin() -> str:
    return sys.stdin.buffer.read().decode("utf-8", "replace")


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"rapport: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show informational log messages on stderr.")
def main(verbose: bool) -> None:
    """Rapport: coaching for networking messages that start conversations instead of pitches."""
    from bot import logs

    try:
        logs.setup(verbose)
    except ValueError as exc:
        _fail(str(exc))


def _coach() -> Coach:
    """A coach with its model loaded, or a clear one-line error."""
    from classifier import load_model

    try:
        return Coach(load_model())
    except ValueError as exc:
        _fail(str(exc))


@main.command()
@click.argument("draft", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
@click.option("--jsonl", is_flag=True, help='Read JSON Lines {"text": ...} on stdin; write one verdict per line.')
def check(draft: tuple[str, ...], as_json: bool, jsonl: bool) -> None:
    """Check a DRAFT message for pitchiness ("-" reads it from stdin).

    \b
    Examples:
      rapport check "Hi! We help companies like yours cut costs 40%. Free for a demo Friday?"
      pbpaste | rapport check -
      rapport check --jsonl < drafts.jsonl > verdicts.jsonl
    """
    coach = _coach()
    if jsonl:
        if draft:
            _fail("--jsonl reads drafts from stdin; do not pass DRAFT as well.")
        _check_jsonl(coach)
        return
    text = _read_stdin() if draft == ("-",) else _repair(" ".join(draft))
    if not text.strip():
        _fail('nothing to check: the draft is empty. Try: rapport check "your message"')
    verdict = coach.check_draft(text)
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
    else:
        click.echo(render_verdict(verdict))


def _check_jsonl(coach: Coach) -> None:
    lines = _read_stdin().splitlines()
    texts: list[tuple[int, str]] = []
    errors: dict[int, str] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors[n] = f"not valid JSON ({exc.msg})"
            continue
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            errors[n] = 'expected an object with a non-empty "text" string'
            continue
        texts.append((n, row["text"]))
    verdicts = dict(zip((n for n, _ in texts), coach.check_drafts([t for _, t in texts]), strict=True))
    for n in sorted(verdicts.keys() | errors.keys()):
        out = {"line": n, "error": errors[n]} if n in errors else verdicts[n].to_dict()
        click.echo(json.dumps(out, ensure_ascii=False))
    if errors:
        _fail(f"{len(errors)} of {len(errors) + len(verdicts)} lines could not be checked (see the error lines).")


@main.command()
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of labelled *.jsonl drafts. [default: the packaged corpus]",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write pitch.joblib, metrics.json and MODEL_CARD.md. [default: models/ of this checkout]",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20), help="Cross-validation folds.")
def train(corpus_dir: Path | None, out_dir: Path | None, folds: int) -> None:
    """Rebuild the model from the corpus, deterministically, with cross-validated metrics."""
    from classifier import corpus, store
    from classifier.train import train as run_train

    if out_dir is None:
        if not (store.REPO_MODELS_DIR.parent / "pyproject.toml").exists():
            _fail("this is an installed copy of Rapport; pass --out DIR (or train from a source checkout).")
        out_dir = store.REPO_MODELS_DIR
    try:
        metrics = run_train(corpus_dir or corpus.CORPUS_DIR, out_dir, folds=folds)
    except corpus.CorpusError as exc:
        _fail(str(exc))
    cv = metrics["cross_validation"]
    click.echo(f"Trained on {cv['n']} drafts in {metrics['train_seconds']} s.")
    click.echo(f"Wrote {out_dir}/pitch.joblib, metrics.json and MODEL_CARD.md.")
    click.echo(_figures_line(cv))


def _figures_line(m: dict) -> str:
    auc = f"{m['roc_auc']:.3f}" if m["roc_auc"] is not None else "n/a (one class)"
    hn = m["hard_negative_pitch_rate"]
    return (
        f"precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}  ROC-AUC {auc}  "
        f"accuracy {m['accuracy']:.3f}  hard negatives called pitch {'n/a' if hn is None else f'{hn:.3f}'}"
    )


@main.command(name="eval")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A model file to evaluate. [default: the shipped model]",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(file: Path, model_path: Path | None, as_json: bool) -> None:
    """Report precision, recall, F1, ROC-AUC and per-kind accuracy on a labelled FILE.jsonl."""
    from classifier import corpus, load_model
    from classifier.evaluate import figures

    try:
        examples = corpus.read_jsonl(file)
        model = load_model(model_path)
    except (corpus.CorpusError, ValueError) as exc:
        _fail(str(exc))
    probabilities = model.predict_proba([e.text for e in examples])[:, 1]
    m = figures(examples, probabilities, model)
    if as_json:
        click.echo(json.dumps(m, indent=2))
        return
    click.echo(f"{m['n']} drafts ({m['n_pitch']} pitch); borderline counts as not pitch")
    click.echo(_figures_line(m))
    for kind, row in m["per_kind"].items():
        click.echo(f"  {kind:28} n={row['n']:<5} accuracy {row['accuracy']:.3f}")


@main.group(invoke_without_command=True)
@click.option(
    "--repeats",
    default=500,
    show_default=True,
    type=click.IntRange(50, 100_000),
    help="Single-draft checks timed per draft length.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the raw figures as JSON.")
@click.pass_context
def bench(ctx: click.Context, repeats: int, as_json: bool) -> None:
    """Time the shipped model (load, single check, batch) against a bare TF-IDF + logistic regression.

    'rapport bench ledger' times the reminder queries instead.
    """
    if ctx.invoked_subcommand is not None:
        return
    from classifier import bench as b

    result = b.run(repeats=repeats)
    click.echo(json.dumps(result, indent=2) if as_json else b.report(result))


@bench.command(name="ledger")
@click.option("--url", help="An EMPTY database to seed. [default: a temporary SQLite file]")
@click.option("--users", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--outreach", default=100_000, show_default=True, type=click.IntRange(1, 10_000_000))
def bench_ledger(url: str | None, users: int, outreach: int) -> None:
    """Seed outreach and reminders and time finding what is due (target: <= 50 ms)."""
    from bot.ledger import bench as lb
    from bot.ledger.db import LedgerError

    try:
        click.echo(lb.report(lb.run(url, users=users, outreach=outreach)))
    except LedgerError as exc:
        _fail(str(exc), code=1)


# -- the ledger: outreach, replies, reminders ------------------------------------------------------------


def _now(value: str | None) -> datetime:
    """``--now``/``--at``: ISO 8601; a time without a zone is taken as UTC. Defaults to the current time."""
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time, e.g. 2026-11-22T09:30 or 2026-11-22") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _ledger_coach() -> Coach:
    from bot import settings
    from bot.ledger.db import LedgerError, open_ledger

    try:
        return Coach(sessions=open_ledger(settings.load().database()))
    except (LedgerError, settings.SettingsError) as exc:
        _fail(str(exc), code=1)


#: How SQLite reports a full disk, a file it may not write, or a folder it cannot create its journal in.
STORAGE_TROUBLE = ("disk I/O error", "disk is full", "readonly database", "unable to open database file")


def _ledger_errors(command):
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
                from bot import settings

                reason += (
                    f" (check free space and write permission where the database is: {settings.load().database()})"
                )
            _fail(f"the database refused: {reason}", code=1)

    return wrapper


def _local_user(user: str | None) -> UserRef:
    return UserRef("cli", "local", user or getpass.getuser())


_user_option = click.option("--user", help="Whose ledger. [default: your login name]")
_at_option = click.option("--at", "at", metavar="ISO8601", help="When it happened. [default: now]")
_now_option = click.option("--now", "now", metavar="ISO8601", help="Pretend it is this time. [default: now]")


@main.group()
def log() -> None:
    """Record outreach and replies, and show your log with reply stats."""


@log.command(name="sent")
@click.argument("contact")
@click.option("--note", help="A private note for yourself (the only text Rapport keeps).")
@_at_option
@_user_option
@_ledger_errors
def log_sent(contact: str, note: str | None, at: str | None, user: str | None) -> None:
    """Record that you reached out to CONTACT (a name or @handle)."""
    when = _now(at)
    try:
        logged = _ledger_coach().record_outreach(_local_user(user), contact, when, note=note)
    except ValueError as exc:
        _fail(str(exc))
    due = f"{logged.follow_up_due:%Y-%m-%d %H:%M} UTC"
    click.echo(f"Logged: you reached out to {logged.contact}. I'll remind you to follow up on {due}.")


@log.command(name="replied")
@click.argument("contact")
@_at_option
@_user_option
@_ledger_errors
def log_replied(contact: str, at: str | None, user: str | None) -> None:
    """Record that CONTACT replied to you (cancels pending follow-ups)."""
    try:
        logged = _ledger_coach().record_reply(_local_user(user), contact, _now(at))
    except (UnknownContactError, ValueError) as exc:
        _fail(str(exc))
    note = f" Cancelled {logged.cancelled_follow_ups} pending follow-up(s)." if logged.cancelled_follow_ups else ""
    click.echo(f"Logged: {logged.contact} replied.{note}")


@log.command(name="show")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON (the same as 'rapport export').")
@_user_option
@_ledger_errors
def log_show(as_json: bool, user: str | None) -> None:
    """Whom you reached, who replied and when, and your reply stats."""
    coach = _ledger_coach()
    ref = _local_user(user)
    data = coach.export(ref)
    if as_json:
        click.echo(json.dumps({**data, "stats": asdict(coach.stats(ref))}, indent=2))
        return
    if not data["contacts"]:
        click.echo('Nothing logged yet. Try: rapport log sent "Dana Lee"')
        return
    for c in data["contacts"]:
        sent = ", ".join(o["at"][:16].replace("T", " ") for o in c["outreach"])
        replied = ", ".join(r[:16].replace("T", " ") for r in c["replies"]) or "no reply yet"
        click.echo(f"  {c['contact']}: reached out {sent}; replied {replied}")
    click.echo(stats_line(coach.stats(ref)))


@main.command()
@click.option(
    "--json", "as_json", is_flag=True, default=True, help="JSON output (the only format; accepted for scripts)."
)
@_user_option
@_ledger_errors
def export(as_json: bool, user: str | None) -> None:
    """Print everything Rapport holds about you, as JSON."""
    click.echo(json.dumps(_ledger_coach().export(_local_user(user)), indent=2))


@main.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_user_option
@_ledger_errors
def forget(yes: bool, user: str | None) -> None:
    """Delete everything Rapport holds about you."""
    ref = _local_user(user)
    if not yes:
        click.confirm(f"Delete all outreach, replies and reminders of {ref.user_id}?", abort=True)
    gone = _ledger_coach().forget(ref)
    click.echo("Done: everything about you is deleted." if gone else "There was nothing to delete.")


@main.command()
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@_user_option
@_ledger_errors
def followups(now: str | None, as_json: bool, user: str | None) -> None:
    """List follow-ups and keep-in-touch nudges that are due."""
    items = _ledger_coach().followups(_local_user(user), _now(now))
    if as_json:
        click.echo(json.dumps([_reminder_json(r) for r in items]))
        return
    if not items:
        click.echo(NOTHING_DUE)
    for r in items:
        click.echo(f"  {reminder_line(r)}")


@main.command()
@click.option("--all", "everyone", is_flag=True, help="Totals across every user of this database (no one named).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_user_option
@_ledger_errors
def stats(everyone: bool, as_json: bool, user: str | None) -> None:
    """Reply rates, and how often a pitch verdict was marked 'Not a pitch' (the measured false-positive rate)."""
    coach = _ledger_coach()
    if everyone:
        fb = coach.feedback()
        data = {**asdict(fb), "disputed_rate": fb.disputed_rate}
        if as_json:
            click.echo(json.dumps(data))
            return
        rate = f"{fb.disputed_rate:.1%}" if fb.disputed_rate is not None else "n/a"
        click.echo(
            f"{fb.checks} drafts checked by {fb.users} people; {fb.pitch_checks} read as a pitch, "
            f"{fb.disputed} of those marked 'Not a pitch' ({rate})."
        )
        return
    result = coach.stats(_local_user(user))
    click.echo(json.dumps(asdict(result)) if as_json else stats_line(result))


@main.command()
@_now_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per delivered reminder.")
@_ledger_errors
def remind(now: str | None, as_json: bool) -> None:
    """Deliver every due reminder once (run it from cron), printing each.

    SIGTERM stops it after the reminder being printed; what was not reached stays due for the next run.
    """
    import signal
    import threading

    from bot.reminders import worker_name

    class Printer:
        def send(self, reminder) -> None:
            click.echo(json.dumps(_reminder_json(reminder)) if as_json else reminder_line(reminder))

        def send_digest(self, user, items) -> None:
            if as_json:
                for reminder in items:
                    click.echo(json.dumps({**_reminder_json(reminder), "digest": True}))
            else:
                click.echo(digest_text(items))

        def delivered(self, reminder, since) -> bool:
            """Standard output keeps no record to look in: a reminder whose printing was cut off prints again."""
            return False

    stop, worker = threading.Event(), worker_name()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    coach = _ledger_coach()
    try:
        coach.deliver(Printer(), _now(now), worker=worker, stop=stop)
    finally:
        coach.release(worker)


def _reminder_json(r) -> dict:
    return {"id": r.id, "user": r.user.user_id, "contact": r.contact, "kind": r.kind, "due_at": r.due_at.isoformat()}


@main.command()
@click.argument("contact")
@_user_option
@_ledger_errors
def done(contact: str, user: str | None) -> None:
    """Stop the follow-up reminders for CONTACT (you handled it)."""
    try:
        n = _ledger_coach().mark_done(_local_user(user), contact)
    except (UnknownContactError, ValueError) as exc:
        _fail(str(exc))
    click.echo(
        f"Done: {n} follow-up reminder(s) for {contact} ended." if n else f"No pending follow-ups for {contact}."
    )


@main.command()
@click.argument("contact")
@click.option("--days", default=3, show_default=True, type=click.IntRange(1, 365), help="How many days to wait.")
@_now_option
@_user_option
@_ledger_errors
def snooze(contact: str, days: int, now: str | None, user: str | None) -> None:
    """Push CONTACT's pending reminders back by a few days."""
    until = _now(now) + timedelta(days=days)
    try:
        n = _ledger_coach().snooze(_local_user(user), contact, until)
    except (UnknownContactError, ValueError) as exc:
        _fail(str(exc))
    click.echo(
        f"Snoozed {n} reminder(s) for {contact} until {until:%Y-%m-%d}." if n else f"Nothing pending for {contact}."
    )


@main.command(name="settings")
@click.option("--follow-up-days", type=int, help="Days without a reply before a follow-up reminder (1-60).")
@click.option("--max-follow-ups", type=int, help="Follow-up reminders per outreach at most (0-5).")
@click.option("--keep-in-touch-days", type=int, help="Days after the last exchange for a keep-in-touch nudge.")
@click.option("--quiet-hours", metavar="START-END", help="Hours with no reminders, e.g. 21-8.")
@click.option("--timezone", help="Your time zone, e.g. Europe/Berlin (quiet hours use it).")
@click.option(
    "--daily-digest/--separate-reminders", default=None, help="One message a day instead of one per reminder."
)
@_user_option
@_ledger_errors
def settings_command(
    follow_up_days, max_follow_ups, keep_in_touch_days, quiet_hours, timezone, daily_digest, user: str | None
) -> None:
    """Show or change your reminder settings."""
    changes = {
        "follow_up_days": follow_up_days,
        "max_follow_ups": max_follow_ups,
        "keep_in_touch_days": keep_in_touch_days,
        "timezone": timezone,
        "daily_digest": daily_digest,
    }
    if quiet_hours is not None:
        try:
            start, end = (int(part) for part in quiet_hours.split("-"))
        except ValueError:
            raise click.BadParameter("use START-END in whole hours, e.g. 21-8", param_hint="--quiet-hours") from None
        changes.update(quiet_start_hour=start, quiet_end_hour=end)
    try:
        current = _ledger_coach().update_settings(_local_user(user), _now(None), **changes)
    except ValueError as exc:
        _fail(str(exc))
    for name, value in current.items():
        click.echo(f"  {name.replace('_', ' ')}: {value}")


@main.command()
@_user_option
@_ledger_errors
def chat(user: str | None) -> None:
    """A terminal session with Rapport: check drafts, log outreach, get reminders as they come due."""
    coach = _ledger_coach()
    coach._model = None  # loaded on the first check, so the session opens at once
    ConsoleChat(coach, _local_user(user)).run(
        read=lambda prompt: click.prompt(prompt, prompt_suffix="", default="", show_default=False)
    )


_reminder_interval_option = click.option(
    "--reminder-interval",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between rounds of reminder and digest delivery.",
)


@main.group(invoke_without_command=True)
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on (HTTP mode).")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(1, 65535), help="HTTP port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@_reminder_interval_option
@click.pass_context
def slack(ctx: click.Context, host: str, port: int, workers: int, threads: int, reminder_interval: float) -> None:
    """Run the Slack app.

    \b
    Settings (environment or .env):
      SLACK_BOT_TOKEN        the bot token (xoxb-...)
      SLACK_SIGNING_SECRET   verifies that requests come from Slack (HTTP mode)
      SLACK_APP_TOKEN        an app-level token (xapp-...): use Socket Mode instead of HTTP
      RAPPORT_DATABASE_URL   the ledger (SQLite file by default; PostgreSQL for teams)
      RAPPORT_SLACK_API_URL  the Web API base URL (Slack's by default)

    In HTTP mode, point the app's slash command, interactivity and event subscriptions at
    https://<your host>/slack/events (see deploy/slack-manifest.yaml). GET /healthz answers 200
    while the database does.
    """
    if ctx.invoked_subcommand is not None:
        return
    from bot.adapters.slack.server import check_token, serve_http, serve_socket_mode
    from bot.ledger.db import LedgerError, open_ledger
    from bot.types import StartupError

    config = _slack_config(reminder_interval)
    try:
        open_ledger(config.database_url)  # migrate once, before any worker starts
        identity = check_token(config)
    except (StartupError, LedgerError) as exc:
        _fail(str(exc), code=1)
    mode = "Socket Mode" if config.app_token else f"HTTP on {host}:{port}, POST /slack/events"
    click.echo(f"Rapport for Slack: {identity.get('team', 'workspace')} as {identity.get('user', 'bot')}, {mode}.")
    if config.app_token:
        serve_socket_mode(config)
    else:
        serve_http(config, host, port, workers, threads)


def _slack_config(reminder_interval: float = 60.0):
    from bot import settings
    from bot.adapters.slack.server import SlackConfig

    try:
        current = settings.load()
        bot_token = current.secret("SLACK_BOT_TOKEN")
        app_token = current.secret("SLACK_APP_TOKEN", required=False)
        signing_secret = current.secret("SLACK_SIGNING_SECRET", required=app_token is None)
    except settings.SettingsError as exc:
        _fail(str(exc))
    if not current.slack_api_url.startswith(("https://", "http://")):
        _fail(f"RAPPORT_SLACK_API_URL is malformed: expected an http(s) URL, got {current.slack_api_url!r}")
    return SlackConfig(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        api_url=current.slack_api_url,
        database_url=current.database(),
        reminder_interval=reminder_interval,
        reminder_lease=timedelta(seconds=current.reminder_lease),
        reminder_retry=timedelta(seconds=current.reminder_retry),
    )


@slack.command(name="loadtest")
@click.option("--url", default="http://127.0.0.1:3000/slack/events", show_default=True, help="The running app.")
@click.option("--requests", "total", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--concurrency", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def slack_loadtest(url: str, total: int, concurrency: int, as_json: bool) -> None:
    """Send signed /rapport checks to a running app and print ack latency (signs with SLACK_SIGNING_SECRET)."""
    from bot import settings
    from bot.tools.slack_load import run_load

    try:
        secret = settings.load().secret("SLACK_SIGNING_SECRET")
    except settings.SettingsError as exc:
        _fail(str(exc))
    result = run_load(url, secret, total=total, concurrency=concurrency)
    click.echo(json.dumps(result) if as_json else result["summary"])
    if result["errors"]:
        sys.exit(1)


@main.command()
def doctor() -> None:
    """Check settings, the database and its migrations, the model and token formats; exit 1 on a problem.

    Applies no migration (pending ones are reported) and never prints a secret.
    """
    from bot.doctor import FAIL, examine

    findings = examine()
    width = max(len(f.what) for f in findings)
    for finding in findings:
        click.echo(f"{finding.status:>4}  {finding.what.ljust(width)}  {finding.detail}")
    if any(f.status == FAIL for f in findings):
        sys.exit(1)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command(name="upgrade")
@_ledger_errors
def db_upgrade() -> None:
    """Apply database migrations (also done automatically on start)."""
    _ledger_coach()
    click.echo("The database is up to date.")


# -- Discord ------------------------------------------------------------------------------------------------------


@main.group(name="discord", invoke_without_command=True)
@_reminder_interval_option
@click.option(
    "--reply-within",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0, 2.5),
    hidden=True,
    help="Answer an interaction directly if ready within this many seconds, else defer it first (for tests).",
)
@click.pass_context
def discord_command(ctx: click.Context, reminder_interval: float, reply_within: float) -> None:
    """Run the Discord bot (slash commands, context menu, DM reminders, watched channels).

    \b
    Settings (environment or .env):
      DISCORD_TOKEN            the bot token (Developer Portal > your app > Bot > Reset Token)
      RAPPORT_DATABASE_URL     the ledger (SQLite file by default; PostgreSQL for teams)
      RAPPORT_DISCORD_GUILD    a server id: sync commands there at start (instant, for development);
                               without it they sync globally
      RAPPORT_DISCORD_API_URL  the HTTP API base URL (Discord's by default)

    \b
    Add the bot to a server with the URL from:
      rapport discord invite-url --client-id <application id>
    Setup, intents and permissions: deploy/discord.md.
    """
    if ctx.invoked_subcommand is not None:
        return
    from bot import settings

    try:
        current = settings.load()
        token = current.secret("DISCORD_TOKEN")
    except settings.SettingsError as exc:
        _fail(str(exc))
    if not current.discord_api_url.startswith(("https://", "http://")):
        _fail(f"RAPPORT_DISCORD_API_URL is malformed: expected an http(s) URL, got {current.discord_api_url!r}")
    from bot.adapters.discord.client import DiscordConfig, run
    from bot.ledger.db import LedgerError, open_ledger
    from bot.types import StartupError
    from classifier import load_model

    try:
        coach = Coach(load_model(), open_ledger(current.database()))
    except (LedgerError, ValueError) as exc:
        _fail(str(exc), code=1)
    config = DiscordConfig(
        token=token,
        api_url=current.discord_api_url,
        database_url=current.database(),
        guild_id=current.discord_guild,
        reminder_interval=reminder_interval,
        reminder_lease=timedelta(seconds=current.reminder_lease),
        reminder_retry=timedelta(seconds=current.reminder_retry),
        reply_within=reply_within,
    )
    try:
        run(config, coach, announce=click.echo)
    except StartupError as exc:
        _fail(str(exc), code=1)


@discord_command.command(name="invite-url")
@click.option("--client-id", required=True, help="The application id (Developer Portal > General Information).")
def discord_invite_url(client_id: str) -> None:
    """Print the OAuth2 URL that adds the bot to a server, with exactly the permissions it needs."""
    from bot.adapters.discord.client import invite_url

    if not client_id.strip().isdigit() or not 17 <= len(client_id.strip()) <= 20:
        _fail(f"--client-id must be the application id (17-20 digits), got {client_id!r}")
    click.echo(invite_url(client_id.strip()))
