"""What each item was given, read off a source's rows for a labeling server (`items_of`), and what comes back from
one (`Imported`): every person's answer as a decision in a store, the model's suggestion as a column.

Label Studio and Argilla differ in their files, not in what they carry: an item's data, each person's answer (or
that they skipped it), and at most one model's suggestion with its score. This module holds that common part, so
that `label_studio` and `argilla` are only their file shapes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import uuid
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.decision import ANSWERING, REVISED, Decision, text_hash, utc_now
from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.interchange.header import is_missing, plain
from labelwidgets.interchange.rows import GOLD, Rows
from labelwidgets.keys import decode_key, encode_key, shown_key
from labelwidgets.labels import LabelSet, label_set_for
from labelwidgets.session.results import RESULT_FIELDS

if TYPE_CHECKING:
    from labelwidgets.store import Store
    from labelwidgets.team.team import Team

#: The data field that carries the item key (`labelwidgets.keys.encode_key` text) to a server and back.
KEY_FIELD = "labelwidgets_key"
#: How a suggestion's model and prompt are written as one name (Label Studio's ``model_version``, Argilla's agent).
PROMPT_SEPARATOR = "@"
#: How a team's gold was settled when an adjudicator decided it (`Team.gold`'s ``how``).
ADJUDICATED = "adjudicated"
#: Spans whose offsets had to be moved, or that were dropped, named in a warning (the count says how many in all).
SHOWN_EXAMPLES = 3


# ----- out: what each item was given ------------------------------------------------------------------------------


@dataclass
class Given:
    """One person's decision on an item: their answer as the kind shows it (None: skipped or rejected)."""

    annotator: str
    value: Any
    action: str
    decided_at: pd.Timestamp | None = None
    seconds: float | None = None
    #: An adjudicator's answer, which settled the item's gold (Label Studio: ``ground_truth``).
    gold: bool = False


@dataclass
class Suggested:
    """A model's suggestion on an item, as the kind shows it."""

    value: Any
    confidence: float | None = None
    suggester: str | None = None
    prompt_id: str | None = None

    @property
    def agent(self) -> str | None:
        """The model and the prompt's version as one name: ``model@prompt_id`` (the model alone without one)."""
        if self.suggester and self.prompt_id:
            return f"{self.suggester}{PROMPT_SEPARATOR}{self.prompt_id}"
        return self.suggester or (self.prompt_id and f"{PROMPT_SEPARATOR}{self.prompt_id}")


@dataclass
class Item:
    key: Any
    #: The item's own columns, as JSON values (its text, a pair's prompt and outputs, anything else it has).
    data: dict[str, Any]
    text: str | None
    given: list[Given]
    suggested: Suggested | None


def items_of(rows: Rows) -> list[Item]:
    """Each row's data, the decisions in force on it and its suggestion; a Team's rows: each member's answer."""
    frame = rows.frame
    if rows.answer is None:
        raise InputError("these rows have no column of answers (a Labeler's label column, a Team's gold).")
    ours = {*rows.written, *rows.provenance}
    data_columns = [c for c in frame.columns if c not in ours]
    names = _result_names(rows)
    items = []
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]  # column names are text
    for key, record in zip(frame.index.tolist(), records, strict=True):
        data = {str(c): plain(record[c]) for c in data_columns}
        text = record.get(rows.text) if rows.text else None
        given = _team_given(record) if rows.source == "team" else _labeler_given(record, names)
        items.append(
            Item(
                key=key,
                data=data,
                text=text if isinstance(text, str) else None,
                given=given,
                suggested=_suggested(record, names),
            )
        )
    return items


def _result_names(rows: Rows) -> dict[str, str]:
    """The column of each result field (`RESULT_FIELDS`): a Labeler writes them in that order, renamed or not."""
    written = rows.written
    if len(written) >= len(RESULT_FIELDS):
        return dict(zip(RESULT_FIELDS, written, strict=False))
    return {f: f for f in RESULT_FIELDS} | {
        "label": rows.answer or "label",
        "decision": rows.decision or "decision",
        "suggestion": rows.suggestion or "suggestion",
    }


def _labeler_given(record: Mapping[str, Any], names: Mapping[str, str]) -> list[Given]:
    action = record.get(names["decision"])
    if not isinstance(action, str):
        return []
    value = record.get(names["label"])
    annotator = record.get(names["annotator"])
    return [
        Given(
            annotator=str(annotator) if isinstance(annotator, str) else "annotator",
            value=None if _no_value(value) else plain(value),
            action=action,
            decided_at=_time(record.get(names["decided_at"])),
            seconds=_number(record.get(names["seconds"])),
        )
    ]


def _team_given(record: Mapping[str, Any]) -> list[Given]:
    answers = record.get("answers")
    if not isinstance(answers, list):
        return []
    given = [
        Given(
            annotator=str(a["annotator"]),
            value=None if _no_value(a.get("label")) else plain(a.get("label")),
            action=str(a.get("action") or "labeled"),
            decided_at=_time(a.get("decided_at")),
            seconds=_number(a.get("seconds")),
        )
        for a in answers
    ]
    adjudicator = record.get(f"{GOLD}_adjudicator")
    if record.get(f"{GOLD}_how") == ADJUDICATED and isinstance(adjudicator, str):  # the answer that settled it
        gold = record.get(GOLD)
        given.append(Given(adjudicator, None if _no_value(gold) else plain(gold), "labeled",
                           decided_at=_time(record.get("decided_at")), gold=True))  # fmt: skip
    return given


def _suggested(record: Mapping[str, Any], names: Mapping[str, str]) -> Suggested | None:
    value = record.get(names["suggestion"])
    if _no_value(value):
        return None
    suggester, prompt_id = record.get("suggester"), record.get("prompt_id")
    return Suggested(
        value=plain(value),
        confidence=_number(record.get(names["confidence"])),
        suggester=suggester if isinstance(suggester, str) else None,
        prompt_id=prompt_id if isinstance(prompt_id, str) else None,
    )


def _no_value(value: Any) -> bool:
    return not isinstance(value, (list, np.ndarray)) and is_missing(value)


def _time(value: Any) -> pd.Timestamp | None:
    if _no_value(value):
        return None
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def user_id(annotator: str) -> uuid.UUID:
    """A stable UUID for an annotator's name, where a server names its users by UUID (Argilla)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"labelwidgets:annotator:{annotator}")


def key_text(key: Any) -> str:
    return encode_key(key)


def key_from_text(text: Any) -> Any:
    """An item key written by `key_text`; any other id (a server's own) as it is."""
    if not isinstance(text, str):
        return text
    try:
        return decode_key(text)
    except ValueError:
        return text


# ----- back: what a server's file gave ------------------------------------------------------------------------------


@dataclass
class Answer:
    """One person's answer read from a server's file, before it is checked against the label set."""

    key: Any
    annotator: str
    #: The answer as the kind takes it (a name, a list of names, a list of ``{start, end, label}``); None: skipped.
    value: Any
    decided_at: dt.datetime | None = None
    seconds: float | None = None
    #: What identifies this answer in its file, so that reading the file again into the store adds nothing.
    origin: str = ""
    #: Marked as the item's gold (Label Studio's ``ground_truth``): a person whose answers all are is an adjudicator.
    gold: bool = False
    #: The model's prediction the person started from, as the file records it (Label Studio's ``parent_prediction``):
    #: (its answer as the kind takes it, score, model version). Their answer is then ``accepted`` if it is that
    #: prediction and ``corrected`` if not; None: the file does not say, and the answer is ``labeled``.
    started_from: tuple[Any, float | None, str | None] | None = None


@dataclass
class Imported:
    """What `lw.read_label_studio` and `lw.read_argilla` brought back.

    ``items`` has one row per item (its data, indexed by item key) with ``suggestion``, ``confidence`` and
    ``suggester`` from the model's predictions; the people's answers are decisions in ``store``, one annotator per
    server user, so ``imported.team()`` (a `lw.Team` on them) gives agreement, conflicts, gold and an adjudicator.
    """

    items: pd.DataFrame
    store: Store
    labels: LabelSet
    text: str
    annotators: list[str]
    #: Decisions added to the store (answers already in it from an earlier read are not added again: ``repeated``).
    decisions: int
    repeated: int = 0
    #: Result types the package does not read, and how many results of each were skipped.
    unsupported: Counter[str] = field(default_factory=Counter)
    #: Spans whose offsets did not match the text: moved onto it (UTF-16 offsets, or the span's text found nearby)
    #: or dropped.
    realigned: int = 0
    dropped: int = 0
    #: Answers the label set refuses (an unknown label, two labels where one is asked), with why, and drafts.
    refused: list[str] = field(default_factory=list)
    drafts: int = 0

    def team(self, **options: Any) -> Team:
        """A `lw.Team` on these items and decisions (``overlap``: the most people who answered one item)."""
        from labelwidgets.team.team import Team

        kind = self.labels.kind
        per_item = Counter(a for a in self._decided_keys())
        options.setdefault("overlap", max([2, *per_item.values()]))
        return Team(
            self.store, self.items, text=self.text, kind=kind, outputs=list(kind.item_columns) or None,
            labels=None if kind.default_labels() is not None else {lab.name: lab.description for lab in self.labels},
            **options,
        )  # fmt: skip

    def _decided_keys(self) -> list[str]:
        from labelwidgets.team.team import ADJUDICATOR_ROLE

        events = self.store.events_frame(columns=["item_key", "annotator"])
        judges = [s.get("annotator") for s in self.store.sessions() if s.get("role") == ADJUDICATOR_ROLE]
        events = events[~events["annotator"].isin(judges)]  # an adjudicator settles an item, never rates it
        if not len(events):
            return []
        return list(events.drop_duplicates(["item_key", "annotator"])["item_key"])

    def __repr__(self) -> str:
        return (
            f"Imported({len(self.items)} items, {self.decisions} decisions by {self.annotators}, "
            f"kind={self.labels.kind.name!r}, labels={self.labels.names}, unsupported={dict(self.unsupported)}, "
            f"realigned={self.realigned}, dropped={self.dropped}, refused={len(self.refused)})"
        )


def label_set(kind: str, labels: Sequence[str], outputs: Sequence[str] | None, *, overlapping: bool) -> LabelSet:
    """The label set of what was read: ``kind`` over ``labels`` (a pair: over its outputs, with both_bad when seen;
    spans: overlapping ones allowed when the file has them)."""
    from labelwidgets.kinds.pair import BOTH_BAD, PairVerdict
    from labelwidgets.kinds.spans import SpanAnswers

    if kind == "pair":
        return label_set_for(None, PairVerdict(both_bad=BOTH_BAD in labels), outputs)
    answer_kind: Any = SpanAnswers(overlap=True) if kind == "spans" and overlapping else kind
    return label_set_for(list(dict.fromkeys(labels)), answer_kind, None)


#: The actions that leave an answer in force (a skip or a rejection leaves none).
ANSWERED = frozenset(ANSWERING)
_NOTHING = object()  # no answer in force yet (an answer may itself be empty: a set of no labels)


def store_answers(
    imported: Imported, answers: list[Answer], texts: Mapping[Any, str | None], suggestions: Mapping[Any, Any],
    *, origin: str,
) -> None:  # fmt: skip
    """Append ``answers`` to the store as decisions (each checked against the label set; refused ones named),
    once: an answer already in the store from an earlier read of the same file is counted in ``repeated``. A person
    who had answered the item in the store already (another file, or a Labeler) and answers otherwise now revises
    it: the decision is ``revised`` and keeps the answer it replaced (``previous_label``), as a key in the widget
    would; the same answer again, or a skip of an answered item, changes nothing and is counted in ``repeated``."""
    from labelwidgets.team.decisions import in_force

    labels = imported.labels
    store = imported.store
    store.check_labels(list(labels.names), kind=labels.kind.name)
    # what the store holds, in one read (not a query per answer): the answers an earlier read of this file stored,
    # and each person's decision in force on each item
    held_events = store.events_frame()
    stored_before = set(held_events["client_id"].dropna().tolist())
    held = {
        (annotator, key): label
        for annotator, key, label, action in in_force(held_events)[["annotator", "key", "label", "action"]].itertuples(
            index=False
        )
        if action in ANSWERED
    }
    run = uuid.uuid4().hex
    sessions: dict[str, str] = {}  # one session per annotator of this read, as each person's Labeler has its own
    events: list[Decision] = []
    for answer in answers:
        text = texts.get(_hashable(answer.key))
        try:
            stored = None if answer.value is None else labels.kind.from_cell(answer.value, labels, text=text)
        except InputError as error:
            imported.refused.append(f"{shown_key(answer.key)} by {answer.annotator}: {error}")
            continue
        client_id = f"{origin}:{answer.origin}"
        if client_id in stored_before:
            imported.repeated += 1
            continue
        stored_before.add(client_id)  # the same answer twice in one file is stored once
        item_key = encode_key(answer.key)
        replaced = held.get((answer.annotator, item_key), _NOTHING)
        if replaced is not _NOTHING and (stored is None or stored == replaced):
            imported.repeated += 1
            continue
        if stored is not None:
            held[(answer.annotator, item_key)] = stored
        suggestion = suggestions.get(_hashable(answer.key))
        action = ("labeled" if replaced is _NOTHING else REVISED) if stored is not None else "skipped"
        started = _started_from(answer, labels, text, imported)
        if started is not None and stored is not None and replaced is _NOTHING:
            suggestion = started  # what the person saw and kept or changed, whichever prediction it was
            action = "accepted" if stored == started[0] else "corrected"  # a first answer made from a prediction
        session_id = sessions.setdefault(answer.annotator, f"{origin}-{run}-{len(sessions)}")
        event = Decision(
            item_key=item_key,
            action=action,
            previous_label=None if replaced is _NOTHING else replaced,
            annotator=answer.annotator,
            decided_at=answer.decided_at or utc_now(),
            label=stored,
            suggestion=suggestion[0] if suggestion else None,
            confidence=suggestion[1] if suggestion else None,
            suggester=suggestion[2] if suggestion else None,
            seconds=answer.seconds,
            text_hash=text_hash(text),
            session_id=session_id,
            client_id=client_id,
            client_seq=0,
        )
        events.append(event)
    store.append_many(events)  # one transaction: a file of thousands of answers is one commit, all or nothing
    imported.decisions += len(events)
    from labelwidgets.team.team import ADJUDICATOR_ROLE

    # someone whose every answer settled an item's gold adjudicated: a Team reads their answers as gold, not ratings
    judges = {a.annotator for a in answers if a.gold} - {a.annotator for a in answers if not a.gold}
    for annotator, session_id in sessions.items():
        role = ADJUDICATOR_ROLE if annotator in judges else "member"
        store.record_session({"session_id": session_id, "annotator": annotator, "role": role, "source": origin})
    imported.annotators = list(dict.fromkeys([*imported.annotators, *sessions]))


def _started_from(
    answer: Answer, labels: LabelSet, text: str | None, imported: Imported
) -> tuple[str, float | None, str | None] | None:
    """The prediction ``answer`` started from, as stored text with its score and model; None when the file does not
    say, or the prediction is not an answer over the labels (named among the refused)."""
    if answer.started_from is None:
        return None
    value, score, model = answer.started_from
    try:
        return labels.kind.from_cell(value, labels, text=text), score, model
    except InputError as error:
        imported.refused.append(f"the prediction {shown_key(answer.key)} by {answer.annotator} started from: {error}")
        return None


def answer_origin(*parts: Any) -> str:
    """A short, stable name for one answer in a file (its item, person and content)."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]


def items_frame(keys: list[Any], data: list[dict[str, Any]], suggestions: list[tuple[Any, Any, Any] | None]) -> Any:
    """The items read back: their data, indexed by key (a MultiIndex for tuple keys), and the suggestion's value,
    confidence and suggester."""
    frame = pd.DataFrame(data)
    if keys and all(isinstance(k, tuple) for k in keys) and len({len(k) for k in keys}) == 1:
        frame.index = pd.MultiIndex.from_tuples(keys)
    else:
        cells = np.empty(len(keys), dtype=object)
        cells[:] = keys
        frame.index = pd.Index(cells).infer_objects()
    values = np.empty(len(keys), dtype=object)
    values[:] = [s[0] if s else None for s in suggestions]
    frame["suggestion"] = pd.Series(values, index=frame.index, dtype=object)  # lists stay lists, None stays None
    frame["confidence"] = pd.Series([s[1] if s else np.nan for s in suggestions], index=frame.index, dtype=float)
    frame["suggester"] = pd.Series([s[2] if s else None for s in suggestions], index=frame.index, dtype=object)
    return frame


def _hashable(key: Any) -> Any:
    return key.item() if isinstance(key, np.generic) else key


def overlaps(value: Any) -> bool:
    if not isinstance(value, list):
        return False
    spans = sorted((s["start"], s["end"]) for s in value if isinstance(s, Mapping))
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans))


def stored_suggestions(
    keys: list[Any], predicted: list[Any], texts: dict[Any, str | None], imported: Imported
) -> tuple[dict[Any, tuple[str, float | None, str | None]], list[Any]]:
    """Each item's prediction as stored text (for the decisions) and as the kind shows it (for the column)."""
    labels = imported.labels
    stored: dict[Any, tuple[str, float | None, str | None]] = {}
    shown: list[Any] = []
    for key, suggestion in zip(keys, predicted, strict=True):
        if suggestion is None:
            shown.append(None)
            continue
        text = texts.get(key)
        try:
            answer = labels.kind.from_cell(suggestion[0], labels, text=text)
        except InputError as error:
            imported.refused.append(f"prediction for {key!r}: {error}")
            shown.append(None)
            continue
        stored[key] = (answer, suggestion[1], suggestion[2])
        shown.append((labels.kind.value(answer, labels, text=text), suggestion[1], suggestion[2]))
    return stored, shown


def warn_skipped(imported: Imported, where: str) -> None:
    """One warning naming what a read left out: result types the package does not read, answers refused, drafts."""
    parts = []
    if imported.unsupported:
        counted = ", ".join(f"{n} {kind!r}" for kind, n in imported.unsupported.most_common())
        parts.append(f"results of types the package does not read were skipped ({counted})")
    if imported.refused:
        parts.append(f"{len(imported.refused)} answer(s) were refused (for example {imported.refused[0]})")
    if imported.drafts:
        parts.append(f"{imported.drafts} draft response(s) were left out (not submitted)")
    if parts:
        warnings.warn(f"{where}: {'; '.join(parts)}.", stacklevel=user_stacklevel())


# ----- span offsets ----------------------------------------------------------------------------------------------


@dataclass
class Placement:
    """How the spans of a file landed on their texts: how many were moved, dropped, and examples of each."""

    realigned: int = 0
    dropped: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        if len(self.examples) < SHOWN_EXAMPLES:
            self.examples.append(what)

    def warn(self, where: str) -> None:
        if not (self.realigned or self.dropped):
            return
        warnings.warn(
            f"{where}: {self.realigned} span(s) had offsets that did not match the text and were moved onto it "
            f"(UTF-16 offsets, as Label Studio writes them for text beyond the Basic Multilingual Plane, or the "
            f"span's text found nearby), and {self.dropped} were dropped (their text is not in the item's); for "
            f"example {'; '.join(self.examples)}.",
            stacklevel=user_stacklevel(),
        )


def place_span(text: str | None, start: int, end: int, said: str | None, placement: Placement, key: Any) -> Any:
    """``(start, end)`` in code points on ``text``: as given when ``text[start:end]`` is the span's own text (or it
    says none), from UTF-16 offsets when those match it, or at the occurrence of its text nearest to ``start``;
    None (dropped) when its text is not in ``text``. Each move and drop is counted in ``placement``."""
    if text is None or not isinstance(said, str) or not said:
        return (start, end) if text is None or 0 <= start < end <= len(text) else _dropped(placement, key, start, end)
    if text[start:end] == said:
        return start, end
    moved = _from_utf16(text, start, end)
    if moved is not None and text[moved[0] : moved[1]] == said:
        placement.realigned += 1
        placement.note(f"{shown_key(key)}: {start}-{end} {said!r} read as UTF-16 offsets, {moved[0]}-{moved[1]}")
        return moved
    found = [i for i in _occurrences(text, said)]
    if not found:
        return _dropped(placement, key, start, end, said)
    at = min(found, key=lambda i: abs(i - start))
    placement.realigned += 1
    placement.note(f"{shown_key(key)}: {start}-{end} {said!r} moved to {at}-{at + len(said)}")
    return at, at + len(said)


def _dropped(placement: Placement, key: Any, start: int, end: int, said: str | None = None) -> None:
    placement.dropped += 1
    placement.note(f"{shown_key(key)}: {start}-{end}{'' if said is None else ' ' + repr(said)} dropped")
    return None


def _occurrences(text: str, part: str) -> list[int]:
    out, at = [], text.find(part)
    while at >= 0:
        out.append(at)
        at = text.find(part, at + 1)
    return out


def _from_utf16(text: str, start: int, end: int) -> tuple[int, int] | None:
    """UTF-16 code-unit offsets as code-point offsets (a character beyond U+FFFF is two units), or None when either
    falls inside such a character or past the end."""
    if text.isascii():
        return None
    units = np.cumsum([0, *(2 if ord(c) > 0xFFFF else 1 for c in text)])
    where = {int(u): i for i, u in enumerate(units.tolist())}
    if start not in where or end not in where:
        return None
    return where[start], where[end]
