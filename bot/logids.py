"""Telegram ids as log lines show them: a keyed hash, never the id itself.

A Telegram user id is a person (and a private chat's id is its person's user id), so a log line
names one as `person(id)`: ``u:3f9c2a1b7d04``, the first 12 hex digits of HMAC-SHA256 over the
id with the key GRIDBOT_LOG_KEY. The same person gives the same hash all through a log, so one
can still follow them; without the key nobody can go from the hash back to the id by trying
ids. Unset, the key is random per process: lines of one run can be followed, across restarts
(or instances) only with a key set. Group chats (negative ids) are units, not people: shown as
they are.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

ENV = "GRIDBOT_LOG_KEY"

_key: bytes | None = None


def configure(key: str | None) -> None:
    """Use this key (empty or None: a random one for this process)."""
    global _key
    _key = key.encode() if key else secrets.token_bytes(32)


def _secret() -> bytes:
    if _key is None:
        configure(os.environ.get(ENV, "").strip())
    return _key


def person(user_id: int | str | None) -> str:
    """A user id as a log line may show it."""
    if user_id is None:
        return "u:-"
    digest = hmac.new(_secret(), str(user_id).encode(), hashlib.sha256).hexdigest()
    return "u:" + digest[:12]


def chat(chat_id: int | None) -> str:
    """A chat id as a log line may show it: a private chat (positive: the person's id) hashed,
    a group's id as it is."""
    if chat_id is None:
        return "-"
    return str(chat_id) if int(chat_id) < 0 else person(chat_id)


# Ids that reach a log line inside text the bot did not write: a database's error ("Key
# (channel, user_id)=(telegram, 5550001) already exists"), a library's repr of an update
# ("'from': {'id': 5550001, 'is_bot': False"). A net under the call sites, which hash their own.
_IN_TEXT = re.compile(r"((?:\b(?:user_id|chat_id|from_user|user)\b|'from': \{'id')[^\d\n-]{0,24}?)(?<![\w:])(\d{5,})\b")


def redact(text: str) -> str:
    return _IN_TEXT.sub(lambda m: m[1] + person(m[2]), text)
