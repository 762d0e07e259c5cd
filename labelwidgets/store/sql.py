"""Durable decision stores: an append-only event log in SQLite (default) or any SQLAlchemy database.

`append` returns only after the event is committed, so a caller that shows "saved" after
it returns never lies. SQLite runs in WAL mode with ``synchronous=FULL`` so a committed
event survives a killed process and a power cut.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Collection
from typing import Any

from labelwidgets.decision import Decision, iso_utc
from labelwidgets.errors import StoreError
from labelwidgets.store.migrations import SCHEMA_VERSION, pending

log = logging.getLogger("labelwidgets")

#: The columns of an event, in the order `events_frame` returns them.
EVENT_COLUMNS = tuple(f.name for f in dataclasses.fields(Decision))
_IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters


class SQLStore:
    """An event log in a SQL database through SQLAlchemy Core (SQLite now, PostgreSQL later)."""

    durable = True

    def __init__(self, url: str, description: str):
        import sqlalchemy as sa

        self.url = url
        self.description = description
        self._lock = threading.Lock()
        self._sa = sa
        try:
            self.engine = sa.create_engine(url, future=True)
        except Exception as exc:  # a malformed URL or a missing driver
            raise StoreError(f"cannot use the store {description!r}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.metadata = sa.MetaData()
        self.meta_table = sa.Table(
            "lw_meta",
            self.metadata,
            sa.Column("key", sa.String(64), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        )
        self.events_table = sa.Table(
            "lw_events",
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("item_key", sa.Text, nullable=False, index=True),
            sa.Column("action", sa.String(16), nullable=False),
            sa.Column("annotator", sa.Text, nullable=False, index=True),
            sa.Column("decided_at", sa.Text, nullable=False),  # ISO 8601 UTC: exact and portable
            sa.Column("label", sa.Text),
            sa.Column("suggestion", sa.Text),
            sa.Column("confidence", sa.Float),
            sa.Column("suggestion_visible", sa.Boolean),
            sa.Column("suggester", sa.Text),
            sa.Column("note", sa.Text),
            sa.Column("seconds", sa.Float),
            sa.Column("text_hash", sa.String(32)),
            sa.Column("undoes", sa.Integer),
            sa.Column("session_id", sa.String(64)),
            sa.Column("client_id", sa.String(64)),
            sa.Column("client_seq", sa.Integer),
            sa.Column("previous_label", sa.Text),
            sa.UniqueConstraint("client_id", "client_seq", name="lw_events_client_once"),
        )
        # One row per labeling session: who, when, and the order and blind share used, so results can be audited.
        self.sessions_table = sa.Table(
            "lw_sessions",
            self.metadata,
            sa.Column("session_id", sa.String(64), primary_key=True),
            sa.Column("annotator", sa.Text, nullable=False),
            sa.Column("info", sa.Text, nullable=False),
        )
        try:
            self._prepare_schema()
        except StoreError:
            raise
        except Exception as first:
            # Two processes opening a fresh database at once can race on CREATE TABLE; the loser retries
            # once, when the winner's tables are there.
            log.debug("creating the schema of %s failed once (%s); retrying", description, first)
            try:
                self._prepare_schema()
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(_explain_open_failure(description, exc)) from exc

    def _prepare_schema(self) -> None:
        """Create the tables, or bring an older store up to date, in one transaction."""
        sa = self._sa
        meta = self.meta_table
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                # Serialises schema creation between processes; released when this transaction ends.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7274620153)"))
            self.metadata.create_all(conn)
            stored = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
            if stored is None:
                conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                return
            try:
                version = int(stored)
            except ValueError:
                raise StoreError(
                    f"the store {self.description!r} has an unreadable schema version {stored!r}; "
                    f"it was not written by labelwidgets. Use a new store path."
                ) from None
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the store {self.description!r} has schema version {version}, newer than this labelwidgets "
                    f"(version {SCHEMA_VERSION}). Upgrade labelwidgets (pip install -U labelwidgets) to open it; "
                    f"it was left unchanged."
                )
            for step_version, what, step in pending(version):
                log.info("upgrading the store %s to schema version %d: %s", self.description, step_version, what)
                step(conn)
            # Also a write when nothing changes: a read-only store fails here, before any labeling.
            conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))

    def check_labels(self, labels: list[str]) -> None:
        """Record the label set on first use; refuse a different one later.

        Adding labels to the end is allowed: every stored decision stays valid.
        """
        sa = self._sa
        with self._lock, self.engine.begin() as conn:
            stored = conn.execute(sa.select(self.meta_table.c.value).where(self.meta_table.c.key == "labels")).scalar()
            if stored is None:
                conn.execute(self.meta_table.insert().values(key="labels", value=json.dumps(labels)))
                return
            old = json.loads(stored)
            if labels[: len(old)] == old and len(labels) >= len(old):
                if len(labels) > len(old):
                    conn.execute(
                        self.meta_table.update()
                        .where(self.meta_table.c.key == "labels")
                        .values(value=json.dumps(labels))
                    )
                return
            if sorted(old) == sorted(labels):
                return  # same set, other order: decisions store names, so nothing changes meaning
            removed = [x for x in old if x not in labels]
            raise StoreError(
                f"the store {self.description!r} was created for the labels {old}, but this labeler uses "
                f"{labels}" + (f" (missing: {removed})" if removed else "") + ". "
                f"If this is another labeling task, give it its own store, for example store='my-task.db' (every "
                f"task in one folder otherwise shares the default 'labels.db'); to continue this store, pass "
                f"labels={old!r} (you may add new labels at the end)."
            )

    def record_session(self, info: dict[str, Any]) -> None:
        row = {"session_id": info["session_id"], "annotator": info["annotator"], "info": json.dumps(info, default=str)}
        with self._lock, self.engine.begin() as conn:
            conn.execute(self.sessions_table.insert().values(**row))

    def decisions_by_annotator(self) -> dict[str, int]:
        """How many events each annotator has in this store (one grouped query on an indexed column)."""
        table = self.events_table
        query = self._sa.select(table.c.annotator, self._sa.func.count()).group_by(table.c.annotator)
        with self.engine.connect() as conn:
            return {str(annotator): int(count) for annotator, count in conn.execute(query)}

    def sessions(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [json.loads(r.info) for r in conn.execute(self._sa.select(self.sessions_table.c.info))]

    def append(self, event: Decision) -> int:
        record = event.to_record()
        record.pop("id")
        record["decided_at"] = iso_utc(event.decided_at)
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    result = conn.execute(self.events_table.insert().values(**record))
                    inserted = result.inserted_primary_key
                    if inserted is None:  # never for an autoincrement key; says so rather than guess an id
                        raise StoreError(f"{self.description!r} did not return the id of the saved decision.")
                    (event_id,) = inserted
            except self._sa.exc.IntegrityError:
                if event.client_id is not None and event.client_seq is not None:
                    existing = self.find_client_event(event.client_id, event.client_seq)
                    if existing is not None and existing.id is not None:
                        return existing.id
                raise
            except Exception as exc:
                raise StoreError(f"could not save the decision to {self.description!r}: {exc}") from exc
        return int(event_id)

    def events(self, annotator: str | None = None) -> list[Decision]:
        table = self.events_table
        query = self._sa.select(table).order_by(table.c.id)
        if annotator is not None:
            query = query.where(table.c.annotator == annotator)
        with self.engine.connect() as conn:
            return [_row_to_event(row._mapping) for row in conn.execute(query)]

    def events_frame(
        self,
        annotator: str | None = None,
        *,
        columns: Collection[str] | None = None,
        ids: Collection[int] | None = None,
    ) -> Any:
        """Every event (of ``annotator``) as a pandas DataFrame with the Decision fields as columns, oldest first.

        One query and no per-event objects: reopening a store with hundreds of thousands of decisions
        costs one read, not a Python object per event. The rows come straight from the database driver as
        tuples (SQLAlchemy's Row objects cost several times more to make, and pandas inspects each of them).
        ``columns`` reads only those fields (and ``id``), which is most of the cost of a large read; ``ids``
        reads only those events. ``suggestion_visible`` may read as 0/1 and missing numbers as NaN;
        `Decision.from_record` reads both.
        """
        import pandas as pd

        names = frame_columns(columns)
        table = self.events_table
        query = self._sa.select(*[table.c[name] for name in names]).order_by(table.c.id)
        if annotator is not None:
            query = query.where(table.c.annotator == annotator)
        if ids is None:
            rows = self._fetch(query)
        else:
            wanted = sorted({int(i) for i in ids})
            rows = []
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                rows += self._fetch(query.where(table.c.id.in_(wanted[start : start + _IDS_PER_QUERY])))
        return pd.DataFrame.from_records(rows, columns=names, coerce_float=False)

    def _fetch(self, query: Any) -> list[Any]:
        compiled = query.compile(dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.params
        args: Any = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
        with self.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(str(compiled), args)
                return list(cursor.fetchall())
            finally:
                cursor.close()

    def find_client_event(self, client_id: str, client_seq: int) -> Decision | None:
        table = self.events_table
        query = self._sa.select(table).where(table.c.client_id == client_id, table.c.client_seq == client_seq)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _row_to_event(row._mapping)

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SQLStore({self.description!r})"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # concurrent writers wait rather than fail
    cursor.execute("PRAGMA journal_mode=WAL")  # in-memory and read-only databases keep their mode
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _explain_open_failure(description: str, exc: Exception) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return (
            f"cannot write the store {description!r}: the file or its folder is read-only or cannot be opened "
            f"({text.splitlines()[0]}). Choose a writable path."
        )
    if "file is not a database" in text:
        return f"{description!r} exists but is not a SQLite database. Choose another path; do not overwrite that file."
    return f"cannot open the store {description!r}: {text.splitlines()[0]}"


def redact_url(url: str) -> str:
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def frame_columns(columns: Collection[str] | None) -> list[str]:
    """The columns an events frame has: all of them, or the ones asked for (known ones only) and ``id``."""
    if columns is None:
        return list(EVENT_COLUMNS)
    wanted = {*columns, "id"}
    return [name for name in EVENT_COLUMNS if name in wanted]


def _row_to_event(row: Any) -> Decision:
    return Decision.from_record(row)
