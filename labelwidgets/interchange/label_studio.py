"""Label Studio: tasks and their labeling config out (`write_tasks`), an export of annotations back in
(`read_label_studio`).

A task is ``{"data": {...}, "annotations": [...], "predictions": [...]}`` as Label Studio's JSON export writes it
(https://labelstud.io/guide/task_format): each annotation a ``result`` list, ``completed_by``, ``lead_time`` (seconds)
and ``was_cancelled`` (a skip); each prediction a ``result``, ``model_version`` and ``score``. What the results are
depends on the control tag of the labeling config, which is written beside the tasks:

- one label per item: ``<Choices>``, a result ``{"type": "choices", "value": {"choices": [name]}}``;
- a set of labels: ``<Choices choice="multiple">``, all chosen names in one result;
- spans: ``<Labels>`` on the ``<Text>``, a result per span ``{"type": "labels", "value": {"start", "end", "text",
  "labels": [name]}}`` (code-point offsets, end exclusive);
- a pair: ``<Choices>`` among the two outputs' names, ``tie`` (and ``both_bad``), each output shown in its own
  ``<Text>``. Label Studio's ``<Pairwise>`` tag picks left or right and has no tie, so it is read (left: the first
  output) but not written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labelwidgets.errors import InputError
from labelwidgets.interchange.given import (
    KEY_FIELD,
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
    warn_skipped,
)
from labelwidgets.interchange.rows import Rows
from labelwidgets.labels import LabelSet
from labelwidgets.store import Store, open_store

#: The name of the control tag (``from_name``) the package writes, and of the text object for spans and labels.
CONTROL = "label"
#: The suffix of the labeling config written beside ``tasks.json``: ``tasks.label_config.xml``.
CONFIG_SUFFIX = ".label_config.xml"
#: The result types the package reads, by what they carry.
CHOICES, LABELS, PAIRWISE = "choices", "labels", "pairwise"
SUPPORTED = (CHOICES, LABELS, PAIRWISE)


def config_path(tasks: Path) -> Path:
    return tasks.with_name(f"{tasks.stem}{CONFIG_SUFFIX}")


# ----- out ----------------------------------------------------------------------------------------------------------


def write_tasks(rows: Rows, items: list[Item], target: Path) -> None:
    """``items`` as Label Studio tasks in ``target`` and their labeling config beside it (`config_path`)."""
    labels = rows.label_set
    text_name = _text_name(rows)
    tasks = []
    for item in items:
        task: dict[str, Any] = {"data": {**item.data, KEY_FIELD: key_text(item.key)}}
        annotations = []
        for number, given in enumerate(item.given, start=1):
            annotation: dict[str, Any] = {
                "id": number,
                "result": [] if given.value is None else _results(given.value, labels, text_name, f"a{number}"),
                "was_cancelled": given.value is None,
                "ground_truth": given.gold,
                # Label Studio's import resolves ``completed_by`` by the email of a project member
                "completed_by": {"email": given.annotator},
            }
            if given.seconds is not None:
                annotation["lead_time"] = given.seconds
            if given.decided_at is not None:
                annotation["created_at"] = annotation["updated_at"] = given.decided_at.isoformat()
            annotations.append(annotation)
        task["annotations"] = annotations
        if item.suggested is not None:
            prediction: dict[str, Any] = {"result": _results(item.suggested.value, labels, text_name, "p")}
            if item.suggested.agent:
                prediction["model_version"] = item.suggested.agent
            if item.suggested.confidence is not None:
                prediction["score"] = item.suggested.confidence
            task["predictions"] = [prediction]
        tasks.append(task)
    target.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    config_path(target).write_text(label_config(rows), encoding="utf-8")


def _text_name(rows: Rows) -> str:
    return rows.text or "text"


def _results(value: Any, labels: LabelSet, text_name: str, prefix: str) -> list[dict[str, Any]]:
    base = {"from_name": CONTROL, "to_name": text_name}
    kind = labels.kind
    if kind.about_text:  # spans: one result per span
        return [
            {**base, "id": f"{prefix}-{i}", "type": LABELS,
             "value": {"start": s["start"], "end": s["end"], "text": s.get("text"), "labels": [s["label"]]}}
            for i, s in enumerate(value)
        ]  # fmt: skip
    chosen = [value] if kind.answers_are_text else list(value)
    return [{**base, "id": f"{prefix}-0", "type": CHOICES, "value": {"choices": chosen}}]


def label_config(rows: Rows) -> str:
    """The labeling config (XML) that shows ``rows``' items and asks for their kind of answer over their labels."""
    labels = rows.label_set
    kind = labels.kind
    text_name = _text_name(rows)
    view = ET.Element("View")
    ET.SubElement(view, "Text", name=text_name, value=f"${text_name}")
    for output in kind.item_columns:  # a pair's two outputs, each in its own Text
        ET.SubElement(view, "Header", value=output)
        ET.SubElement(view, "Text", name=output, value=f"${output}")
    if kind.about_text:
        control = ET.SubElement(view, "Labels", name=CONTROL, toName=text_name)
        tag = "Label"
    else:
        control = ET.SubElement(view, "Choices", name=CONTROL, toName=text_name)
        control.set("choice", "single-radio" if kind.answers_are_text else "multiple")
        tag = "Choice"
    for label in labels:
        option = ET.SubElement(control, tag, value=label.name)
        if label.description and label.description != label.name:
            option.set("hint", label.description)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


# ----- back ---------------------------------------------------------------------------------------------------------


@dataclass
class Config:
    """What a labeling config says: the kind of answer, its labels, the text's data field, a pair's outputs."""

    kind: str | None = None
    labels: list[str] = field(default_factory=list)
    control: str | None = None
    text: str | None = None
    outputs: list[str] = field(default_factory=list)


def read_label_studio(
    path: str | os.PathLike[str],
    store: str | os.PathLike[str] | Store | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    kind: str | None = None,
    labels: list[str] | None = None,
    text: str | None = None,
) -> Imported:
    """Read a Label Studio JSON export (a list of tasks) into ``store``: each annotation a decision by its
    ``completed_by`` user (their email, else their id; a cancelled one a skip, ``lead_time`` its seconds), each
    task's first prediction the ``suggestion`` column (``score``: ``confidence``; ``model_version``:
    ``suggester``). An annotation made from a prediction (``parent_prediction``, or Label Studio's copy of the
    prediction in the annotation) is ``accepted`` if the person kept it and ``corrected`` if not, with that
    prediction as its suggestion; any other is ``labeled``. Returns an `Imported`, whose ``team()`` is a `lw.Team`
    on those decisions.

    The kind of answer, its labels and the text field come from the labeling config: ``config=`` (the XML text or
    its file), else ``<name>.label_config.xml`` beside the file (`lw.export` writes it), else the results
    themselves (``kind=``, ``labels=``, ``text=`` override). Span offsets are checked against the text
    (``text[start:end]`` is the span's text): UTF-16 offsets are read as such, a span whose text sits elsewhere is
    moved to it, and one whose text is not there is dropped; both counted, with a warning. Results of other types
    (rectangles, ratings, text areas, ...) are skipped and counted by type.
    """
    source = Path(path)
    tasks = _tasks(source)
    found = _config(config, source)
    return _import(tasks, found, open_store(store), kind=kind, labels=labels, text=text, where=source.name)


def _tasks(source: Path) -> list[dict[str, Any]]:
    if not source.exists():
        raise InputError(f"{source} does not exist.")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(f"{source.name} is not JSON ({error.msg}, line {error.lineno}).") from error
    if isinstance(data, dict) and "data" in data:
        data = [data]  # one task
    expected = (
        'a Label Studio JSON export: a list of tasks, each an object with "data" (the item) and "annotations" '
        '(each with a "result" list) and/or "predictions"'
    )
    if not isinstance(data, list):
        raise InputError(f"{source.name} holds a JSON {type(data).__name__}; expected {expected}.")
    for number, task in enumerate(data, start=1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            got = f"an object with keys {sorted(task)[:6]}" if isinstance(task, dict) else f"a {type(task).__name__}"
            raise InputError(f"{source.name}: task {number} is {got}; expected {expected}.")
        for part in ("annotations", "completions", "predictions"):
            if part in task and not isinstance(task[part], list):
                raise InputError(f"{source.name}: task {number}'s {part!r} is not a list; expected {expected}.")
    return data


def _config(config: str | os.PathLike[str] | None, source: Path) -> Config:
    if config is None:
        beside = config_path(source)
        if not beside.exists():
            return Config()
        xml = beside.read_text(encoding="utf-8")
    elif isinstance(config, str) and config.lstrip().startswith("<"):
        xml = config
    else:
        xml = Path(config).read_text(encoding="utf-8")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as error:
        raise InputError(f"the labeling config is not XML ({error}).") from error
    return parse_config(root)


def parse_config(root: ET.Element) -> Config:
    """The kind, labels and text field of a labeling config's first control tag the package reads."""
    texts = {t.get("name"): (t.get("value") or "").lstrip("$") for t in root.iter("Text")}
    for element in root.iter():
        if element.tag == "Labels":
            return Config("spans", [o.get("value") or "" for o in element.iter("Label")], element.get("name"),
                          texts.get(element.get("toName")))  # fmt: skip
        if element.tag == "Pairwise":
            shown = (element.get("toName") or "").split(",")
            outputs = [texts.get(name) or name for name in shown]
            return Config("pair", [], element.get("name"), None, outputs)
        if element.tag == "Choices":
            options = [o.get("value") or "" for o in element.iter("Choice")]
            text = texts.get(element.get("toName"))
            outputs = [texts[name] for name in options if name in texts]
            if len(outputs) == 2:  # a choice between two of the texts shown: a pair
                return Config("pair", options, element.get("name"), text, outputs)
            multiple = element.get("choice") == "multiple"
            return Config("multi" if multiple else "single", options, element.get("name"), text)
    return Config()


def _user(completed_by: Any) -> str:
    if isinstance(completed_by, dict):
        for name in ("email", "username", "id"):
            if completed_by.get(name) not in (None, ""):
                return str(completed_by[name])
    if completed_by is None:
        return "label-studio"
    return str(completed_by)


def _when(annotation: dict[str, Any]) -> dt.datetime | None:
    for name in ("updated_at", "created_at", "completed_at"):
        value = annotation.get(name)
        if isinstance(value, str):
            try:
                when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    return None


@dataclass
class _Reading:
    """What reading the results of one file gathers."""

    config: Config
    unsupported: Counter[str] = field(default_factory=Counter)
    placement: Placement = field(default_factory=Placement)
    seen_kind: set[str] = field(default_factory=set)
    seen_labels: list[str] = field(default_factory=list)


def _import(
    tasks: list[dict[str, Any]], config: Config, store: Store, *, kind: str | None, labels: list[str] | None,
    text: str | None, where: str,
) -> Imported:  # fmt: skip
    reading = _Reading(config)
    keys, data, texts_by_key = [], [], {}
    text_field = text or config.text
    if text_field is None:
        fields = [f for f in (tasks[0]["data"] if tasks else {}) if f != KEY_FIELD]
        strings = [f for f in fields if isinstance(tasks[0]["data"][f], str)]
        text_field = "text" if "text" in fields else (strings[0] if strings else "text")
    answers: list[Answer] = []
    predicted: list[Any] = []
    for position, task in enumerate(tasks):
        item = task["data"]
        key = key_from_text(item[KEY_FIELD]) if KEY_FIELD in item else task.get("id", position)
        keys.append(key)
        data.append({k: v for k, v in item.items() if k != KEY_FIELD})
        item_text = item.get(text_field)
        item_text = item_text if isinstance(item_text, str) else None
        texts_by_key[key] = item_text
        predictions = _Predictions([p for p in task.get("predictions", []) if isinstance(p, dict)], reading,
                                   item_text, key)  # fmt: skip
        for number, annotation in enumerate(task.get("annotations", task.get("completions", []))):
            if not isinstance(annotation, dict):
                continue
            value = _value(annotation.get("result") or [], reading, item_text, key)
            cancelled = bool(annotation.get("was_cancelled"))
            if value is _NOTHING and not cancelled:
                continue  # only results of types the package does not read
            lead = annotation.get("lead_time")
            user = _user(annotation.get("completed_by"))
            answers.append(
                Answer(
                    key=key, annotator=user, value=None if cancelled or value is _NOTHING else value,
                    decided_at=_when(annotation), seconds=float(lead) if isinstance(lead, (int, float)) else None,
                    origin=answer_origin(key_text(key), user, annotation.get("id", number), annotation.get("result")),
                    gold=bool(annotation.get("ground_truth")),
                    started_from=predictions.started_from(annotation),
                )
            )  # fmt: skip
        predicted.append(predictions.first())
    chosen_kind = kind or config.kind or _kind_seen(reading, answers, predicted)
    outputs = config.outputs or None
    names = labels or config.labels or reading.seen_labels
    if not names and chosen_kind != "pair":
        skipped = ", ".join(f"{n} {t!r}" for t, n in reading.unsupported.most_common()) or "none"
        raise InputError(
            f"{where} has no answers the package reads (Choices, Labels or Pairwise results; skipped: {skipped}) "
            "and no labeling config that names the labels: give labels=[...] (and kind=) to read its items."
        )
    overlapping = chosen_kind == "spans" and any(overlaps(a.value) for a in answers)
    label_set_read = label_set(chosen_kind, names, outputs, overlapping=overlapping)
    _fix_answers(answers, predicted, keys, label_set_read)
    imported = Imported(
        items=None,  # type: ignore[arg-type]  # set below, once the suggestions are stored text
        store=store, labels=label_set_read, text=text_field, annotators=[], decisions=0,
        unsupported=reading.unsupported, realigned=reading.placement.realigned, dropped=reading.placement.dropped,
    )  # fmt: skip
    suggestions, shown = stored_suggestions(keys, predicted, texts_by_key, imported)
    imported.items = items_frame(keys, data, shown)
    store_answers(imported, answers, texts_by_key, suggestions, origin="label-studio")
    reading.placement.warn(f"read_label_studio({where})")
    warn_skipped(imported, where)
    return imported


#: A result list with nothing the package reads.
_NOTHING: Any = object()


def _value(results: list[Any], reading: _Reading, text: str | None, key: Any) -> Any:
    """The answer a result list gives, as the kind takes it: chosen names (a list), spans, or a pairwise pick."""
    chosen: list[str] = []
    spans: list[dict[str, Any]] = []
    picked: str | None = None
    control = reading.config.control
    any_read = False
    for result in results:
        if not isinstance(result, dict):
            continue
        kind = str(result.get("type", "?"))
        given = result.get("value")
        value: dict[str, Any] = given if isinstance(given, dict) else {}
        if kind not in SUPPORTED or (control is not None and result.get("from_name") != control):
            reading.unsupported[kind if kind not in SUPPORTED else f"{kind} ({result.get('from_name')})"] += 1
            continue
        any_read = True
        reading.seen_kind.add(kind)
        if kind == CHOICES:
            chosen += [str(c) for c in value.get("choices", [])]
        elif kind == LABELS:
            placed = place_span(text, int(value.get("start", 0)), int(value.get("end", 0)), value.get("text"),
                                reading.placement, key)  # fmt: skip
            for name in value.get("labels", []) if placed is not None else []:
                spans.append({"start": placed[0], "end": placed[1], "label": str(name)})
        else:  # pairwise: left or right, the outputs in to_name's order
            picked = str(value.get("selected", ""))
            if not reading.config.outputs:
                reading.config.outputs = str(result.get("to_name", "")).split(",")
    for name in [*chosen, *(s["label"] for s in spans)]:
        if name not in reading.seen_labels:
            reading.seen_labels.append(name)
    if results and not any_read:
        return _NOTHING  # only results of types the package does not read (an empty list is no spans, no labels)
    if picked is not None:
        outputs = reading.config.outputs
        return outputs[0] if picked == "left" else outputs[1] if picked == "right" and len(outputs) > 1 else picked
    if LABELS in reading.seen_kind and not chosen:
        return spans
    return chosen


def _prediction(prediction: dict[str, Any], reading: _Reading, text: str | None, key: Any) -> Any:
    """A prediction as (its answer, score, model version); None when it has no result the package reads."""
    value = _value(prediction.get("result") or [], reading, text, key)
    if value is _NOTHING:
        return None
    score, version = prediction.get("score"), prediction.get("model_version")
    return (value, float(score) if isinstance(score, (int, float)) else None,
            str(version) if version not in (None, "") else None)  # fmt: skip


class _Predictions:
    """A task's predictions, each read once when it is needed: the first (the item's suggestion) and those an
    annotation was made from."""

    def __init__(self, raw: list[dict[str, Any]], reading: _Reading, text: str | None, key: Any) -> None:
        self.raw, self.reading, self.text, self.key = raw, reading, text, key
        self.read: dict[int, Any] = {}

    def at(self, index: int) -> Any:
        if index not in self.read:
            self.read[index] = _prediction(self.raw[index], self.reading, self.text, self.key)
        return self.read[index]

    def first(self) -> Any:
        return self.at(0) if self.raw else None

    def started_from(self, annotation: dict[str, Any]) -> Any:
        """The prediction ``annotation`` was made from: Label Studio records its id as ``parent_prediction`` when
        the annotator began from a prediction shown in the task (and may keep a copy in the annotation's
        ``prediction``). None when neither says: the annotation was made from nothing."""
        parent = annotation.get("parent_prediction")
        if parent is None:
            return None
        for index, prediction in enumerate(self.raw):
            if prediction.get("id") == parent:
                return self.at(index)
        copy = annotation.get("prediction")
        if isinstance(copy, dict) and copy.get("result"):
            return _prediction(copy, self.reading, self.text, self.key)
        return None


def _kind_seen(reading: _Reading, answers: list[Answer], predicted: list[Any]) -> str:
    if PAIRWISE in reading.seen_kind:
        return "pair"
    if LABELS in reading.seen_kind:
        return "spans"
    values = [a.value for a in answers] + [p[0] for p in predicted if p]
    return "multi" if any(isinstance(v, list) and len(v) != 1 for v in values) else "single"


def _fix_answers(answers: list[Answer], predicted: list[Any], keys: list[Any], labels: LabelSet) -> None:
    """Chosen names as the kind takes them: one name for one label per item (a pair's outcome too)."""
    if not labels.kind.answers_are_text:
        return
    for answer in answers:
        if isinstance(answer.value, list):
            answer.value = answer.value[0] if len(answer.value) == 1 else (None if not answer.value else answer.value)
        answer.started_from = _one_name(answer.started_from)
    predicted[:] = [_one_name(suggestion) for suggestion in predicted]


def _one_name(suggestion: Any) -> Any:
    """A prediction of one label per item: its one chosen name (None when it chose none)."""
    if suggestion and isinstance(suggestion[0], list):
        value = suggestion[0][0] if len(suggestion[0]) == 1 else suggestion[0]
        return (value, *suggestion[1:]) if suggestion[0] else None
    return suggestion
