"""What a suggester is: a batch of items in, one `Suggestion` per item out.

Every suggester (an LLM, the bundled local model, a column of precomputed labels, a
scikit-learn model, a rules function) implements `Suggester`. The labeler, `lw.suggest`
and `lw.compare` only ever talk to this protocol.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
