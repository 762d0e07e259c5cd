"""Multi-label: key press -> the toggled label painted, and Enter -> the next item painted, beside single-label.

    python benchmarks/bench_toggle.py --presses 120 --out benchmarks/results/toggle.json

Opens JupyterLab with Debian's Chromium (the test suite's harness, tests/jupyter_browser.py), shows a single-label
and a multi-label Labeler, and times in the page, from the keydown event's timestamp to the first animation frame
after the change is in the DOM (what the person sees):
  * single-label: a number key -> the next item's text painted;
  * multi-label: a number key -> its button shown as on (aria-pressed), and Enter -> the next item's text painted.
Not a test: numbers depend on the machine (report the machine and whether it was shared).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from jupyter_browser import JupyterServer, NotebookPage, chromium

CELL = textwrap.dedent(
    """
    import pandas as pd, labelwidgets as lw
    df = pd.DataFrame({{"text": [f"item number {{i}}" for i in range({n})]}})
    single = lw.Labeler(df, labels=["a", "b", "c"], store="bench-single.db", annotator="bench")
    multi = lw.Labeler(df.copy(), labels=["a", "b", "c"], kind="multi", store="bench-multi.db", annotator="bench")
    """
)

# Times one key press in the page: keydown timestamp -> the first frame after `changed()` holds.
TIME_KEY = """
async ([index, key, what]) => {
  const root = document.querySelectorAll('.lw-labeler')[index];
  const text = root.querySelector('.lw-text');
  const before = text.textContent;
  const button = root.querySelectorAll('.lw-label')[0];
  const pressedBefore = button.getAttribute('aria-pressed');
  const changed = what === 'toggle' ? () => button.getAttribute('aria-pressed') !== pressedBefore
                                    : () => text.textContent !== before;
  return await new Promise((resolve) => {
    let t0 = null;
    const onKey = (event) => { t0 = event.timeStamp; };
    root.addEventListener('keydown', onKey, {capture: true, once: true});
    const observer = new MutationObserver(() => {
      if (!changed()) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - t0));
    });
    observer.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
    root.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true, cancelable: true}));
  });
}
"""


# The item shown must be there before a key is timed: a key on an item still loading changes nothing but the banner
# ("press the key again once it shows"), and the timing would wait for ever.
LOADED = "(index) => document.querySelectorAll('.lw-labeler .lw-text')[index].textContent !== 'Loading…'"


def measure(page, index: int, key: str, what: str) -> float:  # type: ignore[no-untyped-def]
    page.wait_for_function(LOADED, arg=index, timeout=60_000)
    return float(page.evaluate(TIME_KEY, [index, key, what]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=120)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    server = JupyterServer()
    try:
        with chromium() as context:
            notebook = NotebookPage.open(context, server, "toggle.ipynb", [CELL.format(n=args.rows), "single", "multi"])
            notebook.run_all()
            page = notebook.page
            page.locator(".lw-labeler .lw-text").nth(1).wait_for(timeout=60_000)
            page.wait_for_function("() => document.querySelectorAll('.lw-labeler .lw-text')[1].textContent"
                                   ".startsWith('item number')", timeout=60_000)  # fmt: skip
            results: dict[str, list[float]] = {"single: key -> next item": [], "multi: key -> toggle painted": [],
                                               "multi: Enter -> next item": []}  # fmt: skip
            for _ in range(args.presses):
                results["single: key -> next item"].append(measure(page, 0, "1", "next"))
                results["multi: key -> toggle painted"].append(measure(page, 1, "1", "toggle"))
                results["multi: Enter -> next item"].append(measure(page, 1, "Enter", "next"))
            notebook.close()
    finally:
        server.stop()
    summary = {
        name: {"median_ms": statistics.median(v), "p95_ms": sorted(v)[int(0.95 * (len(v) - 1))], "n": len(v)}
        for name, v in results.items()
    }
    print("| measure | median (ms) | p95 (ms) | n |\n|---|---:|---:|---:|")
    for name, s in summary.items():
        print(f"| {name} | {s['median_ms']:.1f} | {s['p95_ms']:.1f} | {s['n']} |")
    if args.out:
        args.out.write_text(json.dumps({"rows": args.rows, "summary": summary, "raw": results}, indent=1))


if __name__ == "__main__":
    main()
