"""Durable decision stores: an append-only event log in SQLite (default) or any SQLAlchemy database.

`append` returns only after the event is committed, so a caller that shows "saved" after
it returns never lies. SQLite runs in WAL mode with ``synchronous=FULL`` so a committed
event survives a killed process and a power cut.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from .decision import Decision
from .errors import StoreError

SCHEMA_VERSION = "1"


class Store(Protocol):
    description: str
    durable: bool

    def check_labels(self, labels: list[str]) -> None: ...
    def record_session(self, info: dict[str, Any]) -> None: ...
    def sessions(self) -> list[dict[str, Any]]: ...
    def append(self, event: Decision) -> int: ...
    def events(self, annotator: str | None = None) -> list[Decision]: ...
    def find_client_event(self, client_id: str, client_seq: int) -> Decision | None: ...
    def close(self) -> None: ...


class MemoryStore:
    """Keeps decisions in this process only. Everything is lost when the kernel stops."""

    description = "memory only"
    durable = False

    def __init__(self) -> None:
        self._events: list[Decision] = []
        self._lock = threading.Lock()
        self._labels: list[str] | None = None
        self._sessions: list[dict[str, Any]] = []

    def check_labels(self, labels: list[str]) -> None:
        self._labels = list(labels)

    def record_session(self, info: dict[str, Any]) -> None:
        self._sessions.append(dict(info))

    def sessions(self) -> list[dict[str, Any]]:
        return [dict(x) for x in self._sessions]

    def append(self, event: Decision) -> int:
        with self._lock:
            event_id = len(self._events) + 1
            self._events.append(event.with_id(event_id))
        return event_id

    def events(self, annotator: str | None = None) -> list[Decision]:
        with self._lock:
            return [e for e in self._events if annotator is None or e.annotator == annotator]

    def find_client_event(self, client_id: str, client_seq: int) -> Decision | None:
        with self._lock:
            for event in reversed(self._events):
                if event.client_id == client_id and event.client_seq == client_seq:
                    return event
        return None

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return "MemoryStore()"


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
            self.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                stored = conn.execute(
                    sa.select(self.meta_table.c.value).where(self.meta_table.c.key == "schema_version")
                ).scalar()
                if stored is None:
                    conn.execute(self.meta_table.insert().values(key="schema_version", value=SCHEMA_VERSION))
                elif stored == SCHEMA_VERSION:
                    # A write that changes nothing: a read-only store fails here, before any labeling.
                    conn.execute(
                        self.meta_table.update()
                        .where(self.meta_table.c.key == "schema_version")
                        .values(value=SCHEMA_VERSION)
                    )
                else:
                    raise StoreError(
                        f"the store {description!r} has schema version {stored}; this labelwidgets writes "
                        f"version {SCHEMA_VERSION}. Upgrade labelwidgets or use a new store file."
                    )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(_explain_open_failure(description, exc)) from exc

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
                f"Either pass labels={old!r} (you may add new labels at the end) to continue this store, "
                f"or give a new store path, for example store='labels-v2.db'."
            )

    def record_session(self, info: dict[str, Any]) -> None:
        row = {"session_id": info["session_id"], "annotator": info["annotator"], "info": json.dumps(info, default=str)}
        with self._lock, self.engine.begin() as conn:
            conn.execute(self.sessions_table.insert().values(**row))

    def sessions(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [json.loads(r.info) for r in conn.execute(self._sa.select(self.sessions_table.c.info))]

    def append(self, event: Decision) -> int:
        record = event.to_record()
        record.pop("id")
        record["decided_at"] = _iso(event.decided_at)
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    result = conn.execute(self.events_table.insert().values(**record))
                    (event_id,) = result.inserted_primary_key
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


def open_store(store: str | os.PathLike[str] | Store | None) -> Store:
    """A path (SQLite file), an SQLAlchemy URL, a ready store object, or None for memory only."""
    if store is None:
        return MemoryStore()
    if hasattr(store, "append") and hasattr(store, "events"):
        return store  # type: ignore[return-value]
    if isinstance(store, str) and "://" in store:
        return SQLStore(store, description=_redact_url(store))
    if not isinstance(store, (str, os.PathLike)):
        raise StoreError(f"store must be a file path, an SQLAlchemy URL or None, not {type(store).__name__}.")
    path = Path(store).expanduser()
    if str(store).strip() == "":
        raise StoreError("store is an empty string; give a file path such as store='labels.db', or store=None.")
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise StoreError(
            f"cannot create the store {str(path)!r}: the folder {str(folder)!r} does not exist. "
            f"Create it first (os.makedirs({str(folder)!r})) or choose another path."
        )
    if path.is_dir():
        raise StoreError(
            f"the store path {str(path)!r} is a folder; give a file name such as {str(path / 'labels.db')!r}."
        )
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(
            f"cannot write the store {str(path)!r}: that location is read-only. "
            f"Choose a writable path, for example in your home folder."
        )
    return SQLStore(f"sqlite:///{path.resolve()}", description=str(store))


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


def _redact_url(url: str) -> str:
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _row_to_event(row: Any) -> Decision:
    data = dict(row)
    data["decided_at"] = dt.datetime.fromisoformat(data["decided_at"])
    if data["suggestion_visible"] is not None:
        data["suggestion_visible"] = bool(data["suggestion_visible"])
    return Decision(**data)
