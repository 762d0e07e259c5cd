"""Running suggesters over many items: the one runner behind `lw.suggest` and `lw.compare`.

>>> runs = run_suggesters({"gpt": llm, "rules": Keywords()}, items, labels, max_workers=8, batch_size=16)
>>> runs["gpt"].suggestions      # one valid or invalid Suggestion per item, in item order

What every caller gets, whatever the suggester does:

* **Bounded concurrency.** One pool of ``max_workers`` threads for the whole run. Each suggester has at most
  ``min(max_workers, suggester.max_concurrency)`` batches in flight. Batches are handed to the pool from the
  calling thread, round-robin across suggesters, only when a slot is free: a serial suggester never parks pool
  threads waiting for its turn, and what has not been handed out is never started once the run stops.
* **A failure costs its items, not the run.** A ``suggest()`` call that raises is retried item by item, so one bad
  row does not sink its neighbours; an item that still raises becomes an invalid suggestion carrying
  ``"<ErrorType>: <message>"`` (the format the labeler's prefetch uses too). A call that returns the wrong number of
  answers, or not a list, makes every item of its batch invalid and says so; it is not retried (the suggester is
  broken, not the item).
* **Only labels from the label set.** Every answer goes through `validate`: a near miss maps onto its label,
  anything else becomes invalid and keeps what the suggester said in ``raw``.
* **Latency.** A suggestion that does not time itself gets the wall time of the call that answered it, shared
  among the items of that call, so ``latency`` is always the seconds one item cost.
* **Ctrl-C** (or any ``BaseException``) stops the run and propagates: batches not started are dropped, so no more
  money is spent; calls under way end by their own timeouts.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from labelwidgets.errors import user_stacklevel
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item, Suggester, Suggestion
from labelwidgets.suggesters.validate import validate

log = logging.getLogger("labelwidgets")

#: ``progress=`` may be a callable; it is called with (items answered so far, items in the run) after every batch.
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Run:
    """One suggester's answers to every item of a run, in item order."""

    name: str
    suggestions: list[Suggestion]
    seconds: float  # wall time spent inside its suggest() calls, summed over calls
    calls: int  # suggest() calls made, retries included

    @property
    def invalid(self) -> int:
        return sum(not s.valid for s in self.suggestions)


def suggester_name(suggester: Any) -> str:
    return str(getattr(suggester, "name", None) or type(suggester).__name__)


def run_suggester(
    suggester: Suggester,
    items: Sequence[Item],
    labels: LabelSet,
    *,
    max_concurrency: int | None = None,
    batch_size: int | None = None,
    progress: bool | ProgressCallback = True,
    desc: str | None = None,
) -> Run:
    """Run one suggester over ``items``: ``max_concurrency`` batches at once (default: the suggester's own
    ``max_concurrency``, else 1) of ``batch_size`` items (default: its ``batch_size``, else 1)."""
    name = suggester_name(suggester)
    workers = max_concurrency or getattr(suggester, "max_concurrency", None) or 1
    size = batch_size or getattr(suggester, "batch_size", None) or 1
    runs = run_suggesters({name: suggester}, items, labels, max_workers=int(workers), batch_size=int(size),
                          progress=progress, desc=desc or f"suggest ({name})")  # fmt: skip
    return runs[name]


def run_suggesters(
    suggesters: Mapping[str, Suggester],
    items: Sequence[Item],
    labels: LabelSet,
    *,
    max_workers: int = 8,
    batch_size: int = 16,
    progress: bool | ProgressCallback = True,
    desc: str = "suggest",
) -> dict[str, Run]:
    """Run every suggester over every item in one pool of ``max_workers`` threads; see the module docstring."""
    if max_workers < 1 or batch_size < 1:
        raise ValueError("max_workers and batch_size must be at least 1")
    names = list(suggesters)
    outputs: dict[str, list[Suggestion | None]] = {name: [None] * len(items) for name in names}
    seconds = dict.fromkeys(names, 0.0)
    calls = dict.fromkeys(names, 0)
    queues = {name: deque(range(0, len(items), batch_size)) for name in names}
    limits = {name: _limit(suggesters[name], max_workers) for name in names}
    bar = _Progress(len(items) * len(names), desc, progress)
    try:
        for name, start, answered, took, made in _schedule(suggesters, items, labels, queues, limits, max_workers,
                                                           batch_size):  # fmt: skip
            outputs[name][start : start + len(answered)] = answered
            seconds[name] += took
            calls[name] += made
            bar.advance(len(answered), sum(not s.valid for s in answered))
    finally:
        bar.close()
    runs = {}
    for name in names:
        answered = [s if s is not None else Suggestion.invalid("no answer") for s in outputs[name]]
        runs[name] = Run(name, answered, seconds[name], calls[name])
        if runs[name].invalid:
            errors = Counter(s.error for s in answered if not s.valid)
            log.warning("%s: %d of %d suggestions invalid; most common: %s (%d)", name, runs[name].invalid,
                        len(answered), *errors.most_common(1)[0])  # fmt: skip
    return runs


def _limit(suggester: Suggester, max_workers: int) -> int:
    own = getattr(suggester, "max_concurrency", None)
    return max(1, min(max_workers, int(own))) if own else max_workers


_Done = tuple[str, int, list[Suggestion], float, int]


def _schedule(
    suggesters: Mapping[str, Suggester],
    items: Sequence[Item],
    labels: LabelSet,
    queues: dict[str, deque[int]],
    limits: Mapping[str, int],
    max_workers: int,
    batch_size: int,
) -> Iterator[_Done]:
    """Yield (name, start, suggestions, seconds, calls) per batch as batches finish."""
    total = sum(len(q) for q in queues.values())
    if total == 0:
        return
    if max_workers == 1 or total == 1:  # no thread to start: the caller's thread does the work (and takes Ctrl-C)
        while any(queues.values()):
            for name, queue in queues.items():
                if queue:
                    start = queue.popleft()
                    yield _answer(name, suggesters[name], items[start : start + batch_size], labels, start)
        return
    in_flight = dict.fromkeys(queues, 0)
    pending: dict[Future[_Done], str] = {}
    order = deque(queues)
    pool = ThreadPoolExecutor(min(max_workers, total), thread_name_prefix="labelwidgets-suggest")

    def hand_out() -> None:
        # round-robin over the suggesters with work left and a free slot, so that one suggester does not wait
        # behind another's batches and the progress bar moves for all of them
        idle = 0
        while len(pending) < max_workers and idle < len(order):
            name = order[0]
            order.rotate(-1)
            if not queues[name] or in_flight[name] >= limits[name]:
                idle += 1
                continue
            idle = 0
            start = queues[name].popleft()
            batch = items[start : start + batch_size]
            in_flight[name] += 1
            pending[pool.submit(_answer, name, suggesters[name], batch, labels, start)] = name

    try:
        hand_out()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            done = []
            for future in finished:
                in_flight[pending.pop(future)] -= 1
                done.append(future.result())  # a Ctrl-C in a call re-raises here, before more work is handed out
            hand_out()  # before yielding, so that the pool stays busy while the caller records the answers
            yield from done
    finally:
        # On Ctrl-C or a bug: drop what has not started; calls under way end by their own timeouts.
        pool.shutdown(wait=False, cancel_futures=True)


def _answer(name: str, suggester: Suggester, batch: Sequence[Item], labels: LabelSet, start: int) -> _Done:
    answered, seconds, calls = _call(name, suggester, batch, labels)
    return name, start, answered, seconds, calls


def _call(
    name: str, suggester: Suggester, batch: Sequence[Item], labels: LabelSet
) -> tuple[list[Suggestion], float, int]:
    """One suggest() call on ``batch``: the validated suggestions, the seconds spent in suggest(), and the calls
    made (retries included)."""
    began = time.perf_counter()
    try:
        result = suggester.suggest(list(batch), labels)
    except Exception as error:
        took = time.perf_counter() - began
        if len(batch) > 1:  # one bad row must not sink its neighbours: retry them one by one
            answered: list[Suggestion] = []
            calls = 1
            for item in batch:
                one, seconds, made = _call(name, suggester, [item], labels)
                answered += one
                took += seconds
                calls += made
            return answered, took, calls
        log.debug("%s failed on item %s: %s", name, batch[0].key, describe_error(error))
        return [Suggestion.invalid(describe_error(error), model=name, latency=took)], took, 1
    took = time.perf_counter() - began
    if not isinstance(result, Sequence) or isinstance(result, str) or len(result) != len(batch):
        count = len(result) if isinstance(result, Sequence) and not isinstance(result, str) else type(result).__name__
        why = f"suggest() returned {count} answers for {len(batch)} items"
        log.debug("%s: %s", name, why)
        return [Suggestion.invalid(why, model=name) for _ in batch], took, 1
    share = took / len(batch)
    answered = []
    for answer, item in zip(result, batch, strict=True):
        checked = validate(answer, labels, name=name, text=item.text)
        if checked.latency is None:
            checked = dataclasses.replace(checked, latency=share)
        answered.append(checked)
    return answered, took, 1


def describe_error(error: BaseException, limit: int = 300) -> str:
    """``"<ErrorType>: <message>"`` on one line, clipped: what an invalid suggestion says when its call raised."""
    message = " ".join(str(error).split())
    if len(message) > limit:
        message = message[: limit - 1] + "…"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class _Progress:
    """A tqdm bar (or a callback, or nothing) counting answered items, with the invalid ones as a postfix."""

    def __init__(self, total: int, desc: str, progress: bool | ProgressCallback):
        self.total = total
        self.done = 0
        self.invalid = 0
        self.callback: ProgressCallback | None = progress if callable(progress) else None
        self.bar: Any = None
        if progress is True:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                warnings.warn(
                    'no progress bar without tqdm: pip install "labelwidgets[llm]"', stacklevel=user_stacklevel()
                )
            else:
                self.bar = tqdm(total=total, desc=desc, unit="item")

    def advance(self, answered: int, invalid: int) -> None:
        self.done += answered
        self.invalid += invalid
        if self.bar is not None:
            self.bar.update(answered)
            if invalid:
                self.bar.set_postfix(invalid=self.invalid, refresh=False)
        if self.callback is not None:
            self.callback(self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
