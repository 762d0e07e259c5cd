"""Span scores at scale: `lw.metrics.spans.span_scores` on 100,000 items against nervaluate on the same.

Items are the bundled WNUT 2017 sample repeated, with predictions made by shifting, relabelling, dropping, merging
and adding spans (every tenth item with spans stacked on each other). Prints a markdown table; raw numbers in
results/span_scores.json.

    python benchmarks/bench_span_scores.py [--items 100000] [--repeat 5] [--nervaluate]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

import labelwidgets as lw
from labelwidgets.metrics.spans import span_scores
from labelwidgets.spans import Span

RESULTS = Path(__file__).resolve().parent / "results"


def perturb(spans: list[Span], text_length: int, rng: random.Random, *, stack: bool) -> list[Span]:
    labels = lw.datasets.WNUT17_LABELS
    out: list[Span] = []
    for span in spans:
        roll = rng.random()
        if roll < 0.1:
            continue  # missed
        if roll < 0.2:
            out.append(Span(span.start, span.end, rng.choice(labels)))  # relabelled
        elif roll < 0.3:
            out.append(Span(span.start, min(text_length, span.end + rng.randint(1, 5)), span.label))  # grown
        else:
            out.append(span)
        if stack:
            out.append(Span(span.start, span.end, rng.choice(labels)))
    if text_length > 4 and rng.random() < 0.2:
        start = rng.randrange(text_length - 3)
        out.append(Span(start, start + 3, rng.choice(labels)))  # spurious
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--nervaluate", action="store_true", help="also time nervaluate once on the same items")
    args = parser.parse_args()
    frame = lw.datasets.wnut17()
    docs = [
        (len(text), [Span(s["start"], s["end"], s["label"]) for s in gold])
        for text, gold in zip(frame["text"], frame["gold"], strict=True)
    ]
    rng = random.Random(0)
    reference = [docs[i % len(docs)][1] for i in range(args.items)]
    predicted = [
        perturb(docs[i % len(docs)][1], docs[i % len(docs)][0], rng, stack=i % 10 == 0) for i in range(args.items)
    ]
    took = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        span_scores(reference, predicted, lw.datasets.WNUT17_LABELS)
        took.append(time.perf_counter() - began)
    result = {"items": args.items, "seconds": took, "median": statistics.median(took)}
    if args.nervaluate:
        from nervaluate import Evaluator

        def dicts(items: list[list[Span]]) -> list[list[dict[str, object]]]:
            return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans] for spans in items]

        began = time.perf_counter()
        Evaluator(dicts(reference), dicts(predicted), tags=list(lw.datasets.WNUT17_LABELS), loader="dict").evaluate()
        result["nervaluate_seconds"] = time.perf_counter() - began
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "span_scores.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| items | span_scores median / best (s) | nervaluate (s) |")
    print("|---:|---:|---:|")
    nerv = result.get("nervaluate_seconds")
    print(f"| {args.items:,} | {result['median']:.2f} / {min(took):.2f} | {'' if nerv is None else f'{nerv:.1f}'} |")


if __name__ == "__main__":
    main()
