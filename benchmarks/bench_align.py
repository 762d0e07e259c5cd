"""How long placing a model's entities on a text takes (lw spans, issue #21): 20 entities on ~4,000 characters.

    python benchmarks/bench_align.py --out benchmarks/results/align.json

Texts: WNUT 2017 documents (../shared/datasets/wnut17, train then dev; tokens joined with single spaces, documents
with a newline) concatenated in order up to ~4,000 characters: tweets and comments with emoji, handles and URLs.
Entities: 20 per text made from its gold entities (words of the text stand in where a stretch has fewer than 16),
as a chat model gets them wrong, 4 of each:
  * exact: the entity's text as it is;
  * case: lower-cased (upper-cased when it already was);
  * expanded: running 2 characters into the next word (or the previous one at the end of the text);
  * contracted: its first and last character left out (the last only, for short ones);
  * missing: a string that is nowhere in the text.
Each `align` call is timed on its own, cycling through the texts so that no text's word boundaries are cached from
the call before (the cache holds 8 texts); the first pass over the texts is a warm-up (building the tokenizer's
character classes: ~30 ms once per process). Wall-clock time and the thread's CPU time are both kept: on a shared
machine the tail of the wall clock is other processes' turn. Not a test: numbers depend on the machine; the JSON
keeps every sample.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labelwidgets.spans.align import align
from labelwidgets.spans.words import words

WNUT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "wnut17"
TARGET_CHARS = 4_000
PER_KIND = 4
KINDS = ("exact", "case", "expanded", "contracted", "missing")


def documents(path: Path) -> list[tuple[list[str], list[str]]]:
    """(tokens, tags) per document of a CoNLL file: token TAB tag, a blank line between documents."""
    docs: list[tuple[list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            if tokens:
                docs.append((tokens, tags))
                tokens, tags = [], []
            continue
        token, tag = line.split("\t")
        tokens.append(token)
        tags.append(tag)
    if tokens:
        docs.append((tokens, tags))
    return docs


def texts_with_entities() -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Texts of ~4,000 characters and their gold entities as (start, end, label) in code points."""
    docs = documents(WNUT / "wnut17train.conll") + documents(WNUT / "emerging.dev.conll")
    out: list[tuple[str, list[tuple[int, int, str]]]] = []
    parts: list[str] = []
    gold: list[tuple[int, int, str]] = []
    length = 0
    for tokens, tags in docs:
        at = length + (1 if parts else 0)
        offsets = []
        for token in tokens:
            offsets.append((at, at + len(token)))
            at += len(token) + 1
        for i, tag in enumerate(tags):
            if tag.startswith("B-"):
                j = i + 1
                while j < len(tags) and tags[j] == "I-" + tag[2:]:
                    j += 1
                gold.append((offsets[i][0], offsets[j - 1][1], tag[2:]))
        parts.append(" ".join(tokens))
        length = at - 1
        if length >= TARGET_CHARS:
            text = "\n".join(parts)
            assert all(text[s:e] for s, e, _ in gold)
            out.append((text, gold))
            parts, gold, length = [], [], 0
    return out


def model_answer(text: str, gold: list[tuple[int, int, str]], rng: random.Random) -> list[dict[str, Any]]:
    """20 entities as a chat model might give them: PER_KIND of each kind, in text order but for the missing."""
    wanted = PER_KIND * (len(KINDS) - 1)
    usable = [g for g in gold if g[1] - g[0] >= 3]
    picked = rng.sample(usable, min(len(usable), wanted))
    if len(picked) < wanted:  # few gold entities in this stretch: words of the text stand in for the rest
        free = [
            (m.start(), m.end(), "other")
            for m in re.finditer(r"[A-Za-z]{3,}(?: [A-Za-z]{3,})?", text)
            if not any(m.start() < e and s < m.end() for s, e, _ in picked)
        ]
        picked += rng.sample(free, wanted - len(picked))
    picked.sort()
    kinds = [kind for kind in KINDS[:-1] for _ in range(PER_KIND)]
    rng.shuffle(kinds)
    answer = []
    for (start, end, label), kind in zip(picked, kinds, strict=True):
        if kind == "case":
            s = text[start:end]
            answer.append({"text": s.upper() if s == s.lower() else s.lower(), "label": label})
        elif kind == "expanded":
            a, b = (start, min(len(text), end + 3)) if end + 3 <= len(text) else (max(0, start - 3), end)
            answer.append({"text": text[a:b], "label": label})
        elif kind == "contracted":
            a = start + 1 if end - start > 4 else start
            answer.append({"text": text[a : end - 1], "label": label})
        else:
            answer.append({"text": text[start:end], "label": label})
    for i in range(PER_KIND):
        answer.append({"text": f"Zqxv Entity {i} Wmkt", "label": "person"})
    return answer


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=60, help="how many ~4,000-character texts (default 60)")
    parser.add_argument("--rounds", type=int, default=10, help="timed passes over all the texts (default 10)")
    parser.add_argument("--out", type=Path, help="write every sample here as JSON")
    args = parser.parse_args()
    if not WNUT.is_dir():
        sys.exit(f"needs the WNUT 2017 files in {WNUT}")

    load_at_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    rng = random.Random(21)
    cases = texts_with_entities()[: args.texts]
    answers = [model_answer(text, gold, rng) for text, gold in cases]
    sizes = [len(text) for text, _ in cases]
    counts = [len(a) for a in answers]

    scenarios: dict[str, Callable[[str, list[dict[str, Any]]], object]] = {
        'align(mode="expand")': lambda t, a: align(t, a),
        'align(mode="contract")': lambda t, a: align(t, a, mode="contract"),
        'align(mode="strict")': lambda t, a: align(t, a, mode="strict"),
        "align(mode=None) (no snapping)": lambda t, a: align(t, a, mode=None),
        "words(text) alone": lambda t, a: words(t),
    }
    for text, answer in zip([c[0] for c in cases], answers, strict=True):  # warm-up
        for fn in scenarios.values():
            fn(text, answer)

    raw: dict[str, list[float]] = {name: [] for name in scenarios}  # wall clock
    cpu: dict[str, list[float]] = {
        name: [] for name in scenarios
    }  # this thread's CPU time: not the waits of a busy machine
    for _ in range(args.rounds):
        for name, fn in scenarios.items():
            for (text, _), answer in zip(cases, answers, strict=True):
                started, started_cpu = time.perf_counter(), time.thread_time()
                fn(text, answer)
                raw[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.thread_time() - started_cpu) * 1000)

    outcome = [align(text, answer) for (text, _), answer in zip(cases, answers, strict=True)]
    placed = statistics.mean(len(a.spans) for a in outcome)
    dropped = statistics.mean(len(a.dropped) for a in outcome)
    moved = statistics.mean(a.moved for a in outcome)

    summary = {
        name: {
            "median_ms": statistics.median(samples),
            "p95_ms": percentile(samples, 0.95),
            "max_ms": max(samples),
            "cpu_median_ms": statistics.median(cpu[name]),
            "cpu_p95_ms": percentile(cpu[name], 0.95),
            "n": len(samples),
        }
        for name, samples in raw.items()
    }
    print(
        f"{len(cases)} texts of {min(sizes):,}-{max(sizes):,} characters (WNUT 2017 documents joined), "
        f"{min(counts)}-{max(counts)} entities each ({PER_KIND} each: {', '.join(KINDS)}); "
        f"{args.rounds} timed rounds; per align call, milliseconds. Placed {placed:.1f}, dropped {dropped:.1f}, "
        f"moved {moved:.1f} per text on average.\n"
    )
    print("| call | median | p95 | max | CPU median | CPU p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, row in summary.items():
        print(
            f"| {name} | {row['median_ms']:.2f} | {row['p95_ms']:.2f} | {row['max_ms']:.2f} "
            f"| {row['cpu_median_ms']:.2f} | {row['cpu_p95_ms']:.2f} |"
        )

    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        args.out.write_text(
            json.dumps(
                {
                    "what": "align() on WNUT 2017 texts of ~4,000 characters with 20 entities; ms per call "
                    "(raw: wall clock; raw_cpu: the thread's CPU time, without the waits of a busy machine)",
                    "machine": {
                        "python": platform.python_version(),
                        "platform": platform.platform(),
                        "cpus": os.cpu_count(),
                        "load_average_at_start": load_at_start,
                        "load_average_at_end": load,
                    },
                    "texts": len(cases),
                    "text_chars": sizes,
                    "entities_per_text": counts,
                    "kinds": {kind: PER_KIND for kind in KINDS},
                    "rounds": args.rounds,
                    "placed_dropped_moved_mean": [placed, dropped, moved],
                    "summary": summary,
                    "raw": raw,
                    "raw_cpu": cpu,
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
