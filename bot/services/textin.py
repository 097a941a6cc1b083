"""Text as people send it, made safe to store: control characters (NUL above all, which
PostgreSQL refuses in text) are dropped; line breaks and tabs stay."""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str | None) -> str:
    return _CONTROL.sub("", text or "")
