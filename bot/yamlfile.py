"""YAML read with libyaml's parser where PyYAML was built with it, the pure-Python one where not.

Every bot start reads the district file, the SLA and calendar files and the rule files; with the
pure-Python parser that was a quarter of a second a start, most of it scanning characters
(the test suite starts the bot some 700 times). The results are the same: only the parser
differs, and marks (line numbers) come from both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def read(path: str | Path) -> Any:
    """A UTF-8 YAML file's data."""
    return safe_load(Path(path).read_text(encoding="utf-8"))
