"""Durable decision stores: an append-only event log in SQLite (default) or any SQLAlchemy database.

`append` returns only after the event is committed, so a caller that shows "saved" after
it returns never lies. SQLite runs in WAL mode with ``synchronous=FULL`` so a committed
event survives a killed process and a power cut.

A team may share one PostgreSQL database from several kernels on several machines. Everything a store shows
(its description, repr, errors, log lines) names the database with the password masked. A server that goes
away makes a call fail within seconds with a `StoreError` rather than hang, and the same store works again
once the server is back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from labelwidgets.decision import Decision, iso_utc
from labelwidgets.errors import StoreError, StoreUnreachable
from labelwidgets.store.base import ItemEvent, check_assignment, check_claim, claim_allowed
from labelwidgets.store.migrations import SCHEMA_VERSION, pending, team_tables

log = logging.getLogger("labelwidgets")

#: The columns of an event, in the order `events_frame` returns them.
EVENT_COLUMNS = tuple(f.name for f in dataclasses.fields(Decision))
_IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters

#: libpq settings a PostgreSQL store uses unless its URL sets them. A server that is down or unreachable fails
#: a call within seconds instead of leaving the kernel waiting; keepalives notice a connection whose server
#: vanished mid-query.
POSTGRES_CONNECT_DEFAULTS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "application_name": "labelwidgets",
}
#: Advisory lock keys (PostgreSQL): creating or upgrading the schema (and the label set), changing assignments,
#: appending an event.
#: Claims lock a key derived from the item key instead, so claims on different items do not wait for each other.
_SCHEMA_LOCK = 7274620153
_ASSIGN_LOCK = 7274620154
_APPEND_LOCK = 7274620155


class SQLStore:
    """An event log in a SQL database through SQLAlchemy Core: a SQLite file, or PostgreSQL shared by a team."""

    durable = True

    def __init__(self, url: str, description: str | None = None):
        import sqlalchemy as sa

        self._sa = sa
        self._secrets = _secrets_of(url)
        #: The URL with its password masked; the real one lives only in the engine.
        self.url = redact_url(url)
        self.description = self._hide(description) if description is not None else self.url
        self._lock = threading.Lock()
        try:
            target = _with_installed_driver(url)
            self.engine = sa.create_engine(target, **_engine_options(target))
        except Exception as exc:  # a malformed URL or a missing driver
            raise self._error(f"cannot use the store {self.description!r}", exc) from _cause(self, exc)
        self._dialect = self.engine.dialect.name
        if self._dialect == "sqlite":
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
            sa.Column("detail", sa.Text),
            sa.Column("prompt_id", sa.String(64)),
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
        self.claims_table, self.assignments_table = team_tables(self.metadata)
        try:
            self._prepare_schema()
        except StoreError:
            raise
        except Exception as exc:
            if self._unreachable(exc):
                raise self._error(f"cannot reach the store {self.description!r}", exc) from _cause(self, exc)
            # The schema is created under a lock on every backend, so this is not a race with another process;
            # one retry still rides out a transient failure (a connection cut while the server restarts).
            log.debug("preparing the schema of %s failed once (%s); retrying", self.description, self._hide(exc))
            try:
                self._prepare_schema()
            except StoreError:
                raise
            except Exception as again:
                raise StoreError(self._hide(_explain_open_failure(self.description, again))) from _cause(self, again)

    # ----- transactions ----------------------------------------------------------------------------------------
    @contextmanager
    def _write(self, lock_key: int | None = None) -> Iterator[Any]:
        """A transaction that holds the right to write from its first statement until it ends.

        SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock at once (waiting up to busy_timeout), so what
        the transaction reads cannot change before it writes, and a read-then-write never fails half-way with
        "database is locked". PostgreSQL: a transaction-scoped advisory lock on ``lock_key`` serialises the
        processes that take the same key, and is released by the commit or rollback.
        """
        with self.engine.begin() as conn:
            if self._dialect == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif self._dialect == "postgresql" and lock_key is not None:
                conn.execute(self._sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
            yield conn

    def _prepare_schema(self) -> None:
        """Create the tables, or bring an older store up to date, in one transaction.

        The lock is taken before create_all looks for existing tables: processes opening a fresh database at the
        same moment would otherwise all see no tables and all try to create them.
        """
        sa = self._sa
        meta = self.meta_table
        with self._write(_SCHEMA_LOCK) as conn:
            self._create_tables(conn)
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

    def _create_tables(self, conn: Any) -> None:
        """Create the tables that are missing (inside the schema transaction).

        SQLite: which of them exist is one query, and a new file gets the compiled DDL of `_sqlite_ddl`, a few
        milliseconds instead of SQLAlchemy's table-by-table checks and compiling (about 10 ms, in the cell that
        shows a first Labeler). Another database, or an SQLite file that has some of the tables, goes through
        ``create_all``, which adds exactly the missing ones.
        """
        if self._dialect != "sqlite":
            self.metadata.create_all(conn)
            return
        ours = set(self.metadata.tables)
        existing = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if ours <= existing:
            return
        if existing & ours:
            self.metadata.create_all(conn)
            return
        for statement in _sqlite_ddl(self.metadata, conn.dialect):
            conn.exec_driver_sql(statement)

    @contextmanager
    def _reaching(self, doing: str, consequence: str = "try again once it is reachable") -> Iterator[None]:
        """Turn a database failure into a `StoreError` that names the store (password masked) and what to do."""
        try:
            yield
        except StoreError:
            raise
        except self._sa.exc.SQLAlchemyError as exc:
            if self._unreachable(exc):
                message = f"cannot reach the store {self.description!r} to {doing}"
                raise self._error(message, exc, consequence, retry=True) from _cause(self, exc)
            damaged = damaged_file_advice(self.description, self._hide(_first_line(exc)))
            if damaged and self._dialect == "sqlite":
                raise StoreError(damaged) from _cause(self, exc)
            raise self._error(f"could not {doing} in the store {self.description!r}", exc) from _cause(self, exc)

    def _unreachable(self, exc: BaseException) -> bool:
        """Whether ``exc`` means the database server cannot be reached (down, restarting, network gone)."""
        sa = self._sa
        if self._dialect == "sqlite":
            return False  # a local file: its errors are about the file, said as they are
        if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
            return True
        orig = getattr(exc, "orig", None)
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if state:  # the server answered: 08 is a connection exception, 57P a shutdown or a server starting up
            return str(state).startswith(("08", "57P"))
        # No SQLSTATE: the client gave up (refused, timed out, connection lost) without the server saying why.
        return isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError))

    def reaching(self, doing: str) -> Any:
        """A context in which a database failure becomes a `StoreError` naming this store (password masked) and
        ``doing``: for code beside the store's own (roles, an enforced store's adoption)."""
        return self._reaching(doing)

    def masked(self, text: object) -> str:
        """``text`` with this store's password masked."""
        return self._hide(text)

    def _hide(self, text: object) -> str:
        return _mask(str(text), self._secrets)

    def _error(
        self, message: str, exc: BaseException, consequence: str | None = None, *, retry: bool = False
    ) -> StoreError:
        """The error to raise; `StoreUnreachable` (worth retrying: a view keeps the decision and sends it again)
        when the server could not be reached, unless it refused the login (retrying cannot fix a password)."""
        reason = self._hide(_first_line(exc))
        refused = _refused_login(reason)
        if refused:
            message = message.replace("cannot reach", "cannot log in to", 1)
            consequence = (
                "check the user name and password (in the URL, or in PGPASSWORD or ~/.pgpass for a URL without one)"
                + (f"; {consequence}" if consequence else "")
            )
        kind = StoreUnreachable if retry and not refused else StoreError
        return kind(f"{message}: {reason}" + (f"; {consequence}." if consequence else "."))

    # ----- labels and sessions ---------------------------------------------------------------------------------
    def check_labels(self, labels: list[str], kind: str = "single") -> None:
        """Record the label set and the kind of answer on first use; refuse a different one later.

        Adding labels to the end is allowed: every stored decision stays valid. Another kind of answer never is:
        a stored answer means something else under it (a set of labels is not one label).
        """
        sa = self._sa
        meta = self.meta_table
        with self._lock, self._reaching("check the labels"), self._write(_SCHEMA_LOCK) as conn:
            stored = conn.execute(sa.select(meta.c.value).where(meta.c.key == "labels")).scalar()
            stored_kind = conn.execute(sa.select(meta.c.value).where(meta.c.key == "kind")).scalar()
            if stored is None:
                conn.execute(meta.insert().values(key="labels", value=json.dumps(labels)))
                if stored_kind is None:
                    conn.execute(meta.insert().values(key="kind", value=kind))
                    return
            if stored_kind is None:  # a store from before kinds were recorded (schema 3) holds single labels
                stored_kind = "single"
                conn.execute(meta.insert().values(key="kind", value=stored_kind))
            if stored_kind != kind:
                raise StoreError(
                    f"the store {self.description!r} holds {_KIND_WORDS.get(stored_kind, stored_kind)} answers "
                    f"(kind={stored_kind!r}), but this labeler gives {_KIND_WORDS.get(kind, kind)} answers "
                    f"(kind={kind!r}); one store keeps one kind of answer. Pass kind={stored_kind!r} to continue "
                    f"this store, or give this task its own store, for example store='my-{kind}-task.db'."
                )
            if stored is None:
                return
            old = json.loads(stored)
            if labels[: len(old)] == old and len(labels) >= len(old):
                if len(labels) > len(old):
                    conn.execute(meta.update().where(meta.c.key == "labels").values(value=json.dumps(labels)))
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
        with self._lock, self._reaching("record the session"), self.engine.begin() as conn:
            conn.execute(self.sessions_table.insert().values(**row))

    def decisions_by_annotator(self) -> dict[str, int]:
        """How many events each annotator has in this store (one grouped query on an indexed column)."""
        table = self.events_table
        query = self._sa.select(table.c.annotator, self._sa.func.count()).group_by(table.c.annotator)
        with self._reaching("count the decisions"), self.engine.connect() as conn:
            return {str(annotator): int(count) for annotator, count in conn.execute(query)}

    def sessions(self) -> list[dict[str, Any]]:
        with self._reaching("read the sessions"), self.engine.connect() as conn:
            return [json.loads(r.info) for r in conn.execute(self._sa.select(self.sessions_table.c.info))]

    # ----- the event log ---------------------------------------------------------------------------------------
    def append(self, event: Decision) -> int:
        """Store ``event`` and return its id once it is committed.

        An event re-sent with the same ``client_id`` and ``client_seq`` (a retry after a failure that may have
        happened after the commit) is not stored twice: its existing id is returned.
        """
        record = event.to_record()
        record.pop("id")
        record["decided_at"] = iso_utc(event.decided_at)
        not_saved = "your decision was not saved; it will be retried"
        with self._lock, self._reaching("save the decision", not_saved):
            try:
                # Appends take turns, so events become visible in the order of their ids: a kernel that polls
                # with events_frame(after_id=...) would otherwise skip an event whose id was drawn before the
                # last one it saw but committed after it. The failed insert's transaction is over (rolled back)
                # when the except below runs: on PostgreSQL a failed statement aborts its transaction, so the
                # lookup must not share it.
                with self._write(_APPEND_LOCK) as conn:
                    inserted = conn.execute(self.events_table.insert().values(**record)).inserted_primary_key
            except self._sa.exc.IntegrityError as exc:
                if event.client_id is not None and event.client_seq is not None:
                    existing = self.find_client_event(event.client_id, event.client_seq)
                    if existing is not None and existing.id is not None:
                        return existing.id
                raise self._error(f"could not save the decision to {self.description!r}", exc) from _cause(self, exc)
            if inserted is None:  # never for an autoincrement key; says so rather than guess an id
                raise StoreError(f"{self.description!r} did not return the id of the saved decision.")
            (event_id,) = inserted
        return int(event_id)

    def append_many(self, events: Sequence[Decision]) -> list[int]:
        """Store ``events`` in order in one transaction (one commit, not one a decision: reading a file of 5,000
        answers into SQLite takes a second instead of a commit each) and return their ids once committed.

        All or nothing: if one of them cannot be stored, none is. One that is already stored (its ``client_id`` and
        ``client_seq`` seen before) makes the batch go one event at a time, as `append` does, which keeps it once.
        """
        if not events:
            return []
        records = []
        for event in events:
            record = event.to_record()
            record.pop("id")
            record["decided_at"] = iso_utc(event.decided_at)
            records.append(record)
        not_saved = "none of these decisions was saved"
        with self._lock, self._reaching("save the decisions", not_saved):
            try:
                with self._write(_APPEND_LOCK) as conn:
                    # one statement for all: SQLAlchemy sends them as multi-row INSERTs and returns the ids in order
                    table = self.events_table
                    insert = table.insert().returning(table.c.id, sort_by_parameter_order=True)
                    ids = [int(row[0]) for row in conn.execute(insert, records)]
            except self._sa.exc.IntegrityError:
                ids = []  # rolled back: one was stored before; below, one at a time
        if ids:
            if len(ids) != len(records):
                raise StoreError(f"{self.description!r} did not return the ids of the saved decisions.")
            return ids
        return [self.append(event) for event in events]

    def events(self, annotator: str | None = None) -> list[Decision]:
        table = self.events_table
        query = self._sa.select(table).order_by(table.c.id)
        if annotator is not None:
            query = query.where(table.c.annotator == annotator)
        with self._reaching("read the decisions"), self.engine.connect() as conn:
            return [_row_to_event(row._mapping) for row in conn.execute(query)]

    def events_frame(
        self,
        annotator: str | None = None,
        *,
        columns: Collection[str] | None = None,
        ids: Collection[int] | None = None,
        after_id: int | None = None,
    ) -> Any:
        """Every event (of ``annotator``) as a pandas DataFrame with the Decision fields as columns, oldest first.

        One query and no per-event objects: reopening a store with hundreds of thousands of decisions
        costs one read, not a Python object per event. The rows come straight from the database driver as
        tuples (SQLAlchemy's Row objects cost several times more to make, and pandas inspects each of them).
        ``columns`` reads only those fields (and ``id``), which is most of the cost of a large read; ``ids``
        reads only those events; ``after_id`` only the events newer than that id, so another kernel can poll
        the log cheaply (with the `latest_id` it saw). ``suggestion_visible`` may read as 0/1 and missing
        numbers as NaN; `Decision.from_record` reads both.
        """
        import pandas as pd

        names = frame_columns(columns)
        table = self.events_table
        query = self._sa.select(*[table.c[name] for name in names]).order_by(table.c.id)
        if annotator is not None:
            query = query.where(table.c.annotator == annotator)
        if after_id is not None:
            query = query.where(table.c.id > int(after_id))
        with self._reaching("read the decisions"):
            if ids is None:
                rows = self._fetch(query)
            else:
                wanted = sorted({int(i) for i in ids})
                rows = []
                for start in range(0, len(wanted), _IDS_PER_QUERY):
                    rows += self._fetch(query.where(table.c.id.in_(wanted[start : start + _IDS_PER_QUERY])))
        return pd.DataFrame.from_records(rows, columns=names, coerce_float=False)

    def latest_id(self) -> int:
        """The id of the newest event, 0 for an empty store: with `events_frame(after_id=...)`, a cheap poll."""
        query = self._sa.select(self._sa.func.max(self.events_table.c.id))
        with self._reaching("read the decisions"), self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def _fetch(self, query: Any) -> list[Any]:
        compiled = query.compile(dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.params
        args: Any = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
        with self.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(str(compiled), args)
                return list(cursor.fetchall())
            except self.engine.dialect.loaded_dbapi.Error as exc:
                # The raw cursor bypasses SQLAlchemy, so its errors arrive unwrapped: wrap them (and mark a dead
                # connection, so the pool does not hand it out again) as SQLAlchemy would.
                invalidated = self.engine.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
                if invalidated:
                    conn.invalidate(exc)
                raise self._sa.exc.DBAPIError.instance(
                    str(compiled), args, exc, self.engine.dialect.loaded_dbapi.Error,
                    connection_invalidated=invalidated, dialect=self.engine.dialect,
                ) from exc  # fmt: skip
            finally:
                cursor.close()

    def find_client_event(self, client_id: str, client_seq: int) -> Decision | None:
        table = self.events_table
        query = self._sa.select(table).where(table.c.client_id == client_id, table.c.client_seq == client_seq)
        with self._reaching("read the decisions"), self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _row_to_event(row._mapping)

    # ----- a team on one store: claims and assignments ----------------------------------------------------------
    def try_claim(self, item_key: str, annotator: str, *, overlap: int, ttl: float) -> bool:
        """Take ``item_key`` for ``annotator`` for ``ttl`` seconds, if fewer than ``overlap`` others have it.

        Atomic across processes and machines on PostgreSQL and SQLite (other databases get no lock). Others
        "have" the item when their decision in force on it carries a label or a skip, or when they hold an
        unexpired claim on it. Someone who has decided the item already cannot claim it again (they are done
        with it); someone who holds the claim refreshes it. Expired claims on the item are dropped first: a
        kernel that died gives its items back after ``ttl``.
        """
        check_claim(overlap, ttl)
        sa = self._sa
        claims = self.claims_table
        with self._lock, self._reaching("claim an item"), self._write(_item_lock(item_key)) as conn:
            now = self._now(conn)
            conn.execute(claims.delete().where(claims.c.item_key == item_key, claims.c.expires_at <= now))
            claimants = {
                str(who) for (who,) in conn.execute(sa.select(claims.c.annotator).where(claims.c.item_key == item_key))
            }
            mine = annotator in claimants
            if not mine:
                rows = self._item_events(conn, item_key)
                if not claim_allowed((ItemEvent(*row) for row in rows), claimants, annotator, overlap):
                    return False
            expires_at = now + float(ttl)
            if mine:
                conn.execute(
                    claims.update()
                    .where(claims.c.item_key == item_key, claims.c.annotator == annotator)
                    .values(expires_at=expires_at)
                )
            else:
                conn.execute(claims.insert().values(item_key=item_key, annotator=annotator, expires_at=expires_at))
            return True

    def _item_events(self, conn: Any, item_key: str) -> Iterable[Any]:
        """Every event on one item as (id, annotator, action, label, undoes), oldest first, inside ``conn``'s
        transaction (a store whose members may not read each other's events answers through a function)."""
        events = self.events_table
        return conn.execute(
            self._sa.select(events.c.id, events.c.annotator, events.c.action, events.c.label, events.c.undoes)
            .where(events.c.item_key == item_key)
            .order_by(events.c.id)
        )

    def release_claim(self, item_key: str, annotator: str) -> None:
        """Give the item back (after deciding it, or when moving on without deciding)."""
        claims = self.claims_table
        with self._lock, self._reaching("release a claim"), self.engine.begin() as conn:
            conn.execute(claims.delete().where(claims.c.item_key == item_key, claims.c.annotator == annotator))

    def claims(self) -> Any:
        """The unexpired claims as a DataFrame: ``item_key``, ``annotator``, ``expires_at`` (UTC timestamps)."""
        import pandas as pd

        claims = self.claims_table
        with self._reaching("read the claims"), self.engine.connect() as conn:
            now = self._now(conn)
            query = (
                self._sa.select(claims.c.item_key, claims.c.annotator, claims.c.expires_at)
                .where(claims.c.expires_at > now)
                .order_by(claims.c.expires_at, claims.c.item_key, claims.c.annotator)
            )
            rows = [tuple(row) for row in conn.execute(query)]
        return _claims_frame(pd, rows)

    def assign(self, mapping: Mapping[str, Iterable[str]]) -> None:
        """Mean these items for these annotators (annotator -> item keys), adding to earlier assignments.

        Idempotent: assigning the same item to the same person again changes nothing.
        """
        wanted = check_assignment(mapping)
        if not wanted:
            return
        table = self.assignments_table
        with self._lock, self._reaching("assign items"), self._write(_ASSIGN_LOCK) as conn:
            existing = set()
            for annotator in wanted:
                query = self._sa.select(table.c.item_key).where(table.c.annotator == annotator)
                existing |= {(annotator, str(key)) for (key,) in conn.execute(query)}
            new = [
                {"annotator": annotator, "item_key": key}
                for annotator, keys in wanted.items()
                for key in dict.fromkeys(keys)
                if (annotator, key) not in existing
            ]
            if new:
                conn.execute(table.insert(), new)

    def assignments(self) -> dict[str, set[str]]:
        """Annotator -> the item keys assigned to them."""
        table = self.assignments_table
        out: dict[str, set[str]] = {}
        with self._reaching("read the assignments"), self.engine.connect() as conn:
            for annotator, key in conn.execute(self._sa.select(table.c.annotator, table.c.item_key)):
                out.setdefault(str(annotator), set()).add(str(key))
        return out

    def _now(self, conn: Any) -> float:
        """Seconds since the epoch on the database's clock where there is a server, so that kernels on machines
        whose clocks disagree still agree on when a claim expires."""
        if self._dialect == "postgresql":
            return float(conn.execute(self._sa.text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")).scalar())
        return time.time()

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"SQLStore({self.description!r})"


#: How an error names a kind of answer.
_KIND_WORDS = {"single": "single-label", "multi": "multi-label"}


_SQLITE_DDL: dict[tuple[str, ...], list[str]] = {}
_SQLITE_DDL_LOCK = threading.Lock()


def _sqlite_ddl(metadata: Any, dialect: Any) -> list[str]:
    """The statements that create every table and index of ``metadata`` in SQLite, compiled once per process for
    each set of tables (every store has the same; the warm-up, `warm_up`, compiles them before the first Labeler)."""
    tables = tuple(sorted(metadata.tables))
    with _SQLITE_DDL_LOCK:
        if tables not in _SQLITE_DDL:
            from sqlalchemy.schema import CreateIndex, CreateTable

            statements = []
            for table in metadata.sorted_tables:
                statements.append(str(CreateTable(table).compile(dialect=dialect)).strip())
                statements.extend(str(CreateIndex(index).compile(dialect=dialect)).strip() for index in table.indexes)
            _SQLITE_DDL[tables] = statements
        return list(_SQLITE_DDL[tables])


def warm_up() -> None:
    """Open, use and close a store in memory: SQLAlchemy's first engine, the compiled DDL and the first queries
    are paid here (the notebook's warm-up thread, `labelwidgets.warm_up`), not in the cell of the first Labeler."""
    store = SQLStore("sqlite://")
    try:
        store.check_labels(["a", "b"])
        store.events_frame()
    finally:
        store.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # concurrent writers wait rather than fail
    # In-memory and read-only databases keep their mode. Turning a new file to WAL needs it alone for a moment, and
    # when other processes open it at the same time SQLite says "database is locked" at once, without waiting the
    # busy_timeout: wait here instead.
    deadline, pause = time.monotonic() + 30, 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except Exception as exc:
            if "database is locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _engine_options(url: Any) -> dict[str, Any]:
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except Exception:
        return {}  # create_engine says what is wrong with it
    if parsed.get_backend_name() != "postgresql":
        return {}
    # pre_ping: after an outage the pool's connections are dead; each is tested when taken, and replaced.
    options: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_driver_name() in ("psycopg", "psycopg2", "psycopg2cffi"):  # libpq's settings; not pg8000's
        options["connect_args"] = {k: v for k, v in POSTGRES_CONNECT_DEFAULTS.items() if k not in parsed.query}
    return options


def _with_installed_driver(url: str) -> Any:
    """``postgresql://`` means psycopg2 to SQLAlchemy; use psycopg (3) when only that one is installed."""
    import importlib.util

    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except Exception:
        return url
    if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg2") is None:
        if importlib.util.find_spec("psycopg") is not None:
            return parsed.set(drivername="postgresql+psycopg")
    return url


def _item_lock(item_key: str) -> int:
    """A 64-bit advisory lock key for claims on one item, the same in every process (unlike hash())."""
    digest = hashlib.blake2b(f"labelwidgets claim {item_key}".encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _claims_frame(pd: Any, rows: list[tuple[Any, ...]]) -> Any:
    frame = pd.DataFrame.from_records(rows, columns=["item_key", "annotator", "expires_at"])
    frame["expires_at"] = pd.to_datetime(frame["expires_at"].astype(float), unit="s", utc=True)
    return frame


def _explain_open_failure(description: str, exc: Exception) -> str:
    text = str(exc)
    damaged = damaged_file_advice(description, text)
    if damaged:
        return damaged
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return (
            f"cannot write the store {description!r}: the file or its folder is read-only or cannot be opened "
            f"({text.splitlines()[0]}). Choose a writable path."
        )
    if "file is not a database" in text:
        return f"{description!r} exists but is not a SQLite database. Choose another path; do not overwrite that file."
    return f"cannot open the store {description!r}: {text.splitlines()[0]}"


def damaged_file_advice(description: str, text: str) -> str | None:
    """What to do about a SQLite file that is damaged (half-written, truncated, overwritten), or None if it is not.

    SQLite says only "database disk image is malformed"; the person needs to know their decisions may still be
    in the write-ahead log beside the file, and how to keep them.
    """
    if "malformed" not in text and "disk image" not in text and "database corrupt" not in text:
        return None
    path = description.split("sqlite:///", 1)[-1]
    return (
        f"the store file {path!r} is damaged ({text.splitlines()[0].strip()}); nothing was written to it. Your "
        f"latest decisions may still be in {path + '-wal'!r} beside it: keep both files. Move them aside (for "
        f"example to {path + '.damaged'!r} and {path + '.damaged-wal'!r}), then rescue what can be read with "
        f"`sqlite3 {path}.damaged .recover | sqlite3 recovered.db` and open store='recovered.db'; or start a new "
        f"store with another path."
    )


def redact_url(url: str) -> str:
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _secrets_of(url: str) -> list[str]:
    """The password in ``url`` as it may appear in a message: plain and URL-quoted."""
    try:
        import sqlalchemy as sa

        password = sa.engine.make_url(url).password
    except Exception:
        # Unparseable: mask whatever sits between the scheme's user and the host, the way a URL holds a password.
        userinfo = url.partition("://")[2].rpartition("@")[0]
        password = userinfo.partition(":")[2] or None
    if not password:
        return []
    password = str(password)
    return sorted({password, urllib.parse.quote(password, safe=""), urllib.parse.quote_plus(password)}, key=len)[::-1]


def _mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _first_line(exc: BaseException) -> str:
    """The driver's own words: the first line, without SQLAlchemy's "(module.Class) " in front."""
    lines = str(exc).strip().splitlines()
    line = lines[0] if lines else type(exc).__name__
    if line.startswith("(") and ") " in line:
        line = line.split(") ", 1)[1]
    return line.rstrip(".;: ")


def _refused_login(reason: str) -> bool:
    return "authentication failed" in reason or "no password supplied" in reason


def _cause(store: SQLStore, exc: BaseException) -> BaseException | None:
    """The exception to chain: the original, unless its text holds the password (a traceback would show it)."""
    text = "".join(str(e) for e in (exc, exc.__cause__, exc.__context__) if e is not None)
    return None if _mask(text, store._secrets) != text else exc


def frame_columns(columns: Collection[str] | None) -> list[str]:
    """The columns an events frame has: all of them, or the ones asked for (known ones only) and ``id``."""
    if columns is None:
        return list(EVENT_COLUMNS)
    wanted = {*columns, "id"}
    return [name for name in EVENT_COLUMNS if name in wanted]


def _row_to_event(row: Any) -> Decision:
    return Decision.from_record(row)
