"""Button data, typed: one `Action` per kind of button, which both writes and reads its data.

A card's 接单 button carries "w:acc:<ticket id>". The workflow declares
`ACCEPT = Action("w:acc", ID)` beside the card; the card builds the button with
`ACCEPT.data(ticket.id)`; the workflow's feature binds ACCEPT to the function that accepts, and
the router calls it with the ticket id as an int. Nobody else writes or parses that string. Parsing is strict: a field that is not what it should be (an id past the
database's range, a code with other characters) makes the press stale before any query runs,
so a forged button costs nothing.

Data keeps the shape buttons already posted in chats have ("name:field:field"), so an upgrade
does not break the cards people still see.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

MAX_DATA_BYTES = 64  # Telegram's limit for callback data
MAX_ROW_ID = 2**31 - 1  # PostgreSQL's integer: a bigger forged id must never reach a query


@dataclass(frozen=True)
class Field:
    name: str
    pattern: re.Pattern
    convert: Callable[[str], Any]
    check: Callable[[Any], bool] = lambda value: True


ID = Field("id", re.compile(r"[0-9]{1,10}"), int, lambda value: 0 < value <= MAX_ROW_ID)
VERSION = Field("version", re.compile(r"[0-9]{1,6}"), int)
CODE = Field("code", re.compile(r"[a-z0-9_]{1,20}"), str)


def is_row_id(value: str | None) -> bool:
    """A string from outside (a command's argument, a button) that may name a row."""
    return bool(value) and bool(ID.pattern.fullmatch(value)) and ID.check(int(value))


class Action:
    """One kind of button: its name and its typed fields. What a press does is bound by the
    feature that owns it (bot/handlers/registry.py)."""

    def __init__(self, name: str, *fields: Field) -> None:
        if not re.fullmatch(r"[a-z]{1,6}(:[a-z]{1,8})?", name):
            raise ValueError(f"action name {name!r}: one or two short lowercase words, like 'w:acc'")
        self.name = name
        self.fields = fields

    def data(self, *values: Any) -> str:
        if len(values) != len(self.fields):
            raise TypeError(f"{self.name} takes {len(self.fields)} values, got {len(values)}")
        parts = [self.name]
        for field, value in zip(self.fields, values):
            text = str(value)
            if not field.pattern.fullmatch(text) or not field.check(field.convert(text)):
                raise ValueError(f"{self.name}: {value!r} is not a valid {field.name}")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"{self.name}: button data over {MAX_DATA_BYTES} bytes")
        return data

    def parse(self, rest: list[str]) -> tuple | None:
        """The fields after the name, converted; None when they are not this action's."""
        if len(rest) != len(self.fields):
            return None
        values = []
        for field, text in zip(self.fields, rest):
            if not field.pattern.fullmatch(text):
                return None
            value = field.convert(text)
            if not field.check(value):
                return None
            values.append(value)
        return tuple(values)

    def __repr__(self) -> str:
        return f"Action({self.name!r})"


Handler = Callable[..., Awaitable[str | None]]  # (rt, press, *fields) -> the toast, or None


class Actions:
    """Every feature's actions, by name, each with what a press runs. Built once at start-up: a
    name declared twice, or a name that reads as the start of another's data, is a programming
    error and stops it."""

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[str, Action, Handler]] = {}

    def add(self, owner: str, action: Action, handler: Handler) -> None:
        if action.name in self._by_name:
            raise ValueError(f"button action {action.name!r} is declared by both "
                             f"{self._by_name[action.name][0]} and {owner}")
        for other in self._by_name:
            if other.startswith(action.name + ":") or action.name.startswith(other + ":"):
                raise ValueError(f"button actions {other!r} and {action.name!r} cannot be told apart")
        self._by_name[action.name] = (owner, action, handler)

    def parse(self, data: str) -> tuple[Action, Handler, tuple] | None:
        if not data or len(data.encode()) > MAX_DATA_BYTES:
            return None
        parts = data.split(":")
        for cut in (2, 1):  # the longer name first: "w:acc:12" is "w:acc", not "w"
            found = self._by_name.get(":".join(parts[:cut]))
            if found is not None:
                _, action, handler = found
                values = action.parse(parts[cut:])
                if values is not None:
                    return action, handler, values
        return None

    def __iter__(self):
        return iter(action for _, action, _ in self._by_name.values())
