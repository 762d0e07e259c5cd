"""`lw.Learner`: which calibration, how long a retrain takes, and whether to combine it with a prior or switch.

    python benchmarks/learner_calibration.py            # prints Markdown; about 2 minutes on 2 busy cores

1. Calibration. On SMS spam (../shared/datasets/sms_spam, 1,500 held-out messages) and TweetEval emotion and irony
   (their test splits), train on the first N labels (N = 20, 50, 200, 1000) of the pool in 2 shuffled orders and score
   the held-out items: accuracy, log-loss and expected calibration error (10 bins, `lw.calibration`'s definition).
   Variants: the learner's softmax of one-vs-rest scores without calibration ("none"); with its cross-fitted scale
   and biases ("cross-fit", the default; with the calibration prior at 0 and at C = 1 and 100 too); and
   scikit-learn's CalibratedClassifierCV(sigmoid, cv=3) on the same features.
2. Retrain time at 100, 1,000 and 5,000 SMS labels: the median of 3 retrains after one more label each, wall clock
   and the training thread's CPU time (the machine is shared: the wall clock depends on its load).
3. Prior plus learner. 500 SMS messages in a fixed order, labeled one by one; a fake prior right with probability p
   independently of the text, saying confidence c. Before each label both are asked; the learner retrains every 10
   labels. Scored: what each policy showed (the two Learner policies as built; the others from the same
   suggestions).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from labelwidgets.labels import LabelSet
from labelwidgets.metrics.calibration import bin_sums, ece
from labelwidgets.suggesters import learner as learner_module
from labelwidgets.suggesters.base import Example, Item, Suggestion
from labelwidgets.suggesters.learner import Learner, train

LOAD_BEFORE = " ".join(f"{x:.1f}" for x in os.getloadavg())
DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SIZES = (20, 50, 200, 1000)
SEED = 0
ORDERS = 2
REPLAY_ITEMS = 500
RETRAIN_EVERY = 10
WINDOW = 30


def sms() -> tuple[list[str], list[str]]:
    lines = (DATA / "sms_spam" / "SMSSpamCollection.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [line.split("\t", 1) for line in lines]
    order = np.random.default_rng(SEED).permutation(len(pairs))
    return [pairs[i][1] for i in order], [pairs[i][0] for i in order]


def tweeteval(task: str) -> tuple[list[str], list[str], list[str], list[str]]:
    folder = DATA / "tweeteval" / task

    def read(name: str) -> list[str]:
        return (folder / name).read_text(encoding="utf-8").splitlines()

    texts, labels = read("train_text.txt"), read("train_labels.txt")
    order = np.random.default_rng(SEED).permutation(len(texts))
    return [texts[i] for i in order], [labels[i] for i in order], read("test_text.txt"), read("test_labels.txt")


def score(probabilities: np.ndarray, classes: Sequence[str], truth: Sequence[str]) -> tuple[float, float, float]:
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[t] for t in truth])
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    correct = predicted == y
    log_loss = float(-np.log(np.clip(probabilities[np.arange(len(y)), y], 1e-15, 1)).mean())
    _, confidence_sums, correct_sums = bin_sums(confidence, correct, 10)
    return float(correct.mean()), log_loss, float(ece(confidence_sums, correct_sums, len(y)))


def learner_probabilities(fit: learner_module._Fit, test: tuple[Any, Any], classes: Sequence[str]) -> np.ndarray:
    raw = fit.probabilities(fit.model, fit.encoder.encode(test))
    out = np.zeros((test[0].shape[0], len(classes)))
    for j, c in enumerate(fit.model.classes):
        out[:, classes.index(c)] = raw[:, j]
    return out


def sklearn_sigmoid(fit: learner_module._Fit, counts: tuple[Any, Any], train_labels: list[str],
                    test: tuple[Any, Any], classes: Sequence[str]) -> np.ndarray | None:  # fmt: skip
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    if min(train_labels.count(c) for c in set(train_labels)) < 3:
        return None
    base = LogisticRegression(C=learner_module.REGULARIZATION, solver="liblinear")
    estimator = base if len(set(train_labels)) == 2 else OneVsRestClassifier(base)
    with learner_module.single_threaded_blas():
        model = CalibratedClassifierCV(estimator, method="sigmoid", cv=3).fit(fit.encoder.encode(counts), train_labels)
        raw = model.predict_proba(fit.encoder.encode(test))
    out = np.zeros((test[0].shape[0], len(classes)))
    for j, c in enumerate(model.classes_):
        out[:, classes.index(c)] = raw[:, j]
    return out


VARIANTS = {  # name: (C, calibration prior, least examples per label to calibrate, calibrate)
    "none": (10.0, 1.0, 3, False),
    "cross-fit (default)": (10.0, 1.0, 3, True),
    "cross-fit, also with < 3 of a label": (10.0, 1.0, 0, True),
    "cross-fit, no calibration prior": (10.0, 0.0, 3, True),
    "cross-fit, C=1": (1.0, 1.0, 3, True),
    "cross-fit, C=100": (100.0, 1.0, 3, True),
}


def calibration_table() -> list[str]:
    texts, labels = sms()
    datasets = {"SMS spam": (texts[:-1500], labels[:-1500], texts[-1500:], labels[-1500:])}
    datasets["TweetEval emotion"] = tweeteval("emotion")
    datasets["TweetEval irony"] = tweeteval("irony")
    rows = [
        f"Mean over {ORDERS} orders of the training pool; held-out: SMS 1,500 messages, TweetEval the test split.\n",
        "| data | N | variant | accuracy | log-loss | ECE |",
        "|---|---|---|---|---|---|",
    ]
    defaults = (
        learner_module.REGULARIZATION,
        learner_module.CALIBRATION_PRIOR,
        learner_module.MIN_PER_LABEL_TO_CALIBRATE,
    )
    for name, (train_texts, train_labels, test_texts, test_labels) in datasets.items():
        classes = sorted(set(test_labels))
        majority = max(test_labels.count(c) for c in classes) / len(test_labels)
        rows.append(f"| {name} | | always the most frequent label | {majority:.3f} | | |")
        cache = learner_module.HashedCounts()
        test = learner_module._hash(test_texts)
        for n in SIZES:
            results: dict[str, list[tuple[float, float, float]]] = {v: [] for v in [*VARIANTS, "sklearn sigmoid cv=3"]}
            for order in range(ORDERS):
                picked = np.random.default_rng(order).permutation(len(train_texts))[:n]
                examples = [(str(i), train_texts[i], train_labels[i]) for i in picked]
                for variant, (c, prior, least, calibrate) in VARIANTS.items():
                    learner_module.REGULARIZATION, learner_module.CALIBRATION_PRIOR = c, prior
                    learner_module.MIN_PER_LABEL_TO_CALIBRATE = least
                    fit = train(examples, seed=SEED, calibrate=calibrate, counts=cache)
                    results[variant].append(score(learner_probabilities(fit, test, classes), classes, test_labels))
                    if variant == "cross-fit (default)":
                        sigmoid = sklearn_sigmoid(
                            fit, cache.matrices([t for _, t, _ in examples]), [y for _, _, y in examples], test, classes
                        )
                        if sigmoid is not None:
                            results["sklearn sigmoid cv=3"].append(score(sigmoid, classes, test_labels))
                (learner_module.REGULARIZATION, learner_module.CALIBRATION_PRIOR,
                 learner_module.MIN_PER_LABEL_TO_CALIBRATE) = defaults  # fmt: skip
            for variant, scores in results.items():
                if not scores:
                    rows.append(f"| {name} | {n} | {variant} | (a label has < 3 examples) | | |")
                    continue
                accuracy, log_loss, calibration_error = np.mean(scores, axis=0)
                rows.append(f"| {name} | {n} | {variant} | {accuracy:.3f} | {log_loss:.3f} | {calibration_error:.3f} |")
            print(f"  calibration: {name} N={n} done", file=sys.stderr)
    return rows


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
        print(f"  replay: prior {accuracy:.0%} done", file=sys.stderr)
    return rows


def main() -> None:
    started = time.perf_counter()
    sections = []
    for title, table in (
        ("Calibration", calibration_table),
        ("Retrain time (SMS spam, median of 3 retrains after one more label)", retrain_table),
        (f"Prior plus learner ({REPLAY_ITEMS} SMS messages)", replay_table),
    ):
        section_started = time.perf_counter()
        sections += [f"## {title}\n", *table(), ""]
        print(f"{title}: {time.perf_counter() - section_started:.0f} s", file=sys.stderr)
    print(*sections, sep="\n")
    print(f"(ran in {time.perf_counter() - started:.0f} s; load average before: {LOAD_BEFORE})")


if __name__ == "__main__":
    main()
