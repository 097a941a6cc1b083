"""Text as people send it, made safe to store: control characters (NUL above all, which
PostgreSQL refuses in text) and lone surrogates (half of a UTF-16 pair, which a JSON "\\ud800"
decodes to and no database can encode) are dropped; line breaks and tabs stay."""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean(text: str | None) -> str:
    return _CONTROL.sub("", text or "")
