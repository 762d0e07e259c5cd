"""`compare`: run several suggesters over human-labeled rows and rank them by agreement with the people.

>>> board = lw.compare(df, human="label", text="text", labels=["ham", "spam"],
...                    suggesters={"terse": lw.LLM("gpt-4o-mini", instructions=A), "vendor": lw.FromColumn("vendor")})
>>> board            # the leaderboard widget, with a disagreement explorer
>>> board.table      # one row per suggester: kappa, accuracy, macro-F1 with intervals, cost, tokens, latency, invalid

How the numbers are made (every choice is in the docstrings below and in ``board.method``):

* every suggester is scored on the same items: the rows with a human label. An invalid output (the suggester
  raised, returned an unknown label, or said why it could not answer) counts as a disagreement, so a suggester
  cannot climb the board by refusing hard items; ``invalid_share`` says how often it happened.
* point estimates are scikit-learn's (``cohen_kappa_score``, ``accuracy_score``, ``f1_score(average="macro")``);
  accuracy has a Wilson interval, kappa and macro-F1 a percentile bootstrap over resampled items.
* two entries are *tied* when this sample cannot tell them apart: an exact McNemar test on the items both saw
  (accuracy) or a paired bootstrap of the difference on the same resampled items (kappa, macro-F1).

scikit-learn, statsmodels and tqdm are imported on first use.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, LabelwidgetsError
from labelwidgets.keys import encode_key
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item, Suggester, Suggestion
from labelwidgets.widgets.display import mimebundle_with_text

if TYPE_CHECKING:
    from labelwidgets.labeler import Labeler
    from labelwidgets.widgets.leaderboard import LeaderboardWidget

#: sort_by= names and the table column each sorts on; quality metrics sort high to low, the others low to high.
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "kappa": ("kappa", False),
    "accuracy": ("accuracy", False),
    "macro_f1": ("macro_f1", False),
    "cost": ("cost_per_item", True),
    "latency": ("latency_per_item", True),
    "tokens": ("tokens_per_item", True),
    "invalid": ("invalid_share", True),
}
QUALITY_METRICS = ("kappa", "accuracy", "macro_f1")
TABLE_COLUMNS = [
    "rank", "kappa", "kappa_low", "kappa_high", "accuracy", "accuracy_low", "accuracy_high",
    "macro_f1", "macro_f1_low", "macro_f1_high", "n", "invalid", "invalid_share", "cost", "cost_per_item",
    "tokens_per_item", "latency_per_item", "tied_with",
]  # fmt: skip
PAIRWISE_COLUMNS = [
    "a", "b", "n", "disagree", "a_only_correct", "b_only_correct", "accuracy_diff", "mcnemar_p",
    "kappa_diff", "kappa_diff_low", "kappa_diff_high", "macro_f1_diff", "macro_f1_diff_low", "macro_f1_diff_high",
    "distinguishable",
]  # fmt: skip
CORRECTION_COLUMNS = ["key", "old", "new", "at", "event"]
_LABELER_COLUMNS = "labelwidgets_columns"  # df.attrs key under which a Labeler lists the columns it writes
_BOOTSTRAP_CELLS = 4_000_000  # resample weights held at once (rows × replicates): ~32 MB of float64


class CostNotConfirmed(LabelwidgetsError):
    """compare() would spend more than ``confirm_above`` dollars and nobody said yes."""


# ---------------------------------------------------------------------------------------------------------------
# the public entry point


def compare(
    data: pd.DataFrame | Labeler,
    *,
    suggesters: Mapping[str, Suggester] | Sequence[Suggester],
    human: str | None = None,
    text: str | None = None,
    labels: Iterable[str] | Mapping[str, str] | LabelSet | None = None,
    item: str | None = None,
    annotator: str | None = None,
    sort_by: str = "kappa",
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    max_workers: int = 8,
    batch_size: int = 16,
    progress: bool = True,
    confirm_above: float | None = 1.0,
) -> Leaderboard:
    """Run every suggester over the human-labeled rows of ``data`` and rank them by agreement with the people.

    ``data`` is a ``Labeler`` (its decisions are the human labels; ``text``, ``labels`` and ``human`` default to
    the labeler's own), a DataFrame with a human label column ``human`` (default ``"label"``), or, with
    ``item=``, a long table with one row per item and annotator: each item then gets its majority label, and
    items where the annotators tie are left out and counted in ``board.excluded``.

    Rows without a human label are left out and counted; a human label that is not in ``labels`` is an error
    listing the offenders (``labels`` defaults to the labels the people used).

    Suggesters run concurrently on a pool of ``max_workers`` threads, ``batch_size`` items per call (a
    suggester's ``max_concurrency`` attribute caps its share), with a tqdm progress bar unless
    ``progress=False``. Caching is the suggesters' own business. A suggester that raises on a batch is retried
    item by item, and what still fails is an invalid output: counted, shown, never fatal.

    Money: a suggester with an ``estimate_cost(items, labels) -> float | None`` method is asked first; when the
    estimates add up to more than ``confirm_above`` dollars, ``compare`` asks for a yes on stdin, and raises
    ``CostNotConfirmed`` where nobody can answer (a script, CI, nbconvert). ``confirm_above=None`` never asks.

    Ranking: ``sort_by`` is ``"kappa"`` (Cohen's), ``"accuracy"``, ``"macro_f1"``, ``"cost"``, ``"latency"``,
    ``"tokens"`` or ``"invalid"``. Intervals are ``ci`` two-sided: Wilson for accuracy, percentile bootstrap over
    ``n_boot`` resamples of the items (``seed``) for kappa and macro-F1. Entries that this sample cannot tell
    apart at level ``1 - ci`` are listed in ``tied_with``: for accuracy by an exact McNemar test, for kappa and
    macro-F1 by a paired bootstrap of the difference (when sorting by cost, latency, tokens or invalid: kappa).
    """
    if not isinstance(sort_by, str) or sort_by not in SORT_KEYS:
        raise InputError(f"sort_by={sort_by!r} is not known; use one of {list(SORT_KEYS)}.")
    if not isinstance(ci, (int, float)) or not 0 < ci < 1:
        raise InputError(f"ci must be between 0 and 1 (e.g. 0.95 for 95% intervals), got {ci!r}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise InputError(f"n_boot must be a non-negative integer, got {n_boot!r}.")
    for name, value in (("max_workers", max_workers), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InputError(f"{name} must be a positive integer, got {value!r}.")
    if confirm_above is not None and (not isinstance(confirm_above, (int, float)) or confirm_above < 0):
        raise InputError(f"confirm_above must be a number of dollars or None, got {confirm_above!r}.")

    named = _named_suggesters(suggesters)
    prepared = _prepare(data, human=human, text=text, labels=labels, item=item, annotator=annotator)
    items = prepared.items()
    _confirm_cost(named, items, prepared.labels, confirm_above)
    runs = _run_all(named, items, prepared.labels, max_workers=int(max_workers), batch_size=int(batch_size),
                    progress=progress)  # fmt: skip
    return Leaderboard(prepared, runs, sort_by=sort_by, ci=float(ci), n_boot=int(n_boot), seed=seed)


# ---------------------------------------------------------------------------------------------------------------
# input


@dataclass
class _Prepared:
    """The compared items, in the order of the input, and where each came from."""

    source: str  # "labeler", "dataframe" or "long"
    frame: pd.DataFrame  # index: the item keys as given; columns: every input column of the item's (first) row
    keys: list[str]  # encoded keys, as suggesters and the store see them
    rows: np.ndarray  # row position in the input DataFrame (-1 for a long table)
    human: np.ndarray  # int codes into labels.names
    labels: LabelSet
    text_column: str
    human_column: str
    excluded: dict[str, int]
    votes: list[str] | None  # per item, e.g. "spam 2 · ham 1", for a long table
    target: Any  # the Labeler or the DataFrame a relabel writes to

    def items(self) -> list[Item]:
        texts = self.frame[self.text_column].tolist()
        records = self.frame.to_dict("records")
        return [
            Item(key=key, text=_as_text(text), fields={str(k): v for k, v in record.items()})
            for key, text, record in zip(self.keys, texts, records, strict=True)
        ]


def _named_suggesters(suggesters: Any) -> dict[str, Suggester]:
    if isinstance(suggesters, Mapping):
        pairs = [(str(name), s) for name, s in suggesters.items()]
    elif isinstance(suggesters, (list, tuple)):
        pairs = [(str(getattr(s, "name", "") or type(s).__name__), s) for s in suggesters]
    else:
        raise InputError(
            "suggesters must be a {name: suggester} dict (or a list of suggesters), e.g. "
            "suggesters={'vendor': lw.FromColumn('vendor_label')}; got " + type(suggesters).__name__ + "."
        )
    if not pairs:
        raise InputError("suggesters is empty: give at least one, e.g. suggesters={'vendor': lw.FromColumn('v')}.")
    names = [name for name, _ in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"two suggesters share the name(s) {repeated}; pass a dict to name each one.")
    for name, suggester in pairs:
        if not callable(getattr(suggester, "suggest", None)):
            raise InputError(
                f"suggesters[{name!r}] is a {type(suggester).__name__}, not a suggester: it needs a "
                "suggest(items, labels) method (see lw.Suggester)."
            )
    return dict(pairs)


def _is_labeler(data: Any) -> bool:
    session = getattr(data, "session", None)
    return session is not None and callable(getattr(session, "decide", None)) and hasattr(session, "df")


def _prepare(
    data: Any, *, human: str | None, text: str | None, labels: Any, item: str | None, annotator: str | None
) -> _Prepared:
    if _is_labeler(data):
        if item is not None:
            raise InputError("item= is for a long table of annotations; a Labeler has one decision per item.")
        session = data.session
        results = getattr(session, "_results", None)
        default_human = getattr(results, "names", {}).get("label", "label")
        return _prepare_wide(
            session.df, human=human or default_human, text=text or session.text_column,
            labels=session.labels if labels is None else labels, keys=session.keys, source="labeler", target=data,
        )  # fmt: skip
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"compare() needs a pandas DataFrame or a Labeler, got {type(data).__name__}.")
    if item is not None:
        return _prepare_long(data, human=human or "label", text=text or "text", labels=labels, item=item,
                             annotator=annotator)  # fmt: skip
    if annotator is not None:
        raise InputError("annotator= needs item= too: pass the column that identifies the item in a long table.")
    if not data.index.is_unique:
        repeated = data.index[data.index.duplicated()].unique()[:5].tolist()
        raise InputError(
            f"the DataFrame index has duplicate values (e.g. {repeated}); each row must be one item. For a long "
            "table with several annotators per item pass item='<item column>' (and annotator=), else reset_index()."
        )
    return _prepare_wide(data, human=human or "label", text=text or "text", labels=labels, keys=data.index,
                         source="dataframe", target=data)  # fmt: skip


def _require_columns(df: pd.DataFrame, **columns: str) -> None:
    missing = {arg: col for arg, col in columns.items() if col not in df.columns}
    if missing:
        wanted = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        listed = [str(c) for c in df.columns][:30]
        raise InputError(
            f"compare(): column(s) {list(missing.values())} not found ({wanted}); the DataFrame has {listed}."
        )


def _label_set(labels: Any, used: Iterable[str]) -> LabelSet:
    if labels is not None:
        return LabelSet.parse(labels)
    names = sorted({str(v) for v in used})
    if not names:
        raise InputError("no human labels to infer the label set from; pass labels=[...].")
    return LabelSet.parse(names)


def _human_values(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(labels as an object array of str or None, mask of present values)."""
    raw = values.to_numpy(dtype=object)
    present = ~pd.isna(raw)
    out = np.full(len(raw), None, dtype=object)
    out[present] = [str(v) for v in raw[present]]
    return out, present


def _check_known(values: np.ndarray, labels: LabelSet, column: str) -> np.ndarray:
    codes = pd.Index(labels.names, dtype=object).get_indexer(values)
    unknown = pd.Series(values[codes < 0]).value_counts()
    if len(unknown):
        listed = ", ".join(f"{name!r} ({count}×)" for name, count in unknown.head(10).items())
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise InputError(
            f"the human labels in {column!r} include {len(unknown)} value(s) not in the labels {labels.names}: "
            f"{listed}{more}. Add them to labels=, or fix or drop those rows."
        )
    return np.asarray(codes, dtype=np.int64)


def _no_rows_error(column: str, total: int, excluded: Mapping[str, int]) -> InputError:
    why = ", ".join(f"{count} {reason}" for reason, count in excluded.items()) or "none"
    return InputError(
        f"compare() has no rows to compare: none of the {total} row(s) has a usable human label in {column!r} "
        f"(left out: {why}). Label some rows first, or pass human='<column with the human labels>'."
    )


def _prepare_wide(
    df: pd.DataFrame, *, human: str, text: str, labels: Any, keys: pd.Index, source: str, target: Any
) -> _Prepared:
    _require_columns(df, human=human, text=text)
    values, present = _human_values(df[human])
    label_set = _label_set(labels, values[present])
    excluded = {"without a human label": int((~present).sum())} if (~present).any() else {}
    if not present.any():
        raise _no_rows_error(human, len(df), excluded)
    rows = np.flatnonzero(present)
    codes = _check_known(values[rows], label_set, human)
    frame = df.iloc[rows]
    frame.index = keys[rows]
    encoded = [encode_key(k) for k in frame.index]
    return _Prepared(source, frame, encoded, rows, codes, label_set, text, human, excluded, None, target)


def _prepare_long(
    df: pd.DataFrame, *, human: str, text: str, labels: Any, item: str, annotator: str | None
) -> _Prepared:
    _require_columns(df, item=item, human=human, text=text, **({"annotator": annotator} if annotator else {}))
    if df[item].isna().any():
        raise InputError(f"{int(df[item].isna().sum())} row(s) have no {item!r}: every annotation needs its item.")
    values, present = _human_values(df[human])
    excluded: dict[str, int] = {}
    if (~present).any():
        excluded["annotation rows without a label"] = int((~present).sum())
    label_set = _label_set(labels, values[present])
    _check_known(values[present], label_set, human)
    votes_frame = pd.DataFrame({"item": df[item].to_numpy()[present], "label": values[present]})
    if annotator is not None:
        who = df[annotator].to_numpy()[present]
        repeated = pd.DataFrame({"item": votes_frame["item"], "who": who}).duplicated(keep=False)
        if repeated.any():
            examples = votes_frame.loc[repeated.to_numpy(), "item"].unique()[:3].tolist()
            raise InputError(
                f"some annotators labeled an item more than once (e.g. items {examples}); keep one label each, e.g. "
                f"df.drop_duplicates([{item!r}, {annotator!r}], keep='last')."
            )
    first = df.drop_duplicates(item, keep="first")
    counts = votes_frame.groupby(["item", "label"], sort=False).size().unstack(fill_value=0)
    counts = counts.reindex(index=pd.Index(first[item]), fill_value=0)
    ordered = counts.reindex(columns=[n for n in label_set.names if n in counts.columns], fill_value=0)
    totals = ordered.to_numpy()
    top = totals.max(axis=1) if totals.size else np.zeros(len(ordered), dtype=np.int64)
    labeled = top > 0
    tied = labeled & ((totals == top[:, None]).sum(axis=1) > 1)
    if (~labeled).any():
        excluded["items without a human label"] = int((~labeled).sum())
    if tied.any():
        excluded["items where the annotators tie"] = int(tied.sum())
    keep = labeled & ~tied
    if not keep.any():
        raise _no_rows_error(human, len(first), excluded)
    majority = np.asarray(ordered.columns, dtype=object)[totals.argmax(axis=1)][keep]
    codes = _check_known(majority, label_set, human)
    frame = first.iloc[np.flatnonzero(keep)].set_index(item, drop=False)
    frame[human] = majority
    names = list(ordered.columns)
    votes = [
        " · ".join(f"{names[j]} {int(c)}" for j, c in sorted(enumerate(row), key=lambda x: -x[1]) if c)
        for row in totals[keep]
    ]
    encoded = [encode_key(k) for k in frame.index]
    rows = np.full(len(frame), -1, dtype=np.int64)
    return _Prepared("long", frame, encoded, rows, codes, label_set, text, human, excluded, votes, df)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# cost confirmation


def _confirm_cost(named: Mapping[str, Suggester], items: list[Item], labels: LabelSet, limit: float | None) -> None:
    if limit is None:
        return
    estimates: dict[str, float] = {}
    for name, suggester in named.items():
        estimate = getattr(suggester, "estimate_cost", None)
        if not callable(estimate):
            continue
        try:
            value = estimate(items, labels)
        except Exception as exc:  # an estimate is advice: a failing one must not block the run
            warnings.warn(f"could not estimate the cost of {name!r}: {exc!r}", stacklevel=3)
            continue
        if value is not None and math.isfinite(float(value)):
            estimates[name] = float(value)
    total = sum(estimates.values())
    if total <= limit:
        return
    listed = ", ".join(f"{name} ${value:,.2f}" for name, value in estimates.items())
    question = (
        f"compare() will run {len(named)} suggester(s) on {len(items):,} items; estimated cost ${total:,.2f} "
        f"({listed}), above confirm_above=${limit:,.2f}. Proceed? [y/N] "
    )
    how = (
        f"Pass confirm_above={math.ceil(total * 1.2 * 100) / 100:g} (or None to never ask) to proceed, "
        "or compare fewer rows (e.g. df.sample(200, random_state=0))."
    )
    if not _confirm(question):
        raise CostNotConfirmed(f"compare() did not run: the estimated cost ${total:,.2f} ({listed}) was not "
                               f"confirmed. {how}")  # fmt: skip


def _confirm(question: str) -> bool:
    """Ask on stdin; raise CostNotConfirmed where nobody can answer (a script without a terminal, nbconvert, CI)."""
    in_kernel = "ipykernel" in sys.modules and _ipython_kernel() is not None
    if not in_kernel and (sys.stdin is None or not sys.stdin.isatty()):
        raise CostNotConfirmed(question.replace(" Proceed? [y/N] ", "") + " Nobody can confirm in this "
                               "non-interactive run: pass a higher confirm_above=, or confirm_above=None.")  # fmt: skip
    try:
        answer = input(question)
    except (EOFError, OSError, NotImplementedError, RuntimeError) as exc:  # StdinNotImplementedError in nbconvert
        raise CostNotConfirmed(
            question.replace(" Proceed? [y/N] ", "") + " Nobody can confirm in this run "
            f"({type(exc).__name__}): pass a higher confirm_above=, or confirm_above=None."
        ) from None
    return answer.strip().lower() in ("y", "yes")


def _ipython_kernel() -> Any:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:
        return None
    return getattr(shell, "kernel", None)


# ---------------------------------------------------------------------------------------------------------------
# running the suggesters


@dataclass
class _Run:
    """One suggester's outputs on every item, and the wall time its suggest() calls took."""

    suggestions: list[Suggestion]
    seconds: float


def _run_all(
    named: Mapping[str, Suggester], items: list[Item], labels: LabelSet, *, max_workers: int, batch_size: int,
    progress: bool,
) -> dict[str, _Run]:  # fmt: skip
    outputs: dict[str, list[Suggestion | None]] = {name: [None] * len(items) for name in named}
    seconds = dict.fromkeys(named, 0.0)
    limits = {
        name: threading.BoundedSemaphore(
            max(1, min(max_workers, int(getattr(s, "max_concurrency", None) or max_workers)))
        )
        for name, s in named.items()
    }
    starts = list(range(0, len(items), batch_size))
    bar = _progress_bar(len(items) * len(named), progress)

    def run_batch(name: str, start: int) -> tuple[str, int, list[Suggestion], float]:
        batch = items[start : start + batch_size]
        with limits[name]:
            began = time.perf_counter()
            result = _suggest_batch(named[name], batch, labels)
            return name, start, result, time.perf_counter() - began

    # Round-robin over suggesters, so that a slow one does not hold the others back and the bar moves evenly.
    tasks = [(name, start) for start in starts for name in named]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(tasks)), thread_name_prefix="lw-compare") as pool:
        futures: list[Future[tuple[str, int, list[Suggestion], float]]] = [
            pool.submit(run_batch, name, start) for name, start in tasks
        ]
        try:
            for future in as_completed(futures):
                name, start, result, took = future.result()
                outputs[name][start : start + len(result)] = result
                seconds[name] += took
                if bar is not None:
                    bar.update(len(result))
        except BaseException:  # Ctrl-C or a bug: drop the batches not started, so that no more money is spent
            for future in futures:
                future.cancel()
            raise
        finally:
            if bar is not None:
                bar.close()
    return {name: _Run([s for s in outputs[name] if s is not None], seconds[name]) for name in named}


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm comes with the llm extra; without it there is simply no bar
        return None
    return tqdm(total=total, desc="compare", unit="item")


def _suggest_batch(suggester: Suggester, batch: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
    name = str(getattr(suggester, "name", type(suggester).__name__))
    try:
        result = suggester.suggest(batch, labels)
    except Exception as exc:
        if len(batch) > 1:  # one bad row must not sink its neighbours: retry them one by one
            return [s for item in batch for s in _suggest_batch(suggester, [item], labels)]
        return [Suggestion.invalid(f"{type(exc).__name__}: {exc}", model=name)]
    if not isinstance(result, Sequence) or len(result) != len(batch):
        count = len(result) if isinstance(result, Sequence) else type(result).__name__
        return [Suggestion.invalid(f"suggest() returned {count} suggestions for {len(batch)} items", model=name)
                for _ in batch]  # fmt: skip
    return [_checked(s, labels, name) for s in result]


def _checked(suggestion: Any, labels: LabelSet, name: str) -> Suggestion:
    if not isinstance(suggestion, Suggestion):
        return Suggestion.invalid(f"suggest() returned a {type(suggestion).__name__}, not a Suggestion", model=name)
    if suggestion.valid and suggestion.label not in labels:
        return replace(suggestion, label=None, error=f"{suggestion.label!r} is not one of the labels {labels.names}",
                       raw=suggestion.raw if suggestion.raw is not None else str(suggestion.label))  # fmt: skip
    return suggestion


# ---------------------------------------------------------------------------------------------------------------
# scoring


@dataclass
class _Scores:
    table: pd.DataFrame
    pairwise: pd.DataFrame
    notes: list[str]
    tie_metric: str


def _mean_of(values: Iterable[float | None]) -> float:
    known = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(known) / len(known) if known else math.nan


def _usage(suggestions: list[Suggestion], seconds: float) -> dict[str, float]:
    """Cost, tokens and latency per item. Items served from a cache are left out of the per-item means when others
    are not, since a new item costs what an uncached one did."""
    fresh = [s for s in suggestions if not s.cached] or suggestions
    costs = [s.cost for s in fresh]
    tokens = [
        None if s.input_tokens is None and s.output_tokens is None else (s.input_tokens or 0) + (s.output_tokens or 0)
        for s in fresh
    ]
    latency = _mean_of(s.latency for s in fresh)
    if math.isnan(latency) and suggestions:  # the suggester does not time itself: its suggest() calls, per item
        latency = seconds / len(suggestions)
    spent = [s.cost for s in suggestions if s.cost is not None and not s.cached]
    return {
        "cost": float(sum(spent)) if spent else math.nan,
        "cost_per_item": _mean_of(costs),
        "tokens_per_item": _mean_of(tokens),
        "latency_per_item": latency,
    }


def _percentile(values: np.ndarray, ci: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return math.nan, math.nan
    tail = (1 - ci) / 2
    low, high = np.quantile(finite, [tail, 1 - tail])
    return float(low), float(high)


def _kappa_from_counts(agree: np.ndarray, true: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    """Cohen's kappa per row of counts (the formula scikit-learn uses), NaN where it is 0/0 or the people used one
    label only (kappa then cannot measure agreement)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        chance = (true * pred[..., : true.shape[-1]]).sum(axis=-1) / (n * n)
        kappa = (agree / n - chance) / (1 - chance)
    single = (true > 0).sum(axis=-1) < 2
    return np.where(single | ~np.isfinite(kappa), np.nan, kappa)


def _macro_f1_from_counts(hits: np.ndarray, true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Mean F1 over the labels seen on either side, as f1_score(average="macro", zero_division=np.nan)."""
    k = true.shape[-1]
    denominator = true + pred[..., :k]
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(denominator > 0, 2 * hits / denominator, np.nan)
        counts = np.isfinite(f1).sum(axis=-1)
        return np.where(counts > 0, np.nansum(f1, axis=-1) / np.maximum(counts, 1), np.nan)


def _bootstrap(
    human: np.ndarray, predicted: Mapping[str, np.ndarray], k: int, n_boot: int, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """Kappa, accuracy and macro-F1 of every suggester on the same ``n_boot`` resamples of the items.

    The same resampled items for everyone make the replicates paired, so their differences give the paired
    bootstrap. A resample is a row of counts (how often each item was drawn); the label counts a metric needs are
    then one matrix product per chunk of replicates, whatever the number of suggesters.
    """
    n = len(human)
    names = list(predicted)
    eye_true = np.eye(k)[human]  # n × k
    blocks = [eye_true]
    for name in names:
        codes = predicted[name]
        blocks.append(np.eye(k + 1)[codes])  # k + 1: the last column counts invalid outputs
        blocks.append(eye_true * (codes == human)[:, None])
    design = np.hstack(blocks)
    out = {name: {m: np.empty(n_boot) for m in QUALITY_METRICS} for name in names}
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, _BOOTSTRAP_CELLS // max(n, 1)))
    for begin in range(0, n_boot, chunk):
        size = min(chunk, n_boot - begin)
        draws = rng.integers(0, n, size=(size, n))
        weights = np.bincount((np.arange(size)[:, None] * n + draws).ravel(), minlength=size * n).reshape(size, n)
        counts = weights @ design
        true = counts[:, :k]
        offset = k
        for name in names:
            pred = counts[:, offset : offset + k + 1]
            hits = counts[:, offset + k + 1 : offset + 2 * k + 1]
            offset += 2 * k + 1
            agree = hits.sum(axis=1)
            window = slice(begin, begin + size)
            out[name]["accuracy"][window] = agree / n
            out[name]["kappa"][window] = _kappa_from_counts(agree, true, pred, n)
            out[name]["macro_f1"][window] = _macro_f1_from_counts(hits, true, pred)
    return out


def _score(
    human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int, *,
    sort_by: str, ci: float, n_boot: int, seed: int,
) -> _Scores:  # fmt: skip
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

    from labelwidgets.metrics.agreement import wilson_interval

    n = len(human)
    notes: list[str] = []
    human_classes = np.unique(human)
    if human_classes.size < 2:
        notes.append("the people used a single label: kappa cannot measure agreement (NaN); compare by accuracy")
    boot = _bootstrap(human, predicted, k, n_boot, seed) if n_boot and n >= 2 else None
    rows = []
    for name, codes in predicted.items():
        correct = int((codes == human).sum())
        low, high = wilson_interval(correct, n, ci)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 0/0 kappa warns; it is NaN here and explained in notes
            kappa = math.nan if human_classes.size < 2 else float(cohen_kappa_score(human, codes))
            macro = float(f1_score(human, codes, labels=np.arange(k), average="macro", zero_division=np.nan))
        row: dict[str, Any] = {
            "suggester": name,
            "kappa": kappa if math.isfinite(kappa) else math.nan,
            "accuracy": float(accuracy_score(human, codes)),
            "accuracy_low": float(low),
            "accuracy_high": float(high),
            "macro_f1": macro,
            "n": n,
            "invalid": int((codes == k).sum()),
            "invalid_share": float((codes == k).mean()),
            **usage[name],
        }
        for metric in ("kappa", "macro_f1"):
            bounds = _percentile(boot[name][metric], ci) if boot is not None else (math.nan, math.nan)
            if not math.isfinite(row[metric]):
                bounds = (math.nan, math.nan)
            row[f"{metric}_low"], row[f"{metric}_high"] = bounds
        rows.append(row)

    column, ascending = SORT_KEYS[sort_by]
    table = pd.DataFrame(rows).set_index("suggester")
    # ties on the sort key fall back to kappa, then the given order: a stable, explainable ranking
    table["_order"] = np.arange(len(table))
    by, order = [column, "_order"], [ascending, True]
    if column != "kappa":
        by.insert(1, "kappa")
        order.insert(1, False)
    table = table.sort_values(by, ascending=order, na_position="last", kind="stable").drop(columns="_order")
    table["rank"] = np.arange(1, len(table) + 1)

    tie_metric = _tie_metric(sort_by, boot is not None, kappa_defined=human_classes.size >= 2)
    points = {name: {m: float(table.loc[name, m]) for m in QUALITY_METRICS} for name in table.index}
    pairwise = _pairwise(human, predicted, points, list(table.index), boot, ci, tie_metric)
    tied: dict[str, list[str]] = {name: [] for name in table.index}
    for record in pairwise.itertuples(index=False):
        if not record.distinguishable:
            tied[record.a].append(record.b)
            tied[record.b].append(record.a)
    ranked = {str(name): i for i, name in enumerate(table.index)}
    table["tied_with"] = [", ".join(sorted(tied[name], key=lambda other: ranked[other])) for name in table.index]
    table = table[TABLE_COLUMNS]
    table.index.name = "suggester"
    return _Scores(table, pairwise, notes, tie_metric)


def _tie_metric(sort_by: str, have_bootstrap: bool, *, kappa_defined: bool) -> str:
    metric = sort_by if sort_by in QUALITY_METRICS else "kappa"
    if metric == "kappa" and not kappa_defined:
        return "accuracy"
    return metric if have_bootstrap else "accuracy"  # without resamples only McNemar can speak


def _pairwise(
    human: np.ndarray,
    predicted: Mapping[str, np.ndarray],
    points: Mapping[str, Mapping[str, float]],
    ranked: list[str],
    boot: Mapping[str, Mapping[str, np.ndarray]] | None,
    ci: float,
    tie_metric: str,
) -> pd.DataFrame:
    from statsmodels.stats.contingency_tables import mcnemar

    alpha = 1 - ci
    rows = []
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            right_a = predicted[a] == human
            right_b = predicted[b] == human
            a_only = int((right_a & ~right_b).sum())
            b_only = int((~right_a & right_b).sum())
            both = int((right_a & right_b).sum())
            table = [[both, a_only], [b_only, int(len(human) - both - a_only - b_only)]]
            p_value = float(mcnemar(table, exact=True).pvalue)
            row: dict[str, Any] = {
                "a": a, "b": b, "n": len(human),
                "disagree": int((predicted[a] != predicted[b]).sum()),
                "a_only_correct": a_only, "b_only_correct": b_only,
                "accuracy_diff": float(right_a.mean() - right_b.mean()),
                "mcnemar_p": p_value,
            }  # fmt: skip
            for metric in ("kappa", "macro_f1"):
                if boot is None:
                    row[f"{metric}_diff"] = points[a][metric] - points[b][metric]
                    row[f"{metric}_diff_low"] = row[f"{metric}_diff_high"] = math.nan
                    continue
                difference = boot[a][metric] - boot[b][metric]
                row[f"{metric}_diff"] = points[a][metric] - points[b][metric]
                row[f"{metric}_diff_low"], row[f"{metric}_diff_high"] = _percentile(difference, ci)
            if tie_metric == "accuracy":
                distinguishable = p_value < alpha
            else:
                low, high = row[f"{tie_metric}_diff_low"], row[f"{tie_metric}_diff_high"]
                distinguishable = bool(math.isfinite(low) and (low > 0 or high < 0))
            row["distinguishable"] = bool(distinguishable)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=PAIRWISE_COLUMNS)
    return frame.astype({"distinguishable": bool})


# ---------------------------------------------------------------------------------------------------------------
# the result


class Leaderboard:
    """What ``compare`` found: the ranking, the pairwise tests, every output, and the disagreement explorer.

    * ``table``: one row per suggester (index ``suggester``), best first by ``sort_by``; columns ``rank``,
      ``kappa``/``accuracy``/``macro_f1`` each with ``_low``/``_high`` (see ``method``), ``n`` (items compared),
      ``invalid`` and ``invalid_share``, ``cost`` (dollars spent in this run), ``cost_per_item``,
      ``tokens_per_item``, ``latency_per_item`` (seconds), and ``tied_with`` (the entries this sample cannot tell
      apart from this one, comma-separated).
    * ``pairwise``: one row per pair (``a`` ranked above ``b``): items where they disagree, McNemar's exact test
      on who is right (``a_only_correct``, ``b_only_correct``, ``mcnemar_p``), paired-bootstrap differences of
      kappa and macro-F1 with intervals, and ``distinguishable``.
    * ``predictions``: per item (index: the item keys) the human label and each suggester's label (missing when
      invalid); ``suggestions``: each suggester's ``Suggestion`` objects in the same order; ``errors``: the
      invalid outputs with why.
    * ``excluded``: rows left out and why; ``corrections``: relabels made through ``relabel`` or the widget.

    Shown in a notebook it is a widget: the table, then a disagreement explorer (click an entry or a pair).
    """

    def __init__(self, prepared: _Prepared, runs: Mapping[str, _Run], *, sort_by: str, ci: float, n_boot: int,
                 seed: int):  # fmt: skip
        self._prepared = prepared
        self.labels: LabelSet = prepared.labels
        self.sort_by = sort_by
        self.ci = ci
        self.n_boot = n_boot
        self.seed = seed
        self.excluded: dict[str, int] = dict(prepared.excluded)
        self.suggestions: dict[str, list[Suggestion]] = {name: run.suggestions for name, run in runs.items()}
        self._usage = {name: _usage(run.suggestions, run.seconds) for name, run in runs.items()}
        k = len(self.labels)
        index = pd.Index(self.labels.names, dtype=object)
        self._predicted: dict[str, np.ndarray] = {}
        for name, suggestions in self.suggestions.items():
            chosen = np.array([s.label if s.valid else None for s in suggestions], dtype=object)
            codes = index.get_indexer(chosen)
            self._predicted[name] = np.where(codes < 0, k, codes).astype(np.int64)
        self._human = prepared.human.copy()
        self._position = {key: i for i, key in enumerate(prepared.keys)}
        self._corrections: list[dict[str, Any]] = []
        self._corrected: set[int] = set()
        self._listeners: list[Callable[[], None]] = []
        self._widget: LeaderboardWidget | None = None
        self._rescore()

    # ----- numbers ----------------------------------------------------------------------
    def _rescore(self) -> None:
        scores = _score(self._human, self._predicted, self._usage, len(self.labels), sort_by=self.sort_by,
                        ci=self.ci, n_boot=self.n_boot, seed=self.seed)  # fmt: skip
        self.table: pd.DataFrame = scores.table
        self.pairwise: pd.DataFrame = scores.pairwise
        self.notes: list[str] = scores.notes
        self.tie_metric: str = scores.tie_metric

    @property
    def n(self) -> int:
        """Items compared: every suggester is scored on all of them."""
        return len(self._human)

    @property
    def method(self) -> str:
        """How the intervals and ties were computed, in one sentence each."""
        level = f"{self.ci:.0%}"
        boot = f"percentile bootstrap over {self.n_boot:,} resamples of the items (seed {self.seed})"
        tie = (
            f"exact McNemar test on the same items, p < {1 - self.ci:.2g}"
            if self.tie_metric == "accuracy"
            else f"paired bootstrap of the {self.tie_metric} difference on the same resamples, {level} interval "
            "excludes 0"
        )
        return (
            f"{level} intervals: accuracy Wilson; kappa and macro-F1 {boot if self.n_boot else 'none (n_boot=0)'}. "
            f"Invalid outputs count as disagreements. Distinguishable: {tie} (per pair, no multiplicity correction)."
        )

    @property
    def predictions(self) -> pd.DataFrame:
        names = np.array([*self.labels.names, None], dtype=object)
        data = {"human": names[self._human]}
        for name, codes in self._predicted.items():
            data[name] = names[codes]
        frame = pd.DataFrame(data, index=self._prepared.frame.index.copy())
        return frame.astype("string")

    @property
    def errors(self) -> pd.DataFrame:
        """Every invalid output: suggester, item key, why, and what the model said."""
        keys = self._prepared.frame.index
        rows = [
            {"suggester": name, "key": keys[i], "error": s.error or "no label", "raw": s.raw}
            for name, suggestions in self.suggestions.items()
            for i, s in enumerate(suggestions)
            if not s.valid
        ]
        return pd.DataFrame(rows, columns=["suggester", "key", "error", "raw"])

    @property
    def corrections(self) -> pd.DataFrame:
        """Relabels made here, oldest first: ``key``, ``old`` and ``new`` human label, ``at`` (UTC), and ``event``
        (the id of the event in the Labeler's store; missing for a DataFrame input)."""
        frame = pd.DataFrame(self._corrections, columns=CORRECTION_COLUMNS)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame.astype({"event": "Int64"})

    def disagreements(self, name: str, other: str | None = None) -> pd.DataFrame:
        """The items where suggester ``name`` disagrees with the human label (or with suggester ``other``):
        their text, the human label and every suggester's label."""
        positions = self.disagreement_positions(name, other)
        frame = self.predictions.iloc[positions]
        text = self._prepared.frame[self._prepared.text_column].iloc[positions]
        frame.insert(0, "text", text.to_numpy())
        return frame

    def disagreement_positions(self, name: str, other: str | None = None) -> np.ndarray:
        """Positions (0-based, in item order) where ``name`` disagrees with the human label, or with ``other``."""
        for entry in (name, other):
            if entry is not None and entry not in self._predicted:
                raise InputError(f"{entry!r} is not one of the suggesters {list(self._predicted)}.")
        reference = self._human if other is None else self._predicted[other]
        return np.flatnonzero(self._predicted[name] != reference)

    # ----- relabel ----------------------------------------------------------------------
    def relabel(self, key: Any, label: str) -> dict[str, Any] | None:
        """Say the human label of item ``key`` (an index value, or its encoded key) was wrong: it is ``label``.

        Never a silent overwrite. With a ``Labeler`` input the change is a new decision event in the labeler's
        store (``labeler.session.decide``; ``labeler.df`` follows), with a note saying it came from here. With a
        DataFrame input the human column of that DataFrame is updated in place and the change is recorded in
        ``board.corrections`` (in memory: save it if it matters). With a long table (``item=``) only the board's
        majority label changes, recorded in ``board.corrections``; the annotations are left as they are. In every
        case ``corrections`` lists it and the numbers are recomputed. Returns the correction, or None when the
        label was already ``label``.
        """
        position = self._position_of(key)
        return self.relabel_at(position, label)

    def relabel_at(self, position: int, label: str) -> dict[str, Any] | None:
        """``relabel`` by the item's position in ``predictions`` (what the widget sends)."""
        label = self.labels.require(label)
        if not 0 <= position < self.n:
            raise InputError(f"position {position} is out of range; there are {self.n} items.")
        new = self.labels.names.index(label)
        old = int(self._human[position])
        if old == new:
            return None
        prepared = self._prepared
        key = prepared.frame.index[position]
        old_label = self.labels.names[old]
        event_id = None
        if prepared.source == "labeler":
            session = prepared.target.session
            row = int(prepared.rows[position])
            event = session.decide(
                "label", label, rank=session.rank_of(row), advance=False,
                note=f"relabeled in the compare() disagreement explorer (was {old_label!r})",
            )  # fmt: skip
            event_id = event.id
        elif prepared.source == "dataframe":
            if prepared.human_column in prepared.target.attrs.get(_LABELER_COLUMNS, ()):
                warnings.warn(
                    f"this DataFrame's {prepared.human_column!r} column is written by a Labeler: the correction is "
                    "made here and logged in board.corrections, but the labeler's store does not know, and restores "
                    "the old label when the labeler is re-created. Pass the Labeler itself to compare() so that "
                    "relabels are stored as decision events.",
                    stacklevel=3,
                )
            _write_cell(prepared.target, int(prepared.rows[position]), prepared.human_column, label)
        self._human[position] = new
        self._corrected.add(position)
        correction = {"key": key, "old": old_label, "new": label, "at": pd.Timestamp.now(tz="UTC"), "event": event_id}
        self._corrections.append(correction)
        self._rescore()
        for callback in list(self._listeners):
            callback()
        return correction

    def _position_of(self, key: Any) -> int:
        try:
            encoded = encode_key(key)
        except TypeError:
            encoded = None
        for candidate in (encoded, key if isinstance(key, str) else None):
            if candidate is not None and candidate in self._position:
                return self._position[candidate]
        raise InputError(f"{key!r} is not one of the compared items (rows with a human label).")

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every relabel (the widget uses it to refresh)."""
        self._listeners.append(callback)

    # ----- what the widget shows ----------------------------------------------------------
    def item_payload(self, position: int, *, text_chars: int = 4000, other_chars: int = 600) -> dict[str, Any]:
        prepared = self._prepared
        text = _as_text(prepared.frame[prepared.text_column].iat[position])
        human = self.labels.names[int(self._human[position])]
        outputs = []
        for name, suggestions in self.suggestions.items():
            s = suggestions[position]
            outputs.append({
                "name": name,
                "label": s.label if s.valid else None,
                "confidence": s.confidence if s.confidence is not None and math.isfinite(s.confidence) else None,
                "error": None if s.valid else (s.error or "no label"),
                "raw": None if s.raw is None else s.raw[:other_chars],
                "rationale": None if s.rationale is None else s.rationale[:other_chars],
            })  # fmt: skip
        return {
            "position": position,
            "key": str(prepared.frame.index[position]),
            "text": text[:text_chars],
            "length": len(text),
            "human": human,
            "votes": None if prepared.votes is None else prepared.votes[position],
            "corrected": position in self._corrected,
            "outputs": outputs,
        }

    @property
    def widget(self) -> LeaderboardWidget:
        if self._widget is None:
            from labelwidgets.widgets.leaderboard import LeaderboardWidget

            self._widget = LeaderboardWidget(self)
        return self._widget

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle_with_text(self.widget, repr(self), **kwargs)

    def __repr__(self) -> str:
        shown = pd.DataFrame(index=self.table.index)
        shown["rank"] = self.table["rank"]
        for metric in ("kappa", "accuracy", "macro_f1"):
            shown[metric] = [
                _with_interval(v, lo, hi)
                for v, lo, hi in self.table[[metric, f"{metric}_low", f"{metric}_high"]].itertuples(index=False)
            ]
        shown["invalid"] = [f"{share:.0%}" for share in self.table["invalid_share"]]
        shown["$/item"] = [_money(v) for v in self.table["cost_per_item"]]
        shown["tied_with"] = self.table["tied_with"]
        left_out = "; ".join(f"{count} {reason}" for reason, count in self.excluded.items())
        lines = [
            f"Leaderboard: {len(self.table)} suggesters vs human labels on {self.n} items, ranked by {self.sort_by}",
            shown.to_string(),
            self.method,
        ]
        if left_out:
            lines.append(f"Left out: {left_out}.")
        if self._corrections:
            lines.append(f"{len(self._corrections)} human label(s) corrected here (board.corrections).")
        lines.extend(self.notes)
        return "\n".join(lines)


def _with_interval(value: float, low: float, high: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{value:.3f}"
    return f"{value:.3f} [{low:.2f}, {high:.2f}]"


def _money(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    return f"${value:.5f}" if value < 0.01 else f"${value:.3f}"


def _write_cell(df: pd.DataFrame, row: int, column: str, label: str) -> None:
    series = df[column]
    if isinstance(series.dtype, pd.CategoricalDtype) and label not in series.cat.categories:
        df[column] = series.cat.add_categories([label])
    df.iat[row, df.columns.get_loc(column)] = label
