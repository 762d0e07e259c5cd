"""A team that marks spans of the same texts: agreement between people, the items they marked differently, and the
gold spans by majority.

The input everywhere is the *decisions in force* (one row per item and annotator: ``key``, ``annotator``,
``label``), each ``label`` a list of spans over the item's text: ``(start, end, label)`` tuples, `Span`, mappings
with "start", "end" and "label" (and "text", as `lw.Team.decisions` shows them), or their stored JSON text; ``[]``
(no spans) is an answer, a missing value is none. Offsets are code points, ``end`` exclusive.

Definitions (the one place they are written):

* **Agreement between two people**: strict and partial span F1 on the items both answered, `span_agreement`'s
  numbers (`span_scores` taken both ways round and averaged; NaN when neither marked a span there). Their
  intervals are bootstrap percentile intervals over those items, from the items' own counts (`span_item_counts`):
  each resample's F1 is `span_agreement`'s on the resampled items.
* **The team's agreement**: the mean over every pair of people of that F1 (pairs whose shared items hold no span
  left out), with a bootstrap over the items answered twice or more.
* **Gold spans**: a span is in an item's gold when more than half of the item's answers hold exactly it (same
  start, end and label). A span exactly half hold is *tied*: the item is unresolved until adjudicated, as a label
  exactly half chose leaves a multi-label item unresolved. Answers whose own spans never overlap give gold spans
  that never overlap either (two overlapping spans cannot both be held by more than half of the answers).
"""

from __future__ import annotations

import itertools
import json
import math
import numbers
import warnings
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.metrics.checks import check_labels, object_values, show_columns
from labelwidgets.metrics.counts import bootstrap_items
from labelwidgets.metrics.team import (
    _add_count_rows,
    _check_agreement_options,
    _items_and_people,
    _Table,
    checked_decisions,
)
from labelwidgets.missing import is_missing
from labelwidgets.spans import Span

if TYPE_CHECKING:
    from labelwidgets.metrics.spans import Scheme

__all__ = [
    "resolve_span_gold",
    "span_conflicts",
    "span_majority",
    "span_team_agreement",
]

#: One answer: its spans, sorted, each once.
Spans = tuple[Span, ...]

_SHOWN = 40  # characters of a value quoted in an error
_CREDIT, _ACTUAL, _POSSIBLE = 0, 1, 2  # the three sums an F1 is made of, per direction


# ---------------------------------------------------------------------------------------------------------------
# reading answers


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _is_offset(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def read_span_answer(value: Any, where: str, func: str) -> tuple[Spans, dict[Span, str]] | None:
    """One answer cell as its spans (sorted, each once) and the text of those whose cell names it (mappings with
    "text"); None for no answer (a missing value). ``InputError`` naming ``where`` for anything else."""
    if is_missing(value):
        return None
    cell = value
    if isinstance(cell, str):
        try:
            cell = json.loads(cell)
        except ValueError:
            raise InputError(f"{func}(): {where}: {_clip(value)!r} is not a JSON list of spans.") from None
    if isinstance(cell, np.ndarray):
        cell = cell.tolist()
    if not isinstance(cell, (list, tuple)):
        raise InputError(
            f"{func}(): {where}: a spans answer is a list of (start, end, label) spans ([] for no spans), not "
            f"{type(value).__name__} {_clip(repr(value))}."
        )
    spans: list[Span] = []
    named: dict[Span, str] = {}
    for element in cell:
        text: Any = None
        if isinstance(element, Mapping) and all(k in element for k in ("start", "end", "label")):
            start, end, label, text = element["start"], element["end"], element["label"], element.get("text")
        elif isinstance(element, (list, tuple)) and len(element) == 3:
            start, end, label = element
        else:
            raise InputError(
                f"{func}(): {where}: {_clip(repr(element))} is not a span; a span is (start, end, label) or "
                '{"start": ..., "end": ..., "label": ...}.'
            )
        if not (_is_offset(start) and _is_offset(end) and 0 <= int(start) < int(end) and isinstance(label, str)):
            raise InputError(
                f"{func}(): {where}: the span {_clip(repr(element))} needs whole-number offsets 0 <= start < end "
                "(code points, end exclusive) and a label that is a string."
            )
        span = Span(int(start), int(end), label)
        spans.append(span)
        if isinstance(text, str):
            named[span] = text
    return tuple(sorted(set(spans))), named


def shown_span(span: Span, text: str | None) -> dict[str, Any]:
    """A span as the tables show it: ``{"start", "end", "label", "text"}`` (``"text"`` None when unknown)."""
    return {"start": span.start, "end": span.end, "label": span.label, "text": text}


def describe_spans(spans: Iterable[Mapping[str, Any]]) -> str:
    """Shown spans as a person reads them: ``location 'Paris', person 'Ana'`` (as `SpanAnswers.describe`), or
    "no spans"."""
    parts = [
        f"{s['label']} {_clip(repr(s['text']))}"
        if isinstance(s.get("text"), str)
        else f"{s['label']} ({s['start']}, {s['end']})"
        for s in spans
    ]
    return ", ".join(parts) if parts else "no spans"


@dataclass(frozen=True)
class TeamSpans:
    """The decisions in force on spans, as arrays."""

    keys: np.ndarray  # item keys (object), in order of first appearance
    annotators: list[Hashable]  # sorted
    labels: list[str]  # the label set's order, or the labels seen, sorted
    answered: np.ndarray  # annotators × items: gave an answer ([] included)
    answers: np.ndarray  # annotators × items (object): each answer's spans (a sorted tuple), None where none
    texts: list[dict[Span, str]]  # per item: the text of its spans, where known

    @property
    def answers_per_item(self) -> np.ndarray:
        return self.answered.sum(axis=0)

    def given(self, item: int) -> list[tuple[Hashable, Spans]]:
        """The item's answers: (annotator, spans), annotators in sorted order."""
        return [(self.annotators[p], self.answers[p, item]) for p in np.flatnonzero(self.answered[:, item])]

    def shown(self, item: int, spans: Iterable[Span]) -> list[dict[str, Any]]:
        known = self.texts[item]
        return [shown_span(span, known.get(span)) for span in spans]

    def answer_counts(self) -> np.ndarray:
        """Items × distinct answers: how many people gave each (what ``n`` and ``percent_agreement`` count)."""
        codes: dict[Spans, int] = {}
        people, items = np.nonzero(self.answered)
        answer_codes = np.array([codes.setdefault(self.answers[p, i], len(codes)) for p, i in zip(people, items,
                                                                                                  strict=True)],
                                dtype=np.int64)  # fmt: skip
        n_items, k = len(self.keys), max(len(codes), 1)
        return np.bincount(items * k + answer_codes, minlength=n_items * k).reshape(n_items, k)


def _item_texts(texts: Mapping[Any, Any] | pd.Series | None, func: str) -> dict[Any, str]:
    if texts is None:
        return {}
    if not isinstance(texts, (Mapping, pd.Series)):
        raise InputError(f"{func}(): texts must map each item key to its text, got {type(texts).__name__}.")
    return {key: value for key, value in texts.items() if isinstance(value, str)}


def read_span_decisions(
    decisions: Any,
    func: str,
    labels: Iterable[Hashable] | None = None,
    texts: Mapping[Any, Any] | pd.Series | None = None,
) -> TeamSpans:
    """Check decisions whose answers are lists of spans and turn them into ``TeamSpans``. ``texts`` (item key ->
    its text) gives each span its text where the answers do not name it."""
    frame = checked_decisions(decisions, func)
    key_codes, keys, person_codes, annotators = _items_and_people(frame)
    n_items = len(keys)
    answers = np.full((len(annotators), n_items), None, dtype=object)
    answered = np.zeros((len(annotators), n_items), dtype=bool)
    named: list[dict[Span, str]] = [{} for _ in range(n_items)]
    values = frame["label"].to_numpy(dtype=object)
    who = frame["annotator"].to_numpy(dtype=object)
    for row, value in enumerate(values):
        read = read_span_answer(value, f"the answer of {who[row]!r} on {keys[key_codes[row]]!r}", func)
        if read is None:
            continue
        spans, text_of = read
        answers[person_codes[row], key_codes[row]] = spans
        answered[person_codes[row], key_codes[row]] = True
        named[key_codes[row]].update(text_of)
    item_texts = _item_texts(texts, func)
    for item, key in enumerate(keys.tolist()):
        text = item_texts.get(key)
        if text is None:
            continue
        for p in np.flatnonzero(answered[:, item]):
            for span in answers[p, item]:
                named[item].setdefault(span, text[span.start : span.end])
    seen = {span.label for spans in answers[answered] for span in spans}
    given = check_labels(labels)
    if given is None:
        names = sorted(seen)
    else:
        names = [str(name) for name in given]
        outside = sorted(seen - set(names))
        if outside:
            raise InputError(f"{func}(): span labels {outside[:10]} are not in labels={names}.")
    return TeamSpans(keys, annotators, names, answered, answers, named)


def span_majority(answers: Sequence[Iterable[Span]]) -> tuple[list[Span], list[Span]]:
    """(the spans more than half of ``answers`` hold, the spans exactly half hold), each sorted.

    The one rule of a team's gold spans and of the spans an adjudicator finds pre-selected.
    """
    votes = Counter(span for answer in answers for span in set(answer))
    n = len(answers)
    return sorted(s for s, c in votes.items() if 2 * c > n), sorted(s for s, c in votes.items() if 2 * c == n)


# ---------------------------------------------------------------------------------------------------------------
# agreement


def _sums(counts: np.ndarray) -> np.ndarray:
    """`span_item_counts` counts (..., 5: correct, incorrect, partial, missed, spurious) as (..., 3): the credit,
    the predicted spans (actual) and the reference spans (possible)."""
    correct, incorrect, partial, missed, spurious = np.moveaxis(counts.astype(float), -1, 0)
    return np.stack([correct + 0.5 * partial, correct + incorrect + partial + spurious,
                     correct + incorrect + partial + missed], axis=-1)  # fmt: skip


def _f1_both_ways(sums: np.ndarray) -> np.ndarray:
    """From sums (..., 6: credit, actual, possible one way round, then the other), the mean of the two F1s
    (`span_agreement`'s); NaN where neither side has a span."""
    from labelwidgets.metrics.spans import precision_recall_f1

    one = precision_recall_f1(sums[..., 0], sums[..., 1], sums[..., 2])[2]
    other = precision_recall_f1(sums[..., 3], sums[..., 4], sums[..., 5])[2]
    defined = sums[..., _ACTUAL] + sums[..., _POSSIBLE] > 0
    return np.where(defined, (one + other) / 2, np.nan)


def _mean_over_pairs(f1: np.ndarray) -> np.ndarray:
    """The mean over the last axis (pairs) of the defined values; NaN where none is."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: NaN, as meant
        return np.nanmean(f1, axis=-1) if f1.shape[-1] else np.full(f1.shape[:-1], np.nan)


@dataclass(frozen=True)
class _PairCounts:
    """Each pair of people's counts on the items both answered, both ways round."""

    pairs: list[tuple[int, int, np.ndarray]]  # (person, other, the items both answered)
    overall: dict[str, list[np.ndarray]]  # scheme -> per pair (shared items × 6)
    per_label: dict[str, list[np.ndarray]]  # scheme -> per pair (shared items × labels × 6); empty unless asked


def _pair_counts(team: TeamSpans, by_label: bool) -> _PairCounts:
    """Every pair's per-item counts from two calls of `span_item_counts` (one each way round): the shared items of
    all pairs are listed one after another, which changes nothing, since pairing never reaches across items."""
    from labelwidgets.metrics.spans import SCHEMES, span_item_counts

    n_people = len(team.annotators)
    pairs = [(i, j, np.flatnonzero(team.answered[i] & team.answered[j]))
             for i in range(n_people) for j in range(i + 1, n_people)]  # fmt: skip
    first = [list(team.answers[i, item]) for i, _, shared in pairs for item in shared]
    second = [list(team.answers[j, item]) for _, j, shared in pairs for item in shared]
    schemes: tuple[Scheme, ...] = ("strict", "partial")
    per_label_schemes: tuple[Scheme, ...] = schemes if by_label else ("strict",)
    one = span_item_counts(first, second, team.labels, schemes=per_label_schemes)
    other = span_item_counts(second, first, team.labels, schemes=per_label_schemes)
    bounds = np.cumsum([0, *(len(shared) for _, _, shared in pairs)])
    overall: dict[str, list[np.ndarray]] = {}
    per_label: dict[str, list[np.ndarray]] = {}
    for scheme in schemes:
        s = SCHEMES.index(scheme)
        both = np.concatenate([_sums(one.overall[:, s]), _sums(other.overall[:, s])], axis=-1)
        overall[scheme] = [both[a:b] for a, b in itertools.pairwise(bounds)]
        if by_label:
            c = one.schemes.index(scheme)
            labelled = np.concatenate([_sums(one.per_label[:, :, c]), _sums(other.per_label[:, :, c])], axis=-1)
            per_label[scheme] = [labelled[a:b] for a, b in itertools.pairwise(bounds)]
    return _PairCounts(pairs, overall, per_label)


def _undefined_note(what: str) -> Any:
    def note(replicates: np.ndarray) -> str:
        undefined = int((~np.isfinite(replicates)).sum())
        if not undefined:
            return ""
        return f"{undefined} of {replicates.size} bootstrap resamples had {what} and were left out of the interval"

    return note


def _add_pair_row(table: _Table, metric: str, cells: np.ndarray, where: dict[str, Any], label: str | None) -> None:
    """One pair's F1 (``cells``: their shared items × 6) with its bootstrap interval over those items."""
    n = int(cells.shape[0])
    if not n:
        table.add(metric, math.nan, 0, "no item answered by both", label=label, **where)
        return
    value = float(_f1_both_ways(cells.sum(axis=0)))
    note = "" if math.isfinite(value) else (
        f"neither marked a span of {label!r} on the items both answered" if label is not None
        else "neither marked a span on the items both answered"
    )  # fmt: skip
    table.add_bootstrapped(
        metric, value, n, note,
        lambda rng: bootstrap_items(cells.T, lambda rows, draws: (_f1_both_ways(draws @ rows),), table.n_boot,
                                    rng)[0],
        undefined_note=_undefined_note("no span on either side"), label=label, **where,
    )  # fmt: skip


def _add_mean_row(table: _Table, metric: str, cells: list[np.ndarray], counts: _PairCounts, multi: np.ndarray,
                  label: str | None) -> None:  # fmt: skip
    """The mean over pairs of their F1, bootstrapped over the items answered twice or more (``multi``)."""
    universe = np.flatnonzero(multi)
    n_pairs = len(cells)
    if not universe.size or not n_pairs:
        table.add(metric, math.nan, 0, "no item has answers from two annotators", label=label)
        return
    at = {int(item): row for row, item in enumerate(universe)}
    wide = np.zeros((universe.size, n_pairs, 6))
    for p, ((_, _, shared), own) in enumerate(zip(counts.pairs, cells, strict=True)):
        wide[[at[int(item)] for item in shared], p] = own
    values = _f1_both_ways(wide.sum(axis=0))
    defined = int(np.isfinite(values).sum())
    value = float(_mean_over_pairs(values)) if defined else math.nan
    if not defined:
        note = "no pair of people marked a span on the items both answered" + ("" if label is None else
                                                                               f" (of {label!r})")  # fmt: skip
    elif defined < n_pairs:
        note = f"the mean over {defined} of {n_pairs} pairs (the others share no item, or no span on it)"
    else:
        note = ""
    flat = wide.reshape(universe.size, n_pairs * 6)

    def statistic(rows: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        sums = (draws @ rows).reshape(draws.shape[0], n_pairs, 6)
        return (_mean_over_pairs(_f1_both_ways(sums)),)

    table.add_bootstrapped(
        metric, value, int(universe.size), note,
        lambda rng: bootstrap_items(flat.T, statistic, table.n_boot, rng)[0],
        undefined_note=_undefined_note("no pair with a span on either side"), label=label,
    )  # fmt: skip


@public
def span_team_agreement(
    decisions: pd.DataFrame,
    labels: Iterable[Hashable] | None = None,
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    by_label: bool = False,
) -> pd.DataFrame:
    """`team_agreement` for answers that are spans of the item's text (each ``label`` cell a list of spans; see
    the module docstring). The same columns; rows:

    * ``n`` and ``percent_agreement`` (pairs of people on an item who marked the very same spans), as
      `team_agreement` gives them;
    * ``mean_strict_f1`` and ``mean_partial_f1``: the mean over pairs of people of their span F1, with a bootstrap
      interval over the items answered twice or more (``n``); pairs whose shared items hold no span are left out;
    * for every pair of people (``annotator`` < ``other``): ``strict_f1`` and ``partial_f1`` on the items both
      answered (``n``), equal to `span_agreement`'s, with a bootstrap interval over those items;
    * with ``by_label=True``, the same four rows for each label (``label``), on the spans of that label alone
      (`span_agreement` with ``labels=[label]``).
    """
    func = "span_team_agreement"
    _check_agreement_options(ci, n_boot, by_label)
    team = read_span_decisions(decisions, func, labels)
    table = _Table(ci, int(n_boot), seed)
    _add_count_rows(table, team.answer_counts(), int(team.answered.any(axis=1).sum()))
    counts = _pair_counts(team, by_label)
    multi = team.answers_per_item >= 2
    for scheme in ("strict", "partial"):
        _add_mean_row(table, f"mean_{scheme}_f1", counts.overall[scheme], counts, multi, None)
    for p, (i, j, _) in enumerate(counts.pairs):
        where = {"annotator": team.annotators[i], "other": team.annotators[j]}
        for scheme in ("strict", "partial"):
            _add_pair_row(table, f"{scheme}_f1", counts.overall[scheme][p], where, None)
    if by_label:
        for code, name in enumerate(team.labels):
            for scheme in ("strict", "partial"):
                cells = [own[:, code] for own in counts.per_label[scheme]]
                _add_mean_row(table, f"mean_{scheme}_f1", cells, counts, multi, name)
            for p, (i, j, _) in enumerate(counts.pairs):
                where = {"annotator": team.annotators[i], "other": team.annotators[j]}
                for scheme in ("strict", "partial"):
                    _add_pair_row(table, f"{scheme}_f1", counts.per_label[scheme][p][:, code], where, name)
    return table.frame()


# ---------------------------------------------------------------------------------------------------------------
# conflicts and gold


@public
def span_conflicts(
    decisions: pd.DataFrame,
    labels: Iterable[Hashable] | None = None,
    *,
    texts: Mapping[Any, Any] | pd.Series | None = None,
) -> pd.DataFrame:
    """`conflicts` for spans: the items answered by two people or more who did not all mark the same spans.

    Columns: ``key``, ``n_labels`` (answers), ``majority`` (the spans more than half of the answers hold; None
    when a span is held by exactly half, a tie), ``labels`` (a dict annotator → their spans) and ``disputed`` (the
    spans some but not all of them marked, each with ``"by"``: who marked it). Spans are shown as
    ``{"start", "end", "label", "text"}``; ``texts`` (item key → text) gives them their text where the answers do
    not (`lw.Team.conflicts` does).
    """
    team = read_span_decisions(decisions, "span_conflicts", labels, texts)
    rows = []
    for item in np.flatnonzero(team.answers_per_item >= 2).tolist():
        given = team.given(item)
        if len({spans for _, spans in given}) < 2:
            continue
        in_gold, tied = span_majority([spans for _, spans in given])
        votes = Counter(span for _, spans in given for span in spans)
        disputed = [
            {**shown_span(span, team.texts[item].get(span)), "by": [who for who, spans in given if span in spans]}
            for span in sorted(votes)
            if votes[span] < len(given)
        ]
        rows.append({
            "key": team.keys[item], "n_labels": len(given), "majority": None if tied else team.shown(item, in_gold),
            "labels": {who: team.shown(item, spans) for who, spans in given}, "disputed": disputed,
        })  # fmt: skip
    columns = ["key", "n_labels", "majority", "labels", "disputed"]
    return pd.DataFrame({
        column: pd.Series([row[column] for row in rows], dtype=int if column == "n_labels" else object)
        for column in columns
    })  # fmt: skip


def _read_span_adjudications(
    adjudications: Any, team: TeamSpans, func: str
) -> tuple[np.ndarray, list[Spans], np.ndarray]:
    """Item positions, gold spans and adjudicators of adjudications whose labels are lists of spans (the texts
    they name are added to the team's)."""
    if not isinstance(adjudications, pd.DataFrame) or any(c not in adjudications.columns for c in ("key", "label")):
        found = show_columns(adjudications) if isinstance(adjudications, pd.DataFrame) else type(adjudications)
        raise InputError(
            f"{func}(): adjudications must be a DataFrame with the columns key, label (a list of spans per item) and "
            f"optionally adjudicator; got {found}."
        )
    keys = object_values(adjudications["key"])
    if pd.isna(keys).any():
        raise InputError(f"{func}(): every adjudication needs a key.")
    if adjudications["key"].duplicated().any():
        raise InputError(f"{func}(): one adjudication per item, please.")
    positions = pd.Index(team.keys, dtype=object).get_indexer(keys)
    if (positions < 0).any():
        raise InputError(
            f"{func}(): adjudicated keys {keys[positions < 0][:5].tolist()} are not among the decisions' keys."
        )
    gold: list[Spans] = []
    for key, position, value in zip(keys, positions, adjudications["label"].tolist(), strict=True):
        read = read_span_answer(value, f"the adjudication of {key!r}", func)
        if read is None:
            raise InputError(f"{func}(): the adjudication of {key!r} has no spans; [] is the answer 'no spans'.")
        spans, named = read
        outside = sorted({span.label for span in spans} - set(team.labels))
        if outside and team.labels:
            raise InputError(f"{func}(): the adjudication of {key!r} has labels {outside} not in {team.labels}.")
        team.texts[position].update(named)
        gold.append(spans)
    by_whom = (
        object_values(adjudications["adjudicator"])
        if "adjudicator" in adjudications.columns
        else np.full(len(keys), None, dtype=object)
    )
    return positions, gold, by_whom


@public
def resolve_span_gold(
    decisions: pd.DataFrame,
    adjudications: pd.DataFrame | None = None,
    *,
    labels: Iterable[Hashable] | None = None,
    min_labels: int = 2,
    texts: Mapping[Any, Any] | pd.Series | None = None,
) -> pd.DataFrame:
    """`resolve_gold` for spans: one list of spans per item, each span by majority (the module docstring).

    Columns: ``key``, ``label`` (the gold spans, shown as ``{"start", "end", "label", "text"}``, in text order;
    None when unresolved), ``how``, ``n_labels`` (answers), ``agreement`` (the share of the item's answers equal to
    the gold spans; NaN when unresolved), ``tied`` (the spans exactly half of the answers hold, which leave the
    item unresolved) and ``adjudicator``. ``how`` is ``adjudicated`` (``adjudications``, a DataFrame with ``key``,
    ``label`` as a list of spans and optionally ``adjudicator``, overrides the answers), ``unanimous`` (everyone
    marked the same spans), ``majority`` (no span tied), ``unresolved`` (some span tied: adjudicate these) or
    ``single`` (one answer, only with ``min_labels=1``). ``texts`` as in `span_conflicts`.
    """
    func = "resolve_span_gold"
    if isinstance(min_labels, bool) or not isinstance(min_labels, (int, np.integer)) or min_labels < 1:
        raise InputError(f"min_labels must be an integer >= 1, got {min_labels!r}.")
    team = read_span_decisions(decisions, func, labels, texts)
    n_items = len(team.keys)
    per_item = team.answers_per_item
    gold: list[Spans | None] = [None] * n_items
    tied: list[list[Span]] = [[] for _ in range(n_items)]
    how = np.full(n_items, "single", dtype=object)
    for item in range(n_items):
        given = [spans for _, spans in team.given(item)]
        if not given:
            continue
        in_gold, tied[item] = span_majority(given)
        gold[item] = None if tied[item] else tuple(in_gold)
        if len(given) >= 2:
            how[item] = "unanimous" if len(set(given)) == 1 else "unresolved" if tied[item] else "majority"
    adjudicator = np.full(n_items, None, dtype=object)
    keep = per_item >= min_labels
    if adjudications is not None:
        positions, adjudicated, by_whom = _read_span_adjudications(adjudications, team, func)
        for position, settled, whom in zip(positions, adjudicated, by_whom, strict=True):
            gold[position], tied[position] = settled, []
            how[position], adjudicator[position], keep[position] = "adjudicated", whom, True
    rows = []
    for row in np.flatnonzero(keep).tolist():
        spans = gold[row]
        answers = [answer for _, answer in team.given(row)]
        agreement = math.nan if spans is None or not answers else sum(a == spans for a in answers) / len(answers)
        rows.append({
            "key": team.keys[row], "label": None if spans is None else team.shown(row, spans), "how": how[row],
            "n_labels": int(per_item[row]), "agreement": agreement, "tied": team.shown(row, tied[row]),
            "adjudicator": adjudicator[row],
        })  # fmt: skip
    dtypes = {"n_labels": int, "agreement": float}
    columns = ["key", "label", "how", "n_labels", "agreement", "tied", "adjudicator"]
    return pd.DataFrame({
        column: pd.Series([row[column] for row in rows], dtype=dtypes.get(column, object)) for column in columns
    })  # fmt: skip
