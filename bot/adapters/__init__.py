"""Thin translation layers between a chat platform (or the terminal) and ``bot.coach``."""
