"""Waiting in tests without sleeping for a fixed time: poll a condition until it holds or a deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T], timeout: float = 10.0, what: str = "the condition", interval: float = 0.05
) -> T:
    """``predicate()``'s first truthy result, polled every ``interval`` seconds.

    Raises ``AssertionError`` naming ``what`` when ``timeout`` seconds pass without one, so a test that waits
    for something that never happens fails instead of hanging or passing by luck.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
