"""How long lw.compare takes on precomputed suggestions: 5 FromColumn suggesters on 2,000 labeled rows.

    python benchmarks/bench_compare.py            # prints a Markdown table

Times the whole call (items, running the suggesters on the thread pool, scoring with 1,000 paired bootstrap
resamples, McNemar for every pair) and its parts, after a warm-up that pays for the imports (scikit-learn,
statsmodels). Also a relabel, which re-scores. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.comparison.compare import compare
from labelwidgets.comparison.inputs import prepare
from labelwidgets.suggesters.runner import run_suggesters

LABELS = ["billing", "bug", "feature", "praise", "other"]


def frame(n: int, n_suggesters: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.choice(LABELS, size=n)
    df = pd.DataFrame({"text": [f"ticket number {i}: something happened" for i in range(n)], "label": truth})
    for j in range(n_suggesters):
        wrong = rng.random(n) < 0.1 + 0.05 * j
        df[f"model_{j}"] = np.where(wrong, rng.choice(LABELS, size=n), truth)
    return df


def median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    n_suggesters = 5
    rows = []
    compare(frame(50, 2), suggesters={"a": lw.FromColumn("model_0")}, progress=False)  # imports, outside timings
    for n in (500, 2_000, 20_000):
        repeat = 7 if n <= 2_000 else 3
        df = frame(n, n_suggesters)
        suggesters = {f"model_{j}": lw.FromColumn(f"model_{j}") for j in range(n_suggesters)}

        def whole(df: pd.DataFrame = df, suggesters: dict = suggesters) -> object:
            return compare(df, labels=LABELS, suggesters=suggesters, progress=False)

        total = median_ms(whole, repeat)
        prepared = prepare(df, human="label", text="text", labels=LABELS, item=None, annotator=None)
        items_ms = median_ms(prepared.items, repeat)
        items = prepared.items()
        run_ms = median_ms(
            lambda items=items, prepared=prepared, suggesters=suggesters: run_suggesters(
                suggesters, items, prepared.labels, max_workers=8, batch_size=16, progress=False
            ),
            repeat,
        )
        board = whole()
        score_ms = median_ms(board._rescore, repeat)  # type: ignore[attr-defined]
        key = board.disagreements("model_4").index[0]  # type: ignore[attr-defined]
        other = next(x for x in LABELS if x != df.loc[key, "label"])
        relabel_ms = median_ms(lambda board=board, key=key, other=other: board.relabel(key, other), 1)  # type: ignore[attr-defined]
        rows.append((n, total, items_ms, run_ms, score_ms, relabel_ms))

    print(f"lw.compare with {n_suggesters} FromColumn suggesters, {len(LABELS)} labels, 1,000 paired bootstrap "
          "resamples; median of 7 runs (3 at 20,000 rows; max in brackets), milliseconds\n")  # fmt: skip
    print("| rows | compare() total | building items | running suggesters | scoring | one relabel (re-score) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, total, items_ms, run_ms, score_ms, relabel_ms in rows:
        print(
            f"| {n:,} | {total[0]:.0f} ({total[1]:.0f}) | {items_ms[0]:.0f} | {run_ms[0]:.0f} ({run_ms[1]:.0f}) "
            f"| {score_ms[0]:.0f} | {relabel_ms[0]:.0f} |"
        )


if __name__ == "__main__":
    main()
