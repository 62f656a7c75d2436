"""The floor for the Slack load check: a bare bolt app that acks ``/rapport`` at once, served like ``rapport slack``.

``python -m bot.adapters.slack.floor --port N [--workers W --threads T]`` runs it under gunicorn with
``rapport slack``'s own settings (``server.gunicorn_options``), bolt's defaults (its 5 listener threads,
``process_before_response`` off), the same signing secret check and the same ``auth.test`` on first use
(``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``, ``RAPPORT_SLACK_API_URL``). Its ack latency under the same load
is what the HTTP server, the signature check and bolt cost with no work at all, so Rapport's figures are read
against it. It answers ``"Pitch score 0/100"`` so the load check counts its acks as answers.
"""

from __future__ import annotations

import argparse
import os

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.adapters.slack import make_client
from bot.adapters.slack.server import EVENTS_PATH, gunicorn_options

ANSWER = "Pitch score 0/100 (the floor app answers without checking)"


def floor_app(token: str, signing_secret: str, api_url: str) -> App:
    """A bolt app whose only listener acks ``/rapport`` with ``ANSWER``."""
    app = App(client=make_client(token, api_url), signing_secret=signing_secret)

    @app.command("/rapport")
    def rapport(ack) -> None:
        ack(response_type="ephemeral", text=ANSWER)

    return app


class _Floor(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = floor_app(
            os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_SIGNING_SECRET"], os.environ["RAPPORT_SLACK_API_URL"]
        )
        return SlackRequestHandler(app, path=EVENTS_PATH)


def main() -> None:
    """Serve the floor app on 127.0.0.1 until stopped."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    _Floor(gunicorn_options("127.0.0.1", args.port, args.workers, args.threads)).run()


if __name__ == "__main__":
    main()
