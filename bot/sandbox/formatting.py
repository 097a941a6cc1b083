"""Text formatting as Telegram does it: parse_mode (HTML, MarkdownV2, legacy Markdown) to plain
text and entities with Telegram's own error messages, whitespace trimmed, lengths checked in
UTF-16 code units.

Why: a bad parse_mode string is the classic bot crash in production; catch it here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Callable

from bot.sandbox.wire import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    BotAPIError,
    JSONDict,
    bad,
    param_json,
    param_str,
)


def u16len(text: str) -> int:
    """Telegram measures offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity_error(detail: str) -> BotAPIError:
    return bad(f"can't parse entities: {detail}")


class _TextBuilder:
    """Accumulates plain text and entities with UTF-16 offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[JSONDict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += u16len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append({"type": kind, "offset": start, "length": self.pos - start, **extra})

    def result(self) -> tuple[str, list[JSONDict]]:
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ordered


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_ATTR = re.compile(r"""([a-zA-Z_:-][\w:.-]*)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


@dataclass
class _OpenTag:
    name: str
    start: int
    extra: JSONDict
    skip: bool = False


def _html_attrs(source: str) -> JSONDict:
    attrs = {}
    for match in _HTML_ATTR.finditer(source):
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[match.group(1).lower()] = html.unescape(value)
    return attrs


def _html_open(stack: list[_OpenTag], name: str, attrs: JSONDict, pos: int, offset: int) -> None:
    """Push a start tag, mapping its attributes onto the entity Telegram would create."""
    if name not in _HTML_TAGS:
        raise _entity_error(f'Unsupported start tag "{name}" at byte offset {offset}')
    tag = _OpenTag(name, pos, {})
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "a":
        tag.skip = "href" not in attrs
        tag.extra = {"url": attrs.get("href", "")}
    if name == "tg-emoji":
        tag.extra = {"custom_emoji_id": attrs.get("emoji-id", "")}
    if name == "blockquote" and "expandable" in attrs:
        tag.extra = {"expandable": True}
    language = attrs.get("class", "")
    if name == "code" and stack and stack[-1].name == "pre" and language.startswith("language-"):
        stack[-1].extra = {"language": language[len("language-") :]}
        tag.skip = True
    stack.append(tag)


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Telegram's HTML parse mode: the supported tags only, four named entities, numeric ones."""
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            end = source.find(">", i)
            offset = _byte_offset(source, i)
            if end < 0:
                raise _entity_error(f"Can't find end of the tag at byte offset {offset}")
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise _entity_error(f'Unexpected end tag at byte offset {offset}')
                tag = stack.pop()
                if name != tag.name:
                    raise _entity_error(
                        f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                        f'found "</{name}>"'
                    )
                if not tag.skip:
                    kind = _HTML_TAGS[tag.name]
                    if kind == "blockquote" and tag.extra.get("expandable"):
                        out.entity("expandable_blockquote", tag.start)
                    else:
                        out.entity(kind, tag.start, **tag.extra)
            else:
                match = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", inner)
                name = match.group(1).lower() if match else inner.split(" ")[0]
                attrs = _html_attrs(inner[match.end() :]) if match else {}
                _html_open(stack, name, attrs, out.pos, offset)
            i = end + 1
        elif char == "&":
            match = _HTML_ENTITY.match(source, i)
            if match:
                out.add(html.unescape(match.group(0)))
                i = match.end()
            else:
                out.add("&")
                i += 1
        else:
            j = i
            while j < len(source) and source[j] not in "<&":
                j += 1
            out.add(source[i:j])
            i = j
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}
_MDV2_MARKERS = (("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"), ("~", "strikethrough"))


def _md_escaped_until(source: str, i: int, closer: str, what: str) -> tuple[str, int]:
    """Read up to an unescaped ``closer`` (code, pre, URLs allow only backslash escapes)."""
    start = i
    chunks: list[str] = []
    while i < len(source):
        if source[i] == "\\" and i + 1 < len(source):
            chunks.append(source[i + 1])
            i += 2
        elif source.startswith(closer, i):
            return "".join(chunks), i + len(closer)
        else:
            chunks.append(source[i])
            i += 1
    raise _entity_error(f"Can't find end of {what} entity at byte offset {_byte_offset(source, start)}")


def parse_markdown_v2(source: str) -> tuple[str, list[JSONDict]]:
    """MarkdownV2: every reserved character outside an entity must be escaped with ``\\``."""
    out = _TextBuilder()
    stack: list[tuple[str, int, int]] = []  # (entity type, start, byte offset of the marker)
    quote_start: int | None = None
    i = 0
    while i < len(source):
        char = source[i]
        at_line_start = i == 0 or source[i - 1] == "\n"
        if char == "\\":
            if i + 1 < len(source) and 0 < ord(source[i + 1]) < 127:
                out.add(source[i + 1])
                i += 2
                continue
            raise _entity_error("Character '\\' is reserved and must be escaped with the preceding '\\'")
        if char == ">" and at_line_start:
            quote_start = out.pos if quote_start is None else quote_start
            i += 1
            continue
        if char == "\n" and quote_start is not None and not source.startswith(">", i + 1):
            out.entity("blockquote", quote_start)
            quote_start = None
        if char == "`":
            fence = "```" if source.startswith("```", i) else "`"
            body, i_next = _md_escaped_until(source, i + len(fence), fence, "Pre" if fence == "```" else "Code")
            start = out.pos
            if fence == "```":
                language, newline, rest = body.partition("\n")
                extra = {"language": language} if newline and language.strip() else {}
                out.add(rest if newline else body)
                out.entity("pre", start, **extra)
            else:
                out.add(body)
                out.entity("code", start)
            i = i_next
            continue
        marker = next(((m, kind) for m, kind in _MDV2_MARKERS if source.startswith(m, i)), None)
        if marker:
            text, kind = marker
            if stack and stack[-1][0] == kind:
                out.entity(kind, stack.pop()[1])
            elif any(open_kind == kind for open_kind, _, _ in stack):
                top = stack[-1]
                raise _entity_error(f"Can't find end of {_MDV2_NAMES[top[0]]} entity at byte offset {top[2]}")
            else:
                stack.append((kind, out.pos, _byte_offset(source, i)))
            i += len(text)
            continue
        if char == "[" or source.startswith("![", i):
            kind = "custom_emoji" if char == "!" else "text_link"
            stack.append((kind, out.pos, _byte_offset(source, i)))
            i += 2 if char == "!" else 1
            continue
        if char == "]" and stack and stack[-1][0] in ("text_link", "custom_emoji"):
            kind, start, offset = stack.pop()
            if not source.startswith("(", i + 1):
                raise _entity_error(f"Can't find end of a URL at byte offset {offset}")
            url, i = _md_escaped_until(source, i + 2, ")", "TextUrl")
            if kind == "custom_emoji":
                out.entity(kind, start, custom_emoji_id=url.partition("id=")[2])
            else:
                out.entity(kind, start, url=url)
            continue
        if char in _MDV2_RESERVED:
            raise _entity_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        out.add(char)
        i += 1
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    if stack:
        kind, _, offset = stack[-1]
        raise _entity_error(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {offset}")
    return out.result()


def _legacy_unclosed(source: str, index: int) -> BotAPIError:
    offset = _byte_offset(source, index)
    return _entity_error(f"Can't find end of the entity starting at byte offset {offset}")


def parse_markdown(source: str) -> tuple[str, list[JSONDict]]:
    """Legacy Markdown: ``*bold* _italic_ `code` ```pre``` [text](url)``, no nesting."""
    out = _TextBuilder()
    simple = {"*": "bold", "_": "italic"}
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and source[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.add(source[i + 1])
            i += 2
        elif char in simple or char == "`":
            fence = "```" if source.startswith("```", i) else char
            end = source.find(fence, i + len(fence))
            if end < 0:
                raise _legacy_unclosed(source, i)
            start = out.pos
            out.add(source[i + len(fence) : end])
            out.entity("pre" if fence == "```" else simple.get(char, "code"), start)
            i = end + len(fence)
        elif char == "[":
            close = source.find("](", i)
            end = source.find(")", close + 2) if close >= 0 else -1
            if end < 0:
                raise _legacy_unclosed(source, i)
            start = out.pos
            out.add(source[i + 1 : close])
            out.entity("text_link", start, url=source[close + 2 : end])
            i = end + 1
        else:
            out.add(char)
            i += 1
    return out.result()


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims leading/trailing whitespace from texts and captions; shift entities too."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = u16len(text) - u16len(text.lstrip())
    limit = u16len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(limit, entity["offset"] + entity["length"] - lead)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


_PARSERS: dict[str, Callable[[str], tuple[str, list[JSONDict]]]] = {
    "html": parse_html,
    "markdownv2": parse_markdown_v2,
    "markdown": parse_markdown,
}


def formatted(params: JSONDict, text_key: str, entities_key: str) -> tuple[str | None, list[JSONDict]]:
    """The text after parse_mode or explicit entities, trimmed like Telegram trims it."""
    text = param_str(params, text_key)
    if text is None:
        return None, []
    explicit = param_json(params, entities_key)
    mode = (param_str(params, "parse_mode") or "").strip().lower()
    if explicit:
        if not isinstance(explicit, list):
            raise bad(f"can't parse {entities_key} JSON object")
        entities = [dict(entity) for entity in explicit]
    elif mode:
        if mode not in _PARSERS:
            raise bad("unsupported parse_mode")
        text, entities = _PARSERS[mode](text)
    else:
        entities = []
    return _strip_text(text, entities)


def check_text_length(text: str | None, *, caption: bool = False) -> None:
    if caption:
        if text is not None and u16len(text) > MAX_CAPTION_LENGTH:
            raise bad("message caption is too long")
        return
    if not text:
        raise bad("message text is empty")
    if u16len(text) > MAX_TEXT_LENGTH:
        raise bad("message is too long")
