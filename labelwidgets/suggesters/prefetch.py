"""Fetching suggestions ahead of the annotator, in background threads with bounded concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item, Suggester, Suggestion
from labelwidgets.suggesters.validate import validate

THREAD_PREFIX = "labelwidgets-suggest"


class SuggestionPrefetcher:
    """Keeps suggestions for the rows asked for in flight and remembers the answers.

    ``on_ready(row, suggestion)`` is called from a worker thread as each answer arrives. Every answer
    passes through `validate`, so a label outside the set arrives as an invalid suggestion keeping
    what the suggester said, never as a label. A suggester that raises produces invalid suggestions;
    the error is passed to ``on_error`` once per distinct message so that a bad API key is reported
    once, not per item.

    ``request(rows, follow=True)`` says "these rows are what matters now": requests for other rows that
    have not started yet are cancelled, so someone jumping through the items never leaves a queue of
    far-away requests behind them (at most the window asked for plus the ones already running).
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
        self.max_concurrency = max(1, max_concurrency)
        self._pool = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix=THREAD_PREFIX)
        self._lock = threading.Lock()
        self._ready: dict[int, Suggestion] = {}
        # Suggestions replaced by `refresh`, newest last: a view may still be showing one of them, and what the
        # person accepted must be the suggestion they saw (`shown`).
        self._replaced: dict[int, list[Suggestion]] = {}
        self._pending: dict[int, Future[None]] = {}
        self._reported: set[str] = set()
        self._closed = False

    def request(self, rows: Iterable[int], *, follow: bool = False) -> None:
        """Fetch the suggestions of ``rows`` (in that order); with ``follow``, drop queued requests for other rows."""
        wanted = list(dict.fromkeys(rows))
        with self._lock:
            if self._closed:
                return
            if follow:
                keep = set(wanted)
                for row, future in list(self._pending.items()):
                    if row not in keep and future.cancel():  # cancel() fails, harmlessly, once a request has started
                        del self._pending[row]
            for row in wanted:
                if row in self._ready or row in self._pending or row in self._replaced:
                    continue
                self._pending[row] = self._pool.submit(self._fetch, row)

    @property
    def in_flight(self) -> int:
        """Requests queued or running now."""
        with self._lock:
            return len(self._pending)

    def get(self, row: int) -> Suggestion | None:
        """The row's suggestion: the newest, or while a refresh is under way the one it replaces."""
        with self._lock:
            return self._current(row)

    def _current(self, row: int) -> Suggestion | None:
        if row in self._ready:
            return self._ready[row]
        replaced = self._replaced.get(row)
        return replaced[-1] if replaced else None

    def shown(self, row: int, label: str | None, model: str | None) -> Suggestion | None:
        """The suggestion of ``row`` a view showed as ``label`` from ``model`` (newest first), else the current one.

        A suggester that learns re-suggests the items ahead; a person who accepted what was on the screen accepted
        that suggestion, even if a newer one arrived in Python meanwhile.
        """
        with self._lock:
            current = self._current(row)
            candidates = [current, *reversed(self._replaced.get(row, []))]
            for suggestion in candidates:
                if suggestion is not None and suggestion.label == label and suggestion.model == model:
                    return suggestion
            return current

    def refresh(self, rows: Iterable[int]) -> list[int]:
        """Ask again for ``rows`` that have an answer (the suggester learned since): the old answer stays in use
        until the new one arrives. Returns the rows asked again."""
        asked = []
        with self._lock:
            if self._closed:
                return []
            for row in dict.fromkeys(rows):
                if row in self._pending:
                    continue
                if row in self._ready:
                    history = self._replaced.setdefault(row, [])
                    history.append(self._ready.pop(row))
                    del history[:-3]  # a view shows one of the last few at most
                elif row not in self._replaced:
                    continue  # never asked for: nothing is stale
                self._pending[row] = self._pool.submit(self._fetch, row)
                asked.append(row)
        return asked

    def status(self, row: int) -> str:
        with self._lock:
            current = self._current(row)
            if current is not None:
                return "ready" if current.valid else "invalid"
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
                if future is None and row in self._replaced:
                    return self._current(row)
            if future is None:
                return None
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                future.result(timeout=remaining)
            except (FutureTimeout, TimeoutError, CancelledError):  # cancelled: the person moved on meanwhile
                with self._lock:
                    return self._ready.get(row)

    def forget(self, rows: Iterable[int] | None = None) -> None:
        with self._lock:
            if rows is None:
                self._ready.clear()
                self._replaced.clear()
            else:
                for row in rows:
                    self._ready.pop(row, None)
                    self._replaced.pop(row, None)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, *, wait: bool = False) -> None:
        """Stop: queued requests are cancelled; one already running finishes (in the background, unless ``wait``)."""
        with self._lock:
            self._closed = True
            self._pending.clear()
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _fetch(self, row: int) -> None:
        started = time.perf_counter()
        name = getattr(self.suggester, "name", None)
        try:
            item = self._make_item(row)
            answers = self.suggester.suggest([item], self.labels)
            if len(answers) != 1:
                raise ValueError(
                    f"suggest() returned {len(answers)} suggestions for 1 item; it must return one per item"
                )
            suggestion = validate(answers[0], self.labels, name=name, text=item.text)
        except Exception as exc:  # a user's suggester must never take the labeler down
            message = f"{type(exc).__name__}: {exc}"
            suggestion = Suggestion.invalid(message, model=name)
        if suggestion.latency is None:
            suggestion = _with_latency(suggestion, time.perf_counter() - started)
        with self._lock:
            if self._closed:
                return  # nobody is listening any more
            self._ready[row] = suggestion
            self._pending.pop(row, None)
            error = suggestion.error
            report = error is not None and error not in self._reported
            if error is not None:
                self._reported.add(error)
        if report and error is not None:
            self._on_error(error)
        self._on_ready(row, suggestion)


def _with_latency(suggestion: Suggestion, seconds: float) -> Suggestion:
    from dataclasses import replace

    return replace(suggestion, latency=seconds)
