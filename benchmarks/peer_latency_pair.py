"""Key press -> next pair painted (kind="pair"), beside the client-side floor, in the shared peer-latency harness.

The same harness, the same JupyterLab and Chromium as `peer_latency.py`; only the widget differs: each item is a
prompt with two outputs side by side, and key 1 / 2 chooses the left / right output (whichever the item's drawn
layout put there). The read-back turns each stored verdict back into the side chosen, so the harness checks that
every key press was stored as the verdict it meant.

    python benchmarks/peer_latency_pair.py --peers labelwidgets-pair,baseline-anywidget-clientside \
        --sizes 200,1000000 --decisions 60 --out benchmarks/results/peer_latency_pair.json
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_latency import load_harness
from peer_latency import register as register_labels


def register(bench) -> None:  # type: ignore[no-untyped-def]
    bench.PEERS["labelwidgets-pair"] = bench.WidgetSpec(
        name="labelwidgets-pair",
        setup_src="""\
            import pandas as pd, labelwidgets as lw
            df = pd.DataFrame({{"question": items, "reply_a": [t + " (first reply)" for t in items],
                               "reply_b": [t + " (second reply)" for t in items]}})
            """,
        display_src="""\
            w = lw.Labeler(df, kind="pair", prompt="question", outputs=("reply_a", "reply_b"),
                           store={root!r} + "/{slug}.db", annotator="bench")
            w
            """,
        item_selector=".lw-pair-prompt",
        modes={
            "key": [
                bench.Decide("key", "1", "pos", focus=".lw-labeler"),  # pos: the left output
                bench.Decide("key", "2", "neg", focus=".lw-labeler"),  # neg: the right output
            ],
        },
        readback_src="""\
            import json, pathlib
            done = df[df["label"].notna()].sort_values("decided_at")
            side = lambda row, label: "pos" if w.session.presentation(row)["left"] == label else "neg"
            rows = [df.index.get_loc(i) for i in done.index]
            pathlib.Path({resultfile!r}).write_text(json.dumps(
                [[q, side(r, l)] for q, r, l in zip(done["question"], rows, done["label"])]))
            print(len(done))
            """,
        notes="labelwidgets kind='pair': prompt and two outputs; verdicts acknowledged after the SQLite commit",
    )


if __name__ == "__main__":
    harness = load_harness()
    register_labels(harness)  # one label per item, measured in the same run for comparison
    register(harness)
    sys.exit(harness.main(sys.argv[1:]))
