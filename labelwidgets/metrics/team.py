"""Agreement within a labeling team: several people labeling overlapping items.

The input everywhere is the *decisions in force*: one row per (item, annotator) with the columns ``key``,
``annotator`` and ``label``; a missing label means the person skipped the item, which is not a rating.

* ``team_agreement``: a tidy table (like ``lw.agreement``) of Krippendorff's alpha, Fleiss' kappa, percent
  agreement, Cohen's kappa for every pair of people and for each person against the majority of the others, with
  intervals; per label on request.
* ``conflicts``: the items people labeled differently, for review.
* ``resolve_gold``: one label per item (unanimous, majority or adjudicated), and which items are still tied.

No metric is defined here a second time: Fleiss' kappa and Krippendorff's alpha come from statsmodels and the
``krippendorff`` package through ``metrics.annotators``, Cohen's kappa, the Wilson interval and the bootstrap over
items from ``metrics.counts``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.metrics.annotators import alpha_with_reason, fleiss_with_reason
from labelwidgets.metrics.checks import check_labels, encode, object_values, show_columns, sorted_labels
from labelwidgets.metrics.counts import (
    BOOTSTRAP,
    WILSON,
    bootstrap_cells,
    check_ci,
    check_n_boot,
    confusion_of_codes,
    kappa_estimate,
    percentile_interval,
    wilson_interval,
)

__all__ = ["conflicts", "resolve_gold", "resolve_set_gold", "set_conflicts", "set_team_agreement", "team_agreement"]

DECISION_COLUMNS = ("key", "annotator", "label")
TEAM_AGREEMENT_COLUMNS = ["metric", "annotator", "other", "label", "value", "low", "high", "n", "interval", "note"]
OTHERS_MAJORITY = "the others' majority"


# ---------------------------------------------------------------------------------------------------------------
# the decisions as arrays


@dataclass(frozen=True)
class TeamRatings:
    """The decisions in force as arrays; label codes index ``labels``, -1 where a person gave no label."""

    keys: np.ndarray  # item keys (object), in order of first appearance
    annotators: list[Hashable]  # sorted
    labels: list[Hashable]  # sorted, so that the order of labels= never moves a bootstrap interval
    ratings: np.ndarray  # annotators × items
    counts: np.ndarray  # items × labels: how many people gave each label

    @property
    def labels_per_item(self) -> np.ndarray:
        return self.counts.sum(axis=1)


def checked_decisions(decisions: Any, func: str) -> pd.DataFrame:
    """The columns ``key``, ``annotator`` and ``label`` of the decisions in force, checked: ``InputError`` saying
    what to fix."""
    if not isinstance(decisions, pd.DataFrame):
        raise InputError(
            f"{func}() needs a pandas DataFrame of decisions with the columns {list(DECISION_COLUMNS)}, got "
            f"{type(decisions).__name__}."
        )
    missing = [c for c in DECISION_COLUMNS if c not in decisions.columns]
    if missing:
        raise InputError(
            f"{func}(): decisions need the columns {list(DECISION_COLUMNS)} (one row per item and annotator); "
            f"{missing} not found among {show_columns(decisions)}. Rename yours, e.g. "
            f"decisions.rename(columns={{'item': 'key', 'user': 'annotator'}})."
        )
    frame = decisions[list(DECISION_COLUMNS)]
    without_key = frame["key"].isna() | frame["annotator"].isna()
    if without_key.any():
        raise InputError(f"{func}(): {int(without_key.sum())} decision(s) have no 'key' or no 'annotator'.")
    # a skip and a label from the same person on the same item are as ambiguous as two labels
    repeated = frame.duplicated(["key", "annotator"], keep=False)
    if repeated.any():
        examples = frame.loc[repeated, ["key", "annotator"]].drop_duplicates().head(3).to_records(index=False)
        raise InputError(
            f"{func}(): pass the decisions in force, one row per item and annotator; {int(repeated.sum())} rows "
            f"repeat a (key, annotator), e.g. {examples.tolist()}. If the rows are in the order they were made, "
            "decisions.drop_duplicates(['key', 'annotator'], keep='last') keeps each person's latest decision."
        )
    return frame


def _items_and_people(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Hashable]]:
    """(item code per row, item keys in order of first appearance, person code per row, annotators sorted)."""
    key_codes, keys = pd.factorize(frame["key"], sort=False)
    person_codes, people = pd.factorize(frame["annotator"], sort=False)
    annotators = sorted_labels(list(people))  # mixed types (1 and "1") sort without error
    person_codes = np.asarray(encode(np.asarray(people, dtype=object), annotators))[person_codes]
    return key_codes, np.asarray(keys, dtype=object), person_codes, annotators


def read_decisions(decisions: Any, func: str, labels: Iterable[Hashable] | None = None) -> TeamRatings:
    """Check the decisions in force and turn them into ``TeamRatings``; ``InputError`` saying what to fix."""
    frame = checked_decisions(decisions, func)
    key_codes, keys, person_codes, annotators = _items_and_people(frame)

    values = object_values(frame["label"])
    given = check_labels(labels)
    canonical = sorted_labels(given if given is not None else values)
    codes = encode(values, canonical)
    unknown = (codes < 0) & pd.notna(values)
    if unknown.any():
        names = sorted({str(v) for v in values[unknown]})[:10]
        raise InputError(f"{func}(): labels {names} are not in labels={given}.")

    n_items, k = len(keys), len(canonical)
    ratings = np.full((len(annotators), n_items), -1, dtype=np.int64)
    ratings[person_codes, key_codes] = codes
    rated = codes >= 0
    counts = np.bincount(key_codes[rated] * k + codes[rated], minlength=n_items * k).reshape(n_items, k)
    return TeamRatings(keys, annotators, canonical, ratings, counts)


def strict_majority(counts: np.ndarray) -> np.ndarray:
    """Per row of label counts, the code of the label more than half gave; -1 where none did (or no labels)."""
    if counts.shape[-1] == 0:
        return np.full(counts.shape[:-1], -1, dtype=np.int64)
    top = counts.argmax(axis=-1)
    has_majority = 2 * counts.max(axis=-1) > counts.sum(axis=-1)
    return np.where(has_majority, top, -1)


def modal_label_count(labels_per_item: np.ndarray) -> int:
    """The most common number of labels among items labeled twice or more (ties: the larger number); 0 if none.

    Fleiss' kappa needs the same number of ratings on every item; this is the choice ``annotator_agreement``
    makes, so both tables give the same kappa.
    """
    multi = labels_per_item[labels_per_item >= 2]
    if multi.size == 0:
        return 0
    sizes, frequency = np.unique(multi, return_counts=True)
    return int(sizes[frequency == frequency.max()].max())


def pairwise_agreement_shares(counts: np.ndarray) -> np.ndarray:
    """Per item (row of label counts, two labels or more), the share of pairs of people who gave the same label."""
    per_item = counts.sum(axis=1)
    return (counts * (counts - 1)).sum(axis=1) / (per_item * (per_item - 1))


# ---------------------------------------------------------------------------------------------------------------
# the bootstrap over items, for statistics computed by the reference libraries


def alpha_of_value_counts(value_counts: np.ndarray) -> float:
    """Nominal Krippendorff's alpha of items × labels counts (``krippendorff.alpha``); NaN for a single label."""
    import krippendorff

    if (value_counts.sum(axis=0) > 0).sum() < 2:
        return math.nan
    return float(krippendorff.alpha(value_counts=value_counts, level_of_measurement="nominal"))


def _fleiss_of_counts(counts: np.ndarray) -> float:
    return fleiss_with_reason(counts)[0]


def resampled_items(
    per_item: np.ndarray, statistic: Callable[[np.ndarray], float], n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """``statistic`` of ``n_boot`` resamples of the items (rows of ``per_item``), with replacement.

    Items with the same row are interchangeable, so the resample is drawn per distinct row (``bootstrap_cells``)
    and rebuilt by repeating rows; the statistic is the reference library's own, so the interval is the interval of
    the very number in the table.
    """
    rows, cell_counts = np.unique(per_item, axis=0, return_counts=True)

    def replicates(cells: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        chosen = rows[cells]
        return (np.array([statistic(np.repeat(chosen, draw, axis=0)) for draw in draws], dtype=float),)

    return bootstrap_cells(cell_counts, replicates, n_boot, rng)[0]


def mean_of_resampled_items(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """The mean of ``values`` (one per item) over ``n_boot`` resamples of the items."""
    distinct, cell_counts = np.unique(values, return_counts=True)

    def replicates(cells: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        return (draws @ distinct[cells] / draws.sum(axis=1),)

    return bootstrap_cells(cell_counts, replicates, n_boot, rng)[0]


def _undefined_resamples_note(replicates: np.ndarray) -> str:
    undefined = int((~np.isfinite(replicates)).sum())
    if not undefined:
        return ""
    return (
        f"{undefined} of {replicates.size} bootstrap resamples were undefined (a single label throughout) and left "
        "out of the interval"
    )


# ---------------------------------------------------------------------------------------------------------------
# team_agreement


class _Table:
    """Rows of the tidy table, each bootstrapped row with its own random stream, in the order rows are added."""

    def __init__(self, ci: float, n_boot: int, seed: int) -> None:
        self.ci, self.n_boot = ci, n_boot
        self._seeds = np.random.SeedSequence(seed)
        self.rows: list[dict[str, Any]] = []

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self._seeds.spawn(1)[0])  # the next child stream of the seed

    def add(self, metric: str, value: float, n: int, note: str = "", *, low: float = math.nan,
            high: float = math.nan, interval: str = "", annotator: Any = None, other: Any = None,
            label: Any = None) -> None:  # fmt: skip
        if not math.isfinite(value):
            low = high = math.nan
            interval = ""
        self.rows.append({
            "metric": metric, "annotator": annotator, "other": other, "label": label, "value": value, "low": low,
            "high": high, "n": n, "interval": interval, "note": note,
        })  # fmt: skip

    def add_proportion(self, metric: str, successes: int, trials: int, note: str, **where: Any) -> None:
        if not trials:
            self.add(metric, math.nan, 0, note, **where)
            return
        low, high = wilson_interval(successes, trials, self.ci)
        self.add(metric, successes / trials, trials, note, low=float(low), high=float(high), interval=WILSON,
                 **where)  # fmt: skip

    def add_bootstrapped(self, metric: str, value: float, n: int, note: str,
                         replicates: Callable[[np.random.Generator], np.ndarray], *,
                         undefined_note: Callable[[np.ndarray], str] = _undefined_resamples_note,
                         **where: Any) -> None:  # fmt: skip
        rng = self.rng()  # drawn even when unused, so that a NaN row never shifts the streams of the rows after it
        if not math.isfinite(value) or not self.n_boot:
            self.add(metric, value, n, note, **where)
            return
        drawn = replicates(rng)
        low, high, _ = percentile_interval(drawn, self.ci)
        full_note = "; ".join(x for x in (note, undefined_note(drawn)) if x)
        self.add(metric, value, n, full_note, low=float(low), high=float(high), interval=BOOTSTRAP, **where)

    def frame(self) -> pd.DataFrame:
        numeric = {"value": float, "low": float, "high": float, "n": int}
        # object columns keep None for "not about a person or label" (pandas would infer strings with NaN)
        return pd.DataFrame({
            column: pd.Series([row[column] for row in self.rows], dtype=numeric.get(column, object))
            for column in TEAM_AGREEMENT_COLUMNS
        })  # fmt: skip


def _joined(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def _check_agreement_options(ci: float, n_boot: int, by_label: Any) -> None:
    """The options `team_agreement` and `set_team_agreement` share, checked alike for either kind of answer."""
    check_ci(ci)
    check_n_boot(n_boot, least=0)
    if not isinstance(by_label, bool):
        raise InputError(f"by_label must be True or False, got {by_label!r}.")


@public
@takes_frames("decisions")
def team_agreement(
    decisions: Frame,
    labels: Iterable[Hashable] | None = None,
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    by_label: bool = False,
) -> pd.DataFrame:
    """Agreement between the people of a team, from their decisions in force: one row per metric.

    ``decisions`` has one row per (item, annotator) with the columns ``key``, ``annotator`` and ``label``; a
    missing label is a skip, not a rating. ``labels`` lists the label set (default: the labels used).

    Columns: ``metric``, ``annotator``/``other``/``label`` (set where the row is about a person, a pair or a label;
    None otherwise), ``value``, ``low``/``high`` (a ``ci`` interval), ``n`` (the items behind the value),
    ``interval`` (how it was computed) and ``note`` (why a value is NaN, or what to keep in mind). Rows:

    * ``n``: items labeled by two people or more; the note counts people and single-label items.
    * ``percent_agreement``: over items labeled twice or more, the share of pairs of people on the item who gave
      the same label, averaged over items (Fleiss' observed agreement; as ``annotator_agreement``).
    * ``fleiss_kappa``: Fleiss' kappa (statsmodels). It needs the same number of labels on every item, so it uses
      the items with the most common number of labels (ties: the larger number), as ``annotator_agreement`` does;
      the note says how many items that leaves out. ``n`` = the items used.
    * ``krippendorff_alpha``: nominal Krippendorff's alpha (the ``krippendorff`` package), any number of labels per
      item; ``n`` = items labeled twice or more.
    * ``cohen_kappa`` and ``percent_agreement`` for every pair of people (``annotator`` < ``other``), on the items
      both labeled; equal to scikit-learn's ``cohen_kappa_score``.
    * ``cohen_kappa_vs_majority`` and ``percent_agreement_vs_majority`` for each person: against the label more
      than half of the *others* gave, on the items the person labeled where at least two others labeled and they
      had such a strict majority (a single other person is a pair, not a majority).
    * with ``by_label=True``, for each label ``x`` (``label`` = x): ``krippendorff_alpha`` and ``fleiss_kappa`` of
      "x or not x" (the latter is Fleiss' per-category kappa), and ``disagreement_share``: of the items labeled
      twice or more where someone said x, the share where people disagreed. A low alpha or kappa, or a high
      ``disagreement_share``, points at a label people disagree on.

    Intervals: Wilson for proportions between people (pairwise and vs majority); a bootstrap percentile interval
    over items for kappa, alpha and the team's percent agreement, ``n_boot`` resamples drawn from ``seed``
    (``n_boot=0`` skips them: the table then takes milliseconds). The bootstrap recomputes Fleiss' kappa and
    Krippendorff's alpha with their reference libraries for every resample, so the interval is that of the number
    shown; for 10,000 decisions of 5 people that is about 0.6 ms per resample (0.6 s at the default 1000), and
    0.5 ms more per label with ``by_label``. For a live view, ``n_boot=200`` keeps the table near 0.1 s.

    Undefined values are NaN with the reason in ``note``: one person only, no overlap, a single label throughout.

    Multi-label answers (``label`` cells that are lists of names, as a ``kind="multi"`` team gives them) are scored
    by `set_team_agreement`: Krippendorff's alpha with MASI, and per label alpha and kappa. Lists of spans (a
    ``kind="spans"`` team's) by `metrics.team_spans.span_team_agreement`: pairwise strict and partial span F1.
    """
    if _spans_in(decisions):
        from labelwidgets.metrics.team_spans import span_team_agreement

        return span_team_agreement(decisions, labels, ci=ci, n_boot=n_boot, seed=seed, by_label=by_label)
    if _sets_in(decisions):
        return set_team_agreement(decisions, labels, ci=ci, n_boot=n_boot, seed=seed, by_label=by_label)
    func = "team_agreement"
    _check_agreement_options(ci, n_boot, by_label)
    given = check_labels(labels)  # once: labels may be a generator
    team = read_decisions(decisions, func, given)
    table = _Table(ci, int(n_boot), seed)

    per_item = team.labels_per_item
    multi = per_item >= 2
    _add_team_rows(table, team, multi)
    _add_pair_rows(table, team)
    _add_majority_rows(table, team)
    if by_label:
        for name in given if given is not None else team.labels:
            _add_label_rows(table, team, multi, team.labels.index(name))
    return table.frame()


def _add_count_rows(table: _Table, counts: np.ndarray, people: int) -> None:
    """The rows ``n`` and ``percent_agreement`` from items × answers counts (how many people gave each answer)."""
    per_item = counts.sum(axis=1)
    multi = per_item >= 2
    n_multi = int(multi.sum())
    single = int((per_item == 1).sum())
    people_note = f"labels from {people} annotator(s)"
    if people < 2:
        people_note = "fewer than two annotators have labeled: nothing to compare yet"
    single_note = f"{single} item(s) with a single label left out" if single else ""
    table.add("n", float(n_multi), n_multi, _joined(people_note, single_note))

    if n_multi:
        shares = pairwise_agreement_shares(counts[multi])
        table.add_bootstrapped(
            "percent_agreement", float(shares.mean()), n_multi, single_note,
            lambda rng: mean_of_resampled_items(shares, table.n_boot, rng),
        )  # fmt: skip
    else:
        table.add("percent_agreement", math.nan, 0, "no item has labels from two annotators")


def _add_team_rows(table: _Table, team: TeamRatings, multi: np.ndarray) -> None:
    per_item = team.labels_per_item
    n_multi = int(multi.sum())
    _add_count_rows(table, team.counts, int((team.ratings >= 0).any(axis=1).sum()))

    size = modal_label_count(per_item)
    if size:
        chosen = team.counts[per_item == size]
        kappa, reason = fleiss_with_reason(chosen.astype(float))
        dropped = n_multi - len(chosen)
        used = f"used the items with {size} labels; {dropped} item(s) with another count left out" if dropped else ""
        table.add_bootstrapped(
            "fleiss_kappa", kappa, len(chosen), _joined(reason, used),
            lambda rng: resampled_items(chosen, _fleiss_of_counts, table.n_boot, rng),
        )  # fmt: skip
    else:
        table.add("fleiss_kappa", math.nan, 0, "no item has labels from two annotators")

    alpha, reason = alpha_with_reason(np.where(team.ratings >= 0, team.ratings, np.nan), "nominal")
    table.add_bootstrapped(
        "krippendorff_alpha", alpha, n_multi, reason,
        lambda rng: resampled_items(team.counts[multi], alpha_of_value_counts, table.n_boot, rng),
    )  # fmt: skip


def _add_kappa_row(table: _Table, metric: str, reference_codes: np.ndarray, other_codes: np.ndarray,
                   labels: list[Hashable], reference_name: str, other_name: str, scope: str = "",
                   **where: Any) -> None:  # fmt: skip
    """Cohen's kappa of two label-code arrays with its note and bootstrap interval (``metrics.counts``)."""
    estimate = kappa_estimate(confusion_of_codes(reference_codes, other_codes, len(labels)), labels,
                              reference=reference_name, other=other_name, n_boot=table.n_boot, ci=table.ci,
                              rng=table.rng())  # fmt: skip
    table.add(metric, estimate.kappa, estimate.n, estimate.notes(scope), low=estimate.low, high=estimate.high,
              interval=estimate.interval, **where)  # fmt: skip


def _add_pair_rows(table: _Table, team: TeamRatings) -> None:
    ratings, names = team.ratings, team.annotators
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            both = (ratings[i] >= 0) & (ratings[j] >= 0)
            a, b = ratings[i, both], ratings[j, both]
            where: dict[str, Any] = {"annotator": names[i], "other": names[j]}
            if not both.any():
                table.add("cohen_kappa", math.nan, 0, "no item labeled by both", **where)
                table.add("percent_agreement", math.nan, 0, "no item labeled by both", **where)
                continue
            _add_kappa_row(table, "cohen_kappa", a, b, team.labels, repr(names[i]), repr(names[j]), **where)
            table.add_proportion("percent_agreement", int((a == b).sum()), int(a.size), "", **where)


def _add_majority_rows(table: _Table, team: TeamRatings) -> None:
    for i, name in enumerate(team.annotators):
        own = team.ratings[i]
        rated = own >= 0
        others = team.counts[rated].copy()
        others[np.arange(len(others)), own[rated]] -= 1
        majority = strict_majority(others)
        compared = (others.sum(axis=1) >= 2) & (majority >= 0)
        person, consensus = own[rated][compared], majority[compared]
        where: dict[str, Any] = {"annotator": name}
        if not compared.any():
            reason = "no item this annotator labeled has a strict majority among two or more other labels"
            table.add("cohen_kappa_vs_majority", math.nan, 0, reason, **where)
            table.add("percent_agreement_vs_majority", math.nan, 0, reason, **where)
            continue
        left_out = int(rated.sum() - compared.sum())
        scope = f"{left_out} labeled item(s) without a strict majority of two or more others left out"
        scope = scope if left_out else ""
        _add_kappa_row(table, "cohen_kappa_vs_majority", consensus, person, team.labels, OTHERS_MAJORITY,
                       repr(name), scope, **where)  # fmt: skip
        table.add_proportion("percent_agreement_vs_majority", int((person == consensus).sum()), int(person.size),
                             scope, **where)  # fmt: skip


def _add_label_rows(table: _Table, team: TeamRatings, multi: np.ndarray, code: int, name: Any = None) -> None:
    """Rows about label ``code`` of ``team`` ("this label or not"), under ``name`` (default: the label's own)."""
    name = team.labels[code] if name is None else name
    where: dict[str, Any] = {"label": name}
    per_item = team.labels_per_item
    # "this label or not": two columns of counts per item, and the same ratings as 1/0
    this_or_not = np.column_stack([per_item - team.counts[:, code], team.counts[:, code]])
    said = team.counts[multi, code] > 0
    nobody = f"nobody said {name!r} on an item labeled twice or more"

    binary = np.where(team.ratings >= 0, (team.ratings == code).astype(float), np.nan)
    alpha, reason = alpha_with_reason(binary, "nominal")
    table.add_bootstrapped(
        "krippendorff_alpha", alpha, int(multi.sum()), reason if said.any() or not reason else nobody,
        lambda rng: resampled_items(this_or_not[multi], alpha_of_value_counts, table.n_boot, rng), **where,
    )  # fmt: skip

    size = modal_label_count(per_item)
    if size:
        chosen = this_or_not[per_item == size]
        kappa, reason = fleiss_with_reason(chosen.astype(float))
        if reason and not chosen[:, 1].any():
            reason = f"nobody said {name!r} on the items with {size} labels"
        table.add_bootstrapped(
            "fleiss_kappa", kappa, len(chosen), _joined(reason, f"{name!r} vs the other labels"),
            lambda rng: resampled_items(chosen, _fleiss_of_counts, table.n_boot, rng), **where,
        )  # fmt: skip
    else:
        table.add("fleiss_kappa", math.nan, 0, "no item has labels from two annotators", **where)

    counts = team.counts[multi]
    disagreed = counts.max(axis=1) < counts.sum(axis=1)
    table.add_proportion("disagreement_share", int((said & disagreed).sum()), int(said.sum()),
                         "" if said.any() else nobody, **where)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# conflicts and gold labels


def _label_names(team: TeamRatings, codes: np.ndarray) -> list[Hashable | None]:
    return [team.labels[c] if c >= 0 else None for c in codes.tolist()]


@public
def conflicts(decisions: pd.DataFrame) -> pd.DataFrame:
    """The items labeled by two people or more who did not all give the same label, for review.

    Columns: ``key``, ``n_labels``, ``majority`` (the label more than half of them gave, None when there is no
    strict majority) and ``labels`` (a dict annotator → label, annotators in sorted order). Items in the order
    they first appear in ``decisions``. Lists of labels (multi-label answers) go to `set_conflicts`, lists of spans
    to `metrics.team_spans.span_conflicts`.
    """
    if _spans_in(decisions):
        from labelwidgets.metrics.team_spans import span_conflicts

        return span_conflicts(decisions)
    if _sets_in(decisions):
        return set_conflicts(decisions)
    team = read_decisions(decisions, "conflicts")
    per_item = team.labels_per_item
    disputed = np.flatnonzero((per_item >= 2) & (team.counts.max(axis=1, initial=0) < per_item))
    ratings = team.ratings[:, disputed]
    by_annotator = [
        {team.annotators[p]: team.labels[ratings[p, j]] for p in np.flatnonzero(ratings[:, j] >= 0)}
        for j in range(len(disputed))
    ]
    return pd.DataFrame(
        {
            "key": pd.Series(team.keys[disputed], dtype=object),
            "n_labels": per_item[disputed].astype(int),
            "majority": pd.Series(_label_names(team, strict_majority(team.counts[disputed])), dtype=object),
            "labels": pd.Series(by_annotator, dtype=object),
        }
    )


def _read_adjudications(adjudications: Any, team: TeamRatings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Item positions, labels and adjudicators (None when the column is absent) of the adjudications."""
    func = "resolve_gold"
    if not isinstance(adjudications, pd.DataFrame):
        raise InputError(f"{func}(): adjudications must be a DataFrame with the columns key, label, adjudicator.")
    missing = [c for c in ("key", "label") if c not in adjudications.columns]
    if missing:
        raise InputError(
            f"{func}(): adjudications need the columns ['key', 'label'] (and 'adjudicator'); {missing} not found "
            f"among {show_columns(adjudications)}."
        )
    keys = object_values(adjudications["key"])
    labels = object_values(adjudications["label"])
    if pd.isna(keys).any() or pd.isna(labels).any():
        raise InputError(f"{func}(): every adjudication needs a key and a label.")
    repeated = adjudications["key"].duplicated(keep=False)
    if repeated.any():
        examples = sorted({str(k) for k in keys[repeated.to_numpy()]})[:5]
        raise InputError(f"{func}(): one adjudication per item, please; {examples} are adjudicated more than once.")
    positions = pd.Index(team.keys, dtype=object).get_indexer(keys)
    if (positions < 0).any():
        examples = [k for k in keys[positions < 0][:5].tolist()]
        raise InputError(
            f"{func}(): adjudicated keys {examples} are not among the decisions' keys (same values and types, e.g. "
            "12 and '12' differ)."
        )
    if "adjudicator" in adjudications.columns:
        adjudicators = object_values(adjudications["adjudicator"])
    else:
        adjudicators = np.full(len(keys), None, dtype=object)
    return positions, labels, adjudicators


@public
def resolve_gold(
    decisions: pd.DataFrame, adjudications: pd.DataFrame | None = None, *, min_labels: int = 2
) -> pd.DataFrame:
    """One label per item from the team's decisions in force, and how it was reached.

    One row per item with at least ``min_labels`` labels, and per adjudicated item. Columns: ``key``, ``label``,
    ``how``, ``n_labels``, ``agreement`` and ``adjudicator``. ``how`` is

    * ``adjudicated``: ``adjudications`` (a DataFrame with ``key``, ``label`` and optionally ``adjudicator``, one
      row per item) gave the label; it overrides the people's labels;
    * ``unanimous``: everyone who labeled the item gave the same label;
    * ``majority``: more than half gave it;
    * ``unresolved``: no strict majority (a tie), ``label`` is None: adjudicate these;
    * ``single``: one label only (only with ``min_labels=1``).

    ``agreement`` is the share of the item's labels equal to ``label`` (for an unresolved item, the share of each
    of the tied top labels; NaN for an adjudicated item nobody labeled). Items in the order they first appear.
    Lists of labels (multi-label answers) go to `resolve_set_gold`, the gold set by per-label majority; lists of
    spans to `metrics.team_spans.resolve_span_gold`, the gold spans by per-span majority.
    """
    if _spans_in(decisions):
        from labelwidgets.metrics.team_spans import resolve_span_gold

        return resolve_span_gold(decisions, adjudications, min_labels=min_labels)
    if _sets_in(decisions):
        return resolve_set_gold(decisions, adjudications, min_labels=min_labels)
    if isinstance(min_labels, bool) or not isinstance(min_labels, (int, np.integer)) or min_labels < 1:
        raise InputError(f"min_labels must be an integer >= 1, got {min_labels!r}.")
    team = read_decisions(decisions, "resolve_gold")
    per_item = team.labels_per_item
    top = team.counts.max(axis=1, initial=0)
    majority = strict_majority(team.counts)

    label: np.ndarray = np.array(_label_names(team, majority), dtype=object)
    how = np.where(top == per_item, "unanimous", np.where(majority >= 0, "majority", "unresolved")).astype(object)
    how[per_item == 1] = "single"
    with np.errstate(divide="ignore", invalid="ignore"):
        agreement = np.where(per_item > 0, top / per_item, np.nan)
    adjudicator = np.full(len(team.keys), None, dtype=object)
    keep = per_item >= min_labels

    if adjudications is not None:
        positions, adjudicated, by_whom = _read_adjudications(adjudications, team)
        label[positions] = adjudicated
        how[positions] = "adjudicated"
        adjudicator[positions] = by_whom
        codes = encode(adjudicated, team.labels)
        agreeing = np.where(codes >= 0, team.counts[positions, np.maximum(codes, 0)], 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            agreement[positions] = np.where(per_item[positions] > 0, agreeing / per_item[positions], np.nan)
        keep[positions] = True

    rows = np.flatnonzero(keep)
    return pd.DataFrame(
        {
            "key": pd.Series(team.keys[rows], dtype=object),
            "label": pd.Series(label[rows], dtype=object),
            "how": pd.Series(how[rows], dtype=object),
            "n_labels": per_item[rows].astype(int),
            "agreement": agreement[rows].astype(float),
            "adjudicator": pd.Series(adjudicator[rows], dtype=object),
        }
    )


# ---------------------------------------------------------------------------------------------------------------
# sets of labels (multi-label answers)
#
# An answer is a set of label names, given as a list (or tuple, set); [] ("none of these") is an answer, None is
# no answer. Every number comes from ``metrics.multilabel`` (Krippendorff's alpha with MASI, per-label kappa,
# Jaccard) or from the single-label rows above applied to "this label or not".


@dataclass(frozen=True)
class TeamSets:
    """The decisions in force on sets of labels, as arrays."""

    keys: np.ndarray  # item keys (object), in order of first appearance
    annotators: list[Hashable]  # sorted
    labels: list[Hashable]  # the label set's order, or the names seen, sorted
    answered: np.ndarray  # annotators × items: gave an answer ([] included)
    chosen: np.ndarray  # annotators × items × labels: the answer holds the label

    @property
    def answers_per_item(self) -> np.ndarray:
        return self.answered.sum(axis=0)

    @property
    def votes(self) -> np.ndarray:
        """Items × labels: how many people's answers hold each label."""
        return self.chosen.sum(axis=0)

    def answer(self, person: int | np.integer[Any], item: int | np.integer[Any]) -> list[Hashable]:
        return [name for name, held in zip(self.labels, self.chosen[person, item], strict=True) if held]

    def distinct_answers(self) -> tuple[np.ndarray, list[frozenset[Hashable]]]:
        """(annotators × items codes of each answer among the distinct answers, -1 where none; those answers)."""
        flat = self.chosen.reshape(-1, len(self.labels))
        present = self.answered.reshape(-1)
        codes = np.full(flat.shape[0], -1, dtype=np.int64)
        if present.any():
            rows, inverse = np.unique(flat[present], axis=0, return_inverse=True)
            codes[present] = inverse.ravel()
        else:
            rows = np.zeros((0, len(self.labels)), dtype=bool)
        answers = [frozenset(name for name, held in zip(self.labels, row, strict=True) if held) for row in rows]
        return codes.reshape(self.answered.shape), answers

    def answer_counts(self) -> tuple[np.ndarray, list[frozenset[Hashable]]]:
        """(items × distinct answers: how many people gave each; those answers)."""
        codes, answers = self.distinct_answers()
        n_items, k = len(self.keys), len(answers)
        given = codes >= 0
        items = np.broadcast_to(np.arange(n_items), codes.shape)[given]
        counts = np.bincount(items * k + codes[given], minlength=n_items * k).reshape(n_items, k)
        return counts, answers


def _sets_in(decisions: Any) -> bool:
    """Whether the decisions' answers are sets of labels (list-like ``label`` cells) rather than single labels."""
    if not isinstance(decisions, pd.DataFrame) or "label" not in decisions.columns:
        return False  # the single-label reader says what is wrong
    return any(isinstance(v, (list, tuple, set, frozenset, np.ndarray)) for v in decisions["label"].to_numpy(object))


def _spans_in(decisions: Any) -> bool:
    """Whether the decisions' answers are lists of spans (a cell whose first element is a span: a mapping with
    "start", or ``(start, end, label)``) rather than labels or sets of labels."""
    if not isinstance(decisions, pd.DataFrame) or "label" not in decisions.columns:
        return False

    def is_span(element: Any) -> bool:
        if isinstance(element, Mapping):
            return "start" in element
        return isinstance(element, (list, tuple)) and len(element) == 3 and isinstance(element[0], (int, np.integer))

    return any(
        isinstance(v, (list, tuple, np.ndarray)) and len(v) > 0 and is_span(v[0])
        for v in decisions["label"].to_numpy(object)
    )


def read_set_decisions(decisions: Any, func: str, labels: Iterable[Hashable] | None = None) -> TeamSets:
    """Check decisions whose answers are sets of labels and turn them into ``TeamSets``."""
    from labelwidgets.metrics.multilabel import indicator
    from labelwidgets.missing import is_missing

    frame = checked_decisions(decisions, func)
    key_codes, keys, person_codes, annotators = _items_and_people(frame)
    values = frame["label"].to_numpy(dtype=object)
    present = np.fromiter((not is_missing(v) for v in values), dtype=bool, count=len(values))
    answers = values[present].tolist()
    singles = [v for v in answers if isinstance(v, (str, bytes)) or not np.iterable(v)]
    if singles:
        raise InputError(
            f"{func}(): multi-label answers are lists of label names ([] for none of these); {len(singles)} "
            f"answer(s) are not, e.g. {singles[0]!r}. Give one label per item in every row, or a list in every row."
        )
    given = check_labels(labels)
    names = given if given is not None else sorted_labels(name for answer in answers for name in answer)
    n_items = len(keys)
    chosen = np.zeros((len(annotators), n_items, len(names)), dtype=bool)
    chosen[person_codes[present], key_codes[present]] = indicator(answers, names)  # type: ignore[arg-type]
    answered = np.zeros((len(annotators), n_items), dtype=bool)
    answered[person_codes[present], key_codes[present]] = True
    return TeamSets(keys, annotators, list(names), answered, chosen)


def set_majority(votes: np.ndarray, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item and label: (in the gold set: more than half of the item's answers hold it, tied: exactly half).

    ``votes`` is items × labels (answers holding each label), ``answers`` the answers per item. The one rule of a
    team's gold set and of the set an adjudicator sees pre-selected.
    """
    answered = np.asarray(answers)[:, None]
    return np.asarray(2 * votes > answered), np.asarray((2 * votes == answered) & (answered > 0))


def _masi_distances(answers: list[frozenset[Hashable]]) -> np.ndarray:
    """The MASI distance (``metrics.multilabel.masi_distance``) between every two of ``answers``."""
    from labelwidgets.metrics.multilabel import masi_distance

    n = len(answers)
    distances = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            distances[i, j] = distances[j, i] = masi_distance(answers[i], answers[j])
    return distances


def alpha_masi_of_counts(counts: np.ndarray, distances: np.ndarray) -> float:
    """Krippendorff's alpha with MASI of items × distinct answers counts, by the ``krippendorff`` package with the
    MASI distances between those answers (``_masi_distances``); NaN when fewer than two answers are used. The
    number `krippendorff_alpha_masi` gives for the same answers, at a fraction of its cost: what a bootstrap
    recomputes for every resample."""
    import krippendorff

    if (counts.sum(axis=0) > 0).sum() < 2:
        return math.nan

    def masi(v1: Any, v2: Any, i1: np.ndarray, i2: np.ndarray, n_v: Any, dtype: Any = np.float64) -> np.ndarray:
        return distances[i1, i2].astype(dtype)

    return float(krippendorff.alpha(value_counts=counts, level_of_measurement=masi))


def _alpha_masi_note(counts: np.ndarray, value: float) -> str:
    if math.isfinite(value):
        return ""
    if not (counts.sum(axis=1) >= 2).any():
        return "no item has answers from two annotators"
    return "every answer on the items answered twice or more is the same: alpha is 0/0"


def _long_answers(team: TeamSets) -> pd.DataFrame:
    """Every answer as a row (item, annotator, label: a list of names), as ``krippendorff_alpha_masi`` reads them."""
    people, items = np.nonzero(team.answered)
    answers = np.empty(people.size, dtype=object)
    answers[:] = [team.answer(p, i) for p, i in zip(people, items, strict=True)]
    return pd.DataFrame({"item": items, "annotator": people, "label": answers})


def _binary_ratings(team: TeamSets, code: int) -> TeamRatings:
    """Label ``code`` of ``team`` as a two-label task: "absent" (0) or "present" (1) in each answer."""
    present = team.chosen[:, :, code]
    ratings = np.where(team.answered, present.astype(np.int64), -1)
    votes = team.votes[:, code]
    counts = np.column_stack([team.answers_per_item - votes, votes])
    return TeamRatings(team.keys, team.annotators, ["absent", "present"], ratings, counts)


@public
def set_team_agreement(
    decisions: pd.DataFrame,
    labels: Iterable[Hashable] | None = None,
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    by_label: bool = False,
) -> pd.DataFrame:
    """`team_agreement` for multi-label answers: each ``label`` cell a list of label names ([] for none of these,
    None for no answer). The same columns; rows:

    * ``n`` and ``percent_agreement`` (pairs of people on an item who gave the very same set), as `team_agreement`;
    * ``krippendorff_alpha_masi``: Krippendorff's alpha with the MASI distance over every item answered twice or
      more (``metrics.multilabel.krippendorff_alpha_masi``, equal to NLTK's ``AnnotationTask``), with a bootstrap
      interval over items;
    * for every pair of people (``annotator`` < ``other``): ``mean_jaccard`` (``jaccard_samples`` of their answers
      on the items both answered) and ``percent_agreement`` (identical sets, Wilson interval);
    * with ``by_label=True``, for each label ``x``: ``krippendorff_alpha``, ``fleiss_kappa`` and
      ``disagreement_share`` of "x or not x", as `team_agreement` gives them per label; and for every pair
      ``cohen_kappa`` of "x or not x" (``metrics.multilabel.per_label``, equal to scikit-learn's
      ``cohen_kappa_score`` on the label's column), with its bootstrap interval.
    """
    from labelwidgets.metrics.multilabel import jaccard_samples, krippendorff_alpha_masi, per_label

    func = "set_team_agreement"
    _check_agreement_options(ci, n_boot, by_label)
    team = read_set_decisions(decisions, func, labels)
    table = _Table(ci, int(n_boot), seed)
    counts, answers = team.answer_counts()
    multi = team.answers_per_item >= 2
    _add_count_rows(table, counts, int(team.answered.any(axis=1).sum()))
    alpha = krippendorff_alpha_masi(_long_answers(team))
    distances = _masi_distances(answers)
    table.add_bootstrapped(
        "krippendorff_alpha_masi", alpha, int(multi.sum()), _alpha_masi_note(counts[multi], alpha),
        lambda rng: resampled_items(counts[multi], lambda rows: alpha_masi_of_counts(rows, distances), table.n_boot,
                                    rng),
    )  # fmt: skip

    pairs = [(i, j) for i in range(len(team.annotators)) for j in range(i + 1, len(team.annotators))]
    for i, j in pairs:
        both = np.flatnonzero(team.answered[i] & team.answered[j])
        where: dict[str, Any] = {"annotator": team.annotators[i], "other": team.annotators[j]}
        if not both.size:
            table.add("mean_jaccard", math.nan, 0, "no item answered by both", **where)
            table.add("percent_agreement", math.nan, 0, "no item answered by both", **where)
            continue
        first = [team.answer(i, item) for item in both]
        second = [team.answer(j, item) for item in both]
        table.add("mean_jaccard", jaccard_samples(first, second, team.labels), int(both.size), **where)  # type: ignore[arg-type]
        same = int((team.chosen[i, both] == team.chosen[j, both]).all(axis=1).sum())
        table.add_proportion("percent_agreement", same, int(both.size), "identical sets", **where)
    if by_label:
        for code, name in enumerate(team.labels):
            _add_label_rows(table, _binary_ratings(team, code), multi, 1, name)
        for i, j in pairs:
            both = np.flatnonzero(team.answered[i] & team.answered[j])
            if not both.size:
                continue
            scores = per_label(
                [team.answer(i, item) for item in both], [team.answer(j, item) for item in both], team.labels,  # type: ignore[arg-type]
                n_boot=table.n_boot, seed=int(table.rng().integers(2**32)), ci=ci,
            )  # fmt: skip
            for name, row in scores.iterrows():
                table.add("cohen_kappa", float(row["cohen_kappa"]), int(row["n"]), str(row["note"]),
                          low=float(row["kappa_low"]), high=float(row["kappa_high"]),
                          interval=BOOTSTRAP if table.n_boot else "", annotator=team.annotators[i],
                          other=team.annotators[j], label=name)  # fmt: skip
    return table.frame()


def _unless_tied(names: list[list[Hashable]], tied: np.ndarray) -> list[list[Hashable] | None]:
    """Each item's gold set, or None where a label tied."""
    return [None if t else n for n, t in zip(names, (tied.sum(axis=1) > 0).tolist(), strict=True)]


def _set_names(team: TeamSets, rows: np.ndarray) -> list[list[Hashable]]:
    """Rows of items × labels booleans as lists of names, in the order of ``team.labels``."""
    return [[name for name, held in zip(team.labels, row, strict=True) if held] for row in rows]


@public
def set_conflicts(decisions: pd.DataFrame, labels: Iterable[Hashable] | None = None) -> pd.DataFrame:
    """`conflicts` for multi-label answers: the items answered by two people or more whose sets differ.

    Columns: ``key``, ``n_labels`` (answers), ``majority`` (the labels more than half of the answers hold, as a
    list; None when a label is held by exactly half, a tie) and ``labels`` (a dict annotator → their list).
    """
    team = read_set_decisions(decisions, "set_conflicts", labels)
    per_item, votes = team.answers_per_item, team.votes
    disputed = np.flatnonzero((per_item >= 2) & ((votes > 0) & (votes < per_item[:, None])).any(axis=1))
    in_gold, tied = set_majority(votes[disputed], per_item[disputed])
    majority = _set_names(team, in_gold)
    by_annotator = [
        {team.annotators[p]: team.answer(p, item) for p in np.flatnonzero(team.answered[:, item])} for item in disputed
    ]
    return pd.DataFrame(
        {
            "key": pd.Series(team.keys[disputed], dtype=object),
            "n_labels": per_item[disputed].astype(int),
            "majority": pd.Series(_unless_tied(majority, tied), dtype=object),
            "labels": pd.Series(by_annotator, dtype=object),
        }
    )


@public
def resolve_set_gold(
    decisions: pd.DataFrame,
    adjudications: pd.DataFrame | None = None,
    *,
    labels: Iterable[Hashable] | None = None,
    min_labels: int = 2,
) -> pd.DataFrame:
    """`resolve_gold` for multi-label answers: one set of labels per item, by per-label majority.

    A label is in the gold set when more than half of the people who answered the item chose it. Columns:
    ``key``, ``label`` (the gold set as a list in label order; None when unresolved), ``how``, ``n_labels``,
    ``agreement`` (the share of the item's answers equal to the gold set), ``tied`` (the labels exactly half
    chose, which leave the item unresolved) and ``adjudicator``. ``how`` is ``adjudicated`` (``adjudications``,
    a DataFrame with ``key``, ``label`` as a list and optionally ``adjudicator``, overrides the answers),
    ``unanimous`` (everyone gave the same set), ``majority`` (no label tied), ``unresolved`` (some label tied:
    adjudicate these) or ``single`` (one answer, only with ``min_labels=1``).
    """
    func = "resolve_set_gold"
    if isinstance(min_labels, bool) or not isinstance(min_labels, (int, np.integer)) or min_labels < 1:
        raise InputError(f"min_labels must be an integer >= 1, got {min_labels!r}.")
    team = read_set_decisions(decisions, func, labels)
    per_item, votes = team.answers_per_item, team.votes
    in_gold, tied = set_majority(votes, per_item)
    unresolved: np.ndarray = tied.sum(axis=1) > 0
    identical = ((votes == 0) | (votes == per_item[:, None])).all(axis=1)
    how = np.where(identical, "unanimous", np.where(unresolved, "unresolved", "majority")).astype(object)
    how[per_item == 1] = "single"
    gold = in_gold.copy()
    label = _unless_tied(_set_names(team, in_gold), tied)
    adjudicator = np.full(len(team.keys), None, dtype=object)
    keep = per_item >= min_labels
    if adjudications is not None:
        positions, adjudicated, by_whom = _read_set_adjudications(adjudications, team, func)
        gold[positions] = adjudicated
        for position, names in zip(positions, _set_names(team, adjudicated), strict=True):
            label[position] = names
        how[positions] = "adjudicated"
        adjudicator[positions] = by_whom
        keep[positions] = True
        unresolved[positions] = False
    equal = (team.answered & (team.chosen == gold[None]).all(axis=2)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        agreement = np.where((per_item > 0) & ~unresolved, equal / per_item, np.nan)
    rows = np.flatnonzero(keep)
    return pd.DataFrame(
        {
            "key": pd.Series(team.keys[rows], dtype=object),
            "label": pd.Series([label[r] for r in rows], dtype=object),
            "how": pd.Series(how[rows], dtype=object),
            "n_labels": per_item[rows].astype(int),
            "agreement": agreement[rows].astype(float),
            "tied": pd.Series(_set_names(team, tied[rows] & ~(how[rows] == "adjudicated")[:, None]), dtype=object),
            "adjudicator": pd.Series(adjudicator[rows], dtype=object),
        }
    )


def _read_set_adjudications(adjudications: Any, team: TeamSets, func: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Item positions, gold sets (rows × labels) and adjudicators of adjudications whose labels are lists."""
    from labelwidgets.metrics.multilabel import indicator

    if not isinstance(adjudications, pd.DataFrame) or any(c not in adjudications.columns for c in ("key", "label")):
        raise InputError(
            f"{func}(): adjudications must be a DataFrame with the columns key, label (a list of labels per item) "
            "and optionally adjudicator."
        )
    keys = object_values(adjudications["key"])
    answers = adjudications["label"].tolist()
    if pd.isna(keys).any() or any(answer is None for answer in answers):
        raise InputError(f"{func}(): every adjudication needs a key and a set of labels ([] for none of these).")
    if adjudications["key"].duplicated().any():
        raise InputError(f"{func}(): one adjudication per item, please.")
    positions = pd.Index(team.keys, dtype=object).get_indexer(keys)
    if (positions < 0).any():
        raise InputError(
            f"{func}(): adjudicated keys {keys[positions < 0][:5].tolist()} are not among the decisions' keys."
        )
    by_whom = (
        object_values(adjudications["adjudicator"])
        if "adjudicator" in adjudications.columns
        else np.full(len(keys), None, dtype=object)
    )
    return positions, indicator(answers, team.labels), by_whom  # type: ignore[arg-type]
