"""What a decision store is: an append-only event log that commits before it returns."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from labelwidgets.decision import Decision


class Store(Protocol):
    description: str
    durable: bool

    def check_labels(self, labels: list[str]) -> None: ...
    def record_session(self, info: dict[str, Any]) -> None: ...
    def sessions(self) -> list[dict[str, Any]]: ...
    def append(self, event: Decision) -> int: ...
    def events(self, annotator: str | None = None) -> list[Decision]: ...
    def events_frame(
        self,
        annotator: str | None = None,
        *,
        columns: Collection[str] | None = None,
        ids: Collection[int] | None = None,
    ) -> Any: ...
    def find_client_event(self, client_id: str, client_seq: int) -> Decision | None: ...
    def close(self) -> None: ...
