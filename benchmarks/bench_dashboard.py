"""Does the Dashboard's cost per decision grow with the number of decisions? Against a full recompute.

    python benchmarks/bench_dashboard.py            # prints a Markdown table (about two minutes)
    python benchmarks/bench_dashboard.py --quick    # 1,000 and 100,000 decisions only

Synthetic decisions (three labels, the LLM right 85% of the time, a confidence each) are fed straight into
``Dashboard.update`` to reach 1,000, 100,000 and 1,000,000 decisions quickly. At each size it times:

* one decision folded in and the FigureWidget redrawn in place (``update``), the per-click cost;
* the same without the redraw (the running counts alone);
* ``refresh()``: the bootstrap interval of Cohen's kappa (1,000 resamples) plus a redraw, which the dashboard runs
  every ``interval_every`` decisions, not per click;
* a full recompute with scikit-learn on all decisions so far: ``cohen_kappa_score`` + ``confusion_matrix``.

No browser is attached, so the redraw times the Python side (validation and the message to the front end). The
p95 of ``update`` includes the decisions that also recompute the interval (one in ``interval_every`` = 25).
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.decision import Decision
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
    sizes = (1_000, 100_000) if parser.parse_args().quick else (1_000, 100_000, 1_000_000)

    frame = pd.DataFrame({"text": ["a ticket"] * 10, "llm": ["bug"] * 10})
    labeler = lw.Labeler(frame, labels=LABELS, store=None, suggester=lw.FromColumn("llm"))
    dash = Dashboard(labeler)
    rng = np.random.default_rng(0)
    human: list[str] = []
    suggested: list[str] = []
    fed = 0
    warm_up = decisions(fed, 100, rng)  # plotly builds its validators on first use: keep that out of the timings
    for decision in warm_up:
        dash.update(decision)
    human.extend(d.label for d in warm_up)  # type: ignore[misc]
    suggested.extend(d.suggestion for d in warm_up)  # type: ignore[misc]
    fed = len(warm_up)
    rows = []
    for size in sizes:
        while fed < size:  # fill up to the size, in chunks so memory for the Decision objects stays small
            chunk = decisions(fed, min(50_000, size - fed), rng)
            for decision in chunk:
                dash.update(decision, redraw=False)
            human.extend(d.label for d in chunk)  # type: ignore[misc]
            suggested.extend(d.suggestion for d in chunk)  # type: ignore[misc]
            fed += len(chunk)
        probes = decisions(fed, 400, rng)
        probe = iter(probes)
        with_redraw = milliseconds(lambda probe=probe: dash.update(next(probe)), 200)
        counts_only = milliseconds(lambda probe=probe: dash.update(next(probe), redraw=False), 200)
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


def full_recompute(human: list[str], suggested: list[str]) -> None:
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    cohen_kappa_score(human, suggested)
    confusion_matrix(human, suggested, labels=LABELS)


if __name__ == "__main__":
    main()
