"""Kinds of answer: what one answer to an item is (one label, a set of labels, ...) and everything that follows.

A kind is one object that checks an answer (a person's, strictly; a suggester's, forgiving near misses), writes it
as the text a store keeps, reads it back as the value shown in the DataFrame and the browser, and says which keys
edit it. The session, the stores, the fold and the team code only ever see that stored text, so every kind is
labeled, undone, restored, claimed and counted by the same code.
"""

from __future__ import annotations

from labelwidgets.errors import InputError
from labelwidgets.kinds.base import AnswerKind
from labelwidgets.kinds.multi import MULTI, MultiLabel
from labelwidgets.kinds.pair import PAIR, PairVerdict
from labelwidgets.kinds.single import SINGLE, SingleLabel
from labelwidgets.kinds.spans import SPANS, SpanAnswers

KINDS: dict[str, AnswerKind] = {SINGLE.name: SINGLE, MULTI.name: MULTI, SPANS.name: SPANS, PAIR.name: PAIR}

__all__ = [
    "KINDS", "MULTI", "PAIR", "SINGLE", "SPANS", "AnswerKind", "MultiLabel", "PairVerdict", "SingleLabel",
    "SpanAnswers", "kind_named",
]  # fmt: skip


def kind_named(kind: str | AnswerKind) -> AnswerKind:
    """The kind ``kind`` names ("single", "multi"), or ``kind`` itself when it is one already."""
    if isinstance(kind, str) and kind in KINDS:
        return KINDS[kind]
    if not isinstance(kind, str) and type(kind) in {type(known) for known in KINDS.values()}:
        return kind  # a kind made with options of its own, e.g. SpanAnswers(overlap=True)
    raise InputError(
        f"kind={kind!r} is not a kind of answer; use one of {sorted(KINDS)}: 'single' (one label per item) or "
        f"'multi' (any number of labels per item, none included) or 'spans' (spans of the text, each with a label) "
        f"or 'pair' (which of two outputs is better)."
    )
