"""Argilla 2.x: records out as its SDK logs them (`write_records`), its export back in (`read_argilla`).

A record is flat, as ``dataset.records.to_list(flatten=True)`` gives it and ``dataset.records.log`` takes it: the
item's id, its fields (the text; a pair's prompt and two outputs), its other columns as metadata, and for the one
question (``label``) ``label.suggestion`` with ``.score`` and ``.agent`` (the model and prompt version: Argilla keeps
one suggestion per question) and ``label.responses`` with ``.users`` and ``.status`` (``submitted``; a skip is
``discarded``). Argilla names users by UUID: each annotator gets a stable one (`labelwidgets.interchange.given.user_id`)
and the names travel in the record's ``annotators`` metadata, so that reading the records back names them again.

The question fits the kind of answer: a ``LabelQuestion`` for one label per item and for a pair (its outcomes are the
labels), a ``MultiLabelQuestion`` for a set of labels, a ``SpanQuestion`` on the text field for spans (values
``[{"start", "end", "label"}]``). The dataset's settings are written beside the records in the shape
``rg.Settings.to_json`` writes (``rg.Settings.from_json`` reads them).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from labelwidgets.errors import InputError
from labelwidgets.interchange.given import (
    Answer,
    Imported,
    Item,
    Placement,
    answer_origin,
    items_frame,
    key_from_text,
    key_text,
    label_set,
    overlaps,
    place_span,
    store_answers,
    stored_suggestions,
    user_id,
    warn_skipped,
)
from labelwidgets.interchange.rows import Rows
from labelwidgets.labels import LabelSet
from labelwidgets.store import Store, open_store

#: The question every record answers.
QUESTION = "label"
#: The metadata key naming each response's annotator, in the order of ``<question>.responses.users``.
ANNOTATORS = "annotators"
#: Argilla's question types (as its settings name them) for what the package's kinds of answer are.
LABEL, MULTI_LABEL, SPAN = "label_selection", "multi_label_selection", "span"
#: What a response's status means here: submitted is an answer, discarded a skip; a draft is no decision yet.
SUBMITTED, DISCARDED, DRAFT = "submitted", "discarded", "draft"
#: The keys of a flat record that are not the item's own.
_RECORD_KEYS = ("id", "_server_id", "status", "score", "vectors", "metadata", "fields")


def settings_path(records: Path) -> Path:
    return records.with_name(f"{records.name.rsplit('.', 1)[0]}.settings.json")


# ----- out ----------------------------------------------------------------------------------------------------------


def write_records(rows: Rows, items: list[Item], target: Path) -> None:
    taken = sorted({n for item in items[:1] for n in item.data} & {*_RECORD_KEYS, ANNOTATORS, QUESTION})
    if taken:
        raise InputError(
            f"the items have column(s) {taken}, which an Argilla record uses for itself (its id, status, "
            "the annotators' names, the question): rename them first."
        )
    records = [record_of(item, rows) for item in items]
    if target.suffix.lower() == ".jsonl":
        lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        target.write_text("".join(lines), encoding="utf-8")
    else:
        target.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    settings_path(target).write_text(json.dumps(settings_of(rows), ensure_ascii=False, indent=1), encoding="utf-8")


def _fields(rows: Rows) -> list[str]:
    return [rows.text or "text", *rows.label_set.kind.item_columns]


def record_of(item: Item, rows: Rows) -> dict[str, Any]:
    """One item as a flat Argilla record (see the module's docstring)."""
    fields = _fields(rows)
    record: dict[str, Any] = {"id": key_text(item.key)}
    record.update({name: item.data.get(name) for name in fields})
    record.update({name: value for name, value in item.data.items() if name not in fields})  # metadata
    labels = rows.label_set
    if item.suggested is not None:
        record[f"{QUESTION}.suggestion"] = _value(item.suggested.value, labels)
        record[f"{QUESTION}.suggestion.score"] = item.suggested.confidence
        record[f"{QUESTION}.suggestion.agent"] = item.suggested.agent
    given = [g for g in item.given if not g.gold]  # Argilla has no adjudicated gold: the members' answers go
    if given:
        record[f"{QUESTION}.responses"] = [None if g.value is None else _value(g.value, labels) for g in given]
        record[f"{QUESTION}.responses.users"] = [str(user_id(g.annotator)) for g in given]
        record[f"{QUESTION}.responses.status"] = [DISCARDED if g.value is None else SUBMITTED for g in given]
        record[ANNOTATORS] = [g.annotator for g in given]
    return record


def _value(value: Any, labels: LabelSet) -> Any:
    if labels.kind.about_text:  # Argilla's span values: start, end, label (no text)
        return [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in value]
    return value


def settings_of(rows: Rows) -> dict[str, Any]:
    """The dataset's settings as ``rg.Settings.to_json`` writes them: the fields, the one question, and the item
    columns kept as metadata."""
    labels = rows.label_set
    kind = labels.kind
    fields = _fields(rows)
    options = {label.name: label.description or label.name for label in labels}
    question: dict[str, Any] = {"name": QUESTION, "title": QUESTION, "description": None, "required": True}
    if kind.about_text:
        question["settings"] = {
            "type": SPAN,
            "field": fields[0],
            "allow_overlapping": bool(getattr(kind, "overlap", False)),
            "options": _options(options),
            "visible_options": None,
        }
    elif kind.answers_are_text:
        question["settings"] = {"type": LABEL, "options": _options(options), "visible_options": None}
    else:
        question["settings"] = {
            "type": MULTI_LABEL,
            "options": _options(options),
            "visible_options": None,
            "options_order": "natural",
        }
    return {
        "guidelines": None,
        "allow_extra_metadata": True,
        "fields": [
            {
                "name": f,
                "title": f,
                "required": f == fields[0],
                "description": None,
                "settings": {"type": "text", "use_markdown": False},
            }
            for f in fields
        ],
        "questions": [question],
        "vectors": [],
        "metadata": [],
        "mapping": None,
    }


def _options(options: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {"value": name, "text": name, "description": None if text == name else text} for name, text in options.items()
    ]


# ----- back ---------------------------------------------------------------------------------------------------------


def read_argilla(
    source: str | os.PathLike[str] | Iterable[Mapping[str, Any]],
    store: str | os.PathLike[str] | Store | None = None,
    *,
    question: str | None = None,
    kind: str | None = None,
    labels: list[str] | None = None,
    text: str | None = None,
    users: Mapping[str, str] | None = None,
) -> Imported:
    """Read Argilla 2.x records (a ``.json`` list or ``.jsonl`` file, or the dicts of
    ``dataset.records.to_list(flatten=True)``) into ``store``: each submitted response a decision by its user, a
    discarded one a skip (drafts are left out, and counted); the question's suggestion the ``suggestion`` column
    (``.score``: ``confidence``; ``.agent``: ``suggester``). Returns an `Imported`, whose ``team()`` is a `lw.Team`.

    Users are named by the record's ``annotators`` metadata (`lw.export` writes it), else by ``users`` (user id ->
    name), else by their id. The question, its kind and labels and the text field come from the settings beside a
    file (``records.settings.json``, as ``rg.Settings.to_json`` writes them), else from the records (``question=``,
    ``kind=``, ``labels=``, ``text=`` override). Span offsets are checked against the text as Label Studio's are.
    """
    records, settings, where = _records(source)
    found = _from_settings(settings)
    name = question or found.get("question") or _question_seen(records)
    text_field = text or found.get("text") or "text"
    placement = Placement()
    imported_kind = kind or found.get("kind")
    keys: list[Any] = []
    data: list[dict[str, Any]] = []
    answers: list[Answer] = []
    predicted: list[tuple[Any, float | None, str | None] | None] = []
    texts: dict[Any, str | None] = {}
    drafts = 0
    unsupported: Counter[str] = Counter()
    types = {q["name"]: q.get("settings", {}).get("type", "?") for q in (settings or {}).get("questions", [])}
    for position, record in enumerate(records):
        key = key_from_text(record["id"]) if record.get("id") is not None else position
        keys.append(key)
        item_text = record.get(text_field)
        item_text = item_text if isinstance(item_text, str) else None
        texts[key] = item_text
        data.append(
            {k: v for k, v in record.items() if _question_of(k) is None and k not in (*_RECORD_KEYS, ANNOTATORS)}
        )
        for other in {_question_of(k) for k in record} - {None, name}:  # questions of kinds the package does not read
            count = len(record.get(f"{other}.responses") or []) + (record.get(f"{other}.suggestion") is not None)
            unsupported[types.get(str(other), f"question {other!r}")] += count
        values = record.get(f"{name}.responses") or []
        user_ids = record.get(f"{name}.responses.users") or []
        statuses = record.get(f"{name}.responses.status") or [SUBMITTED] * len(values)
        named = record.get(ANNOTATORS) if isinstance(record.get(ANNOTATORS), list) else None
        for i, (value, user, status) in enumerate(zip(values, user_ids, statuses, strict=False)):
            if status == DRAFT:
                drafts += 1
                continue
            who = named[i] if named and i < len(named) else (users or {}).get(str(user), str(user))
            answers.append(
                Answer(
                    key=key,
                    annotator=str(who),
                    value=None if status == DISCARDED else _placed(value, item_text, placement, key),
                    origin=answer_origin(key_text(key), str(user), i, value, status),
                )
            )
        suggestion = record.get(f"{name}.suggestion")
        if suggestion is None:
            predicted.append(None)
        else:
            score, agent = record.get(f"{name}.suggestion.score"), record.get(f"{name}.suggestion.agent")
            predicted.append(
                (
                    _placed(suggestion, item_text, placement, key),
                    float(score) if isinstance(score, (int, float)) else None,
                    str(agent) if agent else None,
                )
            )
    values_seen = [a.value for a in answers if a.value is not None] + [p[0] for p in predicted if p]
    chosen_kind = imported_kind or _kind_seen(values_seen)
    names = labels or found.get("labels") or _labels_seen(values_seen)
    overlapping = bool(found.get("overlap")) or (chosen_kind == "spans" and any(overlaps(v) for v in values_seen))
    label_set_read = label_set(chosen_kind, names, found.get("outputs"), overlapping=overlapping)
    imported = Imported(
        items=None,  # type: ignore[arg-type]  # set below, once the suggestions are read
        store=open_store(store),
        labels=label_set_read,
        text=text_field,
        annotators=[],
        decisions=0,
        realigned=placement.realigned,
        dropped=placement.dropped,
        drafts=drafts,
        unsupported=+unsupported,
    )
    suggestions, shown = stored_suggestions(keys, predicted, texts, imported)
    imported.items = items_frame(keys, data, shown)
    store_answers(imported, answers, texts, suggestions, origin="argilla")
    placement.warn(f"read_argilla({where})")
    warn_skipped(imported, where)
    return imported


def _records(source: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None, str]:
    expected = (
        "Argilla records: a list of flat records as dataset.records.to_list(flatten=True) gives them, each with "
        'an "id", its fields and <question>.responses / .responses.users / .responses.status'
    )
    settings = None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        body = path.read_text(encoding="utf-8")
        try:
            if path.suffix.lower() == ".jsonl":
                records: Any = [json.loads(line) for line in body.splitlines() if line.strip()]
            else:
                records = json.loads(body)
        except json.JSONDecodeError as error:
            raise InputError(
                f"{path.name} is not JSON ({error.msg}, line {error.lineno}); expected {expected}."
            ) from error
        beside = settings_path(path)
        if beside.exists():
            settings = json.loads(beside.read_text(encoding="utf-8"))
        where = path.name
    else:
        records, where = list(source), "records"
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise InputError(f"{where} is not {expected}.")
    records = [dict(r) for r in records]
    for number, record in enumerate(records, start=1):
        if "fields" in record and isinstance(record["fields"], Mapping):  # a nested record (Record.to_dict())
            raise InputError(f"{where}: record {number} is nested (Record.to_dict()); expected {expected}.")
        if not any(k.endswith((".responses", ".suggestion")) for k in record):
            continue
    return records, settings, where


def _from_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    if not settings:
        return {}
    questions = [
        q for q in settings.get("questions", []) if q.get("settings", {}).get("type") in (LABEL, MULTI_LABEL, SPAN)
    ]
    if not questions:
        return {}
    question = questions[0]
    kind_of = question["settings"]["type"]
    names = [o["value"] for o in question["settings"].get("options", [])]
    fields = [f["name"] for f in settings.get("fields", [])]
    found: dict[str, Any] = {"question": question["name"], "labels": names, "text": fields[0] if fields else None}
    if kind_of == SPAN:
        found.update(
            kind="spans", text=question["settings"].get("field"), overlap=question["settings"].get("allow_overlapping")
        )
    elif kind_of == MULTI_LABEL:
        found["kind"] = "multi"
    elif len(fields) == 3 and set(fields[1:]) <= set(names):  # the labels are two of the fields: a pair
        found.update(kind="pair", outputs=fields[1:])
    else:
        found["kind"] = "single"
    return found


#: The keys a flat record holds for each question, after its name.
_QUESTION_PARTS = (".suggestion", ".suggestion.score", ".suggestion.agent", ".responses", ".responses.users",
                   ".responses.status")  # fmt: skip


def _question_of(key: str) -> str | None:
    """The question a flat record's key belongs to (``label.responses``: ``label``), or None for the item's own."""
    for part in _QUESTION_PARTS:
        if key.endswith(part) and len(key) > len(part):
            return key[: -len(part)]
    return None


def _question_seen(records: list[dict[str, Any]]) -> str:
    names = {q for r in records for q in map(_question_of, r) if q is not None}
    if len(names) != 1:
        raise InputError(
            f"the records answer {sorted(names) or 'no'} question(s) (keys <question>.responses / .suggestion): "
            "name the one to read with question=."
        )
    return names.pop()


def _placed(value: Any, text: str | None, placement: Placement, key: Any) -> Any:
    if not (isinstance(value, list) and value and all(isinstance(v, Mapping) and "start" in v for v in value)):
        return value
    spans = []
    for span in value:
        start, end = int(span["start"]), int(span["end"])
        said = text[start:end] if text is not None and 0 <= start < end <= len(text) else None
        placed = place_span(text, start, end, span.get("text", said), placement, key)
        if placed is not None:
            spans.append({"start": placed[0], "end": placed[1], "label": str(span["label"])})
    return spans


def _kind_seen(values: list[Any]) -> str:
    if any(isinstance(v, list) and v and isinstance(v[0], Mapping) for v in values):
        return "spans"
    return "multi" if any(isinstance(v, list) for v in values) else "single"


def _labels_seen(values: list[Any]) -> list[str]:
    names: list[str] = []
    for value in values:
        for part in value if isinstance(value, list) else [value]:
            name = str(part["label"]) if isinstance(part, Mapping) else str(part)
            if name not in names:
                names.append(name)
    return names
