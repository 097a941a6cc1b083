"""Group commit: many callers' small writes of one kind in one statement, nobody kept waiting.

Each caller awaits its own item as before and gets its own result (or the batch's exception);
what changes is that items that arrive while a batch is in flight go together in the next one.
No item waits for a timer: a lone caller's write goes at once, as it did alone, and under load
a hundred claims or finished sends cost one statement instead of a hundred. The guarantee a
caller had is kept — its write is committed before its await returns.

The batch runs in a task of its own, started by the first caller of a round, with that caller's
context (Tortoise's connections live in a ContextVar): call `submit` outside a transaction, as a
batch must not run inside one caller's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(self, run: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]], *, most: int = 500,
                 name: str = "group-commit") -> None:
        """`run(items)` writes a batch and returns one result per item, in order; `name`
        names the task that runs the batches."""
        self._run = run
        self._name = name
        self._most = most
        self._waiting: list[tuple[Item, asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    async def submit(self, item: Item) -> Result:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name=self._name)
        return await future

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self._most], self._waiting[self._most:]
            try:
                results = await self._run([item for item, _ in batch])
            except BaseException as exc:  # each caller sees the failure of its own write
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    for _, future in self._waiting:
                        future.cancel()
                    self._waiting = []
                    raise
                continue
            for (_, future), result in zip(batch, results):
                if not future.done():
                    future.set_result(result)
