"""The ``rapport`` command (``rapport = "bot.cli:main"``), one module per command group."""

from bot.cli import discord, doctor, ladder, ledger, model, slack, startup  # noqa: F401 - each adds its commands to main
from bot.cli.base import main

__all__ = ["main"]
