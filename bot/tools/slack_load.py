"""Load for a running Slack app: signed ``/rapport`` checks, N at a time, ack latency measured per request.

Requests are signed exactly as Slack signs them (``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``).
"""

from __future__ import annotations

import hashlib
import hmac
import statistics
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

DRAFTS = [
    "Hi! We help companies like yours cut hiring costs by 40%. Book a quick demo this week?",
    "Loved your talk on onboarding. What made you change how new people spend their first week?",
    "Our platform is the leading solution for teams. Limited offer: 30% off if you sign up by Friday.",
    "Congrats on the launch! How did you decide which feature to ship first?",
]


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(text: str, user: str = "ULOAD", team: str = "TLOAD", response_url: str = "") -> bytes:
    """A slash command payload with the fields Slack documents."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team,
            "team_domain": "load",
            "channel_id": "CLOAD",
            "channel_name": "load",
            "user_id": user,
            "user_name": "load",
            "command": "/rapport",
            "text": text,
            "api_app_id": "ALOAD",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    ).encode()


def run_load(url: str, secret: str, total: int = 200, concurrency: int = 20, timeout: float = 10.0) -> dict:
    """Send ``total`` checks, ``concurrency`` at a time; return latency figures (ms) and the error count."""

    def one(i: int) -> tuple[float, str | None]:
        body = command_body(DRAFTS[i % len(DRAFTS)], user=f"ULOAD{i % 50}")
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(secret, body)}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
                error = None if response.status == 200 and b"Pitch score" in payload else f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            error = str(exc)
        return (time.perf_counter() - start) * 1000, error

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(total)))
    wall = time.perf_counter() - started
    latencies = sorted(ms for ms, _ in results)
    errors = [e for _, e in results if e]
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    figures = {
        "requests": total,
        "concurrency": concurrency,
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(latencies[-1], 1),
        "over_3s": sum(1 for ms in latencies if ms > 3000),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "per_second": round(total / wall, 1),
    }
    figures["summary"] = (
        f"{total} signed /rapport checks, {concurrency} at a time: ack p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms, over 3 s {figures['over_3s']}, "
        f"errors {figures['errors']}, {figures['per_second']}/s"
    )
    return figures
