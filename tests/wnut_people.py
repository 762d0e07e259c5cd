"""People who mark the entities of WNUT 2017 texts (`lw.datasets.wnut17()`), each with their own deterministic slips:
what the span tests of teams and classes replay against the scores of `span_scores` and nervaluate."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

import labelwidgets as lw
from labelwidgets.spans import Span

LABELS = list(lw.datasets.WNUT17_LABELS)


def gold_spans(cell: Any) -> list[Span]:
    """A ``gold`` cell of the dataset (dicts with start, end, label, text) as sorted spans."""
    return sorted(Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in cell)


def marked_by(name: str, item: int, text: str, gold: list[Span]) -> list[Span]:
    """What ``name`` marks on an item: its gold spans, each left out (15%), given another label (10%) or cut to its
    words but the last (10%, spans of two words or more), then a word gold has not marked added (15%). Spans stay on
    whole words, inside the text, never overlapping: what a person's labeler accepts."""
    rng = np.random.default_rng([item, *map(ord, name)])
    out: list[Span] = []
    for span in gold:
        draw = rng.random()
        if draw < 0.15:
            continue
        if draw < 0.25:
            others = [label for label in LABELS if label != span.label]
            span = Span(span.start, span.end, others[int(rng.integers(len(others)))])
        elif draw < 0.35:
            words = list(re.finditer(r"\S+", text[span.start : span.end]))
            if len(words) > 1:
                span = Span(span.start, span.start + words[-2].end(), span.label)
        out.append(span)
    if rng.random() < 0.15:
        free = [m.span() for m in re.finditer(r"\w+", text)
                if not any(m.start() < s.end and s.start < m.end() for s in [*out, *gold])]  # fmt: skip
        if free:
            start, end = free[int(rng.integers(len(free)))]
            out.append(Span(start, end, LABELS[int(rng.integers(len(LABELS)))]))
    return sorted(out)


def as_tuples(spans: list[Span]) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label) for s in spans]


def as_spans(shown: Any) -> list[Span]:
    """Spans shown in a table (dicts with start, end, label, text) as sorted spans."""
    return sorted(Span(d["start"], d["end"], d["label"]) for d in shown)
