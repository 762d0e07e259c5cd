"""One label per item: the answer is the label's name."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from labelwidgets.errors import InputError
from labelwidgets.kinds.base import Choice, ChoiceProbabilities, OutputFormat, ShowsText

if TYPE_CHECKING:
    from collections.abc import Hashable

    import numpy as np
    import pandas as pd

    from labelwidgets.comparison.scores import Ranking, Scores
    from labelwidgets.labels import LabelSet
    from labelwidgets.metrics.drift import DriftEvents, OverTime
    from labelwidgets.metrics.pairs import Columns, Pairs, SetPairs
    from labelwidgets.metrics.running import Tally

# Where a JSON answer's label value starts: '"label": "' (or the other keys a model may use for it).
_KEYED_VALUE = re.compile(r'"(?:label|category|class|answer)"\s*:\s*"', re.IGNORECASE)
_LABEL_KEYS = ("label", "category", "class", "answer")
_SHOWN_CHARACTERS = 80  # a model's prose is cut to this in error messages


class SingleLabel(ShowsText):
    """Exactly one label of the set per item. Stored as the label's name, shown as it."""

    name = "single"
    answers_are_text = True
    about_text = False
    exclusive = True
    fingerprint: tuple[str, ...] = ()
    default_instructions = "Classify the text into exactly one of the labels."

    def answer(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        if isinstance(value, (list, tuple, set, frozenset)):
            raise InputError(
                f"this labeler takes one label per item, not {type(value).__name__} {list(value)!r}; pass one of "
                f"{labels.names}, or make a multi-label labeler with kind='multi' for several labels per item."
            )
        if not isinstance(value, str) or value not in labels:
            raise InputError(f"{value!r} is not one of the labels {labels.names}.")
        return value

    def from_cell(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        return self.answer(value, labels)

    def suggested(self, value: object, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        if not isinstance(value, str):
            return (
                None,
                f"the suggested label {value!r} is a {type(value).__name__}, not one of the labels {labels.names}",
            )
        matched = labels.match(value)
        if matched is None:
            return None, f"{_clip(value)!r} is not one of the labels {labels.names}"
        return matched, None

    def from_text(self, written: str, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        if written in labels:
            return written, None
        return None, f"{written!r} is not one of the labels {labels.names}"

    def value(self, stored: str, labels: LabelSet, *, text: str | None = None) -> Any:
        return stored

    def chosen_labels(self, stored: str, labels: LabelSet) -> list[str]:
        return [stored]

    def cells(self, stored: np.ndarray, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> Any:
        from labelwidgets.session.results import string_cells

        return string_cells(stored)

    def describe(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> str:
        return "no label" if stored is None else stored

    def for_view(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> Any:
        return stored

    def changes(self, suggested: str, answer: str, labels: LabelSet) -> str | None:
        return None  # one answer, compared whole: accepted or corrected says it all

    # -- asking a chat model: {"label": "<one of the labels>"} --

    def instruction(self, labels: LabelSet, *, rationale: bool, output: OutputFormat) -> str:
        names = json.dumps(labels.names, ensure_ascii=False)
        if output == "label":
            return f"Answer with the label only, exactly as written, one of: {', '.join(labels.names)}."
        if rationale:
            return (
                f'Answer with a JSON object {{"label": ..., "rationale": ...}} where "label" is exactly one of {names} '
                f'and "rationale" is one short sentence saying why.'
            )
        return f'Answer with a JSON object {{"label": ...}} where "label" is exactly one of {names}.'

    def response_schema(self, labels: LabelSet, *, rationale: bool) -> dict[str, Any]:
        properties: dict[str, Any] = {"label": {"type": "string", "enum": labels.names}}
        if rationale:
            properties["rationale"] = {"type": "string"}
        return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}

    def format_answer(self, stored: str, labels: LabelSet, output: OutputFormat, *, text: str | None = None) -> str:
        return json.dumps({"label": stored}, ensure_ascii=False) if output == "json" else stored

    def longest_answer(self, labels: LabelSet) -> str:
        return max(labels.names, key=len)

    def answer_tokens(self, labels: LabelSet, *, rationale: bool) -> int:
        return 300 if rationale else 60  # a label and a sentence of rationale fit; a rambling answer is cut short

    # -- reading a chat model's answer --

    def answer_from_json(self, data: Any, labels: LabelSet) -> tuple[Any, str | None]:
        if isinstance(data, str):
            return data, None
        if not isinstance(data, dict):
            return None, None
        keys = {k.lower(): k for k in data if isinstance(k, str)}
        for key in _LABEL_KEYS:
            if key in keys:
                value = data[keys[key]]
                if not isinstance(value, str):
                    return None, f"the label must be a string, got {json.dumps(value)}"
                return value, None
        return None, 'the JSON answer has no "label"'

    def choices(self, raw: str, value: Any, stored: str, labels: LabelSet) -> tuple[Choice, ...]:
        span = _value_span(raw, value) if isinstance(value, str) else None
        return () if span is None else (Choice(span, stored, tuple(labels.names)),)

    def from_choices(
        self, stored: str, decided: Sequence[tuple[Choice, ChoiceProbabilities]], labels: LabelSet
    ) -> tuple[float, dict[str, float] | None] | None:
        if len(decided) != 1:
            return None
        _, (confidence, distribution) = decided[0]
        return confidence, None if distribution is None else dict(distribution)

    # -- probabilities and votes --

    def choose(self, probabilities: Mapping[str, float], labels: LabelSet) -> tuple[str, float]:
        label = max(probabilities, key=probabilities.__getitem__)
        return label, probabilities[label]

    def vote(self, samples: Sequence[str | None], labels: LabelSet) -> tuple[str, float, dict[str, float]] | None:
        votes = Counter(sample for sample in samples if sample is not None)
        if not votes:
            return None
        label, count = votes.most_common(1)[0]
        # Shares of all samples: an invalid sample counts against every label, so the shares may sum below 1.
        return label, count / len(samples), {name: votes[name] / len(samples) for name in labels.names}

    # -- scoring: how answers of this kind are compared (the metrics, imported on first use) --

    def names_seen(self, values: pd.Series, func: str, column: str) -> list[Hashable]:
        from labelwidgets.metrics.pairs import label_names_seen

        return label_names_seen(values, func, column)

    def pairs(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> Pairs | SetPairs:
        from labelwidgets.metrics.pairs import find_pairs

        return find_pairs(df, cols, labels, func)

    def agreement_rows(
        self, frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator,
        seed: int, ci: float, n_bins: int,
    ) -> list[dict[str, Any]]:  # fmt: skip
        from labelwidgets.metrics.agreement import label_agreement_rows

        return label_agreement_rows(frame, cols, labels, n_boot=n_boot, rng=rng, seed=seed, ci=ci, n_bins=n_bins)

    def confusion(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> pd.DataFrame:
        from labelwidgets.metrics.agreement import label_confusion

        return label_confusion(df, cols, labels, func)

    def running_tally(self, labels: list[Hashable] | None) -> Tally:
        from labelwidgets.metrics.running import LabelTally

        return LabelTally(labels)

    def over_time(
        self, decided: pd.DataFrame, cols: Columns, *, window: int, min_periods: int, ci: float, func: str
    ) -> OverTime:
        from labelwidgets.metrics.drift import label_over_time

        return label_over_time(decided, cols, window=window, min_periods=min_periods, ci=ci, func=func)

    def drift_events(
        self, stream: np.ndarray, reference: np.ndarray, labels: list[Hashable] | None, func: str
    ) -> DriftEvents:
        from labelwidgets.metrics.drift import label_events

        return label_events(stream, reference, labels, func)

    def suggestion_spread(self, suggestions: pd.DataFrame) -> np.ndarray:
        from labelwidgets.session.ordering import modal_spread

        return modal_spread(suggestions)

    def ranking(self) -> Ranking:
        from labelwidgets.comparison.scores import SINGLE_RANKING

        return SINGLE_RANKING

    def compared(
        self, values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None
    ) -> np.ndarray:
        from labelwidgets.comparison.scores import label_codes

        return label_codes(values, labels, column=column)

    def scores(
        self, human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int,
        *, sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None,
    ) -> Scores:  # fmt: skip
        from labelwidgets.comparison.scores import label_scores

        return label_scores(human, predicted, usage, k, sort_by=sort_by, ci=ci, n_boot=n_boot, seed=seed, labels=labels)

    def __repr__(self) -> str:
        return "SingleLabel()"


def _value_span(raw: str, value: str) -> tuple[int, int] | None:
    """The characters of the label's value in the raw answer, to find its tokens' logprobs."""
    from labelwidgets.labels import EDGE_NOISE  # labels.py imports the kinds

    keyed = _KEYED_VALUE.search(raw)
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


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARACTERS else text[: _SHOWN_CHARACTERS - 3] + "..."


SINGLE = SingleLabel()
