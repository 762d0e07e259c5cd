"""How a store written by an older labelwidgets is brought up to date.

Each step takes a store from the version before it to its own version. Steps only add (a column,
a table, an index); they never drop or rewrite a decision, so an older store keeps every event.
A store newer than this package is refused with what to do, never written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def team_tables(metadata: Any) -> tuple[Any, Any]:
    """The tables a team shares besides its decisions (schema version 3): who is labeling what, and who should.

    ``lw_claims``: an annotator has taken an item until ``expires_at`` (seconds since the epoch on the store's
    clock, so kernels on machines whose clocks disagree still agree on what expired).
    ``lw_assignments``: an item is meant for an annotator.
    """
    import sqlalchemy as sa

    claims = sa.Table(
        "lw_claims",
        metadata,
        sa.Column("item_key", sa.Text, primary_key=True),
        sa.Column("annotator", sa.Text, primary_key=True),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    assignments = sa.Table(
        "lw_assignments",
        metadata,
        sa.Column("annotator", sa.Text, primary_key=True),
        sa.Column("item_key", sa.Text, primary_key=True),
    )
    return claims, assignments


#: (version, what changes, step). The step runs inside the transaction that records the new version.
MIGRATIONS: list[tuple[int, str, Callable[[Any], None]]] = [
    (
        2,
        "decisions keep the label a revision replaced (lw_events.previous_label)",
        lambda conn: _add_column(conn, "lw_events", "previous_label", "TEXT"),
    ),
    (
        3,
        "a team shares claims on items and assignments (tables lw_claims and lw_assignments)",
        lambda conn: _create_tables(conn, team_tables),
    ),
    (
        4,
        "the store records the kind of answer it holds (lw_meta 'kind'); every store before it holds single labels",
        lambda conn: _record_kind(conn, "single"),
    ),
    (
        5,
        "decisions keep what the answer did with the suggestion part by part (lw_events.detail: spans kept, moved, "
        "relabeled, removed, added) and the prompt that made the suggestion (lw_events.prompt_id)",
        lambda conn: _add_columns(conn, "lw_events", {"detail": "TEXT", "prompt_id": "VARCHAR(64)"}),
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]


def pending(stored: int) -> list[tuple[int, str, Callable[[Any], None]]]:
    """The steps a store at version ``stored`` needs, oldest first."""
    return [step for step in MIGRATIONS if step[0] > stored]


def _record_kind(conn: Any, kind: str) -> None:
    import sqlalchemy as sa

    meta = sa.table("lw_meta", sa.column("key"), sa.column("value"))
    has_labels = conn.execute(sa.select(meta.c.value).where(meta.c.key == "labels")).scalar() is not None
    has_kind = conn.execute(sa.select(meta.c.value).where(meta.c.key == "kind")).scalar() is not None
    if has_labels and not has_kind:  # a store that never saw labels gets its kind with its labels
        conn.execute(meta.insert().values(key="kind", value=kind))


def _add_columns(conn: Any, table: str, columns: dict[str, str]) -> None:
    for column, sql_type in columns.items():
        _add_column(conn, table, column, sql_type)


def _add_column(conn: Any, table: str, column: str, sql_type: str) -> None:
    import sqlalchemy as sa

    existing = {c["name"] for c in sa.inspect(conn).get_columns(table)}
    if column not in existing:  # a half-finished earlier attempt may have added it already
        conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))


def _create_tables(conn: Any, define: Callable[[Any], Any]) -> None:
    import sqlalchemy as sa

    metadata = sa.MetaData()
    define(metadata)
    metadata.create_all(conn)  # checkfirst: tables the store already has are left as they are
