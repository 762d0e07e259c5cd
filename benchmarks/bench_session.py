"""Per-decision cost in Python: does it grow with the DataFrame or with the number of decisions?

    python benchmarks/bench_session.py            # prints a Markdown table

Times `Labeler.label()` (SQLite commit with synchronous=FULL, DataFrame write-back, next
undecided item) and the window the browser asks for, at several DataFrame sizes, early in
a session and after many decisions. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

import labelwidgets as lw


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": np.char.add("message ", np.arange(n).astype(str)).astype(object)})


def time_calls(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:  # warm up imports (SQLAlchemy, anywidget) outside the timings
        lw.Labeler(frame(10), labels=["a", "b"], store=str(Path(tmp) / "warm.db")).widget  # noqa: B018
    for n in (100, 10_000, 1_000_000):
        for store_kind in ("sqlite", "memory"):
            with tempfile.TemporaryDirectory() as tmp:
                store = str(Path(tmp) / "b.db") if store_kind == "sqlite" else None
                df = frame(n)
                start = time.perf_counter()
                labeler = lw.Labeler(df, labels=["a", "b"], store=store, annotator="bench")
                widget = labeler.widget
                open_ms = (time.perf_counter() - start) * 1000
                label_once = partial(labeler.label, "a")
                early = time_calls(label_once, 200)
                if n >= 10_000:  # move far into the session: cost must not depend on how much is done
                    for _ in range(2000):
                        labeler.label("b")
                late = time_calls(label_once, 200)
                window = time_calls(partial(widget._send_window, 0, None, None), 50)
                rows.append((n, store_kind, open_ms, statistics.median(early), np.percentile(early, 95),
                             statistics.median(late), statistics.median(window)))  # fmt: skip
                labeler.close()
    print(
        "| rows | store | open Labeler + widget (ms) | label() median / p95 (ms), first 200 | "
        "label() median (ms), after 2,400 | window of 24 items (ms) |"
    )
    print("|---|---|---|---|---|---|")
    for n, kind, open_ms, med, p95, late, window in rows:
        print(f"| {n:,} | {kind} | {open_ms:.1f} | {med:.2f} / {p95:.2f} | {late:.2f} | {window:.2f} |")


if __name__ == "__main__":
    main()
