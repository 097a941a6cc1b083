"""Sandbox: a loopback Telegram Bot API so the real bot runs without Telegram."""

from bot.sandbox.botapi import LoopbackBotAPI
from bot.sandbox.formatting import parse_html, parse_markdown, parse_markdown_v2
from bot.sandbox.keyboards import button_texts, find_button, keyboard_texts
from bot.sandbox.media import SAMPLE_PNG, image_size, make_png
from bot.sandbox.state import RecordedCall, SandboxUser
from bot.sandbox.wire import BotAPIError

__all__ = [
    "SAMPLE_PNG",
    "BotAPIError",
    "LoopbackBotAPI",
    "RecordedCall",
    "SandboxUser",
    "button_texts",
    "find_button",
    "image_size",
    "keyboard_texts",
    "make_png",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
]
