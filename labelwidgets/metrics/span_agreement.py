"""Spans through the metrics of people and suggestions: ``lw.agreement``, ``lw.confusion``,
``lw.agreement_over_time``, ``RunningAgreement``, ``lw.label_drift`` and ``order='disagreement'`` (the scoring
methods of ``SpanAnswers``; ``lw.compare``'s numbers are in ``labelwidgets.comparison.scores``).

An answer is a list of spans (``[]``: no spans, an answer). In a DataFrame each span is a mapping with "start", "end"
and "label" (what a Labeler writes, with "text"; the text is not read here), a `Span`, or ``(start, end, label)``;
offsets in code points, ``end`` exclusive. The running tally also reads the JSON text a store keeps.

Definitions, shared by every function here:

* A *pair* is a row with a human answer and a suggestion whose decision is not ``skipped``, as for every kind; the
  person's spans are the reference, the suggestion's the prediction.
* Every number is `span_scores`' (so nervaluate 1.2.1's) on the pairs, computed from its counts item by item
  (`span_item_counts`): each item's spans are sorted by (start, end, label) first, as the DataFrame and the store
  hold them, so a number never depends on the order of a list. Precision is ``(correct + partial / 2) / suggested
  spans``, recall the same over the person's spans, F1 their harmonic mean, float for float as ``span_scores``.
* Where ``span_scores`` (and nervaluate) say 0 for 0/0, these say NaN with the reason in ``note``, as every other
  metric of ``lw.agreement`` does: precision without a suggested span, recall without a human span, F1 without a
  span on either side. Everywhere else the values are equal.
* A span label outside ``labels=`` is refused, listed, as a name outside the labels is for sets (to score some
  labels only, ``span_scores(..., labels=[...])`` leaves the others out as nervaluate's ``tags`` does).
* Intervals are percentile bootstraps over the pairs (items), never over spans: the spans of one text are not
  independent draws. ``exact_match`` (the two lists of spans are the same) has a Wilson interval.
"""

from __future__ import annotations

import json
import math
import numbers
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.metrics.agreement import _accept_rate_row, _ece_row, _joined, _n_row, _row
from labelwidgets.metrics.checks import SET_CELLS, object_values, sorted_labels
from labelwidgets.metrics.counts import (
    BOOTSTRAP,
    NO_PAIRS,
    WILSON,
    bootstrap_cells,
    percentile_interval,
    wilson_interval,
)
from labelwidgets.metrics.pairs import Columns, _kept_rows, _pair_extras
from labelwidgets.metrics.spans import (
    _CORRECT,
    _PARTIAL,
    _PARTIAL_SCHEME,
    _STRICT,
    SCHEMES,
    Scheme,
    _pair_greedily,
    precision_recall_f1,
    span_item_counts,
)
from labelwidgets.spans import Span

if TYPE_CHECKING:
    from labelwidgets.metrics.drift import DriftEvents, OverTime

#: One answer, read: its spans sorted by (start, end, label).
Spans = tuple[Span, ...]

#: The schemes scored per label (all four are scored overall).
LABEL_SCHEMES: tuple[Scheme, ...] = ("strict", "partial")
#: The order of the schemes in the tables: the two that matter most first.
SHOWN_SCHEMES: tuple[Scheme, ...] = ("strict", "partial", "exact", "ent_type")
#: What each scheme calls a right span, in the notes.
SCHEME_WORDS: dict[str, str] = {
    "strict": "a suggested span counts when its boundaries and label are a human span's",
    "partial": "same boundaries count 1, overlapping boundaries 1/2, labels ignored",
    "exact": "same boundaries count, whatever the label",
    "ent_type": "same label and overlapping boundaries count",
}
ZERO_BY_CONVENTION = "span_scores and nervaluate report 0"

# The columns of the per-item sums (`item_sums`): spans suggested, human spans, then twice the credit
# (2 · correct + partial) of each scheme in SCHEMES order; then per label: suggested, human, 2 · credit in strict,
# 2 · credit in partial. Integers, so that sums over windows, resamples and undos are exact.
_ACTUAL, _POSSIBLE, _CREDIT = 0, 1, 2
_OVERALL_COLUMNS = 2 + len(SCHEMES)
_LABEL_COLUMNS = 2 + len(LABEL_SCHEMES)
_MAX_LISTED = 10

IntArray = npt.NDArray[np.int64]


# ---------------------------------------------------------------------------------------------------------------
# reading answers


def _is_offset(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _one_span(element: Any, where: str, func: str) -> Span:
    if type(element) is dict:  # what a Labeler writes: checked without the ABCs' isinstance, ten times faster
        start, end, label = element.get("start"), element.get("end"), element.get("label")
        if type(start) is int and type(end) is int and type(label) is str and 0 <= start < end:
            return Span(start, end, label)
    return _checked_span(element, where, func)


def _checked_span(element: Any, where: str, func: str) -> Span:
    if isinstance(element, Mapping):
        if "start" not in element or "end" not in element or "label" not in element:
            if "text" in element and "label" in element:
                raise InputError(
                    f"{func}(): {where} holds the entity {element!r} without offsets. Spans are scored by their place "
                    'in the text: give "start" and "end" (code points, end exclusive). A Labeler places a '
                    'suggester\'s {"text", "label"} entities on the text itself (lw.FromColumn with kind="spans").'
                )
            raise InputError(
                f"{func}(): {where} holds {element!r}, not a span; a span is {{'start': ..., 'end': ..., 'label': ...}}"
                " (code points, end exclusive)."
            )
        start, end, label = element["start"], element["end"], element["label"]
    elif isinstance(element, (list, tuple, np.ndarray)) and len(element) == 3:
        start, end, label = element
    else:
        raise InputError(
            f"{func}(): {where} holds {element!r}, not a span; a span is (start, end, label) or "
            "{'start': ..., 'end': ..., 'label': ...}, offsets in code points, end exclusive."
        )
    if not _is_offset(start) or not _is_offset(end) or not 0 <= start < end:
        raise InputError(
            f"{func}(): {where} holds the span ({start!r}, {end!r}, {label!r}); a span needs whole-number offsets "
            "0 <= start < end (code points, end exclusive)."
        )
    if not isinstance(label, str):
        raise InputError(f"{func}(): {where} holds a span labeled {label!r}; a span's label is a label name.")
    return Span(int(start), int(end), str(label))


def read_spans(value: Any, where: str, func: str, *, text_ok: bool = False) -> Spans:
    """One answer as its spans, sorted; ``InputError`` naming ``where`` for anything else. ``text_ok``: the JSON text
    a store keeps (``[[start, end, label], ...]``) is read too."""
    if isinstance(value, str) and text_ok:
        try:
            value = json.loads(value)
        except ValueError:
            raise InputError(f"{func}(): {where} is the text {value!r}, not a JSON list of spans.") from None
    if type(value) is list:
        return tuple(sorted([_one_span(element, where, func) for element in value]))
    if isinstance(value, (str, bytes)) or not isinstance(value, SET_CELLS):
        raise InputError(
            f"{func}(): {where} is {value!r}, not a list of spans. A spans answer is a list of "
            "{'start', 'end', 'label'} (or (start, end, label)) per span, [] for no spans, or None when missing."
        )
    return tuple(sorted(_one_span(element, where, func) for element in value))


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def span_column(
    values: Sequence[Any] | np.ndarray, func: str, column: str, *, text_ok: bool = False, index: Any = None
) -> list[Spans | None]:
    """A column of answers read: per row its spans, sorted, or None where the answer is missing. Errors name the row
    by ``index`` (the DataFrame's), else by position."""
    rows = range(len(values)) if index is None else index
    return [
        None if _is_missing(value) else read_spans(value, f"column {column!r} row {row!r}", func, text_ok=text_ok)
        for row, value in zip(rows, values, strict=True)
    ]


def labels_used(answers: Sequence[Spans | None]) -> set[str]:
    return {span.label for answer in answers if answer for span in answer}


def check_span_labels(answers: Sequence[Spans | None], labels: Sequence[Hashable], func: str, column: str) -> None:
    """Refuse spans whose label is not in ``labels``, listing the labels."""
    outside = sorted(labels_used(answers) - set(labels))
    if outside:
        more = f" and {len(outside) - _MAX_LISTED} more" if len(outside) > _MAX_LISTED else ""
        raise InputError(
            f"{func}(): column {column!r} holds spans labeled {outside[:_MAX_LISTED]}{more}, not among the labels "
            f"{list(labels)}. Add them to labels= or correct the answers (to score some labels only, "
            "labelwidgets.metrics.spans.span_scores(..., labels=[...]) leaves the others out, as nervaluate does)."
        )


def span_names_seen(values: pd.Series, func: str, column: str) -> list[Hashable]:
    """The labels of the spans in a column, sorted (``SpanAnswers.names_seen``)."""
    cells = object_values(values)
    try:  # lists of dicts, as a Labeler writes them: only the labels are read here (the pairs check every span)
        names = {span["label"] for cell in cells if cell is not None for span in cell}
    except (TypeError, KeyError, IndexError):
        names = None
    if names is None or not all(type(name) is str for name in names):
        names = labels_used(span_column(cells, func, column, index=values.index))
    return sorted_labels(names)


# ---------------------------------------------------------------------------------------------------------------
# pairs and their counts


@dataclass(frozen=True)
class SpanPairs:
    """The comparable rows of one group with spans answers: the same rows ``Pairs`` keeps (a human answer and a
    suggestion, not skipped; ``[]`` is an answer on either side), each answer's spans sorted. ``correct`` is an exact
    match: the two lists of spans are the same."""

    labels: list[Hashable]
    human: list[Spans]
    suggested: list[Spans]
    confidence: np.ndarray | None  # per pair: the suggestion's confidence in its whole answer, NaN where missing
    visible: np.ndarray | None
    exclusions: list[str]
    kept: np.ndarray

    @property
    def n(self) -> int:
        return len(self.human)

    @property
    def correct(self) -> np.ndarray:
        return np.fromiter(map(tuple.__eq__, self.human, self.suggested), dtype=bool, count=self.n)


def find_span_pairs(
    df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str,
    read: tuple[list[Spans | None], list[Spans | None]] | None = None,
) -> SpanPairs:  # fmt: skip
    """The pairs of spans answers in ``df`` over ``labels``; a span label outside ``labels`` is refused, listed.
    ``read``: both columns already read (`span_column`)."""
    if read is None:
        read = (span_column(object_values(df[cols.label]), func, cols.label, index=df.index),
                span_column(object_values(df[cols.suggestion]), func, cols.suggestion, index=df.index))  # fmt: skip
    human, suggested = read
    check_span_labels(human, labels, func, cols.label)
    check_span_labels(suggested, labels, func, cols.suggestion)
    has_human = np.array([a is not None for a in human], dtype=bool)
    has_suggestion = np.array([a is not None for a in suggested], dtype=bool)
    keep, exclusions = _kept_rows(df, cols, has_human, has_suggestion, np.zeros(len(df), dtype=bool), func)
    confidence, visible = _pair_extras(df, cols, keep, func)
    rows = np.flatnonzero(keep).tolist()
    kept_human = [answer for answer in (human[i] for i in rows) if answer is not None]
    kept_suggested = [answer for answer in (suggested[i] for i in rows) if answer is not None]
    return SpanPairs(labels, kept_human, kept_suggested, confidence, visible, exclusions, keep)


def item_sums(human: Sequence[Spans], suggested: Sequence[Spans], labels: Sequence[Hashable]) -> IntArray:
    """Per pair, the integers every number here is made of (one row per pair, ``6 + 4 × labels`` columns): spans
    suggested, human spans, twice the credit (2 · correct + partial) in each scheme; then per label in ``labels``
    order the same in strict and partial. The counts are `span_item_counts`'."""
    names = [str(name) for name in labels]
    counts = span_item_counts(human, suggested, names, schemes=LABEL_SCHEMES)
    correct, incorrect, partial, missed, spurious = np.moveaxis(counts.overall, -1, 0)  # each (n, 4)
    overall = np.column_stack([(correct + incorrect + partial + spurious)[:, 0],
                               (correct + incorrect + partial + missed)[:, 0], 2 * correct + partial])  # fmt: skip
    c, i, p, m, s = np.moveaxis(counts.per_label, -1, 0)  # each (n, k, 2)
    per_label = np.stack([(c + i + p + s)[..., 0], (c + i + p + m)[..., 0], *np.moveaxis(2 * c + p, -1, 0)], axis=-1)
    return np.column_stack([overall, per_label.reshape(len(human), _LABEL_COLUMNS * len(names))]).astype(np.int64)


def _item_row(human: Spans, suggested: Spans, labels: Sequence[Hashable]) -> list[int]:
    """`item_sums` of one pair, paired in Python (nervaluate's greedy pairing, `_pair_greedily`): what a running
    tally adds per decision, without NumPy's overhead for one item."""
    code = {name: j for j, name in enumerate(labels)}
    refs = [(s.start, s.end, code[s.label]) for s in human]
    preds = [(s.start, s.end, code[s.label]) for s in suggested]
    row = [len(preds), len(refs)]
    for scheme in range(len(SCHEMES)):
        outcome, _ = _pair_greedily(refs, preds, scheme)
        row.append(2 * outcome.count(_CORRECT) + outcome.count(_PARTIAL))
    for j in range(len(labels)):
        ref_j = [r for r in refs if r[2] == j]
        pred_j = [p for p in preds if p[2] == j]
        credits = [0, 0]
        if ref_j and pred_j:
            for c, scheme in enumerate((_STRICT, _PARTIAL_SCHEME)):
                outcome, _ = _pair_greedily(ref_j, pred_j, scheme)
                credits[c] = 2 * outcome.count(_CORRECT) + outcome.count(_PARTIAL)
        row += [len(pred_j), len(ref_j), *credits]
    return row


def _defined(credit: np.ndarray, actual: np.ndarray, possible: np.ndarray) -> tuple[np.ndarray, ...]:
    """Precision, recall and F1 as `span_scores` gives them, NaN where it says 0 for 0/0."""
    precision, recall, f1 = precision_recall_f1(credit, actual, possible)
    return (
        np.where(actual > 0, precision, np.nan),
        np.where(possible > 0, recall, np.nan),
        np.where(actual + possible > 0, f1, np.nan),
    )


def scores_from_sums(sums: np.ndarray, labels: Sequence[Hashable]) -> dict[str, np.ndarray]:
    """Every score from summed `item_sums` (the last axis; leading axes broadcast: resamples, windows, suggesters),
    named as ``lw.agreement``'s rows: ``{scheme}_precision``, ``_recall``, ``_f1`` for the four schemes, and
    ``{scheme}_precision[x]``, ... for strict and partial per label ``x``."""
    sums = np.asarray(sums)
    scores: dict[str, np.ndarray] = {}
    actual, possible = sums[..., _ACTUAL], sums[..., _POSSIBLE]
    for s, scheme in enumerate(SCHEMES):
        values = _defined(sums[..., _CREDIT + s] / 2, actual, possible)
        scores.update(zip((f"{scheme}_precision", f"{scheme}_recall", f"{scheme}_f1"), values, strict=True))
    for j, name in enumerate(labels):
        base = _OVERALL_COLUMNS + _LABEL_COLUMNS * j
        for c, scheme in enumerate(LABEL_SCHEMES):
            values = _defined(sums[..., base + 2 + c] / 2, sums[..., base], sums[..., base + 1])
            names = (f"{scheme}_precision[{name}]", f"{scheme}_recall[{name}]", f"{scheme}_f1[{name}]")
            scores.update(zip(names, values, strict=True))
    return scores


def bootstrap_sums(columns: Sequence[np.ndarray], n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """The sums of ``columns`` (one integer per pair in each) over ``n_boot`` resamples of the pairs with
    replacement: (n_boot, columns).

    The draws of ``counts.bootstrap_items`` (pairs with the same integers form a cell, cells in sorted order, so the
    order of the pairs does not move the interval), with the distinct rows found by hashing their bytes rather than
    NumPy's sort of wide rows, several times slower at tens of thousands of pairs."""
    table = np.ascontiguousarray(np.column_stack([np.asarray(c, dtype=np.int64) for c in columns]))
    codes, _ = pd.factorize(np.fromiter(map(bytes, table), dtype=object, count=len(table)))
    _, first = np.unique(codes, return_index=True)
    distinct = table[first]
    order = np.lexsort(distinct.T[::-1])  # cells in sorted order, as np.unique(axis=0) gives them
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    rows = distinct[order]
    cell_counts = np.bincount(rank[codes], minlength=len(rows))

    def statistic(cells: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        return (draws @ rows[cells],)

    return bootstrap_cells(cell_counts, statistic, n_boot, rng)[0]


# ---------------------------------------------------------------------------------------------------------------
# lw.agreement


def _bootstrapped_row(
    metric: str, value: float, n: int, replicates: np.ndarray | None, n_boot: int, ci: float, note: str
) -> dict[str, Any]:
    if not math.isfinite(value) or replicates is None:
        return _row(metric, value, n, note=note)
    low, high, n_defined = percentile_interval(replicates, ci)
    undefined = n_boot - int(n_defined)
    left_out = (
        f"{undefined} of {n_boot} bootstrap resamples had no span on a side the score divides by and were left out "
        "of the interval"
        if undefined > 0
        else ""
    )
    return _row(metric, value, n, float(low), float(high), BOOTSTRAP, _joined(note, left_out))


def _undefined(part: str, name: str | None) -> str:
    """Why a precision, recall or F1 (``part``) is NaN, and what span_scores says there, in the words of its scope
    (a label's ``name``, or None overall)."""
    if part == "f1":
        return f"no span is {name!r} on either side" if name is not None else "no span on either side"
    if part == "precision":
        said = f"no suggested span is {name!r}" if name is not None else "the suggestions hold no span"
    else:
        said = f"no human span is {name!r}" if name is not None else "the people marked no span"
    return f"{said}: undefined ({ZERO_BY_CONVENTION})"


def span_agreement_rows(
    frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator, seed: int,
    ci: float, n_bins: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of ``agreement`` for one group of spans answers (``SpanAnswers.agreement_rows``).

    ``n`` (pairs), ``accept_rate``, ``exact_match`` (share of pairs whose two lists of spans are the same; Wilson),
    precision, recall and F1 of the suggestions' spans against the people's in the four schemes (strict, partial,
    exact, ent_type), ``ece`` (the confidence in the whole answer against an exact match), and per label ``x``
    ``strict_precision[x]``, ``strict_recall[x]``, ``strict_f1[x]`` and the same in partial. A precision row's ``n``
    is the suggested spans it divides by, a recall row's the human spans, an F1 row's the pairs (the items
    resampled for its interval).
    """
    pairs = find_span_pairs(frame, cols, labels, "agreement")
    n = pairs.n
    sums_per_pair = item_sums(pairs.human, pairs.suggested, labels)
    sums = sums_per_pair.sum(axis=0)
    values = scores_from_sums(sums, labels)
    replicates = None
    if n and n_boot:
        replicates = scores_from_sums(bootstrap_sums(list(sums_per_pair.T), n_boot, rng), labels)

    n_row = _n_row(pairs)
    if n:
        n_row["note"] = _joined(n_row["note"], f"{int(sums[_POSSIBLE])} human spans, {int(sums[_ACTUAL])} suggested")
    rows = [n_row, _accept_rate_row(frame, cols, ci)]
    exact = int(pairs.correct.sum())
    if n:
        low, high = wilson_interval(exact, n, ci)
        rows.append(_row("exact_match", exact / n, n, float(low), float(high), WILSON,
                         f"all {n} pairs agree" if exact == n else ""))  # fmt: skip
    else:
        rows.append(_row("exact_match", math.nan, 0, note=NO_PAIRS))

    def scored(scheme: str, part: str, name: str | None, actual: int, possible: int) -> dict[str, Any]:
        metric = f"{scheme}_{part}" + (f"[{name}]" if name is not None else "")
        value = float(values[metric])
        # a precision rests on the suggested spans, a recall on the human ones, an F1 on the pairs resampled
        n_of = {"precision": actual, "recall": possible}.get(part, n)
        if not n:
            note = NO_PAIRS
        elif not math.isfinite(value):
            note = _undefined(part, name)
        else:
            note = SCHEME_WORDS[scheme] if part == "f1" and name is None else ""
        boot = None if replicates is None else replicates[metric]
        return _bootstrapped_row(metric, value, n_of, boot, n_boot, ci, note)

    actual, possible = int(sums[_ACTUAL]), int(sums[_POSSIBLE])
    for scheme in SHOWN_SCHEMES:
        rows += [scored(scheme, part, None, actual, possible) for part in ("precision", "recall", "f1")]

    ece_row = _ece_row(pairs, n_bins, n_boot, rng, ci)
    if ece_row["n"]:
        ece_row["note"] = _joined("the confidence is in the whole answer: calibrated against an exact match",
                                  ece_row["note"])  # fmt: skip
    rows.append(ece_row)

    for j, name in enumerate(labels):
        base = _OVERALL_COLUMNS + _LABEL_COLUMNS * j
        label_actual, label_possible = int(sums[base]), int(sums[base + 1])
        for scheme in LABEL_SCHEMES:
            rows += [
                scored(scheme, part, str(name), label_actual, label_possible) for part in ("precision", "recall", "f1")
            ]
    return rows


# ---------------------------------------------------------------------------------------------------------------
# lw.confusion


#: The row of suggested spans no human span shares boundaries with, and the column of human spans no suggested span
#: shares them with (``span_confusion``).
SPURIOUS, MISSED = "spurious", "missed"


#: A cell of ``span_confusion``: (human label, suggested label), None on the side without a span.
Cell = tuple[str | None, str | None]


def add_boundary_cells(human: Spans, suggested: Spans, cells: dict[Cell, int], step: int = 1) -> None:
    """Add (``step`` = -1: take back) one pair's spans matched by boundaries to ``cells``: ``(human label, suggested
    label)`` per match, ``(label, None)`` per human span without a suggested span at its boundaries (missed),
    ``(None, label)`` the other way (spurious).

    At boundaries both sides mark, equal labels are matched first; the rest in label order, one for one."""
    if not human and not suggested:
        return
    places: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    for span in human:
        places.setdefault((span[0], span[1]), ([], []))[0].append(span[2])
    for span in suggested:
        places.setdefault((span[0], span[1]), ([], []))[1].append(span[2])
    for said, marked in places.values():
        if len(said) == 1 and len(marked) == 1:  # nearly every place: a span on each side, or on one side only
            key: Cell = (said[0], marked[0])
            cells[key] = cells.get(key, 0) + step
            continue
        if not said or not marked:
            for name in said:
                cells[(name, None)] = cells.get((name, None), 0) + step
            for name in marked:
                cells[(None, name)] = cells.get((None, name), 0) + step
            continue
        common = Counter(said) & Counter(marked)
        matched: list[Cell] = [(label, label) for label, count in common.items() for _ in range(count)]
        rest_said = sorted((Counter(said) - common).elements())
        rest_marked = sorted((Counter(marked) - common).elements())
        matched += zip(rest_said, rest_marked, strict=False)
        matched += [(a, None) for a in rest_said[len(rest_marked) :]]
        matched += [(None, b) for b in rest_marked[len(rest_said) :]]
        for key in matched:
            cells[key] = cells.get(key, 0) + step


def confusion_frame(cells: Mapping[Cell, int], labels: Sequence[Hashable]) -> pd.DataFrame:
    """The table of ``span_confusion`` from the cells `add_boundary_cells` added up."""
    spurious, missed = _extra_name(SPURIOUS, labels), _extra_name(MISSED, labels)
    rows: list[Hashable] = [*labels, spurious]
    columns: list[Hashable] = [*labels, missed]
    row_of = {name: i for i, name in enumerate(labels)}
    table = np.zeros((len(rows), len(columns)), dtype=np.int64)
    for (said, marked), count in cells.items():
        row = row_of[said] if said is not None else len(labels)
        table[row, row_of[marked] if marked is not None else len(labels)] += count
    return pd.DataFrame(
        table,
        index=pd.Index(rows, name="human", dtype=object),
        columns=pd.Index(columns, name="suggestion", dtype=object),
    )


def _extra_name(name: str, labels: Sequence[Hashable]) -> str:
    """``name``, or ``(name)`` when a label is called that."""
    return name if name not in labels else f"({name})"


def span_confusion(df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> pd.DataFrame:
    """``confusion`` of spans answers (``SpanAnswers.confusion``): spans matched by their boundaries, label against
    label.

    Rows are the human spans' labels (index ``human``) and a last row ``spurious``; columns the suggested spans'
    labels (``suggestion``) and a last column ``missed``. Entry [a, b] counts the pairs of a human span labeled ``a``
    and a suggested span labeled ``b`` at exactly the same boundaries (the same item, start and end); [a, "missed"]
    the human spans labeled ``a`` that no suggested span shares boundaries with; ["spurious", b] the suggested spans
    labeled ``b`` that no human span shares boundaries with (["spurious", "missed"] is 0). A span whose boundaries
    are off by a character is therefore one missed and one spurious, as in the strict scheme. When neither side has
    two spans with the same boundaries, the diagonal sums to strict ``correct`` and the whole label-by-label block to
    exact ``correct`` (`span_scores`' counts), each row to that label's human spans and each column to its suggested
    spans. Where one side marks several spans at the same boundaries, equal labels are matched first, then the rest
    in label order, one for one. (Named ``(spurious)``/``(missed)`` if a label is itself called so.)
    """
    pairs = find_span_pairs(df, cols, labels, func)
    cells: dict[Cell, int] = {}
    for human, suggested in zip(pairs.human, pairs.suggested, strict=True):
        add_boundary_cells(human, suggested, cells)
    return confusion_frame(cells, labels)


# ---------------------------------------------------------------------------------------------------------------
# lw.agreement_over_time


def span_over_time(
    decided: pd.DataFrame, cols: Columns, *, window: int, min_periods: int, ci: float, func: str
) -> OverTime:
    """Rolling span scores of the last ``window`` pairs (``SpanAnswers.over_time``); ``decided`` in decision order.

    Columns: ``n_compared``; ``exact_match`` with a Wilson ``_low``/``_high``; ``strict_precision``,
    ``strict_recall``, ``strict_f1`` and ``partial_f1`` of the window (`span_scores` of its pairs, NaN as in
    ``lw.agreement``); per label ``x``: ``strict_f1[x]``, ``prevalence[x]`` (share of the window's human answers
    with a span labeled x) and ``suggested_prevalence[x]`` (the same of the suggestions). All NaN while the window
    holds fewer than ``min_periods`` pairs. ``agree`` is an exact match; the change detector watches each pair's
    strict F1, with 1 for a pair where neither side marked a span (they agree).
    """
    from labelwidgets.metrics.drift import OverTime, _rolling_sums

    human_all = span_column(object_values(decided[cols.label]), func, cols.label, index=decided.index)
    suggested_all = span_column(object_values(decided[cols.suggestion]), func, cols.suggestion, index=decided.index)
    labels: list[Hashable] = sorted_labels(labels_used(human_all) | labels_used(suggested_all))
    pairs = find_span_pairs(decided, cols, labels, func, (human_all, suggested_all))
    pairs_so_far = np.cumsum(pairs.kept)
    per_pair = item_sums(pairs.human, pairs.suggested, labels)
    exact = pairs.correct
    sums, n_compared = _rolling_sums(per_pair, pairs_so_far, window)
    exact_in_window, _ = _rolling_sums(exact.astype(np.int64), pairs_so_far, window)
    k = len(labels)
    present = np.zeros((pairs.n, 2 * k), dtype=np.int64)  # per pair: whether each side has a span of each label
    code = {name: j for j, name in enumerate(labels)}
    for i, (human, suggested) in enumerate(zip(pairs.human, pairs.suggested, strict=True)):
        present[i, [code[s.label] for s in human]] = 1
        present[i, [k + code[s.label] for s in suggested]] = 1
    present_in_window, _ = _rolling_sums(present, pairs_so_far, window)

    enough = n_compared >= min_periods
    scores = scores_from_sums(sums, labels)
    low, high = wilson_interval(exact_in_window, n_compared, ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        columns = {
            "n_compared": n_compared.astype(np.int64),
            "exact_match": np.where(enough, exact_in_window / n_compared, np.nan),
            "exact_match_low": np.where(enough, low, np.nan),
            "exact_match_high": np.where(enough, high, np.nan),
            **{m: np.where(enough, scores[m], np.nan) for m in ("strict_precision", "strict_recall", "strict_f1",
                                                                "partial_f1")},
        }  # fmt: skip
        for j, name in enumerate(labels):
            columns[f"strict_f1[{name}]"] = np.where(enough, scores[f"strict_f1[{name}]"], np.nan)
            columns[f"prevalence[{name}]"] = np.where(enough, present_in_window[:, j] / n_compared, np.nan)
            columns[f"suggested_prevalence[{name}]"] = np.where(
                enough, present_in_window[:, k + j] / n_compared, np.nan
            )
    _, _, f1 = precision_recall_f1(per_pair[:, _CREDIT] / 2, per_pair[:, _ACTUAL], per_pair[:, _POSSIBLE])
    watched = np.where(per_pair[:, _ACTUAL] + per_pair[:, _POSSIBLE] > 0, f1, 1.0)
    return OverTime(pairs.kept, exact.astype(float), watched, columns)


# ---------------------------------------------------------------------------------------------------------------
# lw.label_drift


def span_events(stream: np.ndarray, reference: np.ndarray, labels: list[Hashable] | None, func: str) -> DriftEvents:
    """What ``label_drift`` counts for spans answers (``SpanAnswers.drift_events``).

    The label mix is the share of spans per label: each span counts once for its label, and an answer without spans
    once as "no spans" (as an empty set counts once as "none of these"). ``prevalence[x]`` is the share of answers
    with at least one span labeled ``x``, as for sets the share of answers holding ``x``.
    """
    from labelwidgets.metrics.drift import DriftEvents

    stream_spans = span_column(stream, func, "answers")
    reference_spans = span_column(reference, func, "baseline")
    if labels is None:
        labels = sorted_labels(labels_used(stream_spans) | labels_used(reference_spans))
    check_span_labels(stream_spans, labels, func, "answers")
    check_span_labels(reference_spans, labels, func, "baseline")
    code = {name: j for j, name in enumerate(labels)}

    def events(answers: list[Spans | None]) -> tuple[np.ndarray, np.ndarray]:
        counts = np.zeros((len(answers), len(labels) + 1), dtype=np.int64)
        for i, answer in enumerate(answers):
            if answer:
                np.add.at(counts[i], [code[s.label] for s in answer], 1)
            else:
                counts[i, -1] = 1
        return counts, (counts[:, :-1] > 0).astype(np.int64)

    stream_counts, stream_present = events(stream_spans)
    reference_counts, reference_present = events(reference_spans)
    return DriftEvents(stream_counts, reference_counts, list(labels), (stream_present, reference_present))


# ---------------------------------------------------------------------------------------------------------------
# order='disagreement'


def span_spread(suggestions: pd.DataFrame) -> np.ndarray:
    """Per row, how far the suggestion columns' spans disagree (``SpanAnswers.suggestion_spread``): 1 − the mean,
    over the pairs of columns that both hold a suggestion, of their strict F1, in [0, 1].

    Each pair's F1 is `span_scores`' strict F1 taken both ways round and averaged (as `span_agreement`; the two are
    equal unless a column's own spans overlap), with 1 when neither column marked a span (they agree). 1 for a row
    without any suggestion, 0 with one (nothing to disagree with), as for the other kinds.
    """
    func = "order='disagreement'"
    n, k = suggestions.shape
    columns = [
        span_column(object_values(suggestions.iloc[:, j]), func, str(suggestions.columns[j]), index=suggestions.index)
        for j in range(k)
    ]
    labels = sorted_labels(set().union(*(labels_used(c) for c in columns)))
    distance = np.zeros(n)
    compared = np.zeros(n, dtype=np.int64)
    for a in range(k):
        for b in range(a + 1, k):
            both = np.flatnonzero(
                [x is not None and y is not None for x, y in zip(columns[a], columns[b], strict=True)]
            )
            if not both.size:
                continue
            first = [columns[a][i] for i in both]
            second = [columns[b][i] for i in both]
            f1s = []
            for reference, predicted in ((first, second), (second, first)):
                sums = item_sums(reference, predicted, labels)  # type: ignore[arg-type]
                _, _, f1 = precision_recall_f1(sums[:, _CREDIT] / 2, sums[:, _ACTUAL], sums[:, _POSSIBLE])
                f1s.append(np.where(sums[:, _ACTUAL] + sums[:, _POSSIBLE] > 0, f1, 1.0))
            distance[both] += 1.0 - (f1s[0] + f1s[1]) / 2
            compared[both] += 1
    voters = np.sum([[x is not None for x in column] for column in columns], axis=0) if k else np.zeros(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(compared > 0, distance / np.maximum(compared, 1), np.where(voters > 0, 0.0, 1.0))


# ---------------------------------------------------------------------------------------------------------------
# RunningAgreement


#: What ``RunningAgreement.kappa`` says for spans.
NO_SPAN_KAPPA = "spans have no kappa (there is no count of spans neither side marked): see strict_f1"


class SpanTally:
    """Spans pairs for ``RunningAgreement`` (``SpanAnswers.running_tally``): the integer sums of `item_sums` (spans on
    each side, twice the credit per scheme, the same per label), the boundary matches of ``lw.confusion`` and the
    exact matches. Each update pairs one item's spans (nervaluate's greedy pairing) and moves the sums of the labels
    in it: O(spans in the item²), never a rescan, and an undo leaves no rounding behind.

    Answers are lists of spans (``{"start", "end", "label"}``, ``Span`` or ``(start, end, label)``) or the JSON text
    a store keeps. Labels not given are the labels seen, sorted.
    """

    def __init__(self, labels: list[Hashable] | None):
        self.fixed = labels is not None
        self.labels: list[Hashable] = list(labels or [])
        self.n = 0
        self.agree = 0
        self.overall = [0] * _OVERALL_COLUMNS
        self.per_label: dict[Hashable, list[int]] = {}
        self.cells: dict[Cell, int] = {}
        self.pairs: Counter[tuple[Spans, Spans]] = Counter()
        self._parsed: dict[str, Spans] = {}

    def _answer(self, value: Any, side: str) -> Spans:
        if isinstance(value, str):
            parsed = self._parsed.get(value)
            if parsed is None:
                parsed = self._parsed[value] = read_spans(value, f"the {side}", "RunningAgreement", text_ok=True)
            spans = parsed
        elif isinstance(value, tuple) and all(isinstance(s, Span) for s in value):
            spans = tuple(sorted(value))
        else:
            spans = read_spans(value, f"the {side}", "RunningAgreement")
        if self.fixed:
            check_span_labels([spans], self.labels, "RunningAgreement", side)
        return spans

    def check(self, human: Any, suggestion: Any) -> tuple[Any, Any]:
        return self._answer(human, "human answer"), self._answer(suggestion, "suggestion")

    def move(self, human: Any, suggestion: Any, step: int) -> bool:
        used = sorted_labels({s.label for s in human} | {s.label for s in suggestion})
        row = _item_row(human, suggestion, used)
        for c in range(_OVERALL_COLUMNS):
            self.overall[c] += step * row[c]
        for j, name in enumerate(used):
            sums = self.per_label.setdefault(name, [0] * _LABEL_COLUMNS)
            for c in range(_LABEL_COLUMNS):
                sums[c] += step * row[_OVERALL_COLUMNS + _LABEL_COLUMNS * j + c]
        add_boundary_cells(human, suggestion, self.cells, step)
        self.pairs[(human, suggestion)] += step
        agree = human == suggestion
        self.n += step
        self.agree += step * agree
        if not self.fixed and not set(used) <= set(self.labels):
            self.labels = sorted_labels({*self.labels, *used})
        return bool(agree)

    def holds(self, human: Any, suggestion: Any) -> bool:
        return self.pairs[(human, suggestion)] >= 1

    def fill(self, human: np.ndarray, suggestion: np.ndarray) -> np.ndarray:
        humans = [self._answer(value, "human answer") for value in human]
        suggested = [self._answer(value, "suggestion") for value in suggestion]
        if not self.fixed:
            self.labels = sorted_labels(labels_used(humans) | labels_used(suggested))
        per_pair = item_sums(humans, suggested, self.labels)
        sums = per_pair.sum(axis=0).tolist()
        self.overall = sums[:_OVERALL_COLUMNS]
        self.per_label = {
            name: sums[_OVERALL_COLUMNS + _LABEL_COLUMNS * j : _OVERALL_COLUMNS + _LABEL_COLUMNS * (j + 1)]
            for j, name in enumerate(self.labels)
        }
        self.cells = {}
        for h, s in zip(humans, suggested, strict=True):
            add_boundary_cells(h, s, self.cells)
        self.pairs = Counter(zip(humans, suggested, strict=True))
        exact = np.fromiter(map(tuple.__eq__, humans, suggested), dtype=bool, count=len(humans))
        self.n = len(humans)
        self.agree = int(exact.sum())
        return exact

    def sums(self) -> np.ndarray:
        """The tally as summed `item_sums` over ``labels``."""
        empty = [0] * _LABEL_COLUMNS
        per_label = [c for name in self.labels for c in self.per_label.get(name, empty)]
        return np.array([*self.overall, *per_label], dtype=np.int64)

    def kappa(self) -> float:
        return math.nan

    def confusion(self) -> pd.DataFrame:
        return confusion_frame(self.cells, self.labels)

    def notes(self) -> dict[str, str]:
        notes = {"kappa": NO_SPAN_KAPPA}
        if not self.n:
            notes["accuracy"] = notes["exact_match"] = NO_PAIRS
        return notes

    def values(self) -> dict[str, float]:
        values = {"n": float(self.n), "exact_match": self.agree / self.n if self.n else math.nan}
        values.update({metric: float(v) for metric, v in scores_from_sums(self.sums(), self.labels).items()})
        return values
