"""Spans of the item's text, each with a label: entities, evidence, personal data to mask.

An answer is a list of spans over the item's text, the empty list ("no spans") included: an explicit answer, not a
skip. Offsets are Unicode code points (Python ``str`` indices), ``end`` exclusive, in Python, in the store and in
every export; only the browser counts UTF-16 units, and it converts at its edge.

Stored as a JSON list of ``[start, end, label]`` sorted by (start, end, label): one list of spans has one text, so
"did the person accept the suggestion" is a comparison of texts as for every kind. The text itself is not stored
with the spans: the store's ``text_hash`` says when the item's text changed since, and such answers are stale,
never silently moved onto the new text.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from labelwidgets.errors import InputError
from labelwidgets.kinds.base import Choice, ChoiceProbabilities, OutputFormat, ShowsText
from labelwidgets.spans import Span

if TYPE_CHECKING:
    from collections.abc import Hashable

    import numpy as np
    import pandas as pd

    from labelwidgets.comparison.scores import Ranking, Scores
    from labelwidgets.labels import LabelSet
    from labelwidgets.metrics.drift import DriftEvents, OverTime
    from labelwidgets.metrics.pairs import Columns
    from labelwidgets.metrics.running import Tally
    from labelwidgets.metrics.span_agreement import SpanPairs

#: The stored text of "no spans in this text": an answer, never missing (a team counts the item as taken).
NO_SPANS = "[]"

_SHOWN = 40  # characters of a span's text quoted in a message
# The keys a model may put its list of entities under in a JSON answer.
_ENTITY_KEYS = ("entities", "spans", "entity", "answer", "labels")

#: How a model's span that cuts through a word is placed (spaCy's ``Doc.char_span`` alignment modes).
Alignment = Literal["strict", "contract", "expand"]
ALIGNMENTS: tuple[Alignment, ...] = ("strict", "contract", "expand")


class SpanAnswers(ShowsText):
    """How answers that are spans of the item's text are checked, stored and shown.

    ``overlap`` says whether two spans of one answer may share characters (nested entities, evidence that
    overlaps); refused by default, because most span schemes (BIO tags, spaCy's ``doc.ents``) cannot hold them.
    """

    name = "spans"
    answers_are_text = False
    about_text = True
    exclusive = False
    fingerprint: tuple[str, ...] = ("spans",)
    default_instructions = (
        "Find every entity in the text that has one of the labels, and give each with its label, copying its "
        "words exactly as they are written in the text."
    )

    def __init__(self, *, overlap: bool = False, alignment: Alignment = "expand") -> None:
        if not isinstance(overlap, bool):
            raise InputError(f"overlap= takes True or False, not {overlap!r}.")
        if alignment not in ALIGNMENTS:
            raise InputError(
                f"alignment={alignment!r} is not one of {list(ALIGNMENTS)}: how a model's span that cuts through a "
                f"word is placed ('strict': dropped; 'contract': shrunk to the whole words inside; 'expand': grown "
                f"to the whole words it touches)."
            )
        self.overlap = overlap
        self.alignment = alignment

    # -- a person's answer --

    def answer(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        """A list of spans, each ``(start, end, label)``, a `Span`, or a mapping with "start", "end", "label" (and
        "text", checked against the item's text), as stored text; `InputError` saying what to pass otherwise."""
        if isinstance(value, (str, bytes)) or not _is_sequence(value):
            raise InputError(
                f"a spans answer is a list of (start, end, label) spans over the item's text, not "
                f"{type(value).__name__} {_clip(repr(value))}; for example [(0, 5, {labels.names[0]!r})], or [] for "
                f"no spans in this text."
            )
        spans = [_one_span(item, labels, text) for item in cast("Iterable[object]", value)]
        return self._encode_checked(spans, labels, text)

    def from_cell(self, value: object, labels: LabelSet, *, text: str | None = None) -> str:
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise InputError(f"{_clip(str(value))!r} is not a JSON list of spans.") from None
        return self.answer(value, labels, text=text)

    def spans(self, stored: str) -> list[Span]:
        """Stored text as spans, in text order."""
        return [Span(int(s), int(e), str(label)) for s, e, label in json.loads(stored)]

    def _encode_checked(self, spans: list[Span], labels: LabelSet, text: str | None) -> str:
        ordered = sorted(set(spans))
        if len(ordered) < len(spans):
            repeated = sorted({s for s in spans if spans.count(s) > 1})
            raise InputError(f"the answer gives {_describe_spans(repeated, text)} more than once; give each span once.")
        if not self.overlap:
            clash = _first_overlap(ordered)
            if clash is not None:
                first, second = clash
                raise InputError(
                    f"{_describe_spans([first], text)} and {_describe_spans([second], text)} overlap, and this "
                    f"labeler refuses overlapping spans; shorten one, or make the labeler with overlap=True "
                    f"(lw.Labeler(..., kind=lw.SpanAnswers(overlap=True)))."
                )
        return encode_spans(ordered)

    # -- what a user and the browser read --

    def value(self, stored: str, labels: LabelSet, *, text: str | None = None) -> list[dict[str, Any]]:
        """Stored text as the DataFrame shows it: ``{"start", "end", "label", "text"}`` per span, in text order
        (``"text"`` is None when the item's text is not known here)."""
        return [
            {"start": s.start, "end": s.end, "label": s.label, "text": None if text is None else s.text_in(text)}
            for s in self.spans(stored)
        ]

    def chosen_labels(self, stored: str, labels: LabelSet) -> list[str]:
        """The labels the answer uses, in label-set order (what per-label columns and counts read)."""
        used = {s.label for s in self.spans(stored)}
        return [name for name in labels.names if name in used]

    def cells(self, stored: np.ndarray, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> Any:
        """A column of stored texts as the DataFrame column: each cell its own list of its own dicts (editing one
        never changes another), with the span's text when ``texts`` (the items' texts, row by row) is given."""
        import numpy as np
        import pandas as pd

        out = np.full(len(stored), pd.NA, dtype=object)
        for row, cell in enumerate(stored):
            if isinstance(cell, str):
                text = texts[row] if texts is not None else None
                out[row] = self.value(cell, labels, text=text if isinstance(text, str) else None)
        return out

    def describe(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> str:
        if stored is None:
            return "no answer"
        spans = self.spans(stored)
        return _describe_spans(spans, text) if spans else "no spans"

    def for_view(self, stored: str | None, labels: LabelSet, *, text: str | None = None) -> Any:
        """Spans as the browser receives them: ``[start, end, label]`` in code points (the browser converts them to
        UTF-16 positions of the text it shows, in one function)."""
        return None if stored is None else [list(s) for s in self.spans(stored)]

    def changes(self, suggested: str, answer: str, labels: LabelSet) -> str | None:
        """Each suggested span's fate in the answer, and the spans the person added, as JSON text:
        ``{"suggested": [{"span": [s, e, label], "outcome": ..., "now": [s, e, label]}], "added": [[s, e, label]]}``
        with outcome ``kept`` (in the answer as suggested), ``relabeled`` (same characters, another label),
        ``moved`` (its start or end changed, the label kept or not: ``now`` says), or ``removed``."""
        return json.dumps(span_changes(self.spans(suggested), self.spans(answer)), ensure_ascii=False)

    # -- asking a chat model: {"entities": [{"text": "<words as in the text>", "label": "<label>"}, ...]} --
    #
    # Why the words and not offsets: models count characters badly (and in tokens, bytes or UTF-16 units when they
    # try), while copying words is what they do well. The words are placed on the text here (`spans.align`).

    def instruction(self, labels: LabelSet, *, rationale: bool, output: OutputFormat) -> str:
        _refuse_bare(output)
        names = json.dumps(labels.names, ensure_ascii=False)
        shape = '{"entities": [{"text": ..., "label": ...}, ...]' + (', "rationale": ...}' if rationale else "}")
        sentence = (
            f"Answer with a JSON object {shape} listing every span of the text that has one of the labels {names}, "
            f'in the order they appear: "text" copies the span\'s words exactly as written in the text, "label" is '
            f"its label. Give an empty list if there is none."
        )
        return sentence + (' "rationale" is one short sentence saying why.' if rationale else "")

    def response_schema(self, labels: LabelSet, *, rationale: bool) -> dict[str, Any]:
        entity = {
            "type": "object",
            "properties": {"text": {"type": "string"}, "label": {"type": "string", "enum": labels.names}},
            "required": ["text", "label"],
            "additionalProperties": False,
        }
        properties: dict[str, Any] = {"entities": {"type": "array", "items": entity}}
        if rationale:
            properties["rationale"] = {"type": "string"}
        return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}

    def format_answer(self, stored: str, labels: LabelSet, output: OutputFormat, *, text: str | None = None) -> str:
        """The spans as the entities a model is asked for, each with its words in ``text`` (the example's text)."""
        _refuse_bare(output)
        if text is None:
            raise InputError("a spans answer is written for a model with the words of its text; pass text=.")
        entities = [{"text": s.text_in(text), "label": s.label} for s in self.spans(stored)]
        return json.dumps({"entities": entities}, ensure_ascii=False)

    def longest_answer(self, labels: LabelSet) -> str:
        # What a cost estimate counts per answer: a few entities of the longest label (the text's words vary).
        longest = max(labels.names, key=len)
        return encode_spans(Span(i * 20, i * 20 + 12, longest) for i in range(5))

    def answer_tokens(self, labels: LabelSet, *, rationale: bool) -> int:
        return 1200 if rationale else 900  # dozens of entities fit; a model that lists the whole text is cut short

    # -- reading a chat model's answer --

    def answer_from_json(self, data: Any, labels: LabelSet) -> tuple[Any, str | None]:
        if isinstance(data, list):
            return data, None
        if not isinstance(data, dict):
            return None, None
        keys = {k.lower(): k for k in data if isinstance(k, str)}
        for key in _ENTITY_KEYS:
            if key in keys:
                value = data[keys[key]]
                if not isinstance(value, list):
                    return (
                        None,
                        f'"{keys[key]}" must be a list of {{"text", "label"}} objects, got {_clip(json.dumps(value))}',
                    )
                return value, None
        return None, 'the JSON answer has no "entities"'

    def suggested(self, value: object, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        """A model's entities placed on ``text``: (stored, None), or (stored, note) when some could not be placed
        (dropped, counted in the note), or (None, why) when the answer is not spans over ``labels``."""
        if isinstance(value, str):
            written = value
            try:
                value = json.loads(written)
            except ValueError:
                return None, f"the suggestion {_clip(written)!r} is not a JSON list of entities"
        if not isinstance(value, list):
            return None, f"the suggestion {_clip(repr(value))} is not a list of entities"
        entities: list[dict[str, Any]] = []
        for item in value:
            entity = _entity(item)
            if entity is None:
                return None, f"{_clip(repr(item))} is not an entity with a text (or start and end) and a label"
            entities.append(entity)
        matched = [labels.match(e["label"]) for e in entities]
        outside = sorted({str(e["label"]) for e, m in zip(entities, matched, strict=True) if m is None})
        if outside:  # as for every kind: one label outside the set makes the whole answer untrustworthy
            return None, f"{outside!r} {'is' if len(outside) == 1 else 'are'} not among the labels {labels.names}"
        for entity, name in zip(entities, matched, strict=True):
            entity["label"] = name
        if text is None:
            return None, "spans are placed on the item's text, which this suggestion came without"
        from labelwidgets.spans.align import align

        placed = align(text, entities, mode=self.alignment)
        spans = list(placed.spans)
        refused: list[Span] = []
        if not self.overlap:  # keep the first of overlapping spans, in text order; count the rest as dropped
            kept: list[Span] = []
            for span in spans:
                if kept and any(span.overlaps(k) for k in kept):
                    refused.append(span)
                else:
                    kept.append(span)
            spans = kept
        notes = []
        if placed.dropped:
            words = ", ".join(_clip(repr(d.get("text"))) for d in placed.dropped)
            notes.append(f"{len(placed.dropped)} of the {len(entities)} entities are not in the text: {words}")
        if refused:
            notes.append(f"{len(refused)} overlapping span(s) left out (this labeler refuses overlap)")
        return encode_spans(spans), ("; ".join(notes) or None)

    def from_text(self, written: str, labels: LabelSet, *, text: str | None = None) -> tuple[str | None, str | None]:
        """A few-shot example's spans, read strictly against ``text`` (the example's text): a JSON list of
        ``[start, end, label]`` or ``{"start", "end", "label"}`` spans, or of entities ``{"text", "label"}`` (also
        under "entities", as a model writes them) placed on the text as a model's are, every one of them: an
        entity not in the text, or a label not among the labels exactly, makes the example wrong, never shorter."""
        try:
            data = json.loads(written)
        except ValueError:
            return None, f"{_clip(written)!r} is not a JSON list of [start, end, label] spans or of entities"
        if isinstance(data, dict):
            data, why = self.answer_from_json(data, labels)
            if data is None:
                return None, f"{_clip(written)!r} is not spans: {why or 'no entities'}"
        if not isinstance(data, list):
            return None, f"{_clip(written)!r} is not a JSON list of [start, end, label] spans or of entities"
        entities = [item for item in data if _is_entity_by_words(item)]
        try:
            if not entities:
                return self.answer(data, labels, text=text), None
            spans = [_one_span(item, labels, text) for item in data if not _is_entity_by_words(item)]
            if text is None:
                return None, "entities given by their words are placed on the example's text, which is not known here"
            outside = sorted(
                {str(e["label"]) for e in entities if not (isinstance(e["label"], str) and e["label"] in labels)}
            )
            if outside:
                return None, f"{outside!r} {'is' if len(outside) == 1 else 'are'} not among the labels {labels.names}"
            from labelwidgets.spans.align import align

            placed = align(text, entities, mode=self.alignment)
            if placed.dropped:
                missing = ", ".join(_clip(repr(d.get("text"))) for d in placed.dropped)
                return None, f"{missing} not in the example's text {_clip(repr(text))}"
            return self._encode_checked([*spans, *placed.spans], labels, text), None
        except InputError as error:
            return None, str(error)

    def choices(self, raw: str, value: Any, stored: str, labels: LabelSet) -> tuple[Choice, ...]:
        return ()  # no single token decides a span: its confidence comes from samples (`vote`), not logprobs

    def from_choices(
        self, stored: str, decided: Sequence[tuple[Choice, ChoiceProbabilities]], labels: LabelSet
    ) -> tuple[float, dict[str, float] | None] | None:
        return None

    def choose(self, probabilities: Mapping[str, float], labels: LabelSet) -> tuple[str, float]:
        raise InputError(
            "spans cannot be chosen from per-label probabilities (they are positions in the text): use a model that "
            "writes them, such as lw.LLM."
        )

    def vote(self, samples: Sequence[str | None], labels: LabelSet) -> tuple[str, float, dict[str, float]] | None:
        """Self-consistency: a span is in the answer when more than half of the valid samples give it exactly. The
        confidence is the share of all samples that give exactly this answer; per label, the share of samples
        whose spans of that label are exactly the answer's."""
        valid = [sample for sample in samples if sample is not None]
        if not valid:
            return None
        decoded = [set(self.spans(sample)) for sample in valid]
        counts: dict[Span, int] = {}
        for spans in decoded:
            for span in spans:
                counts[span] = counts.get(span, 0) + 1
        chosen = sorted(span for span, n in counts.items() if 2 * n > len(valid))
        if not self.overlap:
            kept: list[Span] = []
            for span in chosen:
                if not any(span.overlaps(k) for k in kept):
                    kept.append(span)
            chosen = kept
        answer = set(chosen)
        confidence = sum(spans == answer for spans in decoded) / len(samples)
        per_label = {
            name: sum(
                {s for s in spans if s.label == name} == {s for s in answer if s.label == name} for spans in decoded
            )
            / len(samples)
            for name in labels.names
        }
        return encode_spans(chosen), confidence, per_label

    # -- scoring: how spans are compared (labelwidgets.metrics.span_agreement, labelwidgets.comparison.scores) --
    #
    # Every number is `span_scores`' (nervaluate 1.2.1's) over the pairs, each answer's spans sorted first; where it
    # says 0 for 0/0 (no suggested span, no human span) these say NaN with the reason, as every other metric does.
    # The definitions are in labelwidgets.metrics.span_agreement's docstring.

    def names_seen(self, values: pd.Series, func: str, column: str) -> list[Hashable]:
        """The labels of the spans in a column, sorted."""
        from labelwidgets.metrics.span_agreement import span_names_seen

        return span_names_seen(values, func, column)

    def pairs(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> SpanPairs:
        """The pairs, each side's spans sorted; ``correct`` is an exact match of the two lists."""
        from labelwidgets.metrics.span_agreement import find_span_pairs

        return find_span_pairs(df, cols, labels, func)

    def agreement_rows(
        self, frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator,
        seed: int, ci: float, n_bins: int,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """``n``, ``accept_rate``, ``exact_match`` (Wilson), precision, recall and F1 in the strict, partial, exact
        and ent_type schemes (bootstrap over items), ``ece``, and per label strict and partial precision, recall
        and F1 (``span_agreement.span_agreement_rows``)."""
        from labelwidgets.metrics.span_agreement import span_agreement_rows

        return span_agreement_rows(frame, cols, labels, n_boot=n_boot, rng=rng, seed=seed, ci=ci, n_bins=n_bins)

    def confusion(self, df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> pd.DataFrame:
        """Spans matched by their boundaries, human label against suggested label, with a ``spurious`` row and a
        ``missed`` column (``span_agreement.span_confusion``)."""
        from labelwidgets.metrics.span_agreement import span_confusion

        return span_confusion(df, cols, labels, func)

    def running_tally(self, labels: list[Hashable] | None) -> Tally:
        """Integer sums of the span counts, per scheme and per label, moved one item at a time."""
        from labelwidgets.metrics.span_agreement import SpanTally

        return SpanTally(labels)

    def over_time(
        self, decided: pd.DataFrame, cols: Columns, *, window: int, min_periods: int, ci: float, func: str
    ) -> OverTime:
        """Exact matches, strict precision, recall and F1, partial F1, per-label strict F1 and prevalence over the
        last ``window`` pairs (``span_agreement.span_over_time``)."""
        from labelwidgets.metrics.span_agreement import span_over_time

        return span_over_time(decided, cols, window=window, min_periods=min_periods, ci=ci, func=func)

    def drift_events(
        self, stream: np.ndarray, reference: np.ndarray, labels: list[Hashable] | None, func: str
    ) -> DriftEvents:
        """The mix: each span once for its label, an answer without spans once as "no spans"; prevalence: the
        share of answers with a span of each label (``span_agreement.span_events``)."""
        from labelwidgets.metrics.span_agreement import span_events

        return span_events(stream, reference, labels, func)

    def suggestion_spread(self, suggestions: pd.DataFrame) -> np.ndarray:
        """1 − the mean strict F1 between the pairs of suggestion columns, per row (``span_agreement.span_spread``)."""
        from labelwidgets.metrics.span_agreement import span_spread

        return span_spread(suggestions)

    def ranking(self) -> Ranking:
        """Strict F1 by default; partial, exact and ent_type F1, strict precision and recall, exact match."""
        from labelwidgets.comparison.scores import SPAN_RANKING

        return SPAN_RANKING

    def compared(
        self, values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None
    ) -> np.ndarray:
        """Each answer as its stored text (None for an invalid output; a human answer that is not spans over the
        labels is refused, listed) (``comparison.scores.span_rows``)."""
        from labelwidgets.comparison.scores import span_rows

        return span_rows(values, labels, column=column)

    def scores(
        self, human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int,
        *, sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None,
    ) -> Scores:  # fmt: skip
        """The leaderboard's span scores (``comparison.scores.span_leaderboard_scores``)."""
        from labelwidgets.comparison.scores import span_leaderboard_scores

        return span_leaderboard_scores(human, predicted, usage, k, sort_by=sort_by, ci=ci, n_boot=n_boot, seed=seed,
                                       labels=labels)  # fmt: skip

    def __repr__(self) -> str:
        options = [f"overlap={self.overlap}"] if self.overlap else []
        options += [f"alignment={self.alignment!r}"] if self.alignment != "expand" else []
        return f"SpanAnswers({', '.join(options)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpanAnswers) and (other.overlap, other.alignment) == (self.overlap, self.alignment)

    def __hash__(self) -> int:
        return hash((self.name, self.overlap, self.alignment))


def span_changes(suggested: Sequence[Span], answer: Sequence[Span]) -> dict[str, Any]:
    """Match each suggested span to at most one span of the answer, best match first: the same span, then the same
    characters with another label, then the answer span it overlaps most (ties: the earliest). What no suggested
    span matched was added by the person."""
    left = sorted(set(answer))
    outcomes: dict[Span, dict[str, Any]] = {}
    pending = sorted(set(suggested))
    for span in pending:
        if span in left:
            left.remove(span)
            outcomes[span] = {"span": list(span), "outcome": "kept"}
    for span in [s for s in pending if s not in outcomes]:
        same = next((a for a in left if (a.start, a.end) == (span.start, span.end)), None)
        if same is not None:
            left.remove(same)
            outcomes[span] = {"span": list(span), "outcome": "relabeled", "now": list(same)}
    for span in [s for s in pending if s not in outcomes]:
        overlapping = [a for a in left if a.overlaps(span)]
        if overlapping:
            best = max(overlapping, key=lambda a: (min(a.end, span.end) - max(a.start, span.start), -a.start))
            left.remove(best)
            outcomes[span] = {"span": list(span), "outcome": "moved", "now": list(best)}
        else:
            outcomes[span] = {"span": list(span), "outcome": "removed"}
    return {"suggested": [outcomes[span] for span in pending], "added": [list(span) for span in left]}


def encode_spans(spans: Iterable[Span]) -> str:
    """The stored text of spans: ``[[start, end, label], ...]`` sorted, compact, labels as written (not escaped)."""
    return json.dumps([list(s) for s in sorted(spans)], ensure_ascii=False, separators=(",", ":"))


def _one_span(item: object, labels: LabelSet, text: str | None) -> Span:
    named_text: object = None
    if isinstance(item, Mapping):
        missing = [key for key in ("start", "end", "label") if key not in item]
        if missing:
            raise InputError(
                f"the span {_clip(repr(dict(item)))} has no {', '.join(repr(m) for m in missing)}; a span is "
                f'{{"start": ..., "end": ..., "label": ...}} (offsets in characters, end exclusive).'
            )
        start, end, label = item["start"], item["end"], item["label"]
        named_text = item.get("text")
    elif _is_sequence(item) and not isinstance(item, (str, bytes)) and len(item) == 3:  # type: ignore[arg-type]
        start, end, label = item  # type: ignore[misc]
    else:
        raise InputError(
            f"{_clip(repr(item))} is not a span; a span is (start, end, label) with offsets in characters of the "
            f"item's text, end exclusive, e.g. (0, 5, {labels.names[0]!r})."
        )
    if not _is_offset(start) or not _is_offset(end):
        raise InputError(
            f"the span ({start!r}, {end!r}, {label!r}) needs whole-number offsets (characters of the text, counted "
            f"in Unicode code points as Python's str does)."
        )
    start, end = int(cast(int, start)), int(cast(int, end))
    if not isinstance(label, str) or label not in labels:
        raise InputError(f"{label!r} is not one of the labels {labels.names}.")
    if start < 0 or end <= start:
        what = "is empty" if end == start else "ends before it starts" if end < start else "starts before the text"
        raise InputError(
            f"the span ({start}, {end}, {label!r}) {what}; a span covers text[start:end] with start < end."
        )
    if text is not None and end > len(text):
        raise InputError(
            f"the span ({start}, {end}, {label!r}) ends after the text, which has {len(text)} characters (counted in "
            f"Unicode code points, as Python's len() does)."
        )
    if named_text is not None and text is not None and text[start:end] != named_text:
        found = text.find(named_text) if isinstance(named_text, str) else -1
        where = (
            f"; {named_text!r} is at ({found}, {found + len(named_text)})"  # type: ignore[arg-type]
            if found >= 0
            else ""
        )
        raise InputError(
            f"the span ({start}, {end}, {label!r}) names the text {_clip(repr(named_text))}, but the item's text "
            f"there is {_clip(repr(text[start:end]))}{where}. Offsets count Unicode code points, not UTF-16 units "
            f"or bytes."
        )
    return Span(start, end, label)


def _refuse_bare(output: OutputFormat) -> None:
    if output != "json":
        raise InputError(
            f"spans cannot be written as a bare answer (output={output!r}): a model gives them as JSON entities, "
            f'{{"entities": [{{"text": ..., "label": ...}}]}}, which are placed on the text; use lw.LLM with a chat '
            f"model."
        )


def _is_entity_by_words(item: object) -> bool:
    """Whether a few-shot example's span is an entity given by its words (``{"text", "label"}``, no offsets)."""
    return isinstance(item, Mapping) and "text" in item and "label" in item and "start" not in item


def _entity(item: object) -> dict[str, Any] | None:
    """A model's entity as a dict with "label" and "text" and/or "start"/"end"; None when it is not one."""
    if isinstance(item, Mapping):
        keys = {str(k).lower(): k for k in item}
        label = item.get(keys.get("label", "label"), item.get(keys.get("type", "type")))
        entity: dict[str, Any] = {"label": label}
        words = item.get(keys.get("text", "text"), item.get(keys.get("entity", "entity")))
        if isinstance(words, str):
            entity["text"] = words
        start, end = item.get(keys.get("start", "start")), item.get(keys.get("end", "end"))
        if _is_offset(start) and _is_offset(end):
            entity["start"], entity["end"] = int(cast(int, start)), int(cast(int, end))
        has_place = "text" in entity or "start" in entity
        return entity if isinstance(label, str) and has_place else None
    if isinstance(item, (list, tuple)) and len(item) == 3 and _is_offset(item[0]) and _is_offset(item[1]):
        return {"start": int(item[0]), "end": int(item[1]), "label": item[2]}
    if isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, str) for x in item):
        return {"text": item[0], "label": item[1]}  # ["Paris", "location"]
    return None


def _first_overlap(ordered: Sequence[Span]) -> tuple[Span, Span] | None:
    """The first two spans that share characters, in spans sorted by start; None when none do."""
    furthest: Span | None = None
    for span in ordered:
        if furthest is not None and span.start < furthest.end:
            return furthest, span
        if furthest is None or span.end > furthest.end:
            furthest = span
    return None


def _describe_spans(spans: Sequence[Span], text: str | None) -> str:
    parts = [
        f"{s.label} {_clip(repr(s.text_in(text)))}" if text is not None else f"{s.label} ({s.start}, {s.end})"
        for s in spans
    ]
    return ", ".join(parts)


def _is_sequence(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return True
    return type(value).__name__ == "ndarray"


def _is_offset(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


SPANS = SpanAnswers()
