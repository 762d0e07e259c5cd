"""Krippendorff's alpha with MASI distance at scale: `lw.metrics.multilabel.krippendorff_alpha_masi` against the
krippendorff package given NLTK's MASI between the distinct answers, on 30 coders × 5,000 GoEmotions-shaped items.

The answers are generated: a true set per item (each of the 28 emotions on with probability 0.2), each coder
flipping each emotion with probability 0.08 and answering 90% of the items. Prints a markdown table; raw numbers
in results/masi_alpha.json. tests/test_multilabel_metrics.py checks the two values agree on the same data.

    python benchmarks/bench_masi.py [--coders 30] [--items 5000] [--repeat 5] [--reference]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

import labelwidgets as lw
from labelwidgets.metrics.multilabel import krippendorff_alpha_masi, masi_distance

RESULTS = Path(__file__).resolve().parent / "results"


def answers(coders: int, items: int, seed: int = 11) -> list[tuple[str, int, list[str] | None]]:
    rng = np.random.default_rng(seed)
    labels = lw.datasets.GOEMOTIONS_LABELS
    truth = rng.random((items, len(labels))) < 0.2
    flips = rng.random((coders, items, len(labels))) < 0.08
    given = rng.random((coders, items)) < 0.9
    return [
        (f"coder{c}", i, [labels[j] for j in np.flatnonzero(truth[i] ^ flips[c, i])] if given[c, i] else None)
        for c in range(coders)
        for i in range(items)
    ]


def reference_alpha(triples: list[tuple[str, int, list[str] | None]], coders: int, items: int) -> float:
    import krippendorff

    distinct = sorted({frozenset(a) for _, _, a in triples if a is not None}, key=sorted)
    code = {answer: k for k, answer in enumerate(distinct)}
    table = np.array([[masi_distance(a, b) for b in distinct] for a in distinct])
    matrix = np.full((coders, items), np.nan)
    for coder, item, answer in triples:
        if answer is not None:
            matrix[int(coder.removeprefix("coder")), item] = code[frozenset(answer)]

    def masi_of_codes(v1: Any, v2: Any, i1: Any, i2: Any, n_v: Any, dtype: Any = np.float64) -> np.ndarray:
        return table[np.asarray(v1, dtype=int), np.asarray(v2, dtype=int)].astype(dtype)

    domain = np.arange(len(distinct))
    return float(krippendorff.alpha(reliability_data=matrix, value_domain=domain, level_of_measurement=masi_of_codes))


def timed(function: Any, repeat: int) -> tuple[float, list[float]]:
    seconds = []
    value = float("nan")
    for _ in range(repeat):
        started = time.perf_counter()
        value = function()
        seconds.append(time.perf_counter() - started)
    return value, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=30)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference", action="store_true", help="time the krippendorff package too (slow)")
    args = parser.parse_args()
    triples = answers(args.coders, args.items)
    ours, ours_s = timed(lambda: krippendorff_alpha_masi(triples), args.repeat)
    rows = [("labelwidgets", ours, ours_s)]
    if args.reference:
        theirs, theirs_s = timed(lambda: reference_alpha(triples, args.coders, args.items), max(1, args.repeat // 2))
        rows.append(("krippendorff + NLTK MASI", theirs, theirs_s))
    print(f"{args.coders} coders × {args.items:,} items ({len(triples):,} answers)\n")
    print("| implementation | alpha | median s | min s |\n|---|---|---|---|")
    for name, value, seconds in rows:
        print(f"| {name} | {value:.6f} | {statistics.median(seconds):.3f} | {min(seconds):.3f} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "masi_alpha.json").write_text(
        json.dumps({"coders": args.coders, "items": args.items,
                    "runs": {name: {"alpha": value, "seconds": seconds} for name, value, seconds in rows}}, indent=2)
    )  # fmt: skip


if __name__ == "__main__":
    main()
