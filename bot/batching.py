"""Group commit: many callers' small writes of one kind in one statement, nobody kept waiting.

Each caller awaits its own item as before and gets its own result (or the batch's exception);
what changes is that items that arrive while a batch is in flight go together in the next one.
No item waits for a timer: a lone caller's write goes at once, in the caller, and under load
a hundred claims or finished sends cost one statement instead of a hundred. The guarantee a
caller had is kept — its write is committed before its await returns.

The batches after a lone write run in a task of its own, started by that writer, with its
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
        self._busy = False  # a batch is being written

    async def submit(self, item: Item) -> Result:
        if not self._busy:  # nothing in flight: written here and now, as a lone write always was
            self._busy = True
            try:
                (result,) = await self._run([item])
            finally:
                self._next_round()
            return result
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        return await future

    def _next_round(self) -> None:
        """What arrived meanwhile goes in one batch of its own, in a task (the caller goes on)."""
        if self._waiting:
            self._task = asyncio.create_task(self._flush(), name=self._name)
        else:
            self._busy = False

    async def _flush(self) -> None:
        try:
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
        finally:
            self._busy = False
