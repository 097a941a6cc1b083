"""Answers about the jurisdiction kept for a minute: a grid's chat, the ticket prefix, the
place names, the unit tree. They change only when a jurisdiction file is loaded (which forgets
them at once) or another database is opened; a minute bounds how long another instance that
loaded a file is out of step."""

from __future__ import annotations

import time




_CACHE_TTL_S = 60.0
_cache: dict[tuple, tuple[float, object]] = {}


async def remembered(key: tuple, load):
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < _CACHE_TTL_S:
        return hit[1]
    value = await load()
    _cache[key] = (time.monotonic(), value)
    return value


def forget_cached() -> None:
    """After a jurisdiction file is loaded, or another database is opened."""
    _cache.clear()
