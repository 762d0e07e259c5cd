"""The prompt a suggester sends, and how its answer is read back.

The template is plain data that a user can print and override: a system message and a user
message with ``{placeholders}``. Only the known placeholder names are replaced, so a template
may contain other braces (a JSON example, say) without escaping them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from labelwidgets.errors import InputError
from labelwidgets.labels import EDGE_NOISE, LabelSet
from labelwidgets.suggesters.base import Item

Message = dict[str, str]
OutputFormat = Literal["json", "label"]

DEFAULT_INSTRUCTIONS = "Classify the text into exactly one of the labels."

DEFAULT_SYSTEM = """{instructions}

Labels:
{labels}
{guidelines}
{output_format}"""

DEFAULT_USER = """Text:
{text}"""

PLACEHOLDERS = ("instructions", "labels", "label_names", "guidelines", "output_format", "text")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class PromptTemplate:
    """A system and a user message with ``{instructions}``, ``{labels}``, ``{label_names}``,
    ``{guidelines}``, ``{output_format}`` and ``{text}`` placeholders.

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
        for _, example_label in self.few_shot:
            if example_label not in labels:
                raise InputError(
                    f"few-shot example label {example_label!r} is not one of the labels {labels.names}; "
                    f"fix the example or add the label."
                )
        values = {
            "instructions": self.instructions.strip(),
            "labels": format_labels(labels),
            "label_names": ", ".join(labels.names),
            "guidelines": f"\nGuidelines:\n{self.guidelines.strip()}\n" if self.guidelines else "",
            "output_format": output_instructions(labels, rationale=self.rationale, output=self.output),
        }
        messages = [{"role": "system", "content": _tidy(fill(self.template.system, values))}]
        for example_text, example_label in self.few_shot:
            messages.append({"role": "user", "content": fill(self.template.user, {**values, "text": example_text})})
            messages.append({"role": "assistant", "content": format_answer(example_label, self.output)})
        messages.append({"role": "user", "content": fill(self.template.user, {**values, "text": text})})
        return messages

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
            ],
            ensure_ascii=False,
        )
        return "p-" + hashlib.sha256(data.encode()).hexdigest()[:10]


def fill(template: str, values: Mapping[str, str]) -> str:
    # One pass, so that a text containing "{labels}" is not expanded again.
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def format_labels(labels: LabelSet) -> str:
    return "\n".join(f"- {x.name}: {x.description}" if x.description else f"- {x.name}" for x in labels)


def output_instructions(labels: LabelSet, *, rationale: bool, output: OutputFormat) -> str:
    names = json.dumps(labels.names, ensure_ascii=False)
    if output == "label":
        return f"Answer with the label only, exactly as written, one of: {', '.join(labels.names)}."
    if rationale:
        return (
            f'Answer with a JSON object {{"label": ..., "rationale": ...}} where "label" is exactly one of {names} '
            f'and "rationale" is one short sentence saying why.'
        )
    return f'Answer with a JSON object {{"label": ...}} where "label" is exactly one of {names}.'


def format_answer(label: str, output: OutputFormat) -> str:
    return json.dumps({"label": label}, ensure_ascii=False) if output == "json" else label


def label_json_schema(labels: LabelSet, *, rationale: bool) -> dict[str, Any]:
    """The JSON schema that constrains a structured answer to the label set."""
    properties: dict[str, Any] = {"label": {"type": "string", "enum": labels.names}}
    if rationale:
        properties["rationale"] = {"type": "string"}
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def few_shot_examples(
    examples: Any, *, text_column: str = "text", label_column: str = "label"
) -> tuple[tuple[str, str], ...]:
    """Normalize few-shot examples: a DataFrame with a text and a label column, or (text, label) pairs."""
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
        if text is None or label is None or text != text or label != label:  # NaN != NaN
            raise InputError("few_shot has an empty text or label; drop those rows first.")
        result.append((str(text), str(label)))
    return tuple(result)


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
    label: str | None
    rationale: str | None = None
    error: str | None = None
    value_span: tuple[int, int] | None = None  # where the label's value sits in the raw text


_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)


def parse_answer(raw: str | None, labels: LabelSet) -> ParsedAnswer:
    """Read a label from a model's answer: a JSON object, a JSON string, or a bare label.

    Near misses (case, spacing, quotes, trailing punctuation, a "Label:" prefix) are mapped
    onto the label set when exactly one label matches; anything else is an error, never a guess.
    """
    if raw is None or not raw.strip():
        return ParsedAnswer(None, error="the model returned an empty answer")
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    value, rationale = _from_json(text)
    if value is _NO_LABEL_KEY:
        return ParsedAnswer(None, error='the JSON answer has no "label"')
    candidate = text if value is None else value
    if not isinstance(candidate, str):
        return ParsedAnswer(None, error=f"the label must be a string, got {json.dumps(candidate)}")
    label = labels.match(candidate)
    if label is None:
        shown = candidate if len(candidate) <= 80 else candidate[:77] + "..."
        return ParsedAnswer(None, rationale=rationale, error=f"{shown!r} is not one of the labels {labels.names}")
    return ParsedAnswer(label, rationale=rationale, value_span=_value_span(raw, candidate))


_NO_LABEL_KEY = object()


def _from_json(text: str) -> tuple[Any, str | None]:
    """(label value, rationale) from a JSON answer; (None, None) when the text is not JSON."""
    data = _loads(text)
    if data is None and "{" in text:
        data = _loads(text[text.find("{") : text.rfind("}") + 1])
    if isinstance(data, str):
        return data, None
    if not isinstance(data, dict):
        return None, None
    keys = {k.lower(): k for k in data if isinstance(k, str)}
    rationale = data.get(keys["rationale"]) if "rationale" in keys else None
    rationale = str(rationale) if rationale is not None else None
    for name in ("label", "category", "class", "answer"):
        if name in keys:
            return data[keys[name]], rationale
    return _NO_LABEL_KEY, rationale


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _value_span(raw: str, value: str) -> tuple[int, int] | None:
    """The characters of the label's value in the raw answer, to find its tokens' logprobs."""
    keyed = re.search(r'"(?:label|category|class|answer)"\s*:\s*"', raw, re.IGNORECASE)
    if keyed:
        start = keyed.end()
        end = raw.find('"', start)
        return (start, end) if end > start else None
    start = raw.find(value)
    if start >= 0:
        return start, start + len(value)
    stripped = raw.strip(EDGE_NOISE)
    start = raw.find(stripped)
    return (start, start + len(stripped)) if stripped and start >= 0 else None
