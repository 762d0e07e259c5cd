"""The effective decision of each item, folded from the append-only event stream.

The one definition of what a stream of decisions and undos means (which decisions are *in force*), used for
live decisions, for restoring a store, for a team's decisions and claims, for a team member's queue and for a
student's scored answers:

* a decision (any action but ``undo``) becomes its item's effective decision for its annotator;
* an undo takes the event it names out of force, wherever it sits in that item's history, if that event is of the
  same item and annotator and came before it (an undo is never in force itself, so undoing an undo does nothing);
  the item's effective decision is then its latest event still in force (or none);
* the latest event still in force over all items is what the next undo reverts (`EventFold.latest`).

Three forms of the one rule, checked against each other on random streams (tests/test_in_force.py): `in_force`
over a whole frame of events (vectorised), `Histories` one event at a time (a team member's queue, the answer key),
and `EventFold`, which folds a frame with `in_force` and then follows one annotator's session event by event.

A store with hundreds of thousands of events is folded in one vectorised pass over `Store.events_frame`
(`EventFold.from_frame`); `Decision` objects are made only for the events someone asks about. The frame may hold
only the columns the fold and a restore need (`RESTORE_FIELDS`): ``complete(ids)`` then reads the whole of the
few events that become objects. After that every `EventFold.apply` costs the same however many events came before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.decision import ACTIONS, UNDO, Decision, iso_utc
from labelwidgets.decision import FIELDS as EVENT_FIELDS

#: What folding and restoring read of every event; the rest is read for the events that become objects.
RESTORE_FIELDS = (
    "item_key", "action", "id", "undoes", "text_hash", "label", "suggestion", "confidence", "decided_at", "seconds",
    "suggestion_visible",
)  # fmt: skip

_Ref = tuple[int, Decision]  # (position in the stream, event)
#: Reads the whole of the events with these ids, as an event frame.
Complete = Callable[[Sequence[int]], pd.DataFrame]


class EventFold:
    """Each item's effective decision, and what undo reverts, from a stream of events.

    Items are named by their encoded key (`Decision.item_key`). Events folded in from a frame are kept as
    columns; an item's events become `Decision` objects only when that item is read or changed.
    """

    def __init__(self, events: pd.DataFrame | None = None, *, complete: Complete | None = None) -> None:
        frame = _empty_frame() if events is None else events.reset_index(drop=True)
        self._frame = frame
        self._n_frame = n = len(frame)
        self._objects = _Objects(frame, complete)
        codes, uniques = pd.factorize(frame["item_key"]) if n else (np.zeros(0, np.int64), np.array([], object))
        self._keys = pd.Index(uniques, dtype=object)
        if len(self._keys):
            # Build the key lookup table now, as part of the fold, not on the first decision after it.
            self._keys.get_loc(self._keys[0])
        self._codes = codes
        actions = frame["action"].to_numpy(dtype=object)
        # An event out of force never comes back. One annotator's stream (no annotator column) is folded with the
        # codes just made: factorizing 200,000 item keys again cost a restore 30-90 ms.
        if "annotator" in frame.columns:
            self._in_force = in_force(frame)
        else:
            self._in_force = _in_force(frame, codes, actions == UNDO)
        live = np.flatnonzero(self._in_force)
        # Each item's history: its events in force, in stream order, as a slice of `_history_rows`.
        counts = np.bincount(codes[live], minlength=len(uniques))
        self._history_rows = live[np.argsort(codes[live], kind="stable")]
        self._stop = np.cumsum(counts)
        self._start = self._stop - counts
        self._stack_rows = live  # stream order: the last one in force is what undo reverts
        self._top = len(live)
        # Items changed since the frame was folded: their whole history, authoritative (an empty list means none).
        self._items: dict[str, list[_Ref]] = {}
        self._stack: list[_Ref] = []
        self._out: set[int] = set()  # positions of events after the frame that are no longer in force
        self._next = n
        effective = self._history_rows[self._stop[counts > 0] - 1]
        tally = pd.Series(actions[effective]).value_counts()
        self.counts: dict[str, int] = {action: int(tally.get(action, 0)) for action in ACTIONS}

    @classmethod
    def from_frame(cls, events: pd.DataFrame, *, complete: Complete | None = None) -> EventFold:
        """Fold a whole event frame (oldest first) at once.

        The frame has the columns of `EVENT_FIELDS`, or at least `RESTORE_FIELDS` with ``complete`` to read the
        rest of an event when it becomes a `Decision`.
        """
        return cls(events, complete=complete)

    @property
    def item_keys(self) -> pd.Index:
        """Every item key the folded frame mentions, once each."""
        return self._keys

    # ----- reading ---------------------------------------------------------------------------------------------
    def effective(self, key: str) -> Decision | None:
        """Item ``key``'s decision in force, or None when it has none."""
        history = self._items.get(key)
        if history is not None:
            return history[-1][1] if history else None
        code = self._code(key)
        if code is None or self._stop[code] == self._start[code]:
            return None
        return self._decision(int(self._history_rows[self._stop[code] - 1]))

    def latest(self) -> Decision | None:
        """The latest event still in force over all items: what the next undo reverts."""
        while self._stack and self._stack[-1][0] in self._out:
            self._stack.pop()
        if self._stack:
            return self._stack[-1][1]
        while self._top > 0 and not self._in_force[self._stack_rows[self._top - 1]]:
            self._top -= 1
        return self._decision(int(self._stack_rows[self._top - 1])) if self._top > 0 else None

    def __len__(self) -> int:
        """How many items have an effective decision."""
        return sum(self.counts.values())

    def effective_frame(self, *, with_codes: bool = False) -> pd.DataFrame:
        """Every item's effective decision as one frame (the columns of the folded frame), one row per item.

        Vectorised over the items that have not changed since the frame was folded, which on restore is all.
        ``with_codes`` adds ``item_code``, the item's position in `item_keys` (-1 for an item the folded frame
        never mentioned), to save looking each key up again.
        """
        has = self._stop > self._start
        untouched = has & ~self._keys.isin(list(self._items)) if self._items else has
        rows = np.sort(self._history_rows[self._stop[untouched] - 1])
        part = self._frame.iloc[rows]
        if with_codes:
            part = part.assign(item_code=self._codes[rows])
        changed = [
            {**h[-1][1].to_record(), "decided_at": iso_utc(h[-1][1].decided_at)} for h in self._items.values() if h
        ]
        if not changed:
            return part.reset_index(drop=True)
        extra = pd.DataFrame.from_records(changed, columns=list(EVENT_FIELDS))
        if with_codes:
            extra["item_code"] = self._keys.get_indexer(extra["item_key"])
        return pd.concat([part, extra], ignore_index=True)

    # ----- changing --------------------------------------------------------------------------------------------
    def apply(self, event: Decision) -> tuple[Decision | None, Decision | None]:
        """Fold in one new event; returns that item's effective decision before and after it."""
        history = self._writable(event.item_key)
        before = history[-1][1] if history else None
        if event.action == UNDO:
            for i in range(len(history) - 1, -1, -1):
                if history[i][1].id == event.undoes:
                    self._take_out(history.pop(i)[0])
                    break
        else:
            ref = (self._next, event)
            self._next += 1
            history.append(ref)
            self._stack.append(ref)
        after = history[-1][1] if history else None
        self._recount(before, after)
        return before, after

    def drop(self, keys: Iterable[str]) -> None:
        """Forget these items' events entirely (their text changed, or they are not in the DataFrame any more).

        Vectorised for items untouched since the frame was folded, so dropping many at restore is cheap.
        """
        keys = list(keys)
        changed = [k for k in keys if k in self._items]
        for key in changed:
            history = self._items[key]
            self._recount(history[-1][1] if history else None, None)
            for position, _ in history:
                self._take_out(position)
            history.clear()
        codes = self._keys.get_indexer([k for k in keys if k not in self._items]) if len(self._keys) else []
        codes = np.unique(np.asarray(codes, dtype=np.int64))
        codes = codes[codes >= 0]
        codes = codes[self._stop[codes] > self._start[codes]]
        if codes.size:
            last = self._history_rows[self._stop[codes] - 1]
            for action, count in pd.Series(self._frame["action"].to_numpy(dtype=object)[last]).value_counts().items():
                self.counts[str(action)] -= int(count)
            lengths = self._stop[codes] - self._start[codes]
            within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            self._in_force[self._history_rows[np.repeat(self._start[codes], lengths) + within]] = False
            self._stop[codes] = self._start[codes]

    # ----- internals -------------------------------------------------------------------------------------------
    def _code(self, key: str) -> int | None:
        if not len(self._keys):
            return None
        try:
            code = self._keys.get_loc(key)
        except (KeyError, TypeError):
            return None
        return int(code) if isinstance(code, (int, np.integer)) else None

    def _writable(self, key: str) -> list[_Ref]:
        """Item ``key``'s history as a list this fold may change (copied out of the frame on first change)."""
        history = self._items.get(key)
        if history is None:
            code = self._code(key)
            rows = [] if code is None else self._history_rows[self._start[code] : self._stop[code]].tolist()
            history = self._items[key] = list(zip(rows, self._objects.get(rows), strict=True))
        return history

    def _take_out(self, position: int) -> None:
        if position < self._n_frame:
            self._in_force[position] = False
        else:
            self._out.add(position)

    def _recount(self, before: Decision | None, after: Decision | None) -> None:
        # counts describe each item's effective decision, so a relabel replaces, never adds
        if before is not None:
            self.counts[before.action] = self.counts.get(before.action, 0) - 1
        if after is not None:
            self.counts[after.action] = self.counts.get(after.action, 0) + 1

    def _decision(self, row: int) -> Decision:
        return self._objects.get([row])[0]


class _Objects:
    """Rows of an event frame as `Decision` objects, made on first use and kept."""

    def __init__(self, frame: pd.DataFrame, complete: Complete | None) -> None:
        self._frame = frame
        self._whole = all(name in frame.columns for name in EVENT_FIELDS)
        if not self._whole and complete is None:
            missing = [name for name in EVENT_FIELDS if name not in frame.columns]
            raise ValueError(f"the event frame lacks the columns {missing}; pass complete= to read them")
        self._complete = complete
        self._cache: dict[int, Decision] = {}

    def get(self, rows: Sequence[int]) -> list[Decision]:
        needed = [row for row in rows if row not in self._cache]
        if needed and self._whole:
            for row in needed:
                self._cache[row] = decision_at(self._frame, row)
        elif needed and self._complete is not None:
            # One read for all of them: an item's history, or a view's window of items.
            ids = [int(i) for i in self._frame["id"].to_numpy()[needed]]
            whole = self._complete(ids).reset_index(drop=True)
            position = {int(i): p for p, i in enumerate(whole["id"].to_numpy())}
            for row, event_id in zip(needed, ids, strict=True):
                self._cache[row] = decision_at(whole, position[event_id])
        return [self._cache[row] for row in rows]


class FrameDecisions(Mapping[int, Decision]):
    """A read-only ``{position: Decision}`` view of some rows of an event frame, made into objects on access."""

    def __init__(self, events: pd.DataFrame, positions: Iterable[int], *, complete: Complete | None = None) -> None:
        self._objects = _Objects(events.reset_index(drop=True), complete)
        self._rows = {int(p): i for i, p in enumerate(positions)}

    def __getitem__(self, position: int) -> Decision:
        return self._objects.get([self._rows[position]])[0]

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, position: object) -> bool:
        return position in self._rows

    def values_list(self) -> list[Decision]:
        """Every decision, made into objects with one read."""
        return self._objects.get(list(self._rows.values()))

    def __repr__(self) -> str:
        return f"FrameDecisions({len(self)} decisions)"


def decision_at(events: pd.DataFrame, row: int) -> Decision:
    """Row ``row`` (0-based) of an event frame as a `Decision`."""
    record: dict[str, Any] = {name: events[name].iat[row] for name in EVENT_FIELDS if name in events.columns}
    return Decision.from_record(record)


def in_force(events: pd.DataFrame) -> np.ndarray:
    """Which events of a stream (a frame in id order with ``item_key``, ``action``, ``id``, ``undoes`` and, when
    several people share it, ``annotator``) are in force: the rule of this module, vectorised."""
    n = len(events)
    if n == 0:
        return np.zeros(0, dtype=bool)
    items = events["item_key"].to_numpy(dtype=object)
    if "annotator" in events.columns:
        pairs = pd.MultiIndex.from_arrays([items, events["annotator"].to_numpy(dtype=object)])
        codes = pd.factorize(pairs)[0]
    else:
        codes = pd.factorize(items)[0]
    return _in_force(events, codes, events["action"].to_numpy(dtype=object) == UNDO)


def _in_force(events: pd.DataFrame, codes: np.ndarray, is_undo: np.ndarray) -> np.ndarray:
    """`in_force` given each event's (item, annotator) code and whether it is an undo."""
    return ~is_undo & ~_undone(events, codes, is_undo)


def latest_in_force(events: pd.DataFrame) -> pd.DataFrame:
    """Each (item, annotator)'s decision in force: its latest event in force, one row each, in id order."""
    kept = events[in_force(events)]
    subset = ["item_key", "annotator"] if "annotator" in events.columns else ["item_key"]
    return kept.drop_duplicates(subset, keep="last")


class Histories:
    """The rule of this module one event at a time, for many (item, annotator) pairs: each pair's events in force.

    What a follower of a shared store keeps (a team member's queue polling for new events; the answer key
    following a student): ``apply`` costs the same however many events came before.
    """

    def __init__(self) -> None:
        self._stacks: dict[Any, list[tuple[int, Any]]] = {}
        self._pair_of_id: dict[int, Any] = {}

    def apply(self, event_id: int, pair: Any, action: str, undoes: int | None, value: Any = None) -> Any:
        """Fold in one event of ``pair`` (any hashable: an item key, or (item key, annotator)); ``value`` is what
        to keep of a decision. Returns the pair whose history changed, or None (an undo that reverts nothing)."""
        if action == UNDO:
            if undoes is None or self._pair_of_id.get(undoes) != pair:
                return None  # it names nothing, or an event of another item or person: it reverts nothing
            del self._pair_of_id[undoes]
            stack = self._stacks[pair]
            stack[:] = [entry for entry in stack if entry[0] != undoes]
            return pair
        self._stacks.setdefault(pair, []).append((event_id, value))
        self._pair_of_id[event_id] = pair
        return pair

    def current(self, pair: Any) -> tuple[int, Any] | None:
        """The (event id, value) of ``pair``'s decision in force, or None."""
        stack = self._stacks.get(pair)
        return stack[-1] if stack else None

    def history(self, pair: Any) -> list[tuple[int, Any]]:
        """``pair``'s events in force, oldest first."""
        return list(self._stacks.get(pair, ()))


def _undone(frame: pd.DataFrame, codes: np.ndarray, is_undo: np.ndarray) -> np.ndarray:
    """Which events an undo in the frame reverts.

    An undo names the id of the event it reverts; it counts only if that event is of the same item and came
    before it, exactly as applying the events one by one would have it.
    """
    undone = np.zeros(len(frame), dtype=bool)
    if not is_undo.any():
        return undone
    ids = pd.to_numeric(frame["id"], errors="coerce").to_numpy(dtype=float)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    undo_rows = np.flatnonzero(is_undo)
    targets = pd.to_numeric(frame["undoes"], errors="coerce").to_numpy(dtype=float)[undo_rows]
    at = np.searchsorted(sorted_ids, targets).clip(0, max(len(ids) - 1, 0))
    found = sorted_ids[at] == targets  # NaN never equals: an undo naming nothing reverts nothing
    target_rows = order[at[found]]
    undo_rows = undo_rows[found]
    valid = (codes[target_rows] == codes[undo_rows]) & (target_rows < undo_rows) & ~is_undo[target_rows]
    undone[target_rows[valid]] = True
    return undone


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in EVENT_FIELDS})
