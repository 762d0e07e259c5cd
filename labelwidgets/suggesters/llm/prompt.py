"""The prompt a suggester sends, and how its answer is read back.

The template is plain data that a user can print and override: a system message and a user
message with ``{placeholders}``. Only the known placeholder names are replaced, so a template
may contain other braces (a JSON example, say) without escaping them.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from labelwidgets.errors import InputError
from labelwidgets.kinds import SINGLE
from labelwidgets.kinds.base import Choice, OutputFormat
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item

Message = dict[str, Any]  # {"role", "content"}: content is text, or (with images) a list of text and image parts

DEFAULT_INSTRUCTIONS = SINGLE.default_instructions  # "Classify the text into exactly one of the labels."

# How a model that decides each label on its own (`PromptSpec.render_question`) is told to answer.
QUESTION_OUTPUT = "Answer yes if the label asked about applies to the text, or no if it does not."

DEFAULT_SYSTEM = """{instructions}

Labels:
{labels}
{guidelines}
{output_format}"""

DEFAULT_USER = """Text:
{text}"""

PLACEHOLDERS = ("instructions", "labels", "label_names", "guidelines", "output_format", "text", "label")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class PromptTemplate:
    """A system and a user message with ``{instructions}``, ``{labels}``, ``{label_names}``,
    ``{guidelines}``, ``{output_format}`` and ``{text}`` placeholders; a template that asks about one label at a
    time (`PromptSpec.render_question`) names it with ``{label}``.

    Few-shot examples are sent as earlier user/assistant turns, each user turn rendered from
    ``user`` and each assistant turn written in the output format the model is asked for.
    """

    system: str = DEFAULT_SYSTEM
    user: str = DEFAULT_USER

    def with_changes(self, **changes: str) -> PromptTemplate:
        return replace(self, **changes)


DEFAULT_TEMPLATE = PromptTemplate()


@dataclass(frozen=True)
class PromptSpec:
    """Everything besides the item's text that decides the messages sent for it."""

    template: PromptTemplate
    instructions: str
    guidelines: str | None
    few_shot: tuple[tuple[str, str], ...]
    rationale: bool
    output: OutputFormat

    def render(self, text: str, labels: LabelSet) -> list[Message]:
        answers = self.example_answers(labels)
        values = self._values(labels, output_instructions(labels, rationale=self.rationale, output=self.output))
        messages = [{"role": "system", "content": _tidy(fill(self.template.system, values))}]
        for (example_text, _), answer in zip(self.few_shot, answers, strict=True):
            written = labels.kind.format_answer(answer, labels, self.output, text=example_text)
            messages.append({"role": "user", "content": fill(self.template.user, {**values, "text": example_text})})
            messages.append({"role": "assistant", "content": written})
        messages.append({"role": "user", "content": fill(self.template.user, {**values, "text": text})})
        return messages

    def render_question(self, text: str, labels: LabelSet, label: str) -> list[Message]:
        """The messages that ask whether ``label`` applies to the text, for a model that decides each label on its
        own: ``{label}`` in the template names it, and each few-shot example is answered yes or no about it."""
        answers = self.example_answers(labels)
        values = {**self._values(labels, QUESTION_OUTPUT), "label": label}
        messages = [{"role": "system", "content": _tidy(fill(self.template.system, values))}]
        for (example_text, _), answer in zip(self.few_shot, answers, strict=True):
            applies = label in labels.kind.chosen_labels(answer, labels)
            messages.append({"role": "user", "content": fill(self.template.user, {**values, "text": example_text})})
            messages.append({"role": "assistant", "content": "yes" if applies else "no"})
        messages.append({"role": "user", "content": fill(self.template.user, {**values, "text": text})})
        return messages

    def example_answers(self, labels: LabelSet) -> list[str]:
        """The few-shot examples' answers as stored text; `InputError` for one that is not an answer over ``labels``
        (spans: over the example's text)."""
        answers = []
        for example_text, example_label in self.few_shot:
            answer, why = labels.kind.from_text(example_label, labels, text=example_text)
            if answer is None:
                raise InputError(f"few-shot example label {why}; fix the example or add the label.")
            answers.append(answer)
        return answers

    def _values(self, labels: LabelSet, output_format: str) -> dict[str, str]:
        return {
            "instructions": self.instructions.strip(),
            "labels": format_labels(labels),
            "label_names": ", ".join(labels.names),
            "guidelines": f"\nGuidelines:\n{self.guidelines.strip()}\n" if self.guidelines else "",
            "output_format": output_format,
        }

    def prompt_id(self, labels: LabelSet) -> str:
        """A short fingerprint of the prompt, so that suggestions can say which prompt made them."""
        data = json.dumps(
            [
                self.template.system,
                self.template.user,
                self.instructions,
                self.guidelines,
                self.few_shot,
                self.rationale,
                self.output,
                labels.to_json(),
                *labels.kind.fingerprint,
            ],
            ensure_ascii=False,
        )
        return "p-" + hashlib.sha256(data.encode()).hexdigest()[:10]


def with_images(messages: list[Message], images: Sequence[Any]) -> list[Message]:
    """``messages`` with ``images`` (each with a ``url()``: an http(s) URL or a data URL) attached to the last user
    message as image parts, in the OpenAI form litellm passes to every vision provider; unchanged without images."""
    if not images:
        return messages
    last = messages[-1]
    parts: list[dict[str, Any]] = [{"type": "text", "text": last["content"]}]
    parts += [{"type": "image_url", "image_url": {"url": image.url()}} for image in images]
    return [*messages[:-1], {"role": last["role"], "content": parts}]


def fill(template: str, values: Mapping[str, str]) -> str:
    # One pass, so that a text containing "{labels}" is not expanded again.
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def format_labels(labels: LabelSet) -> str:
    return "\n".join(f"- {x.name}: {x.description}" if x.description else f"- {x.name}" for x in labels)


def output_instructions(labels: LabelSet, *, rationale: bool, output: OutputFormat) -> str:
    return labels.kind.instruction(labels, rationale=rationale, output=output)


def label_json_schema(labels: LabelSet, *, rationale: bool) -> dict[str, Any]:
    """The JSON schema that constrains a structured answer to the label set (its kind says what an answer is)."""
    return labels.kind.response_schema(labels, rationale=rationale)


def few_shot_examples(
    examples: Any, *, text_column: str = "text", label_column: str = "label"
) -> tuple[tuple[str, str], ...]:
    """Normalize few-shot examples: a DataFrame with a text and a label column, or (text, label) pairs.

    A label that is a list of labels (a multi-label example) or of spans (``(start, end, label)``, or entities
    ``{"text": ..., "label": ...}`` placed on the example's text) is kept as JSON text; the label set's kind reads it
    when the prompt is rendered.
    """
    if examples is None:
        return ()
    columns = getattr(examples, "columns", None)
    pairs: Iterable[tuple[Any, Any]]
    if columns is not None:
        missing = [c for c in (text_column, label_column) if c not in columns]
        if missing:
            raise InputError(
                f"few_shot has no column {missing[0]!r}; its columns are {list(columns)}. "
                f"Name the columns with few_shot_columns=(<text column>, <label column>)."
            )
        pairs = zip(examples[text_column], examples[label_column], strict=True)
    elif isinstance(examples, Mapping):
        pairs = examples.items()
    else:
        pairs = (_pair(example, text_column, label_column) for example in examples)
    result = []
    for text, label in pairs:
        if not isinstance(label, str) and _is_list_like(label):
            if any(isinstance(part, Mapping) or _is_list_like(part) for part in label):  # spans
                label = json.dumps(list(label), ensure_ascii=False, default=_json_default)
            else:
                label = json.dumps([str(name) for name in label], ensure_ascii=False)
        if text is None or label is None or text != text or label != label:  # NaN != NaN
            raise InputError("few_shot has an empty text or label; drop those rows first.")
        result.append((str(text), str(label)))
    return tuple(result)


def _json_default(value: object) -> Any:
    # What a spans answer from a DataFrame holds besides JSON's own types: tuples inside arrays, NumPy numbers.
    if isinstance(value, Mapping):
        return dict(value)
    if _is_list_like(value):
        return list(value)  # type: ignore[call-overload]
    if isinstance(value, numbers.Integral):
        return int(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not part of a span")


def _is_list_like(value: object) -> bool:
    # A list, a tuple, or the NumPy array a list column turns into when it is read back from parquet or arrow.
    return isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray"


def item_text(item: Any, column: str = "text") -> str:
    """The text of an Item, a row (a Series or a dict) or a plain string."""
    if isinstance(item, Item):
        return item.text
    if isinstance(item, str):
        return item
    try:
        return str(item[column])
    except (KeyError, IndexError, TypeError):
        raise InputError(f"the row has no {column!r} column; pass text=<column name>.") from None


def _pair(example: Any, text_column: str, label_column: str) -> tuple[Any, Any]:
    if isinstance(example, Mapping):
        return example[text_column], example[label_column]
    if isinstance(example, Sequence) and not isinstance(example, str) and len(example) == 2:
        return example[0], example[1]
    raise InputError(f"few_shot examples must be (text, label) pairs or a DataFrame, got {example!r}.")


@dataclass(frozen=True)
class ParsedAnswer:
    label: str | None  # the answer as stored text (a label's name, or a set of labels as JSON)
    rationale: str | None = None
    error: str | None = None
    choices: tuple[Choice, ...] = ()  # the decisions the model made, located in the raw text for their logprobs
    note: str | None = None  # what a valid answer left out on the way (a model's spans not found in the text)

    @property
    def value_span(self) -> tuple[int, int] | None:
        """Where the label's value sits in the raw text, when the answer is one label."""
        return self.choices[0].span if len(self.choices) == 1 and self.choices[0].about is None else None


_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)


def parse_answer(raw: str | None, labels: LabelSet, *, text: str | None = None) -> ParsedAnswer:
    """Read an answer from a model's reply: a JSON object, a JSON value, or the bare answer.

    The label set's kind says what an answer is and where it sits in the JSON. Near misses (case, spacing,
    quotes, trailing punctuation, a "Label:" prefix) are mapped onto the label set when exactly one label
    matches; anything else is an error, never a guess. ``text`` is the item's text, for kinds whose answers point
    into it: a model's entities are placed on it, and what cannot be placed is left out and said in ``note``.
    """
    if raw is None or not raw.strip():
        return ParsedAnswer(None, error="the model returned an empty answer")
    reply = raw.strip()
    fenced = _FENCE.match(reply)
    if fenced:
        reply = fenced.group(1)
    data = _json_data(reply)
    value, why = labels.kind.answer_from_json(data, labels) if data is not None else (None, None)
    if why is not None:
        return ParsedAnswer(None, error=why)
    rationale = _rationale(data)
    candidate = reply if value is None else value
    stored, why = labels.kind.suggested(candidate, labels, text=text)
    if stored is None:
        return ParsedAnswer(None, rationale=rationale, error=why)
    return ParsedAnswer(
        stored, rationale=rationale, choices=labels.kind.choices(raw, candidate, stored, labels), note=why
    )


def _json_data(text: str) -> Any:
    """The JSON a reply holds (the object in it, when prose surrounds one); None when it holds none."""
    data = _loads(text)
    if data is None and "{" in text:
        data = _loads(text[text.find("{") : text.rfind("}") + 1])
    return data


def _rationale(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    keys = {k.lower(): k for k in data if isinstance(k, str)}
    rationale = data.get(keys["rationale"]) if "rationale" in keys else None
    return str(rationale) if rationale is not None else None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
