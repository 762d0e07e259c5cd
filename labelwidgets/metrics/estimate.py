"""`lw.estimate`: how common a label is in all the rows, from a few people's labels and a model's labels on every row.

Three estimates of one share, side by side:

* **prediction-powered** (Angelopoulos et al., Science 2023; PPI++, Angelopoulos, Duchi & Zrnic 2023): the model's
  share over the rows people did not label, corrected by how the model erred on the rows they did. Its interval is
  valid whatever the model's quality, and narrower than the people-only one when the model is good. Equal to
  ``ppi_py.ppi_mean_ci`` with its defaults (the power-tuning weight λ estimated from the data and clipped to
  [0, 1]; ``lam=1`` is plain PPI, ``lam=0`` the classical interval).
* **people only** (classical): the share among the rows people labeled, with the normal (CLT) interval
  ``ppi_py.classical_mean_ci`` gives.
* **model only**: the model's share over every row. No interval: its error is the model's bias, which sampling does
  not describe.

Both intervals rest on one condition the numbers cannot check: the rows people labeled are a random sample of all
the rows. A Labeler knows the order each label was given in (its store records every session's order:
``order="random"`` is a random sample; "uncertain", "disagreement", "stratified" are not, and "index" is only if the
rows are in random order); a Team settles its items in the DataFrame's order; a DataFrame is assumed to be, and the
table says so.

When some labels were given in an order that is not random, the fix is a random audit sample: a Labeler with
``order="random"`` on the same store for the next n items. Its labels are recorded as such (the session's order is
in the store), and only they make the interval: the rows labeled in the other order are counted as known (a census
of those rows, not a sample), and the audit is a random sample of all the other rows, so the share of all rows is
(known spam + the audit's estimate of the rest × the rest's size) / all, with the rest's interval scaled the same.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.decision import ANSWERING
from labelwidgets.errors import InputError, public
from labelwidgets.frames import takes_frames
from labelwidgets.metrics.checks import answer_kind
from labelwidgets.suggesters.column import FromColumn

#: The fewest people's labels an interval is computed from: both intervals rest on the normal approximation.
MIN_LABELED = 10
METHODS = ("prediction-powered", "people only", "model only")
_COLUMNS = ["group", "of", "method", "estimate", "low", "high", "n", "N", "valid", "note", "sentence"]
_NOT_RANDOM = {"uncertain", "disagreement", "stratified", "custom"}
#: A Labeler's orders whose labels are not a random sample of the rows.
NOT_RANDOM_ORDERS = frozenset(_NOT_RANDOM)
#: A hidden column of the frame a Labeler with an audit sample is estimated from: True on the rows labeled in an
#: order that is not random, which count as known rather than as part of the sample.
_KNOWN = "__labelwidgets_known__"


@public
@takes_frames("source")
def estimate(
    source: Any,
    *,
    label: str = "label",
    suggestion: str | None = None,
    of: Hashable | Sequence[Hashable] | None = None,
    by: str | None = None,
    decision: str | None = "decision",
    ci: float = 0.95,
    noun: str = "rows",
) -> pd.DataFrame:
    """How common each label (``of``) is in all the rows: the prediction-powered estimate with its interval, beside
    the people-only and the model-only ones.

    >>> lw.estimate(df, label="label", suggestion="llm_label", of="spam")
    >>> lw.estimate(labeler, of="spam", noun="messages").sentence[0]
    'between 11.2% and 13.9% of the 100,000 messages are spam; from 300 people's labels alone: 8.9%–16.1%'

    ``source`` is a DataFrame (``label``: people's labels, missing where nobody labeled; ``suggestion``: the model's
    label on every row, e.g. from ``lw.suggest``), a Labeler (its DataFrame, and the column its ``FromColumn``
    suggester reads; labels given in an order that is not random make the interval not valid, unless a random audit
    sample was labeled after them on the same store: see the module's docstring), or a Team (its gold labels as
    people's, ``label="gold"``). Rows skipped or rejected (``decision``) count as not labeled. Rows without a model
    label are left out of everything (the note counts them). A cell may hold a list of labels (multi-label): ``of``
    is then the share of rows whose set has it. ``by`` gives one estimate per value of a column.

    Columns: ``group``, ``of``, ``method`` (prediction-powered, people only, model only), ``estimate``, ``low``,
    ``high`` (a ``ci`` interval; NaN for the model only), ``n`` (people's labels), ``N`` (rows the estimate is
    about), ``valid`` (False when people's labels are not a random sample of the rows), ``note`` and, on the
    prediction-powered row, ``sentence``: the estimate in one plain sentence.
    """
    func = "estimate"
    if not 0 < ci < 1:
        raise InputError(f"{func}(ci={ci!r}): ci is the confidence level, between 0 and 1 (e.g. 0.95).")
    frame, suggestion, sampled, label = _source(source, suggestion, label, func)
    for name, column in (("label", label), ("suggestion", suggestion), ("by", by)):
        if column is not None and column not in frame.columns:
            raise InputError(
                f"{func}(): no column {column!r} ({name}=); the frame has {list(map(str, frame.columns))}."
            )
    answer_kind(frame, func, label, suggestion)  # refuses lists saved as text, and columns of different kinds
    labels = _wanted(frame, label, suggestion, of)
    groups = [("all", frame)] if by is None else list(frame.groupby(by, sort=True, dropna=False))
    rows: list[dict[str, Any]] = []
    for key, group in groups:
        rows += _group_rows(key, group, label, suggestion, decision, labels, ci, sampled, noun)
    return pd.DataFrame(rows, columns=_COLUMNS).astype({"estimate": float, "low": float, "high": float})


def _source(source: Any, suggestion: str | None, label: str, func: str) -> tuple[pd.DataFrame, str, str | None, str]:
    """The frame, the model's column, why people's labels may not be a random sample (None: they are), and the
    column of people's labels."""
    session = getattr(source, "session", None)
    if session is None and callable(getattr(source, "with_gold", None)):  # a Team: its gold labels are people's
        if suggestion is None:
            raise InputError(
                f"{func}(team) needs the model's label on every row: a column of the team's DataFrame, named with "
                "suggestion='...' (lw.suggest writes one)."
            )
        why = (
            "assumed: a Team settles its items in the DataFrame's order (after its random calibration items), a "
            "random sample of the rows only if the rows are in random order"
        )
        return source.with_gold_pandas(), suggestion, why, "gold" if label == "label" else label
    if session is None:
        if not isinstance(source, pd.DataFrame):
            raise InputError(f"{func}() takes a DataFrame, a Labeler or a Team, got {type(source).__name__}.")
        if suggestion is None:
            raise InputError(
                f"{func}() needs the model's label on every row: name its column with suggestion='...' (lw.suggest "
                "writes one)."
            )
        return source, suggestion, "assumed: the rows people labeled are taken to be a random sample of the rows", label
    if suggestion is None:
        # only a FromColumn's column holds the model's labels (a Learner's label_column holds labels known before)
        suggestion = session.suggester.label_column if isinstance(session.suggester, FromColumn) else None
        if suggestion is None:
            raise InputError(
                f"{func}(labeler) needs the model's label on every row, not only on the items labeled: run "
                "lw.suggest(df, suggester, column='llm_label') and call lw.estimate(labeler, suggestion='llm_label')."
            )
    frame, sampled = _labeler_sample(session, label)
    if suggestion in frame.columns:
        answers = model_answers(session, frame[suggestion])
        if answers is not frame[suggestion]:
            frame = frame.assign(**{suggestion: answers})
    return frame, suggestion, sampled, label


def model_answers(session: Any, values: pd.Series) -> pd.Series:
    """A Labeler's column of the model's answers as the metrics read them: cells of text (JSON, as a FromColumn of
    sets of labels takes them: '["joy"]') read by the session's kind into lists; a cell the kind refuses is missing
    (no answer from the model, as the FromColumn made it an invalid suggestion). Any other column as it is."""
    kind, labels = session.kind, session.labels
    if kind.answers_are_text or not any(isinstance(v, str) for v in values.dropna().head(1000)):
        return values

    def read(cell: str) -> Any:
        try:
            return kind.value(kind.from_cell(cell, labels), labels)
        except InputError:
            return None

    parsed = {text: read(text) for text in {v for v in values.dropna() if isinstance(v, str)}}
    return pd.Series([parsed.get(v, v) if isinstance(v, str) else v for v in values], index=values.index, dtype=object)


def _labeler_sample(session: Any, label: str) -> tuple[pd.DataFrame, str | None]:
    """A Labeler's frame and whether its labels are a random sample, from the order of the session each item was
    first answered in (the store records every session's order). Rows first answered in an order that is not random
    are marked known (column ``_KNOWN``) when a random audit of at least `MIN_LABELED` rows followed."""
    orders = {info.get("session_id"): info.get("order") or "index" for info in session.store.sessions()}
    if not set(orders.values()) & _NOT_RANDOM:  # every label was given in random or index order: no event to read
        if "index" in orders.values():
            return session.df, "order='index': people's labels are a random sample only if the rows are in random order"
        return session.df, None
    events = session.store.events_frame(columns=["item_key", "action", "session_id"])
    answered = events[events["action"].isin(ANSWERING)].drop_duplicates("item_key")  # oldest first: the first answer
    rows = session.rows_of_keys(answered["item_key"].to_numpy(dtype=object))
    order_of_row = np.full(len(session.df), "", dtype=object)
    first_orders = answered["session_id"].map(orders).fillna("index").to_numpy(dtype=object)
    order_of_row[rows[rows >= 0]] = first_orders[rows >= 0]
    ordered = np.isin(order_of_row, list(_NOT_RANDOM))
    frame = session.df
    not_random = sorted(set(order_of_row[ordered]))
    if not not_random:
        if "index" in set(order_of_row):
            return frame, "order='index': people's labels are a random sample only if the rows are in random order"
        return frame, None
    said = frame[label].notna().to_numpy(dtype=bool)
    audit = int((said & ~ordered).sum())
    shown = " / ".join(f"order={order!r}" for order in not_random)
    if audit >= MIN_LABELED:
        why = (
            f"audit: the {int((said & ordered).sum()):,} rows labeled in {shown} count as known, not as a sample; the "
            f"interval is from the {audit:,} labeled in random order (a random audit sample of the other rows, if "
            "labeled after, not alongside, the ordered ones)"
        )
        return frame.assign(**{_KNOWN: ordered & said}), why
    where = (
        "the same store"
        if session.store.durable
        else "a store file (this one is in memory: label again with store='labels.db')"
    )
    why = (
        f"not a random sample: {int((said & ordered).sum()):,} of the items were labeled in {shown}, so they are "
        "not like the rest and no interval is valid. Fix: label a random audit sample — a Labeler with "
        f"order='random' on {where} for the next n items (lw.labels_needed(width=0.1) says how many; "
        f"at least {MIN_LABELED}); only those are then counted as the sample, the ordered ones as known rows"
    )
    return frame, why


def _wanted(frame: pd.DataFrame, label: str, suggestion: str, of: Any) -> list[Hashable]:
    if of is not None:
        return list(of) if isinstance(of, (list, tuple)) else [of]
    seen: set[Hashable] = set()
    for column in (label, suggestion):
        seen.update(_Answers(frame[column]).names())
    return sorted(seen, key=str)


class _Answers:
    """A column of answers, read once: one label per cell (codes over the distinct labels: fast on a million rows),
    or a list of labels per cell (multi-label)."""

    def __init__(self, values: pd.Series) -> None:
        first = values.dropna().head(1)
        self.lists = bool(len(first)) and isinstance(first.iloc[0], (list, tuple, set, frozenset, np.ndarray))
        if self.lists:
            self.cells = values.to_numpy(dtype=object)
            self.present = ~pd.isna(self.cells)
        else:
            codes, uniques = pd.factorize(values)
            self.codes, self.uniques = codes, list(uniques)
            self.present = codes >= 0

    def names(self) -> set[Hashable]:
        if not self.lists:
            return set(self.uniques)
        return {name for cell in self.cells[self.present] for name in cell}

    def has(self, name: Hashable, rows: np.ndarray) -> np.ndarray:
        """1.0 where the cell at each of ``rows`` (never missing) is ``name`` or a list holding it, else 0.0."""
        if self.lists:
            return np.fromiter((float(name in v) for v in self.cells[rows]), dtype=float, count=len(rows))
        if name not in self.uniques:
            return np.zeros(len(rows))
        return (self.codes[rows] == self.uniques.index(name)).astype(float)


def model_label_counts(values: pd.Series) -> tuple[dict[Hashable, int], int]:
    """How many cells of a model's column are each label (or, for lists of labels, hold it), and how many cells are
    not missing: what `estimate` reads of the model's answers on every row, for a Dashboard that keeps the rest as
    running counts."""
    answers = _Answers(values)
    rows = np.flatnonzero(answers.present)
    return {name: int(answers.has(name, rows).sum()) for name in answers.names()}, len(rows)


def _group_rows(
    key: Any, group: pd.DataFrame, label: str, suggestion: str, decision: str | None, labels: list[Hashable],
    ci: float, sampled: str | None, noun: str,
) -> list[dict[str, Any]]:  # fmt: skip
    said, model_said = _Answers(group[label]), _Answers(group[suggestion])
    predicted, answered = model_said.present, said.present.copy()
    if decision is not None and decision in group.columns:
        codes, actions = pd.factorize(group[decision])  # a Labeler's blank columns take no isin
        answered &= ~np.isin(codes, [i for i, action in enumerate(actions) if action in ("skipped", "rejected")])
    known = np.zeros(len(group), dtype=bool)
    if _KNOWN in group.columns:  # an audit: rows labeled in an order that is not random are a census, not a sample
        known = group[_KNOWN].to_numpy(dtype=bool) & answered
    no_model = int((~predicted & ~known).sum())
    labeled = np.flatnonzero(answered & predicted & ~known)
    unlabeled = np.flatnonzero(~answered & predicted)
    known_rows = np.flatnonzero(known)
    n = len(labeled)
    if n < MIN_LABELED:
        raise InputError(
            f"estimate(): {n} row(s) with both a person's label and the model's"
            + ("" if key == "all" else f" in group {key!r}")
            + f"; the intervals need at least {MIN_LABELED} (they rest on the normal approximation). Label more."
        )
    notes = [f"{no_model} row(s) without the model's label left out"] if no_model else []
    if sampled is not None:
        notes.append(sampled)
    valid = sampled is None or sampled.startswith(("assumed", "order='index'", "audit"))
    z = NormalDist().inv_cdf(0.5 + ci / 2)
    rows = []
    for name in labels:
        counts = ShareCounts.of(said.has(name, labeled), model_said.has(name, labeled),
                                model_said.has(name, unlabeled))  # fmt: skip
        known_model = model_said.has(name, known_rows[predicted[known_rows]])
        census = (float(said.has(name, known_rows).sum()), len(known_rows), float(known_model.sum()), len(known_model))
        rows += share_rows(key, name, counts, z, valid, notes, noun, census=census)
    return rows


@dataclass(frozen=True)
class ShareCounts:
    """All a share's estimate needs, as counts (the answers are present or absent): on the ``n`` rows people
    labeled, how many both people and the model (``both``), only people, only the model said the label; on the
    ``unlabeled`` rows, how many the model said it on (``model_unlabeled``). A Dashboard keeps these as it goes."""

    both: int
    people_only: int
    model_only: int
    n: int
    model_unlabeled: int
    unlabeled: int

    @classmethod
    def of(cls, y: np.ndarray, y_hat: np.ndarray, y_hat_unlabeled: np.ndarray) -> ShareCounts:
        """From 0/1 arrays: people's and the model's answers on the labeled rows, the model's on the others."""
        both = int((y * y_hat).sum())
        return cls(both=both, people_only=int(y.sum()) - both, model_only=int(y_hat.sum()) - both, n=len(y),
                   model_unlabeled=int(y_hat_unlabeled.sum()), unlabeled=len(y_hat_unlabeled))  # fmt: skip


def share_rows(
    key: Any, name: Hashable, counts: ShareCounts, z: float, valid: bool, notes: list[str], noun: str,
    census: tuple[float, int, float, int] = (0.0, 0, 0.0, 0),
) -> list[dict[str, Any]]:  # fmt: skip
    """The three rows of one label's share (prediction-powered, people only, model only), from counts; ``census``
    is (people's count, rows; the model's count, rows) on rows known rather than sampled (an audit's ordered rows)."""
    n = counts.n
    known_ones, known, known_model, known_predicted = census
    ppi, ppi_low, ppi_high, lam, note = _ppi_counts(counts, z)
    people = (counts.both + counts.people_only) / n
    people_half = z * math.sqrt(people * (1 - people)) / math.sqrt(n)
    model_ones = counts.both + counts.model_only + counts.model_unlabeled + known_model
    model = model_ones / (n + counts.unlabeled + known_predicted)
    sampled_from = n + counts.unlabeled
    total = sampled_from + known
    if known:  # of all rows: the known rows' share plus the sample's, each by how many rows it covers
        weight = sampled_from / total
        ppi, ppi_low, ppi_high = (known_ones / total + weight * v for v in (ppi, ppi_low, ppi_high))
        people, people_half = known_ones / total + weight * people, weight * people_half
    common = {"group": key, "of": name, "n": n, "N": total, "valid": valid}
    sentence = (
        # a share lies in [0, 1]: the sentence says the part of each interval inside it (the columns keep the ends)
        f"between {max(ppi_low, 0):.1%} and {min(ppi_high, 1):.1%} of the {total:,} {noun} are {name}; from "
        f"{n + known:,} people's "
        f"labels alone: {max(people - people_half, 0):.1%}–{min(people + people_half, 1):.1%}"
    ) + ("" if valid else " (not valid: people's labels are not a random sample)")
    ppi_note = "; ".join([f"power-tuning weight λ = {lam:.3f}" + (f" ({note})" if note else ""), *notes])
    return [
        {**common, "method": METHODS[0], "estimate": ppi, "low": ppi_low, "high": ppi_high, "note": ppi_note,
         "sentence": sentence},
        {**common, "method": METHODS[1], "estimate": people, "low": people - people_half,
         "high": people + people_half, "note": "; ".join(notes), "sentence": ""},
        {**common, "method": METHODS[2], "estimate": model, "low": math.nan, "high": math.nan,
         "note": "the model's labels alone: biased by its errors, which no interval describes", "sentence": ""},
    ]  # fmt: skip


def _ppi(
    y: np.ndarray, y_hat: np.ndarray, y_hat_unlabeled: np.ndarray, z: float
) -> tuple[float, float, float, float, str]:
    """PPI++ for a mean of 0/1 answers, as ``ppi_py.ppi_mean_ci`` computes it with its defaults: (estimate, low,
    high, λ, note)."""
    return _ppi_counts(ShareCounts.of(y, y_hat, y_hat_unlabeled), z)


def _ppi_counts(c: ShareCounts, z: float) -> tuple[float, float, float, float, str]:
    """`_ppi` from counts: every mean, variance and covariance ``ppi_mean_ci`` takes of 0/1 answers is one of the
    counts over n (population moments, as numpy's default; the model's variance over all its rows with ddof=1)."""
    n, m = c.n, c.unlabeled
    y_mean = (c.both + c.people_only) / n
    if m == 0:
        half = z * math.sqrt(y_mean * (1 - y_mean)) / math.sqrt(n)
        return y_mean, y_mean - half, y_mean + half, 0.0, "every row was labeled by people: the people's share"
    y_hat_mean = (c.both + c.model_only) / n
    unlabeled_mean = c.model_unlabeled / m
    cov = 2 * (c.both / n - y_mean * y_hat_mean)  # twice the covariance of y and ŷ on the labeled rows
    ones, rows = c.both + c.model_only + c.model_unlabeled, n + m
    variance = (ones - ones * ones / rows) / (rows - 1)  # of ŷ over every row, ddof=1
    note = ""
    if variance <= 0:
        lam, note = 0.0, "the model gives every row the same answer: nothing to learn from it"
    else:
        lam = min(max(cov / (2 * (1 + n / m) * variance), 0.0), 1.0)
    point = lam * unlabeled_mean + y_mean - lam * y_hat_mean
    # (y − λŷ) on the labeled rows takes 1 (people only), 1 − λ (both), −λ (model only) and 0
    square = (c.people_only + c.both * (1 - lam) ** 2 + c.model_only * lam * lam) / n
    residual_variance = square - (y_mean - lam * y_hat_mean) ** 2
    se = math.sqrt(lam * lam * unlabeled_mean * (1 - unlabeled_mean) / m + max(residual_variance, 0.0) / n)
    return point, point - z * se, point + z * se, lam, note
