"""Restore time vs the number of stored decisions: re-opening a Labeler on a store that already has them.

    python benchmarks/bench_restore.py                 # prints a Markdown table
    python benchmarks/bench_restore.py --kind both     # single- and multi-label side by side, interleaved
    python benchmarks/bench_restore.py --kind both --sizes 200000 --runs 5 --json out.json   # raw samples too

Each store holds one decision per row of a DataFrame of the same size, plus a relabel on every tenth row
and an undo on every twentieth (so the fold has work to do), written in bulk. Timed: `lw.Labeler(...)` on it,
which reads the events in one query (`store.events_frame`), folds them (`session/fold.py`), checks every text
against its stored hash and writes the result columns into the DataFrame. Then one `label()` after the restore,
to show the cost per decision stays flat. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.decision import FIELDS, text_hash
from labelwidgets.keys import encode_key
from labelwidgets.store import open_store

EMPTY = dict.fromkeys(name for name in FIELDS if name != "id")
#: Per kind: the labels, two answers to alternate (as stored) and one for a revision, and what label() is given.
KINDS = {
    "single": (["a", "b"], ("a", "b"), "b", "a"),
    "multi": (["a", "b", "c"], ('["a","c"]', "[]"), '["b"]', ["a"]),
}


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": np.char.add("message ", np.arange(n).astype(str)).astype(object)})


def fill(path: str, df: pd.DataFrame, decisions: int, kind: str = "single") -> int:
    """Write ``decisions`` labels (and some revisions and undos) straight into a fresh store; returns the events."""
    labels, answers, revision, _ = KINDS[kind]
    store = open_store(path)
    store.check_labels(labels, kind=kind)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    records = []
    next_id = 1
    for row in range(decisions):
        key, digest = encode_key(df.index[row]), text_hash(df["text"].iat[row])
        base = {**EMPTY, "item_key": key, "annotator": "bench", "text_hash": digest, "session_id": "bench"}
        when = (start + dt.timedelta(seconds=row)).isoformat(timespec="microseconds")
        answer = answers[row % 2]
        records.append({**base, "id": next_id, "action": "labeled", "label": answer, "decided_at": when})
        next_id += 1
        if row % 10 == 0:
            records.append({**base, "id": next_id, "action": "revised", "label": revision,
                            "previous_label": answer, "decided_at": when})  # fmt: skip
            next_id += 1
        if row % 20 == 0:
            records.append({**base, "id": next_id, "action": "undo", "undoes": next_id - 1, "decided_at": when})
            next_id += 1
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(store.events_table.insert(), records)  # type: ignore[attr-defined]
    store.close()
    return len(records)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=["single", "multi", "both"], default="single")
    parser.add_argument("--sizes", default="1000,10000,100000,200000")
    parser.add_argument("--runs", type=int, default=3, help="restores timed per kind and size (default 3)")
    parser.add_argument("--json", help="also write every sample (wall and CPU seconds) and the load average here")
    args = parser.parse_args()
    kinds = ["single", "multi"] if args.kind == "both" else [args.kind]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:  # warm up imports outside the timings
        for kind in kinds:
            lw.Labeler(frame(10), labels=KINDS[kind][0], kind=kind, store=str(Path(tmp) / f"w{kind}.db")).close()
    raw = []
    load_before = os.getloadavg()
    for decisions in (int(x) for x in args.sizes.split(",")):
        for kind in kinds:  # interleaved, so that both kinds see the same machine
            *row, samples = restore(decisions, kind, args.runs)
            rows.append((kind, *row))
            raw.append({"kind": kind, "decisions": decisions, "events": row[1], **samples,
                        "first_label_ms": row[5], "undo_ms": row[6], "load_average": os.getloadavg()})  # fmt: skip
    # CPU seconds of this process next to the wall clock: on a shared machine the wall clock also counts
    # the time other processes held the cores.
    print("| kind | stored decisions | events (with revisions and undos) | restore wall median / best (s) | "
          "restore CPU (s) | first label() after (ms) | undo() into restored (ms) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, decisions, events, median, best, cpu_s, first_label, undo_ms in rows:
        print(f"| {kind} | {decisions:,} | {events:,} | {median:.2f} / {best:.2f} | {cpu_s:.2f} | {first_label:.1f} | "
              f"{undo_ms:.1f} |")  # fmt: skip
    if args.json:
        import numpy
        import pandas

        meta = {
            "python": platform.python_version(),
            "pandas": pandas.__version__,
            "numpy": numpy.__version__,
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        }
        Path(args.json).write_text(json.dumps({"meta": meta, "restores": raw}, indent=1) + "\n")


def restore(
    decisions: int, kind: str, runs: int = 3
) -> tuple[int, int, float, float, float, float, float, dict[str, list[float]]]:
    labels, _, _, answer = KINDS[kind]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "r.db")
        n = decisions + 1_000  # a few rows left to label
        events = fill(path, frame(n), decisions, kind)
        samples, cpu = [], []
        for _ in range(runs):
            df = frame(n)
            start, start_cpu = time.perf_counter(), time.process_time()
            labeler = lw.Labeler(df, labels=labels, kind=kind, store=path, annotator="bench")
            samples.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            assert labeler.stats["decided"] == decisions and labeler.position == decisions
            labeler.close()
        labeler = lw.Labeler(frame(n), labels=labels, kind=kind, store=path, annotator="bench")
        start = time.perf_counter()
        labeler.label(answer)
        first_label = (time.perf_counter() - start) * 1000
        undo_start = time.perf_counter()
        labeler.undo()
        labeler.undo()  # reaches back into the restored events
        undo_ms = (time.perf_counter() - undo_start) * 1000 / 2
        labeler.close()
        return (decisions, events, statistics.median(samples), min(samples), statistics.median(cpu),
                    first_label, undo_ms, {"wall_s": samples, "cpu_s": cpu})  # fmt: skip


if __name__ == "__main__":
    main()
