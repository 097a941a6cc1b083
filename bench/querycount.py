"""Counting the statements a process sends to its database (the bench's bot process): every
`execute_*` of Tortoise's clients, transactions' included; BEGIN and COMMIT are not counted
(asyncpg and aiosqlite run them outside these methods)."""

from __future__ import annotations

import functools

from tortoise.backends.base.client import BaseDBAsyncClient

METHODS = ("execute_insert", "execute_query", "execute_query_dict", "execute_many", "execute_script")
counted = [0]


def _classes(root: type) -> list[type]:
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def install() -> None:
    """Wrap every client class's own execute_* methods (import the backends first)."""
    import tortoise.backends.sqlite.client  # noqa: F401
    try:
        import tortoise.backends.asyncpg.client  # noqa: F401
    except ImportError:
        pass
    for cls in _classes(BaseDBAsyncClient):
        for name in METHODS:
            own = cls.__dict__.get(name)
            if own is None or getattr(own, "_counted", False):
                continue

            @functools.wraps(own)
            async def counting(self, *args, _own=own, **kwargs):
                counted[0] += 1
                return await _own(self, *args, **kwargs)

            counting._counted = True
            setattr(cls, name, counting)
