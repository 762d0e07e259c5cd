"""Statistics of pairwise judgments (issue #22): which of two outputs is better, by people and by an LLM judge.

The input everywhere is a table of *judgments*, one row per verdict:

* ``system_a``, ``system_b``: the two systems (prompts, models, output columns) compared. Their order in a row does
  not matter: every statistic reads a pair in the sorted order of the two names (as MT-Bench does), so the same pair
  named either way is one pair.
* ``winner``: the name of the better system, or ``"tie"``, or ``"both_bad"`` (a tie where neither output is good;
  Chatbot Arena's "tie (bothbad)"), or ``"inconsistent"`` (a judge asked in both orders whose verdict flipped: MT-Bench
  counts it as a tie). A missing winner is a pair not judged yet: left out, and the notes say how many.
* optional: ``left`` (the system shown on the left: measures position bias), ``annotator`` (who judged: a person or a
  judge such as ``"gpt-4o-mini"``), ``item`` (what was judged: a prompt, a row of the frame). A judge asked in both
  orders gives two rows for the item, one per ``left``; or one row with the verdict of the swapped order in a
  column named by ``swapped=``.

**Ties** (``tie``, ``both_bad`` and ``inconsistent`` alike) are left out by default (``ties="drop"``): a tie says
neither output is better, so a win rate is the share of wins among the judgments that chose (its exact binomial
interval is then scipy's ``binomtest`` on whole counts, and a Bradley–Terry fit is choix's own on the decisive
comparisons), and every table shows the ties beside it, so a pair that mostly ties is visible. ``ties="half"``
counts a tie as half a win for each side (Chatbot Arena, AlpacaEval): a win rate over all judgments, a tie as a half
comparison each way in Bradley–Terry.

**Three outcomes** for agreement are "a", "b" and "tie": the first system of the pair (sorted order) wins, the second
wins, or neither (tie, both bad, inconsistent). A rater's *verdict* on an item is their winner if all their rows on
that item and pair agree, else a tie (MT-Bench's rule for a judge whose verdict flips with the order).

Functions (each number defined once, here):

* `win_rates`, `win_matrix`: per system, and per pair of systems.
* `bradley_terry`: strengths with bootstrap intervals, equal to ``choix.opt_pairwise`` (``choix.ilsr_pairwise`` for
  ``alpha=0``) on the same comparisons.
* `judge_agreement`: judge vs people and people vs people, with and without ties (MT-Bench), Cohen's kappa.
* `position_bias`: per rater, the left-win rate with a binomial test against 0.5, and for items judged in both
  orders the position consistency and the shares of verdicts that followed a side.
* `people_agreement`, `pairwise_conflicts`: agreement between people on the three outcomes (``team_agreement``:
  Krippendorff's alpha, kappa per pair of people) and the items where people differ.
* `leaderboards`: the people's ranking beside the judge's, with Kendall's tau and Spearman's rho.
* `judgments_needed`: the decisive judgments per pair of systems that detect a given preference with given power.

Pure functions, DataFrames in and out; scipy is imported on first use.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.kinds.pair import BOTH_BAD, TIE
from labelwidgets.metrics.checks import encode, object_values, optional_column, require_columns, require_frame
from labelwidgets.metrics.checks import sorted_labels as sorted_names
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

# TIE and BOTH_BAD (a tie where neither output is good enough; a tie for every statistic here) are the verdicts of
# the pair kind, defined there once.
#: A judge asked in both orders whose verdict flipped: a tie, as MT-Bench counts it.
INCONSISTENT = "inconsistent"
NOT_A_WIN = (TIE, BOTH_BAD, INCONSISTENT)
#: The three outcomes agreement is computed on: the pair's first system (sorted order) wins, the second, or neither.
OUTCOMES = ("a", "b", "tie")
A_WINS, B_WINS, TIED = 0, 1, 2

Ties = Literal["drop", "half"]
_TIES = ("drop", "half")
#: How the interval of a win rate and of a left-win rate is computed.
EXACT = "exact binomial (Clopper-Pearson)"
#: The default Bradley–Terry penalty alpha·Σ strength² (choix's ``alpha``): a weak prior that keeps the strength of a
#: system that never lost (or never lost in a bootstrap resample) finite; with tens of judgments per pair it moves
#: the strengths by well under 1%.
DEFAULT_ALPHA = 0.01

_TIDY = ["metric", "value", "low", "high", "n", "interval", "note"]
_MAX_SHOWN = 5


# ---------------------------------------------------------------------------------------------------------------
# reading the table of judgments


@dataclass(frozen=True)
class Judgments:
    """The judgments of a table as codes. Every array has one entry per judgment (a ``swapped`` verdict is one more
    judgment); ``first`` < ``second`` index ``systems`` (sorted), so a pair has one orientation everywhere."""

    systems: list[Hashable]
    first: np.ndarray
    second: np.ndarray
    outcome: np.ndarray  # A_WINS, B_WINS or TIED
    both_bad: np.ndarray  # bool: the tie was "both_bad"
    left: np.ndarray  # 0: first system shown on the left, 1: second, -1: not known
    rater: np.ndarray  # codes into raters; 0 for all without an annotator column
    raters: list[Hashable]
    item: np.ndarray  # codes into items; one item per row without an item column
    items: list[Hashable]
    notes: tuple[str, ...]  # what was left out, e.g. "3 row(s) without a winner (not judged yet) left out"

    @property
    def n(self) -> int:
        return len(self.outcome)

    @property
    def n_systems(self) -> int:
        return len(self.systems)


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    rows = index[mask].tolist()
    more = f" and {len(rows) - _MAX_SHOWN} more" if len(rows) > _MAX_SHOWN else ""
    return f"{rows[:_MAX_SHOWN]}{more}"


def read_judgments(
    df: Any, func: str, *, system_a: str = "system_a", system_b: str = "system_b", winner: str = "winner",
    left: str | None = "left", annotator: str | None = "annotator", item: str | None = "item",
    swapped: str | None = None, need: tuple[str, ...] = (),
) -> Judgments:  # fmt: skip
    """Check a table of judgments and encode it; ``InputError`` naming the rows and what to do.

    ``left``, ``annotator`` and ``item`` may be absent under their default names (then unknown, one rater, one item
    per row); ``need`` lists those a function cannot do without (``"left"``, ``"annotator"``, ``"item"``).
    """
    frame = require_frame(df, func)
    require_columns(frame, func, system_a=system_a, system_b=system_b, winner=winner)
    optional = {
        "left": optional_column(frame, func, "left", left, "left"),
        "annotator": optional_column(frame, func, "annotator", annotator, "annotator"),
        "item": optional_column(frame, func, "item", item, "item"),
    }
    given = {"left": left, "annotator": annotator, "item": item}
    for arg in need:
        if optional[arg] is None:
            raise InputError(
                f"{func}() needs the column {arg}={given[arg]!r}, which the table does not have ({_NEEDS[arg]}). "
                f"The table has the columns {list(map(str, frame.columns))}; name yours with {arg}='...'."
            )
    if swapped is not None:
        require_columns(frame, func, swapped=swapped)
    if frame.empty:
        raise InputError(f"{func}(): the table of judgments is empty. Judge some pairs first, then call {func}() "
                         "again.")  # fmt: skip

    a, b, won = (object_values(frame[c]) for c in (system_a, system_b, winner))
    index = frame.index
    unnamed = pd.isna(a) | pd.isna(b)
    if unnamed.any():
        raise InputError(
            f"{func}(): rows {_rows(index, unnamed)} have no {system_a!r} or no {system_b!r}: every judgment compares "
            "two named systems. Fill them in or drop those rows."
        )
    same = a == b
    if same.any():
        raise InputError(
            f"{func}(): rows {_rows(index, same)} compare a system with itself (e.g. {a[same][0]!r} vs itself). A "
            f"judgment compares two different systems: fix {system_b!r} or drop those rows."
        )
    reserved = np.isin(a, NOT_A_WIN) | np.isin(b, NOT_A_WIN)
    if reserved.any():
        raise InputError(
            f"{func}(): rows {_rows(index, reserved)} name a system {list(NOT_A_WIN)}, words that mean a verdict "
            "other than a win here. Rename that system (e.g. 'tie_prompt')."
        )
    judged = ~pd.isna(won)
    if swapped is not None:
        won_swapped = object_values(frame[swapped])
        judged_swapped = ~pd.isna(won_swapped)
    notes = []
    if not judged.all():
        notes.append(f"{int((~judged).sum())} row(s) without a winner (not judged yet) left out")
    valid = (won == a) | (won == b) | np.isin(won, NOT_A_WIN)
    _refuse_winners(func, winner, index, a, b, won, judged & ~valid)
    if swapped is not None:
        valid_swapped = (won_swapped == a) | (won_swapped == b) | np.isin(won_swapped, NOT_A_WIN)
        _refuse_winners(func, swapped, index, a, b, won_swapped, judged_swapped & ~valid_swapped)

    shown_left = object_values(frame[optional["left"]]) if optional["left"] else np.full(len(a), None, dtype=object)
    known_left = ~pd.isna(shown_left)
    stray_left = known_left & (shown_left != a) & (shown_left != b)
    if stray_left.any():
        example = int(np.flatnonzero(stray_left)[0])
        raise InputError(
            f"{func}(): rows {_rows(index, stray_left)} have a {optional['left']!r} that is neither of the row's two "
            f"systems (e.g. {shown_left[example]!r} for {a[example]!r} vs {b[example]!r}). {optional['left']!r} names "
            "the system shown on the left; leave it empty where unknown."
        )

    # a swapped verdict is one more judgment, with the sides exchanged
    rows = np.flatnonzero(judged)
    verdicts = won[judged]
    lefts = shown_left[judged]
    if swapped is not None:
        more = np.flatnonzero(judged_swapped)
        rows = np.concatenate([rows, more])
        verdicts = np.concatenate([verdicts, won_swapped[more]])
        other = np.where(shown_left[more] == a[more], b[more], a[more])
        lefts = np.concatenate([lefts, np.where(known_left[more], other, np.full(more.size, None, dtype=object))])
    if rows.size == 0:
        raise InputError(f"{func}(): no row of the table has a winner yet ({len(a)} row(s) without one). Judge some "
                         "pairs first.")  # fmt: skip

    systems = sorted_names([*a[rows], *b[rows]])  # the systems judged so far
    code_a, code_b = encode(a[rows], systems), encode(b[rows], systems)
    first, second = np.minimum(code_a, code_b), np.maximum(code_a, code_b)
    winner_code = encode(verdicts, systems)
    outcome = np.where(winner_code == first, A_WINS, np.where(winner_code == second, B_WINS, TIED))
    left_code = encode(lefts, systems)
    side = np.where(left_code == first, 0, np.where(left_code == second, 1, -1))

    raters: list[Hashable] = ["all"]
    rater = np.zeros(rows.size, dtype=np.int64)
    if optional["annotator"]:
        who = object_values(frame[optional["annotator"]])
        if pd.isna(who[rows]).any():
            raise InputError(f"{func}(): rows {_rows(index, pd.isna(who))} have no {optional['annotator']!r}: say "
                             "who judged every row.")  # fmt: skip
        raters = sorted_names(who[rows])
        rater = encode(who[rows], raters)
    if optional["item"]:
        what = object_values(frame[optional["item"]])
        if pd.isna(what[rows]).any():
            raise InputError(f"{func}(): rows {_rows(index, pd.isna(what))} have no {optional['item']!r}: say which "
                             "item every row judged.")  # fmt: skip
        item_codes, uniques = pd.factorize(pd.Series(what[rows], dtype=object), sort=False)
        items: list[Hashable] = list(uniques)
    else:
        unique_rows, item_codes = np.unique(rows, return_inverse=True)  # a swapped verdict shares its row's item
        items = list(index[unique_rows])
    return Judgments(systems, first, second, outcome.astype(np.int64), verdicts == BOTH_BAD, side.astype(np.int64),
                     rater, raters, np.asarray(item_codes, dtype=np.int64), items, tuple(notes))  # fmt: skip


_NEEDS = {
    "left": "the system shown on the left, for position bias",
    "annotator": "who judged each row",
    "item": "which item each row judged, to match verdicts on the same item",
}


def _refuse_winners(func: str, column: str, index: pd.Index, a: np.ndarray, b: np.ndarray, won: np.ndarray,
                    bad: np.ndarray) -> None:  # fmt: skip
    if not bad.any():
        return
    example = int(np.flatnonzero(bad)[0])
    sides = {"left", "right", "a", "b", "A", "B", "1", "2"}
    hint = (
        " Name the winning system itself, not the side it was shown on: map a side to a system through the "
        "'left' column."
        if {str(v) for v in won[bad]} & sides
        else ""
    )
    raise InputError(
        f"{func}(): rows {_rows(index, bad)} have a {column!r} that is neither of the row's two systems nor one of "
        f"{list(NOT_A_WIN)} (e.g. {won[example]!r} for {a[example]!r} vs {b[example]!r}).{hint} Correct those "
        "verdicts or drop the rows."
    )


#: What win rates and strengths read: the verdicts alone, whoever gave them on whatever side.
_ONLY_VERDICTS: dict[str, Any] = {"left": None, "annotator": None, "item": None}


def _check_ties(ties: Any) -> None:
    if ties not in _TIES:
        raise InputError(
            f"ties must be 'drop' (leave ties out: the default) or 'half' (a tie is half a win for each side), got "
            f"{ties!r}."
        )


def _joined(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


# ---------------------------------------------------------------------------------------------------------------
# win rates


def exact_interval(successes: Any, trials: Any, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper–Pearson interval for k successes in n trials, elementwise, from the Beta quantiles.

    Equal to scipy's ``binomtest(k, n).proportion_ci(method="exact")`` for whole k; a half count (a tie counted as
    half a win) gets the same formula at its fractional k, which is conservative, as a tie varies less than a win
    or a loss. NaN where n is 0; exactly 0 and 1 at k = 0 and k = n.
    """
    from scipy.stats import beta

    check_ci(ci)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    tail = (1 - ci) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(k > 0, beta.ppf(tail, np.maximum(k, 1e-300), n - k + 1), 0.0)
        high = np.where(k < n, beta.ppf(1 - tail, k + 1, np.maximum(n - k, 1e-300)), 1.0)
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def _wins_and_ties(j: Judgments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(wins[i, j]: judgments i won against j; ties[i, j], symmetric; both_bad[i, j], symmetric)."""
    k = j.n_systems
    winners = np.where(j.outcome == A_WINS, j.first, j.second)
    losers = np.where(j.outcome == A_WINS, j.second, j.first)
    decisive = j.outcome != TIED
    wins = np.zeros((k, k), dtype=np.int64)
    np.add.at(wins, (winners[decisive], losers[decisive]), 1)
    ties = np.zeros((k, k), dtype=np.int64)
    np.add.at(ties, (j.first[~decisive], j.second[~decisive]), 1)
    both_bad = np.zeros((k, k), dtype=np.int64)
    np.add.at(both_bad, (j.first[j.both_bad], j.second[j.both_bad]), 1)
    return wins, ties + ties.T, both_bad + both_bad.T


def _scored(wins: np.ndarray, losses: np.ndarray, ties: np.ndarray, ties_policy: Ties) -> tuple[np.ndarray, ...]:
    """(successes, trials) under the tie policy."""
    if ties_policy == "half":
        return wins + ties / 2, wins + losses + ties
    return wins.astype(float), (wins + losses).astype(float)


_WIN_RATE_COLUMNS = ["system", "win_rate", "low", "high", "wins", "losses", "ties", "both_bad", "n", "interval",
                     "note"]  # fmt: skip


@public
@takes_frames("df")
def win_rates(
    df: Frame, *, system_a: str = "system_a", system_b: str = "system_b", winner: str = "winner",
    ties: Ties = "drop", ci: float = 0.95,
) -> pd.DataFrame:  # fmt: skip
    """Per system, its win rate over all its judgments (every opponent pooled), with an exact binomial interval.

    Columns: ``system``, ``win_rate``, ``low``/``high`` (a ``ci`` Clopper–Pearson interval: scipy's
    ``binomtest(wins, wins + losses).proportion_ci(method="exact")``), ``wins``, ``losses``, ``ties`` (tie, both bad
    and inconsistent verdicts), ``both_bad`` (of which both bad), ``n`` (the judgments the rate rests on),
    ``interval`` and ``note``. Sorted by win rate, best first.

    ``ties="drop"`` (the default): win rate = wins / (wins + losses), the share of wins among the judgments that
    chose; ``n`` = wins + losses. ``ties="half"``: (wins + ties / 2) / all its judgments; its interval is the
    Clopper–Pearson formula at that count (conservative; `exact_interval`). A system never judged decisively has a
    NaN rate, and the note says so.
    """
    _check_ties(ties)
    check_ci(ci)
    j = read_judgments(df, "win_rates", system_a=system_a, system_b=system_b, winner=winner, **_ONLY_VERDICTS)
    pair_wins, pair_ties, pair_both_bad = _wins_and_ties(j)
    won, lost, tied = pair_wins.sum(axis=1), pair_wins.sum(axis=0), pair_ties.sum(axis=1)
    k, n = _scored(won, lost, tied, ties)
    low, high = exact_interval(k, n, ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, k / n, np.nan)
    note = [_joined("only ties: no decisive judgment" if n_i == 0 else "", *j.notes) for n_i in n]
    table = pd.DataFrame({
        "system": pd.Series(j.systems, dtype=object), "win_rate": rate, "low": low, "high": high, "wins": won,
        "losses": lost, "ties": tied, "both_bad": pair_both_bad.sum(axis=1), "n": n.astype(np.int64),
        "interval": EXACT, "note": note,
    })  # fmt: skip
    return table.sort_values("win_rate", ascending=False, kind="stable", na_position="last").reset_index(drop=True)


class WinMatrix(NamedTuple):
    """Systems × systems: row i against column j. ``wins[i, j]`` counts the judgments i won against j, ``ties`` the
    ties between them (symmetric), ``rate[i, j]`` is i's win rate against j under the tie policy (NaN on the
    diagonal and where they never met, or only tied with ``ties="drop"``)."""

    wins: pd.DataFrame
    ties: pd.DataFrame
    rate: pd.DataFrame


@public
@takes_frames("df")
def win_matrix(
    df: Frame, *, system_a: str = "system_a", system_b: str = "system_b", winner: str = "winner",
    ties: Ties = "drop",
) -> WinMatrix:  # fmt: skip
    """The pairwise win matrix: counts of wins and ties, and the win rate of every system against every other.

    The rate follows the tie policy of `win_rates` (``ties="drop"``: wins / (wins + losses); ``"half"``: (wins +
    ties / 2) / judgments), so ``rate[i, j] + rate[j, i]`` is 1 wherever both are defined.
    """
    _check_ties(ties)
    j = read_judgments(df, "win_matrix", system_a=system_a, system_b=system_b, winner=winner, **_ONLY_VERDICTS)
    wins, tied, _ = _wins_and_ties(j)
    k, n = _scored(wins, wins.T, tied, ties)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, k / n, np.nan)
    np.fill_diagonal(rate, np.nan)
    names = pd.Index(j.systems, dtype=object, name="system")
    columns = pd.Index(j.systems, dtype=object, name="against")

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=names, columns=columns)

    return WinMatrix(frame(wins), frame(tied), frame(rate))


# ---------------------------------------------------------------------------------------------------------------
# Bradley–Terry


def _comparison_weights(j: Judgments, ties: Ties) -> tuple[np.ndarray, np.ndarray]:
    """Per cell of (first, second, outcome): the weight of "first beat second" and of "second beat first"."""
    decisive_first = (j.outcome == A_WINS).astype(float)
    decisive_second = (j.outcome == B_WINS).astype(float)
    half = 0.5 * (j.outcome == TIED) if ties == "half" else np.zeros(j.n)
    return decisive_first + half, decisive_second + half


def fit_bradley_terry(wins: Any, alpha: float = DEFAULT_ALPHA, *, tol: float = 1e-10,
                      max_iter: int = 200) -> np.ndarray:  # fmt: skip
    """Bradley–Terry strengths (log-odds, mean 0) from win weights, for one matrix or a stack of them.

    ``wins[..., i, j]`` is the (possibly fractional) number of times i beat j. Maximises
    Σ wins[i, j] · log σ(s_i − s_j) − alpha · Σ s² by Newton's method with a backtracking line search, for every
    matrix of the stack at once, until a step moves no strength by more than ``tol``. That is the objective of
    ``choix.opt_pairwise`` (its ``alpha``), so the strengths equal choix's on the same comparisons. With ``alpha=0``
    this is the maximum-likelihood estimate, which exists only when every system has beaten and been beaten along a
    chain to every other (the comparisons form one strongly connected graph); the result is NaN where it does not
    (`strongly_connected`).
    """
    w = np.asarray(wins, dtype=float)
    stacked = w.reshape(-1, *w.shape[-2:])
    b, k, _ = stacked.shape
    games = stacked + stacked.transpose(0, 2, 1)
    ok = np.ones(b, dtype=bool) if alpha > 0 else strongly_connected(stacked)
    s = np.zeros((b, k))
    ones = np.ones((k, k)) / k  # a step along (1, …, 1) changes nothing: pin it to keep the mean at 0

    def objective(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
        diff = x[:, :, None] - x[:, None, :]
        return (weights * np.logaddexp(0.0, -diff)).sum(axis=(1, 2)) + alpha * (x * x).sum(axis=1)

    value = objective(s, stacked)
    active = ok.copy()
    for _ in range(max_iter):
        if not active.any():
            break
        x, g_w, n_w = s[active], stacked[active], games[active]
        with np.errstate(over="ignore"):  # σ of a difference past ±709 is 0 or 1, as it should be
            p = 1.0 / (1.0 + np.exp(-(x[:, :, None] - x[:, None, :])))  # p[i, j] = σ(s_i − s_j)
        gradient = (n_w * p - g_w).sum(axis=2) + 2 * alpha * x  # of the negative log-likelihood
        curvature = n_w * p * p.transpose(0, 2, 1)
        hessian = np.eye(k) * (curvature.sum(axis=2) + 2 * alpha)[:, :, None] - curvature + ones
        step = -np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        decrease = -(gradient * step).sum(axis=1)
        converged = np.abs(step).max(axis=1) <= tol  # Newton's next step is its remaining error, squared
        t = np.ones(len(x))
        new_value = objective(x + step, g_w)
        current = value[active]
        slack = 1e-12 * np.abs(current)  # rounding: near the optimum a full step may not lower the objective
        for _ in range(40):  # Armijo: halve the step until the objective falls enough
            short = (new_value > current - 1e-4 * t * decrease + slack) & ~converged
            if not short.any():
                break
            t = np.where(short, t / 2, t)
            new_value = np.where(short, objective(x + t[:, None] * step, g_w), new_value)
        else:  # no decrease along the step is left to find (rounding): as close as arithmetic allows
            converged |= short
        moved = x + t[:, None] * step
        s[active] = np.where(converged[:, None], x, moved)
        value[active] = np.where(converged, current, new_value)
        still = np.flatnonzero(active)[~converged]
        active = np.zeros(b, dtype=bool)
        active[still] = True
    s = s - s.mean(axis=1, keepdims=True)
    s[~ok] = np.nan
    return s.reshape(*w.shape[:-2], k)


def strongly_connected(wins: np.ndarray) -> np.ndarray:
    """Per matrix of a stack of win weights, whether every system reaches every other along "beat" edges."""
    from scipy.sparse.csgraph import connected_components

    stacked = np.asarray(wins).reshape(-1, *np.shape(wins)[-2:])
    return np.array([connected_components(m > 0, directed=True, connection="strong")[0] == 1 for m in stacked])


_BT_COLUMNS = ["system", "strength", "low", "high", "rank", "n", "interval", "note"]


@public
@takes_frames("df")
def bradley_terry(
    df: Frame, *, system_a: str = "system_a", system_b: str = "system_b", winner: str = "winner",
    ties: Ties = "drop", alpha: float = DEFAULT_ALPHA, n_boot: int = 1000, seed: int = 0, ci: float = 0.95,
) -> pd.DataFrame:  # fmt: skip
    """Bradley–Terry strengths of the systems, with bootstrap intervals over the judgments.

    P(i beats j) = σ(s_i − s_j): a difference of 1 is odds of e ≈ 2.7 to 1. The strengths are in that log-odds
    scale with mean 0, the maximiser of the log-likelihood minus ``alpha`` · Σ s² (`fit_bradley_terry`): equal to
    ``choix.opt_pairwise(n, comparisons, alpha=alpha)``, and to ``choix.ilsr_pairwise`` for ``alpha=0`` (plain
    maximum likelihood, which needs every system to have beaten and been beaten along a chain to every other).
    ``ties="drop"``: the decisive judgments are the comparisons; ``"half"``: a tie is half a comparison won by each
    side (for choix: every judgment twice, a tie as one win each way, and ``2 * alpha``).

    Columns: ``system``, ``strength``, ``low``/``high`` (percentile interval over ``n_boot`` resamples of the
    judgments with replacement, drawn from ``seed``; none with ``n_boot=0``), ``rank`` (1 = strongest), ``n``
    (judgments involving the system, ties included), ``interval``, ``note``. Sorted by strength, strongest first.
    """
    func = "bradley_terry"
    _check_ties(ties)
    check_ci(ci)
    check_n_boot(n_boot, least=0)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not alpha >= 0:
        raise InputError(f"alpha must be a number >= 0 (the penalty on the strengths; default {DEFAULT_ALPHA}), got "
                         f"{alpha!r}.")  # fmt: skip
    j = read_judgments(df, func, system_a=system_a, system_b=system_b, winner=winner, **_ONLY_VERDICTS)
    return _strength_table(j, ties, float(alpha), n_boot, seed, ci, func)


def _strength_table(j: Judgments, ties: Ties, alpha: float, n_boot: int, seed: int, ci: float,
                    func: str) -> pd.DataFrame:  # fmt: skip
    k = j.n_systems
    forward, backward = _comparison_weights(j, ties)
    cells = (j.first * k + j.second) * 3 + j.outcome
    distinct, cell_of, counts = np.unique(cells, return_inverse=True, return_counts=True)
    cell_first, cell_second = (distinct // 3) // k, (distinct // 3) % k
    cell_forward = np.bincount(cell_of, weights=forward, minlength=distinct.size) / counts
    cell_backward = np.bincount(cell_of, weights=backward, minlength=distinct.size) / counts

    def matrices(cell_positions: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """Win weights per replicate: draws (replicates × cells) of the cells at ``cell_positions``."""
        m = np.zeros((draws.shape[0], k * k))
        f, s = cell_first[cell_positions], cell_second[cell_positions]
        np.add.at(m.T, f * k + s, (draws * cell_forward[cell_positions]).T)
        np.add.at(m.T, s * k + f, (draws * cell_backward[cell_positions]).T)
        return m.reshape(-1, k, k)

    observed = matrices(np.arange(distinct.size), counts[None, :])
    if alpha == 0 and not strongly_connected(observed)[0]:
        raise InputError(
            f"{func}(): with alpha=0 (plain maximum likelihood) the strengths do not exist for these judgments: some "
            "system never lost, never won, or a group of systems never lost to the rest, so its strength grows "
            f"without bound. Use alpha > 0 (the default {DEFAULT_ALPHA} is a weak prior), or collect judgments where "
            "every system both wins and loses."
        )
    strength = fit_bradley_terry(observed, alpha)[0]
    per_system = np.bincount(j.first, minlength=k) + np.bincount(j.second, minlength=k)
    decisive = observed[0].sum(axis=1) + observed[0].sum(axis=0)
    low = high = np.full(k, np.nan)
    resampling = ""
    if n_boot:
        replicates = bootstrap_cells(
            counts, lambda positions, draws: (fit_bradley_terry(matrices(positions, draws), alpha),), n_boot,
            np.random.default_rng(seed),
        )[0]  # fmt: skip
        low, high, defined = percentile_interval(replicates.T, ci)
        undefined = n_boot - int(defined.min())
        if undefined:
            resampling = (
                f"{undefined} of {n_boot} bootstrap resamples had no maximum-likelihood strengths (alpha=0 and a "
                "system that never lost or never won in them) and were left out of the interval"
            )
    notes = [
        _joined("no comparison: its strength is the prior's 0" if d == 0 else "", resampling, *j.notes)
        for d in decisive
    ]
    rank = pd.Series(strength).rank(ascending=False, method="min").to_numpy(dtype=np.int64)
    table = pd.DataFrame({
        "system": pd.Series(j.systems, dtype=object), "strength": strength, "low": low, "high": high, "rank": rank,
        "n": per_system.astype(np.int64), "interval": BOOTSTRAP if n_boot else "", "note": notes,
    })  # fmt: skip
    # the systems are in sorted order: equal strengths stay in it
    return table.sort_values("strength", ascending=False, kind="stable", na_position="last").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# verdicts per item and agreement


class Verdicts(NamedTuple):
    """One verdict per (rater, item, pair): the outcome if all the rater's rows on it agree, else a tie."""

    rater: np.ndarray
    key: np.ndarray  # codes of (item, first, second)
    outcome: np.ndarray
    flipped: np.ndarray  # bool: the rater's rows disagreed (counted as a tie)
    first: np.ndarray
    second: np.ndarray
    item: np.ndarray


def verdicts(j: Judgments) -> Verdicts:
    """The verdicts of every rater on every (item, pair) they judged, MT-Bench's way: a verdict that changes between
    a rater's rows (a judge asked in both orders that flipped) is a tie."""
    k = j.n_systems
    pair_key = (j.item * k + j.first) * k + j.second
    frame = pd.DataFrame({"rater": j.rater, "key": pair_key, "outcome": j.outcome})
    grouped = frame.groupby(["rater", "key"], sort=True)["outcome"]
    low, high = grouped.min(), grouped.max()
    flipped = (low != high).to_numpy()
    rater = low.index.get_level_values("rater").to_numpy(dtype=np.int64)
    key = low.index.get_level_values("key").to_numpy(dtype=np.int64)
    item, rest = np.divmod(key, k * k)
    first, second = np.divmod(rest, k)
    outcome = np.where(flipped, TIED, low.to_numpy(dtype=np.int64))
    return Verdicts(rater, key, outcome, flipped, first, second, item)


def _judge_code(j: Judgments, judge: Hashable, func: str, annotator: str | None) -> int:
    if judge not in j.raters:
        raise InputError(
            f"{func}(): no row of the {annotator!r} column names the judge {judge!r}; the raters are "
            f"{j.raters[:20]}. Pass judge= as it is written in that column."
        )
    return j.raters.index(judge)


_JUDGE_AGREEMENT_COLUMNS = ["between", *_TIDY]


@public
@takes_frames("df")
def judge_agreement(
    df: Frame, judge: Hashable, *, system_a: str = "system_a", system_b: str = "system_b",
    winner: str = "winner", annotator: str = "annotator", item: str = "item", swapped: str | None = None,
    n_boot: int = 1000, seed: int = 0, ci: float = 0.95,
) -> pd.DataFrame:  # fmt: skip
    """How often an LLM judge agrees with people, beside how often people agree with each other (Zheng et al. 2023).

    ``judge`` is the judge's name in the ``annotator`` column; every other rater is a person. Verdicts are matched
    on the same ``item`` and pair of systems; a rater's verdict on it is their winner, or a tie where their rows on it
    disagree (a judge asked in both orders that flipped, MT-Bench's rule; `verdicts`).

    Columns: ``between`` (``"judge vs people"`` or ``"people vs people"``), ``metric``, ``value``, ``low``/``high``,
    ``n``, ``interval``, ``note``. Rows, as MT-Bench reports them:

    * ``agreement_with_ties``: over every (person's verdict, judge's verdict) on the same item — every pair of two
      different people's verdicts for people vs people — the share that agree on the three outcomes a, b, tie.
    * ``agreement_without_ties``: the same over the pairs where neither verdict is a tie.
    * ``cohen_kappa`` (judge vs people only): Cohen's kappa of the judge's verdicts against the people's on the
      three outcomes, the person as reference: scikit-learn's ``cohen_kappa_score(people, judge)``; bootstrap
      interval over those pairs (``n_boot`` resamples from ``seed``).

    Shares have Wilson intervals (as every agreement share in this package); ``n`` counts the pairs of verdicts.
    A person asked several times on the same item counts once (their verdict), like the judge.
    """
    func = "judge_agreement"
    check_ci(ci)
    check_n_boot(n_boot, least=0)
    j = read_judgments(df, func, system_a=system_a, system_b=system_b, winner=winner, annotator=annotator, item=item,
                       swapped=swapped, need=("annotator", "item"))  # fmt: skip
    judge_code = _judge_code(j, judge, func, annotator)
    v = verdicts(j)
    is_judge = v.rater == judge_code
    judge_verdict = pd.Series(v.outcome[is_judge], index=v.key[is_judge])
    people = ~is_judge & np.isin(v.key, judge_verdict.index)
    person_outcome = v.outcome[people]
    judge_outcome = judge_verdict.loc[v.key[people]].to_numpy(dtype=np.int64)
    flipped_items = int(v.flipped[is_judge].sum())
    flips = f"{flipped_items} of the judge's verdicts flipped between its rows on an item: counted as ties" if (
        flipped_items) else ""  # fmt: skip
    rows: list[dict[str, Any]] = []
    between = "judge vs people"
    if not people.any():
        note = "the judge and the people judged no item and pair in common"
        for metric in ("agreement_with_ties", "agreement_without_ties", "cohen_kappa"):
            rows.append(_row(between, metric, math.nan, 0, note=note))
    else:
        rows += _agreement_rows(between, person_outcome, judge_outcome, ci, _joined(flips, *j.notes))
        confusion = confusion_of_codes(person_outcome, judge_outcome, len(OUTCOMES))
        kappa = kappa_estimate(confusion, list(OUTCOMES), reference="people", other="the judge", n_boot=n_boot,
                               ci=ci, rng=seed)  # fmt: skip
        rows.append(_row(between, "cohen_kappa", kappa.kappa, kappa.n, kappa.low, kappa.high, kappa.interval,
                         kappa.notes()))  # fmt: skip

    between = "people vs people"
    mine, theirs = _pairs_of_people(v, ~is_judge)
    if mine.size == 0:
        note = "no item and pair judged by two people"
        for metric in ("agreement_with_ties", "agreement_without_ties"):
            rows.append(_row(between, metric, math.nan, 0, note=note))
    else:
        rows += _agreement_rows(between, mine, theirs, ci, _joined(*j.notes))
    return pd.DataFrame(rows, columns=_JUDGE_AGREEMENT_COLUMNS).astype({"value": float, "low": float, "high": float,
                                                                       "n": np.int64})  # fmt: skip


def _row(between: str, metric: str, value: float, n: int, low: float = math.nan, high: float = math.nan,
         interval: str = "", note: str = "") -> dict[str, Any]:  # fmt: skip
    if not math.isfinite(value):
        low = high = math.nan
        interval = ""
    return {"between": between, "metric": metric, "value": value, "low": low, "high": high, "n": n,
            "interval": interval, "note": note}  # fmt: skip


def decisive_in_both(one: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Which pairs of verdicts (outcome codes) count for agreement *without ties* (MT-Bench): those where neither
    verdict is a tie."""
    return (one != TIED) & (other != TIED)


def _agreement_rows(between: str, one: np.ndarray, other: np.ndarray, ci: float, note: str) -> list[dict[str, Any]]:
    rows = []
    for metric, keep in (
        ("agreement_with_ties", np.ones(one.size, dtype=bool)),
        ("agreement_without_ties", decisive_in_both(one, other)),
    ):
        agree, n = int((one[keep] == other[keep]).sum()), int(keep.sum())
        if n == 0:
            rows.append(_row(between, metric, math.nan, 0, note=_joined("every pair of verdicts has a tie", note)))
            continue
        low, high = wilson_interval(agree, n, ci)
        rows.append(_row(between, metric, agree / n, n, float(low), float(high), WILSON, note))
    return rows


def _pairs_of_people(v: Verdicts, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of two different people's verdicts on the same (item, pair): their outcomes, as two arrays."""
    frame = pd.DataFrame({"key": v.key[people], "rater": v.rater[people], "outcome": v.outcome[people]})
    both = frame.merge(frame, on="key", suffixes=("", "_other"))
    both = both[both["rater"] < both["rater_other"]]
    return both["outcome"].to_numpy(dtype=np.int64), both["outcome_other"].to_numpy(dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------------
# position bias


_POSITION_COLUMNS = ["rater", "metric", "value", "low", "high", "n", "p_value", "interval", "note"]


@public
@takes_frames("df")
def position_bias(
    df: Frame, *, system_a: str = "system_a", system_b: str = "system_b", winner: str = "winner",
    left: str = "left", annotator: str | None = "annotator", item: str | None = "item", swapped: str | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:  # fmt: skip
    """Position bias of every rater (judge or person): does the side an output is shown on change the verdict?

    Columns: ``rater``, ``metric``, ``value``, ``low``/``high``, ``n``, ``p_value``, ``interval``, ``note``. Rows
    per rater (``"all"`` without an ``annotator`` column):

    * ``left_win_rate``: of the rater's decisive verdicts (not a tie) with a known ``left``, the share won by the
      output shown on the left; exact binomial interval, and ``p_value`` of scipy's two-sided ``binomtest`` against
      0.5. Where the side was randomised (as the Labeler does), a rate away from 0.5 is the rater's preference for a
      side, not for a system.
    * ``position_consistency``: of the items (and pair) the rater judged in both orders (a row with each system on
      the left, or a ``swapped`` verdict), the share whose verdict is the same in both (MT-Bench's "consistency").
    * ``favours_left`` / ``favours_right``: of those items, the share where the rater chose whichever output was on
      the left (right) both times, i.e. a verdict that followed the side (MT-Bench's "biased toward first/second").
      The rest of the inconsistent ones are a win one way and a tie the other.

    Consistency and the favour shares have Wilson intervals, the left-win rate an exact one. Rows are NaN with the
    reason where there is nothing to count (no decisive verdict with a known side; no item judged in both orders).
    """
    func = "position_bias"
    check_ci(ci)
    j = read_judgments(df, func, system_a=system_a, system_b=system_b, winner=winner, left=left, annotator=annotator,
                       item=item, swapped=swapped, need=("left",))  # fmt: skip
    from scipy.stats import binomtest

    rows: list[dict[str, Any]] = []
    both_orders = _both_orders(j)
    for code, rater in enumerate(j.raters):
        mine = j.rater == code
        counted = mine & (j.outcome != TIED) & (j.left >= 0)
        n = int(counted.sum())
        left_wins = int((j.outcome[counted] == j.left[counted]).sum())
        unknown = int((mine & (j.outcome != TIED) & (j.left < 0)).sum())
        unknown_note = f"{unknown} decisive verdict(s) with no known side left out" if unknown else ""
        if n:
            low, high = exact_interval(left_wins, n, ci)
            p_value = float(binomtest(left_wins, n, 0.5).pvalue)
            rows.append({"rater": rater, "metric": "left_win_rate", "value": left_wins / n, "low": float(low),
                         "high": float(high), "n": n, "p_value": p_value, "interval": EXACT,
                         "note": _joined(unknown_note, *j.notes)})  # fmt: skip
        else:
            rows.append(_position_row(rater, "left_win_rate", "no decisive verdict with a known side", unknown_note))
        rows += _consistency_rows(rater, both_orders[both_orders["rater"] == code], ci)
    return pd.DataFrame(rows, columns=_POSITION_COLUMNS).astype({"value": float, "low": float, "high": float,
                                                                "n": np.int64, "p_value": float})  # fmt: skip


def _position_row(rater: Hashable, metric: str, *notes: str) -> dict[str, Any]:
    return {"rater": rater, "metric": metric, "value": math.nan, "low": math.nan, "high": math.nan, "n": 0,
            "p_value": math.nan, "interval": "", "note": _joined(*notes)}  # fmt: skip


def _both_orders(j: Judgments) -> pd.DataFrame:
    """Per (rater, item, pair) judged with each system on the left: the outcome with the first system on the left
    (``shown_first``) and with the second on the left (``shown_second``); the last row of each side counts."""
    sided = j.left >= 0
    if not ((j.left == 0).any() and (j.left == 1).any()):
        return pd.DataFrame({"rater": pd.Series(dtype=np.int64), "shown_first": pd.Series(dtype=np.int64),
                             "shown_second": pd.Series(dtype=np.int64)})  # fmt: skip
    frame = pd.DataFrame({"rater": j.rater[sided], "item": j.item[sided], "first": j.first[sided],
                          "second": j.second[sided], "left": j.left[sided], "outcome": j.outcome[sided]})  # fmt: skip
    wide = frame.pivot_table(index=["rater", "item", "first", "second"], columns="left", values="outcome",
                             aggfunc="last")  # fmt: skip
    wide = wide.dropna(subset=[0, 1]).reset_index()
    return pd.DataFrame({"rater": wide["rater"].to_numpy(dtype=np.int64),
                         "shown_first": wide[0].to_numpy(dtype=np.int64),
                         "shown_second": wide[1].to_numpy(dtype=np.int64)})  # fmt: skip


def _consistency_rows(rater: Hashable, both: pd.DataFrame, ci: float) -> list[dict[str, Any]]:
    n = len(both)
    metrics = ("position_consistency", "favours_left", "favours_right")
    if n == 0:
        return [_position_row(rater, m, "no item judged in both orders") for m in metrics]
    first_on_left = both["shown_first"].to_numpy()  # outcome when the first system was on the left
    second_on_left = both["shown_second"].to_numpy()
    counts = {
        "position_consistency": int((first_on_left == second_on_left).sum()),
        # the left output won both times: the first system when it was left, the second when it was
        "favours_left": int(((first_on_left == A_WINS) & (second_on_left == B_WINS)).sum()),
        "favours_right": int(((first_on_left == B_WINS) & (second_on_left == A_WINS)).sum()),
    }
    rows = []
    for metric in metrics:
        low, high = wilson_interval(counts[metric], n, ci)
        rows.append({"rater": rater, "metric": metric, "value": counts[metric] / n, "low": float(low),
                     "high": float(high), "n": n, "p_value": math.nan, "interval": WILSON, "note": ""})  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------------------------
# between people


def _people_decisions(j: Judgments, judge_code: int | None) -> pd.DataFrame:
    """The people's verdicts as ``team_agreement`` reads decisions: key (item, first, second), annotator, label."""
    v = verdicts(j)
    people = v.rater != judge_code if judge_code is not None else np.ones(v.rater.size, dtype=bool)
    keys = [(j.items[i], j.systems[f], j.systems[s]) for i, f, s in zip(v.item[people], v.first[people],
                                                                         v.second[people], strict=True)]  # fmt: skip
    return pd.DataFrame({
        "key": pd.Series(keys, dtype=object),
        "annotator": pd.Series([j.raters[r] for r in v.rater[people]], dtype=object),
        "label": pd.Series([OUTCOMES[o] for o in v.outcome[people]], dtype=object),
    })  # fmt: skip


@public
@takes_frames("df")
def people_agreement(
    df: Frame, *, judge: Hashable | None = None, system_a: str = "system_a", system_b: str = "system_b",
    winner: str = "winner", annotator: str = "annotator", item: str = "item", swapped: str | None = None,
    n_boot: int = 1000, seed: int = 0, ci: float = 0.95,
) -> pd.DataFrame:  # fmt: skip
    """Agreement between people on the three outcomes (a, b, tie) of the same item and pair: ``team_agreement``'s
    table (Krippendorff's alpha, equal to the ``krippendorff`` package's nominal alpha; Fleiss' kappa; percent
    agreement; Cohen's kappa and percent agreement for every pair of people; each person against the majority of the
    others), computed on each person's verdicts (`verdicts`). Rows of the ``judge`` (a name in the ``annotator``
    column), if given, are left out."""
    from labelwidgets.metrics.team import team_agreement

    func = "people_agreement"
    j = read_judgments(df, func, system_a=system_a, system_b=system_b, winner=winner, annotator=annotator, item=item,
                       swapped=swapped, need=("annotator", "item"))  # fmt: skip
    judge_code = _judge_code(j, judge, func, annotator) if judge is not None else None
    return team_agreement(_people_decisions(j, judge_code), list(OUTCOMES), ci=ci, n_boot=n_boot, seed=seed)


@public
@takes_frames("df")
def pairwise_conflicts(
    df: Frame, *, judge: Hashable | None = None, system_a: str = "system_a", system_b: str = "system_b",
    winner: str = "winner", annotator: str = "annotator", item: str = "item", swapped: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The items (and pairs) judged by two people or more whose verdicts differ on the three outcomes, for review.

    Columns: ``item``, ``system_a``/``system_b`` (the pair in sorted order), ``n`` (people), ``majority`` (the winner
    more than half of them chose, ``"tie"`` for a tie, None without a strict majority) and ``verdicts`` (a dict
    person → winner, or ``"tie"``). Rows of the ``judge``, if given, are left out.
    """
    from labelwidgets.metrics.team import conflicts

    func = "pairwise_conflicts"
    j = read_judgments(df, func, system_a=system_a, system_b=system_b, winner=winner, annotator=annotator, item=item,
                       swapped=swapped, need=("annotator", "item"))  # fmt: skip
    judge_code = _judge_code(j, judge, func, annotator) if judge is not None else None
    found = conflicts(_people_decisions(j, judge_code))

    def named(outcome: Any, key: tuple[Hashable, Hashable, Hashable]) -> Hashable:
        return None if outcome is None else {"a": key[1], "b": key[2]}.get(outcome, TIE)

    keys = found["key"].tolist()
    return pd.DataFrame({
        "item": pd.Series([k[0] for k in keys], dtype=object),
        "system_a": pd.Series([k[1] for k in keys], dtype=object),
        "system_b": pd.Series([k[2] for k in keys], dtype=object),
        "n": found["n_labels"].to_numpy(dtype=np.int64),
        "majority": pd.Series([named(m, k) for m, k in zip(found["majority"], keys, strict=True)], dtype=object),
        "verdicts": pd.Series([{who: named(o, k) for who, o in d.items()} for d, k in
                               zip(found["labels"], keys, strict=True)], dtype=object),
    })  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# two leaderboards


class Leaderboards(NamedTuple):
    """The people's ranking beside the judge's (``table``) and how alike they are (``correlation``)."""

    table: pd.DataFrame
    correlation: pd.DataFrame


@public
@takes_frames("df")
def leaderboards(
    df: Frame, judge: Hashable, *, system_a: str = "system_a", system_b: str = "system_b",
    winner: str = "winner", annotator: str = "annotator", item: str | None = "item", swapped: str | None = None,
    ties: Ties = "drop", alpha: float = DEFAULT_ALPHA, n_boot: int = 1000, seed: int = 0, ci: float = 0.95,
) -> Leaderboards:  # fmt: skip
    """A leaderboard ranked by people beside one ranked by the judge, and their rank correlation.

    Each side's ranking is `bradley_terry` on its verdicts (`verdicts`: one per rater, item and pair; the judge's
    flipped verdicts are ties), with the same ``ties``, ``alpha``, ``n_boot``, ``seed`` and ``ci``.

    ``table``: one row per system, ``system``, ``people_strength``, ``people_low``, ``people_high``, ``people_rank``
    and the same for ``judge_``, sorted by the people's rank (NaN for a system one side never judged).
    ``correlation``: rows ``kendall_tau`` (scipy's ``kendalltau``, tau-b) and ``spearman_rho`` (``spearmanr``) of
    the two sides' strengths over the systems both ranked, with ``value``, ``p_value``, ``n`` (systems) and
    ``note``.
    """
    from scipy.stats import kendalltau, spearmanr

    func = "leaderboards"
    _check_ties(ties)
    check_ci(ci)
    check_n_boot(n_boot, least=0)
    j = read_judgments(df, func, system_a=system_a, system_b=system_b, winner=winner, annotator=annotator, item=item,
                       swapped=swapped, need=("annotator",))  # fmt: skip
    judge_code = _judge_code(j, judge, func, annotator)
    v = verdicts(j)
    sides = {}
    for side, mask in (("people", v.rater != judge_code), ("judge", v.rater == judge_code)):
        if not mask.any():
            raise InputError(f"{func}(): there are no verdicts by people (raters other than {judge!r}) to rank the "
                             "systems with.")  # fmt: skip
        systems_used = np.unique(np.concatenate([v.first[mask], v.second[mask]]))
        side_j = Judgments(
            [j.systems[s] for s in systems_used], np.searchsorted(systems_used, v.first[mask]),
            np.searchsorted(systems_used, v.second[mask]), v.outcome[mask], np.zeros(int(mask.sum()), dtype=bool),
            np.full(int(mask.sum()), -1), v.rater[mask], j.raters, v.item[mask], j.items, j.notes,
        )  # fmt: skip
        table = _strength_table(side_j, ties, float(alpha), n_boot, seed, ci, func)
        sides[side] = table.set_index("system")[["strength", "low", "high", "rank"]].add_prefix(f"{side}_")
    both = sides["people"].join(sides["judge"], how="outer")
    both = both.reindex(sorted_names(list(both.index)))
    both = both.sort_values("people_rank", kind="stable", na_position="last")
    table = both.rename_axis("system").reset_index()
    for side in sides:
        table[f"{side}_rank"] = table[f"{side}_rank"].astype("Int64")
    shared = table["people_strength"].notna() & table["judge_strength"].notna()
    x, y = table.loc[shared, "people_strength"].to_numpy(), table.loc[shared, "judge_strength"].to_numpy()
    only = int((~shared).sum())
    note = f"{only} system(s) ranked by one side only left out" if only else ""
    rows = []
    for metric, correlate in (("kendall_tau", kendalltau), ("spearman_rho", spearmanr)):
        if len(x) < 2:
            rows.append({"metric": metric, "value": math.nan, "p_value": math.nan, "n": len(x),
                         "note": _joined("fewer than two systems ranked by both sides", note)})  # fmt: skip
            continue
        result = correlate(x, y)
        rows.append({"metric": metric, "value": float(result.statistic), "p_value": float(result.pvalue),
                     "n": len(x), "note": note})  # fmt: skip
    return Leaderboards(table, pd.DataFrame(rows, columns=["metric", "value", "p_value", "n", "note"]))


# ---------------------------------------------------------------------------------------------------------------
# how many judgments


def detection_power(n: Any, preference: float = 0.6, ci: float = 0.95) -> np.ndarray:
    """The probability that the exact ``ci`` interval of a win rate from n decisive judgments excludes 0.5 when the
    true preference is ``preference`` (the power of the exact two-sided binomial test at 1 − ci), elementwise."""
    from scipy.stats import binom

    check_ci(ci)
    tail = (1 - ci) / 2
    size = np.asarray(n, dtype=np.int64)
    # under 0.5 the interval lies above 0.5 for k > n − q and below it for k < q, q the smallest k with
    # P(X ≤ k) ≥ tail (the distribution is symmetric)
    q = binom.ppf(tail, size, 0.5)
    return np.asarray(binom.cdf(q - 1, size, preference) + binom.sf(size - q, size, preference))


def judgments_needed(preference: float = 0.6, *, power: float = 0.8, ci: float = 0.95) -> int:
    """The fewest decisive judgments of a pair of systems whose win-rate interval (exact, ``ci``) excludes 0.5 with
    probability ≥ ``power`` when one system is truly preferred ``preference`` of the time — at that number and at
    every larger one (the exact test's power is a sawtooth in n, so the first n that reaches it can be followed by
    smaller ones that do not). 210 for a 60/40 preference at 80% power and 95% intervals. Ties come on top: with a
    share t of ties, judge about n / (1 − t) pairs."""
    if not 0 < preference < 1 or preference == 0.5:
        raise InputError(f"preference must be between 0 and 1 and not 0.5 (e.g. 0.6 for 60/40), got {preference!r}.")
    if not 0 < power < 1:
        raise InputError(f"power must be between 0 and 1 (e.g. 0.8), got {power!r}.")
    check_ci(ci)
    z = NormalDist().inv_cdf
    effect = abs(preference - 0.5)
    approximate = ((z(1 - (1 - ci) / 2) * 0.5 + z(power) * math.sqrt(preference * (1 - preference))) / effect) ** 2
    sizes = np.arange(1, int(2 * approximate) + 50)
    reached = detection_power(sizes, preference, ci) >= power
    short = np.flatnonzero(~reached)
    return int(sizes[short[-1] + 1]) if short.size else 1
