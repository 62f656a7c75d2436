"""Run the failure drills and print their figures: ``python -m tests.drills [kill postgres chat-api full-disk]``."""

import argparse
import logging
import tempfile
from pathlib import Path

from tests.drills.drills import DRILLS, UnavailableError


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.drills", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="DRILL", help=f"any of {', '.join(DRILLS)} (default: all)")
    names = parser.parse_args().names or list(DRILLS)
    if unknown := [n for n in names if n not in DRILLS]:
        parser.error(f"unknown drill {', '.join(unknown)}; choose from {', '.join(DRILLS)}")
    logging.basicConfig(level=logging.WARNING)
    print(f"{'drill':<24} {'what':<18} {'sent':>5} {'delivered':>9} {'duplicated':>10} {'lost':>5}  note")
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"rapport-drill-{name}-") as folder:
            try:
                rows = DRILLS[name](Path(folder))
            except UnavailableError as exc:
                print(f"{name:<24} skipped: {exc}")
                continue
        for r in rows:
            print(f"{r.drill:<24} {r.what:<18} {r.sent:>5} {r.delivered:>9} {r.duplicated:>10} {r.lost:>5}  {r.note}")


if __name__ == "__main__":
    main()
