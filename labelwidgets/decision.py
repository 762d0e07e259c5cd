"""A decision is an event in an append-only log: labeled, accepted, corrected, rejected, skipped, revised, or undo."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: What a person did with an item. ``revised`` changes an item that was already decided (on review, in the
#: disagreement explorer, in adjudication) and keeps the label it replaced in ``previous_label``; it is never an
#: acceptance of the suggestion. ``undo`` reverts an earlier event and is never deleted itself.
ACTIONS = ("labeled", "accepted", "corrected", "rejected", "skipped", "revised")
REVISED = "revised"
UNDO = "undo"
#: Decisions that give the item an answer: a first one (labeled, accepted, corrected) or a changed one (revised).
FIRST_ANSWERS = ("labeled", "accepted", "corrected")
ANSWERING = (*FIRST_ANSWERS, REVISED)
#: Decisions that leave the item without an answer: a skip, or a rejected suggestion with no label given.
NO_ANSWER = ("skipped", "rejected")


@dataclass(frozen=True)
class Decision:
    item_key: str
    action: str
    annotator: str
    decided_at: dt.datetime
    label: str | None = None
    suggestion: str | None = None
    confidence: float | None = None
    suggestion_visible: bool | None = None
    suggester: str | None = None
    note: str | None = None
    seconds: float | None = None
    text_hash: str | None = None
    undoes: int | None = None  # the id of the event an undo reverts
    session_id: str | None = None
    client_id: str | None = None  # which browser view sent it, with its sequence number,
    client_seq: int | None = None  # so that a re-sent decision is applied once
    previous_label: str | None = None  # for a revision: the label it replaced
    # What the answer did with the suggestion, part by part, as JSON (spans: each suggested span kept, moved,
    # relabeled or removed, and the spans added); None for answers of one piece. See `AnswerKind.changes`.
    detail: str | None = None
    prompt_id: str | None = None  # the fingerprint of the prompt that made the suggestion (`lw.LLM`)
    id: int | None = None  # given by the store

    def with_id(self, event_id: int) -> Decision:
        return replace(self, id=event_id)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Decision:
        """The event a stored row describes: ``decided_at`` as ISO text or a datetime; NaN and NA read as None.

        A columnar read (`Store.events_frame`) turns missing numbers into NaN and booleans into 0/1; this undoes both.
        """
        data = {name: _none_if_missing(record.get(name)) for name in FIELDS}
        when = data["decided_at"]
        if isinstance(when, str):
            data["decided_at"] = dt.datetime.fromisoformat(when)
        elif when is not None and not isinstance(when, dt.datetime):  # a pandas Timestamp is a datetime already
            raise TypeError(f"decided_at must be ISO text or a datetime, got {when!r}")
        if data["suggestion_visible"] is not None:
            data["suggestion_visible"] = bool(data["suggestion_visible"])
        for name in ("undoes", "client_seq", "id"):
            if data[name] is not None:
                data[name] = int(data[name])
        for name in ("confidence", "seconds"):
            if data[name] is not None:
                data[name] = float(data[name])
        return cls(**data)


#: The fields of an event, in the order stores keep them.
FIELDS = tuple(f.name for f in fields(Decision))


def _none_if_missing(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing markers, without importing pandas
        return None
    return value


def iso_utc(value: dt.datetime) -> str:
    """A time as stores keep it: ISO 8601 in UTC to the microsecond (a naive time is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def text_hash(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8", "surrogatepass")).hexdigest()[:16]


def text_hashes(texts: Iterable[str | None]) -> list[str]:
    """`text_hash` of each text, in one loop with no call per text (restoring checks every decided text)."""
    sha256 = hashlib.sha256
    return [sha256((t or "").encode("utf-8", "surrogatepass")).hexdigest()[:16] for t in texts]
