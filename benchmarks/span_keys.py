"""Spans (#21): a key press in the span editor -> the edit painted, beside the client-side floor, in one run.

Uses the shared peer-latency harness (../shared/tools/peer-latency/bench_peers.py): its isolated JupyterLab,
Chromium, and `measure_decisions`, which times each key from the trusted keydown event to the frame that paints the
change (a MutationObserver on the watched element, then one requestAnimationFrame). Variants, each in a fresh kernel:

* ``spans-edit``       -- a spans Labeler, Tab into the text, then Shift+→ / Shift+← by turns (the selection grows by
                          a character, then shrinks back): watched is the editor's live region, which the same
                          handler that repaints the text rewrites ("Selected “i”", "Caret at 0")
* ``spans-edit-long``  -- the same on 4,000-character texts carrying 20 suggested spans each (the text box and its
                          spans are rebuilt on every key)
* ``spans-edit-still`` -- ``spans-edit`` with the caret's blink (a CSS animation) turned off in the page: while
                          something animates, Chromium draws on its 60 Hz clock and a change waits for the next tick;
                          with nothing animating, headless Chromium draws at once (a diagnostic, not what people see)
* ``spans-commit``     -- in the spans Labeler, ``0`` (no spans: an answer) -> the next item painted
* ``single``           -- the one-label Labeler, ``1`` / ``2`` -> the next item painted (the harness's labelwidgets)
* ``floor``            -- the harness's client-side anywidget: a key -> its next item painted, nothing else

    python benchmarks/span_keys.py --decisions 60 --repeat 2 --out benchmarks/results/span_keys.json

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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_latency import load_harness, register

SPANS_SETUP = """\
import pandas as pd, labelwidgets as lw
df = pd.DataFrame({{"text": items}})
"""
# 4,000 characters each, 20 entities a model named by their words, placed on the text by the package
LONG_SETUP = """\
import pandas as pd, labelwidgets as lw
words = [f"word{{k}}" for k in range(560)]
names = [("Ana", "person"), ("Oslo", "place")] * 10
def long_text(i):
    body = " ".join(words)[:3800]
    return f"item {{i}} " + " ".join(f"{{body[j * 190:(j + 1) * 190]}} {{n}}" for j, (n, _) in enumerate(names))
texts = [long_text(i) for i in range({N})]
guess = [[{{"text": n, "label": l}} for n, l in names] for _ in range({N})]
df = pd.DataFrame({{"text": texts, "guess": guess}})
"""
SPANS_DISPLAY = (
    'w = lw.Labeler(df, text="text", labels=["person", "place"], kind="spans", store={root!r} + "/{slug}.db",'
    ' annotator="bench"{extra})\nw\n'
)


def run_spans(bench, ctx, base: str, token: str, root: Path, name: str, n_items: int, n: int, think: int) -> dict:
    """One spans Labeler in a fresh notebook: first show, then the editing keys, then commits."""
    import nbformat

    slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{name}_{n_items}_{time.time_ns()}")
    long = name == "spans-edit-long"
    setup = LONG_SETUP if long else SPANS_SETUP
    extra = ', suggester=lw.FromColumn("guess")' if long else ""
    fmt = {"N": n_items, "root": str(root), "slug": slug}
    cells = [
        f"items = [f'item {{i}} some text' for i in range({n_items})]\n" + setup.format(**fmt),
        SPANS_DISPLAY.format(extra=extra, **fmt),
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, root / f"{slug}.ipynb")
    out: dict = {"name": name, "N": n_items, "modes": {}}
    page = ctx.new_page()
    try:
        page.goto(f"{base}/lab/workspaces/{slug}/tree/{slug}.ipynb?reset&token={token}", wait_until="domcontentloaded")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext",
            timeout=90_000,
        )
        page.evaluate(bench.JS_WAIT_KERNEL)
        page.evaluate(bench.JS_INSTALL)
        r = page.evaluate(bench.JS_RUN_CELL, 0)
        if r["errs"]:
            raise RuntimeError(f"setup cell failed: {r['errs']}")
        fs = page.evaluate(bench.JS_FIRST_SHOW, [1, ".lw-span-text", 120_000])
        if fs["how"] != "mutation":
            raise RuntimeError(f"no item shown: {fs}")
        cell = page.locator(".jp-Notebook .jp-Cell").nth(1)
        if long:  # the suggestion placed and painted: 20 dashed spans
            cell.locator("mark.lw-span-suggested").nth(19).wait_for(timeout=60_000)
        if name == "spans-edit-still":
            page.add_style_tag(content=".lw-labeler .lw-caret { animation: none !important; }")
        cell.locator(".lw-labeler .lw-state").first.click()
        if name.startswith("spans-edit"):
            page.keyboard.press("Tab")  # into the text (untimed)
            cell.locator(".lw-span-text.lw-editing").wait_for(timeout=10_000)
            keys = [bench.Decide("key", "Shift+ArrowRight", "-"), bench.Decide("key", "Shift+ArrowLeft", "-")]
            out["modes"]["edit-key"] = bench.measure_decisions(
                page, cell_index=1, item_selector=".lw-span-live", actions=keys, n=n, think_ms=think
            )
        else:
            commit = [bench.Decide("key", "0", "[]")]
            out["modes"]["commit-key"] = bench.measure_decisions(
                page, cell_index=1, item_selector=".lw-span-text", actions=commit, n=n, think_ms=think
            )
    except Exception as exc:  # a failed variant is reported, the others still run
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        page.close()
        bench._shutdown_all_kernels(base, token)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="spans-edit,spans-edit-long,spans-commit,single,floor")
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--decisions", type=int, default=60, help="key presses timed per variant and run")
    ap.add_argument("--think-ms", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--out", default="benchmarks/results/span_keys.json")
    args = ap.parse_args(argv)
    bench = load_harness()
    register(bench)
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="span-keys-"))
    chosen = args.variants.split(",")
    results: list[dict] = []
    load = [os.getloadavg()]
    with bench.jupyter_lab(root) as (base, token), sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="span-keys-chromium-"),
            executable_path=bench.CHROMIUM,
            headless=True,
            args=bench.CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            for k in range(args.repeat):
                for name in chosen:
                    if name.startswith("spans"):
                        r = run_spans(bench, ctx, base, token, root, name, args.items, args.decisions, args.think_ms)
                    else:
                        spec = bench.PEERS["labelwidgets" if name == "single" else "baseline-anywidget-clientside"]
                        r = bench.bench_widget(
                            ctx, base, token, root, name=f"{name}_{k}", display_src=spec.display_src,
                            item_selector=spec.item_selector, modes={"key": spec.modes["key"]},
                            setup_src=spec.setup_src, n_items=args.items, n_decisions=args.decisions,
                            think_ms=args.think_ms,
                        )  # fmt: skip
                        r["name"] = name
                    r["run"] = k
                    r["loadavg"] = os.getloadavg()
                    load.append(r["loadavg"])
                    print(
                        json.dumps(
                            {
                                "name": name,
                                "run": k,
                                "error": r.get("error"),
                                "latency": {m: v.get("latency_ms") for m, v in r.get("modes", {}).items()},
                            }
                        ),
                        flush=True,
                    )
                    results.append(r)
        finally:
            ctx.close()
    summary = {}
    for name in chosen:
        samples = [
            rec["ms_paint"]
            for r in results if r["name"] == name
            for mode in r.get("modes", {}).values()
            for rec in mode.get("records", []) if "ms_paint" in rec
        ]  # fmt: skip
        if samples:
            summary[name] = {
                "median_ms": statistics.median(samples),
                "p95_ms": bench._pct(samples, 0.95),
                "max_ms": max(samples),
                "presses": len(samples),
                "runs": sum(1 for r in results if r["name"] == name and not r.get("error")),
            }
    lines = [
        "| variant | key → painted, median / p95 / max (ms) | presses | runs |",
        "|---|---|---|---|",
        *(
            f"| {name} | {s['median_ms']:.1f} / {s['p95_ms']:.1f} / {s['max_ms']:.1f} | {s['presses']} | {s['runs']} |"
            for name, s in summary.items()
        ),
    ]
    loads = ", ".join(f"{one[0]:.1f}" for one in load)
    table = "\n".join(lines) + f"\n\nLoad average (1 min) at the start and after each variant: {loads}.\n"
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"env": bench._env_info(), "args": vars(args), "loadavg": load, "summary": summary, "runs": results}
    out.write_text(json.dumps(report, indent=1, default=str))
    out.with_suffix(".md").write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
