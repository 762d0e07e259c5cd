"""A decision's round trip on a created store (row-level security, one login per person) against today's store.

    python benchmarks/bench_rls.py            # writes benchmarks/results/rls.md

1, 2 and 4 writer processes append decisions into one PostgreSQL database for a few seconds each, each timing every
``store.append`` (the Labeler's round trip: the event committed and its id back). "today": a plain store, every
writer on the one shared login. "created": a store made by `lw.Team.create`, each writer on its own member login,
so every insert passes the policies (``annotator = lw_me()``, the undo check) and its ``RETURNING`` passes the read
policy. Runs alternate (today, created, today, created, ...) so that other work on the machine falls on both.
A student's round trip with feedback adds one call of ``lw_reveal`` (the gold answer, once the answer is stored):
timed too, with one writer. A throwaway local cluster, fsync on. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_team_store import run, together  # writer processes started together, as the team store's benchmark does
from pg_fixtures import PostgresCluster, start_cluster

RESULTS = Path(__file__).resolve().parent / "results" / "rls.md"
FSYNC_WORDS = {False: "on", True: "off: no disk flush, so that the policies' own cost shows"}
ITEMS = 20_000  # more than a writer answers in a run: each answer is a first one
OWNER, OWNER_PASSWORD = "lw_bench_owner", "owner-" + uuid.uuid4().hex[:12]

WRITER = """
import sys, time
from labelwidgets.decision import Decision, utc_now
from labelwidgets.store import open_store
url, who, seconds, reveal = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "1"
store = open_store(url)
store.append(Decision(item_key="warm-up", action="labeled", annotator=who, decided_at=utc_now(), label="ham"))
print("ready", flush=True)
sys.stdin.readline()
times, start = [], time.perf_counter()
while time.perf_counter() - start < seconds:
    i = len(times)
    began = time.perf_counter()
    key = str(i) if reveal else str(i % 200)  # a student answers each item once: a second answer is refused
    store.append(Decision(item_key=key, action="labeled", annotator=who, decided_at=utc_now(),
                          label="ham" if i % 2 else "spam", client_id=who, client_seq=i))
    if reveal:
        assert store.reveal([key]), "the store revealed nothing after the answer"
    times.append(time.perf_counter() - began)
print(" ".join(f"{t:.6f}" for t in times))
"""


def owner_database(cluster: PostgresCluster) -> str:
    name = f"lw_rls_{uuid.uuid4().hex[:10]}"
    with cluster._admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" OWNER {OWNER}')
    return f"postgresql+psycopg://{OWNER}:{OWNER_PASSWORD}@127.0.0.1:{cluster.port}/{name}"


def plain(cluster: PostgresCluster, writers: int) -> dict[str, str]:
    url = owner_database(cluster)
    return {f"w{i}": url for i in range(writers)}


def created(cluster: PostgresCluster, writers: int, kind: str = "team") -> dict[str, str]:
    import pandas as pd

    import labelwidgets as lw

    df = pd.DataFrame({"text": [f"item {i}" for i in range(ITEMS)], "gold": ["ham", "spam"] * (ITEMS // 2)})
    names = [f"w{i}" for i in range(writers)]
    if kind == "class":
        room = lw.Classroom.create(owner_database(cluster), roster=names, labels=["ham", "spam"], key_from=df,
                                   gold="gold")  # fmt: skip
        access = room.access
        room.close()
    else:
        team = lw.Team.create(owner_database(cluster), df, members=names, labels=["ham", "spam"])
        access = team.access
        team.close()
    assert access is not None
    return {name: access.url(name) for name in names}


def measure(urls: dict[str, str], seconds: float, reveal: bool = False) -> list[float]:
    outputs = together([run(WRITER, url, who, seconds, int(reveal)) for who, url in urls.items()])
    return [float(x) for out in outputs for x in out.split()]


def summary(times: list[float]) -> tuple[float, float, int]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))], len(ordered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="how long each run writes")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each store per writer count")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--fsync-off", action="store_true", help="a cluster without fsync: the policies' own cost")
    args = parser.parse_args()

    load_start = os.getloadavg()
    cluster = start_cluster(durable=not args.fsync_off)
    with cluster._admin() as conn:
        conn.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE PASSWORD '{OWNER_PASSWORD}'")
    results: dict[tuple[str, int], list[float]] = {}
    for writers in (1, 2, 4):
        for _ in range(args.rounds):
            for store, make in (("today", plain), ("created", created)):
                times = measure(make(cluster, writers), args.seconds)
                results.setdefault((store, writers), []).extend(times)
                median, p95, n = summary(times)
                print(f"{store:8} {writers} writer(s): median {median * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms, n={n}",
                      flush=True)  # fmt: skip
    for _ in range(args.rounds):
        times = measure(created(cluster, 1, "class"), args.seconds, reveal=True)
        results.setdefault(("created class, append + lw_reveal", 1), []).extend(times)
    load_end = os.getloadavg()
    version = _postgres_version(cluster)
    cluster.destroy()

    lines = []
    for writers in (1, 2, 4):
        today, enforced = summary(results[("today", writers)]), summary(results[("created", writers)])
        change = enforced[0] / today[0] - 1
        lines.append(
            f"| {writers} | {today[0] * 1e3:.2f} ms | {today[1] * 1e3:.2f} ms | {enforced[0] * 1e3:.2f} ms | "
            f"{enforced[1] * 1e3:.2f} ms | {change:+.0%} | {today[2]:,} / {enforced[2]:,} |"
        )
    student = summary(results[("created class, append + lw_reveal", 1)])
    text = [
        "# A decision's round trip with row-level security (created store) vs today's store",
        "",
        f"`python benchmarks/bench_rls.py --seconds {args.seconds:g} --rounds {args.rounds}"
        f"{' --fsync-off' if args.fsync_off else ''}` on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work (load average {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end), Python {platform.python_version()}, {version} (local throwaway cluster, "
        f"fsync {FSYNC_WORDS[args.fsync_off]}). Each writer times every `store.append` (committed, id back); runs "
        "of the two stores alternate.",
        "",
        "| writers | today median | today p95 | created median | created p95 | median change | decisions |",
        "|---|---|---|---|---|---|---|",
        *lines,
        "",
        f"A student's round trip with feedback (append, then `lw_reveal` of that item), one writer: median "
        f"{student[0] * 1e3:.2f} ms, p95 {student[1] * 1e3:.2f} ms ({student[2]:,} decisions).",
        "",
    ]
    args.out.write_text("\n".join(text))
    print("\n".join(text))
    print(f"wrote {args.out}")


def _postgres_version(cluster: PostgresCluster) -> str:
    out = subprocess.run([str(cluster.bindir / "postgres"), "--version"], capture_output=True, text=True).stdout
    return out.strip().replace("postgres (PostgreSQL)", "PostgreSQL")


if __name__ == "__main__":
    main()
