"""How far people agree with the LLM's suggestions: ``agreement`` (a tidy table of metrics) and ``confusion``.

Every function here is pure: DataFrames in, numbers out. Each number is computed by ``labelwidgets.metrics.counts``
from label counts (the tests check them against scikit-learn and statsmodels), so the table, the Dashboard,
``RunningAgreement`` and ``lw.compare`` give the same value and the same NaN reason.

Conventions shared by every function:

* a *pair* is a row with a human label and a suggestion, whose decision is not ``skipped`` (``metrics.pairs``);
  only pairs enter human-vs-LLM metrics. The human label is the reference, the suggestion the prediction.
* a metric that is undefined on the data (no pairs; kappa or pi when both sides gave a single, identical label)
  is NaN, and the table says why in ``note``. A defined value that says little (kappa 0 for a suggester that
  always gives the same label) keeps its value and gets a note.
* unweighted metrics never depend on the order of ``labels``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.kinds import AnswerKind, kind_named
from labelwidgets.metrics.calibration import bin_sums, bootstrap_ece, ece
from labelwidgets.metrics.checks import (
    answer_kind,
    check_bins,
    check_labels,
    object_values,
    require_columns,
    sorted_labels,
)
from labelwidgets.metrics.counts import (
    BOOTSTRAP,
    NO_PAIRS,
    WILSON,
    LabelCounts,
    bootstrap_counts,
    bootstrap_note,
    check_ci,
    check_n_boot,
    f1_from_counts,
    kappa_from_counts,
    kappa_note,
    label_counts,
    macro_f1_from_counts,
    percentile_interval,
    scott_pi_from_counts,
    scott_pi_note,
    wilson_interval,
)
from labelwidgets.metrics.multilabel import (
    MultilabelCounts,
    bootstrap_multilabel_counts,
    label_kappas,
    multilabel_counts,
    scores_from_counts,
)
from labelwidgets.metrics.pairs import (
    REVIEW_DECISIONS,
    Columns,
    Pairs,
    SetPairs,
    find_pairs,
    find_set_pairs,
    resolve_columns,
    scored_labels,
)

if TYPE_CHECKING:
    from labelwidgets.metrics.span_agreement import SpanPairs

__all__ = [
    "REVIEW_DECISIONS", "agreement", "confusion", "label_agreement_rows", "set_agreement_rows", "wilson_interval",
]  # fmt: skip  # wilson_interval: older import path

_TIDY_COLUMNS = ["group", "metric", "value", "low", "high", "n", "interval", "note"]


@public
@takes_frames("df")
def agreement(
    df: Frame,
    *,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    confidence: str | None = "confidence",
    suggestion_visible: str | None = "suggestion_visible",
    by: str | Sequence[str] | None = None,
    labels: Iterable[Hashable] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    n_bins: int = 10,
    kind: str | AnswerKind | None = None,
) -> pd.DataFrame:
    """Agreement between the final human labels and the LLM's suggestions, one row per metric (and group).

    Columns: ``group`` (the value of ``by``, a tuple for several columns, ``"all"`` without ``by``), ``metric``,
    ``value``, ``low``/``high`` (a ``ci`` interval), ``n`` (the rows the number rests on), ``interval`` (how the
    interval was computed) and ``note`` (why a value is NaN, or what to keep in mind).

    Metrics, with the human label as the reference:

    * ``n``: pairs compared (rows with a human label and a suggestion, not skipped); the note counts what was left
      out. When ``suggestion_visible`` exists, the note says how many decisions were made with the suggestion on
      screen, where people tend to go along with it.
    * ``accept_rate``: share of ``accepted`` among accepted + corrected + rejected decisions (Wilson interval).
    * ``accuracy``: share of pairs where the suggestion equals the human label (Wilson interval).
    * ``cohen_kappa``: Cohen's kappa, equal to scikit-learn's ``cohen_kappa_score`` (bootstrap interval). NaN only
      when people and the suggester all gave one and the same label (chance agreement 1, kappa 0/0). A suggester
      that always gives the same label has kappa 0 (no better than chance), and the note says so.
    * ``scott_pi``: Scott's pi, chance agreement from the pooled label shares; lower than kappa when the LLM's label
      shares differ from the people's (bootstrap interval).
    * ``macro_f1``: unweighted mean of per-label F1 over the labels seen in the group (bootstrap interval).
    * ``ece``: expected calibration error of the suggestion confidences, ``n_bins`` equal-width bins
      (bootstrap interval).
    * ``precision[x]`` (of suggestions ``x``, the share people agreed with), ``recall[x]`` (of human labels ``x``,
      the share the LLM suggested; both Wilson) and ``f1[x]`` (bootstrap) for every label ``x``.

    Bootstrap intervals resample pairs with replacement ``n_boot`` times (``n_boot=0`` skips them); ``seed`` makes
    them reproducible.

    **Multi-label answers** (cells that are lists of names, as a ``kind="multi"`` Labeler writes them; ``[]`` is
    "none of these", an answer) give the same table with these metrics, each equal to scikit-learn on the
    indicator matrices (``labelwidgets.metrics.multilabel``):

    * ``n``, ``accept_rate`` as above (a suggestion is accepted when the person kept the whole set).
    * ``subset_accuracy``: share of pairs whose two sets are equal (Wilson interval).
    * ``jaccard``: mean over pairs of |human ∩ suggestion| / |human ∪ suggestion|, 1 when both are empty
      (``jaccard_score(average="samples", zero_division=1)``); ``hamming_loss``: share of (pair, label) cells the
      two sets differ on; ``micro_f1`` (all cells pooled) and ``macro_f1`` (mean of the per-label F1 over the labels
      seen on either side); bootstrap intervals.
    * ``ece``: the suggestion's confidence is its confidence in the whole set, so it is calibrated against an exact
      match of the two sets.
    * per label ``x``: ``cohen_kappa[x]`` (kappa of x present/absent, with the note and the interval
      ``multilabel.per_label`` gives it with the same ``seed``), ``precision[x]``, ``recall[x]`` (Wilson) and
      ``f1[x]`` (bootstrap).

    A name outside ``labels`` in a list is refused (listed), as is a column mixing lists with single labels.

    **Spans** (cells that are lists of spans, ``{"start", "end", "label", ...}`` each, as a ``kind="spans"`` Labeler
    writes them; ``[]`` is "no spans", an answer) give, with the person's spans as the reference and every number
    `span_scores`' (nervaluate's) on the pairs, each item's spans sorted first
    (``labelwidgets.metrics.span_agreement``):

    * ``n`` (its note counts the spans on each side), ``accept_rate`` as above; ``exact_match``: share of pairs whose
      two lists of spans are the same (Wilson interval).
    * ``{scheme}_precision``, ``{scheme}_recall``, ``{scheme}_f1`` for the schemes ``strict`` (same boundaries and
      label), ``partial`` (same boundaries 1, overlapping 1/2, labels ignored), ``exact`` (same boundaries) and
      ``ent_type`` (same label, overlapping): precision is (correct + partial / 2) / suggested spans, recall the same
      over human spans, F1 their harmonic mean. Bootstrap intervals over the pairs (items, not spans). NaN, with the
      reason, where span_scores says 0 for 0/0 (no suggested span, no human span).
    * ``ece``: the confidence is in the whole answer, calibrated against an exact match.
    * per label ``x``: ``strict_precision[x]``, ``strict_recall[x]``, ``strict_f1[x]`` and the same in ``partial``
      (the spans of label x alone on both sides, as nervaluate's per-label results).

    A span label outside ``labels`` is refused (listed); a column of spans beside a column of sets or single labels
    is refused.

    **Pairs** (``kind="pair"``: verdicts that name the better output, ``"tie"`` or ``"both_bad"``, as a pair
    Labeler writes them; the kind is read from the cells otherwise, and a verdict is one label) give one label's
    table, whose ``accuracy`` is agreement on every outcome, ties included, plus ``agreement_without_ties``: the
    share over the pairs where neither verdict is a tie (MT-Bench's two numbers; Wilson interval). Per system win
    rates, Bradley–Terry strengths and position bias are in `lw.win_rates`, `lw.bradley_terry`,
    `lw.position_bias` (over `lw.judgments`).
    """
    func = "agreement"
    cols = resolve_columns(
        df, func, label=label, suggestion=suggestion, decision=decision, confidence=confidence,
        suggestion_visible=suggestion_visible,
    )  # fmt: skip
    check_ci(ci)
    check_bins(n_bins)
    check_n_boot(n_boot, least=0)
    inferred = answer_kind(df, func, cols.label, cols.suggestion)
    # Cells tell a set or spans apart from a label, not a pair's verdict from a label: that kind is named.
    answer = inferred if kind is None else kind_named(kind)
    if answer.answers_are_text != inferred.answers_are_text:
        raise InputError(f"{func}(kind={answer.name!r}): the cells hold {inferred.name} answers, not {answer.name}.")
    labels_used = scored_labels(df, cols, check_labels(labels), answer, func)

    by_columns = [by] if isinstance(by, str) else (list(by) if by is not None else [])
    if by_columns:
        require_columns(df, func, **{f"by[{i}]": c for i, c in enumerate(by_columns)})
        grouped = df.groupby(by if isinstance(by, str) else by_columns, dropna=False, sort=True)
        groups: list[tuple[Any, pd.DataFrame]] = list(grouped)
    else:
        groups = [("all", df)]

    seeds = np.random.SeedSequence(seed).spawn(len(groups))
    rows: list[dict[str, Any]] = []
    for (key, frame), group_seed in zip(groups, seeds, strict=True):
        rng = np.random.default_rng(group_seed)
        scored = answer.agreement_rows(frame, cols, labels_used, n_boot=int(n_boot), rng=rng, seed=seed, ci=ci,
                                     n_bins=n_bins)  # fmt: skip
        rows += [{"group": key, **row} for row in scored]
    return pd.DataFrame(rows, columns=_TIDY_COLUMNS).astype({"value": float, "low": float, "high": float, "n": int})


def _row(metric: str, value: float, n: int, low: float = math.nan, high: float = math.nan, interval: str = "",
         note: str = "") -> dict[str, Any]:  # fmt: skip
    if not math.isfinite(value):
        low = high = math.nan
    return {"metric": metric, "value": value, "low": low, "high": high, "n": n, "interval": interval, "note": note}


def _joined(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def _canonical_bootstrap(pairs: Pairs, n_boot: int, rng: np.random.Generator) -> LabelCounts:
    """``bootstrap_counts`` of the pairs, resampled in sorted label order and returned in ``pairs.labels`` order.

    The draws depend on the order of the cells, so resampling in one canonical order keeps the order of
    ``labels=`` from moving the intervals; the Dashboard resamples its running counts the same way.
    """
    labels = pairs.labels
    k = len(labels)
    rank = np.empty(k, dtype=np.int64)
    rank[[labels.index(x) for x in sorted_labels(labels)]] = np.arange(k)
    drawn = bootstrap_counts(rank[pairs.human], rank[pairs.suggested], k, n_boot, rng)
    return LabelCounts(drawn.agree, drawn.true_counts[:, rank], drawn.pred_counts[:, rank], drawn.hits[:, rank])


def _bootstrapped(
    metric: str, value: float, n: int, replicates: np.ndarray | None, n_boot: int, ci: float, note: str = ""
) -> dict[str, Any]:
    """A row whose interval is the percentile interval of its bootstrap replicates (none without them)."""
    if not math.isfinite(value) or replicates is None:
        return _row(metric, value, n, note=note)
    low, high, n_defined = percentile_interval(replicates, ci)
    return _row(metric, value, n, float(low), float(high), BOOTSTRAP,
                _joined(note, bootstrap_note(int(n_defined), n_boot)))  # fmt: skip


def _n_row(pairs: Pairs | SetPairs | SpanPairs) -> dict[str, Any]:
    n = pairs.n
    notes = [] if n else ["no pairs to compare"]
    if pairs.exclusions:
        notes.append("rows left out: " + ", ".join(pairs.exclusions))
    if pairs.visible is not None and n:
        # the column is boolean-ish: True/False, 1/0 or their strings after a round trip through CSV
        shown = sum(str(v).strip().lower() in ("true", "1", "1.0", "yes") for v in pairs.visible)
        if shown:
            notes.append(
                f"{shown} of {n} pairs were decided with the suggestion on screen, where people tend to go along "
                "with it; compare by='suggestion_visible'"
            )
    return _row("n", float(n), n, note="; ".join(notes))


def _accept_rate_row(frame: pd.DataFrame, cols: Columns, ci: float) -> dict[str, Any]:
    # every reviewed decision counts, with or without a final label
    if cols.decision is None:
        return _row("accept_rate", math.nan, 0, note="no decision column")
    decisions = object_values(frame[cols.decision])
    reviewed = int(np.isin(decisions, REVIEW_DECISIONS).sum())
    if not reviewed:
        return _row("accept_rate", math.nan, 0, note="no accepted, corrected or rejected decisions")
    accepted = int((decisions == "accepted").sum())
    low, high = wilson_interval(accepted, reviewed, ci)
    return _row("accept_rate", accepted / reviewed, reviewed, float(low), float(high), WILSON)


def verdict_rows(
    frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, ci: float, ties: Sequence[str]
) -> list[dict[str, Any]]:
    """The row ``agreement_without_ties`` of pairwise verdicts (``PairVerdict.agreement_rows``): the share of pairs
    where the person and the suggestion gave the same verdict, over the pairs where neither is one of ``ties``
    (`metrics.pairwise.decisive_in_both`, MT-Bench's rule); Wilson interval."""
    from labelwidgets.metrics.pairwise import TIED, decisive_in_both

    pairs = find_pairs(frame, cols, labels, "agreement")
    tied = np.isin(np.asarray(labels, dtype=object), list(ties))
    # a tie is TIED; an output keeps a code of its own, above TIED
    human = np.where(tied[pairs.human], TIED, TIED + 1 + pairs.human)
    suggested = np.where(tied[pairs.suggested], TIED, TIED + 1 + pairs.suggested)
    keep = decisive_in_both(human, suggested)
    n = int(keep.sum())
    if not n:
        return [_row("agreement_without_ties", math.nan, 0, note="every pair has a tie in it")]
    agree = int((human[keep] == suggested[keep]).sum())
    low, high = wilson_interval(agree, n, ci)
    return [_row("agreement_without_ties", agree / n, n, float(low), float(high), WILSON,
                 "pairs where neither verdict is a tie (MT-Bench); accuracy counts every pair")]  # fmt: skip


def label_agreement_rows(
    frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator, seed: int,
    ci: float, n_bins: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of ``agreement`` for one group of single-label answers (``SingleLabel.agreement_rows``)."""
    pairs = find_pairs(frame, cols, labels, "agreement")
    n = pairs.n
    observed = label_counts(pairs.human, pairs.suggested, len(labels))
    agree, true, pred, hits = int(observed.agree), observed.true_counts, observed.pred_counts, observed.hits
    rows = [_n_row(pairs), _accept_rate_row(frame, cols, ci)]

    if n:
        low, high = wilson_interval(agree, n, ci)
        rows.append(_row("accuracy", agree / n, n, float(low), float(high), WILSON))
    else:
        rows.append(_row("accuracy", math.nan, 0, note=NO_PAIRS))

    boot = _canonical_bootstrap(pairs, n_boot, rng) if n and n_boot else None

    def bootstrapped(metric: str, value: float, replicates: np.ndarray | None, note: str = "") -> dict[str, Any]:
        return _bootstrapped(metric, value, n, replicates, n_boot, ci, note)

    perfect = f"all {n} pairs agree" if n and agree == n else ""
    kappa = float(kappa_from_counts(agree, true, pred))
    kappa_boot = kappa_from_counts(boot.agree, boot.true_counts, boot.pred_counts) if boot is not None else None
    rows.append(bootstrapped("cohen_kappa", kappa, kappa_boot, kappa_note(true, pred, labels) or perfect))

    pi = float(scott_pi_from_counts(agree, true, pred))
    pi_boot = scott_pi_from_counts(boot.agree, boot.true_counts, boot.pred_counts) if boot is not None else None
    rows.append(bootstrapped("scott_pi", pi, pi_boot, scott_pi_note(true, pred, labels) or perfect))

    if n:
        macro = float(macro_f1_from_counts(hits, true, pred))
        macro_boot = macro_f1_from_counts(boot.hits, boot.true_counts, boot.pred_counts) if boot is not None else None
        rows.append(bootstrapped("macro_f1", macro, macro_boot, "mean over the labels seen on either side"))
    else:
        rows.append(_row("macro_f1", math.nan, 0, note=NO_PAIRS))

    rows.append(_ece_row(pairs, n_bins, n_boot, rng, ci))

    scored = _precision_recall_f1_rows(
        labels, observed, boot, n, n_boot, ci, no_human="no human label is {name!r}",
        in_neither="{name!r} appears neither as a human label nor as a suggestion",
    )  # fmt: skip
    for label_rows in scored:
        rows += label_rows
    return rows


def set_agreement_rows(
    frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator, seed: int,
    ci: float, n_bins: int,
) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of ``agreement`` for one group of multi-label answers (``MultiLabel.agreement_rows``)."""
    pairs = find_set_pairs(frame, cols, labels, "agreement")
    n = pairs.n
    counts = multilabel_counts(pairs.truth, pairs.predicted)
    values = scores_from_counts(counts)
    boot = bootstrap_multilabel_counts(pairs.truth, pairs.predicted, n_boot, rng) if n and n_boot else None
    replicates = scores_from_counts(boot) if boot is not None else None
    rows = [_n_row(pairs), _accept_rate_row(frame, cols, ci)]

    exact = int(counts.exact)
    if n:
        low, high = wilson_interval(exact, n, ci)
        rows.append(_row("subset_accuracy", exact / n, n, float(low), float(high), WILSON,
                         f"all {n} pairs agree" if exact == n else ""))  # fmt: skip
    else:
        rows.append(_row("subset_accuracy", math.nan, 0, note=NO_PAIRS))
    notes = {
        "jaccard": "two 'none of these' answers agree fully (1)",
        "hamming_loss": f"share of the {n * len(labels)} (pair, label) cells the two sets differ on" if n else "",
        "micro_f1": "" if counts.true_counts.sum() + counts.pred_counts.sum() or not n else "no label on either side",
        "macro_f1": "mean over the labels seen on either side",
    }
    for metric, note in notes.items():
        value = float(values[metric])
        rows.append(_bootstrapped(metric, value, n, None if replicates is None else replicates[metric], n_boot, ci,
                                  note if n else NO_PAIRS))  # fmt: skip
    ece_row = _ece_row(pairs, n_bins, n_boot, rng, ci)
    if ece_row["n"]:
        ece_row["note"] = _joined("the confidence is in the whole set: calibrated against an exact match",
                                  ece_row["note"])  # fmt: skip
    rows.append(ece_row)

    kappas = label_kappas(pairs.truth, pairs.predicted, n_boot=n_boot, seed=seed, ci=ci, reference="people",
                          other="the suggester")  # fmt: skip
    scored = _precision_recall_f1_rows(
        labels, counts, boot, n, n_boot, ci, no_human="no human answer holds {name!r}",
        in_neither="{name!r} is in neither the human answers nor the suggestions",
    )  # fmt: skip
    for name, kappa, label_rows in zip(labels, kappas, scored, strict=True):
        rows.append(_row(f"cohen_kappa[{name}]", kappa.kappa, n, kappa.low, kappa.high, kappa.interval,
                         kappa.notes()))  # fmt: skip
        rows += label_rows
    return rows


def _precision_recall_f1_rows(
    labels: Sequence[Hashable], counts: LabelCounts | MultilabelCounts, boot: LabelCounts | MultilabelCounts | None,
    n: int, n_boot: int, ci: float, *, no_human: str, in_neither: str,
) -> list[list[dict[str, Any]]]:  # fmt: skip
    """Per label ``x``: the rows ``precision[x]`` and ``recall[x]`` (Wilson intervals) and ``f1[x]`` (the percentile
    interval of ``boot``, the bootstrapped counts; none without them), one list per label in ``labels`` order.

    The same numbers for one label or a set of labels per pair, from the counts both kinds keep; only the notes of
    a label no person gave (``no_human``) or nobody gave (``in_neither``) are worded for the kind, each a template
    of ``{name!r}``.
    """
    hits, true, pred = counts.hits, counts.true_counts, counts.pred_counts
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, hits / pred, np.nan)
        recall = np.where(true > 0, hits / true, np.nan)
    f1 = f1_from_counts(hits, true, pred)
    f1_boot = f1_from_counts(boot.hits, boot.true_counts, boot.pred_counts) if boot is not None else None
    per_label = []
    for i, name in enumerate(labels):
        p_low, p_high = wilson_interval(hits[i], pred[i], ci)
        r_low, r_high = wilson_interval(hits[i], true[i], ci)
        f1_row = _bootstrapped(f"f1[{name}]", float(f1[i]), n, None if f1_boot is None else f1_boot[:, i], n_boot,
                               ci, "" if true[i] + pred[i] else in_neither.format(name=name))  # fmt: skip
        f1_row["n"] = int(true[i] + pred[i] - hits[i])  # pairs where the label is on at least one side
        per_label.append([
            _row(f"precision[{name}]", float(precision[i]), int(pred[i]), float(p_low), float(p_high), WILSON,
                 "" if pred[i] else f"the LLM never suggested {name!r}"),
            _row(f"recall[{name}]", float(recall[i]), int(true[i]), float(r_low), float(r_high), WILSON,
                 "" if true[i] else no_human.format(name=name)),
            f1_row,
        ])  # fmt: skip
    return per_label


def _ece_row(
    pairs: Pairs | SetPairs | SpanPairs, n_bins: int, n_boot: int, rng: np.random.Generator, ci: float
) -> dict[str, Any]:
    if pairs.confidence is None:
        return _row("ece", math.nan, 0, note="no confidence column")
    known = np.isfinite(pairs.confidence)
    n = int(known.sum())
    if n == 0:
        return _row("ece", math.nan, 0, note="no pair has a confidence")
    confidence = pairs.confidence[known]
    correct = pairs.correct[known]
    _, confidence_sums, correct_sums = bin_sums(confidence, correct, n_bins)
    value = float(ece(confidence_sums, correct_sums, n))
    notes = []
    if n < pairs.n:
        notes.append(f"{pairs.n - n} pair(s) without a confidence left out")
    if n < 10 * n_bins:
        notes.append(f"fewer than 10 pairs per bin on average ({n} in {n_bins} bins): ECE runs high on few pairs")
    if not n_boot:
        return _row("ece", value, n, note="; ".join(notes))
    low, high, _ = percentile_interval(bootstrap_ece(confidence, correct, n_bins, n_boot, rng), ci)
    return _row("ece", value, n, float(low), float(high), BOOTSTRAP, "; ".join(notes))


@public
@takes_frames("df")
def confusion(
    df: Frame,
    *,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    labels: Iterable[Hashable] | None = None,
) -> pd.DataFrame:
    """Confusion counts of the pairs: rows are human labels (index ``human``), columns suggestions (``suggestion``).

    Entry [a, b] counts the pairs where people said ``a`` and the LLM suggested ``b``; the same numbers as
    ``sklearn.metrics.confusion_matrix(human, suggestion, labels=labels)``. Pairs whose label or suggestion is not in
    ``labels`` are left out, as in scikit-learn.

    Multi-label answers (lists of names) have no single confusion matrix: one 2 × 2 matrix *per label* instead,
    stacked. Rows are indexed by (``label``, ``human``: "absent"/"present"), columns ``suggestion`` ("absent",
    "present"); the rows of label ``x`` are ``sklearn.metrics.multilabel_confusion_matrix``'s ``[[tn, fp], [fn,
    tp]]`` for ``x``. ``confusion(df).loc["joy"]`` is the matrix of "joy".

    Spans: spans matched by their boundaries, label against label. Rows are the human spans' labels and a last row
    ``spurious`` (suggested spans no human span shares boundaries with), columns the suggested spans' labels and a
    last column ``missed`` (human spans no suggested span shares boundaries with); entry [a, b] counts human spans
    labeled ``a`` at the same boundaries as a suggested span labeled ``b``. The diagonal sums to strict ``correct``
    (``span_scores``) when neither side has two spans at the same boundaries (``span_agreement.span_confusion``).
    """
    func = "confusion"
    cols = resolve_columns(df, func, label=label, suggestion=suggestion, decision=decision)
    kind = answer_kind(df, func, cols.label, cols.suggestion)
    return kind.confusion(df, cols, scored_labels(df, cols, check_labels(labels), kind, func), func)


def label_confusion(df: pd.DataFrame, cols: Columns, labels_used: list[Hashable], func: str) -> pd.DataFrame:
    """``confusion`` of single-label answers: the k × k matrix."""
    pairs = find_pairs(df, cols, labels_used, func)
    k = len(labels_used)
    counts = np.bincount(pairs.human * k + pairs.suggested, minlength=k * k).reshape(k, k)
    return pd.DataFrame(
        counts,
        index=pd.Index(labels_used, name="human", dtype=object),
        columns=pd.Index(labels_used, name="suggestion", dtype=object),
    )


#: How ``confusion`` names the two rows and columns of a label's 2 × 2 matrix.
PRESENCE = ["absent", "present"]


def set_confusion(df: pd.DataFrame, cols: Columns, labels_used: list[Hashable], func: str) -> pd.DataFrame:
    """``confusion`` of multi-label answers: one 2 × 2 matrix per label, stacked (see ``confusion``)."""
    pairs = find_set_pairs(df, cols, labels_used, func)
    truth, predicted = pairs.truth, pairs.predicted
    return presence_confusion(pairs.n, (truth & predicted).sum(axis=0), truth.sum(axis=0), predicted.sum(axis=0),
                              labels_used)  # fmt: skip


def presence_confusion(
    n: int, hits: np.ndarray, true_counts: np.ndarray, pred_counts: np.ndarray, labels: Sequence[Hashable]
) -> pd.DataFrame:
    """The per-label 2 × 2 matrices of ``confusion`` from n pairs and each label's hits and counts on both sides."""
    tp = np.asarray(hits, dtype=np.int64)
    fn = np.asarray(true_counts, dtype=np.int64) - tp
    fp = np.asarray(pred_counts, dtype=np.int64) - tp
    tn = n - tp - fn - fp
    counts = np.stack([np.stack([tn, fp], axis=-1), np.stack([fn, tp], axis=-1)], axis=1).reshape(-1, 2)
    return pd.DataFrame(
        counts,
        index=pd.MultiIndex.from_product([list(labels), PRESENCE], names=["label", "human"]),
        columns=pd.Index(PRESENCE, name="suggestion", dtype=object),
    )
