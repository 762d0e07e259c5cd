"""The labeling session: items in an order, a cursor, decisions, undo, restore from the store.

Plain Python with no widget imports. The widget and the Python API both call the same
methods here, so a click and ``labeler.label("spam")`` take exactly one code path.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.decision import ACTIONS, UNDO, Decision, text_hash, utc_now
from labelwidgets.errors import InputError
from labelwidgets.keys import decode_key, encode_key
from labelwidgets.labels import LabelSet
from labelwidgets.session.ordering import make_order
from labelwidgets.session.results import SUGGESTED_KEY, ResultColumns
from labelwidgets.store import Store, open_store
from labelwidgets.suggesters.base import Item, Suggester, Suggestion
from labelwidgets.suggesters.column import FromColumn
from labelwidgets.suggesters.prefetch import SuggestionPrefetcher

#: What a caller may ask for; the session turns "label" into labeled/accepted/corrected.
INTENTS = ("label", "accept", "correct", "reject", "skip")
_SCAN_CHUNK = 4096


class LabelingSession:
    """Everything about labeling one DataFrame except how it is shown."""

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        text: str,
        labels: Iterable[str] | Mapping[str, str],
        key: str | None = None,
        store: str | os.PathLike[str] | Store | None = "labels.db",
        annotator: str | None = None,
        suggester: Suggester | None = None,
        show: Sequence[str] = (),
        columns: Mapping[str, str] | None = None,
        guidelines: str | None = None,
        order: str | Sequence[int] | None = None,
        order_by: str | Sequence[str] | None = None,
        seed: int = 0,
        blind: float = 0.0,
        prefetch: int = 8,
        max_concurrency: int = 4,
        suggestion_timeout: float = 60.0,
    ):
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}.")
        if len(df) == 0:
            raise InputError(
                "the DataFrame is empty: there is nothing to label. Pass a DataFrame with at least one row."
            )
        if text not in df.columns:
            raise InputError(f"there is no column {text!r} to label; the DataFrame has the columns {list(df.columns)}.")
        missing_show = [c for c in show if c not in df.columns]
        if missing_show:
            raise InputError(
                f"show= names columns that do not exist: {missing_show}; the columns are {list(df.columns)}."
            )
        self.labels = LabelSet.parse(labels)
        self.keys = _item_keys(df, key)
        self.df = df
        self.text_column = text
        self.key_column = key
        self.show = list(show)
        self.guidelines = guidelines
        self.annotator = annotator or _default_annotator()
        self.suggestion_timeout = suggestion_timeout
        self.prefetch_count = max(0, int(prefetch))
        suggested = df.attrs.get(SUGGESTED_KEY, {})
        if suggester is None and suggested.get("suggestion") in df.columns:
            # lw.suggest() filled these columns: show them as the suggestions
            confidence_column = suggested.get("confidence")
            suggester = FromColumn(
                suggested["suggestion"],
                confidence=confidence_column if confidence_column in df.columns else None,
                name=suggested.get("suggester") or None,
            )
        if not 0.0 <= float(blind) < 1.0:
            raise InputError(f"blind={blind!r} must be a share of items in [0, 1), for example blind=0.1.")
        self.blind = float(blind)
        self.seed = seed
        self.n = len(df)
        confidence = None
        if isinstance(suggester, FromColumn) and suggester.confidence_column in df.columns:
            confidence = df[suggester.confidence_column]
        self.order = make_order(order, df, seed=seed, order_by=order_by, confidence=confidence)
        self.order_info = {
            "order": order if isinstance(order, str) or order is None else "custom",
            "order_by": order_by,
            "seed": seed,
            "blind": self.blind,
            "order_digest": None if self.order is None else hashlib.sha256(self.order.tobytes()).hexdigest()[:16],
        }
        self._results = ResultColumns.plan(df, columns)
        # Everything that can fail on bad input has been checked; only now touch the store and the DataFrame.
        self.store = open_store(store)
        self.store.check_labels(self.labels.names)
        self._results.attach()
        self._rank_of_row: np.ndarray | None = None
        if self.order is not None:
            self._rank_of_row = np.empty(self.n, dtype=np.int64)
            self._rank_of_row[self.order] = np.arange(self.n)
        self.session_id = uuid.uuid4().hex
        self._decided = np.zeros(self.n, dtype=bool)
        self._history: dict[int, list[Decision]] = {}
        self._undo_stack: list[tuple[int, Decision]] = []
        self._by_client: dict[tuple[str, int], Decision] = {}
        self.stale: dict[int, Decision] = {}
        self.orphans: list[Decision] = []
        self.errors: list[str] = []
        self.counts = dict.fromkeys(ACTIONS, 0)
        self._listeners: list[Callable[[Decision], None]] = []
        self._suggestion_listeners: list[Callable[[int, Suggestion], None]] = []
        self._error_listeners: list[Callable[[str], None]] = []
        self._lock = threading.RLock()
        self.waits: list[float] = []  # seconds a Python caller waited for a suggestion, one entry per wait
        self._totals_lock = threading.Lock()
        self._suggestion_totals = {"cost": 0.0, "input_tokens": 0, "output_tokens": 0, "count": 0, "invalid": 0}
        self.suggester = suggester
        self.prefetcher: SuggestionPrefetcher | None = None
        if suggester is not None:
            self.prefetcher = SuggestionPrefetcher(
                suggester,
                self.labels,
                make_item=self.item_for_suggester,
                on_ready=self._suggestion_ready,
                on_error=self.report_error,
                max_concurrency=getattr(suggester, "max_concurrency", None) or max_concurrency,
            )
        self._restore()
        self.store.record_session(
            {
                "session_id": self.session_id,
                "annotator": self.annotator,
                "started_at": utc_now().isoformat(),
                "items": self.n,
                "suggester": getattr(suggester, "name", None),
                **self.order_info,
            }
        )
        first = self.first_undecided()
        self.cursor = first if first is not None else 0
        self._shown_at = time.monotonic()
        self._prefetch_around(self.cursor)

    # ----- positions -----------------------------------------------------------------
    def row_at(self, rank: int) -> int:
        return int(rank if self.order is None else self.order[rank])

    def rank_of(self, row: int) -> int:
        return int(row if self._rank_of_row is None else self._rank_of_row[row])

    def is_decided(self, rank: int) -> bool:
        return bool(self._decided[self.row_at(rank)])

    def next_undecided(self, after: int, *, wrap: bool = True) -> int | None:
        """The first undecided rank after ``after`` (then from the start, if ``wrap``)."""
        found = self._scan(after + 1, self.n)
        if found is None and wrap:
            found = self._scan(0, min(after + 1, self.n))
        return found

    def first_undecided(self) -> int | None:
        return self._scan(0, self.n)

    def upcoming(self, after: int, count: int) -> list[int]:
        """Up to ``count`` undecided ranks after ``after``, in order, without wrapping."""
        ranks: list[int] = []
        start = after + 1
        while len(ranks) < count and start < self.n:
            stop = min(self.n, start + max(_SCAN_CHUNK, count))
            block = self._decided_block(start, stop)
            free = np.flatnonzero(~block)[: count - len(ranks)]
            ranks.extend(int(start + i) for i in free)
            start = stop
        return ranks

    def _decided_block(self, start: int, stop: int) -> np.ndarray:
        if self.order is None:
            return self._decided[start:stop]
        return self._decided[self.order[start:stop]]

    def _scan(self, start: int, stop: int) -> int | None:
        # Cost is proportional to the distance to the next free item, not to the DataFrame size.
        while start < stop:
            end = min(stop, start + _SCAN_CHUNK)
            free = np.flatnonzero(~self._decided_block(start, end))
            if free.size:
                return int(start + free[0])
            start = end
        return None

    # ----- items ---------------------------------------------------------------------
    def key_at(self, row: int) -> str:
        return encode_key(self.keys[row])

    def text_at(self, row: int) -> str | None:
        value = self.df[self.text_column].iat[row]
        if isinstance(value, str):
            return value
        if _is_missing(value):
            return None
        return str(value)

    def item_for_suggester(self, row: int) -> Item:
        text = self.text_at(row)
        fields = {str(k): v for k, v in self.df.iloc[row].items()}
        return Item(key=self.key_at(row), text=text or "", fields=fields)

    def decision_at(self, row: int) -> Decision | None:
        history = self._history.get(row)
        return history[-1] if history else None

    def suggestion_at(self, row: int) -> Suggestion | None:
        return None if self.prefetcher is None else self.prefetcher.get(row)

    def is_blind(self, row: int) -> bool:
        """Whether this item's suggestion is hidden from the person, to measure how much suggestions sway people.

        Chosen from the item key and the seed, so the same items stay blind across restarts.
        """
        if self.blind == 0.0:
            return False
        digest = hashlib.sha256(f"{self.seed}:{self.key_at(row)}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.blind

    def suggestion_status(self, row: int) -> str:
        return "none" if self.prefetcher is None else self.prefetcher.status(row)

    # ----- decisions -----------------------------------------------------------------
    def on_decision(self, callback: Callable[[Decision], None]) -> None:
        self._listeners.append(callback)

    def on_suggestion(self, callback: Callable[[int, Suggestion], None]) -> None:
        self._suggestion_listeners.append(callback)

    def on_error(self, callback: Callable[[str], None]) -> None:
        self._error_listeners.append(callback)

    def decide(
        self,
        intent: str,
        label: str | None = None,
        *,
        rank: int | None = None,
        note: str | None = None,
        seconds: float | None = None,
        suggestion_visible: bool | None = None,
        client_id: str | None = None,
        client_seq: int | None = None,
        advance: bool = True,
        wait_for_suggestion: bool = False,
    ) -> Decision:
        """Record what the person did with the item at ``rank`` (default: the current one).

        Returns only after the decision is in the store.
        """
        if intent not in INTENTS:
            raise InputError(f"unknown action {intent!r}; use one of {list(INTENTS)}.")
        if wait_for_suggestion and self.prefetcher is not None:
            # Outside the lock: the worker that delivers the suggestion takes it too.
            target = self.cursor if rank is None else self._check_rank(rank)
            if self.prefetcher.get(self.row_at(target)) is None:
                started = time.monotonic()
                self.prefetcher.wait(self.row_at(target), timeout=self.suggestion_timeout)
                self.waits.append(time.monotonic() - started)
        with self._lock:
            if client_id is not None and client_seq is not None and (client_id, client_seq) in self._by_client:
                return self._by_client[(client_id, client_seq)]  # a re-sent message: applied once already
            rank = self.cursor if rank is None else self._check_rank(rank)
            row = self.row_at(rank)
            if label is not None:
                label = self.labels.require(label)
            suggestion = self.suggestion_at(row)
            if self.is_blind(row):
                if intent in ("accept", "reject", "correct"):
                    raise InputError(
                        "this item's suggestion is hidden for a blind check (blind=...); use label('...') or skip()."
                    )
                suggestion_visible = False
            usable = suggestion if suggestion is not None and suggestion.valid else None
            if suggestion_visible is None:
                suggestion_visible = usable is not None
            action = self._action_for(intent, label, usable, suggestion_visible)
            if action == "accepted":
                label = usable.label  # type: ignore[union-attr]
            if action in ("rejected", "skipped"):
                label = None
            if seconds is None:
                seconds = time.monotonic() - self._shown_at if rank == self.cursor else None
            event = Decision(
                item_key=self.key_at(row),
                action=action,
                annotator=self.annotator,
                decided_at=utc_now(),
                label=label,
                suggestion=usable.label if usable else None,
                confidence=usable.confidence if usable else None,
                suggestion_visible=bool(suggestion_visible) if suggestion is not None else None,
                suggester=(suggestion.model or getattr(self.suggester, "name", None)) if suggestion else None,
                note=note or None,
                seconds=None if seconds is None else round(float(seconds), 3),
                text_hash=text_hash(self.text_at(row)),
                session_id=self.session_id,
                client_id=client_id,
                client_seq=client_seq,
            )
            event = event.with_id(self.store.append(event))
            self._apply(row, event)
            self._results.write(row, event)
            if client_id is not None and client_seq is not None:
                self._by_client[(client_id, client_seq)] = event
            if advance and rank == self.cursor:
                following = self.next_undecided(rank)
                self._move(following if following is not None else rank)
        self._notify(event)
        return event

    def undo(self, *, client_id: str | None = None, client_seq: int | None = None) -> Decision | None:
        """Revert this annotator's latest decision with an ``undo`` event; returns it, or None if nothing to undo."""
        with self._lock:
            if client_id is not None and client_seq is not None and (client_id, client_seq) in self._by_client:
                return self._by_client[(client_id, client_seq)]
            if not self._undo_stack:
                return None
            row, target = self._undo_stack[-1]
            event = Decision(
                item_key=target.item_key,
                action=UNDO,
                annotator=self.annotator,
                decided_at=utc_now(),
                label=target.label,
                undoes=target.id,
                text_hash=target.text_hash,
                session_id=self.session_id,
                client_id=client_id,
                client_seq=client_seq,
            )
            event = event.with_id(self.store.append(event))
            self._apply(row, event)
            self._results.write(row, self.decision_at(row))
            if client_id is not None and client_seq is not None:
                self._by_client[(client_id, client_seq)] = event
            self._move(self.rank_of(row))
        self._notify(event)
        return event

    def undo_target(self) -> int | None:
        """The position an undo would revert now (this annotator's latest decision), or None.

        The one definition of what undo means: a key, a button, Python and every view of this session agree.
        """
        with self._lock:
            return self.rank_of(self._undo_stack[-1][0]) if self._undo_stack else None

    def goto(self, rank: int) -> None:
        with self._lock:
            self._move(self._check_rank(rank))

    def _move(self, rank: int) -> None:
        if rank != self.cursor:
            self._shown_at = time.monotonic()
        self.cursor = rank
        self._prefetch_around(rank)

    def _check_rank(self, rank: int) -> int:
        if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)):
            raise InputError(f"position must be an integer, got {rank!r}.")
        rank = int(rank)
        if rank < 0:
            rank += self.n
        if not 0 <= rank < self.n:
            raise InputError(f"position {rank} is out of range; there are {self.n} items (0 to {self.n - 1}).")
        return rank

    def _action_for(self, intent: str, label: str | None, suggestion: Suggestion | None, visible: bool) -> str:
        if intent == "skip":
            return "skipped"
        if intent in ("accept", "reject", "correct") and suggestion is None:
            raise InputError(
                f"there is no suggestion for this item to {intent}"
                + ("" if self.prefetcher is not None else " (no suggester is attached)")
                + "; use label('...') or skip()."
            )
        if intent == "accept":
            return "accepted"
        if intent == "reject":
            return "rejected"
        if label is None:
            raise InputError(f"{intent}() needs a label, one of {self.labels.names}.")
        if suggestion is None or not visible:
            return "labeled"
        return "accepted" if label == suggestion.label else "corrected"

    def _apply(self, row: int, event: Decision) -> None:
        """Fold one event into the in-memory state (used for new events and for restore)."""
        before = self.decision_at(row)
        if event.action == UNDO:
            history = self._history.get(row, [])
            for i in range(len(history) - 1, -1, -1):
                if history[i].id == event.undoes:
                    del history[i]
                    break
            for i in range(len(self._undo_stack) - 1, -1, -1):
                if self._undo_stack[i][1].id == event.undoes:
                    del self._undo_stack[i]
                    break
            if not history:
                self._history.pop(row, None)
        else:
            self._history.setdefault(row, []).append(event)
            self._undo_stack.append((row, event))
        after = self.decision_at(row)
        # counts describe each item's effective decision, so a relabel replaces, never adds
        if before is not None:
            self.counts[before.action] -= 1
        if after is not None:
            self.counts[after.action] += 1
        self._decided[row] = after is not None

    def _notify(self, event: Decision) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception as exc:
                self.report_error(f"on_decision callback {getattr(callback, '__name__', callback)!r} failed: {exc!r}")

    def report_error(self, message: str) -> None:
        if message in self.errors:
            return
        self.errors.append(message)
        for callback in list(self._error_listeners):
            callback(message)

    # ----- restore ---------------------------------------------------------------------
    def _restore(self) -> None:
        rows: dict[str, int | None] = {}
        for event in self.store.events(annotator=self.annotator):
            if event.item_key not in rows:
                rows[event.item_key] = self.row_of_key(event.item_key)
            row = rows[event.item_key]
            if row is None:
                self.orphans.append(event)
                continue
            self._apply(row, event)
        for row in list(self._history):
            effective = self._history[row][-1]
            if effective.text_hash is not None and effective.text_hash != text_hash(self.text_at(row)):
                # The text changed since this decision: do not trust it; show the item again.
                self.stale[row] = effective
                self.counts[effective.action] -= 1
                del self._history[row]
                self._undo_stack = [(r, e) for r, e in self._undo_stack if r != row]
                self._decided[row] = False
                continue
            self._results.write(row, effective)
        if self.stale:
            warnings.warn(
                f"{len(self.stale)} item(s) changed text since they were labeled; their old decisions are not "
                f"restored and they are shown again for review (see labeler.stale).",
                stacklevel=4,
            )
        if self.orphans:
            keys = sorted({e.item_key for e in self.orphans})
            warnings.warn(
                f"the store holds decisions for {len(keys)} item key(s) that are not in this DataFrame "
                f"(for example {keys[:3]}); they are kept in the store and ignored here.",
                stacklevel=4,
            )

    def row_of_key(self, encoded: str) -> int | None:
        try:
            location = self.keys.get_loc(decode_key(encoded))
        except (KeyError, TypeError, ValueError):
            return None
        return location if isinstance(location, (int, np.integer)) else None

    # ----- suggestions -----------------------------------------------------------------
    def _prefetch_around(self, rank: int) -> None:
        if self.prefetcher is None or self.prefetch_count == 0:
            return
        ranks = [rank, *self.upcoming(rank, self.prefetch_count)]
        self.prefetcher.request(self.row_at(r) for r in ranks)

    def prefetch_ranks(self, ranks: Iterable[int]) -> None:
        if self.prefetcher is not None:
            self.prefetcher.request(self.row_at(r) for r in ranks)

    def _suggestion_ready(self, row: int, suggestion: Suggestion) -> None:
        with self._totals_lock:
            totals = self._suggestion_totals
            totals["count"] += 1
            totals["invalid"] += 0 if suggestion.valid else 1
            totals["cost"] += suggestion.cost or 0.0
            totals["input_tokens"] += suggestion.input_tokens or 0
            totals["output_tokens"] += suggestion.output_tokens or 0
        for callback in list(self._suggestion_listeners):
            callback(row, suggestion)

    # ----- summaries -------------------------------------------------------------------
    @property
    def n_decided(self) -> int:
        return int(sum(self.counts.values()))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "items": self.n,
                "decided": self.n_decided,
                "remaining": self.n - self.n_decided,
                **{k: v for k, v in self.counts.items()},
                "annotator": self.annotator,
                "store": self.store.description,
                "durable": self.store.durable,
                "stale": len(self.stale),
                "orphans": len(self.orphans),
                "errors": len(self.errors),
                "suggestions": dict(self._suggestion_totals),
                "suggestion_waits": len(self.waits),
            }

    def close(self) -> None:
        if self.prefetcher is not None:
            self.prefetcher.close()


def _item_keys(df: pd.DataFrame, key: str | None) -> pd.Index:
    if key is None:
        keys = df.index
        where = "the DataFrame index"
        fix = "pass key='<column with unique ids>' or call df.reset_index() first"
    else:
        if key not in df.columns:
            raise InputError(f"key={key!r} is not a column; the DataFrame has the columns {list(df.columns)}.")
        keys = pd.Index(df[key])
        where = f"the key column {key!r}"
        fix = "make the values unique or choose another key column"
    if keys.hasnans:
        raise InputError(f"{where} has missing values; every item needs a key. {fix[0].upper() + fix[1:]}.")
    if not keys.is_unique:
        repeated = keys[keys.duplicated()].unique()[:5].tolist()
        raise InputError(f"{where} has duplicate values (for example {repeated}); every item needs its own key: {fix}.")
    return keys


def _default_annotator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database in some containers
        return "annotator"


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
