"""``rapport doctor``: check the setup without starting anything."""

from __future__ import annotations

import sys

import click

from bot.cli.base import (
    main,
)


@main.command()
def doctor() -> None:
    """Check the setup; exit 1 on a problem.

    Checks settings, the database and its migrations, the model and token formats.

    Applies no migration (pending ones are reported) and never prints a secret.
    """
    from bot.doctor import FAIL, examine

    findings = examine()
    width = max(len(f.what) for f in findings)
    for finding in findings:
        click.echo(f"{finding.status:>4}  {finding.what.ljust(width)}  {finding.detail}")
    if any(f.status == FAIL for f in findings):
        sys.exit(1)
