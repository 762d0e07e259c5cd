"""The classroom's live view at 30 students × 500 items: a redraw on a created store (row-level security, one
login per student, the answer key in the store) against today's store.

    python benchmarks/bench_classroom_view.py     # writes benchmarks/results/classroom_view.md

Each class has 500 items with gold and 30 students who answered every one (decisions written by each student's
own connection: the shared login today, their own login on the created store), each with a suggestion from a model
on every item. The teacher's `Classroom` opens its live view (`room.view()`); then, round after round, one student
answers one more time (a revision of an item, written through their connection) and the view redraws: the
teacher's `view.refresh()` reads what arrived and recomputes every number it shows (`room.snapshot` with the live
view's bootstrap) and draws them. That redraw is timed. Rounds alternate between the two classes, so that other
work on the machine falls on both. A throwaway local cluster, fsync on. Not a test: the numbers depend on the
machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pg_fixtures import PostgresCluster, start_cluster

import labelwidgets as lw
from labelwidgets.decision import Decision, utc_now
from labelwidgets.store import open_store

RESULTS = Path(__file__).resolve().parent / "results" / "classroom_view.md"
OWNER, OWNER_PASSWORD = "lw_bench_teacher", "teacher-" + uuid.uuid4().hex[:12]
LABELS = ["ham", "spam", "other"]


def owner_database(cluster: PostgresCluster) -> str:
    name = f"lw_class_{uuid.uuid4().hex[:10]}"
    with cluster._admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" OWNER {OWNER}')
    return f"postgresql+psycopg://{OWNER}:{OWNER_PASSWORD}@127.0.0.1:{cluster.port}/{name}"


def lesson(items: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    gold = rng.choice(LABELS, size=items, p=[0.6, 0.3, 0.1])
    model = np.where(rng.random(items) < 0.8, gold, rng.choice(LABELS, size=items))
    return pd.DataFrame({"text": [f"message {i}" for i in range(items)], "expert": gold, "model": model})


def answers(df: pd.DataFrame, student: str, seed: int) -> list[Decision]:
    """A student's answers: right 75% of the time, each with the model's suggestion shown, a few seconds each."""
    rng = np.random.default_rng(seed)
    right = rng.random(len(df)) < 0.75
    said = np.where(right, df["expert"], rng.choice(LABELS, size=len(df)))
    session = f"{student}-s"
    model = df["model"].tolist()
    return [
        Decision(
            item_key=str(i),
            action="accepted" if said[i] == model[i] else "corrected",
            annotator=student,
            decided_at=utc_now(),
            label=str(said[i]),
            suggestion=str(model[i]),
            suggester="model",
            seconds=float(rng.uniform(2, 9)),
            session_id=session,
            client_id=session,
            client_seq=i,
        )
        for i in range(len(df))
    ]


def make_class(cluster: PostgresCluster, df: pd.DataFrame, students: list[str], created: bool) -> tuple[Any, dict]:
    url = owner_database(cluster)
    if created:
        room = lw.Classroom.create(url, roster=students, labels=LABELS, key_from=df, gold="expert", poll=3600)
        assert room.access is not None
        urls = {name: room.access.url(name) for name in students}
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            room = lw.Classroom(url, df, gold="expert", labels=LABELS, poll=3600)
        urls = {name: url for name in students}
    stores = {name: open_store(u) for name, u in urls.items()}
    for k, name in enumerate(students):
        stores[name].record_session({"session_id": f"{name}-s", "annotator": name, "role": "student"})
        stores[name].append_many(answers(df, name, seed=k))
    return room, stores


def one_more_answer(store: Any, student: str, round_: int) -> None:
    """A revision of one item by ``student``, through their own connection."""
    store.append(Decision(item_key=str(round_ % 500), action="revised", annotator=student, decided_at=utc_now(),
                          label=LABELS[round_ % 3], previous_label=None, session_id=f"{student}-s",
                          client_id=f"{student}-r", client_seq=round_))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=15, help="redraws timed per class")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    load_start = os.getloadavg()
    cluster = start_cluster(durable=True)
    with cluster._admin() as conn:
        conn.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE PASSWORD '{OWNER_PASSWORD}'")
    df = lesson(args.items)
    students = [f"student{i:02d}" for i in range(args.students)]
    classes = {}
    for name, created in (("today", False), ("created", True)):
        started = time.perf_counter()
        classes[name] = make_class(cluster, df, students, created)
        print(f"{name}: {args.students} × {args.items} answers written in {time.perf_counter() - started:.1f} s",
              flush=True)  # fmt: skip
    views = {}
    for name, (room, _) in classes.items():  # the first draw reads everything: not what a live update costs
        started = time.perf_counter()
        views[name] = room.view()
        print(f"{name}: view opened and first drawn in {time.perf_counter() - started:.2f} s", flush=True)
    times: dict[str, list[float]] = {name: [] for name in classes}
    for round_ in range(args.rounds):
        for name, (_, stores) in classes.items():
            student = students[round_ % len(students)]
            one_more_answer(stores[student], student, round_)
            started = time.perf_counter()
            views[name].refresh()
            times[name].append(time.perf_counter() - started)
    checks = {name: classes[name][0].table.set_index("student")["accuracy"] for name in classes}
    pd.testing.assert_series_equal(checks["today"], checks["created"])  # the same class, the same numbers
    load_end = os.getloadavg()
    version = subprocess.run([str(cluster.bindir / "postgres"), "--version"], capture_output=True, text=True).stdout
    for room, stores in classes.values():
        for store in stores.values():
            store.close()
        room.close()
    cluster.destroy()

    def said(name: str) -> str:
        values = sorted(times[name])
        return f"{statistics.median(values) * 1e3:.0f} ms | {values[int(0.9 * (len(values) - 1))] * 1e3:.0f} ms"

    today, created = (statistics.median(times[n]) for n in ("today", "created"))
    text = [
        f"# The classroom's live view at {args.students} students × {args.items} items: created store vs today's",
        "",
        f"`python benchmarks/bench_classroom_view.py --rounds {args.rounds}` on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work (load average {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end), Python {platform.python_version()}, "
        f"{version.strip().replace('postgres (PostgreSQL)', 'PostgreSQL')} (local throwaway cluster, fsync on). "
        "Each round one student revises an answer through their own connection and the teacher's view redraws "
        "(`view.refresh()`: read what arrived, every number, drawn); rounds alternate between the classes.",
        "",
        "| store | redraw median | p90 |",
        "|---|---|---|",
        f"| today (one shared login, no row-level security) | {said('today')} |",
        f"| created (`Classroom.create`: a login per student, row-level security) | {said('created')} |",
        "",
        f"Median change: {created / today - 1:+.0%}. Both views show the same numbers (checked).",
        "",
    ]
    args.out.write_text("\n".join(text))
    print("\n".join(text))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
