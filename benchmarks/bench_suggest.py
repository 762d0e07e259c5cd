"""Suggestion throughput and waiting, against a fixed-latency OpenAI-compatible server on 127.0.0.1.

    python benchmarks/bench_suggest.py            # prints Markdown tables

1. `lw.suggest` items per second at concurrency 1, 8 and 32, as a share of the limit
   (concurrency / latency), through litellm to tests/fault_server.py answering after 200 ms.
2. A scripted annotator who reads each item for a fixed time: on what share of decisions did
   they wait for the suggestion, with suggestions fetched ahead (prefetch 8, concurrency 4)?
3. LocalLLM (the bundled SmolLM2-135M, llama.cpp in its worker process): milliseconds per item.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import pandas as pd
from fault_server import FaultServer, Reply

import labelwidgets as lw

LATENCY = 0.2
LABELS = ["ham", "spam"]


def warm_up() -> None:
    """Import litellm and open a connection pool outside the timings (the import alone takes seconds)."""
    with FaultServer(default=Reply.label("spam")) as server:
        llm = lw.LLM("openai/fake", api_base=server.url, api_key="sk-bench", cache=False)
        llm.suggest([lw.Item(key="warm", text="warm")], lw.LabelSet.parse(LABELS))


def throughput() -> None:
    print("| concurrency | items | seconds | items/s | limit (concurrency / latency) | share of limit |")
    print("|---|---|---|---|---|---|")
    for concurrency, n in ((1, 20), (8, 160), (32, 640)):
        with FaultServer(latency=LATENCY, default=Reply.label("spam")) as server:
            # the LLM's own max_concurrency caps what lw.suggest may ask of it, so both are set
            llm = lw.LLM("openai/fake", api_base=server.url, api_key="sk-bench", cache=False,
                         max_concurrency=concurrency)  # fmt: skip
            df = pd.DataFrame({"text": [f"message {i}" for i in range(n)]})
            start = time.perf_counter()
            # a local fake model has no price: confirm_above=None accepts the (zero) cost without asking
            lw.suggest(df, llm, text="text", labels=LABELS, max_concurrency=concurrency, progress=False,
                       confirm_above=None)  # fmt: skip
            seconds = time.perf_counter() - start
            rate, limit = n / seconds, concurrency / LATENCY
            print(f"| {concurrency} | {n} | {seconds:.2f} | {rate:.1f} | {limit:.0f} | {rate / limit:.0%} |")


def waiting() -> None:
    print("\n| reading time per item (s) | decisions | waited on | share | mean wait (ms) |")
    print("|---|---|---|---|---|")
    for reading in (0.02, 0.05, 0.1, 0.5):
        with FaultServer(latency=LATENCY, default=Reply.label("spam")) as server, tempfile.TemporaryDirectory() as tmp:
            llm = lw.LLM("openai/fake", api_base=server.url, api_key="sk-bench", cache=False, max_concurrency=4)
            df = pd.DataFrame({"text": [f"message {i}" for i in range(60)]})
            labeler = lw.Labeler(df, labels=LABELS, store=f"{tmp}/w.db", suggester=llm, prefetch=8)
            n = 40 if reading < 0.5 else 15
            for _ in range(n):
                time.sleep(reading)
                labeler.accept()
            waits = labeler.session.waits
            mean = 1000 * sum(waits) / len(waits) if waits else 0.0
            print(f"| {reading} | {n} | {len(waits)} | {len(waits) / n:.0%} | {mean:.0f} |")
            labeler.close()


def local_model() -> None:
    local = lw.LocalLLM()
    labels = lw.LabelSet.parse(LABELS)
    texts = lw.datasets.sms_spam()["text"].head(40).tolist()
    local.suggest([lw.Item(key="warm", text="hello")], labels)  # load the model outside the timing
    start = time.perf_counter()
    local.suggest([lw.Item(key=str(i), text=t) for i, t in enumerate(texts)], labels)
    per_item = 1000 * (time.perf_counter() - start) / len(texts)
    print(f"\nLocalLLM ({local.n_threads} threads): {per_item:.0f} ms per item over {len(texts)} SMS messages")


if __name__ == "__main__":
    warm_up()
    throughput()
    waiting()
    local_model()
