"""First show: from running the cell to the first *item* painted, beside the client-side anywidget floor.

Uses the shared peer-latency harness (../shared/tools/peer-latency/bench_peers.py) for the isolated
JupyterLab and Chromium, so the numbers are comparable with its table, but waits for the first item's
text itself (the harness's watcher stops at any text, which for a widget that first paints "Loading…"
measures the placeholder). Every variant runs in a fresh kernel, `--repeat` times, interleaved, so a
busy moment on the shared machine hits all variants alike; medians are reported.

Variants (the setup cell is untimed, as in the harness):

* ``labelwidgets``       -- setup imports labelwidgets (which, in a kernel, starts importing SQLAlchemy, anywidget
                            and the labeler's modules in a background thread, `labelwidgets/warm_up.py`); the
                            timed cell creates the Labeler and shows it
* ``labelwidgets-cold``  -- the same with the warm-up turned off (``LABELWIDGETS_WARM_UP=0``): the timed cell pays
                            the first import of SQLAlchemy, anywidget and the labeler's modules
* ``labelwidgets-warm``  -- those modules imported explicitly in the setup cell
* ``labelwidgets-view``  -- the Labeler is made in the setup cell; the timed cell only shows it
* ``labelwidgets-spans`` -- as ``labelwidgets``, with ``kind="spans"`` (the span editor shows the first item)
* ``labelwidgets-multi`` -- as ``labelwidgets``, with ``kind="multi"``
* ``labelwidgets-pair``  -- as ``labelwidgets``, with ``kind="pair"`` (a prompt and two outputs side by side)
* ``floor``              -- the harness's client-side anywidget (`baseline-anywidget-clientside`)

    python benchmarks/first_show.py --sizes 200,1000000 --repeat 5 --out benchmarks/results/first_show.json

Between the setup cell finishing and the timed cell starting, ``--pause`` seconds pass (default 1.5: a person
reads the output and types the next cell; the floor gets the same pause).

Run it with the project's venv (JupyterLab, Playwright, labelwidgets); Chromium is /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_latency import load_harness

ITEM = r"^item \d+ some text$"

# Runs the display cell and resolves when the first item's text is in the DOM and painted.
JS_FIRST_ITEM = """
async ([cellIndex, sel, pattern, timeoutMs]) => {
  const app = window.jupyterapp; const nb = app.shell.currentWidget;
  const cellNode = nb.content.widgets[cellIndex].node;
  const re = new RegExp(pattern);
  const marks = {};
  const read = () => { const el = cellNode.querySelector(sel);
                       return el ? el.textContent.replace(/\\s+/g, ' ').trim() : null; };
  const watcher = new Promise((resolve) => {
    let done = false;
    const check = () => {
      const t = read();
      if (t !== null && marks.view === undefined) marks.view = performance.now();
      if (done || t === null || !re.test(t)) return;
      done = true; mo.disconnect(); clearTimeout(to);
      const tDetect = performance.now();
      requestAnimationFrame(() => resolve({how: 'item', text: t, tDetect, tRaf: performance.now()}));
    };
    const mo = new MutationObserver(check);
    mo.observe(cellNode, {subtree: true, childList: true, characterData: true});
    const to = setTimeout(() => {
      if (!done) { done = true; mo.disconnect(); resolve({how: 'timeout', text: read()}); }
    }, timeoutMs);
  });
  app.shell.activateById(nb.id); nb.content.activeCellIndex = cellIndex; nb.content.deselectAll();
  const t0 = performance.now();
  const exec = app.commands.execute('notebook:run-cell').then(() => { marks.exec = performance.now(); });
  const r = await watcher;
  await exec;
  r.t0 = t0; r.tView = marks.view; r.tExecDone = marks.exec;
  return r;
}
"""

SETUP_LW = """\
import pandas as pd, labelwidgets as lw
items = [f"item {{i}} some text" for i in range({N})]
df = pd.DataFrame({{"text": items}})
"""
WARM = "import sqlalchemy, anywidget, labelwidgets.labeler, labelwidgets.widgets.labeler  # as a warm-up would\n"
COLD = "import os; os.environ['LABELWIDGETS_WARM_UP'] = '0'\n"
MAKE = 'w = lw.Labeler(df, text="text", labels=["pos", "neg"], store={db!r}, annotator="bench")\n'
MAKE_MULTI = (
    'w = lw.Labeler(df, text="text", labels=["pos", "neg", "mixed"], kind="multi", store={db!r}, annotator="bench")\n'
)
MAKE_SPANS = (
    'w = lw.Labeler(df, text="text", labels=["person", "place"], kind="spans", store={db!r}, annotator="bench")\n'
)

SETUP_PAIR = (
    SETUP_LW
    + 'df["reply_a"] = [t + " (first reply)" for t in items]\n'
    + 'df["reply_b"] = [t + " (second reply)" for t in items]\n'
)
MAKE_PAIR = (
    'w = lw.Labeler(df, kind="pair", prompt="text", outputs=("reply_a", "reply_b"), store={db!r}, annotator="bench")\n'
)


def variants(bench, root: Path) -> dict[str, tuple[str, str, str]]:
    """name -> (setup cell, display cell, item selector); `{N}` and `{db}` are filled in per run."""
    floor = bench.PEERS["baseline-anywidget-clientside"]
    floor_setup = textwrap.dedent(floor.setup_src)  # a format template, as the harness uses it
    return {
        "labelwidgets": (SETUP_LW, MAKE + "w\n", ".lw-text"),
        "labelwidgets-cold": (COLD + SETUP_LW, MAKE + "w\n", ".lw-text"),
        "labelwidgets-warm": (SETUP_LW + WARM, MAKE + "w\n", ".lw-text"),
        "labelwidgets-view": (SETUP_LW + WARM + MAKE, "w\n", ".lw-text"),
        # kind="spans" (#21): the item is the span editor's text box, painted with its spans
        "labelwidgets-spans": (SETUP_LW, MAKE_SPANS + "w\n", ".lw-span-text"),
        # kind="multi" (#20): the label buttons are toggles
        "labelwidgets-multi": (SETUP_LW, MAKE_MULTI + "w\n", ".lw-text"),
        # kind="pair" (#22): the prompt above two outputs side by side
        "labelwidgets-pair": (SETUP_PAIR, MAKE_PAIR + "w\n", ".lw-pair-prompt"),
        "floor": (
            "items = [f'item {{i}} some text' for i in range({N})]\n" + floor_setup,
            textwrap.dedent(floor.display_src),
            floor.item_selector,
        ),
    }


def run_one(
    bench,
    page_ctx,
    base: str,
    token: str,
    root: Path,
    name: str,
    n: int,
    k: int,
    setup: str,
    display: str,
    selector: str,
    pause: float = 1.5,
) -> dict:
    import nbformat

    slug = re.sub(r"[^A-Za-z0-9]+", "_", f"fs_{name}_{n}_{k}")
    fmt = {"N": n, "db": str(root / f"{slug}.db")}
    setup_src, display_src = setup.format(**fmt), display.format(**fmt)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup_src), nbformat.v4.new_code_cell(display_src)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, root / f"{slug}.ipynb")
    page = page_ctx.new_page()
    out: dict = {"name": name, "N": n, "run": k}
    try:
        page.goto(f"{base}/lab/workspaces/{slug}/tree/{slug}.ipynb?reset&token={token}", wait_until="domcontentloaded")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext",
            timeout=90_000,
        )
        page.evaluate(bench.JS_WAIT_KERNEL)
        r = page.evaluate(bench.JS_RUN_CELL, 0)
        if r["errs"]:
            raise RuntimeError(f"setup cell failed: {r['errs']}")
        time.sleep(pause)
        fs = page.evaluate(JS_FIRST_ITEM, [1, selector, ITEM, 60_000])
        if fs["how"] != "item":
            raise RuntimeError(f"no item shown: {fs}")
        out["first_item_ms"] = fs["tRaf"] - fs["t0"]
        out["view_ms"] = None if fs.get("tView") is None else fs["tView"] - fs["t0"]
        out["exec_done_ms"] = None if fs.get("tExecDone") is None else fs["tExecDone"] - fs["t0"]
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        page.close()
        bench._shutdown_all_kernels(base, token)
    out["loadavg"] = os.getloadavg()  # the machine is shared: how busy it was
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="200,1000000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pause", type=float, default=1.5, help="seconds between the setup cell and the timed cell")
    ap.add_argument("--variants", default="labelwidgets,labelwidgets-cold,labelwidgets-view,floor")
    ap.add_argument("--out", default="benchmarks/results/first_show.json")
    args = ap.parse_args(argv)
    bench = load_harness()
    from playwright.sync_api import sync_playwright

    sizes = [int(s) for s in args.sizes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="first-show-"))
    chosen = args.variants.split(",")
    results: list[dict] = []
    with bench.jupyter_lab(root) as (base, token), sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="first-show-chromium-"),
            executable_path=bench.CHROMIUM,
            headless=True,
            args=bench.CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        table = variants(bench, root)
        try:
            for k in range(args.repeat):
                for n in sizes:
                    for name in chosen:
                        setup, display, selector = table[name]
                        r = run_one(bench, ctx, base, token, root, name, n, k, setup, display, selector, args.pause)
                        print(json.dumps(r), flush=True)
                        results.append(r)
        finally:
            ctx.close()
    summary = {}
    for name in chosen:
        for n in sizes:
            xs = [r["first_item_ms"] for r in results if r["name"] == name and r["N"] == n and "first_item_ms" in r]
            ex = [r["exec_done_ms"] for r in results if r["name"] == name and r["N"] == n and r.get("exec_done_ms")]
            if xs:
                summary[f"{name} {n}"] = {
                    "median_ms": statistics.median(xs),
                    "min_ms": min(xs),
                    "max_ms": max(xs),
                    "runs": len(xs),
                    "cell_done_median_ms": statistics.median(ex) if ex else None,
                }
    lines = [
        "| variant | rows | first item painted, median [min–max] (ms) | cell finished, median (ms) | runs |",
        "|---|---|---|---|---|",
    ]
    for key, s in summary.items():
        name, n = key.rsplit(" ", 1)
        lines.append(
            f"| {name} | {int(n):,} | {s['median_ms']:.0f} [{s['min_ms']:.0f}–{s['max_ms']:.0f}] | "
            f"{s['cell_done_median_ms'] or float('nan'):.0f} | {s['runs']} |"
        )
    table_md = "\n".join(lines)
    print(table_md)
    env = bench._env_info()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps({"env": env, "args": vars(args), "summary": summary, "runs": results}, indent=1, default=str)
    )
    Path(args.out).with_suffix(".md").write_text(table_md + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
