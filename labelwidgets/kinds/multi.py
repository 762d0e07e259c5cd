"""Any number of labels per item: the answer is a set of label names, the empty set ("none of these") included."""

from __future__ import annotations

import gc
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
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

#: The stored text of the empty set: an explicit answer, never missing (a team counts the item as taken).
NONE_OF_THESE = "[]"

# The keys a model may put a set of labels under in a JSON answer.
_SET_KEYS = ("labels", "label", "categories", "answer", "answers")
# One label's decision in a JSON answer: '"joy": true'.
_MEMBERSHIP = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*(true|false)\b')
_LABELS_OBJECT = re.compile(r'"labels"\s*:\s*\{', re.IGNORECASE)
_MEMBERSHIP_OPTIONS = ("true", "false")


class MultiLabel(ShowsText):
    """A set of labels per item.

    Stored as a JSON list of names sorted by code point, so one set has one text whatever the order it was given
    in, and whatever order the label set lists them in (a store may see the labels reordered). Shown in the
    DataFrame and the browser as a list in label-set order.
    """

    name = "multi"
    answers_are_text = False
    about_text = False
    exclusive = False
    fingerprint: tuple[str, ...] = ("multi",)
    default_instructions = "Classify the text: give every label that applies to it (any number of them, or none)."

    def answer(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        if isinstance(value, str):
            raise InputError(
                f"a multi-label answer is a list of labels, not the string {value!r}: pass [{value!r}] for that "
                f"one label, or [] for none of these."
            )
        names = _as_list(value)
        if names is None:
            raise InputError(
                f"a multi-label answer is a list of labels from {labels.names}, not {type(value).__name__} "
                f"{value!r}; for example {labels.names[:2]!r}, or [] for none of these."
            )
        unknown = [name for name in names if not isinstance(name, str) or name not in labels]
        if unknown:
            raise InputError(f"{unknown!r} {'is' if len(unknown) == 1 else 'are'} not among the labels {labels.names}.")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InputError(f"the answer names {repeated} more than once; give each label once.")
        return encode_set(names)

    def from_cell(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise InputError(f"{value!r} is not a JSON list of labels.") from None
        return self.answer(value, labels)

    def suggested(self, value: object, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        names = _as_list(value)
        if names is None and isinstance(value, str):
            names = _parse_text(value)
        if names is None:
            return None, f"the suggestion {value!r} is not a list of labels from {labels.names}"
        matched = [labels.match(name) for name in names]
        outside = [name for name, m in zip(names, matched, strict=True) if m is None]
        if outside:  # one label outside the set makes the whole set untrustworthy: never keep the rest as a guess
            return None, f"{outside!r} {'is' if len(outside) == 1 else 'are'} not among the labels {labels.names}"
        return encode_set(m for m in matched if m is not None), None

    def from_text(self, written: str, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        names = _parse_text(written)
        if names is None:
            return None, f"{written!r} is not a list of labels from {labels.names} (write [] for none of these)"
        unknown = [name for name in names if not isinstance(name, str) or name not in labels]
        if unknown:
            return None, f"{unknown!r} {'is' if len(unknown) == 1 else 'are'} not among the labels {labels.names}"
        return encode_set(names), None

    def value(self, stored: str, labels: LabelSet, *, text: str | None = None) -> list[str]:
        return in_label_order(json.loads(stored), labels)

    def chosen_labels(self, stored: str, labels: LabelSet) -> list[str]:
        return self.value(stored, labels)

    def cells(self, stored: np.ndarray, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> Any:
        import numpy as np
        import pandas as pd

        out = np.full(len(stored), pd.NA, dtype=object)
        # Few distinct sets among many items: factorize (in C; missing -> -1) and decode each distinct set once.
        codes, distinct = pd.factorize(np.asarray(stored, dtype=object), use_na_sentinel=True)
        decoded = [self.value(text, labels) for text in distinct]
        rows = np.flatnonzero(codes >= 0)
        if not len(rows):
            return out
        # Each cell its own list: editing one never changes another. Copied in C (map and fromiter over the codes: no
        # Python call per cell, no second look at the stored texts), with the cyclic garbage collector paused: new
        # lists hold no cycles, and a collection every few hundred of them doubled the time at 200,000 rows.
        collecting = gc.isenabled()
        gc.disable()
        try:
            copies = map(list.copy, map(decoded.__getitem__, codes[rows].tolist()))
            out[rows] = np.fromiter(copies, dtype=object, count=len(rows))
        finally:
            if collecting:
                gc.enable()
        return out

    def describe(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> str:
        if stored is None:
            return "no answer"
        names = self.value(stored, labels)
        return " + ".join(names) if names else "none of these"

    def for_view(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> Any:
        return None if stored is None else self.value(stored, labels)

    def changes(self, suggested: str, answer: str, labels: LabelSet) -> str | None:
        return None  # one answer, compared whole: accepted or corrected says it all

    # -- asking a chat model: {"labels": {"<label>": true or false, ...}}, one decision per label --
    #
    # Why an object of true/false rather than a list of names: each label is then one decision at a known place in
    # the answer, so the logprobs of its "true" or "false" token give the probability that the label applies, and
    # every set is written one way only (a list can name a set in any order). See `from_choices`.

    def instruction(self, labels: LabelSet, *, rationale: bool, output: OutputFormat) -> str:
        names = json.dumps(labels.names, ensure_ascii=False)
        if output == "label":
            return (
                f"Answer with every label that applies, exactly as written and separated by commas, from: "
                f"{', '.join(labels.names)}; or with [] if none does."
            )
        shape = '{"labels": {"<label>": true or false, ...}' + (', "rationale": ...}' if rationale else "}")
        sentence = (
            f'Answer with a JSON object {shape} where "labels" gives each of {names}, in that order, true if it '
            f"applies to the text and false if it does not: any number of labels may apply, or none."
        )
        return sentence + (' "rationale" is one short sentence saying why.' if rationale else "")

    def response_schema(self, labels: LabelSet, *, rationale: bool) -> dict[str, Any]:
        # No uniqueItems or similar: OpenAI's strict mode and llama.cpp's grammars do not take every keyword, and a
        # refused schema would move the model down to unconstrained JSON for every kind of answer.
        memberships = {
            "type": "object",
            "properties": {name: {"type": "boolean"} for name in labels.names},
            "required": labels.names,
            "additionalProperties": False,
        }
        properties: dict[str, Any] = {"labels": memberships}
        if rationale:
            properties["rationale"] = {"type": "string"}
        return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}

    def format_answer(self, stored: str, labels: LabelSet, output: OutputFormat, *, text: str | None = None) -> str:
        chosen = set(json.loads(stored))
        if output == "label":
            return ", ".join(in_label_order(chosen, labels)) or NONE_OF_THESE
        return json.dumps({"labels": {name: name in chosen for name in labels.names}}, ensure_ascii=False)

    def longest_answer(self, labels: LabelSet) -> str:
        return encode_set(labels.names)

    def answer_tokens(self, labels: LabelSet, *, rationale: bool) -> int:
        # Every label is written, with its decision: about one token per two characters of that JSON, and room.
        written = len(self.format_answer(self.longest_answer(labels), labels, "json"))
        return written // 2 + (300 if rationale else 60)

    # -- reading a chat model's answer --

    def answer_from_json(self, data: Any, labels: LabelSet) -> tuple[Any, str | None]:
        if isinstance(data, (list, str)):
            return data, None
        if not isinstance(data, dict):
            return None, None
        keys = {k.lower(): k for k in data if isinstance(k, str)}
        for key in _SET_KEYS:
            if key in keys:
                value = data[keys[key]]
                if isinstance(value, dict):
                    return _memberships(value, labels)
                if isinstance(value, (list, str)):
                    return value, None
                return None, (
                    f'"{keys[key]}" must be an object of true or false per label or a list of labels, got '
                    f"{json.dumps(value)}"
                )
        decisions = {k: v for k, v in data.items() if not (isinstance(k, str) and k.lower() == "rationale")}
        if decisions and all(isinstance(v, bool) for v in decisions.values()):
            return _memberships(decisions, labels)  # the decisions without the "labels" key around them
        return None, 'the JSON answer has no "labels"'

    def choices(self, raw: str, value: Any, stored: str, labels: LabelSet) -> tuple[Choice, ...]:
        chosen = set(json.loads(stored))
        labels_object = _LABELS_OBJECT.search(raw)
        found: dict[str, Choice] = {}
        for match in _MEMBERSHIP.finditer(raw, labels_object.end() if labels_object else 0):
            try:
                key = json.loads(f'"{match.group(1)}"')
            except ValueError:
                continue
            name = labels.match(key)
            if name is None or name in found:
                continue
            said = match.group(2)
            if (said == "true") != (name in chosen):
                return ()  # these tokens do not say what was read from the answer: do not guess
            found[name] = Choice(match.span(2), said, _MEMBERSHIP_OPTIONS, about=name)
        if len(found) != len(labels):
            return ()  # a list of names, or labels left out: no decision per label to read
        return tuple(found[name] for name in labels.names)

    def from_choices(
        self, stored: str, decided: Sequence[tuple[Choice, ChoiceProbabilities]], labels: LabelSet
    ) -> tuple[float, dict[str, float] | None] | None:
        """Each label's probability is that of "true" against "false" at its decision, given the decisions written
        before it (the model writes them in order). The confidence, their `set_confidence`, is then exactly the
        probability of this answer's decisions, each one given those before it."""
        probabilities: dict[str, float] = {}
        for choice, (_, distribution) in decided:
            if choice.about is None or distribution is None:
                return None
            probabilities[choice.about] = distribution["true"]
        if set(probabilities) != set(labels.names):
            return None
        probabilities = {name: probabilities[name] for name in labels.names}
        return set_confidence(probabilities, json.loads(stored)), probabilities

    # -- probabilities and votes --

    def choose(self, probabilities: Mapping[str, float], labels: LabelSet) -> tuple[str, float]:
        chosen = [name for name in labels.names if probabilities[name] >= 0.5]
        return encode_set(chosen), set_confidence(probabilities, chosen)

    def vote(self, samples: Sequence[str | None], labels: LabelSet) -> tuple[str, float, dict[str, float]] | None:
        """A label is in the answer when more than half of the valid samples give it. Its probability is the share
        of all samples that give it: an invalid sample counts against every label, as for one label per item."""
        valid = [set(json.loads(sample)) for sample in samples if sample is not None]
        if not valid:
            return None
        counts = {name: sum(name in sample for sample in valid) for name in labels.names}
        chosen = [name for name in labels.names if 2 * counts[name] > len(valid)]
        probabilities = {name: counts[name] / len(samples) for name in labels.names}
        return encode_set(chosen), set_confidence(probabilities, chosen), probabilities

    # -- scoring: how answers of this kind are compared (the metrics, imported on first use) --

    def names_seen(self, values: pd.Series, func: str, column: str) -> list[Hashable]:
        from labelwidgets.metrics.pairs import set_names_seen

        return set_names_seen(values, func, column)

    def pairs(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> Pairs | SetPairs:
        from labelwidgets.metrics.pairs import find_set_pairs

        return find_set_pairs(df, cols, labels, func)

    def agreement_rows(
        self, frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator,
        seed: int, ci: float, n_bins: int,
    ) -> list[dict[str, Any]]:  # fmt: skip
        from labelwidgets.metrics.agreement import set_agreement_rows

        return set_agreement_rows(frame, cols, labels, n_boot=n_boot, rng=rng, seed=seed, ci=ci, n_bins=n_bins)

    def confusion(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> pd.DataFrame:
        from labelwidgets.metrics.agreement import set_confusion

        return set_confusion(df, cols, labels, func)

    def running_tally(self, labels: list[Hashable] | None) -> Tally:
        from labelwidgets.metrics.running import SetTally

        return SetTally(labels)

    def over_time(
        self, decided: pd.DataFrame, cols: Columns, *, window: int, min_periods: int, ci: float, func: str
    ) -> OverTime:
        from labelwidgets.metrics.drift import set_over_time

        return set_over_time(decided, cols, window=window, min_periods=min_periods, ci=ci, func=func)

    def drift_events(
        self, stream: np.ndarray, reference: np.ndarray, labels: list[Hashable] | None, func: str
    ) -> DriftEvents:
        from labelwidgets.metrics.drift import set_events

        return set_events(stream, reference, labels, func)

    def suggestion_spread(self, suggestions: pd.DataFrame) -> np.ndarray:
        from labelwidgets.session.ordering import set_spread

        return set_spread(suggestions)

    def ranking(self) -> Ranking:
        from labelwidgets.comparison.scores import SET_RANKING

        return SET_RANKING

    def compared(
        self, values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None
    ) -> np.ndarray:
        from labelwidgets.comparison.scores import set_rows

        return set_rows(values, labels, column=column)

    def scores(
        self, human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int,
        *, sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None,
    ) -> Scores:  # fmt: skip
        from labelwidgets.comparison.scores import set_scores

        return set_scores(human, predicted, usage, k, sort_by=sort_by, ci=ci, n_boot=n_boot, seed=seed, labels=labels)

    def __repr__(self) -> str:
        return "MultiLabel()"


def set_confidence(probabilities: Mapping[str, float], chosen: Iterable[str]) -> float:
    """The confidence of a multi-label answer: the probability of exactly the set ``chosen`` when each label
    applies independently with its probability, the product of p over the chosen labels and of 1 - p over the
    others (labels without a probability are not counted)."""
    picked = set(chosen)
    return math.prod(p if name in picked else 1.0 - p for name, p in probabilities.items())


def encode_set(names: Iterable[str]) -> str:
    """The stored text of a set of label names."""
    return json.dumps(sorted(set(names)), ensure_ascii=False, separators=(",", ":"))


def in_label_order(names: Iterable[str], labels: LabelSet) -> list[str]:
    chosen = set(names)
    return [name for name in labels.names if name in chosen]


def _as_list(value: object) -> list[Any] | None:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if type(value).__name__ == "ndarray":  # a NumPy array of names (pyarrow lists read back as these)
        return list(value)  # type: ignore[call-overload]
    return None


def _memberships(decisions: Mapping[Any, Any], labels: LabelSet) -> tuple[Any, str | None]:
    """The labels a model marked true in an object of one true or false per label; every key must name a label."""
    undecided = [key for key, said in decisions.items() if not isinstance(said, bool)]
    if undecided:
        given = {key: decisions[key] for key in undecided}
        return None, f"each label must be given true or false, not {json.dumps(given, ensure_ascii=False)}"
    outside = [key for key in decisions if labels.match(key) is None]
    if outside:  # as in `suggested`: one label outside the set makes the whole answer untrustworthy
        return None, f"{outside!r} {'is' if len(outside) == 1 else 'are'} not among the labels {labels.names}"
    return [key for key, said in decisions.items() if said], None


def _parse_text(text: str) -> list[Any] | None:
    """A suggester's text: a JSON list, or names separated by commas (what a model or a CSV column writes)."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None
    if not stripped:
        return None  # nothing said is not "none of these"
    return [part for part in (p.strip() for p in stripped.replace(";", ",").split(",")) if part]


MULTI = MultiLabel()
