"""lw.estimate on 1,000,000 rows with 1,000 people's labels (the issue's target: under 1 s).

python benchmarks/bench_estimate.py
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import pandas as pd

import labelwidgets as lw


def main() -> None:
    rng = np.random.default_rng(0)
    n_rows, n_labeled = 1_000_000, 1_000
    truth = np.where(rng.random(n_rows) < 0.12, "spam", "ham").astype(object)
    model = np.where(rng.random(n_rows) < 0.85, truth, np.where(truth == "spam", "ham", "spam")).astype(object)
    label = np.full(n_rows, None, dtype=object)
    sample = rng.choice(n_rows, n_labeled, replace=False)
    label[sample] = truth[sample]
    df = pd.DataFrame({"label": label, "llm": model})
    for of in ("spam", None):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            table = lw.estimate(df, suggestion="llm", of=of)
            times.append(time.perf_counter() - started)
        print(
            f"of={of!r}: median {statistics.median(times):.3f} s, max {max(times):.3f} s over 5 runs; "
            f"{len(table)} rows; load average {os.getloadavg()[0]:.1f}"
        )
    print(table[table["method"] == "prediction-powered"]["sentence"].tolist())


if __name__ == "__main__":
    main()
