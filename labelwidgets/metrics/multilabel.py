"""Agreement on multi-label answers: per-label scores, whole-answer scores and Krippendorff's alpha with MASI.

A multi-label answer is a set of label names from the label set (an ordered list of names). The empty set is a
real answer ("none of these"); ``None`` (or NaN) is a *missing* answer (skipped, undecided). An answer may be given
as a tuple, list, set or frozenset of names; a bare string is refused, since ``"joy"`` would otherwise read as the
letters j, o, y.

Conventions, chosen to equal scikit-learn on the indicator matrices (``indicator``) and NLTK on the sets:

* a pair is a row where both sides answered; rows with a missing side are left out and counted (``n_left_out``).
* per-label precision, recall and F1 follow ``zero_division=np.nan``: precision is NaN for a label ``y_pred``
  never gave, recall for a label ``y_true`` never gave, F1 for a label neither gave; macro F1 is the mean over
  the labels whose F1 is defined; micro F1 is NaN only when no label was given on either side. These are the
  numbers of ``metrics.counts`` (``f1_from_counts``, ``macro_f1_from_counts``), as in ``lw.agreement``.
* two empty answers agree fully: Jaccard 1 (scikit-learn's ``zero_division=1``) and MASI distance 0; an empty
  answer against a non-empty one scores Jaccard 0 and MASI distance 1.
* Cohen's kappa of a label is ``metrics.counts.kappa_estimate`` of its present/absent confusion matrix (equal to
  scikit-learn's ``cohen_kappa_score``), NaN only when both sides gave the label everywhere or nowhere.

Only numpy and pandas are imported.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.metrics.checks import check_labels, require_columns
from labelwidgets.metrics.counts import (
    KappaEstimate,
    bootstrap_items,
    check_ci,
    check_n_boot,
    f1_from_counts,
    kappa_estimate,
    kappa_from_counts,
    macro_f1_from_counts,
)

#: One answer: label names (any iterable but a string), or None for a missing answer.
Answer = Iterable[Hashable] | None

PER_LABEL_COLUMNS = [
    "n", "n_left_out", "prevalence_true", "prevalence_pred", "precision", "recall", "f1", "cohen_kappa",
    "kappa_low", "kappa_high", "note",
]  # fmt: skip

# MASI's monotonicity weights (Passonneau 2006), written as NLTK writes them so that the floats are equal
_SUBSET_WEIGHT = 2 / 3
_OVERLAP_WEIGHT = 1 / 3
# bounds the float64 blocks of the chance-disagreement sum to about 32 MB, however many distinct answers
_MAX_BLOCK_ENTRIES = 4_000_000
_MAX_LISTED = 10


# ---------------------------------------------------------------------------------------------------------------
# answers


def _is_missing(answer: Any) -> bool:
    return answer is None or answer is pd.NA or (isinstance(answer, float) and math.isnan(answer))


def _answer_set(answer: Any, where: str, func: str) -> frozenset[Hashable]:
    """One present answer as a frozenset of names; an error that says what to pass for anything else."""
    if isinstance(answer, (str, bytes)):
        stored = " If it is the stored JSON text, json.loads() it first." if str(answer).startswith("[") else ""
        raise InputError(
            f"{func}(): {where} is the string {answer!r}, not a set of label names. Pass a list of names, e.g. "
            f"[{answer!r}] for one label or [] for none of them.{stored}"
        )
    try:
        return frozenset(answer)
    except TypeError:
        raise InputError(
            f"{func}(): {where} is {answer!r}, not a set of label names. Pass a list of names, e.g. ['joy'], [] for "
            "none of them, or None for a missing answer."
        ) from None


def _answer_list(answers: Any, side: str, func: str) -> list[Any]:
    if isinstance(answers, (str, bytes)):
        raise InputError(f"{func}(): {side} must be a sequence of answers (one list of names per item), not a string.")
    try:
        return list(answers)
    except TypeError:
        raise InputError(f"{func}(): {side} must be a sequence of answers, got {type(answers).__name__}.") from None


def _label_list(labels: Any, func: str) -> list[Hashable]:
    checked = check_labels(labels)
    if checked is None:
        raise InputError(f"{func}() needs labels, the label set in its order, e.g. labels=['anger', 'joy'].")
    return checked


def _indicator(sets: Sequence[frozenset[Hashable]], labels: Sequence[Hashable], func: str) -> np.ndarray:
    position = {name: j for j, name in enumerate(labels)}
    rows: list[int] = []
    columns: list[int] = []
    unknown: set[Hashable] = set()
    for i, names in enumerate(sets):
        for name in names:
            j = position.get(name)
            if j is None:
                unknown.add(name)
            else:
                rows.append(i)
                columns.append(j)
    if unknown:
        shown = sorted(unknown, key=str)[:_MAX_LISTED]
        raise InputError(
            f"{func}(): the answers hold names outside labels={list(labels)}: {shown}"
            f"{f' and {len(unknown) - _MAX_LISTED} more' if len(unknown) > _MAX_LISTED else ''}. Add them to the "
            "label set or correct the answers."
        )
    matrix = np.zeros((len(sets), len(labels)), dtype=bool)
    matrix[rows, columns] = True
    return matrix


@public
def indicator(answers: Sequence[Answer], labels: Sequence[str]) -> np.ndarray:
    """The answers as an n × k boolean matrix: entry [i, j] says whether answer i holds ``labels[j]``.

    The input of scikit-learn's multi-label metrics. Every answer must be present (an empty answer is a row of
    False); leave missing answers out first, or use ``per_label``/``multilabel_report``, which leave them out and
    count them. A name outside ``labels`` raises ``InputError`` listing the names.
    """
    func = "indicator"
    label_list = _label_list(labels, func)
    values = _answer_list(answers, "answers", func)
    missing = [i for i, answer in enumerate(values) if _is_missing(answer)]
    if missing:
        raise InputError(
            f"{func}(): answers {missing[:_MAX_LISTED]} are missing (None); every row needs an answer ([] for none "
            "of the labels). Leave missing answers out first, or use per_label() or multilabel_report(), which "
            "leave them out and count them."
        )
    sets = [_answer_set(answer, f"answer {i}", func) for i, answer in enumerate(values)]
    return _indicator(sets, label_list, func)


@dataclass(frozen=True)
class _Pairs:
    """The rows where both sides answered, as indicator matrices over the label set."""

    labels: list[Hashable]
    truth: np.ndarray  # n × k bool
    predicted: np.ndarray  # n × k bool
    n_left_out: int  # rows with a missing answer on either side

    @property
    def n(self) -> int:
        return int(self.truth.shape[0])


def _pairs(y_true: Sequence[Answer], y_pred: Sequence[Answer], labels: Sequence[str], func: str) -> _Pairs:
    label_list = _label_list(labels, func)
    truth = _answer_list(y_true, "y_true", func)
    predicted = _answer_list(y_pred, "y_pred", func)
    if len(truth) != len(predicted):
        raise InputError(
            f"{func}(): y_true has {len(truth)} answers and y_pred {len(predicted)}; give one answer per item on "
            "each side, in the same order (None where an answer is missing)."
        )
    kept = [i for i, (a, b) in enumerate(zip(truth, predicted, strict=True)) if not (_is_missing(a) or _is_missing(b))]
    true_sets = [_answer_set(truth[i], f"y_true[{i}]", func) for i in kept]
    pred_sets = [_answer_set(predicted[i], f"y_pred[{i}]", func) for i in kept]
    return _Pairs(
        label_list,
        _indicator(true_sets, label_list, func),
        _indicator(pred_sets, label_list, func),
        len(truth) - len(kept),
    )


# ---------------------------------------------------------------------------------------------------------------
# per label


def _per_label(pairs: _Pairs, n_boot: int, seed: int, ci: float) -> pd.DataFrame:
    truth, predicted, n = pairs.truth, pairs.predicted, pairs.n
    hits = (truth & predicted).sum(axis=0)
    true = truth.sum(axis=0)
    pred = predicted.sum(axis=0)
    f1 = f1_from_counts(hits, true, pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, hits / pred, np.nan)
        recall = np.where(true > 0, hits / true, np.nan)
        prevalence_true = np.where(n > 0, true / n, np.nan)
        prevalence_pred = np.where(n > 0, pred / n, np.nan)

    rows = []
    kappas = label_kappas(truth, predicted, n_boot=n_boot, seed=seed, ci=ci)
    for j, (name, kappa) in enumerate(zip(pairs.labels, kappas, strict=True)):
        undefined = [
            f"y_pred never gave {name!r}: precision undefined" if n and not pred[j] else "",
            f"y_true never gave {name!r}: recall undefined" if n and not true[j] else "",
        ]
        rows.append({
            "n": n, "n_left_out": pairs.n_left_out, "prevalence_true": prevalence_true[j],
            "prevalence_pred": prevalence_pred[j], "precision": precision[j], "recall": recall[j], "f1": f1[j],
            "cohen_kappa": kappa.kappa, "kappa_low": kappa.low, "kappa_high": kappa.high,
            "note": kappa.notes(*undefined),
        })  # fmt: skip
    frame = pd.DataFrame(rows, index=pd.Index(pairs.labels, name="label", dtype=object), columns=PER_LABEL_COLUMNS)
    floats = [c for c in PER_LABEL_COLUMNS if c not in ("n", "n_left_out", "note")]
    return frame.astype({"n": int, "n_left_out": int, **dict.fromkeys(floats, float)})


@public
def per_label(
    y_true: Sequence[Answer],
    y_pred: Sequence[Answer],
    labels: Sequence[str],
    *,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
) -> pd.DataFrame:
    """One row per label (index ``label``, in label-set order): how well ``y_pred`` finds each label of ``y_true``.

    Columns: ``n`` (pairs compared), ``n_left_out`` (rows with a missing answer on either side),
    ``prevalence_true``/``prevalence_pred`` (share of answers holding the label), ``precision``, ``recall``, ``f1``
    (equal to scikit-learn's ``precision_recall_fscore_support(average=None, zero_division=np.nan)`` on the
    indicator matrices: NaN where undefined), ``cohen_kappa`` (equal to ``cohen_kappa_score`` on the label's
    column), ``kappa_low``/``kappa_high`` (a ``ci`` percentile bootstrap interval over the pairs, the one
    ``lw.agreement`` gives the label's yes/no column with the same ``seed``; ``n_boot=0`` skips it) and ``note``
    (why a value is NaN, or what to keep in mind).
    """
    check_n_boot(n_boot, least=0)
    check_ci(ci)
    return _per_label(_pairs(y_true, y_pred, labels, "per_label"), int(n_boot), seed, ci)


# ---------------------------------------------------------------------------------------------------------------
# whole answers


def _whole_answer_scores(pairs: _Pairs) -> dict[str, float]:
    """Every whole-answer number of the pairs (``WHOLE_ANSWER_METRICS``), from one pass of counts."""
    return {
        metric: float(value)
        for metric, value in scores_from_counts(multilabel_counts(pairs.truth, pairs.predicted)).items()
    }


def _whole_answer(
    y_true: Sequence[Answer], y_pred: Sequence[Answer], labels: Sequence[str], func: str, metric: str
) -> float:
    """One whole-answer number of the answers, for the public function ``func`` that gives it."""
    return _whole_answer_scores(_pairs(y_true, y_pred, labels, func))[metric]


@public
def subset_accuracy(y_true: Sequence[Answer], y_pred: Sequence[Answer], labels: Sequence[str]) -> float:
    """Share of pairs whose answers are exactly equal (two empty answers are equal); NaN without pairs.

    Scikit-learn's ``accuracy_score`` on the indicator matrices. Rows with a missing side are left out.
    """
    return _whole_answer(y_true, y_pred, labels, "subset_accuracy", "subset_accuracy")


@public
def jaccard_samples(y_true: Sequence[Answer], y_pred: Sequence[Answer], labels: Sequence[str]) -> float:
    """Mean over pairs of |true ∩ pred| / |true ∪ pred|; two empty answers score 1. NaN without pairs.

    Scikit-learn's ``jaccard_score(average="samples", zero_division=1)`` on the indicator matrices: "none of
    these" on both sides is full agreement, as MASI distance 0. Rows with a missing side are left out.
    """
    return _whole_answer(y_true, y_pred, labels, "jaccard_samples", "jaccard")


@public
def hamming_loss(y_true: Sequence[Answer], y_pred: Sequence[Answer], labels: Sequence[str]) -> float:
    """Share of (pair, label) cells where one side holds the label and the other not; NaN without pairs.

    Scikit-learn's ``hamming_loss`` on the indicator matrices. Rows with a missing side are left out.
    """
    return _whole_answer(y_true, y_pred, labels, "hamming_loss", "hamming_loss")


@public
def micro_f1(y_true: Sequence[Answer], y_pred: Sequence[Answer], labels: Sequence[str]) -> float:
    """F1 of all (pair, label) cells pooled: 2·hits / (labels in y_true + labels in y_pred).

    Scikit-learn's ``f1_score(average="micro", zero_division=np.nan)``: NaN only when neither side gave any label.
    """
    return _whole_answer(y_true, y_pred, labels, "micro_f1", "micro_f1")


@public
def macro_f1(y_true: Sequence[Answer], y_pred: Sequence[Answer], labels: Sequence[str]) -> float:
    """Unweighted mean of the per-label F1 over the labels given on either side; NaN when none was.

    Scikit-learn's ``f1_score(average="macro", zero_division=np.nan)``, which leaves undefined labels out.
    """
    return _whole_answer(y_true, y_pred, labels, "macro_f1", "macro_f1")


@dataclass(frozen=True)
class MultilabelReport:
    """Every multi-label agreement number of one pair of answer sequences; ``y_true`` is the reference."""

    per_label: pd.DataFrame  # as per_label()
    subset_accuracy: float
    jaccard: float  # jaccard_samples(): two empty answers score 1
    hamming_loss: float
    micro_f1: float
    macro_f1: float
    n: int  # pairs compared
    n_left_out: int  # rows with a missing answer on either side


@public
def multilabel_report(
    y_true: Sequence[Answer],
    y_pred: Sequence[Answer],
    labels: Sequence[str],
    *,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
) -> MultilabelReport:
    """``per_label``, ``subset_accuracy``, ``jaccard_samples``, ``hamming_loss``, micro and macro F1 in one pass.

    The answers are read once; each number is the one its function gives. ``n_boot``, ``seed`` and ``ci`` are the
    per-label kappa interval's.
    """
    check_n_boot(n_boot, least=0)
    check_ci(ci)
    pairs = _pairs(y_true, y_pred, labels, "multilabel_report")
    scores = _whole_answer_scores(pairs)
    return MultilabelReport(
        per_label=_per_label(pairs, int(n_boot), seed, ci),
        subset_accuracy=scores["subset_accuracy"],
        jaccard=scores["jaccard"],
        hamming_loss=scores["hamming_loss"],
        micro_f1=scores["micro_f1"],
        macro_f1=scores["macro_f1"],
        n=pairs.n,
        n_left_out=pairs.n_left_out,
    )


# ---------------------------------------------------------------------------------------------------------------
# MASI and Krippendorff's alpha


def _masi(size_a: np.ndarray, size_b: np.ndarray, common: np.ndarray) -> np.ndarray:
    """MASI distance from the two set sizes and the size of their intersection, elementwise."""
    union = size_a + size_b - common
    weight = np.select(
        [(size_a == size_b) & (common == size_a), common == np.minimum(size_a, size_b), common > 0],
        [1.0, _SUBSET_WEIGHT, _OVERLAP_WEIGHT],
        0.0,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = 1 - common / union * weight  # NLTK's order of operations, so the floats are equal
    return np.where(union > 0, distance, 0.0)  # two empty answers: identical, distance 0


@public
def masi_distance(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """MASI distance between two answers (Passonneau 2006): 1 − Jaccard · monotonicity, in [0, 1].

    Monotonicity is 1 for equal sets, 2/3 when one holds the other, 1/3 when they overlap otherwise and 0 when
    they are disjoint. Equal to ``nltk.metrics.distance.masi_distance`` on non-empty
    sets. Two empty answers ("none of these" twice) have distance 0: they are identical, while NLTK divides 0 by 0
    there. An empty answer against a non-empty one has distance 1, as NLTK's formula gives (its Jaccard is 0).
    """
    func = "masi_distance"
    if _is_missing(a) or _is_missing(b):
        raise InputError(f"{func}() needs two answers; a missing answer (None) has no distance. Leave it out.")
    set_a, set_b = _answer_set(a, "a", func), _answer_set(b, "b", func)
    return float(_masi(np.array(len(set_a)), np.array(len(set_b)), np.array(len(set_a & set_b))))


def _triples(data: Any, item: str, annotator: str, label: str, func: str) -> pd.DataFrame:
    """Columns ``annotator``, ``item``, ``answer`` (objects) from a long frame or (annotator, item, answer) triples."""
    columns = ["annotator", "item", "answer"]
    if isinstance(data, pd.DataFrame):
        require_columns(data, func, item=item, annotator=annotator, label=label)
        frame = data[[annotator, item, label]].astype(object)
        frame.columns = pd.Index(columns)
        return frame
    if isinstance(data, (str, bytes)):
        raise InputError(f"{func}() needs a long DataFrame or a list of (annotator, item, answer) triples.")
    try:
        rows = [tuple(row) for row in data]
    except TypeError:
        raise InputError(
            f"{func}() needs a long DataFrame or a list of (annotator, item, answer) triples, got "
            f"{type(data).__name__}."
        ) from None
    odd = [i for i, row in enumerate(rows) if len(row) != 3]
    if odd:
        raise InputError(
            f"{func}(): rows {odd[:_MAX_LISTED]} are not (annotator, item, answer) triples, e.g. {rows[odd[0]]!r}."
        )
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _within_item_pairs(item_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (a, b), a ≠ b, of positions sharing an item; ``item_codes`` sorted."""
    _, starts, sizes = np.unique(item_codes, return_index=True, return_counts=True)
    size_of = np.repeat(sizes, sizes)
    start_of = np.repeat(starts, sizes)
    first = np.repeat(np.arange(item_codes.size), size_of)
    offset = np.arange(first.size) - np.repeat(np.cumsum(size_of) - size_of, size_of)
    second = np.repeat(start_of, size_of) + offset
    distinct = first != second
    return first[distinct], second[distinct]


def _chance_disagreement_sum(members: np.ndarray, totals: np.ndarray) -> float:
    """Σ_c Σ_k n_c n_k δ(c, k) over every pair of distinct answers, in blocks of rows of the distance matrix."""
    sizes = members.sum(axis=1)
    block = max(1, _MAX_BLOCK_ENTRIES // members.shape[0])
    total = 0.0
    for start in range(0, members.shape[0], block):
        rows = slice(start, start + block)
        distance = _masi(sizes[rows, None], sizes[None, :], members[rows] @ members.T)
        total += float(totals[rows] @ distance @ totals)
    return total


def _alpha_masi_with_reason(triples: pd.DataFrame, func: str) -> tuple[float, str]:
    """Alpha from ``_triples``' columns, with the reason when it is undefined; rows named by ``triples``' index."""
    triples = triples[triples["answer"].notna()]  # None, NaN and pd.NA; a list or set is never NA
    without_key = triples["annotator"].isna() | triples["item"].isna()
    if without_key.any():
        rows = triples.index[without_key].tolist()[:_MAX_LISTED]
        raise InputError(f"{func}(): rows {rows} have an answer but no annotator or no item.")
    value_of: dict[frozenset[Hashable], int] = {}
    values = np.array(
        [
            value_of.setdefault(_answer_set(answer, f"the answer in row {row!r}", func), len(value_of))
            for row, answer in zip(triples.index, triples["answer"], strict=True)
        ],
        dtype=np.int64,
    )
    item_codes, _ = pd.factorize(triples["item"])
    annotator_codes, _ = pd.factorize(triples["annotator"])
    repeated = pd.Series(item_codes.astype(np.int64) * max(1, len(triples)) + annotator_codes).duplicated(keep=False)
    if repeated.any():
        pairs = triples.loc[repeated.to_numpy(), ["annotator", "item"]].drop_duplicates().head(3)
        raise InputError(
            f"{func}(): some annotators answered an item more than once, e.g. (annotator, item) = "
            f"{list(pairs.itertuples(index=False, name=None))}. Keep one answer each."
        )

    # Krippendorff leaves out items answered fewer than twice: nothing to agree on
    per_item = np.bincount(item_codes, minlength=item_codes.max(initial=-1) + 1)
    pairable = per_item[item_codes] >= 2
    if not pairable.any():
        return math.nan, "no item has answers from two annotators"
    # the answers counted once per (item, distinct answer): the cost grows with disagreement, not with coders
    cells, cell_counts = np.unique(
        np.column_stack([item_codes[pairable], values[pairable]]), axis=0, return_counts=True
    )
    used, value_codes = np.unique(cells[:, 1], return_inverse=True)
    value_codes = value_codes.ravel()
    if used.size < 2:
        return math.nan, "every answer on the items answered twice or more is the same: alpha is 0/0"
    sets_by_code = list(value_of)
    names = sorted({name for code in used for name in sets_by_code[code]}, key=str)
    members = _indicator([sets_by_code[code] for code in used], names, func).astype(float)
    sizes = members.sum(axis=1)

    n = float(cell_counts.sum())
    totals = np.bincount(value_codes, weights=cell_counts, minlength=used.size)
    expected = _chance_disagreement_sum(members, totals) / (n * (n - 1))

    first, second = _within_item_pairs(cells[:, 0])
    answered = per_item[cells[first, 0]].astype(float)
    weights = cell_counts[first] * cell_counts[second] / (answered - 1)
    # each pair of distinct answers needs its distance once, however many items it meets in
    pair_codes, pair_of = np.unique(value_codes[first] * used.size + value_codes[second], return_inverse=True)
    a, b = np.divmod(pair_codes, used.size)
    common = np.einsum("ij,ij->i", members[a], members[b])
    observed = float(np.bincount(pair_of.ravel(), weights=weights) @ _masi(sizes[a], sizes[b], common)) / n
    return 1.0 - observed / expected, ""


@public
def krippendorff_alpha_masi(
    data: Any, *, item: str = "item", annotator: str = "annotator", label: str = "label"
) -> float:
    """Krippendorff's alpha of multi-label answers with the MASI distance: 1 − observed / chance disagreement.

    ``data`` is a long DataFrame with one row per item × annotator (columns named by ``item``, ``annotator`` and
    ``label``, the answer), or a list of ``(annotator, item, answer)`` triples as NLTK's ``AnnotationTask`` takes.
    Missing answers (None) are left out, and so are items answered by fewer than two annotators. Equal to
    ``nltk.metrics.agreement.AnnotationTask(data, distance=masi_distance).alpha()`` wherever NLTK computes it;
    NLTK fails on any empty answer (MASI of two empty sets is 0/0 there), while here two empty answers have
    distance 0. NaN when alpha is undefined: no item answered twice, or one and the same answer on every item
    answered twice or more (observed and chance disagreement both 0; NLTK returns 1 there).

    The answers are grouped: the distance between two distinct answers is computed once, and each item costs as
    many terms as it has distinct answers, so 30 annotators × 5,000 items take a fraction of a second.
    """
    func = "krippendorff_alpha_masi"
    return _alpha_masi_with_reason(_triples(data, item, annotator, label, func), func)[0]


# ---------------------------------------------------------------------------------------------------------------
# counts: the sums every number above follows from, for running totals, rolling windows and the bootstrap

#: The whole-answer numbers of ``scores_from_counts``, by name.
WHOLE_ANSWER_METRICS = ("subset_accuracy", "jaccard", "hamming_loss", "micro_f1", "macro_f1")


class MultilabelCounts(NamedTuple):
    """Sums over pairs from which every number of this module follows (``scores_from_counts``,
    ``label_kappa_from_counts``). The per-label fields have the labels on their last axis; leading axes (bootstrap
    replicates, rolling windows, several suggesters) broadcast, as ``metrics.counts.LabelCounts``."""

    n: np.ndarray  # pairs
    exact: np.ndarray  # pairs whose two answers are equal
    jaccard_sum: np.ndarray  # sum over pairs of |true ∩ pred| / |true ∪ pred|, 1 for two empty answers
    mismatches: np.ndarray  # sum over pairs of |true △ pred|: the (pair, label) cells the answers differ on
    hits: np.ndarray  # per label: pairs where both answers hold it
    true_counts: np.ndarray  # per label: pairs whose y_true holds it
    pred_counts: np.ndarray  # per label: pairs whose y_pred holds it


def pair_scores(
    truth: np.ndarray, predicted: np.ndarray, valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair of indicator rows: (exact match, Jaccard, size of the symmetric difference).

    ``valid`` marks the rows of ``predicted`` that are answers; an invalid one (a suggester's output outside the
    label set, given as a row of False) never matches and scores Jaccard 0, even against an empty ``truth``.
    """
    both = np.count_nonzero(truth & predicted, axis=-1)
    either = np.count_nonzero(truth | predicted, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(either > 0, both / either, 1.0)  # "none of these" on both sides agrees fully
    exact = either == both
    if valid is not None:
        jaccard = np.where(valid, jaccard, 0.0)
        exact = exact & valid
    return exact, jaccard, either - both


def multilabel_counts(
    truth: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None = None, valid: np.ndarray | None = None
) -> MultilabelCounts:
    """The sums of ``MultilabelCounts`` over the pairs of two n × k indicator matrices.

    ``weights`` (shape (..., n)) counts each pair that many times (bootstrap draws, window membership), adding its
    leading axes to the result; None counts each once. ``valid`` as in ``pair_scores``.
    """
    exact, jaccard, mismatches = pair_scores(truth, predicted, valid)
    hits = truth & predicted
    if weights is None:
        return MultilabelCounts(
            np.asarray(truth.shape[0]), np.asarray(np.count_nonzero(exact)), np.asarray(jaccard.sum()),
            np.asarray(mismatches.sum()), hits.sum(axis=0), truth.sum(axis=0), predicted.sum(axis=0),
        )  # fmt: skip
    w = np.asarray(weights)
    return MultilabelCounts(w.sum(axis=-1), w @ exact, w @ jaccard, w @ mismatches, w @ hits, w @ truth, w @ predicted)


def scores_from_counts(counts: MultilabelCounts) -> dict[str, np.ndarray]:
    """The whole-answer numbers (``WHOLE_ANSWER_METRICS``) from counts, NaN where there are no pairs.

    Subset accuracy, Jaccard (samples) and Hamming loss are means over pairs; micro F1 pools the (pair, label)
    cells; macro F1 averages the per-label F1 over the labels given on either side, all as the functions above.
    """
    n = np.asarray(counts.n, dtype=float)
    k = np.shape(counts.true_counts)[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "subset_accuracy": np.where(n > 0, counts.exact / n, np.nan),
            "jaccard": np.where(n > 0, counts.jaccard_sum / n, np.nan),
            "hamming_loss": np.where(n * k > 0, counts.mismatches / (n * k), np.nan),
            "micro_f1": f1_from_counts(
                np.sum(counts.hits, axis=-1), np.sum(counts.true_counts, axis=-1), np.sum(counts.pred_counts, axis=-1)
            ),
            "macro_f1": macro_f1_from_counts(counts.hits, counts.true_counts, counts.pred_counts),
        }


def label_kappa_from_counts(counts: MultilabelCounts) -> np.ndarray:
    """Each label's Cohen's kappa (present/absent) from counts, labels on the last axis: ``per_label``'s kappa."""
    n = np.asarray(counts.n)[..., None]
    true, pred, hits = (np.asarray(a) for a in (counts.true_counts, counts.pred_counts, counts.hits))
    agree = n - true - pred + 2 * hits
    return kappa_from_counts(agree, np.stack([n - true, true], axis=-1), np.stack([n - pred, pred], axis=-1))


def label_kappas(
    truth: np.ndarray, predicted: np.ndarray, *, n_boot: int = 0, seed: int = 0, ci: float = 0.95,
    reference: str = "y_true", other: str = "y_pred",
) -> list[KappaEstimate]:  # fmt: skip
    """Each label's kappa, note and bootstrap interval (``counts.kappa_estimate`` of its present/absent confusion
    matrix), from two n × k indicator matrices: the kappas of ``per_label``; ``reference`` and ``other`` name the
    sides in the notes."""
    n = truth.shape[0]
    hits, true, pred = (truth & predicted).sum(axis=0), truth.sum(axis=0), predicted.sum(axis=0)
    estimates = []
    for j in range(truth.shape[1]):
        # each label is a two-category task: rows y_true (absent, present), columns y_pred (absent, present)
        confusion = np.array([[n - true[j] - pred[j] + hits[j], pred[j] - hits[j]], [true[j] - hits[j], hits[j]]])
        # the stream lw.agreement(seed=seed) draws for one group: this label's interval is the one lw.agreement
        # gives its yes/no column, whatever the other labels and their order
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        estimate = kappa_estimate(
            confusion, ["absent", "present"], reference=reference, other=other, n_boot=n_boot, ci=ci, rng=rng
        )
        estimates.append(estimate)
    return estimates


def bootstrap_multilabel_counts(
    truth: np.ndarray, predicted: np.ndarray, n_boot: int, rng: np.random.Generator, valid: np.ndarray | None = None
) -> MultilabelCounts:
    """The counts of ``n_boot`` resamples of the pairs, with replacement (``counts.bootstrap_items``).

    ``predicted`` is one side's n × k matrix, or several suggesters' (m, n, k) resampled *together* with ``truth``
    (the same pairs in each resample, so their differences are paired); ``valid`` is (n,) or (m, n). Each field
    gets a leading axis of ``n_boot`` (then m when several).
    """
    several = predicted.ndim == 3
    sides = predicted if several else predicted[None]
    valid_sides = (
        np.ones(sides.shape[:2], dtype=bool)
        if valid is None
        else np.asarray(valid, dtype=bool).reshape(sides.shape[:2])
    )
    m, _, k = sides.shape
    columns = [*truth.T, *(column for j in range(m) for column in (*sides[j].T, valid_sides[j]))]

    def statistic(rows: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        cells = rows.astype(bool)
        each = []
        for j in range(m):
            start = k + j * (k + 1)
            each.append(multilabel_counts(cells[:, :k], cells[:, start : start + k], draws, cells[:, start + k]))
        fields = [np.stack(parts, axis=1) for parts in zip(*each, strict=True)]
        return tuple(field if several else field[:, 0] for field in fields)

    return MultilabelCounts(*bootstrap_items(columns, statistic, n_boot, rng))


@public
def per_label_of_indicators(
    truth: np.ndarray, predicted: np.ndarray, labels: Sequence[str], *, n_left_out: int = 0, n_boot: int = 1000,
    seed: int = 0, ci: float = 0.95,
) -> pd.DataFrame:  # fmt: skip
    """``per_label`` of two n × k indicator matrices (``indicator``), for a caller that has them already."""
    check_n_boot(n_boot, least=0)
    check_ci(ci)
    label_list = _label_list(labels, "per_label_of_indicators")
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    if truth.shape != predicted.shape or truth.ndim != 2 or truth.shape[1] != len(label_list):
        raise InputError(
            f"per_label_of_indicators() needs two n × {len(label_list)} matrices, got {truth.shape} and "
            f"{predicted.shape}."
        )
    return _per_label(_Pairs(label_list, truth, predicted, int(n_left_out)), int(n_boot), seed, ci)
