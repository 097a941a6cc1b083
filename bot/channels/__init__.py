"""Channels: the port (port.py) and its adapters (telegram/).

The people and chats a jurisdiction file lists are on one channel, `DEFAULT` (the file names no
other today): Telegram, the one adapter so far. Everything else carries its channel with it (an
Inbound, a Press, a resident's or a chat's row), so a second adapter adds a name, not a rule.
"""

DEFAULT = "telegram"
