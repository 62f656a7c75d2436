"""A light liveness check for containers and service managers: ``python -m bot.health``.

It imports only the standard library (no scikit-learn, model, database driver or chat SDK), so it answers in
well under a second even on a loaded machine, unlike ``rapport doctor``.

- ``python -m bot.health URL``: 0 if ``GET URL`` answers 200 (the Slack app's ``/healthz``, which also asks the
  database), else 1.
- ``python -m bot.health --heartbeat [PATH]``: 0 if PATH (default ``$RAPPORT_HEARTBEAT_FILE``) was touched in the
  last ``--max-age`` seconds. ``rapport discord`` touches ``$RAPPORT_HEARTBEAT_FILE``, when that is set, every
  ``BEAT`` seconds while it is connected to Discord and its event loop is free, so a hung or disconnected bot
  turns unhealthy.
- no argument: the heartbeat when ``$RAPPORT_HEARTBEAT_FILE`` is set, else ``http://127.0.0.1:3000/healthz``.

Prints one line on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

HEARTBEAT_ENV = "RAPPORT_HEARTBEAT_FILE"
#: Seconds between beats, and the age past which a heartbeat counts as stale.
BEAT = 10.0
MAX_AGE = 60.0
DEFAULT_URL = "http://127.0.0.1:3000/healthz"


def heartbeat_path() -> Path | None:
    """The heartbeat file named by ``$RAPPORT_HEARTBEAT_FILE``, or ``None`` when it is unset or blank."""
    value = os.environ.get(HEARTBEAT_ENV, "").strip()
    return Path(value) if value else None


async def beat(path: Path, alive: Callable[[], bool], every: float = BEAT) -> None:
    """Touch ``path`` every ``every`` seconds while ``alive()``; runs until cancelled."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        if alive():
            path.touch()
        await asyncio.sleep(every)


def check_url(url: str, timeout: float = 4.0) -> str | None:
    """None when ``url`` answers 200, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return None if response.status == 200 else f"{url} answered HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"{url} answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url} did not answer: {getattr(exc, 'reason', exc)}"


def check_heartbeat(path: Path, max_age: float = MAX_AGE) -> str | None:
    """None when ``path`` was touched within ``max_age`` seconds, else why not."""
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return f"no heartbeat at {path} (the bot has not connected yet, or it is not running)"
    return None if age <= max_age else f"the heartbeat at {path} is {age:.0f} s old (more than {max_age:.0f} s)"


def main(argv: list[str]) -> int:
    """Run the check ``argv`` asks for (see the module docstring); 0 healthy, 1 unhealthy, 2 bad usage."""
    parser = argparse.ArgumentParser(prog="python -m bot.health", description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help=f"a URL that must answer 200 [default: {DEFAULT_URL}]")
    parser.add_argument(
        "--heartbeat", nargs="?", const="", metavar="PATH", help=f"check a heartbeat file [default: ${HEARTBEAT_ENV}]"
    )
    parser.add_argument("--max-age", type=float, default=MAX_AGE, help="seconds a heartbeat stays fresh")
    args = parser.parse_args(argv)
    if args.heartbeat is not None:
        path = Path(args.heartbeat) if args.heartbeat else heartbeat_path()
        if path is None:
            sys.stderr.write(f"unhealthy: --heartbeat needs a path or {HEARTBEAT_ENV}\n")
            return 2
        problem = check_heartbeat(path, args.max_age)
    elif args.url:
        problem = check_url(args.url)
    elif (path := heartbeat_path()) is not None:
        problem = check_heartbeat(path, args.max_age)
    else:
        problem = check_url(DEFAULT_URL)
    if problem:
        sys.stderr.write(f"unhealthy: {problem}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
