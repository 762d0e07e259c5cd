"""How a store written by an older labelwidgets is brought up to date.

Each step takes a store from the version before it to its own version. Steps only add (a column,
a table, an index); they never drop or rewrite a decision, so an older store keeps every event.
A store newer than this package is refused with what to do, never written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: (version, what changes, step). The step runs inside the transaction that records the new version.
MIGRATIONS: list[tuple[int, str, Callable[[Any], None]]] = [
    (
        2,
        "decisions keep the label a revision replaced (lw_events.previous_label)",
        lambda conn: _add_column(conn, "lw_events", "previous_label", "TEXT"),
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]


def pending(stored: int) -> list[tuple[int, str, Callable[[Any], None]]]:
    """The steps a store at version ``stored`` needs, oldest first."""
    return [step for step in MIGRATIONS if step[0] > stored]


def _add_column(conn: Any, table: str, column: str, sql_type: str) -> None:
    import sqlalchemy as sa

    existing = {c["name"] for c in sa.inspect(conn).get_columns(table)}
    if column not in existing:  # a half-finished earlier attempt may have added it already
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))
