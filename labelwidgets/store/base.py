"""What a decision store is: an append-only event log that commits before it returns.

A store may be shared by a team: several annotators, each in their own kernel, on one database. Besides the
log it then keeps who has taken which item (claims, so that no more than ``overlap`` people label an item) and
which items are meant for whom (assignments).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from labelwidgets.decision import Decision

SKIPPED = "skipped"


class Store(Protocol):
    description: str
    durable: bool

    def check_labels(self, labels: list[str], kind: str = "single") -> None: ...
    def record_session(self, info: dict[str, Any]) -> None: ...
    def sessions(self) -> list[dict[str, Any]]: ...
    def decisions_by_annotator(self) -> dict[str, int]: ...
    def append(self, event: Decision) -> int: ...
    def append_many(self, events: Sequence[Decision]) -> list[int]: ...
    def events(self, annotator: str | None = None) -> list[Decision]: ...
    def events_frame(
        self,
        annotator: str | None = None,
        *,
        columns: Collection[str] | None = None,
        ids: Collection[int] | None = None,
        after_id: int | None = None,
    ) -> Any: ...
    def latest_id(self) -> int: ...
    def find_client_event(self, client_id: str, client_seq: int) -> Decision | None: ...
    def try_claim(self, item_key: str, annotator: str, *, overlap: int, ttl: float) -> bool: ...
    def release_claim(self, item_key: str, annotator: str) -> None: ...
    def claims(self) -> Any: ...
    def assign(self, mapping: Mapping[str, Iterable[str]]) -> None: ...
    def assignments(self) -> dict[str, set[str]]: ...
    def close(self) -> None: ...


class ItemEvent(NamedTuple):
    """What deciding whether an item is taken needs to know of one of its events."""

    id: int
    annotator: str
    action: str
    label: str | None
    undoes: int | None


def decisions_in_force(events: Iterable[ItemEvent]) -> dict[str, ItemEvent]:
    """Each annotator's decision in force on one item, from that item's events (the rule of `session.fold`).

    Small on purpose: a store answers "who has decided this item" inside its own transaction.
    """
    from labelwidgets.session.fold import Histories

    histories = Histories()
    ordered = sorted(events, key=lambda e: e.id)
    for event in ordered:
        histories.apply(event.id, event.annotator, event.action, event.undoes, event)
    latest: dict[str, ItemEvent] = {}
    for annotator in dict.fromkeys(e.annotator for e in ordered):
        current = histories.current(annotator)
        if current is not None:
            latest[annotator] = current[1]
    return latest


def claim_allowed(events: Iterable[ItemEvent], claimants: Collection[str], annotator: str, overlap: int) -> bool:
    """Whether ``annotator`` may take an item: they have not decided it, and fewer than ``overlap`` others have
    (with a label or a skip) or are labeling it now (an unexpired claim). ``claimants`` excludes expired claims.

    Someone who both decided and still holds a claim counts once.
    """
    in_force = decisions_in_force(events)
    if annotator in in_force:
        return False
    decided = {who for who, e in in_force.items() if e.label is not None or e.action == SKIPPED}
    busy = (decided | set(claimants)) - {annotator}
    return len(busy) < overlap


def check_claim(overlap: int, ttl: float) -> None:
    from labelwidgets.errors import InputError

    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
        raise InputError(f"overlap is how many people label each item: a whole number of at least 1, not {overlap!r}.")
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
        raise InputError(f"ttl is how many seconds a claim lasts: a positive number, not {ttl!r}.")


def check_assignment(mapping: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """``mapping`` as annotator -> item keys, refusing a bare string where keys were meant."""
    from labelwidgets.errors import InputError

    checked: dict[str, list[str]] = {}
    for annotator, keys in mapping.items():
        if isinstance(keys, str):
            raise InputError(
                f"assign() takes annotator -> a collection of item keys; for {annotator!r} it got the string "
                f"{keys!r}. Wrap one key in a list: {{{annotator!r}: [{keys!r}]}}."
            )
        checked[str(annotator)] = [str(key) for key in keys]
    return checked
