"""lw.alt_test on 10 annotators × 1,000 items, every item labeled by all ten (the issue's target: under 2 s).

python benchmarks/bench_alt_test.py
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
    n_items, people = 1_000, 10
    names = np.array(["spam", "ham", "promo", "phishing"], dtype=object)
    gold = rng.choice(4, size=n_items, p=[0.4, 0.3, 0.2, 0.1])

    def annotate(noise: float) -> np.ndarray:
        return names[np.where(rng.random(n_items) < noise, rng.choice(4, size=n_items), gold)]

    llm = annotate(0.2)
    table = pd.concat(
        [
            pd.DataFrame({"item": range(n_items), "annotator": f"p{j}", "label": annotate(0.3), "llm": llm})
            for j in range(people)
        ],
        ignore_index=True,
    )
    for scoring in ("accuracy", "neg_rmse"):
        frame = (
            table
            if scoring == "accuracy"
            else table.assign(
                label=table["label"].map({n: i for i, n in enumerate(names)}),
                llm=table["llm"].map({n: i for i, n in enumerate(names)}),
            )
        )
        times = []
        for _ in range(5):
            started = time.perf_counter()
            result = lw.alt_test(frame, llm="llm", epsilon=0.2, scoring=scoring)
            times.append(time.perf_counter() - started)
        print(
            f"{scoring}: median {statistics.median(times):.3f} s, max {max(times):.3f} s over 5 runs (first includes "
            f"importing scipy); {len(frame)} labels; load average {os.getloadavg()[0]:.1f}"
        )
    print(result)


if __name__ == "__main__":
    main()
