"""`lw.Learner`: is it calibrated after 25-200 labels, how long a retrain takes, and prior plus learner.

    python benchmarks/learner_calibration.py --sections calibration --datasets sms,emotion,irony,davidson,goemotions \
        --json results/learner_calibration_run1.json     # 14 minutes at load average 8-10 on 2 cores: split it
    python benchmarks/learner_calibration.py --sections calibration --datasets banking77 \
        --json results/learner_calibration_run2.json     # 5 minutes
    python benchmarks/learner_calibration.py --sections retrain,replay     # about 75 seconds
    # the same replays through another checkout's Learner (its public API only), to compare:
    git archive <commit> labelwidgets | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before python benchmarks/learner_calibration.py --sections calibration --no-variants \
        --datasets sms,emotion,irony,davidson,banking77 --json results/learner_calibration_before.json
    # the tables of saved runs, the other checkout's beside them:
    python benchmarks/learner_calibration.py --sections calibration \
        --results results/learner_calibration_run1.json,results/learner_calibration_run2.json \
        --before results/learner_calibration_before.json

1. Calibration at small n. Each dataset is one pool of human-labeled texts, as a session would label them: the
   bundled SMS spam (500), TweetEval emotion (4 labels) and irony (2 labels) as bench_learning.py replays them
   (their test splits), Banking77 (77 intents, train and test), Davidson et al.'s tweets (hate / offensive /
   neither) and GoEmotions' Ekman labels (7, several per comment: ../shared/datasets/goemotions/ekman/dev.tsv).
   For each of ``SEEDS`` orders of the pool, the learner learns the first N (25, 50, 100, 200) through its public
   API (``learn``, ``wait_until_trained``) and suggests for the next ``SCORED`` items: accuracy, mean confidence,
   expected calibration error (10 bins, `lw.calibration`'s definition) and log-loss of those suggestions, averaged
   over the orders. Besides the learner: its model without calibration; the learner with its fold models scoring
   their held-out texts with every training text's n-grams (as they did before); and the base rate alone (each
   answer's share among the N as its probability) -- what sampling N items alone costs the ECE.
   A set of labels per item is scored per label (every label of every item one decision: present when p >= 0.5,
   confidence max(p, 1 - p)) and per set (the suggested set, right when it is exactly the person's, its
   confidence the probability of that set with the labels independent), beside a rule the learner does not
   follow: where no label reaches one half, the most likely label instead of "none of these", its confidence the
   probability of the set given that the answer is not empty.
2. Retrain time at 100, 1,000 and 5,000 SMS labels: the median of 3 retrains after one more label each, wall clock
   and the training thread's CPU time (the machine is shared: the wall clock depends on its load).
3. Prior plus learner. 500 SMS messages in a fixed order, labeled one by one; a fake prior right with probability p
   independently of the text, saying confidence c. Before each label both are asked; the learner retrains every 10
   labels. Scored: what each policy showed (the two Learner policies as built; the others from the same
   suggestions).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import labelwidgets as lw
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.calibration import bin_sums, ece
from labelwidgets.suggesters import learner as learner_module
from labelwidgets.suggesters.base import Example, Item, Suggestion
from labelwidgets.suggesters.learner import Learner

LOAD_BEFORE = " ".join(f"{x:.1f}" for x in os.getloadavg())
DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SIZES = (25, 50, 100, 200)
SEEDS = 8
SCORED = 1500
SEED = 0
REPLAY_ITEMS = 500
RETRAIN_EVERY = 10
WINDOW = 30


# ----- the pools ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pool:
    texts: list[str]
    answers: list[str]  # stored text: a label, or a JSON list of labels
    labels: LabelSet


def sms_bundled() -> Pool:
    frame = lw.datasets.sms_spam()
    return Pool(list(frame.text), list(frame.gold), LabelSet.parse(["ham", "spam"]))


def tweeteval(task: str) -> Pool:
    folder = DATA / "tweeteval" / task
    names = dict(line.split("\t") for line in (folder / "mapping.txt").read_text().splitlines() if line.strip())
    names = {key: value.strip() for key, value in names.items()}
    texts = (folder / "test_text.txt").read_text(encoding="utf-8").splitlines()
    ids = (folder / "test_labels.txt").read_text().split()
    return Pool(texts, [names[i] for i in ids], LabelSet.parse([names[k] for k in sorted(names, key=int)]))


def banking77() -> Pool:
    folder = DATA / "banking77" / "banking_data"
    frame = pd.concat([pd.read_csv(folder / "train.csv"), pd.read_csv(folder / "test.csv")], ignore_index=True)
    return Pool(list(frame.text), list(frame.category), LabelSet.parse(sorted(set(frame.category))))


def davidson() -> Pool:
    frame = pd.read_csv(DATA / "davidson2017_hate" / "data" / "labeled_data.csv")
    names = {0: "hate", 1: "offensive", 2: "neither"}
    return Pool(list(frame.tweet), [names[c] for c in frame["class"]], LabelSet.parse(list(names.values())))


def goemotions() -> Pool:
    folder = DATA / "goemotions" / "ekman"
    names = (folder / "labels.txt").read_text().split()
    frame = pd.read_csv(folder / "dev.tsv", sep="\t", header=None, names=["text", "ids", "id"],
                        keep_default_na=False, dtype=str)  # fmt: skip
    answers = [json.dumps(sorted(names[int(i)] for i in ids.split(",")), separators=(",", ":")) for ids in frame.ids]
    return Pool(list(frame.text), answers, LabelSet.parse(names, kind="multi"))


POOLS: dict[str, tuple[str, Callable[[], Pool]]] = {
    "sms": ("SMS spam (bundled 500)", sms_bundled),
    "emotion": ("TweetEval emotion", lambda: tweeteval("emotion")),
    "irony": ("TweetEval irony", lambda: tweeteval("irony")),
    "banking77": ("Banking77 (77 intents)", banking77),
    "davidson": ("Davidson hate speech", davidson),
    "goemotions": ("GoEmotions Ekman (sets of labels)", goemotions),
}


# ----- scoring -----------------------------------------------------------------------------------------------
def calibration_error(confidence: np.ndarray, correct: np.ndarray) -> float:
    _, confidence_sums, correct_sums = bin_sums(confidence, correct, 10)
    return float(ece(confidence_sums, correct_sums, len(confidence)))


def score_one_label(probabilities: np.ndarray, names: Sequence[str], truth: Sequence[str]) -> dict[str, Any]:
    """``probabilities``: a row per item over ``names`` (an invalid suggestion: the uniform row)."""
    y = np.array([names.index(t) for t in truth])
    said = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    correct = said == y
    p = np.clip(probabilities[np.arange(len(y)), y], 1e-6, 1)
    return {"accuracy": float(correct.mean()), "confidence": float(confidence.mean()),
            "ece": calibration_error(confidence, correct), "log_loss": float(-np.log(p).mean()),
            "pairs": (confidence, correct)}  # fmt: skip


def score_sets(probabilities: np.ndarray, names: Sequence[str], truth: Sequence[str]) -> dict[str, Any]:
    """``probabilities``: per item, per label, the probability that it applies."""
    present = np.array([[name in json.loads(t) for name in names] for t in truth])
    said = probabilities >= 0.5
    per_label = np.where(said, probabilities, 1 - probabilities)
    p = np.clip(probabilities, 1e-6, 1 - 1e-6)
    set_confidence = per_label.prod(axis=1)
    set_correct = (said == present).all(axis=1)
    never = never_empty(probabilities)  # with its set's probability given that the answer is not empty
    never_confidence = np.where(never, p, 1 - p).prod(axis=1) / (1 - (1 - p).prod(axis=1))
    never_correct = (never == present).all(axis=1)
    return {"never_empty_accuracy": float(never_correct.mean()),
            "never_empty_confidence": float(never_confidence.mean()),
            "never_empty_ece": calibration_error(never_confidence, never_correct),
            "accuracy": float((said == present).mean()), "confidence": float(per_label.mean()),
            "ece": calibration_error(per_label.ravel(), (said == present).ravel()),
            "log_loss": float(-np.where(present, np.log(p), np.log(1 - p)).mean()),
            "set_accuracy": float(set_correct.mean()), "set_confidence": float(set_confidence.mean()),
            "set_ece": calibration_error(set_confidence, set_correct), "empty": float((~said.any(axis=1)).mean()),
            "pairs": (per_label.ravel(), (said == present).ravel())}  # fmt: skip


def never_empty(probabilities: np.ndarray) -> np.ndarray:
    """The sets a rule the learner does not follow would suggest, for comparison: the labels at least half likely,
    or, where there are none, the most likely label instead of "none of these"."""
    said = probabilities >= 0.5
    top = probabilities.argmax(axis=1)
    empty = ~said.any(axis=1)
    said[empty, top[empty]] = True
    return said


def suggested(learner: Learner, items: list[Item], labels: LabelSet) -> np.ndarray:
    """The learner's probabilities for ``items``: per label (summing to 1, or each one's own for sets)."""
    names = labels.names
    rows = []
    for suggestion in learner.suggest(items, labels):
        if suggestion.valid and suggestion.probabilities:
            rows.append([float(suggestion.probabilities.get(name, 0.0)) for name in names])
        else:
            rows.append([0.5 if labels.kind.name == "multi" else 1 / len(names)] * len(names))
    return np.array(rows)


def base_rate(answers: Sequence[str], labels: LabelSet, n_items: int) -> np.ndarray:
    names = labels.names
    if labels.kind.name == "multi":
        shares = [sum(name in json.loads(a) for a in answers) / len(answers) for name in names]
        return np.tile(shares, (n_items, 1))
    counts = Counter(answers)
    return np.tile([counts[name] / len(answers) for name in names], (n_items, 1))


def uncalibrated(examples: list[tuple[str, str, str]], texts: list[str], labels: LabelSet) -> np.ndarray | None:
    """The learner's own model without its calibration (this checkout's internals; None where they differ)."""
    train = learner_module.train
    try:
        fit = train(examples, names=labels.names, calibrate=False)  # type: ignore[call-arg]
    except TypeError:
        return None
    raw = fit.probabilities(fit.model, learner_module._hash(texts))
    columns = list(fit.model.linear.columns)
    names = labels.names
    if labels.kind.name == "multi":
        return np.column_stack([raw[:, columns.index(name)] for name in names])
    out = np.zeros((len(texts), len(names)))
    for j, column in enumerate(columns):
        out[:, names.index(column)] = raw[:, j]
    return out


@contextlib.contextmanager
def patched(owner: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, saved)


def calibration_results(pools: Sequence[str], variants: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for key in pools:
        name, load = POOLS[key]
        pool = load()
        labels = pool.labels
        score = score_sets if labels.kind.name == "multi" else score_one_label
        started = time.perf_counter()
        for n in SIZES:
            runs: dict[str, list[dict[str, Any]]] = {}
            for seed in range(SEEDS):
                order = np.random.default_rng(seed).permutation(len(pool.texts))
                first, scored = order[:n], order[n : n + SCORED]
                if len({pool.answers[i] for i in first}) < 2:
                    continue  # the learner needs two kinds of answer: this order is not scored
                examples = [(str(i), pool.texts[i], pool.answers[i]) for i in first]
                truth = [pool.answers[i] for i in scored]
                texts = [pool.texts[i] for i in scored]
                learner = Learner(min_labels=2)
                learner.learn([Example(k, t, a) for k, t, a in examples])
                assert learner.wait_until_trained(timeout=600)
                probabilities = suggested(learner, [Item(f"s{i}", pool.texts[i]) for i in scored], labels)
                learner.close()
                runs.setdefault("learner", []).append(score(probabilities, labels.names, truth))
                if variants and hasattr(learner_module._Encoder, "without"):
                    # An ablation: fold models that score their held-out texts with every training text's n-grams.
                    with patched(learner_module._Encoder, "without", lambda encoder, counts: encoder):
                        learner = Learner(min_labels=2)
                        learner.learn([Example(k, t, a) for k, t, a in examples])
                        assert learner.wait_until_trained(timeout=600)
                        ablated = suggested(learner, [Item(f"s{i}", pool.texts[i]) for i in scored], labels)
                        learner.close()
                    variant = "held-out texts with every training text's n-grams"
                    runs.setdefault(variant, []).append(score(ablated, labels.names, truth))
                if variants:
                    raw = uncalibrated(examples, texts, labels)
                    if raw is not None:
                        runs.setdefault("its model, uncalibrated", []).append(score(raw, labels.names, truth))
                    prior = base_rate([a for _, _, a in examples], labels, len(scored))
                    runs.setdefault("the base rate alone", []).append(score(prior, labels.names, truth))
            results.setdefault(name, {})[str(n)] = {variant: summary(rows) for variant, rows in runs.items()}
        print(f"  calibration: {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return results


def summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Means over the orders; ``ece_pooled`` is the ECE of every order's suggestions together."""
    out = {key: float(np.mean([row[key] for row in rows])) for key in rows[0] if key != "pairs"}
    out["ece_sd"] = float(np.std([row["ece"] for row in rows]))
    confidence = np.concatenate([row["pairs"][0] for row in rows])
    out["ece_pooled"] = calibration_error(confidence, np.concatenate([row["pairs"][1] for row in rows]))
    out["orders"] = len(rows)
    return out


def calibration_table(results: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    rows = [
        f"Mean over {SEEDS} orders of each pool (fewer where an order's first N had one kind of answer); the next "
        f'{SCORED:,} items of each order scored. ECE ± its standard deviation over the orders; "pooled": the ECE of '
        "all orders' suggestions together.\n",
        "| data | N | variant | accuracy | mean confidence | ECE | ECE pooled | log-loss |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, by_n in results.items():
        for n, variants in by_n.items():
            shown = dict(variants)
            if before is not None and n in before.get(name, {}) and "learner" in before[name][n]:
                shown = {"before (main)": before[name][n]["learner"], **shown}
            for variant, r in shown.items():
                rows.append(
                    f"| {name} | {n} | {variant} | {r['accuracy']:.3f} | {r['confidence']:.3f} | "
                    f"{r['ece']:.3f} ± {r['ece_sd']:.3f} | {r['ece_pooled']:.3f} | {r['log_loss']:.3f} |"
                )
    sets = {name: by_n for name, by_n in results.items() if "set_ece" in next(iter(by_n.values()))["learner"]}
    if sets:
        rows += [
            "",
            "Sets of labels, scored per set: exactly the person's set, and the confidence the learner gives it.",
            "",
            '| data | N | variant | exact set | mean set confidence | set ECE | suggested "none of these" | '
            "never empty: exact set / confidence / ECE |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, by_n in sets.items():
            for n, variants in by_n.items():
                for variant, r in variants.items():
                    rows.append(
                        f"| {name} | {n} | {variant} | {r['set_accuracy']:.3f} | {r['set_confidence']:.3f} | "
                        f"{r['set_ece']:.3f} | {r['empty']:.2f} | {r['never_empty_accuracy']:.3f} / "
                        f"{r['never_empty_confidence']:.3f} / {r['never_empty_ece']:.3f} |"
                    )
    return rows


# ----- retrain time ------------------------------------------------------------------------------------------
def sms() -> tuple[list[str], list[str]]:
    lines = (DATA / "sms_spam" / "SMSSpamCollection.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [line.split("\t", 1) for line in lines]
    order = np.random.default_rng(SEED).permutation(len(pairs))
    return [pairs[i][1] for i in order], [pairs[i][0] for i in order]


def retrain_table() -> list[str]:
    texts, labels = sms()
    rows = [
        "| labels | seconds per retrain, wall clock | CPU seconds of the training thread |",
        "|---|---|---|",
    ]
    for n in (100, 1000, 5000):
        learner = Learner()
        learner.learn([Example(str(i), texts[i], labels[i]) for i in range(n)])
        learner.wait_until_trained()
        wall, cpu = [], []
        for extra in range(3):
            learner.learn([Example(str(n + extra), texts[n + extra], labels[n + extra])])
            learner.wait_until_trained()
            assert learner.last_train_seconds is not None and learner.last_train_cpu_seconds is not None
            wall.append(learner.last_train_seconds)
            cpu.append(learner.last_train_cpu_seconds)
        learner.close()
        rows.append(f"| {n:,} | {statistics.median(wall):.2f} | {statistics.median(cpu):.2f} |")
    return rows


# ----- prior plus learner ------------------------------------------------------------------------------------
class FakePrior:
    """Right with probability ``accuracy`` independently of the text; says ``confidence`` for what it suggests."""

    def __init__(self, truth: dict[str, str], labels: Sequence[str], accuracy: float, confidence: float):
        self.truth, self.labels, self.accuracy, self.confidence = truth, list(labels), accuracy, confidence
        self.name = f"fake prior {accuracy:.0%}"

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        out = []
        for item in items:
            rng = np.random.default_rng(int(item.key) + 1000 * SEED)
            truth = self.truth[item.key]
            others = [label for label in self.labels if label != truth]
            label = truth if rng.random() < self.accuracy else others[int(rng.integers(len(others)))]
            rest = (1 - self.confidence) / len(others)
            probabilities = {name: self.confidence if name == label else rest for name in self.labels}
            out.append(Suggestion(label, self.confidence, probabilities, "model", model=self.name))
        return out


def probability_of(suggestion: Suggestion, label: str) -> float | None:
    if not suggestion.valid or suggestion.probabilities is None:
        return None
    return float(suggestion.probabilities.get(label, 0.0))


def fitted_weight(recent: Sequence[tuple[float, float]]) -> float:
    """The learner's weight in a mixture, from 0 to 1 by tenths, with the least log-loss on the recent labels."""
    if not recent:
        return 0.0
    pairs = np.array(recent)
    weights = np.linspace(0, 1, 11)
    losses = [-np.log(np.clip((1 - w) * pairs[:, 0] + w * pairs[:, 1], 1e-6, 1)).sum() for w in weights]
    return float(weights[int(np.argmin(losses))])


POLICIES = ("prior only", "learner only", "switch (combine=False)", "combined (combine=True, the default)",
            "average", "mixture weight fitted on recent labels")  # fmt: skip


def replay(prior: FakePrior, combine: bool, texts: list[str], labels: list[str]) -> list[dict[str, float | None]]:
    """Per item: the probability of the person's label in what was shown, and in each part's own suggestion."""
    label_set = LabelSet.parse(prior.labels)
    learner = Learner(prior, window=WINDOW, combine=combine, retrain_every=RETRAIN_EVERY)
    out: list[dict[str, float | None]] = []
    for i in range(REPLAY_ITEMS):
        key, text, label = str(i), texts[i], labels[i]
        shown = learner.suggest([Item(key, text)], label_set)[0]
        out.append({
            "shown": probability_of(shown, label),
            "prior": probability_of(learner._prior_memo[key][1], label),
            "learner": probability_of(learner._learner_memo[key], label),
            "learner shown": float(shown.model == learner.name),
        })  # fmt: skip
        learner.learn([Example(key, text, label)])
        if (i + 1) % RETRAIN_EVERY == 0:
            learner.wait_until_trained()
    learner.close()
    return out


def replay_table() -> list[str]:
    texts, labels = sms()
    names = ["ham", "spam"]
    truth = {str(i): labels[i] for i in range(REPLAY_ITEMS)}
    rows = [
        "| prior: accuracy / confidence | policy | accuracy of what was shown | log-loss |",
        "|---|---|---|---|",
    ]
    for accuracy, confidence in ((0.90, 0.90), (0.97, 0.97), (0.75, 0.95)):
        prior = FakePrior(truth, names, accuracy, confidence)
        switched = replay(prior, False, texts, labels)
        combined = replay(prior, True, texts, labels)
        recent: deque[tuple[float, float]] = deque(maxlen=WINDOW)  # (prior, learner) probability of the label
        probabilities: dict[str, list[float | None]] = {policy: [] for policy in POLICIES}
        for one, other in zip(switched, combined, strict=True):
            p_prior, p_mine = one["prior"] or 0.0, one["learner"]
            if p_mine is None:  # no model yet: the mixtures show the prior
                p_average = p_fitted = p_prior
            else:
                p_average = (p_prior + p_mine) / 2
                w = fitted_weight(recent)
                p_fitted = (1 - w) * p_prior + w * p_mine
            values = (p_prior, p_mine, one["shown"], other["shown"], p_average, p_fitted)
            for policy, p in zip(POLICIES, values, strict=True):
                probabilities[policy].append(p)
            recent.append((p_prior, p_mine if p_mine is not None else 0.5))
        first = next((i for i, one in enumerate(switched) if one["learner shown"]), None)
        for policy in POLICIES:
            ps = probabilities[policy]
            right = sum(p is not None and p > 0.5 for p in ps) / len(ps)  # two labels: right when above one half
            log_loss = statistics.mean(-np.log(max(p if p is not None else 0.5, 1e-6)) for p in ps)
            note = f" (learner shown from item {first})" if policy.startswith("switch") and first is not None else ""
            rows.append(f"| {accuracy:.0%} / {confidence:.0%} | {policy}{note} | {right:.3f} | {log_loss:.3f} |")
        print(f"  replay: prior {accuracy:.0%} done", file=sys.stderr, flush=True)
    return rows


def merged(paths: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in paths.split(","):
        out.update(json.loads(Path(path).read_text()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="calibration,retrain,replay")
    parser.add_argument("--datasets", default=",".join(POOLS), help="for the calibration section")
    parser.add_argument("--json", help="write the calibration section's numbers here")
    parser.add_argument("--before", help="--json files (a,b) from another checkout, shown as 'before (main)'")
    parser.add_argument("--no-variants", action="store_true", help="only the learner (for another checkout)")
    parser.add_argument("--results", help="--json files (a,b) to show instead of running the calibration section")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sections: list[str] = []
    wanted = args.sections.split(",")
    if "calibration" in wanted:
        pools = [name for name in args.datasets.split(",") if name]
        if args.results:
            results = merged(args.results)
        else:
            results = calibration_results(pools, variants=not args.no_variants)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
        before = merged(args.before) if args.before else None
        sections += ["## Calibration after 25-200 labels\n", *calibration_table(results, before), ""]
    for key, title, table in (
        ("retrain", "Retrain time (SMS spam, median of 3 retrains after one more label)", retrain_table),
        ("replay", f"Prior plus learner ({REPLAY_ITEMS} SMS messages)", replay_table),
    ):
        if key in wanted:
            section_started = time.perf_counter()
            sections += [f"## {title}\n", *table(), ""]
            print(f"{title}: {time.perf_counter() - section_started:.0f} s", file=sys.stderr)
    print(*sections, sep="\n")
    print(f"(ran in {time.perf_counter() - started:.0f} s; load average before: {LOAD_BEFORE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
