"""`compare`: run several suggesters over human-labeled rows and rank them by agreement with the people.

>>> board = lw.compare(df, human="label", text="text", labels=["ham", "spam"],
...                    suggesters={"terse": lw.LLM("gpt-4o-mini", instructions=A), "vendor": lw.FromColumn("vendor")})
>>> board            # the leaderboard widget, with a disagreement explorer
>>> board.table      # one row per suggester: kappa, accuracy, macro-F1 with intervals, cost, tokens, latency, invalid

How it works, one concept per module:

* `labelwidgets.comparison.inputs`: the items with a human label, and the columns suggesters must not see.
* `labelwidgets.suggesters.cost`: the money guard, asked before anything runs.
* `labelwidgets.suggesters.runner`: every suggester over every item, in one bounded pool (the runner
  ``lw.suggest`` uses too, with the same failure semantics).
* `labelwidgets.comparison.scores`: the numbers. Every suggester is scored on the same items; an invalid output
  counts as a disagreement, so no entry climbs by refusing hard items. Point estimates are scikit-learn's; accuracy
  has a Wilson interval, kappa and macro-F1 a percentile bootstrap over resampled items. Two entries are *tied*
  when this sample cannot tell them apart (exact McNemar test, or a paired bootstrap of the difference).
* `labelwidgets.comparison.leaderboard`: the result, its relabels, and its widget.

scikit-learn, statsmodels and tqdm are imported on first use.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labelwidgets.comparison.inputs import check_inputs_only, named_suggesters, prepare
from labelwidgets.comparison.leaderboard import Leaderboard
from labelwidgets.comparison.scores import SET_SORT_KEYS, SORT_KEYS, SPAN_SORT_KEYS
from labelwidgets.errors import CostNotConfirmed, InputError, public, user_stacklevel
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Suggester
from labelwidgets.suggesters.check import check_suggester, na_like_label_warning
from labelwidgets.suggesters.cost import check_confirm_above, confirm_cost
from labelwidgets.suggesters.runner import ProgressCallback, run_suggesters

if TYPE_CHECKING:
    from labelwidgets.labeler import Labeler

__all__ = ["SET_SORT_KEYS", "SORT_KEYS", "SPAN_SORT_KEYS", "CostNotConfirmed", "Leaderboard", "compare"]


@public
@takes_frames("data", text=("text",))
def compare(
    data: Frame | Labeler,
    *,
    suggesters: Mapping[str, Suggester] | Sequence[Suggester],
    human: str | None = None,
    text: str | None = None,
    labels: Iterable[str] | Mapping[str, str] | LabelSet | None = None,
    item: str | None = None,
    annotator: str | None = None,
    exclude: Iterable[str] = (),
    kind: str | None = None,
    sort_by: str | None = None,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    max_workers: int = 8,
    batch_size: int = 16,
    progress: bool | ProgressCallback = True,
    confirm_above: float | None = 1.0,
) -> Leaderboard:
    """Run every suggester over the human-labeled rows of ``data`` and rank them by agreement with the people.

    ``data`` is a ``Labeler`` (its decisions are the human labels; ``text``, ``labels`` and ``human`` default to
    the labeler's own), a DataFrame with a human label column ``human`` (default ``"label"``), or, with
    ``item=``, a long table with one row per item and annotator: each item then gets its majority label, and
    items where the annotators tie are left out and counted in ``board.excluded``.

    Rows without a human label are left out and counted; a human label that is not in ``labels`` is an error
    listing the offenders (``labels`` defaults to the labels the people used).

    Suggesters see the inputs only: the text and the other columns, but never the human label column, the columns
    a Labeler writes with each decision, a long table's ``item`` and ``annotator`` columns, or the columns in
    ``exclude`` (e.g. a gold label). A suggester that reads one of these (``FromColumn("label")``) is an error.

    Suggesters run on one pool of ``max_workers`` threads, ``batch_size`` items per call (a suggester's
    ``max_concurrency`` attribute caps its share), with a tqdm progress bar unless ``progress=False`` (or a
    ``callable(done, total)``). A suggester that raises on a batch is retried item by item, and what still fails
    is an invalid output: counted, shown, never fatal (see `labelwidgets.suggesters.runner`). Caching is the
    suggesters' own business.

    Money: before anything runs, every suggester that costs money is asked what this will cost
    (``estimate_cost``). When the estimates add up to more than ``confirm_above`` dollars, or any cost cannot be
    estimated (an ``lw.LLM`` model litellm has no price for), ``compare`` asks for a yes on stdin, and raises
    ``CostNotConfirmed`` where nobody can answer (a script, CI, nbconvert). ``confirm_above=None`` never asks. Free
    suggesters (``FromColumn``, ``LocalLLM``, rules) are never asked about (see `labelwidgets.suggesters.cost`).

    Ranking: ``sort_by`` is ``"kappa"`` (Cohen's, the default), ``"accuracy"``, ``"macro_f1"``, ``"cost"``,
    ``"latency"``, ``"tokens"`` or ``"invalid"``. Intervals are ``ci`` two-sided: Wilson for accuracy, percentile
    bootstrap over ``n_boot`` resamples of the items (``seed``) for kappa and macro-F1. Entries that this sample
    cannot tell apart at level ``1 - ci`` are listed in ``tied_with``: for accuracy by an exact McNemar test, for
    kappa and macro-F1 by a paired bootstrap of the difference (when sorting by cost, latency, tokens or invalid:
    kappa).

    Multi-label answers: with ``kind="multi"``, a multi-label Labeler, or a human column of lists of names (``[]``
    is "none of these"), each suggester's answer is a set of labels and the board ranks by ``sort_by`` =
    ``"jaccard"`` (the default: mean Jaccard over items, two empty sets agreeing fully), ``"subset_accuracy"``
    (exact sets; Wilson interval, ties by McNemar), ``"micro_f1"``, ``"macro_f1"`` or ``"hamming_loss"`` (low to
    high), or cost, latency, tokens or invalid; each equal to scikit-learn on the indicator matrices
    (``labelwidgets.metrics.multilabel``), with percentile bootstrap intervals and paired bootstrap ties. An invalid
    output names no label and never matches as a whole, not even "none of these".

    Spans: with ``kind="spans"``, a spans Labeler, or a human column of lists of spans (``{"start", "end", "label",
    ...}`` each; ``[]`` is "no spans"), each suggester's spans are scored against the people's over all items as
    ``lw.agreement`` scores them (`span_scores`, nervaluate's numbers): ``sort_by`` = ``"strict_f1"`` (the default),
    ``"partial_f1"``, ``"exact_f1"``, ``"ent_type_f1"``, ``"strict_precision"``, ``"strict_recall"`` (percentile
    bootstrap intervals over the items, paired bootstrap ties) or ``"exact_match"`` (the item's spans exactly the
    people's; Wilson interval, ties by McNemar), or cost, latency, tokens or invalid. An invalid output marks no span
    and never matches, not even an item without spans.
    """
    if sort_by is not None and (
        not isinstance(sort_by, str) or sort_by not in {*SORT_KEYS, *SET_SORT_KEYS, *SPAN_SORT_KEYS}
    ):
        raise InputError(
            f"sort_by={sort_by!r} is not known; use one of {list(SORT_KEYS)}, for multi-label answers one of "
            f"{list(SET_SORT_KEYS)}, or for spans one of {list(SPAN_SORT_KEYS)}."
        )
    if isinstance(ci, bool) or not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise InputError(f"ci must be between 0 and 1 (e.g. 0.95 for 95% intervals), got {ci!r}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise InputError(f"n_boot must be a non-negative integer, got {n_boot!r}.")
    for name, value in (("max_workers", max_workers), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value!r}.")
    limit = check_confirm_above(confirm_above)

    named = named_suggesters(suggesters)
    prepared = prepare(data, human=human, text=text, labels=labels, item=item, annotator=annotator, exclude=exclude,
                       kind=kind)  # fmt: skip
    ranking = prepared.labels.kind.ranking()
    if sort_by is None:
        sort_by = ranking.default
    elif sort_by not in ranking.sort_keys:
        raise InputError(
            f"sort_by={sort_by!r} does not rank {_answers_named(prepared.labels.kind.name)}; use one of "
            f"{list(ranking.sort_keys)}."
        )
    check_inputs_only(named, prepared)
    for name, suggester in named.items():
        check_suggester(suggester, prepared.frame, prepared.labels, argument=f"suggesters[{name!r}]")
    if isinstance(data, pd.DataFrame) and prepared.human_column in data.columns:
        note = na_like_label_warning(data[prepared.human_column], prepared.labels,
                                     what=f"the human column {prepared.human_column!r}")  # fmt: skip
        if note:
            warnings.warn(
                note + " Those rows are left out of the comparison.", UserWarning, stacklevel=user_stacklevel()
            )
    items = prepared.items()
    confirm_cost(named, items, prepared.labels, limit, caller="compare()")
    runs = run_suggesters(named, items, prepared.labels, max_workers=int(max_workers), batch_size=int(batch_size),
                          progress=progress, desc="compare")  # fmt: skip
    return Leaderboard(prepared, runs, sort_by=sort_by, ci=float(ci), n_boot=int(n_boot), seed=seed)


def _answers_named(kind: str) -> str:
    return {"single": "single-label answers", "multi": "multi-label answers", "spans": "spans"}.get(kind, kind)
