"""YAML read with libyaml's parser where PyYAML was built with it, the pure-Python one where not.

Every bot start reads the district file, the SLA and calendar files and the rule files; with the
pure-Python parser that was a quarter of a second a start, most of it scanning characters
(the test suite starts the bot some 700 times). The results are the same: only the parser
differs, and marks (line numbers) come from both.

A key written twice in one mapping is an error, not "the last one wins": these files are edited
by hand, and a danger rule given a second `unless:` silently lost its first (the sound of
braking, 刹车声, stopped being an exception to a near miss that way).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node, deep=False):  # noqa: ANN001, ANN201 - PyYAML's signature
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConstructorError("while reading a mapping", node.start_mark,
                                       f"the key {key!r} is written twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def read(path: str | Path) -> Any:
    """A UTF-8 YAML file's data."""
    with open(path, encoding="utf-8") as f:  # a stream, so an error names the file
        return yaml.load(f, Loader=SafeLoader)  # noqa: S506 - a safe loader
