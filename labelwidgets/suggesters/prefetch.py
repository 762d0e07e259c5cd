"""Fetching suggestions ahead of the annotator, in background threads with bounded concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item, Suggester, Suggestion


class SuggestionPrefetcher:
    """Keeps suggestions for the rows asked for in flight and remembers the answers.

    ``on_ready(row, suggestion)`` is called from a worker thread as each answer arrives.
    A suggester that raises produces invalid suggestions; the error is passed to
    ``on_error`` once per distinct message so that a bad API key is reported once, not per item.
    """

    def __init__(
        self,
        suggester: Suggester,
        labels: LabelSet,
        make_item: Callable[[int], Item],
        on_ready: Callable[[int, Suggestion], None],
        on_error: Callable[[str], None],
        max_concurrency: int = 4,
    ):
        self.suggester = suggester
        self.labels = labels
        self._make_item = make_item
        self._on_ready = on_ready
        self._on_error = on_error
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_concurrency), thread_name_prefix="labelwidgets-suggest")
        self._lock = threading.Lock()
        self._ready: dict[int, Suggestion] = {}
        self._pending: dict[int, Future[None]] = {}
        self._reported: set[str] = set()
        self._closed = False

    def request(self, rows: Iterable[int]) -> None:
        with self._lock:
            if self._closed:
                return
            for row in rows:
                if row in self._ready or row in self._pending:
                    continue
                self._pending[row] = self._pool.submit(self._fetch, row)

    def get(self, row: int) -> Suggestion | None:
        with self._lock:
            return self._ready.get(row)

    def status(self, row: int) -> str:
        with self._lock:
            if row in self._ready:
                return "ready" if self._ready[row].valid else "invalid"
            return "pending" if row in self._pending else "none"

    def wait(self, row: int, timeout: float | None = None) -> Suggestion | None:
        """Block until the suggestion for ``row`` is there (asking for it if needed)."""
        self.request([row])
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                if row in self._ready:
                    return self._ready[row]
                future = self._pending.get(row)
            if future is None:
                return None
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                future.result(timeout=remaining)
            except TimeoutError:
                return None

    def forget(self, rows: Iterable[int] | None = None) -> None:
        with self._lock:
            if rows is None:
                self._ready.clear()
            else:
                for row in rows:
                    self._ready.pop(row, None)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _fetch(self, row: int) -> None:
        started = time.perf_counter()
        try:
            item = self._make_item(row)
            (suggestion,) = self.suggester.suggest([item], self.labels)
        except Exception as exc:  # a user's suggester must never take the labeler down
            message = f"{type(exc).__name__}: {exc}"
            suggestion = Suggestion.invalid(message, model=getattr(self.suggester, "name", None))
        if suggestion.latency is None:
            suggestion = _with_latency(suggestion, time.perf_counter() - started)
        with self._lock:
            self._ready[row] = suggestion
            self._pending.pop(row, None)
        if suggestion.error:
            first_time = suggestion.error not in self._reported
            self._reported.add(suggestion.error)
            if first_time:
                self._on_error(suggestion.error)
        self._on_ready(row, suggestion)


def _with_latency(suggestion: Suggestion, seconds: float) -> Suggestion:
    from dataclasses import replace

    return replace(suggestion, latency=seconds)
