"""The label set of a task: names, optional descriptions and the keys that choose them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from labelwidgets.errors import InputError
from labelwidgets.keymap import LABEL_KEYS
from labelwidgets.kinds import SINGLE, AnswerKind, kind_named

# What a model or a rules function may wrap around a label: "Label: spam", '"Spam."', " HAM ".
_LABEL_PREFIX = re.compile(r"^(?:label|answer|category|class)\s*[:=]\s*", re.IGNORECASE)
EDGE_NOISE = " \t\r\n\"'`*.,;:!?"


@dataclass(frozen=True)
class Label:
    name: str
    description: str = ""
    key: str | None = None  # None: too many labels, reachable through the picker only


@dataclass(frozen=True)
class LabelSet:
    """The labels of a task and the kind of answer given over them (one label, a set of labels, ...).

    The kind travels with the labels because everything that reads labels (a suggester's prompt, the check of a
    suggestion, the metrics) must also know whether an answer is one of them or several.
    """

    labels: tuple[Label, ...]
    kind: AnswerKind = SINGLE

    @classmethod
    def parse(
        cls, labels: Iterable[str] | Mapping[str, str] | LabelSet, kind: str | AnswerKind | None = None
    ) -> LabelSet:
        """Accept a list of names or a {name: description} mapping; ``kind`` defaults to one label per item."""
        if isinstance(labels, LabelSet):
            return labels if kind is None else replace(labels, kind=kind_named(kind))
        answer_kind = SINGLE if kind is None else kind_named(kind)
        if isinstance(labels, str):
            raise InputError(
                f"labels must be a list of label names, not the string {labels!r}; for example labels=['ham', 'spam']."
            )
        if isinstance(labels, (set, frozenset)):
            raise InputError(
                f"labels is a set, which has no order, but the order decides which key means which label (1 is the "
                f"first) and must stay the same from one session to the next; pass a list, for example "
                f"labels={sorted(map(str, labels))!r}."
            )
        if isinstance(labels, Mapping):
            pairs = [(name, "" if desc is None else str(desc)) for name, desc in labels.items()]
        else:
            try:
                pairs = [(name, "") for name in labels]
            except TypeError:
                raise InputError(
                    f"labels must be a list of names or a {{name: description}} dict, got {type(labels).__name__}."
                ) from None
        if not pairs:
            raise InputError("labels is empty: give at least one label, for example labels=['ham', 'spam'].")
        names = []
        for name, _ in pairs:
            if not isinstance(name, str) or not name.strip():
                raise InputError(f"every label must be a non-empty string; got {name!r} in {[n for n, _ in pairs]!r}.")
            names.append(name)
        seen: set[str] = set()
        repeated = sorted({n for n in names if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
        if repeated:
            raise InputError(f"labels must be unique; repeated: {repeated}. Remove the duplicates.")
        keyed = [
            Label(name, desc, LABEL_KEYS[i] if i < len(LABEL_KEYS) else None) for i, (name, desc) in enumerate(pairs)
        ]
        return cls(tuple(keyed), answer_kind)

    @property
    def names(self) -> list[str]:
        return [label.name for label in self.labels]

    def __contains__(self, name: object) -> bool:
        return any(label.name == name for label in self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self) -> Iterator[Label]:
        return iter(self.labels)

    def match(self, candidate: object) -> str | None:
        """The label ``candidate`` names, forgiving case, quotes, whitespace, edge punctuation and a "Label:" prefix.

        None when it names no label, or more than one (a near miss is never a guess).
        """
        if not isinstance(candidate, str):
            return None
        if candidate in self:
            return candidate
        cleaned = _LABEL_PREFIX.sub("", candidate.strip(EDGE_NOISE)).strip(EDGE_NOISE)
        if cleaned in self:
            return cleaned
        key = _normal(cleaned)
        if not key:
            return None
        matches = [name for name in self.names if _normal(name) == key]
        return matches[0] if len(matches) == 1 else None

    def require(self, name: str) -> str:
        if name not in self:
            raise InputError(f"{name!r} is not one of the labels {self.names}.")
        return name

    def answer(self, value: object, *, text: str | None = None) -> str:
        """A person's answer as the text a store keeps (see `AnswerKind.answer`; ``text``: the item's text)."""
        return self.kind.answer(value, self, text=text)

    def describe(self, stored: str | None, *, text: str | None = None) -> str:
        return self.kind.describe(stored, self, text=text)

    def description_map(self) -> dict[str, str]:
        return {label.name: label.description for label in self.labels}

    def to_json(self) -> list[dict[str, str | None]]:
        return [{"name": x.name, "description": x.description, "key": x.key} for x in self.labels]


def _normal(text: str) -> str:
    return " ".join(text.strip(EDGE_NOISE).split()).casefold()


def label_set_for(
    labels: Iterable[str] | Mapping[str, str] | LabelSet | None,
    kind: str | AnswerKind,
    outputs: Sequence[str] | None = None,
) -> LabelSet:
    """The label set of a labeling task: ``labels`` over ``kind`` (bound to the ``outputs`` it compares, for a
    pair), or the kind's own answers when it has them (a pair's outcomes) and ``labels`` is None."""
    answer_kind = kind_named(kind).bind(outputs)
    own = answer_kind.default_labels()
    if labels is None:
        if own is None:
            raise InputError(
                "labels= is missing: give the answers to choose from, e.g. labels=['ham', 'spam'] (or a "
                "{name: description} dict)."
            )
        return LabelSet.parse(own, answer_kind)
    if own is not None:
        given = labels.names if isinstance(labels, LabelSet) else list(labels)
        if given != list(own):
            raise InputError(
                f"kind={answer_kind.name!r} takes its answers from its outputs ({list(own)}); drop labels= "
                f"(it got {given!r})."
            )
    return LabelSet.parse(labels, answer_kind)
