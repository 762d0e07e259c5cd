"""How long each labeling order takes to compute, against the number of rows.

    python benchmarks/bench_order.py            # prints a Markdown table

`make_order` is what `lw.Labeler(..., order=...)` calls once when it opens. The DataFrame has three
suggestion columns of three labels with 5% missing (disagreement), a confidence with 5% missing (uncertain),
and a source column of 12 values (stratified). Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

from labelwidgets.session.ordering import make_order

ORDERS = {
    "random": {},
    "uncertain": {},
    "disagreement": {"order_by": ["m1", "m2", "m3"]},
    "stratified": {"order_by": "source"},
}


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


def main() -> None:
    sizes = (10_000, 100_000, 1_000_000)
    table: dict[str, list[str]] = {}
    for n in sizes:
        df = frame(n)
        for order, extra in ORDERS.items():
            samples = []
            for _ in range(3):
                start = time.perf_counter()
                positions = make_order(order, df, seed=1, confidence=df["p"], **extra)  # type: ignore[arg-type]
                samples.append(time.perf_counter() - start)
            assert positions is not None and len(positions) == n
            table.setdefault(order, []).append(f"{statistics.median(samples) * 1000:,.0f}")
    print("| order | " + " | ".join(f"{n:,} rows (ms)" for n in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for order, cells in table.items():
        print(f"| {order} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
