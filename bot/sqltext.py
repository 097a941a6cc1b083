"""The pieces every written-out statement needs, for PostgreSQL and SQLite alike: which dialect a
connection speaks, placeholders collected with their values, quoted column lists.

The hot paths' modules (bot/*/sql.py) write their statements once as text; these few helpers are
what would otherwise be copied into each of them."""

from __future__ import annotations

from collections.abc import Iterable


def is_postgres(conn) -> bool:
    return conn.capabilities.dialect == "postgres"


def quoted(names: Iterable[str]) -> str:
    """`"a", "b"`: column names as a statement lists them."""
    return ", ".join(f'"{n}"' for n in names)


class Params(list):
    """Values for one statement; calling it adds one and returns its placeholder."""

    def __init__(self, pg: bool) -> None:
        super().__init__()
        self.pg = pg

    def __call__(self, value) -> str:
        self.append(value)
        return f"${len(self)}" if self.pg else "?"
