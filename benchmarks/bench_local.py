"""LocalLLM: time per item with llama.cpp in this process (as before) versus in its worker process.

    python benchmarks/bench_local.py            # prints a Markdown table

40 SMS messages from `lw.datasets.sms_spam()`, labels ham/spam, the bundled SmolLM2-135M.
"in process" runs the scoring engine (`local_worker.Engine`, the code that ran in the kernel
before the worker existed) right here; "worker" goes through `LocalLLM.suggest`, one item per
call as the labeler's prefetch asks, and once as a batch of 40. Both have the model loaded and
the calibration scores computed before the clock starts; rounds alternate between the two so
that other load on the machine hits both alike. Also: how long the worker takes to start.
"""

from __future__ import annotations

import statistics
import time

import labelwidgets as lw
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.local_worker import Engine

ITEMS = 40
ROUNDS = 5
LABELS = LabelSet.parse(["ham", "spam"])
INSTRUCTIONS = "Is this SMS message spam?"


def main() -> None:
    texts = lw.datasets.sms_spam()["text"].head(ITEMS).astype(str).tolist()
    items = [lw.Item(key=str(i), text=text) for i, text in enumerate(texts)]

    local = lw.LocalLLM(instructions=INSTRUCTIONS)
    started = time.perf_counter()
    local.suggest(items[:1], LABELS)  # starts the worker, loads the model, scores the calibration texts
    first_call = time.perf_counter() - started
    start_seconds = local.worker().start_seconds or float("nan")

    spec = local.prompt_spec()
    started = time.perf_counter()
    engine = Engine(local.model_path, local.n_ctx, local.n_threads)
    in_process_load = time.perf_counter() - started
    engine.distribution(spec, texts[0], LABELS, calibrate=True)

    in_process, worker_each, worker_batch = [], [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        expected = [engine.distribution(spec, text, LABELS, calibrate=True)[0] for text in texts]
        in_process.append((time.perf_counter() - started) / ITEMS)

        started = time.perf_counter()
        got = [local.suggest([item], LABELS)[0].probabilities for item in items]
        worker_each.append((time.perf_counter() - started) / ITEMS)

        started = time.perf_counter()
        local.suggest(items, LABELS)
        worker_batch.append((time.perf_counter() - started) / ITEMS)
        assert all(abs(g[k] - e[k]) < 1e-6 for g, e in zip(got, expected, strict=True) for k in e if g is not None)

    base = statistics.median(in_process)
    print(f"{ITEMS} SMS messages, {ROUNDS} rounds, n_threads={local.n_threads}; median (min-max) ms per item\n")
    print("| path | ms per item | ratio to in process |")
    print("|---|---|---|")
    for name, times in [
        ("in process (before)", in_process),
        ("worker, one item per call", worker_each),
        ("worker, 40 items per call", worker_batch),
    ]:
        median = statistics.median(times)
        print(
            f"| {name} | {1000 * median:.1f} ({1000 * min(times):.1f}-{1000 * max(times):.1f}) | {median / base:.3f} |"
        )
    print(
        f"\nworker start (spawn, import, load the GGUF): {start_seconds:.2f} s; first suggestion including the start "
        f"and the calibration texts: {first_call:.2f} s; the model loaded in process: {in_process_load:.2f} s"
    )
    local.close()


if __name__ == "__main__":
    main()
