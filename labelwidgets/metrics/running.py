"""``RunningAgreement``: human-vs-LLM agreement kept up to date one decision at a time, for the live Dashboard.

``RunningAgreement.from_pairs`` reaches the same state for many decisions at once, vectorised, so a dashboard opened
on a session with hundreds of thousands of decisions does not add them one by one.

What is counted depends on the kind of answer, and the kind's ``running_tally`` says how: a ``LabelTally`` keeps
the confusion cells of single labels, a ``SetTally`` the per-label 2 × 2 counts and per-pair sums of multi-label
answers (sets of names). ``RunningAgreement`` keeps what every kind shares: the accept rate and the calibration bins.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.metrics.agreement import presence_confusion
from labelwidgets.metrics.calibration import ece, reliability_table
from labelwidgets.metrics.checks import (
    SET_CELLS,
    SPAN_ELEMENTS,
    answer_kind,
    check_bins,
    check_labels,
    encode,
    object_values,
    set_indicator,
    sorted_labels,
)
from labelwidgets.metrics.counts import NO_PAIRS, kappa_from_counts, kappa_note, macro_f1_from_counts
from labelwidgets.metrics.multilabel import (
    MultilabelCounts,
    label_kappa_from_counts,
    pair_scores,
    scores_from_counts,
)
from labelwidgets.missing import is_missing

if TYPE_CHECKING:
    from labelwidgets.kinds import AnswerKind


class Tally(Protocol):
    """The pair counts of one kind of answer (``AnswerKind.running_tally``); every update is O(1) in the pairs."""

    labels: list[Hashable]
    n: int  # pairs
    agree: int  # pairs whose two answers are the same answer

    def check(self, human: Any, suggestion: Any) -> tuple[Any, Any]:
        """The two answers as the tally counts them; `InputError` for one it cannot count (a name not in labels)."""
        ...

    def move(self, human: Any, suggestion: Any, step: int) -> bool:
        """Add (step=+1) or take back (-1) one pair of checked answers; whether they agree."""
        ...

    def holds(self, human: Any, suggestion: Any) -> bool:
        """Whether a pair of checked answers was added and not taken back."""
        ...

    def fill(self, human: np.ndarray, suggestion: np.ndarray) -> np.ndarray:
        """Add many pairs at once (an empty tally); whether each agrees."""
        ...

    def kappa(self) -> float: ...

    def confusion(self) -> pd.DataFrame: ...

    def notes(self) -> dict[str, str]: ...

    def values(self) -> dict[str, float]:
        """The tally's numbers, named as the metrics of ``lw.agreement``."""
        ...


class LabelTally:
    """Single-label pairs: the confusion cells and the per-label counts of each side."""

    def __init__(self, labels: list[Hashable] | None):
        self.fixed = labels is not None
        self.labels: list[Hashable] = list(labels or [])
        self.cells: dict[tuple[Hashable, Hashable], int] = {}
        self.true: dict[Hashable, int] = {}  # human label counts
        self.pred: dict[Hashable, int] = {}  # suggestion counts
        self.n = 0
        self.agree = 0

    def _check_label(self, value: Hashable) -> None:
        if self.fixed and value not in self.labels:
            raise InputError(f"{value!r} is not one of the labels {self.labels}.")

    def check(self, human: Any, suggestion: Any) -> tuple[Any, Any]:
        self._check_label(human)
        self._check_label(suggestion)
        return human, suggestion

    def move(self, human: Any, suggestion: Any, step: int) -> bool:
        self.true[human] = self.true.get(human, 0) + step
        self.pred[suggestion] = self.pred.get(suggestion, 0) + step
        cell = (human, suggestion)
        self.cells[cell] = self.cells.get(cell, 0) + step
        agree = bool(human == suggestion)
        self.n += step
        self.agree += step * agree
        for value in (human, suggestion):
            if value not in self.labels:
                self.labels.append(value)
        return agree

    def holds(self, human: Any, suggestion: Any) -> bool:
        return self.cells.get((human, suggestion), 0) >= 1

    def fill(self, human: np.ndarray, suggestion: np.ndarray) -> np.ndarray:
        if not self.fixed:
            # the order `update` would first see them in: each pair's human label, then its suggestion
            self.labels = list(pd.unique(np.column_stack([human, suggestion]).ravel()))
        # each side encoded once (hashing 200,000 labels is most of the work): a pair's values are never missing,
        # so a code of -1 is a value outside the labels
        human_codes, suggested_codes = encode(human, self.labels), encode(suggestion, self.labels)
        for values, codes in ((human, human_codes), (suggestion, suggested_codes)):
            unknown = codes < 0
            if unknown.any():
                self._check_label(values[unknown][0])
        return self.fill_codes(human_codes, suggested_codes)

    def fill_codes(self, human_codes: np.ndarray, suggested_codes: np.ndarray) -> np.ndarray:
        """``fill`` with the pairs' positions in ``labels`` (each side in range): no label is hashed again."""
        k = len(self.labels)
        true_counts = np.bincount(human_codes, minlength=k)
        pred_counts = np.bincount(suggested_codes, minlength=k)
        cells = np.bincount(human_codes * k + suggested_codes, minlength=k * k).reshape(k, k)
        self.true = {label: int(c) for label, c in zip(self.labels, true_counts, strict=True) if c}
        self.pred = {label: int(c) for label, c in zip(self.labels, pred_counts, strict=True) if c}
        names = self.labels
        self.cells = {(names[i], names[j]): int(cells[i, j]) for i, j in np.argwhere(cells)}
        agree = human_codes == suggested_codes
        self.n = len(human_codes)
        self.agree = int(agree.sum())
        return agree

    def _label_counts(self) -> tuple[np.ndarray, np.ndarray]:
        true = np.array([self.true.get(x, 0) for x in self.labels], dtype=np.int64)
        pred = np.array([self.pred.get(x, 0) for x in self.labels], dtype=np.int64)
        return true, pred

    def kappa(self) -> float:
        true, pred = self._label_counts()
        return float(kappa_from_counts(self.agree, true, pred))

    def confusion(self) -> pd.DataFrame:
        index = {x: i for i, x in enumerate(self.labels)}
        counts = np.zeros((len(self.labels), len(self.labels)), dtype=np.int64)
        for (a, b), c in self.cells.items():
            counts[index[a], index[b]] = c
        return pd.DataFrame(
            counts,
            index=pd.Index(self.labels, name="human", dtype=object),
            columns=pd.Index(self.labels, name="suggestion", dtype=object),
        )

    def notes(self) -> dict[str, str]:
        notes = {"accuracy": NO_PAIRS} if not self.n else {}
        true, pred = self._label_counts()
        why = kappa_note(true, pred, self.labels)
        if why:
            notes["kappa"] = why
        return notes

    def values(self) -> dict[str, float]:
        true, pred = self._label_counts()
        hits = np.array([self.cells.get((x, x), 0) for x in self.labels], dtype=np.int64)
        return {
            "n": float(self.n),
            "accuracy": self.agree / self.n if self.n else math.nan,
            "cohen_kappa": self.kappa(),
            "macro_f1": float(macro_f1_from_counts(hits, true, pred)) if self.n else math.nan,
        }


#: What ``RunningAgreement.kappa`` says for multi-label answers, which have one kappa per label.
PER_LABEL_KAPPA = "multi-label answers have one kappa per label: see label_kappa"


class SetTally:
    """Multi-label pairs: per label the 2 × 2 counts (pairs, each side's presences, hits), and per pair the sums of
    ``metrics.multilabel.MultilabelCounts``, all integers, so an undo leaves no rounding behind.

    Answers are sets of names: a list, tuple, set or array, or the JSON text a store keeps (``'["anger","joy"]'``).
    Labels not given are the names seen, sorted.
    """

    def __init__(self, labels: list[Hashable] | None):
        self.fixed = labels is not None
        self.labels: list[Hashable] = list(labels or [])
        self.true: Counter[Hashable] = Counter()
        self.pred: Counter[Hashable] = Counter()
        self.hits: Counter[Hashable] = Counter()
        self.pairs: Counter[tuple[frozenset[Hashable], frozenset[Hashable]]] = Counter()
        # pairs by (|human ∩ suggestion|, |human ∪ suggestion|): the Jaccard sum, kept exact
        self.overlaps: Counter[tuple[int, int]] = Counter()
        self.n = 0
        self.agree = 0
        self._known: set[Hashable] = set(self.labels)
        self._parsed: dict[str, frozenset[Hashable]] = {}

    def _answer(self, value: Any, side: str) -> frozenset[Hashable]:
        if isinstance(value, str):
            parsed = self._parsed.get(value)
            if parsed is None:
                parsed = self._parsed[value] = frozenset(_stored_set(value, side))
            names = parsed
        elif isinstance(value, SET_CELLS):
            names = frozenset(value)
        else:
            raise InputError(
                f"the {side} {value!r} is not a multi-label answer: pass a list of names ([] for none of these) "
                "or the JSON text a store keeps."
            )
        if self.fixed:
            outside = sorted(str(x) for x in names if x not in self._known)
            if outside:
                raise InputError(f"the {side} holds {outside}, not among the labels {self.labels}.")
        return names

    def check(self, human: Any, suggestion: Any) -> tuple[Any, Any]:
        return self._answer(human, "human answer"), self._answer(suggestion, "suggestion")

    def move(self, human: Any, suggestion: Any, step: int) -> bool:
        both, either = human & suggestion, human | suggestion
        self.true.update(dict.fromkeys(human, step))
        self.pred.update(dict.fromkeys(suggestion, step))
        self.hits.update(dict.fromkeys(both, step))
        self.pairs[(human, suggestion)] += step
        self.overlaps[(len(both), len(either))] += step
        agree = human == suggestion
        self.n += step
        self.agree += step * agree
        if not self.fixed and not either <= self._known:  # a name not seen before: the label list grows, sorted
            self._known |= either
            self.labels = sorted_labels(self._known)
        return bool(agree)

    def holds(self, human: Any, suggestion: Any) -> bool:
        return self.pairs[(human, suggestion)] >= 1

    def fill(self, human: np.ndarray, suggestion: np.ndarray) -> np.ndarray:
        human_sets = _set_cells(human, "human answer")
        suggested_sets = _set_cells(suggestion, "suggestion")
        labels = self.labels if self.fixed else None
        if labels is None:
            seen = [*set_indicator(human_sets, None, "RunningAgreement", "human answers")[2],
                    *set_indicator(suggested_sets, None, "RunningAgreement", "suggestions")[2]]  # fmt: skip
            labels = sorted_labels(seen)
        try:
            truth = set_indicator(human_sets, labels, "RunningAgreement", "human answers")[0]
            predicted = set_indicator(suggested_sets, labels, "RunningAgreement", "suggestions")[0]
        except InputError as error:
            raise InputError(f"{error} The labels are {labels}.") from None
        self.labels = list(labels)
        self._known = set(labels)
        self.true = Counter(dict(zip(labels, truth.sum(axis=0).tolist(), strict=True)))
        self.pred = Counter(dict(zip(labels, predicted.sum(axis=0).tolist(), strict=True)))
        self.hits = Counter(dict(zip(labels, (truth & predicted).sum(axis=0).tolist(), strict=True)))
        exact, _, _ = pair_scores(truth, predicted)
        both = np.count_nonzero(truth & predicted, axis=1)
        either = np.count_nonzero(truth | predicted, axis=1)
        sizes, size_counts = np.unique(np.column_stack([both, either]), axis=0, return_counts=True)
        self.overlaps = Counter({(int(b), int(e)): int(c) for (b, e), c in zip(sizes, size_counts, strict=True)})
        rows, row_counts = np.unique(np.column_stack([truth, predicted]), axis=0, return_counts=True)
        k = len(labels)
        names = np.array(labels, dtype=object)
        self.pairs = Counter({
            (frozenset(names[row[:k]]), frozenset(names[row[k:]])): int(c)
            for row, c in zip(rows, row_counts, strict=True)
        })  # fmt: skip
        self.n = len(human)
        self.agree = int(exact.sum())
        return exact

    def counts(self) -> MultilabelCounts:
        """The tally as ``metrics.multilabel.MultilabelCounts`` over ``labels``."""
        per_label = [np.array([c[x] for x in self.labels], dtype=np.int64) for c in (self.hits, self.true, self.pred)]
        jaccard_sum = sum(count * (both / either if either else 1.0) for (both, either), count in self.overlaps.items())
        mismatches = sum(count * (either - both) for (both, either), count in self.overlaps.items())
        return MultilabelCounts(
            np.asarray(self.n), np.asarray(self.agree), np.asarray(float(jaccard_sum)), np.asarray(mismatches),
            *per_label,
        )  # fmt: skip

    def kappa(self) -> float:
        return math.nan

    def label_kappa(self) -> pd.Series:
        index = pd.Index(self.labels, name="label", dtype=object)
        return pd.Series(label_kappa_from_counts(self.counts()), index=index, name="cohen_kappa", dtype=float)

    def confusion(self) -> pd.DataFrame:
        counts = self.counts()
        return presence_confusion(self.n, counts.hits, counts.true_counts, counts.pred_counts, self.labels)

    def notes(self) -> dict[str, str]:
        notes = {"kappa": PER_LABEL_KAPPA}
        if not self.n:
            notes["accuracy"] = NO_PAIRS
        return notes

    def values(self) -> dict[str, float]:
        counts = self.counts()
        values = {"n": float(self.n)}
        values.update({metric: float(v) for metric, v in scores_from_counts(counts).items()})
        values.update({f"cohen_kappa[{x}]": float(v) for x, v in zip(self.labels, self.label_kappa(), strict=True)})
        return values


def _stored_set(text: str, side: str) -> list[Any]:
    """The names in a store's text of a set (a JSON list)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list):
        raise InputError(
            f"the {side} {text!r} is text, not a multi-label answer: pass a list of names ([] for none of these) or "
            "the JSON text a store keeps, such as '[\"joy\"]'."
        )
    return parsed


def _set_cells(values: np.ndarray, side: str) -> np.ndarray:
    """Answers as an object array of name lists: stored JSON text parsed (once per distinct text)."""
    out = np.empty(len(values), dtype=object)
    parsed: dict[str, list[Any]] = {}
    for i, value in enumerate(values):
        if isinstance(value, str):
            if value not in parsed:
                parsed[value] = _stored_set(value, side)
            out[i] = parsed[value]
        elif isinstance(value, SET_CELLS):
            out[i] = value
        else:
            raise InputError(f"the {side} {value!r} is not a multi-label answer: pass a list of names.")
    return out


class RunningAgreement:
    """Human-vs-LLM agreement kept up to date one decision at a time, for the live dashboard.

    ``update`` adds a decision and ``remove`` takes it back (undo); both cost O(1) in the decisions: they move
    running counts and calibration sums, never rescanning. The properties compute through ``metrics.counts``,
    ``metrics.multilabel`` and ``metrics.calibration`` from those counts, so they read the same numbers and notes
    as ``lw.agreement`` on the same pairs (``values`` names them as its metrics). ``from_pairs`` adds many
    decisions at once.

    ``kind`` is the kind of answer: "single" (one label), "multi" (a set of names per decision: a list, or the JSON
    text a store keeps; ``[]`` is none of these), or None to read it from the first pair (a list makes it multi).
    For multi-label answers ``accuracy`` is the share of exact matches (subset accuracy), ``kappa`` is NaN (there is
    one per label: ``label_kappa``), ``jaccard`` is the mean Jaccard, and ``confusion`` has one 2 × 2 matrix per
    label, as ``lw.confusion``. Each update moves only the counts of the labels in its two sets.

    For spans (``kind="spans"``, or a first pair with a list of spans; answers are lists of spans or the JSON text a
    store keeps) ``accuracy`` is the share of exact matches, ``kappa`` is NaN, ``values`` holds ``lw.agreement``'s
    span scores (``strict_f1``, ``partial_precision[x]``, ...: `span_scores` of the pairs added), and ``confusion``
    is ``lw.confusion``'s boundary table. Each update pairs the spans of its one item (``span_agreement.SpanTally``);
    a window is kept by removing the oldest pair, as for every kind.
    """

    def __init__(
        self, labels: Iterable[Hashable] | None = None, *, n_bins: int = 10, kind: str | AnswerKind | None = None
    ):
        from labelwidgets.kinds import SINGLE, kind_named

        check_bins(n_bins)
        self._given_labels = check_labels(labels)
        self._kind: AnswerKind = SINGLE if kind is None else kind_named(kind)
        self._kind_known = kind is not None
        self._tally: Tally = self._kind.running_tally(self._given_labels)
        self._n_bins = n_bins
        self._reviewed = 0
        self._accepted = 0
        self._bin_counts = np.zeros(n_bins, dtype=np.int64)
        self._bin_confidence = np.zeros(n_bins)
        self._bin_correct = np.zeros(n_bins, dtype=np.int64)

    @classmethod
    def from_pairs(
        cls,
        human_labels: Iterable[Any],
        suggestions: Iterable[Any],
        confidences: Iterable[Any] | None = None,
        accepted: Iterable[Any] | None = None,
        *,
        labels: Iterable[Hashable] | None = None,
        n_bins: int = 10,
        kind: str | AnswerKind | None = None,
    ) -> RunningAgreement:
        """The state that ``update`` reaches after adding each decision in turn, in one vectorised pass.

        One entry per decision, as ``update`` takes them: ``human_labels`` and ``suggestions`` (missing where there
        is none), ``confidences`` (None: no confidences), ``accepted`` (True/False for reviewed decisions, missing
        for the others; None: none reviewed). The same checks and errors as ``update``, and the same numbers: the
        calibration sums are added in the given order, as one ``update`` after another would. ``kind`` None reads
        the kind from the answers (lists: multi-label).
        """
        human = _values(human_labels)
        suggested = _values(suggestions)
        n = len(human)
        confidence = _values(confidences) if confidences is not None else np.full(n, None, dtype=object)
        reviewed_as = _values(accepted) if accepted is not None else np.full(n, None, dtype=object)
        if not len(suggested) == len(confidence) == len(reviewed_as) == n:
            raise InputError(
                f"from_pairs() needs one entry per decision in each argument; got {n} human labels, "
                f"{len(suggested)} suggestions, {len(confidence)} confidences and {len(reviewed_as)} accepted."
            )
        if kind is None:
            answers = pd.DataFrame({"human": human, "suggestion": suggested})
            kind = answer_kind(answers, "from_pairs", "human", "suggestion")
        running = cls(labels, n_bins=n_bins, kind=kind)
        reviewed = reviewed_as != None  # noqa: E711 (elementwise on an object array)
        running._add_reviews(int(reviewed.sum()), int(reviewed_as[reviewed].astype(bool).sum()))
        is_pair = (human != None) & (suggested != None)  # noqa: E711
        scores = _confidences(confidence[is_pair])
        agree = running._tally.fill(human[is_pair], suggested[is_pair])
        running._add_confidences(scores, agree)
        return running

    @classmethod
    def from_codes(
        cls,
        human_codes: np.ndarray,
        suggestion_codes: np.ndarray,
        confidences: np.ndarray | None = None,
        accepted: np.ndarray | None = None,
        *,
        labels: Iterable[Hashable],
        n_bins: int = 10,
    ) -> RunningAgreement:
        """``from_pairs`` for single labels already encoded, as a dashboard opened on 200,000 decisions has them:
        each decision's human label and suggestion as its position in ``labels`` (-1: none), ``confidences`` as
        floats (NaN: none) and ``accepted`` as 1 (accepted), 0 (corrected or rejected) or -1 (not reviewed). The
        same state, and the same errors for a confidence outside [0, 1], without hashing a label again.
        """
        names = check_labels(labels)
        assert names is not None
        human, suggested = np.asarray(human_codes, dtype=np.int64), np.asarray(suggestion_codes, dtype=np.int64)
        n = len(human)
        confidence = np.full(n, np.nan) if confidences is None else np.asarray(confidences, dtype=float)
        reviewed_as = np.full(n, -1, dtype=np.int64) if accepted is None else np.asarray(accepted, dtype=np.int64)
        if not len(suggested) == len(confidence) == len(reviewed_as) == n:
            raise InputError(
                f"from_codes() needs one entry per decision in each argument; got {n} human labels, "
                f"{len(suggested)} suggestions, {len(confidence)} confidences and {len(reviewed_as)} accepted."
            )
        for codes in (human, suggested):
            if len(codes) and not (-1 <= codes.min() and codes.max() < len(names)):
                raise InputError(f"codes must be positions in the {len(names)} labels, or -1 for none.")
        running = cls(names, n_bins=n_bins, kind="single")
        running._add_reviews(int((reviewed_as >= 0).sum()), int((reviewed_as == 1).sum()))
        is_pair = (human >= 0) & (suggested >= 0)
        scores = confidence[is_pair]
        outside = ~np.isnan(scores) & ~((scores >= 0) & (scores <= 1))
        if outside.any():
            raise InputError(f"confidence must lie in [0, 1], got {float(scores[outside][0])!r}.")
        assert isinstance(running._tally, LabelTally)
        agree = running._tally.fill_codes(human[is_pair], suggested[is_pair])
        running._add_confidences(scores, agree)
        return running

    def _add_reviews(self, reviewed: int, accepted: int) -> None:
        self._reviewed += reviewed
        self._accepted += accepted

    def _add_confidences(self, scores: np.ndarray, agree: np.ndarray) -> None:
        """Many pairs' confidences (NaN: none) into empty calibration bins, in the given order."""
        scored = ~np.isnan(scores)
        if scored.any():
            n_bins = self._n_bins
            # the bins of lw.calibration: [b/n_bins, (b+1)/n_bins), 1.0 in the last
            bins = np.minimum(np.floor(scores[scored] * n_bins).astype(np.int64), n_bins - 1)
            self._bin_counts = np.bincount(bins, minlength=n_bins).astype(np.int64)
            self._bin_confidence = np.bincount(bins, weights=scores[scored], minlength=n_bins).astype(float)
            self._bin_correct = np.bincount(bins, weights=agree[scored], minlength=n_bins).astype(np.int64)

    def _kind_of(self, human: Any, suggestion: Any) -> None:
        """Read the kind from the first pair when it was not given: a set of names makes it multi-label, a list of
        spans spans (two empty lists: multi-label; pass kind="spans" when they may come first)."""
        if self._kind_known:
            return
        from labelwidgets.kinds import MULTI, SPANS

        self._kind_known = True
        lists = [answer for answer in (human, suggestion) if isinstance(answer, SET_CELLS)]
        if lists:
            spans = any(isinstance(element, SPAN_ELEMENTS) for answer in lists for element in answer)
            self._kind = SPANS if spans else MULTI
            self._tally = self._kind.running_tally(self._given_labels)

    def _move(self, human_label: Any, suggestion: Any, confidence: Any, accepted: Any, step: int) -> None:
        is_pair = not (is_missing(human_label) or is_missing(suggestion))
        confidence_value = None
        if is_pair:
            self._kind_of(human_label, suggestion)
            human_label, suggestion = self._tally.check(human_label, suggestion)
            if not is_missing(confidence):
                confidence_value = float(confidence)
                if not 0 <= confidence_value <= 1:
                    raise InputError(f"confidence must lie in [0, 1], got {confidence!r}.")
            if step < 0 and not self._tally.holds(human_label, suggestion):
                raise InputError(
                    f"cannot remove ({_shown(human_label)}, {_shown(suggestion)}): no such decision was added."
                )
        if accepted is not None and step < 0 and (self._accepted if accepted else self._reviewed - self._accepted) < 1:
            raise InputError(f"cannot remove a decision with accepted={accepted!r}: none was added.")
        if accepted is not None:
            self._reviewed += step
            self._accepted += step * bool(accepted)
        if not is_pair:
            return
        agree = self._tally.move(human_label, suggestion, step)
        if confidence_value is not None:
            # the bins of lw.calibration: [b/n_bins, (b+1)/n_bins), 1.0 in the last
            b = min(math.floor(confidence_value * self._n_bins), self._n_bins - 1)
            self._bin_counts[b] += step
            self._bin_confidence[b] += step * confidence_value
            self._bin_correct[b] += step * agree

    def update(self, human_label: Any, suggestion: Any, confidence: float | None = None,
               accepted: bool | None = None) -> None:  # fmt: skip
        """Add one decision: the final human label (None if none), the suggestion (None if none), its confidence,
        and whether the suggestion was accepted (None when it was not reviewed: labeled or skipped)."""
        self._move(human_label, suggestion, confidence, accepted, +1)

    def remove(self, human_label: Any, suggestion: Any, confidence: float | None = None,
               accepted: bool | None = None) -> None:  # fmt: skip
        """Take back a decision added earlier with the same arguments (undo)."""
        self._move(human_label, suggestion, confidence, accepted, -1)

    @property
    def kind(self) -> AnswerKind:
        """The kind of answer counted (single labels until a first pair says otherwise, when not given)."""
        return self._kind

    @property
    def labels(self) -> list[Hashable]:
        """The label set: ``labels`` as given, else the labels in the order first seen (multi-label: sorted)."""
        return list(self._tally.labels)

    @property
    def n(self) -> int:
        """Pairs of a human label and a suggestion."""
        return self._tally.n

    @property
    def agree(self) -> int:
        """Pairs where the suggestion equals the human label (for sets: the same set)."""
        return self._tally.agree

    @property
    def accuracy(self) -> float:
        """Share of pairs where the suggestion equals the human label (sets: subset accuracy); NaN with no pairs."""
        return self.agree / self.n if self.n else math.nan

    @property
    def accept_rate(self) -> float:
        """Share of accepted among reviewed decisions (``accepted`` given as True or False); NaN with none."""
        return self._accepted / self._reviewed if self._reviewed else math.nan

    @property
    def n_reviewed(self) -> int:
        """Decisions given with ``accepted`` True or False: accepted, corrected or rejected."""
        return self._reviewed

    @property
    def kappa(self) -> float:
        """Cohen's kappa of the pairs (``metrics.counts``); NaN only when undefined, see ``notes``. NaN for
        multi-label answers, which have one kappa per label (``label_kappa``)."""
        return self._tally.kappa()

    @property
    def label_kappa(self) -> pd.Series:
        """Multi-label answers: each label's Cohen's kappa (present/absent), indexed by label."""
        return self._set_tally("label_kappa").label_kappa()

    @property
    def jaccard(self) -> float:
        """Multi-label answers: the mean Jaccard of the pairs (two empty sets agree fully); NaN with no pairs."""
        return self._set_tally("jaccard").values()["jaccard"]

    def _set_tally(self, name: str) -> SetTally:
        if not isinstance(self._tally, SetTally):
            these = "spans (see values)" if self._kind.name == "spans" else "single labels (see kappa)"
            raise InputError(f"{name} is a number of multi-label answers; these are {these}.")
        return self._tally

    @property
    def values(self) -> dict[str, float]:
        """Every number kept here, named as the metrics of ``lw.agreement`` (``accept_rate``, ``ece`` and the kind's
        own: ``accuracy``, ``cohen_kappa``, ``macro_f1``; or ``subset_accuracy``, ``jaccard``, ``hamming_loss``,
        ``micro_f1``, ``macro_f1`` and ``cohen_kappa[x]``)."""
        return {**self._tally.values(), "accept_rate": self.accept_rate, "ece": self.ece}

    @property
    def ece(self) -> float:
        """Expected calibration error over the pairs with a confidence; NaN with none."""
        return float(ece(self._bin_confidence, self._bin_correct, self._bin_counts.sum()))

    @property
    def reliability(self) -> pd.DataFrame:
        """The reliability table of the pairs with a confidence, as ``lw.calibration`` gives it."""
        return reliability_table(self._bin_counts, self._bin_confidence, self._bin_correct)

    @property
    def confusion(self) -> pd.DataFrame:
        """Confusion counts, rows human labels and columns suggestions, in ``labels`` order (else first seen); for
        multi-label answers one 2 × 2 matrix per label, as ``lw.confusion``."""
        return self._tally.confusion()

    @property
    def notes(self) -> dict[str, str]:
        """Why a metric is NaN, or what to keep in mind about its value, by metric name (the words of
        ``lw.agreement``)."""
        notes = self._tally.notes()
        if not self._reviewed:
            notes["accept_rate"] = "no accepted, corrected or rejected decisions"
        if not self._bin_counts.sum():
            notes["ece"] = "no pair has a confidence"
        return notes


def _shown(answer: Any) -> str:
    return repr(sorted(answer, key=str)) if isinstance(answer, frozenset) else repr(answer)


def _values(values: Iterable[Any]) -> np.ndarray:
    """An object array with every kind of missing value as None."""
    if isinstance(values, pd.Series):
        series = values
    else:
        series = pd.Series(values if isinstance(values, np.ndarray) else list(values), dtype=object)
    return object_values(series)


def _confidences(values: np.ndarray) -> np.ndarray:
    """Confidences of pairs as floats, NaN where missing; the error ``update`` gives for one outside [0, 1]."""
    try:
        scores = np.where(values == None, np.nan, values).astype(float)  # noqa: E711 (elementwise)
    except (TypeError, ValueError):
        raise InputError("confidences must be numbers in [0, 1] or missing.") from None
    outside = ~np.isnan(scores) & ~((scores >= 0) & (scores <= 1))
    if outside.any():
        raise InputError(f"confidence must lie in [0, 1], got {values[outside][0]!r}.")
    return scores
