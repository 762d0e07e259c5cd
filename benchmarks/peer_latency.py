"""Key press -> next item painted, first render and bytes on the wire, beside the old widgets.

Uses the shared peer-latency harness (../shared/tools/peer-latency/bench_peers.py), which
starts an isolated JupyterLab, drives Debian's Chromium with Playwright and times each
decision from the input event to the next item painted. This file only adds labelwidgets
to its table, so that every widget is measured in the same run on the same machine.

    python benchmarks/peer_latency.py --peers labelwidgets,baseline-anywidget-clientside \
        --sizes 100,1000000 --decisions 120 --out benchmarks/results/peer_latency.json

Run it with a Python that has labelwidgets and, for the peers, the harness's setup.sh venv.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

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


if __name__ == "__main__":
    harness = load_harness()
    register(harness)
    sys.exit(harness.main())
