"""`lw.Learner` for a set of labels per item: one logistic regression per label (present against absent), calibrated
per label, the set of labels at least half likely suggested; against scikit-learn and on GoEmotions."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence

import numpy as np
import pytest

import labelwidgets as lw
from labelwidgets.kinds.multi import encode_set
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.calibration import bin_sums, ece
from labelwidgets.suggesters import learner as learner_module
from labelwidgets.suggesters.base import Example, Item, Suggestion
from labelwidgets.suggesters.learner import Learner
from labelwidgets.suggesters.validate import validate

EMOTIONS = LabelSet.parse(list(lw.datasets.GOEMOTIONS_LABELS), kind="multi")
TOY = LabelSet.parse(["fruit", "car", "boat"], kind="multi")
FRUIT = "apple banana cherry mango grape melon peach pear plum kiwi".split()
CARS = "engine wheel brake clutch piston gearbox tyre exhaust bumper axle".split()
FURNITURE = "sofa chair table lamp shelf desk stool bench".split()


@pytest.fixture
def learners() -> object:
    made: list[Learner] = []

    def make(*args: object, **kwargs: object) -> Learner:
        learner = Learner(*args, **kwargs)  # type: ignore[arg-type]
        made.append(learner)
        return learner

    yield make
    for learner in made:
        learner.close()


def goemotions() -> list[Example]:
    frame = lw.datasets.goemotions()
    return [Example(str(k), t, encode_set(g)) for k, t, g in zip(frame.index, frame.text, frame.gold, strict=True)]


def toy(n: int, seed: int = 0, prefix: str = "toy") -> list[Example]:
    """Fruit words, car words, both, or furniture words ("none of these"), in turn."""
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        kind = i % 4
        words = {0: FRUIT, 1: CARS, 2: FRUIT + CARS, 3: FURNITURE}[kind]
        answer = {0: ["fruit"], 1: ["car"], 2: ["car", "fruit"], 3: []}[kind]
        examples.append(Example(f"{prefix}{seed}-{i}", " ".join(rng.sample(words, 4)), encode_set(answer)))
    return examples


def item(example: Example) -> Item:
    return Item(example.key, example.text)


def presence(examples: Sequence[Example], names: Sequence[str]) -> np.ndarray:
    return np.array([[name in json.loads(str(e.label)) for name in names] for e in examples])


def per_label(probabilities: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Log-loss, ECE (10 bins, each label of each item one decision) and accuracy of per-label probabilities."""
    p = np.clip(probabilities, 1e-15, 1 - 1e-15)
    log_loss = float(-np.mean(np.where(truth, np.log(p), np.log(1 - p))))
    said = probabilities >= 0.5
    _, confidence_sums, correct_sums = bin_sums(np.where(said, p, 1 - p).ravel(), (said == truth).ravel(), 10)
    return log_loss, float(ece(confidence_sums, correct_sums, truth.size)), float((said == truth).mean())


def test_suggests_the_labels_at_least_half_likely_with_the_probability_of_that_set(learners) -> None:
    learner = learners()
    learner.learn(toy(40))
    assert learner.wait_until_trained(timeout=60)
    held_out = toy(20, seed=1, prefix="new")
    suggestions = learner.suggest([item(e) for e in held_out], TOY)
    assert [s.label for s in suggestions] == [e.label for e in held_out]  # "none of these" ([]) included
    for suggestion in suggestions:
        assert suggestion.probabilities is not None and list(suggestion.probabilities) == TOY.names
        chosen = json.loads(str(suggestion.label))
        assert suggestion.label == encode_set(n for n, p in suggestion.probabilities.items() if p >= 0.5)
        expected = math.prod(p if n in chosen else 1 - p for n, p in suggestion.probabilities.items())
        assert suggestion.confidence == pytest.approx(expected)
        assert suggestion.probabilities["boat"] == pytest.approx(0.5 / 41)  # absent from all 40: Jeffreys
        assert suggestion.confidence_source == "learned" and suggestion.rationale == "learned from 40 labels"
        assert validate(suggestion, TOY).label == suggestion.label  # already the stored text
    none_of_these = [s for s, e in zip(suggestions, held_out, strict=True) if e.label == "[]"]
    assert all(max(s.probabilities.values()) < 0.5 for s in none_of_these if s.probabilities)
    assert learner.status == "learned from 40 labels"


def test_reads_the_kind_from_the_answers_before_it_has_seen_the_labels(learners) -> None:
    """A session teaches the answers it restores before it asks for a suggestion: the first model is already one
    model per label, not one class per stored set."""
    learner = learners()
    learner.learn(toy(40))
    assert learner.wait_until_trained(timeout=60)
    fit = learner._fit
    assert fit is not None and fit.model.linear.columns == ("car", "fruit")
    version = learner.version
    [suggestion] = learner.suggest([item(toy(1, seed=2, prefix="k")[0])], TOY)
    assert suggestion.valid and learner.version == version  # the labels' kind agreed: no retrain


def test_never_suggests_the_starting_sets_to_their_own_items(learners) -> None:
    """Random texts with random sets of two labels: only an item's own answer predicts it (chance: 1 in 4)."""
    texts, coins = random.Random(7), random.Random(8)
    two = LabelSet.parse(["fruit", "car"], kind="multi")
    examples = [
        Example(
            f"r{i}",
            " ".join("".join(texts.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(3)),
            encode_set(name for name in two.names if coins.random() < 0.5),
        )
        for i in range(200)
    ]
    learner = learners()
    learner.learn(examples)
    assert learner.wait_until_trained(timeout=120)
    suggestions = learner.suggest([item(e) for e in examples], two)
    assert all(s.valid and "without this item's own label" in str(s.rationale) for s in suggestions)
    assert sum(s.label == e.label for s, e in zip(suggestions, examples, strict=True)) / len(examples) < 0.4
    fit = learner._fit
    assert fit is not None
    leaked = fit.probabilities(fit.model, learner_module._hash([e.text for e in examples])) >= 0.5
    said = [encode_set(c for c, yes in zip(fit.model.linear.columns, row, strict=True) if yes) for row in leaked]
    assert sum(a == e.label for a, e in zip(said, examples, strict=True)) / len(examples) > 0.8  # the test has teeth


def test_one_model_per_label_is_scikit_learns_one_vs_rest_logistic_regression() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    examples = goemotions()
    learned, held_out = examples[:300], examples[300:400]
    fit = learner_module.train([(e.key, e.text, str(e.label)) for e in learned], names=EMOTIONS.names)
    model = fit.model
    assert model.linear.columns == tuple(sorted(EMOTIONS.names)) and model.linear.learned.all()
    encode = model.encoder.encode
    reference = OneVsRestClassifier(LogisticRegression(C=learner_module.REGULARIZATION, solver="liblinear"))
    reference.fit(encode(learner_module._hash([e.text for e in learned])), presence(learned, model.linear.columns))
    expected = reference.decision_function(encode(learner_module._hash([e.text for e in held_out])))
    assert model.scores(learner_module._hash([e.text for e in held_out])) == pytest.approx(expected, abs=1e-9)


def test_the_calibration_is_a_logistic_regression_with_one_scale_shared_by_the_labels() -> None:
    """Without the prior: scale and biases are the maximum-likelihood logistic regression of presence on the score
    and one indicator per label (no other intercept), over every (item, label) pair."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    n, labels = 300, ["a", "b", "c"]
    scores = rng.normal(size=(n, 3))
    truth = rng.random((n, 3)) < 1 / (1 + np.exp(-(1.7 * scores + np.array([-1.0, 0.3, 0.8]))))
    calibration = learner_module.fit_sigmoid_calibration(scores, np.ones((n, 3), bool), truth, labels, prior=0.0)
    assert calibration is not None
    indicators = np.tile(np.eye(3), (n, 1))
    stacked = np.column_stack([scores.ravel(), indicators])
    reference = LogisticRegression(C=np.inf, fit_intercept=False).fit(stacked, truth.ravel())
    assert calibration.scale == pytest.approx(reference.coef_[0, 0], rel=1e-4)
    assert [calibration.bias[name] for name in labels] == pytest.approx(reference.coef_[0, 1:], abs=1e-4)


def test_goemotions_calibrated_per_label_against_scikit_learn(learners) -> None:
    """The bundled 600 comments: learned from the first 400 in a Learner, scored on the other 200, against the same
    one-vs-rest logistic regression in scikit-learn, as is and through CalibratedClassifierCV (sigmoid, 3 folds)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    examples = goemotions()
    learned, held_out = examples[:400], examples[400:]
    learner = learners()
    learner.learn(learned)
    assert learner.wait_until_trained(timeout=120)
    suggestions = learner.suggest([item(e) for e in held_out], EMOTIONS)
    assert all(s.valid and s.probabilities is not None for s in suggestions)
    ours = np.array([[s.probabilities[name] for name in EMOTIONS.names] for s in suggestions])  # type: ignore[index]
    truth = presence(held_out, EMOTIONS.names)

    fit = learner._fit
    assert fit is not None and fit.calibrated
    encode = fit.model.encoder.encode
    train_x = encode(learner_module._hash([e.text for e in learned]))
    test_x = encode(learner_module._hash([e.text for e in held_out]))
    base = LogisticRegression(C=learner_module.REGULARIZATION, solver="liblinear")
    plain = OneVsRestClassifier(base).fit(train_x, presence(learned, EMOTIONS.names)).predict_proba(test_x)
    sigmoid = OneVsRestClassifier(CalibratedClassifierCV(base, method="sigmoid", cv=3))
    calibrated = sigmoid.fit(train_x, presence(learned, EMOTIONS.names)).predict_proba(test_x)

    our_loss, our_ece, our_accuracy = per_label(ours, truth)
    plain_loss, plain_ece, plain_accuracy = per_label(plain, truth)
    sigmoid_loss, sigmoid_ece, _ = per_label(calibrated, truth)
    assert our_loss < plain_loss and our_ece < plain_ece
    assert our_loss <= 1.02 * sigmoid_loss and our_ece <= sigmoid_ece + 0.01
    assert our_ece <= 0.05
    assert our_accuracy >= plain_accuracy - 0.01  # calibrating does not cost decisions
    for suggestion in suggestions:
        assert suggestion.label == encode_set(n for n, p in suggestion.probabilities.items() if p >= 0.5)  # type: ignore[union-attr]


def test_a_prior_is_combined_with_the_learner_label_by_label(learners) -> None:
    class SetPrior:
        """Says "fruit" for everything, 0.8 sure of it and 0.1 of each other label."""

        name = "set-prior"

        def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            probabilities = {name: 0.8 if name == "fruit" else 0.1 for name in labels.names}
            confidence = math.prod(p if n == "fruit" else 1 - p for n, p in probabilities.items())
            return [
                Suggestion(encode_set(["fruit"]), confidence, probabilities, "model", model=self.name) for _ in items
            ]

    learner = learners(SetPrior())
    examples = toy(60)
    shown = []
    for example in examples:
        [suggestion] = learner.suggest([item(example)], TOY)
        shown.append(suggestion)
        learner.learn([example])
        assert learner.wait_until_trained(timeout=60)
    assert {s.model for s in shown[:10]} == {"set-prior"}
    assert {s.model for s in shown[10:]} == {"learner+set-prior"}
    scores = learner.scores
    assert scores["compared"] == 30 and scores["prior_right"] == 7  # "fruit" alone: items 32, 36, ..., 56
    assert scores["learner_right"] >= 24 and scores["learner_weight"] > 0.9  # 4 words of both may all be of one
    assert learner.status.startswith(f"combining: learner {scores['learner_right'] / 30:.0%} vs prior 23% right, ")

    new = Item("new", "apple engine mango wheel")
    [combined] = learner.suggest([new], TOY)
    [mine] = learner._suggest_learned([new], TOY)
    weight = learner.scores["learner_weight"]
    assert combined.probabilities is not None and mine.probabilities is not None
    for name in TOY.names:
        prior = 0.8 if name == "fruit" else 0.1
        assert combined.probabilities[name] == pytest.approx((1 - weight) * prior + weight * mine.probabilities[name])
    assert combined.label == encode_set(n for n, p in combined.probabilities.items() if p >= 0.5) == '["car","fruit"]'
    assert combined.confidence == pytest.approx(
        math.prod(p if n in ("car", "fruit") else 1 - p for n, p in combined.probabilities.items())
    )
    assert combined.rationale is not None and "fruit + car" in combined.rationale


def test_a_multi_label_labeler_teaches_the_learner_and_shows_its_sets(store_path) -> None:
    frame = lw.datasets.goemotions().head(120)
    gold = frame["gold"].tolist()
    learner = lw.Learner(min_labels=10)
    labeler = lw.Labeler(
        frame[["text"]].copy(), labels=list(EMOTIONS.names), kind="multi", store=store_path, suggester=learner,
        prefetch=3,
    )  # fmt: skip
    session = labeler.session
    try:
        for _ in range(60):
            labeler.label(gold[session.row_at(labeler.position)])
        assert learner.wait_until_trained(timeout=60) and learner.n_labels == 60
        ahead = [session.row_at(r) for r in range(60, 64)]
        wait_for(lambda: all((s := session.suggestion_at(r)) is not None and s.valid for r in ahead), timeout=30)
        for row in ahead:
            suggestion = session.suggestion_at(row)
            assert suggestion.model == "learner" and suggestion.confidence_source == "learned"
            assert set(suggestion.probabilities) == set(EMOTIONS.names)
            assert set(json.loads(suggestion.label)) <= set(EMOTIONS.names)
        assert labeler.widget.status["suggester_status"].startswith("learned from 60 labels")
    finally:
        labeler.close()
        learner.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)
