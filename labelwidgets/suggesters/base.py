"""What a suggester is: a batch of items in, one `Suggestion` per item out.

Every suggester (an LLM, the bundled local model, a column of precomputed labels, a
scikit-learn model, a rules function) implements `Suggester`. The labeler, `lw.suggest`
and `lw.compare` only ever talk to this protocol.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from labelwidgets.labels import LabelSet


@dataclass(frozen=True)
class Item:
    """One row as a suggester sees it."""

    key: str  # the stable item key, encoded (see keys.py)
    text: str
    fields: Mapping[str, Any] = field(default_factory=dict)  # the row's other columns


@dataclass(frozen=True)
class Suggestion:
    """A suggested label for one item, with where its confidence came from.

    An invalid suggestion has ``label=None`` and says why in ``error``; the model's raw
    output stays in ``raw`` so that a person can see what came back.
    """

    label: str | None
    confidence: float | None = None
    probabilities: Mapping[str, float] | None = None
    confidence_source: str | None = None  # "logprobs", "likelihood", "self-consistency", "column", "model"
    rationale: str | None = None
    model: str | None = None
    prompt_id: str | None = None
    raw: str | None = None
    error: str | None = None
    note: str | None = None  # what a valid answer left out on the way (a model's spans not found in the text)
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    latency: float | None = None  # seconds
    cached: bool = False

    @property
    def valid(self) -> bool:
        return self.error is None and self.label is not None

    @classmethod
    def invalid(cls, error: str, raw: str | None = None, **kwargs: Any) -> Suggestion:
        return cls(label=None, error=error, raw=raw, **kwargs)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["probabilities"] = dict(self.probabilities) if self.probabilities is not None else None
        for name in ("confidence", "cost", "latency"):
            value = data[name]
            if value is not None and not math.isfinite(value):
                data[name] = None
        return data


@runtime_checkable
class Suggester(Protocol):
    """Anything with a name and a ``suggest`` method is a suggester.

    ``suggest`` must return exactly one Suggestion per item, in order. It may raise; the
    caller turns an exception into invalid suggestions and goes on.
    """

    name: str

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]: ...


@dataclass(frozen=True)
class Example:
    """A label a person gave an item: what a suggester that learns from the session is taught.

    ``label=None`` withdraws the item's label (the person undid it or skipped the item).
    """

    key: str  # the item's key, encoded as in `Item.key`
    text: str
    label: str | None
    fields: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class LearnsFromLabels(Protocol):
    """A suggester that gets better as the person labels (`lw.Learner`, an LLM with ``few_shot="session"``).

    The session calls ``learn`` once with the labels it starts from (decisions restored from the store, and
    the rows of ``label_column`` if the suggester names one) and then with each change as it happens, in order,
    from the thread that made the decision; ``learn`` must return quickly (train in the background).
    A suggester must never use an item's own label to suggest for that item.
    """

    def learn(self, examples: Sequence[Example]) -> None: ...


@runtime_checkable
class Updates(Protocol):
    """A suggester whose earlier suggestions go stale (a learner that retrained): the session re-asks for the
    undecided items ahead of the cursor when ``callback`` is called, and shows ``status`` (e.g. "learned from
    12 labels") beside the suggestion."""

    @property
    def status(self) -> str: ...

    def on_update(self, callback: Callable[[], None]) -> None: ...
