"""Keyboards: reading a message's buttons (tests, the demo's pages), and checking reply_markup
the way Telegram does (every inline button needs an action; callback_data is 1-64 bytes)."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.wire import MAX_CALLBACK_DATA_BYTES, JSONDict, bad


# ---------------------------------------------------------------------------------------------
# Reading buttons


def _inline_rows(message: JSONDict) -> list[list[JSONDict]]:
    markup = message.get("reply_markup") or {}
    return markup.get("inline_keyboard") or []


def button_texts(message: JSONDict) -> list[str]:
    """The inline buttons' texts, row by row, flattened."""
    return [button["text"] for row in _inline_rows(message) for button in row]


def find_button(message: JSONDict, text: str) -> JSONDict | None:
    """The inline button labelled ``text`` (or, failing that, carrying it as callback_data)."""
    buttons = [button for row in _inline_rows(message) for button in row]
    for button in buttons:
        if button.get("text") == text:
            return button
    for button in buttons:
        if button.get("callback_data") == text:
            return button
    return None


def keyboard_texts(message: JSONDict) -> list[str]:
    """The reply keyboard's (not inline) button texts; only transcript entries carry them."""
    rows = (message.get("reply_keyboard") or {}).get("keyboard") or []
    return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]


# ---------------------------------------------------------------------------------------------
# Checking what the bot sends


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
        raise bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    elif not set(button) & {
        "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
    }:
        raise bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")


def parse_markup(raw: Any, *, inline_only: bool = False) -> tuple[str, JSONDict] | None:
    """Validate reply_markup; returns (kind, markup) with kind inline/reply/remove/force."""
    if raw is None or raw == "":
        return None
    try:
        markup = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        markup = None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad('can\'t parse inline keyboard markup: Field "inline_keyboard" must be of type Array')
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return "inline", {"inline_keyboard": rows}
    if inline_only:
        raise bad("inline keyboard expected")
    if "keyboard" in markup:
        if not isinstance(markup["keyboard"], list):
            raise bad('can\'t parse keyboard markup: Field "keyboard" must be of type Array')
        return "reply", markup
    if markup.get("remove_keyboard"):
        return "remove", markup
    if markup.get("force_reply"):
        return "force", markup
    raise bad("can't parse reply keyboard markup JSON object")


def inline_keyboard(markup: tuple[str, JSONDict] | None) -> JSONDict | None:
    """An inline keyboard as it appears on a message (an empty one means none)."""
    if markup is None or not markup[1].get("inline_keyboard"):
        return None
    return markup[1]
