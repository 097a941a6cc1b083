"""The Bot API's wire format as the loopback server speaks it: Telegram's limits, error
replies, and reading a call's parameters whichever way they were sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Errors


class BotAPIError(Exception):
    """A Bot API error reply; its status is both the HTTP status and ``error_code``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {description}")


@dataclass
class Upload:
    """A multipart file part, read into memory so it can be stored and summarised."""

    filename: str | None
    content_type: str | None
    data: bytes

    def summary(self) -> JSONDict:
        return {"upload": self.filename, "content_type": self.content_type, "size": len(self.data)}


# ---------------------------------------------------------------------------------------------
# Parameter access. Form bodies carry strings (non-strings JSON-encoded); JSON bodies carry
# native values. These helpers accept both.


def param_str(params: JSONDict, name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, Upload):
        return None
    return value if isinstance(value, str) else json.dumps(value)


def param_int(params: JSONDict, name: str, *, required: bool = False) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise bad(f"{name} is empty")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f'field "{name}" must be of type Integer') from None


def param_float(params: JSONDict, name: str) -> float:
    value = params.get(name)
    if value is None or value == "":
        raise bad(f"{name} is empty")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad(f'field "{name}" must be of type Float') from None


def param_bool(params: JSONDict, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def param_json(params: JSONDict, name: str) -> Any:
    value = params.get(name)
    if not isinstance(value, str):
        return value
    if value == "":
        return None
    try:
        return json.loads(value)
    except ValueError:
        raise bad(f"can't parse {name} JSON object") from None


# ---------------------------------------------------------------------------------------------
# Which coroutine answers which method


def api_method(name: str) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Mark a coroutine as the implementation of Bot API method ``name``."""

    def mark(function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        function._bot_api_name = name  # type: ignore[attr-defined]
        return function

    return mark
