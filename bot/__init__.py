"""Rapport's bot: the coach service, its adapters (console, Slack, Discord) and the ``rapport`` CLI."""
