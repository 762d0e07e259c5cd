"""A store that keeps decisions in this process only."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection
from typing import Any

from labelwidgets.decision import Decision


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

    def decisions_by_annotator(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(e.annotator for e in self._events))

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

    def events_frame(
        self,
        annotator: str | None = None,
        *,
        columns: Collection[str] | None = None,
        ids: Collection[int] | None = None,
    ) -> Any:
        """The same columns as `SQLStore.events_frame`, ``decided_at`` as ISO text."""
        import pandas as pd

        from labelwidgets.store.sql import frame_columns, iso_utc

        names = frame_columns(columns)
        wanted = None if ids is None else set(ids)
        records = [
            {**e.to_record(), "decided_at": iso_utc(e.decided_at)}
            for e in self.events(annotator)
            if wanted is None or e.id in wanted
        ]
        return pd.DataFrame.from_records(records, columns=names)

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
