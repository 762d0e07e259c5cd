"""Does the Dashboard's cost per decision grow with the number of decisions? Against a full recompute.
And how long does opening one on a session restored with 200,000 decisions take?

    python benchmarks/bench_dashboard.py            # prints two Markdown tables (about three minutes)
    python benchmarks/bench_dashboard.py --quick    # 1,000 and 100,000 decisions only
    python benchmarks/bench_dashboard.py --open     # only the second table

Synthetic decisions (three labels, the LLM right 85% of the time, a confidence each) are fed straight into
``Dashboard.update`` to reach 1,000, 100,000 and 1,000,000 decisions quickly. At each size it times:

* one decision folded in and the FigureWidget redrawn in place (``update``), the per-click cost;
* the same without the redraw (the running counts alone);
* ``refresh()``: the bootstrap interval of Cohen's kappa (1,000 resamples) plus a redraw, which the dashboard runs
  every ``interval_every`` decisions, not per click;
* a full recompute with scikit-learn on all decisions so far: ``cohen_kappa_score`` + ``confusion_matrix``.

No browser is attached, so the redraw times the Python side (validation and the message to the front end). The
p95 of ``update`` includes the decisions that also recompute the interval (one in ``interval_every`` = 25).
Opening: a SQLite store is filled in bulk with one decision per row (accepted or corrected, a suggestion with a
confidence, one in five labeled blind), a revision on every tenth row and an undo on every twentieth, as
``bench_restore.py`` does. A Labeler restores it (timed, for scale), then ``Dashboard(labeler)`` is timed: it reads
the session's decisions in force (``LabelingSession.effective_frame``), whether each suggestion was shown (one
query of two columns) and builds every count, the rolling window, the Page-Hinkley state and the drawn points,
vectorised; then the first redraw. Then one ``label()`` with the dashboard following it. Wall clock and CPU time
of this process (the machine is shared).

Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.decision import FIELDS, Decision, text_hash
from labelwidgets.keys import encode_key
from labelwidgets.store import open_store
from labelwidgets.widgets.dashboard import Dashboard

LABELS = ["billing", "bug", "other"]
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def decisions(start: int, count: int, rng: np.random.Generator) -> list[Decision]:
    human = rng.choice(LABELS, count, p=[0.5, 0.3, 0.2])
    right = rng.random(count) < 0.85
    other = rng.choice(LABELS, count)
    suggestion = np.where(right, human, other)
    confidence = rng.uniform(0.4, 1.0, count)
    return [
        Decision(
            item_key=f"item-{start + i}",
            action="accepted" if h == s else "corrected",
            annotator="bench",
            decided_at=START + dt.timedelta(seconds=start + i),
            label=str(h),
            suggestion=str(s),
            confidence=float(c),
            id=start + i + 1,
        )
        for i, (h, s, c) in enumerate(zip(human, suggestion, confidence, strict=True))
    ]


def new(dash: Dashboard, decision: Decision, *, redraw: bool = True) -> None:
    """Feed a decision on an item that had none, as the session reports it (nothing in force before)."""
    dash.update(decision, None, decision, redraw=redraw)


def feed(dash: Dashboard, probes: Iterator[Decision], *, redraw: bool = True) -> None:
    new(dash, next(probes), redraw=redraw)


def label_as_suggested(labeler: lw.Labeler) -> None:
    labeler.label(str(labeler.current["llm"]))


def milliseconds(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="stop at 100,000 decisions")
    parser.add_argument("--open", action="store_true", help="only time opening a Dashboard on a restored session")
    args = parser.parse_args()
    if not args.open:
        per_decision((1_000, 100_000) if args.quick else (1_000, 100_000, 1_000_000))
        print()
    opening((10_000, 200_000))


def per_decision(sizes: tuple[int, ...]) -> None:

    frame = pd.DataFrame({"text": ["a ticket"] * 10, "llm": ["bug"] * 10})
    labeler = lw.Labeler(frame, labels=LABELS, store=None, suggester=lw.FromColumn("llm"))
    dash = Dashboard(labeler)
    rng = np.random.default_rng(0)
    human: list[str] = []
    suggested: list[str] = []
    fed = 0
    warm_up = decisions(fed, 100, rng)  # plotly builds its validators on first use: keep that out of the timings
    for decision in warm_up:
        new(dash, decision)
    human.extend(d.label for d in warm_up)  # type: ignore[misc]
    suggested.extend(d.suggestion for d in warm_up)  # type: ignore[misc]
    fed = len(warm_up)
    rows = []
    for size in sizes:
        while fed < size:  # fill up to the size, in chunks so memory for the Decision objects stays small
            chunk = decisions(fed, min(50_000, size - fed), rng)
            for decision in chunk:
                new(dash, decision, redraw=False)
            human.extend(d.label for d in chunk)  # type: ignore[misc]
            suggested.extend(d.suggestion for d in chunk)  # type: ignore[misc]
            fed += len(chunk)
        probes = decisions(fed, 400, rng)
        probe = iter(probes)
        with_redraw = milliseconds(partial(feed, dash, probe), 200)
        counts_only = milliseconds(partial(feed, dash, probe, redraw=False), 200)
        fed += len(probes)
        human.extend(d.label for d in probes)  # type: ignore[misc]
        suggested.extend(d.suggestion for d in probes)  # type: ignore[misc]
        refresh = milliseconds(dash.refresh, 5)
        recompute = milliseconds(lambda: full_recompute(human, suggested), 3 if size >= 1_000_000 else 5)
        rows.append((size, with_redraw, counts_only, refresh, recompute))

    print(f"Dashboard per decision vs a full scikit-learn recompute (medians; {fed:,} decisions in all)")
    print()
    print("| decisions so far | update + redraw, median / p95 (ms) | counts only (ms) | "
          "refresh: bootstrap κ interval + redraw (ms) | full recompute, sklearn κ + confusion (ms) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    for size, with_redraw, counts_only, refresh, recompute in rows:
        print(f"| {size:,} | {statistics.median(with_redraw):.2f} / {np.percentile(with_redraw, 95):.2f} | "
              f"{statistics.median(counts_only):.3f} | {statistics.median(refresh):.1f} | "
              f"{statistics.median(recompute):,.0f} |")  # fmt: skip


def fill(path: str, n: int) -> pd.DataFrame:
    """A store with a decision on each of ``n`` rows, written in bulk; returns the DataFrame it belongs to."""
    rng = np.random.default_rng(1)
    human = rng.choice(LABELS, n, p=[0.5, 0.3, 0.2])
    suggestion = np.where(rng.random(n) < 0.85, human, rng.choice(LABELS, n))
    confidence = np.round(rng.uniform(0.4, 1.0, n), 3)
    df = pd.DataFrame({"text": np.char.add("ticket ", np.arange(n).astype(str)).astype(object), "llm": suggestion,
                       "p": confidence})  # fmt: skip
    store = open_store(path)
    store.check_labels(LABELS)
    empty = dict.fromkeys(name for name in FIELDS if name != "id")
    records: list[dict[str, object]] = []
    for row in range(n):
        h, s = str(human[row]), str(suggestion[row])
        shown = row % 5 != 0
        when = (START + dt.timedelta(seconds=row)).isoformat(timespec="microseconds")
        base = {**empty, "item_key": encode_key(df.index[row]), "annotator": "bench", "decided_at": when,
                "text_hash": text_hash(df["text"].iat[row]), "suggestion": s, "confidence": float(confidence[row]),
                "suggestion_visible": shown, "session_id": "bench"}  # fmt: skip
        action = "labeled" if not shown else ("accepted" if h == s else "corrected")
        records.append({**base, "id": len(records) + 1, "action": action, "label": h})
        if row % 10 == 0:
            other = LABELS[(LABELS.index(h) + 1) % len(LABELS)]
            records.append({**base, "id": len(records) + 1, "action": "revised", "label": other,
                            "previous_label": h})  # fmt: skip
        if row % 20 == 0:
            records.append({**base, "id": len(records) + 1, "action": "undo", "undoes": len(records)})
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(store.events_table.insert(), records)  # type: ignore[attr-defined]
    store.close()
    return df


def opening(sizes: tuple[int, ...]) -> None:
    rows = []
    warm = lw.Labeler(pd.DataFrame({"text": ["a"], "llm": ["bug"]}), labels=LABELS, store=None,
                      suggester=lw.FromColumn("llm"))  # fmt: skip
    Dashboard(warm).close()  # plotly's imports and validators, outside the timings
    warm.close()
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "bench.db")
            df = fill(path, n)
            start = time.perf_counter()
            labeler = lw.Labeler(df, labels=LABELS, store=path, annotator="bench",
                                 suggester=lw.FromColumn("llm", confidence="p"))  # fmt: skip
            restore = time.perf_counter() - start
            wall, cpu = [], []
            for _ in range(3):
                start, start_cpu = time.perf_counter(), time.process_time()
                dash = Dashboard(labeler)
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                assert dash.n_decided == labeler.stats["decided"]
                dash.close()
            following = Dashboard(labeler)
            label_ms = milliseconds(partial(label_as_suggested, labeler), 20)
            assert following.n_decided == labeler.stats["decided"]
            labeler.close()
            rows.append((n, labeler.stats["decided"], restore, wall, cpu, label_ms))
    print("Opening a Dashboard on a restored session (one query for the store, the rest vectorised)")
    print()
    print("| stored decisions (items in force) | Labeler restore (s) | Dashboard(labeler) wall median / best (s) | "
          "Dashboard CPU (s) | label() with the dashboard following, median (ms) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    for n, decided, restore, wall, cpu, label_ms in rows:
        print(f"| {n:,} ({decided:,}) | {restore:.2f} | {statistics.median(wall):.2f} / {min(wall):.2f} | "
              f"{statistics.median(cpu):.2f} | {statistics.median(label_ms):.1f} |")  # fmt: skip


def full_recompute(human: list[str], suggested: list[str]) -> None:
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    cohen_kappa_score(human, suggested)
    confusion_matrix(human, suggested, labels=LABELS)


if __name__ == "__main__":
    main()
