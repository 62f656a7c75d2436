"""``rapport check``, ``train``, ``eval`` and ``bench``: the classifier from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot import wording
from bot.cli.base import (
    fail,
    main,
    model_coach,
    progress_bar,
    read_stdin,
    repair,
)

if TYPE_CHECKING:
    from bot.drafts import DraftChecker


@main.command()
@click.argument("draft", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
@click.option("--jsonl", is_flag=True, help='Read JSON Lines {"text": ...} on stdin; write one verdict per line.')
@click.option(
    "--jobs",
    type=click.IntRange(1, 256),
    help="Worker processes for --jsonl. [default: the number of CPUs]",
)
@click.option("--to", "to", help="Whom the draft is for: says where that relationship stands in your log.")
@click.option("--user", help="Whose log --to looks in. [default: your login name]")
def check(draft: tuple[str, ...], as_json: bool, jsonl: bool, jobs: int | None, to: str | None, user) -> None:
    """Check a DRAFT for pitchiness ("-": read stdin).

    A very long draft is checked up to a limit, with a note; binary input is refused.

    \b
    Examples:
      rapport check "Hi! We help companies like yours cut costs 40%. Free for a demo Friday?"
      pbpaste | rapport check -
      rapport check --jsonl --jobs 2 < drafts.jsonl > verdicts.jsonl

    With --jsonl, verdicts stream out in input order as they are ready (memory does not grow with the
    input), and a progress count shows on a terminal.
    """
    if jsonl:
        if draft:
            fail("--jsonl reads drafts from stdin (do not pass DRAFT as well)")
        _check_jsonl(model_coach(), jobs)
        return
    text = read_stdin() if draft == ("-",) else repair(" ".join(draft))
    if not text.strip():
        fail('nothing to check: the draft is empty (try: rapport check "your message")')
    from bot.adapters.console import render_verdict

    verdict = model_coach().check_draft(text)
    standing = _standing(to, user) if to else None
    if as_json:
        extra = {"standing": wording.standing_text(standing)} if standing else {}
        click.echo(json.dumps({**verdict.to_dict(), **extra}, ensure_ascii=False))
    else:
        click.echo(render_verdict(verdict))
        if standing is not None:
            click.echo(wording.standing_text(standing))


def _standing(to: str, user: str | None):
    """Where the relationship with ``to`` stands in the user's log (None if not there); database errors: one line."""
    from bot.cli.base import ledger_coach, ledger_errors, local_user

    return ledger_errors(lambda: ledger_coach().standing(local_user(user), to))()


def _check_jsonl(coach: DraftChecker, jobs: int | None) -> None:
    from collections import deque

    from classifier import batch

    entries: deque[tuple[int, str | None]] = deque()  # (line, error or None), read ahead of the verdicts

    def texts():
        for n, raw in enumerate(sys.stdin.buffer, 1):
            line = raw.decode("utf-8", "replace")
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                entries.append((n, f"not valid JSON ({exc.msg})"))
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
                entries.append((n, 'expected an object with a non-empty "text" string'))
                continue
            entries.append((n, None))
            yield row["text"]

    checked = errors = 0

    def flush_errors() -> None:
        nonlocal errors
        while entries and entries[0][1] is not None:
            n, error = entries.popleft()
            errors += 1
            click.echo(json.dumps({"line": n, "error": error}, ensure_ascii=False))

    with progress_bar(None, "checking", unit="draft") as bar:
        for verdict in batch.stream(coach.model, texts(), jobs or batch.default_jobs(), progress=bar.update):
            flush_errors()
            entries.popleft()
            checked += 1
            click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False))
    flush_errors()
    if errors:
        fail(f"{errors} of {errors + checked} lines could not be checked (see the error lines).")


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
    help="Where to write pitch.joblib, pitch.fast, metrics.json and MODEL_CARD.md. [default: models/ of this checkout]",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20), help="Cross-validation folds.")
def train(corpus_dir: Path | None, out_dir: Path | None, folds: int) -> None:
    """Rebuild the model from the corpus (about a minute).

    Deterministic, with writer-held-out and stratified cross-validated metrics.

    \b
    Example:
      rapport train --out /tmp/model
    """
    from classifier import corpus, store
    from classifier.train import train as run_train

    if out_dir is None:
        if not (store.REPO_MODELS_DIR.parent / "pyproject.toml").exists():
            fail("this is an installed copy of Rapport (pass --out DIR, or train from a source checkout)")
        out_dir = store.REPO_MODELS_DIR
    corpus_dir = corpus_dir or corpus.CORPUS_DIR
    try:
        with progress_bar(len(corpus.files(corpus_dir)) + folds + 1, "training") as bar:
            metrics = run_train(corpus_dir, out_dir, folds=folds, progress=lambda n=1: bar.update(n))
    except (corpus.CorpusError, ValueError) as exc:
        fail(str(exc))
    held, cv = metrics["writer_held_out"], metrics["stratified"]
    click.echo(f"Trained on {held['n']} drafts by {held['writers']} writers in {metrics['train_seconds']} s.")
    click.echo(f"Wrote {out_dir}/pitch.joblib, pitch.fast, metrics.json and MODEL_CARD.md.")
    click.echo("writer-held-out: " + figures_line(held))
    click.echo("stratified:      " + figures_line(cv))


def figures_line(m: dict) -> str:
    """Evaluation figures (fractions 0-1) on one line."""
    auc = f"{m['roc_auc']:.3f}" if m["roc_auc"] is not None else "n/a (one class)"
    hn = m["hard_negative_pitch_rate"]
    return (
        f"precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}  ROC-AUC {auc}  "
        f"accuracy {m['accuracy']:.3f}  hard negatives called pitch {'n/a' if hn is None else f'{hn:.3f}'}"
    )


@main.command()
@click.argument("settings", nargs=-1)
def tune(settings: tuple[str, ...]) -> None:
    """Compare model SETTINGS on writer-grouped figures.

    Each SETTING is a JSON object of PitchModel parameters, scored on writer-grouped 5-fold figures.

    \b
    Example (a minute or two per setting):
      rapport tune '{}' '{"C": 8}'
    """
    from classifier.model import PitchModel
    from classifier.tune import grouped_figures, report_line

    try:
        parsed = [json.loads(s) for s in settings or ("{}",)]
        for params in parsed:
            if not isinstance(params, dict):
                raise ValueError(f"{params!r} is not a JSON object")
            PitchModel(**params)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(f"each setting is a JSON object of PitchModel parameters ({exc})") from None
    with progress_bar(len(parsed), "tuning") as bar:
        for params in parsed:
            line = report_line(params, grouped_figures(params))
            bar.update(1)
            bar.write(line, file=sys.stdout)  # above the bar, which stays at the bottom


@main.command(name="eval")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A model file to evaluate. [default: the shipped model]",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--jobs", type=click.IntRange(1, 256), help="Worker processes. [default: the number of CPUs]")
def evaluate(file: Path, model_path: Path | None, as_json: bool, jobs: int | None) -> None:
    """Score the model on a labelled FILE.jsonl.

    Reports precision, recall, F1, ROC-AUC and per-kind accuracy, and how fitted the advice is.

    \b
    Example:
      rapport eval tests/data/unseen.jsonl --json
    """
    import numpy as np

    from classifier import batch, corpus, load_model
    from classifier.evaluate import advice_figures, figures

    try:
        examples = corpus.read_jsonl(file)
        model = load_model(model_path)
    except (corpus.CorpusError, ValueError) as exc:
        fail(str(exc))
    with progress_bar(len(examples), "evaluating", unit="draft") as bar:
        texts = (e.text for e in examples)
        verdicts = list(batch.stream(model, texts, jobs or batch.default_jobs(), progress=bar.update))
    m = figures(examples, np.array([v.pitch_probability for v in verdicts]), model, [v.label for v in verdicts])
    m["advice"] = advice_figures(verdicts)
    if as_json:
        click.echo(json.dumps(m, indent=2))
        return
    click.echo(f"{m['n']} drafts ({m['n_pitch']} pitch); borderline and unscored count as not pitch")
    click.echo(figures_line(m))
    a = m["advice"]
    on_topic = "n/a" if a["on_topic_share"] is None else f"{a['on_topic_share']:.1%}"
    click.echo(
        f"advice: most common question list {a['top_list_share']:.1%} of verdicts, "
        f"{a['distinct_per_verdict']:.2f} distinct questions per verdict, "
        f"a question on the draft's topic for {on_topic} of drafts of 8+ words"
    )
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
    """Time the model (or 'bench ledger', 'bench startup').

    Times the shipped model (load, single check, batch) against a bare TF-IDF + logistic regression;
    'rapport bench ledger' times the reminder queries, 'rapport bench startup' how fast commands start.
    """
    if ctx.invoked_subcommand is not None:
        return
    from classifier import bench as b

    with progress_bar(len(b.STEPS), "benchmarking") as bar:
        result = b.run(repeats=repeats, progress=lambda step: (bar.set_postfix_str(step), bar.update()))
    click.echo(json.dumps(result, indent=2) if as_json else b.report(result))


@bench.command(name="ledger")
@click.option("--url", help="An EMPTY database to seed. [default: a temporary SQLite file]")
@click.option(
    "--users", default=1000, show_default=True, type=click.IntRange(1, 100_000), help="Users to seed the ledger with."
)
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    help="Outreach rows to grow the database to, comma-separated, increasing.",
)
def bench_ledger(url: str | None, users: int, sizes: str) -> None:
    """Time finding due reminders at each size (target: <= 50 ms).

    Grows outreach and reminders to each size and runs ANALYZE, as production's statistics would be.
    """
    from bot.cli.base import check_database_url
    from bot.ledger import bench as lb
    from bot.ledger.db import LedgerError

    if url:
        check_database_url(url)
    try:
        counts = [int(n.replace("_", "")) for n in sizes.split(",") if n.strip()]
    except ValueError:
        fail(f"--sizes takes whole numbers separated by commas, like 10000,100000; got {sizes!r}")
    try:
        with progress_bar(len(counts), "growing and timing", unit="size") as bar:
            click.echo(lb.report(lb.run(url, users=users, sizes=counts, progress=bar.update)))
    except ValueError as exc:
        fail(str(exc))
    except LedgerError as exc:
        fail(str(exc), code=1)
