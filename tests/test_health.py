"""``python -m bot.health``: the containers' liveness check is light (standard library only) and tells a
healthy process from one that does not answer."""

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HEAVY = ("sklearn", "numpy", "sqlalchemy", "discord", "slack_bolt", "slack_sdk", "gunicorn", "classifier", "click")
ROOT = Path(__file__).parents[1]


def health(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.health", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=30
    )


def test_the_check_imports_nothing_heavy():
    code = "import sys, bot.health; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=30)
    modules = set(loaded.stdout.split())
    assert "bot.health" in modules, loaded.stderr
    assert not {m.split(".")[0] for m in modules} & set(HEAVY)


class _Healthz(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_url_is_healthy_only_while_it_answers_200():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/healthz"
    try:
        assert health(url).returncode == 0
        _Healthz.status = 503
        r = health(url)
        assert r.returncode == 1 and r.stderr == f"unhealthy: {url} answered HTTP 503\n"
    finally:
        _Healthz.status = 200
        server.shutdown()
        server.server_close()
    r = health(url)
    assert r.returncode == 1 and "did not answer" in r.stderr


def test_a_heartbeat_is_healthy_only_while_fresh(tmp_path):
    beat = tmp_path / "discord.heartbeat"
    assert health("--heartbeat", str(beat)).returncode == 1  # never touched
    beat.touch()
    assert health("--heartbeat", str(beat)).returncode == 0
    assert health(RAPPORT_HEARTBEAT_FILE=str(beat)).returncode == 0  # no argument: the file from the environment
    r = health("--heartbeat", str(beat), "--max-age", "-1")  # as if the bot had stopped beating
    assert r.returncode == 1 and "old" in r.stderr
