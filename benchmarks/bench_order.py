"""How long each labeling order takes to compute, against the number of rows.

    python benchmarks/bench_order.py            # prints two Markdown tables
    python benchmarks/bench_order.py --multi    # the multi-label table only

`make_order` is what `lw.Labeler(..., order=...)` calls once when it opens. The single-label DataFrame has three
suggestion columns of three labels with 5% missing (disagreement), a confidence with 5% missing (uncertain),
and a source column of 12 values (stratified). The multi-label DataFrame has three suggestion columns of sets over
GoEmotions' 7 labels, each cell its own list as in a Labeler's DataFrame (each label in a set with probability
0.2, so about 1 in 5 sets is empty; 5% missing), one
probability column per label (2% missing) and a set confidence. Each cell is the median of three runs, wall
time, with the CPU time of this process beside it: the machine is shared, and CPU time is what the order itself
costs when others run. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.session.ordering import make_order

ORDERS = {
    "random": {},
    "uncertain": {},
    "disagreement": {"order_by": ["m1", "m2", "m3"]},
    "stratified": {"order_by": "source"},
}
EMOTIONS = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]
PROBABILITIES = [f"p_{name}" for name in EMOTIONS]
MULTI_ORDERS: dict[str, tuple[str, dict[str, Any]]] = {
    "uncertain: per-label entropy (7 probability columns)": ("uncertain", {"order_by": PROBABILITIES}),
    "uncertain: set confidence, lowest first": ("uncertain", {"confidence": "confidence"}),
    "disagreement: mean Jaccard distance (3 set columns)": ("disagreement", {"order_by": ["s1", "s2", "s3"]}),
}
SIZES = (10_000, 100_000, 1_000_000)


def frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    labels = np.array(["ham", "spam", "unsure", None], dtype=object)
    p = [0.6, 0.25, 0.1, 0.05]
    confidence = rng.random(n)
    confidence[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "text": np.char.add("message ", np.arange(n).astype(str)).astype(object),
            "m1": rng.choice(labels, n, p=p),
            "m2": rng.choice(labels, n, p=p),
            "m3": rng.choice(labels, n, p=p),
            "p": confidence,
            "source": rng.choice([f"source {i}" for i in range(12)], n),
        }
    )


def multi_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    k = len(EMOTIONS)
    # every possible set once, as a Labeler's DataFrame holds it (a list in label-set order); cells share them
    sets = np.empty(2**k + 1, dtype=object)
    sets[:-1] = [[name for b, name in enumerate(EMOTIONS) if code >> b & 1] for code in range(2**k)]
    sets[-1] = None
    columns: dict[str, Any] = {"text": np.char.add("comment ", np.arange(n).astype(str)).astype(object)}
    for j in range(1, 4):
        codes = np.packbits(rng.random((n, k)) < 0.2, axis=1, bitorder="little")[:, 0].astype(np.int64)
        codes[rng.random(n) < 0.05] = 2**k
        columns[f"s{j}"] = pd.Series([None if s is None else list(s) for s in sets[codes]], dtype=object)  # own lists
    probabilities = rng.random((n, k))
    probabilities[rng.random((n, k)) < 0.02] = np.nan
    columns.update({name: probabilities[:, j] for j, name in enumerate(PROBABILITIES)})
    columns["confidence"] = rng.random(n)
    return pd.DataFrame(columns)


def timed(run: Callable[[], Any]) -> tuple[float, float]:
    """Median wall and CPU milliseconds of three runs."""
    wall, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        positions = run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert positions is not None
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def table(title: str, rows: dict[str, list[tuple[float, float]]]) -> str:
    lines = [
        f"| {title} | " + " | ".join(f"{n:,} rows: wall / CPU (ms)" for n in SIZES) + " |",
        "|---|" + "---:|" * len(SIZES),
    ]
    lines += [
        f"| {name} | " + " | ".join(f"{w:,.0f} / {c:,.0f}" for w, c in cells) + " |" for name, cells in rows.items()
    ]
    return "\n".join(lines)


def single_label() -> str:
    rows: dict[str, list[tuple[float, float]]] = {}
    for n in SIZES:
        df = frame(n)
        for order, extra in ORDERS.items():
            run = functools.partial(make_order, order, df, seed=1, confidence=df["p"], **extra)
            rows.setdefault(order, []).append(timed(run))
    return table("order (one label per item)", rows)


def multi_label() -> str:
    rows: dict[str, list[tuple[float, float]]] = {}
    for n in SIZES:
        df = multi_frame(n)
        for name, (order, extra) in MULTI_ORDERS.items():
            options = {**extra, **({"confidence": df[extra["confidence"]]} if "confidence" in extra else {})}
            positions = make_order(order, df, seed=1, **options)
            assert positions is not None and len(np.unique(positions)) == n
            rows.setdefault(name, []).append(timed(functools.partial(make_order, order, df, seed=1, **options)))
    return table("order (a set of labels per item)", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multi", action="store_true", help="only the multi-label orders")
    arguments = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    if not arguments.multi:
        print(single_label() + "\n")
    print(multi_label())
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
