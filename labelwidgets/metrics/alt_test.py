"""`lw.alt_test`: can the LLM replace one of the people labeling? The alternative annotator test.

Calderon, Reichart & Dror (ACL 2025), "The Alternative Annotator Test for LLM-as-a-Judge"; the definitions below
are those of the authors' code (github.com/nitaytech/AltTest, ``alt_test_example.ipynb``), and the tests hold this
module to numbers that code produced (tests/data/alt_test_reference.json):

* Items labeled by fewer than two people, or without an LLM label, are left out.
* Leave one person j out at a time. On each item j labeled, score the LLM's label and j's label against the others'
  labels of that item (accuracy: the share of the others who gave the same label; neg_rmse: minus the root mean
  squared difference, for ratings). ``llm_wins`` is 1 where the LLM scores at least as well as j, ``j_wins`` is 1
  where j scores at least as well as the LLM (a tie counts for both).
* A one-sided one-sample t-test of the differences ``j_wins - llm_wins`` against ε: H0 says j's advantage is at
  least ε (the LLM is worse than j by more than the margin), H1 that it is less. People with fewer than
  ``MIN_ITEMS`` items are not tested (the t-test's normal approximation needs them).
* The p-values of all tested people go through the Benjamini–Yekutieli step-up procedure at ``alpha`` (it controls
  the false discovery rate under any dependence; the p-values share items, so they are dependent). The winning
  rate ω is the share of people whose null is rejected; the LLM passes when ω ≥ 0.5.
* The advantage probability ρ is the mean over the tested people of the share of their items where the LLM scores
  at least as well as they do: the chance the LLM is as good as a randomly chosen person on a random item. It
  compares LLMs (higher is better); it is not a test.

The code computes the per-item scores from label counts per item (one pass over an items × people matrix), so
ten people on a thousand items take milliseconds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import PANDAS, Given, intake, takes_frames

#: The paper's minimums: every tested person needs this many items (t-test normality, the authors' default
#: ``min_instances_per_human``); an item counts when this many people labeled it (one left out, one to compare
#: with: ``min_humans_per_instance``); the test needs this many people (the authors recommend three: with two, the
#: LLM is only compared with one other person and there is no consensus to represent).
MIN_ITEMS = 30
MIN_PEOPLE_PER_ITEM = 2
MIN_ANNOTATORS = 3
#: The LLM passes when it wins against at least this share of the people.
PASSING_RATE = 0.5
SCORINGS = ("accuracy", "neg_rmse")
FDR_METHODS = ("BY", "BH")
EPSILON_MEANS = (
    "ε is the handicap given to the people for what the LLM saves (cost, time): the LLM wins against a person when "
    "that person's advantage over it (the share of items where the person agrees better with the others minus the "
    "share where the LLM does) is significantly below ε; the authors suggest 0.2 for experts, 0.15 for skilled "
    "annotators, 0.1 for crowd workers."
)
ANNOTATOR_COLUMNS = [
    "annotator", "n_items", "llm_alignment", "annotator_alignment", "llm_advantage", "annotator_advantage",
    "t", "p_value", "rejected", "note",
]  # fmt: skip


@dataclass(frozen=True)
class AltTestResult:
    """The alt-test's verdict (``passed``, ``winning_rate`` ω, ``advantage_probability`` ρ, ``sentence``) and its
    per-person table (``annotators``: one row per person; untested people have NaN p-values and a note). The tables
    are of the kind of frame the test was given (``given``: polars for polars, whose NaN p-values are nulls)."""

    annotators: Any
    winning_rate: float
    advantage_probability: float
    passed: bool
    epsilon: float
    alpha: float
    fdr: str
    scoring: str
    n_items: int
    sentence: str
    epsilon_means: str = EPSILON_MEANS
    given: Given = field(default=PANDAS, repr=False, compare=False)

    def answering_in(self, given: Given) -> AltTestResult:
        """This result with its tables in the kind of frame ``given`` (`labelwidgets.frames.AnswersInKind`)."""
        return dataclasses.replace(self, annotators=given.back(self.annotators), given=given)

    def verdict(self) -> Any:
        """The verdict as one row (for a report or a Dashboard), of the kind of frame the test was given."""
        return self.given.back(self._verdict())

    def _verdict(self) -> pd.DataFrame:
        annotators = self.annotators if self.given.is_pandas else intake(self.annotators)[0]
        tested = int(annotators["p_value"].notna().sum())
        return pd.DataFrame([{
            "winning_rate": self.winning_rate, "advantage_probability": self.advantage_probability,
            "passed": self.passed, "epsilon": self.epsilon, "alpha": self.alpha, "fdr": self.fdr,
            "scoring": self.scoring, "annotators_tested": tested,
            "annotators_won": int(annotators["rejected"].sum()), "n_items": self.n_items,
            "sentence": self.sentence,
        }])  # fmt: skip

    def __repr__(self) -> str:
        return f"AltTestResult(ω={self.winning_rate:.2f}, ρ={self.advantage_probability:.3f}): {self.sentence}"


@public
@takes_frames("source", "llm")
def alt_test(
    source: Any,
    llm: str | Mapping[Any, Any] | pd.Series = "suggestion",
    epsilon: float = 0.2,
    alpha: float = 0.05,
    *,
    item: str | None = None,
    annotator: str | None = None,
    label: str | None = None,
    scoring: Literal["accuracy", "neg_rmse"] = "accuracy",
    fdr: Literal["BY", "BH"] = "BY",
    min_items: int = MIN_ITEMS,
    min_annotators: int = MIN_ANNOTATORS,
) -> AltTestResult:
    """Can the LLM replace a person here? The alternative annotator test (Calderon, Reichart & Dror 2025).

    >>> result = lw.alt_test(team, llm="suggestion", epsilon=0.2)
    >>> result.sentence, result.annotators

    ``source`` is a long table with one row per (item, person): ``item`` (default ``key`` if the table has it,
    else ``item``), ``annotator`` and ``label``; a Team (its ``decisions``); or a Classroom (its ``answers``: each
    student's final label). ``llm`` is a column of that table with the LLM's label of the row's item (a Team's
    ``suggestion``: what the suggester proposed), or a mapping / Series from item to the LLM's label. Items without
    an LLM label or with fewer than two people's labels are left out (the note counts them).

    ``epsilon`` ∈ [0, 1]: see ``EPSILON_MEANS``. ``alpha``: the false discovery rate across people. ``scoring``:
    ``"accuracy"`` for categories, ``"neg_rmse"`` for numeric ratings. ``fdr``: ``"BY"`` (Benjamini–Yekutieli, as
    the authors' code) or ``"BH"`` (Benjamini–Hochberg). The test refuses fewer than ``min_annotators`` (3) people
    with at least ``min_items`` (30) items each; ``min_annotators=2`` is allowed, the paper's bare minimum.
    """
    func = "alt_test"
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0 <= epsilon <= 1:
        raise InputError(f"{func}(epsilon={epsilon!r}): ε is a share between 0 and 1 (0.2 for expert annotators).")
    if not 0 < alpha < 1:
        raise InputError(f"{func}(alpha={alpha!r}): alpha is the false discovery rate, between 0 and 1 (e.g. 0.05).")
    if scoring not in SCORINGS:
        raise InputError(f"{func}(scoring={scoring!r}): one of {list(SCORINGS)}.")
    if fdr not in FDR_METHODS:
        raise InputError(f"{func}(fdr={fdr!r}): one of {list(FDR_METHODS)}.")
    if min_annotators < 2:
        raise InputError(
            f"{func}(min_annotators={min_annotators}): the test leaves one person out and compares with the others, "
            "so it needs at least 2 people."
        )
    if min_items < 2:
        raise InputError(f"{func}(min_items={min_items}): a t-test needs at least 2 items per person (the paper: 30).")
    frame, columns = _long_table(source, item, annotator, label, func)
    item_col, person_col, label_col = columns
    llm_by_item = _llm_labels(frame, llm, item_col, func)
    matrix = _Matrix(frame, item_col, person_col, label_col, llm_by_item, scoring, func)
    return _test(matrix, float(epsilon), alpha, scoring, fdr, min_items, min_annotators, func)


def _long_table(
    source: Any, item: str | None, annotator: str | None, label: str | None, func: str
) -> tuple[pd.DataFrame, tuple[str, str, str]]:
    if isinstance(source, pd.DataFrame):
        frame = source
        defaults = ("key" if "key" in frame.columns else "item", "annotator", "label")
    elif hasattr(source, "n_students") and hasattr(source, "answers"):  # a Classroom: the students' final labels
        frame, defaults = source.answers_pandas(), ("key", "student", "final")  # pandas, whichever kind it was given
    elif callable(getattr(source, "decisions_pandas", None)) and hasattr(source, "adjudicators"):
        frame, defaults = source.decisions_pandas(), ("key", "annotator", "label")  # a Team: the decisions in force
    else:
        raise InputError(
            f"{func}() takes a long table (one row per item and person), a Team or a Classroom; got "
            f"{type(source).__name__}."
        )
    columns = (item or defaults[0], annotator or defaults[1], label or defaults[2])
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{func}(): no column {missing} (item, annotator, label = {list(columns)}); the table has "
            f"{list(map(str, frame.columns))}."
        )
    return frame, columns


def _llm_labels(frame: pd.DataFrame, llm: Any, item: str, func: str) -> pd.Series:
    """The LLM's label per item (index: item), missing items dropped."""
    if isinstance(llm, str):
        if llm not in frame.columns:
            raise InputError(
                f"{func}(llm={llm!r}): no such column; name the column with the LLM's labels, or pass a mapping "
                f"from item to label. The table has {list(map(str, frame.columns))}."
            )
        given = frame[[item, llm]].dropna()
        per_item = given.drop_duplicates()
        if per_item[item].duplicated().any():
            twice = per_item[item][per_item[item].duplicated()].iloc[0]
            raise InputError(
                f"{func}(llm={llm!r}): the column holds more than one LLM label for item {twice!r}; the test needs "
                "one LLM label per item."
            )
        return pd.Series(per_item[llm].to_numpy(), index=per_item[item].to_numpy())
    if isinstance(llm, pd.Series):
        return llm.dropna()
    if isinstance(llm, Mapping):
        return pd.Series(dict(llm), dtype=object).dropna()
    raise InputError(f"{func}(llm=...): a column name, or a mapping / Series from item to label; got {type(llm)}.")


class _Matrix:
    """The people's labels as an items × people matrix of codes (or numbers), the LLM's per item, on the items that
    have an LLM label and at least ``MIN_PEOPLE_PER_ITEM`` people's labels."""

    def __init__(
        self,
        frame: pd.DataFrame,
        item: str,
        person: str,
        label: str,
        llm: pd.Series,
        scoring: str,
        func: str,
    ) -> None:
        rows = frame[[item, person, label]].dropna()
        if rows.duplicated([item, person]).any():
            first = rows[rows.duplicated([item, person])].iloc[0]
            raise InputError(
                f"{func}(): {first[person]!r} labeled item {first[item]!r} more than once; one label per person and "
                "item (a Team's decisions in force are)."
            )
        if rows[label].map(lambda cell: isinstance(cell, (list, tuple, set, dict, np.ndarray))).any():
            raise InputError(
                f"{func}(): the labels are lists (several labels or spans per item); the test compares one label "
                "per item (or a rating): run it per label, on a column saying whether each item has it."
            )
        self.people = list(pd.unique(rows[person]))
        if len(self.people) < 2:
            raise InputError(
                f"{func}(): {len(self.people)} person labeled; the test compares the LLM with people by leaving one "
                "out at a time and needs at least 2 (the paper recommends 3 or more)."
            )
        item_codes, items = pd.factorize(rows[item])
        person_codes = pd.Index(self.people).get_indexer(rows[person])
        counts = np.bincount(item_codes, minlength=len(items))
        has_llm = pd.Index(items).isin(llm.index)
        keep = (counts >= MIN_PEOPLE_PER_ITEM) & has_llm
        self.dropped_few = int((counts < MIN_PEOPLE_PER_ITEM).sum())
        self.dropped_llm = int((~has_llm & (counts >= MIN_PEOPLE_PER_ITEM)).sum())
        new_index = np.cumsum(keep) - 1
        chosen = keep[item_codes]
        item_codes, person_codes = new_index[item_codes[chosen]], person_codes[chosen]
        self.items = items[keep]
        llm_values = llm.reindex(self.items).to_numpy(dtype=object)
        values = rows[label].to_numpy(dtype=object)[chosen]
        n_items, n_people = len(self.items), len(self.people)
        self.present = np.zeros((n_items, n_people), dtype=bool)
        self.present[item_codes, person_codes] = True
        self.values: np.ndarray
        self.llm: np.ndarray
        if scoring == "accuracy":
            codes, uniques = pd.factorize(np.concatenate([values, llm_values]))
            self.n_labels = len(uniques)
            self.values = np.full((n_items, n_people), -1, dtype=np.int64)
            self.values[item_codes, person_codes] = codes[: len(values)]
            self.llm = codes[len(values) :]
        else:
            try:
                numbers = np.asarray(values, dtype=float)
                self.llm = np.asarray(llm_values, dtype=float)
            except (TypeError, ValueError):
                raise InputError(f"{func}(scoring='neg_rmse') needs numeric labels (ratings).") from None
            self.values = np.zeros((n_items, n_people))
            self.values[item_codes, person_codes] = numbers
        self.scoring = scoring


def _scores(m: _Matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item and person (where present): the person's and the LLM's alignment with the other people of the
    item, and a key whose order is the alignment's (compared exactly: integer counts, or sums of squares)."""
    others = m.present.sum(axis=1, keepdims=True) - 1  # people left when one is out
    safe = np.maximum(others, 1)
    if m.scoring == "accuracy":
        one_hot = np.zeros((*m.values.shape, m.n_labels), dtype=np.int64)
        rows, cols = np.nonzero(m.present)
        one_hot[rows, cols, m.values[rows, cols]] = 1
        per_label = one_hot.sum(axis=1)  # items × labels
        same_as_person = np.take_along_axis(per_label, np.maximum(m.values, 0), axis=1) - 1
        llm_count = per_label[np.arange(len(m.llm)), m.llm][:, None]
        llm_same = llm_count - (m.values == m.llm[:, None])  # the left-out person's own vote is not the others'
        return same_as_person / safe, llm_same / safe, np.stack([same_as_person, llm_same])
    x = np.where(m.present, m.values, 0.0)
    n = m.present.sum(axis=1, keepdims=True)
    s1, s2 = x.sum(axis=1, keepdims=True), (x**2).sum(axis=1, keepdims=True)
    # Σ over the others k of (v - x_k)² = (n-1) v² - 2 v (s1 - x_j) + (s2 - x_j²), for v the person's or the LLM's
    rest1, rest2 = s1 - x, s2 - x**2
    llm = m.llm[:, None]
    person_sq = (n - 1) * x**2 - 2 * x * rest1 + rest2
    llm_sq = (n - 1) * llm**2 - 2 * llm * rest1 + rest2
    person_sq, llm_sq = np.maximum(person_sq, 0.0), np.maximum(llm_sq, 0.0)
    return -np.sqrt(person_sq / safe), -np.sqrt(llm_sq / safe), np.stack([-person_sq, -llm_sq])


def _test(
    m: _Matrix, epsilon: float, alpha: float, scoring: str, fdr: str, min_items: int, min_annotators: int, func: str
) -> AltTestResult:
    person_score, llm_score, order = _scores(m)
    if m.scoring == "neg_rmse":  # sums of squares of floats: compare with a tolerance for rounding only
        gap = order[0] - order[1]
        person_ge = gap >= -1e-9 * (1 + np.abs(order[1]))
        llm_ge = gap <= 1e-9 * (1 + np.abs(order[1]))
    else:
        person_ge, llm_ge = order[0] >= order[1], order[1] >= order[0]
    n_items = m.present.sum(axis=0)
    rows: list[dict[str, Any]] = []
    for j, person in enumerate(m.people):
        mask = m.present[:, j]
        n = int(n_items[j])
        row: dict[str, Any] = {
            "annotator": person, "n_items": n,
            "llm_alignment": float(llm_score[mask, j].mean()) if n else math.nan,
            "annotator_alignment": float(person_score[mask, j].mean()) if n else math.nan,
            "llm_advantage": float(llm_ge[mask, j].mean()) if n else math.nan,
            "annotator_advantage": float(person_ge[mask, j].mean()) if n else math.nan,
            "t": math.nan, "p_value": math.nan, "rejected": False, "note": "",
        }  # fmt: skip
        if n < min_items:
            row["note"] = f"not tested: {n} items shared with others, fewer than {min_items}"
        else:
            differences = person_ge[mask, j].astype(float) - llm_ge[mask, j].astype(float)
            row["t"], row["p_value"] = _one_sided_t(differences, epsilon)
        rows.append(row)
    table = pd.DataFrame(rows, columns=ANNOTATOR_COLUMNS)
    tested = table["p_value"].notna() | (table["note"] == "")
    n_tested = int(tested.sum())
    if n_tested < min_annotators:
        short = "; ".join(f"{r.annotator!r}: {r.n_items}" for r in table.itertuples() if r.n_items < min_items)
        raise InputError(
            f"{func}(): {n_tested} of {len(m.people)} people have at least {min_items} items labeled with someone "
            f"else ({short or 'all have'}); the test needs {min_annotators} or more (the paper: at least 3 people "
            f"and 30 items each, 50–100 recommended). Items used: {len(m.items)}; left out: {m.dropped_few} with "
            f"fewer than 2 people, {m.dropped_llm} without an LLM label."
        )
    p_values = table.loc[tested, "p_value"].to_numpy(dtype=float)
    rejected = _step_up(p_values, alpha, fdr)
    table.loc[tested, "rejected"] = rejected
    table.loc[tested & table["rejected"], "note"] = "the LLM wins"
    table.loc[tested & ~table["rejected"], "note"] = "not rejected: no evidence the LLM is within ε of this person"
    table.loc[tested & table["p_value"].isna(), "note"] = "the differences are all equal to ε: no test"
    table["rejected"] = table["rejected"].astype(bool)
    omega = float(rejected.sum() / n_tested)
    rho = float(table.loc[tested, "llm_advantage"].mean())
    passed = omega >= PASSING_RATE
    sentence = _sentence(passed, omega, int(rejected.sum()), n_tested, rho, epsilon, alpha, fdr, len(m.items))
    return AltTestResult(table, omega, rho, passed, epsilon, alpha, fdr, scoring, len(m.items), sentence)


def _one_sided_t(differences: np.ndarray, epsilon: float) -> tuple[float, float]:
    """t and p of the one-sample t-test of H0: mean ≥ ε against H1: mean < ε (``scipy.stats.ttest_1samp(...,
    alternative='less')``, including its answer when every difference is the same: p = 0 below ε, 1 above)."""
    from scipy.special import stdtr

    n = differences.size
    mean = float(differences.mean())
    sd = float(differences.std(ddof=1))
    if sd == 0.0:
        if mean == epsilon:
            return math.nan, math.nan
        return (-math.inf, 0.0) if mean < epsilon else (math.inf, 1.0)
    t = (mean - epsilon) / (sd / math.sqrt(n))
    return t, float(stdtr(n - 1, t))


def _step_up(p_values: np.ndarray, alpha: float, fdr: str) -> np.ndarray:
    """Which nulls the Benjamini–Yekutieli (or –Hochberg) step-up procedure rejects at false discovery rate alpha:
    the k smallest p-values, for the largest k with p_(k) ≤ k/m · alpha / c(m) (c = Σ 1/i for BY, 1 for BH)."""
    m = p_values.size
    c = float(np.sum(1.0 / np.arange(1, m + 1))) if fdr == "BY" else 1.0
    order = np.argsort(p_values, kind="stable")
    below = p_values[order] <= np.arange(1, m + 1) / m * alpha / c  # NaN never is
    rejected = np.zeros(m, dtype=bool)
    if below.any():
        rejected[order[: np.flatnonzero(below)[-1] + 1]] = True
    return rejected


def _sentence(
    passed: bool, omega: float, won: int, tested: int, rho: float, epsilon: float, alpha: float, fdr: str, items: int
) -> str:
    against = f"it wins against {won} of {tested} people (ω = {omega:.2f}; it needs ≥ {PASSING_RATE:.0%})"
    how = f"on {items} items, false discovery rate {alpha:g} ({fdr}); ρ = {rho:.2f}"
    if passed:
        return f"the LLM can replace an annotator here at ε = {epsilon:g}: {against}, {how}."
    return (
        f"the LLM cannot replace an annotator here at ε = {epsilon:g}: {against} — for the others the data do not "
        f"show its disadvantage is below ε (more items or a larger ε, if the LLM's savings justify it, make the "
        f"test stronger), {how}."
    )
