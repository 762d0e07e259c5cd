"""Does the Dashboard's cost per decision grow with the number of decisions? Against a full recompute.
And how long does opening one on a session restored with 200,000 decisions take?

    python benchmarks/bench_dashboard.py            # prints two Markdown tables (about three minutes)
    python benchmarks/bench_dashboard.py --quick    # 1,000 and 100,000 decisions only
    python benchmarks/bench_dashboard.py --open     # only the second table
    python benchmarks/bench_dashboard.py --where --before <old copy>  # where a first Dashboard's time goes
    python benchmarks/bench_dashboard.py --paint --sizes 200,200000 --repeat 5 \
        --out benchmarks/results/dashboard_paint.json  # the cell -> the Dashboard painted, in JupyterLab

Synthetic decisions (three labels, the LLM right 85% of the time, a confidence each) are fed straight into
``Dashboard.update`` to reach 1,000, 100,000 and 1,000,000 decisions quickly. At each size it times:

* one decision folded in and the FigureWidget redrawn in place (``update``), the per-click cost;
* the same without the redraw (the running counts alone);
* ``refresh()``: the bootstrap interval of Cohen's kappa (1,000 resamples) plus a redraw, which the dashboard runs
  every ``interval_every`` decisions, not per click;
* a full recompute with scikit-learn on all decisions so far: ``cohen_kappa_score`` + ``confusion_matrix``.

No browser is attached, so the redraw times the Python side (validation and the message to the front end). The
p95 of ``update`` includes the decisions that also recompute the interval (one in ``interval_every`` = 25).
Opening: a SQLite store is filled in bulk with one decision per row (accepted or corrected, a suggestion with a
confidence, one in five labeled blind), a revision on every tenth row and an undo on every twentieth, as
``bench_restore.py`` does. A Labeler restores it (timed, for scale), then ``Dashboard(labeler)`` is timed: it reads
the session's decisions in force (``LabelingSession.effective_frame``), whether each suggestion was shown (one
query of two columns) and builds every count, the rolling window, the Page-Hinkley state and the drawn points,
vectorised; then the first redraw. Then one ``label()`` with the dashboard following it. Wall clock and CPU time
of this process (the machine is shared).

The cell to the Dashboard painted (``--paint``), in JupyterLab and Debian's Chromium through the shared
peer-latency harness (as ``first_show.py``): a store with 200 or 200,000 decisions is filled first; the untimed
setup cell restores a Labeler on it and shows it (the quickstart's first cell); the timed cell is
``lw.Dashboard(labeler)``. Each run is a fresh kernel and page; variants are interleaved so that a busy moment on
the shared machine hits them alike. It notes when the header saying "decided" is painted, when plotly has drawn
the charts, when the header shows the bootstrap interval, the time ``Dashboard()`` took in the kernel, when the
cell finished, and the bytes the page received. Variants: ``suggested`` (an assisted labeler), ``no-suggester``,
``multi`` (kind="multi"), ``suggested-second`` (a Dashboard is already in the page), diagnostics of plotly's
FigureWidget; ``before:<variant>`` runs the same cells on an older copy of labelwidgets (``--before <folder>``,
e.g. ``git archive <commit>``), put first on the kernel's ``sys.path``, and ``--after <folder>`` the other variants
on another copy (the code under test without other people's unfinished changes). The raw results also hold the
view's own performance marks (``view_marks``: plotly.js received and evaluated, the view rendered, the charts
drawn).

Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.decision import FIELDS, Decision, text_hash
from labelwidgets.keys import encode_key
from labelwidgets.store import open_store
from labelwidgets.widgets.dashboard import Dashboard

LABELS = ["billing", "bug", "other"]
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def decisions(start: int, count: int, rng: np.random.Generator) -> list[Decision]:
    human = rng.choice(LABELS, count, p=[0.5, 0.3, 0.2])
    right = rng.random(count) < 0.85
    other = rng.choice(LABELS, count)
    suggestion = np.where(right, human, other)
    confidence = rng.uniform(0.4, 1.0, count)
    return [
        Decision(
            item_key=f"item-{start + i}",
            action="accepted" if h == s else "corrected",
            annotator="bench",
            decided_at=START + dt.timedelta(seconds=start + i),
            label=str(h),
            suggestion=str(s),
            confidence=float(c),
            id=start + i + 1,
        )
        for i, (h, s, c) in enumerate(zip(human, suggestion, confidence, strict=True))
    ]


def new(dash: Dashboard, decision: Decision, *, redraw: bool = True) -> None:
    """Feed a decision on an item that had none, as the session reports it (nothing in force before)."""
    dash.update(decision, None, decision, redraw=redraw)


def feed(dash: Dashboard, probes: Iterator[Decision], *, redraw: bool = True) -> None:
    new(dash, next(probes), redraw=redraw)


def label_as_suggested(labeler: lw.Labeler) -> None:
    labeler.label(str(labeler.current["llm"]))


def milliseconds(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="stop at 100,000 decisions")
    parser.add_argument("--open", action="store_true", help="only time opening a Dashboard on a restored session")
    parser.add_argument("--paint", action="store_true", help="the cell -> the Dashboard painted, in JupyterLab")
    parser.add_argument("--where", action="store_true", help="where a first Dashboard's time goes in the kernel")
    parser.add_argument("--sizes", default="200,200000", help="--paint: decisions in the store")
    parser.add_argument("--repeat", type=int, default=5, help="--paint: fresh kernels per variant and size")
    parser.add_argument("--variants", default="suggested,no-suggester", help=f"--paint: of {list(PAINT_VARIANTS)}")
    parser.add_argument("--pause", type=float, default=1.5, help="--paint: seconds between the setup and the cell")
    parser.add_argument("--out", default="benchmarks/results/dashboard_paint.json")
    parser.add_argument("--before", help="--paint: folder of an older labelwidgets, for the before:<variant> names")
    parser.add_argument("--after", help="--paint: folder of the labelwidgets to time for the other names")
    args = parser.parse_args()
    if args.where:
        where(args.repeat, args.before)
        return
    if args.paint:
        sizes = [int(size) for size in args.sizes.split(",")]
        paint(sizes, args.repeat, args.variants.split(","), Path(args.out), args.pause, args.before, args.after)
        return
    if not args.open:
        per_decision((1_000, 100_000) if args.quick else (1_000, 100_000, 1_000_000))
        print()
    opening((10_000, 200_000))


def per_decision(sizes: tuple[int, ...]) -> None:

    frame = pd.DataFrame({"text": ["a ticket"] * 10, "llm": ["bug"] * 10})
    labeler = lw.Labeler(frame, labels=LABELS, store=None, suggester=lw.FromColumn("llm"))
    dash = Dashboard(labeler)
    rng = np.random.default_rng(0)
    human: list[str] = []
    suggested: list[str] = []
    fed = 0
    warm_up = decisions(fed, 100, rng)  # plotly builds its validators on first use: keep that out of the timings
    for decision in warm_up:
        new(dash, decision)
    human.extend(d.label for d in warm_up)  # type: ignore[misc]
    suggested.extend(d.suggestion for d in warm_up)  # type: ignore[misc]
    fed = len(warm_up)
    rows = []
    for size in sizes:
        while fed < size:  # fill up to the size, in chunks so memory for the Decision objects stays small
            chunk = decisions(fed, min(50_000, size - fed), rng)
            for decision in chunk:
                new(dash, decision, redraw=False)
            human.extend(d.label for d in chunk)  # type: ignore[misc]
            suggested.extend(d.suggestion for d in chunk)  # type: ignore[misc]
            fed += len(chunk)
        probes = decisions(fed, 400, rng)
        probe = iter(probes)
        with_redraw = milliseconds(partial(feed, dash, probe), 200)
        counts_only = milliseconds(partial(feed, dash, probe, redraw=False), 200)
        fed += len(probes)
        human.extend(d.label for d in probes)  # type: ignore[misc]
        suggested.extend(d.suggestion for d in probes)  # type: ignore[misc]
        refresh = milliseconds(dash.refresh, 5)
        recompute = milliseconds(lambda: full_recompute(human, suggested), 3 if size >= 1_000_000 else 5)
        rows.append((size, with_redraw, counts_only, refresh, recompute))

    print(f"Dashboard per decision vs a full scikit-learn recompute (medians; {fed:,} decisions in all)")
    print()
    print("| decisions so far | update + redraw, median / p95 (ms) | counts only (ms) | "
          "refresh: bootstrap κ interval + redraw (ms) | full recompute, sklearn κ + confusion (ms) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    for size, with_redraw, counts_only, refresh, recompute in rows:
        print(f"| {size:,} | {statistics.median(with_redraw):.2f} / {np.percentile(with_redraw, 95):.2f} | "
              f"{statistics.median(counts_only):.3f} | {statistics.median(refresh):.1f} | "
              f"{statistics.median(recompute):,.0f} |")  # fmt: skip


def fill(path: str, n: int) -> pd.DataFrame:
    """A store with a decision on each of ``n`` rows, written in bulk; returns the DataFrame it belongs to."""
    rng = np.random.default_rng(1)
    human = rng.choice(LABELS, n, p=[0.5, 0.3, 0.2])
    suggestion = np.where(rng.random(n) < 0.85, human, rng.choice(LABELS, n))
    confidence = np.round(rng.uniform(0.4, 1.0, n), 3)
    df = pd.DataFrame({"text": np.char.add("ticket ", np.arange(n).astype(str)).astype(object), "llm": suggestion,
                       "p": confidence})  # fmt: skip
    store = open_store(path)
    store.check_labels(LABELS)
    empty = dict.fromkeys(name for name in FIELDS if name != "id")
    records: list[dict[str, object]] = []
    for row in range(n):
        h, s = str(human[row]), str(suggestion[row])
        shown = row % 5 != 0
        when = (START + dt.timedelta(seconds=row)).isoformat(timespec="microseconds")
        base = {**empty, "item_key": encode_key(df.index[row]), "annotator": "bench", "decided_at": when,
                "text_hash": text_hash(df["text"].iat[row]), "suggestion": s, "confidence": float(confidence[row]),
                "suggestion_visible": shown, "session_id": "bench"}  # fmt: skip
        action = "labeled" if not shown else ("accepted" if h == s else "corrected")
        records.append({**base, "id": len(records) + 1, "action": action, "label": h})
        if row % 10 == 0:
            other = LABELS[(LABELS.index(h) + 1) % len(LABELS)]
            records.append({**base, "id": len(records) + 1, "action": "revised", "label": other,
                            "previous_label": h})  # fmt: skip
        if row % 20 == 0:
            records.append({**base, "id": len(records) + 1, "action": "undo", "undoes": len(records)})
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(store.events_table.insert(), records)  # type: ignore[attr-defined]
    store.close()
    return df


def opening(sizes: tuple[int, ...]) -> None:
    rows = []
    warm = lw.Labeler(pd.DataFrame({"text": ["a"], "llm": ["bug"]}), labels=LABELS, store=None,
                      suggester=lw.FromColumn("llm"))  # fmt: skip
    Dashboard(warm).close()  # plotly's imports and validators, outside the timings
    warm.close()
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "bench.db")
            stored = fill(path, n)
            # 20 more items without a decision, for the label() timings after opening
            fresh = pd.DataFrame({"text": [f"fresh ticket {i}" for i in range(20)], "llm": "bug", "p": 0.9})
            df = pd.concat([stored, fresh], ignore_index=True)
            start = time.perf_counter()
            labeler = lw.Labeler(df, labels=LABELS, store=path, annotator="bench",
                                 suggester=lw.FromColumn("llm", confidence="p"))  # fmt: skip
            restore = time.perf_counter() - start
            wall, cpu, complete = [], [], []
            for _ in range(3):
                start, start_cpu = time.perf_counter(), time.process_time()
                dash = Dashboard(labeler)
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                wait = getattr(dash, "wait", None)  # a Dashboard that paints first and fills in after
                if wait is not None:
                    wait()
                    complete.append(time.perf_counter() - start)
                assert dash.n_decided == labeler.stats["decided"]
                dash.close()
            following = Dashboard(labeler)
            label_ms = milliseconds(partial(label_as_suggested, labeler), 20)
            if hasattr(following, "wait"):  # decisions made while it filled in are read from the session then
                following.wait()
            assert following.n_decided == labeler.stats["decided"]
            labeler.close()
            rows.append((n, labeler.stats["decided"], restore, wall, cpu, complete, label_ms))
    print("Opening a Dashboard on a restored session (one query for the store, the rest vectorised)")
    print()
    print("| stored decisions (items in force) | Labeler restore (s) | Dashboard(labeler) wall median / best (s) | "
          "Dashboard CPU (s) | everything filled in, median (s) | label() with the dashboard following, "
          "median (ms) |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|")
    for n, decided, restore, wall, cpu, complete, label_ms in rows:
        filled = f"{statistics.median(complete):.2f}" if complete else "–"
        print(f"| {n:,} ({decided:,}) | {restore:.2f} | {statistics.median(wall):.2f} / {min(wall):.2f} | "
              f"{statistics.median(cpu):.2f} | {filled} | {statistics.median(label_ms):.1f} |")  # fmt: skip


# ----- where a Dashboard cell's time went, in the kernel --------------------------------------------------------

# (what, untimed setup, timed statement): each in a fresh Python, as a kernel's first Dashboard meets it
WHERE = [
    ("import plotly's FigureWidget (it imports nbformat, and jsonschema compiles its grammars)",
     "import plotly.graph_objects as go", "go.FigureWidget"),
    ("import plotly.graph_objects and make_subplots", "", "import plotly.graph_objects, plotly.subplots"),
    ("the four panels through plotly's validators (make_subplots and add_*), plotly imported",
     "{old}import plotly.graph_objects; from labelwidgets.widgets.plots import agreement_skeleton",
     "agreement_skeleton(widget=False)"),
    ("the four panels as plain plotly JSON (agreement_spec)",
     "from labelwidgets.widgets.plots import agreement_spec", "agreement_spec()"),
    ("import scipy.spatial (the label mix's JS distance, on its first call)", "", "import scipy.spatial"),
    ("plotly.js read and encoded for the page (once per kernel)",
     "from plotly.offline import get_plotlyjs", "get_plotlyjs().encode()"),
]  # fmt: skip


def where(repeat: int, before: str | None) -> None:
    import subprocess
    import sys

    print("Where a first Dashboard's time goes in the kernel: each line in a fresh Python, median of", repeat)
    print()
    print("| step | median (s) | min–max (s) |")
    print("|---|---:|---:|")
    for what, setup, statement in WHERE:
        if "{old}" in setup:
            if before is None:
                continue
            setup = setup.replace("{old}", f"import sys; sys.path.insert(0, {before!r}); ")
        code = f"import time\n{setup}\nstarted = time.perf_counter()\n{statement}\nprint(time.perf_counter() - started)"
        seconds = [
            float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(repeat)
        ]
        print(f"| {what} | {statistics.median(seconds):.2f} | {min(seconds):.2f}–{max(seconds):.2f} |")


# ----- the cell -> the Dashboard painted, in JupyterLab and Chromium -------------------------------------------

# Runs the cell and notes three moments, each when its frame is painted: the header says `ready` ("decided"; the
# view's own header, or plotly's title in a FigureWidget), the charts are drawn (plotly's SVG with its panels), and,
# if `done` is given, the header matches it too (the bootstrap interval filled in).
JS_PAINT = """
async ([cellIndex, ready, done, timeoutMs]) => {
  const app = window.jupyterapp; const nb = app.shell.currentWidget;
  const cellNode = nb.content.widgets[cellIndex].node;
  const marks = {};
  const header = () => { const t = cellNode.querySelector('.lw-dashboard-header')
                                   || cellNode.querySelector('.js-plotly-plot .gtitle');
                         return t ? t.textContent : null; };
  const charts = () => cellNode.querySelector('.js-plotly-plot .main-svg') !== null;
  const when = (test, name) => new Promise((resolve) => {
    let finished = false;
    const check = () => {
      if (marks.plot === undefined && cellNode.querySelector('.js-plotly-plot')) marks.plot = performance.now();
      if (finished || !test()) return;
      finished = true; mo.disconnect(); clearTimeout(to);
      requestAnimationFrame(() => { marks[name] = performance.now(); resolve(header()); });
    };
    const mo = new MutationObserver(check);
    mo.observe(cellNode, {subtree: true, childList: true, characterData: true, attributes: true});
    const to = setTimeout(() => { if (!finished) { finished = true; mo.disconnect(); resolve(null); } }, timeoutMs);
    check();
  });
  const matches = (pattern) => () => { const text = header(); return text !== null && new RegExp(pattern).test(text); };
  app.shell.activateById(nb.id); nb.content.activeCellIndex = cellIndex; nb.content.deselectAll();
  const t0 = performance.now();
  const exec = app.commands.execute('notebook:run-cell').then(() => { marks.exec = performance.now(); });
  const [text, , complete] = await Promise.all([
    when(matches(ready), 'paint'), when(charts, 'charts'), done ? when(matches(done), 'complete') : null]);
  await exec;
  const errs = [];
  for (const o of nb.content.widgets[cellIndex].model.outputs.toJSON())
    if (o.output_type === 'error') errs.push(o.ename + ': ' + o.evalue);
  const since = (m) => (m === undefined ? null : m - t0);
  const view = {};  // the Dashboard view's own performance marks (lw-dashboard:...) in this cell, ms from its start
  for (const m of performance.getEntriesByType('mark'))
    if (m.name.startsWith('lw-dashboard:') && m.startTime >= t0) view[m.name.slice(13)] = Math.round(m.startTime - t0);
  return {text, complete, errs, view_marks: view, paint_ms: since(marks.paint), charts_ms: since(marks.charts),
          complete_ms: since(marks.complete), plot_element_ms: since(marks.plot), cell_done_ms: since(marks.exec)};
}
"""

JS_KERNEL_VALUE = """
async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false});
  let out = '';
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}
"""

PAINT_SETUP = """\
import time, pandas as pd, labelwidgets as lw
df = pd.read_pickle({frame!r})
labeler = lw.Labeler(df, labels={labels!r}, store={db!r}, annotator="bench"{options})
labeler
"""
PAINT_CELL = """\
_started = time.perf_counter()
dash = lw.Dashboard(labeler)
_kernel_s = time.perf_counter() - _started
dash
"""
PLOTLY_WARM = "import plotly.graph_objects as go; go.FigureWidget  # plotly's widget imported before the cell\n"
FIGURE_WIDGET_CELL = """\
_started = time.perf_counter()
figure = go.FigureWidget(layout={"title": {"text": "0 decided"}})
_kernel_s = time.perf_counter() - _started
figure
"""
SUGGESTED = ', suggester=lw.FromColumn("llm", confidence="p")'


@dataclass(frozen=True)
class PaintVariant:
    """A setup cell (untimed) and the timed cell; `done` matches the header once everything is filled in."""

    setup: str
    cell: str = PAINT_CELL
    ready: str = "decided"
    done: str | None = None
    suggestions: bool = True
    multi: bool = False


PAINT_VARIANTS = {
    # the quickstart's two cells: an assisted labeler shown, then its Dashboard
    "suggested": PaintVariant(PAINT_SETUP.replace("{options}", SUGGESTED), done="bootstrap at"),
    # diagnostic: plotly's FigureWidget already imported in the kernel (what the first Dashboard pays for it)
    "suggested-plotly-warm": PaintVariant(
        PAINT_SETUP.replace("{options}", SUGGESTED) + PLOTLY_WARM, done="bootstrap at"
    ),
    # a second Dashboard in the page: one is shown in the setup cell already
    "suggested-second": PaintVariant(
        PAINT_SETUP.replace("{options}", SUGGESTED) + "display(lw.Dashboard(labeler))\n", done="bootstrap at"
    ),
    "no-suggester": PaintVariant(PAINT_SETUP.replace("{options}", ""), suggestions=False),
    "multi": PaintVariant(PAINT_SETUP.replace("{options}", ', kind="multi"'), suggestions=False, multi=True),
    # diagnostics: an empty plotly FigureWidget with a header, plotly imported in the setup cell, and the same
    # with the FigureWidget class imported there too (what is left is plotly.js reaching the page and drawing)
    "figurewidget": PaintVariant("import time, plotly.graph_objects as go\n", cell=FIGURE_WIDGET_CELL),
    "figurewidget-warm": PaintVariant("import time\n" + PLOTLY_WARM, cell=FIGURE_WIDGET_CELL),
}


def fill_paint_store(path: str, n: int, variant: PaintVariant) -> pd.DataFrame:
    """The store and DataFrame a paint run opens: `fill`'s decisions, or plain labels without suggestions."""
    if variant.suggestions and not variant.multi:
        return fill(path, n)
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"text": np.char.add("ticket ", np.arange(n).astype(str)).astype(object)})
    store = open_store(path)
    store.check_labels(LABELS, kind="multi" if variant.multi else "single")
    empty = dict.fromkeys(name for name in FIELDS if name != "id")
    records = []
    for row in range(n):
        if variant.multi:
            chosen = [name for name in LABELS if rng.random() < 0.4]
            label = json.dumps(sorted(chosen), separators=(",", ":"))
        else:
            label = str(rng.choice(LABELS, p=[0.5, 0.3, 0.2]))
        when = (START + dt.timedelta(seconds=3 * row + int(rng.integers(0, 3)))).isoformat(timespec="microseconds")
        records.append({**empty, "id": row + 1, "item_key": encode_key(df.index[row]), "annotator": "bench",
                        "decided_at": when, "text_hash": text_hash(df["text"].iat[row]), "action": "labeled",
                        "label": label, "session_id": "bench", "seconds": float(rng.uniform(1, 5))})  # fmt: skip
    with store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(store.events_table.insert(), records)  # type: ignore[attr-defined]
    store.close()
    return df


# The kernel ready, within a deadline (the harness's own wait has none, and a kernel that never starts hangs a run).
JS_WAIT_KERNEL = """async () => {
  const app = window.jupyterapp; await app.started; await app.restored;
  const nb = app.shell.currentWidget; await nb.context.ready; await nb.sessionContext.ready;
  const kernel = nb.sessionContext.session.kernel; const deadline = performance.now() + 120000;
  while (kernel.status !== 'idle') {
    if (performance.now() > deadline) throw new Error('the kernel did not start in 120 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}"""


def variant_of(name: str, before: str | None, after: str | None = None) -> PaintVariant:
    """``name``, or ``before:name``: the same cells on the labelwidgets at ``before`` (a copy of an older commit);
    ``name`` runs on the labelwidgets at ``after`` if given (a copy of the code under test: the working tree may
    hold other people's unfinished changes), else on the installed one."""
    if not name.startswith("before:"):
        variant = PAINT_VARIANTS[name]
        if after is None:
            return variant
        prefix = f"import sys; sys.path.insert(0, {after!r})  # the labelwidgets under test\n"
        return dataclasses.replace(variant, setup=prefix + variant.setup)
    if before is None:
        raise SystemExit(f"{name}: give --before, the folder of the older labelwidgets")
    variant = PAINT_VARIANTS[name.removeprefix("before:")]
    prefix = f"import sys; sys.path.insert(0, {before!r})  # the older labelwidgets\n"
    return dataclasses.replace(variant, setup=prefix + variant.setup)


def paint(
    sizes: list[int], repeat: int, chosen: list[str], out: Path, pause: float, before: str | None, after: str | None
) -> None:
    """Each variant in a fresh kernel, `repeat` times, interleaved so a busy moment hits all alike; medians."""
    import sys

    import nbformat
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from peer_latency import load_harness

    bench = load_harness()
    root = Path(tempfile.mkdtemp(prefix="dashboard-paint-"))
    stores: dict[tuple[str, int], tuple[Path, Path]] = {}
    filled: dict[tuple[bool, bool, int], tuple[Path, Path]] = {}  # variants with the same kind of data share it
    for name in chosen:
        variant = variant_of(name, before, after)
        for n in sizes:
            data = (variant.suggestions, variant.multi, n)
            if data not in filled:
                db, frame = root / f"store_{len(filled)}.db", root / f"store_{len(filled)}.pkl"
                fill_paint_store(str(db), n, variant).to_pickle(frame)
                filled[data] = db, frame
            stores[name, n] = filled[data]
    results: list[dict[str, Any]] = []
    received = [0]
    with bench.jupyter_lab(root) as (base, token), sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="dashboard-paint-chromium-"), executable_path=bench.CHROMIUM, headless=True,
            args=bench.CHROMIUM_ARGS, viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        try:
            for run in range(repeat):
                for n in sizes:
                    for name in chosen:
                        variant = variant_of(name, before, after)
                        db, frame = stores[name, n]
                        slug = f"paint_{name}_{n}_{run}".replace("-", "_").replace(":", "_")
                        copy_db = root / f"run_{slug}.db"
                        copy_db.write_bytes(db.read_bytes())  # each run opens the store as restored, untouched
                        setup = variant.setup.format(frame=str(frame), labels=LABELS, db=str(copy_db))
                        notebook = nbformat.v4.new_notebook(
                            cells=[nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(variant.cell)]
                        )
                        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "python3",
                                                           "language": "python"}  # fmt: skip
                        nbformat.write(notebook, root / f"{slug}.ipynb")
                        page = context.new_page()
                        page.on("websocket", lambda ws: ws.on("framereceived", lambda data: _count(received, data)))
                        result: dict[str, Any] = {"name": name, "N": n, "run": run}
                        try:
                            page.goto(f"{base}/lab/workspaces/{slug}/tree/{slug}.ipynb?reset&token={token}",
                                      wait_until="domcontentloaded")  # fmt: skip
                            page.wait_for_function(
                                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                " && window.jupyterapp.shell.currentWidget.sessionContext",
                                timeout=90_000,
                            )
                            page.evaluate(JS_WAIT_KERNEL)
                            ran = page.evaluate(bench.JS_RUN_CELL, 0)
                            if ran["errs"]:
                                raise RuntimeError(f"setup cell failed: {ran['errs']}")
                            time.sleep(pause)
                            received[0] = 0
                            shown = page.evaluate(JS_PAINT, [1, variant.ready, variant.done, 60_000])
                            result.update(shown)
                            result["received_kb"] = received[0] / 1024
                            kernel = page.evaluate(JS_KERNEL_VALUE, "print(_kernel_s)").strip()
                            result["kernel_ms"] = float(kernel) * 1000 if kernel else None
                            if shown["errs"] or shown["paint_ms"] is None:
                                raise RuntimeError(f"not painted: {shown}")
                        except Exception as exc:
                            result["error"] = f"{type(exc).__name__}: {exc}"
                        finally:
                            page.close()
                            bench._shutdown_all_kernels(base, token)
                        print(json.dumps(result), flush=True)
                        results.append(result)
        finally:
            context.close()
    table = paint_table(results, chosen, sizes)
    print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"env": bench._env_info(), "load_average": os.getloadavg(), "runs": results},
                              indent=1, default=str))  # fmt: skip
    out.with_suffix(".md").write_text(table + "\n")


def _count(received: list[int], data: str | bytes) -> None:
    received[0] += len(data)


def paint_table(results: list[dict[str, Any]], chosen: list[str], sizes: list[int]) -> str:
    lines = [
        "| variant | decisions | cell → header painted, median [min–max] (ms) | cell → charts painted (ms) | "
        "Dashboard() in the kernel (ms) | cell finished (ms) | interval filled in (ms) | received (kB) | runs |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]

    def median(rows: list[dict[str, Any]], key: str) -> str:
        values = [r[key] for r in rows if r.get(key) is not None]
        return f"{statistics.median(values):,.0f}" if values else ""

    for name in chosen:
        for n in sizes:
            rows = [r for r in results if r["name"] == name and r["N"] == n and "error" not in r]
            if not rows:
                continue
            painted = [r["paint_ms"] for r in rows]
            lines.append(
                f"| {name} | {n:,} | {statistics.median(painted):,.0f} [{min(painted):,.0f}–{max(painted):,.0f}] | "
                f"{median(rows, 'charts_ms')} | {median(rows, 'kernel_ms')} | {median(rows, 'cell_done_ms')} | "
                f"{median(rows, 'complete_ms')} | "
                f"{median(rows, 'received_kb')} | {len(rows)} |"
            )
    return "\n".join(lines)


def full_recompute(human: list[str], suggested: list[str]) -> None:
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    cohen_kappa_score(human, suggested)
    confusion_matrix(human, suggested, labels=LABELS)


if __name__ == "__main__":
    main()
