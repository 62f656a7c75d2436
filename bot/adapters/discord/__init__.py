"""Rapport's Discord bot (discord.py): ``/rapport``, "Check with Rapport", DM reminders, watched channels.

- ``client.py``: the auto-sharded client (answering interactions off the event loop, channel messages, the
  delivery rounds) and ``run``;
- ``commands.py``: the app commands; ``components.py``: persistent buttons, selects and forms;
- ``notifier.py``: reminder DMs and channel digests over the HTTP API; ``render.py``: embeds and texts.
"""

PLATFORM = "discord"
