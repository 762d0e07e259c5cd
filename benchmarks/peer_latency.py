"""Key press -> next item painted, first render and bytes on the wire, beside the old widgets.

Uses the shared peer-latency harness (../shared/tools/peer-latency/bench_peers.py), which
starts an isolated JupyterLab, drives Debian's Chromium with Playwright and times each
decision from the input event to the next item painted. This file only adds labelwidgets
to its table, so that every widget is measured in the same run on the same machine.

    python benchmarks/peer_latency.py --peers labelwidgets,baseline-anywidget-clientside \
        --sizes 100,1000000 --decisions 120 --out benchmarks/results/peer_latency.json

``--marimo`` also measures labelwidgets in marimo (``marimo edit``, the same Chromium, the same sizes, decisions
and pauses), after the harness's JupyterLab run, and writes both to ``<out>_marimo.json`` and a table beside it.
The harness drives JupyterLab only; the marimo page is driven here with the same timing: from the keydown (a
capture listener on the window) to the next item's text in the widget's shadow root plus one animation frame.

Run it with a Python that has labelwidgets and, for the peers, the harness's setup.sh venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HARNESS = Path(
    os.environ.get("PEER_LATENCY_DIR", Path(__file__).resolve().parents[2] / "shared" / "tools" / "peer-latency")
)


def load_harness():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_peers", HARNESS / "bench_peers.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"peer-latency harness not found in {HARNESS}; set PEER_LATENCY_DIR")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_peers"] = module
    spec.loader.exec_module(module)
    return module


def register(bench) -> None:  # type: ignore[no-untyped-def]
    bench.PEERS["labelwidgets"] = bench.WidgetSpec(
        name="labelwidgets",
        setup_src="""\
            import pandas as pd, labelwidgets as lw
            df = pd.DataFrame({{"text": items}})
            """,
        display_src="""\
            w = lw.Labeler(df, text="text", labels=["pos", "neg"], store={root!r} + "/{slug}.db", annotator="bench")
            w
            """,
        item_selector=".lw-text",
        modes={
            "key": [
                bench.Decide("key", "1", "pos", focus=".lw-labeler"),
                bench.Decide("key", "2", "neg", focus=".lw-labeler"),
            ],
            "click": [
                bench.Decide("click", ".lw-label:has-text('pos')", "pos"),
                bench.Decide("click", ".lw-label:has-text('neg')", "neg"),
            ],
        },
        readback_src="""\
            import json, pathlib
            done = df[df["label"].notna()].sort_values("decided_at")
            pathlib.Path({resultfile!r}).write_text(json.dumps([[t, l] for t, l in zip(done["text"], done["label"])]))
            print(len(done))
            """,
        notes="labelwidgets: browser-side window, decisions acknowledged after the SQLite commit",
    )


# ----- marimo -------------------------------------------------------------------------------------------------------

#: In the page: capture-phase listeners record each trusted keydown; `arm` watches the labeler's item text inside its
#: shadow root and resolves one animation frame after it changes (the frame that paints it), as the harness does.
JS_INSTALL = """() => {
  if (window.__bench) return;
  const B = (window.__bench = {events: []});
  window.addEventListener("keydown", (e) => B.events.push({t: performance.now(), trusted: e.isTrusted, key: e.key}),
                          {capture: true});
}"""

JS_ARM = """([selector, timeoutMs]) => {
  const B = window.__bench; B.events = [];
  const host = [...document.querySelectorAll("marimo-anywidget")].find((h) => h.shadowRoot
    && h.shadowRoot.querySelector(selector));
  const scope = host.shadowRoot;
  const read = () => { const el = scope.querySelector(selector); return el ? el.textContent.trim() : null; };
  const before = read();
  B.pending = new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return; done = true; observer.disconnect(); clearTimeout(timer);
      const tDetect = performance.now(), text = read();
      requestAnimationFrame(() => resolve({how: "mutation", text, tDetect, tRaf: performance.now()}));
    };
    const observer = new MutationObserver(() => { if (read() !== before) finish(); });
    observer.observe(scope, {subtree: true, childList: true, characterData: true});
    const timer = setTimeout(() => { if (!done) { done = true; observer.disconnect(); resolve({how: "timeout"}); } },
                             timeoutMs);
  });
  return before;
}"""

JS_COLLECT = """async () => { const B = window.__bench; const r = await B.pending; r.events = B.events; return r; }"""


def bench_marimo(context: Any, n_items: int, n_decisions: int, think_ms: int, *, floor: bool = False) -> dict[str, Any]:
    """labelwidgets in ``marimo edit``: key press -> next item painted, ``n_decisions`` times (keys 1 and 2).

    ``floor``: the harness's client-side anywidget instead (the same page's floor), read back from its own list."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from marimo_browser import MarimoServer

    server = MarimoServer("edit")
    try:
        store = server.root / "bench.db"
        items = f"items = [f'item {{i}} some text' for i in range({n_items})]\n"
        if floor:
            harness = sys.modules["bench_peers"]
            cells = [items + harness._ANYWIDGET_SRC, "w = ClientSideLabeller(items)\nw\n"]
            text, root = ".csl-item", ".csl-root"
        else:
            setup = items + "import pandas as pd, labelwidgets as lw\ndf = pd.DataFrame({'text': items})\n"
            show = f"w = lw.Labeler(df, labels=['pos', 'neg'], store={str(store)!r}, annotator='bench')\nw\n"
            cells, text, root = [setup, show], ".lw-text", ".lw-labeler"
        server.write_notebook("bench.py", cells)
        page = context.new_page()
        try:
            page.goto(server.notebook_url("bench.py"))
            page.locator(text).first.wait_for(timeout=180_000)
            page.wait_for_timeout(1000)
            page.evaluate(JS_INSTALL)
            page.locator(root).first.focus()
            records = []
            for i in range(n_decisions):
                key, label = ("1", "pos") if i % 2 == 0 else ("2", "neg")
                before = page.evaluate(JS_ARM, [text, 30_000])
                page.keyboard.press(key)
                result = page.evaluate(JS_COLLECT)
                first = next((e for e in result["events"] if e["trusted"]), None)
                record = {"i": i, "label": label, "before": before, "after": result.get("text")}
                if result.get("how") != "mutation" or first is None:
                    record["error"] = f"no next item (how={result.get('how')})"
                    records.append(record)
                    break
                record["ms_paint"] = result["tRaf"] - first["t"]
                record["ms_detect"] = result["tDetect"] - first["t"]  # the item's text changed (end of the key's task)
                records.append(record)
                page.wait_for_timeout(think_ms)
        finally:
            page.close()
        made = [r["label"] for r in records if "ms_paint" in r]
        if floor:
            readback = {"ok": None, "decisions_made": len(made)}  # its labels live in the kernel only
        else:
            readback = _store_readback(store, made)
        return {
            "name": "client-side anywidget floor (marimo)" if floor else "labelwidgets (marimo)",
            "N": n_items,
            "latency_ms": summary([r["ms_paint"] for r in records if "ms_paint" in r]),
            "detect_ms": summary([r["ms_detect"] for r in records if "ms_detect" in r]),
            "readback": readback,
            "records": records,
        }
    finally:
        server.stop()


def _store_readback(store: Path, made: list[str]) -> dict[str, Any]:
    """Every decision made reached the store, with its label, in order (waits for the last ones to land)."""
    import labelwidgets as lw

    deadline = time.monotonic() + 30
    while True:
        opened = lw.open_store(store)
        try:
            events = opened.events_frame()
        finally:
            opened.close()
        if len(events) >= len(made) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return {"ok": events["label"].tolist() == made, "decisions_made": len(made), "labels_in_store": len(events)}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(ordered), "median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def run_marimo(argv: list[str], out: Path) -> list[dict[str, Any]]:
    """The marimo measurements with the harness's ``--sizes``, ``--decisions`` and ``--think-ms``."""
    import argparse

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--sizes", default="200,100000")
    parser.add_argument("--decisions", type=int, default=50)
    parser.add_argument("--think-ms", type=int, default=250)
    args, _ = parser.parse_known_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from jupyter_browser import chromium

    results = []
    with chromium() as context:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"--> labelwidgets in marimo N={size:,}", flush=True)
            for floor in (False, True):
                results.append(bench_marimo(context, size, args.decisions, args.think_ms, floor=floor))
                print("    ", results[-1]["name"], json.dumps(results[-1]["latency_ms"]), flush=True)
    out.write_text(json.dumps({"load_average": os.getloadavg(), "results": results}, indent=1, default=str))
    return results


def jupyterlab_rows(out: Path) -> list[str]:
    """labelwidgets' key rows from the harness's results file, as rows of the combined table."""
    if not out.exists():
        return []
    data = json.loads(out.read_text())
    rows = []
    for result in data.get("results", data if isinstance(data, list) else []):
        latency = result.get("modes", {}).get("key", {}).get("latency_ms", {})
        if latency.get("n"):
            rows.append(
                f"| {result['name']} (JupyterLab) | {result['N']:,} | {latency['median']:.1f} / "
                f"{latency['p95']:.1f} / {latency['max']:.1f} (n={latency['n']}) | "
                f"{'ok' if result.get('readback', {}).get('ok') else 'MISMATCH'} |"
            )
    return rows


if __name__ == "__main__":
    harness = load_harness()
    register(harness)
    argv = sys.argv[1:]
    with_marimo = "--marimo" in argv
    argv = [a for a in argv if a != "--marimo"]
    code = harness.main(argv)
    if with_marimo:
        out_index = argv.index("--out") + 1 if "--out" in argv else None
        out = Path(argv[out_index]) if out_index else harness.HERE / "results.json"
        marimo_out = out.with_name(out.stem + "_marimo.json")
        results = run_marimo(argv, marimo_out)
        table = ["| widget | N | key → next item painted, median / p95 / max (ms) | read-back |", "|---|---|---|---|"]
        table += jupyterlab_rows(out)
        for r in results:
            lat = r["latency_ms"]
            cell = f"{lat['median']:.1f} / {lat['p95']:.1f} / {lat['max']:.1f} (n={lat['n']})" if lat["n"] else "FAILED"
            ok = {True: "ok", False: "MISMATCH", None: "—"}[r["readback"]["ok"]]
            table.append(f"| {r['name']} | {r['N']:,} | {cell} | {ok} |")
        text = "\n".join(table)
        print(text)
        marimo_out.with_suffix(".md").write_text(text + f"\n\nload average after the run: {os.getloadavg()}\n")
    sys.exit(code)
