"""A store that keeps decisions in this process only."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from labelwidgets.decision import Decision
from labelwidgets.store.base import ItemEvent, check_assignment, check_claim, claim_allowed


class MemoryStore:
    """Keeps decisions in this process only. Everything is lost when the kernel stops."""

    description = "memory only"
    durable = False

    def __init__(self) -> None:
        self._events: list[Decision] = []
        self._lock = threading.Lock()
        self._labels: list[str] | None = None
        self._sessions: list[dict[str, Any]] = []
        self._claims: dict[tuple[str, str], float] = {}  # (item key, annotator) -> expires at (time.time())
        self._assignments: dict[str, set[str]] = {}
        self._by_client: dict[tuple[str, int], int] = {}  # (client_id, client_seq) -> id: a re-sent event, kept once

    def check_labels(self, labels: list[str], kind: str = "single") -> None:
        self._labels = list(labels)
        self._kind = kind

    def record_session(self, info: dict[str, Any]) -> None:
        self._sessions.append(dict(info))

    def decisions_by_annotator(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(e.annotator for e in self._events))

    def sessions(self) -> list[dict[str, Any]]:
        return [dict(x) for x in self._sessions]

    def append(self, event: Decision) -> int:
        """Store ``event`` and return its id; one re-sent with the same ``client_id`` and ``client_seq`` (as the SQL
        store's unique constraint does) is not stored twice: its existing id is returned."""
        client = None if event.client_id is None or event.client_seq is None else (event.client_id, event.client_seq)
        with self._lock:
            if client is not None and client in self._by_client:
                return self._by_client[client]
            event_id = len(self._events) + 1
            self._events.append(event.with_id(event_id))
            if client is not None:
                self._by_client[client] = event_id
        return event_id

    def append_many(self, events: Sequence[Decision]) -> list[int]:
        """Store ``events`` in order; their ids."""
        return [self.append(event) for event in events]

    def events(self, annotator: str | None = None) -> list[Decision]:
        with self._lock:
            return [e for e in self._events if annotator is None or e.annotator == annotator]

    def events_frame(
        self,
        annotator: str | None = None,
        *,
        columns: Collection[str] | None = None,
        ids: Collection[int] | None = None,
        after_id: int | None = None,
    ) -> Any:
        """The same columns as `SQLStore.events_frame`, ``decided_at`` as ISO text."""
        import pandas as pd

        from labelwidgets.store.sql import frame_columns, iso_utc

        names = frame_columns(columns)
        wanted = None if ids is None else set(ids)
        records = [
            {**e.to_record(), "decided_at": iso_utc(e.decided_at)}
            for e in self.events(annotator)
            if (wanted is None or e.id in wanted) and (after_id is None or (e.id or 0) > after_id)
        ]
        return pd.DataFrame.from_records(records, columns=names)

    def find_client_event(self, client_id: str, client_seq: int) -> Decision | None:
        with self._lock:
            for event in reversed(self._events):
                if event.client_id == client_id and event.client_seq == client_seq:
                    return event
        return None

    def latest_id(self) -> int:
        with self._lock:
            return len(self._events)

    def try_claim(self, item_key: str, annotator: str, *, overlap: int, ttl: float) -> bool:
        """As `SQLStore.try_claim`, within this process."""
        check_claim(overlap, ttl)
        with self._lock:
            now = time.time()
            for key in [k for k, expires in self._claims.items() if k[0] == item_key and expires <= now]:
                del self._claims[key]
            claimants = {who for key, who in self._claims if key == item_key}
            if annotator not in claimants:
                events = (
                    ItemEvent(e.id or 0, e.annotator, e.action, e.label, e.undoes)
                    for e in self._events
                    if e.item_key == item_key
                )
                if not claim_allowed(events, claimants, annotator, overlap):
                    return False
            self._claims[(item_key, annotator)] = now + float(ttl)
            return True

    def release_claim(self, item_key: str, annotator: str) -> None:
        with self._lock:
            self._claims.pop((item_key, annotator), None)

    def claims(self) -> Any:
        import pandas as pd

        from labelwidgets.store.sql import _claims_frame

        now = time.time()
        with self._lock:
            rows = sorted(
                ((key, who, expires) for (key, who), expires in self._claims.items() if expires > now),
                key=lambda row: (row[2], row[0], row[1]),
            )
        return _claims_frame(pd, rows)

    def assign(self, mapping: Mapping[str, Iterable[str]]) -> None:
        wanted = check_assignment(mapping)
        with self._lock:
            for annotator, keys in wanted.items():
                self._assignments.setdefault(annotator, set()).update(keys)

    def assignments(self) -> dict[str, set[str]]:
        with self._lock:
            return {who: set(keys) for who, keys in self._assignments.items() if keys}

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return "MemoryStore()"
