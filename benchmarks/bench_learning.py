"""Does the assistant get better as the person labels? Replays human labels through a Labeler.

    python benchmarks/bench_learning.py                      # all datasets and suggesters (about 30 min)
    python benchmarks/bench_learning.py --items 60 --llm-items 30 --datasets sms   # a quick look

For each dataset the items are shuffled once (seed 0) and replayed in that order through a real
`lw.Labeler` (store=None, prefetch=0): for every item the suggester's suggestion is read first
(as a person would read it; the learner has finished retraining on every earlier label), then
the gold label is given with `labeler.label(...)`, which is how the session teaches suggesters
that learn. The suggestion is scored against the gold label *before* that label is known:
prequential accuracy and Cohen's kappa. A suggester with no usable suggestion for an item
(a learner before its first labels, an invalid answer) scores that item as wrong; "answered"
says how often it had one.

Suggesters:
* majority         -- the most frequent label among the labels given so far (the baseline)
* local zero-shot  -- `lw.LocalLLM()` (the bundled SmolLM2-135M), no examples
* local few-shot   -- `lw.LocalLLM(few_shot="session")`: the person's labels as examples
* learner          -- `lw.Learner()`: TF-IDF + logistic regression on the labels so far
* prior + learner  -- `lw.Learner(prior=lw.LocalLLM())`: the local model until the learner is ahead

The local model costs 0.4-2 s an item on two cores (it scores every label), and 3-12 s with session examples
in its prompt, so the suggesters that use it see the first ``--llm-items`` items of each dataset (the few-shot
one the first ``--few-shot-items``); the others see ``--items``. Curves are reported as
the accuracy over consecutive blocks of ``--block`` items. Also measured: time per suggestion and
the learner's retrain time against the number of labels, up to 5,000 (SMS Spam Collection).

Writes benchmarks/results/learning.json and benchmarks/results/learning.md.

    python benchmarks/bench_learning.py --fast-labeler --paces 0,0.05,0.25 \
        --before results/learning_fast_labeler_before.json    # a fast labeler, fresh interpreters (~3 min)
    # the same through another checkout (git archive <commit> labelwidgets | tar -x -C /tmp/before):
    PYTHONPATH=/tmp/before python benchmarks/bench_learning.py --fast-labeler --paces 0,0.05,0.25 \
        --out-fast results/learning_fast_labeler_before.json

A fast labeler: in a fresh Python (nothing imported yet, as in a new kernel) a `lw.Learner()` and a Labeler on the
bundled SMS messages are made, and a script labels the first 60 at once, one every PACE seconds, reading the
learner's suggestion for each item first. Counted: the items, after the learner's 10th label, for which it had no
suggestion, and the seconds from that 10th label to its first suggestion. Writes
benchmarks/results/learning_fast_labeler.json (``--before`` adds another checkout's run beside it in the Markdown).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

import labelwidgets as lw
from labelwidgets.suggesters.base import Example

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
RESULTS = Path(__file__).resolve().parent / "results"


# ----- datasets: (frame with text and gold, labels, instructions for the LLM) -------------------------------
def sms() -> tuple[pd.DataFrame, list[str], str]:
    frame = pd.read_csv(SHARED / "sms_spam" / "SMSSpamCollection.tsv", sep="\t", header=0, names=["gold", "text"])
    return frame[["text", "gold"]], ["ham", "spam"], "Is this SMS message spam or ham (a normal message)?"


def _tweeteval(task: str) -> tuple[pd.DataFrame, list[str]]:
    folder = SHARED / "tweeteval" / task
    names = dict(line.split("\t") for line in (folder / "mapping.txt").read_text().splitlines() if line.strip())
    texts = (folder / "test_text.txt").read_text(encoding="utf-8").splitlines()
    ids = (folder / "test_labels.txt").read_text().split()
    frame = pd.DataFrame({"text": texts, "gold": [names[i].strip() for i in ids]})
    return frame, [names[k].strip() for k in sorted(names, key=int)]


def emotion() -> tuple[pd.DataFrame, list[str], str]:
    frame, labels = _tweeteval("emotion")
    return frame, labels, "Which emotion does this tweet express?"


def irony() -> tuple[pd.DataFrame, list[str], str]:
    frame, labels = _tweeteval("irony")
    return frame, labels, "Is this tweet ironic (irony) or not (non_irony)?"


def banking() -> tuple[pd.DataFrame, list[str], str]:
    folder = SHARED / "banking77" / "banking_data"
    frame = pd.concat([pd.read_csv(folder / "train.csv"), pd.read_csv(folder / "test.csv")], ignore_index=True)
    top = frame["category"].value_counts().index[:6].tolist()  # six intents: the local model scores every label
    frame = frame[frame["category"].isin(top)].rename(columns={"category": "gold"})
    return frame[["text", "gold"]], sorted(top), "Which banking customer intent is this query?"


def davidson() -> tuple[pd.DataFrame, list[str], str]:
    frame = pd.read_csv(SHARED / "davidson2017_hate" / "data" / "labeled_data.csv")
    names = {0: "hate", 1: "offensive", 2: "neither"}
    frame = pd.DataFrame({"text": frame["tweet"], "gold": frame["class"].map(names)})
    return frame, ["hate", "offensive", "neither"], "Is this tweet hate speech, offensive but not hate, or neither?"


DATASETS: dict[str, Callable[[], tuple[pd.DataFrame, list[str], str]]] = {
    "sms": sms,
    "tweeteval-emotion": emotion,
    "tweeteval-irony": irony,
    "banking77-top6": banking,
    "davidson-hate": davidson,
}


# ----- the replay ------------------------------------------------------------------------------------------
class Majority:
    """The most frequent label so far: taught like any suggester that learns from the session."""

    name = "majority"

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def learn(self, examples):
        for example in examples:
            if example.label is None:
                self.labels.pop(example.key, None)
            else:
                self.labels[example.key] = example.label

    def suggest(self, items, labels):
        counts = Counter(self.labels.values())
        if not counts:
            return [lw.Suggestion.invalid("no labels yet", model=self.name) for _ in items]
        best = max(sorted(counts), key=counts.__getitem__)
        return [lw.Suggestion(label=best, model=self.name) for _ in items]


def replay(frame: pd.DataFrame, labels: list[str], suggester) -> dict:
    """Read each suggestion, then give the gold label; returns per-item outcomes and timings."""
    df = frame[["text"]].reset_index(drop=True).copy()
    gold = frame["gold"].tolist()
    labeler = lw.Labeler(df, labels=labels, store=None, suggester=suggester, prefetch=0, annotator="replay")
    session = labeler.session
    said, sources, seconds = [], [], []
    try:
        for i in range(len(df)):
            learner = getattr(suggester, "wait_until_trained", None)
            if learner is not None:
                learner(timeout=120)  # a person reads for seconds: the learner has caught up by then
            item = session.item_for_suggester(session.row_at(labeler.position))
            started = time.perf_counter()
            (suggestion,) = suggester.suggest([item], session.labels)
            seconds.append(time.perf_counter() - started)
            said.append(suggestion.label if suggestion.valid else None)
            sources.append(suggestion.model)
            labeler.label(gold[i])
    finally:
        labeler.close()
    return {"said": said, "gold": gold, "sources": sources, "seconds": seconds}


def score(run: dict, labels: list[str], block: int) -> dict:
    said, gold = run["said"], run["gold"]
    right = [s == g for s, g in zip(said, gold, strict=True)]
    answered = [s is not None for s in said]
    shown = [s if s is not None else "(none)" for s in said]
    kappa = cohen_kappa_score(gold, shown, labels=[*labels, "(none)"]) if len(set(gold)) > 1 else float("nan")
    curve = [float(np.mean(right[i : i + block])) for i in range(0, len(right), block)]
    per_source = Counter(s for s in run["sources"] if s)
    return {
        "n": len(said),
        "accuracy": float(np.mean(right)),
        "kappa": float(kappa),
        "answered": float(np.mean(answered)),
        "curve": curve,
        "seconds_median": statistics.median(run["seconds"]),
        "sources": dict(per_source),
    }


def make_suggesters(instructions: str) -> dict[str, Callable[[], object]]:
    return {
        "majority": Majority,
        "learner": lambda: lw.Learner(),
        "local zero-shot": lambda: lw.LocalLLM(instructions=instructions),
        "local few-shot": lambda: lw.LocalLLM(instructions=instructions, few_shot="session"),
        "prior + learner": lambda: lw.Learner(prior=lw.LocalLLM(instructions=instructions)),
    }


USES_LLM = {"local zero-shot", "local few-shot", "prior + learner"}


def retrain_times(sizes: list[int]) -> list[dict]:
    """Seconds for the learner to retrain on n labels (SMS Spam Collection), and to suggest one item after."""
    frame, labels, _ = sms()
    out = []
    for n in sizes:
        learner = lw.Learner()
        rows = frame.sample(n=min(n, len(frame)), random_state=0)
        triples = zip(rows.index, rows["text"], rows["gold"], strict=True)
        examples = [Example(key=str(k), text=t, label=g) for k, t, g in triples]
        started = time.perf_counter()
        learner.learn(examples)
        learner.wait_until_trained(timeout=600)
        trained = time.perf_counter() - started
        item = lw.Item(key="new", text="Free entry! Text WIN to 80086 to claim your prize")
        started = time.perf_counter()
        learner.suggest([item], lw.LabelSet.parse(labels))
        out.append({"labels": n, "retrain_s": trained, "suggest_ms": 1000 * (time.perf_counter() - started)})
        learner.close()
    return out


FAST_LABELER = """
import json, sys, time
started = time.perf_counter()
import labelwidgets as lw
from labelwidgets.suggesters.base import Item
pace, n = float(sys.argv[1]), int(sys.argv[2])
frame = lw.datasets.sms_spam().head(n)
learner = lw.Learner()
labeler = lw.Labeler(frame[["text"]].copy(), labels=["ham", "spam"], suggester=learner, store=None, prefetch=0)
labels, made = labeler.session.labels, time.perf_counter()
shown, tenth = [], None
for i, (key, text, gold) in enumerate(zip(frame.index, frame.text, frame.gold)):
    [suggestion] = learner.suggest([Item(str(key), text)], labels)
    shown.append((time.perf_counter(), suggestion.valid, learner.n_labels))
    labeler.label(gold)
    if learner.n_labels == 10 and tenth is None:
        tenth = time.perf_counter()
    time.sleep(pace)
first = next((t for t, valid, _ in shown if valid), None)
starved = sum(not valid for _, valid, labeled in shown if labeled >= 10)
print(json.dumps({"pace": pace, "made_s": made - started, "starved": starved, "after_tenth": n - 10,
                  "wait_s": None if first is None or tenth is None else first - tenth}))
labeler.close()
learner.close()
"""


def fast_labeler(paces: list[float], runs: int, items: int = 60) -> list[dict]:
    """Each pace ``runs`` times, each in a fresh interpreter (so that nothing is imported beforehand)."""
    out = []
    for pace in paces:
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", FAST_LABELER, str(pace), str(items)],
                capture_output=True, text=True, check=True, timeout=600,
            )  # fmt: skip
            out.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print("fast labeler", out[-1], flush=True)
    return out


def fast_markdown(after: list[dict], before: list[dict] | None) -> str:
    lines = [
        "# A fast labeler: suggestions while the first model trains",
        "",
        "`benchmarks/bench_learning.py --fast-labeler`: a fresh Python makes `lw.Learner()` and a Labeler on the",
        "bundled SMS messages; a script then labels 60 items, one every `pace` seconds, reading the learner's",
        "suggestion for each first. Items without a suggestion after the learner's 10th label (of 50), and the",
        "seconds from that label to the first suggestion; median and range over the runs.",
        "",
        "| learner | pace (s) | runs | items without a suggestion after the 10th label | seconds to the first one |",
        "|---|---|---|---|---|",
    ]
    for name, runs in (("before (main)", before), ("now", after)):
        for pace in sorted({r["pace"] for r in runs or []}):
            rows = [r for r in runs or [] if r["pace"] == pace]
            starved = sorted(r["starved"] for r in rows)
            waits = sorted(r["wait_s"] for r in rows if r["wait_s"] is not None)
            wait = f"{statistics.median(waits):.2f} ({waits[0]:.2f}–{waits[-1]:.2f})" if waits else "never"
            lines.append(
                f"| {name} | {pace:g} | {len(rows)} | {statistics.median(starved):g} ({starved[0]}–{starved[-1]}) of "
                f"{rows[0]['after_tenth']} | {wait} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--suggesters", default="majority,learner,local zero-shot,local few-shot,prior + learner")
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--llm-items", type=int, default=60)
    ap.add_argument("--few-shot-items", type=int, default=30, help="the few-shot local model takes 3-12 s an item")
    ap.add_argument("--block", type=int, default=50)
    ap.add_argument("--retrain-sizes", default="100,1000,5000")
    ap.add_argument("--out", default=str(RESULTS / "learning.json"))
    ap.add_argument("--fast-labeler", action="store_true", help="only the fast-labeler runs")
    ap.add_argument("--paces", default="0,0.1,0.25")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out-fast", default=str(RESULTS / "learning_fast_labeler.json"))
    ap.add_argument("--before", help="a --out-fast file from another checkout, shown beside this one")
    args = ap.parse_args(argv)
    if args.fast_labeler:
        runs = fast_labeler([float(p) for p in args.paces.split(",")], args.runs)
        Path(args.out_fast).write_text(json.dumps(runs, indent=1))
        before = json.loads(Path(args.before).read_text()) if args.before else None
        Path(args.out_fast).with_suffix(".md").write_text(fast_markdown(runs, before))
        print(fast_markdown(runs, before))
        return 0
    results: dict = {"settings": vars(args), "datasets": {}, "retrain": []}
    for name in args.datasets.split(","):
        frame, labels, instructions = DATASETS[name]()
        frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
        frame = frame[frame["text"].astype(str).str.strip() != ""]
        entry: dict = {"labels": labels, "majority_share": float(frame["gold"].value_counts(normalize=True).iloc[0])}
        for which, make in make_suggesters(instructions).items():
            if which not in args.suggesters.split(","):
                continue
            n = (
                args.few_shot_items
                if which == "local few-shot"
                else args.llm_items
                if which in USES_LLM
                else args.items
            )
            suggester = make()
            started = time.perf_counter()
            run = replay(frame.head(n), labels, suggester)
            close = getattr(suggester, "close", None)
            if close is not None:
                close()
            entry[which] = score(run, labels, args.block) | {"wall_s": time.perf_counter() - started}
            # the same items as the LLM suggesters saw, for a like-for-like row
            if which not in USES_LLM and n > args.llm_items:
                entry[which]["first_llm_items"] = score(
                    {k: v[: args.llm_items] for k, v in run.items()}, labels, args.block
                )
            print(name, which, json.dumps({k: v for k, v in entry[which].items() if k != "curve"}), flush=True)
        results["datasets"][name] = entry
    if args.retrain_sizes:
        results["retrain"] = retrain_times([int(s) for s in args.retrain_sizes.split(",")])
        print(json.dumps(results["retrain"]), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    Path(args.out).with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    return 0


def markdown(results: dict) -> str:
    s = results["settings"]
    lines = [
        "# Learning from the person: prequential accuracy on replayed human labels",
        "",
        f"`benchmarks/bench_learning.py`: each suggestion scored before its label is given; {s['items']} items per "
        f"dataset for majority and learner, the first {s['llm_items']} for the suggesters that run the local model "
        "(the learner and majority rows in brackets are on those same first items). Accuracy, Cohen's kappa "
        "(no suggestion counts as a wrong one), and accuracy per block of "
        f"{s['block']} items (the curve).",
        "",
        "| dataset | suggester | items | accuracy | kappa | answered | curve (accuracy per block) | s/suggestion |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in results["datasets"].items():
        for which, r in entry.items():
            if not isinstance(r, dict):
                continue
            same = r.get("first_llm_items")
            extra = f" [{same['accuracy']:.2f} / {same['kappa']:.2f}]" if same else ""
            curve = " → ".join(f"{c:.2f}" for c in r["curve"])
            lines.append(
                f"| {name} | {which} | {r['n']} | {r['accuracy']:.3f}{extra} | {r['kappa']:.3f} | "
                f"{r['answered']:.2f} | {curve} | {r['seconds_median']:.3f} |"
            )
    if results.get("retrain"):
        lines += ["", "| labels | learner retrain (s) | one suggestion after (ms) |", "|---|---|---|"]
        lines += [f"| {r['labels']:,} | {r['retrain_s']:.2f} | {r['suggest_ms']:.1f} |" for r in results["retrain"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
