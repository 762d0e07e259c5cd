"""`lw.Learner`: learns from the session's labels in the background, never suggests an item its own label, and
weighs itself against a prior."""

from __future__ import annotations

import json
import logging
import math
import random
import re
import string
import subprocess
import sys
import threading
from collections.abc import Sequence

import numpy as np
import pytest

import labelwidgets as lw
from labelwidgets.errors import InputError, LabelwidgetsError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters import learner as learner_module
from labelwidgets.suggesters.base import Example, Item, LearnsFromLabels, Suggester, Suggestion, Updates
from labelwidgets.suggesters.learner import Learner, Standing

TOY_LABELS = LabelSet.parse(["fruit", "car", "other"])
FRUIT = "apple banana cherry mango grape melon peach pear plum kiwi".split()
CARS = "engine wheel brake clutch piston gearbox tyre exhaust bumper axle".split()


def toy(n: int, seed: int = 0, prefix: str = "toy") -> list[Example]:
    """Separable: fruit words or car words, alternating."""
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        label = "fruit" if i % 2 == 0 else "car"
        words = rng.sample(FRUIT if label == "fruit" else CARS, 4)
        examples.append(Example(f"{prefix}{seed}-{i}", " ".join(words), label))
    return examples


def random_labels(n: int, seed: int) -> list[Example]:
    """Unique random texts with coin-flip labels: only an item's own label predicts it."""
    texts, coins = random.Random(seed), random.Random(seed + 10_000)  # one stream for both correlated them a little
    examples = []
    for i in range(n):
        text = " ".join("".join(texts.choice(string.ascii_lowercase) for _ in range(8)) for _ in range(3))
        examples.append(Example(f"random{seed}-{i}", text, coins.choice(["fruit", "car"])))
    return examples


def item(example: Example) -> Item:
    return Item(example.key, example.text)


def accuracy(suggestions: Sequence[Suggestion], examples: Sequence[Example]) -> float:
    return sum(s.label == e.label for s, e in zip(suggestions, examples, strict=True)) / len(examples)


class FakePrior:
    """Right except on the keys in ``wrong``; optionally learns and closes."""

    def __init__(self, truth: dict[str, str], wrong: set[str] | None = None, confidence: float = 0.9):
        self.truth, self.wrong, self.confidence = truth, wrong or set(), confidence
        self.name = "fake-prior"
        self.calls = 0

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        self.calls += len(items)
        out = []
        for one in items:
            truth = self.truth.get(one.key, "fruit")
            label = ("car" if truth == "fruit" else "fruit") if one.key in self.wrong else truth
            probabilities = {name: self.confidence if name == label else 0.0 for name in labels.names}
            probabilities["other" if label != "other" else "fruit"] = 1 - self.confidence
            out.append(Suggestion(label, self.confidence, probabilities, "model", model=self.name))
        return out


class LearningPrior(FakePrior):
    def __init__(self, truth: dict[str, str]):
        super().__init__(truth)
        self.learned: list[Example] = []
        self.closed = False

    def learn(self, examples: Sequence[Example]) -> None:
        self.learned.extend(examples)

    def close(self) -> None:
        self.closed = True


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


def test_learns_a_separable_problem_with_probabilities_over_every_label(learners) -> None:
    learner = learners()
    learner.learn(toy(30))
    assert learner.wait_until_trained(timeout=60)
    held_out = toy(20, seed=1)
    suggestions = learner.suggest([item(e) for e in held_out], TOY_LABELS)
    assert accuracy(suggestions, held_out) == 1.0
    for suggestion in suggestions:
        assert suggestion.valid and suggestion.probabilities is not None
        assert set(suggestion.probabilities) == {"fruit", "car", "other"}
        assert math.isclose(sum(suggestion.probabilities.values()), 1.0)
        assert suggestion.probabilities["other"] == 0.0  # never seen: the learner cannot suggest it
        assert suggestion.confidence == max(suggestion.probabilities.values())
        assert 0.6 < suggestion.confidence < 1.0  # sure, but not certain, from 30 labels
        assert suggestion.confidence_source == "learned"
        assert suggestion.model == "learner" and suggestion.prompt_id is None
        assert suggestion.rationale == "learned from 30 labels"
    assert learner.status == "learned from 30 labels"
    assert learner.n_labels == 30


def test_says_it_needs_labels_before_min_labels_and_with_one_kind(learners) -> None:
    learner = learners(min_labels=5)
    learner.learn(toy(3))
    assert learner.wait_until_trained(timeout=60)
    [suggestion] = learner.suggest([item(toy(1, seed=1)[0])], TOY_LABELS)
    assert not suggestion.valid
    assert suggestion.error == "needs labels: learns after 5 labels of at least two kinds (has 3)"
    assert learner.status == suggestion.error

    one_kind = learners(min_labels=5)
    one_kind.learn([e for e in toy(20) if e.label == "fruit"])
    assert one_kind.wait_until_trained(timeout=60)
    [suggestion] = one_kind.suggest([item(toy(1, seed=1)[0])], TOY_LABELS)
    assert suggestion.error == "needs labels: learns after 5 labels of at least two kinds (has 10, all of one kind)"


def test_shows_the_prior_before_it_has_learned(learners) -> None:
    examples = toy(4)
    prior = FakePrior({e.key: e.label for e in toy(10, seed=1)})
    learner = learners(prior)
    learner.learn(examples)
    shown = learner.suggest([item(e) for e in toy(10, seed=1)], TOY_LABELS)
    assert [s.model for s in shown] == ["fake-prior"] * 10
    assert [s.label for s in shown] == [e.label for e in toy(10, seed=1)]
    assert learner.source == "prior"
    assert learner.status.startswith("showing the prior; needs labels")


def test_undo_removes_the_label_and_retrains(learners) -> None:
    learner = learners(min_labels=10)
    examples = toy(12)
    learner.learn(examples)
    assert learner.wait_until_trained(timeout=60)
    assert learner.status == "learned from 12 labels"
    learner.learn([Example(examples[0].key, examples[0].text, None)])
    assert learner.n_labels == 11
    assert learner.wait_until_trained(timeout=60)
    assert learner.status == "learned from 11 labels"
    learner.learn([Example(e.key, e.text, None) for e in examples[1:3]])
    assert learner.wait_until_trained(timeout=60)
    [suggestion] = learner.suggest([item(toy(1, seed=1)[0])], TOY_LABELS)
    assert suggestion.error == "needs labels: learns after 10 labels of at least two kinds (has 9)"


def test_never_suggests_the_starting_labels_to_their_own_items(learners) -> None:
    learner = learners()
    examples = random_labels(300, seed=1)
    learner.learn(examples)  # as the session passes label_column rows: all at once, never suggested before
    assert learner.wait_until_trained(timeout=120)
    suggestions = learner.suggest([item(e) for e in examples], TOY_LABELS)
    assert all(s.valid for s in suggestions)
    assert all("without this item's own label" in str(s.rationale) for s in suggestions)
    assert accuracy(suggestions, examples) < 0.65  # chance is 0.5

    # The test has teeth: the model that did see these labels gets them nearly all right.
    fit = learner._fit
    assert fit is not None
    from labelwidgets.suggesters.learner import _hash

    seen = fit.probabilities(fit.model, _hash([e.text for e in examples]))
    leaked = [fit.model.linear.columns[row[:-1].argmax()] for row in seen]  # the last column: labels it never saw
    assert sum(label == e.label for label, e in zip(leaked, examples, strict=True)) / len(examples) > 0.9


def test_never_suggests_session_labels_to_their_own_items(learners) -> None:
    learner = learners()
    seed, session = random_labels(100, seed=2), random_labels(150, seed=3)
    learner.learn(seed)
    assert learner.wait_until_trained(timeout=120)
    before = {}
    for example in session:
        [before[example.key]] = learner.suggest([item(example)], TOY_LABELS)
        learner.learn([example])
        if len(before) % 25 == 0:
            learner.wait_until_trained(timeout=120)
    assert learner.wait_until_trained(timeout=120)
    after = learner.suggest([item(e) for e in session], TOY_LABELS)
    assert after == [before[e.key] for e in session]  # what it said before it knew the label
    assert accuracy(after, session) < 0.65

    # Withdrawn labels: whether or not the retrain without them has finished, no item gets its own label back.
    learner.learn([Example(e.key, e.text, None) for e in seed])
    withdrawn = learner.suggest([item(e) for e in seed], TOY_LABELS)
    answered = [(s, e) for s, e in zip(withdrawn, seed, strict=True) if s.valid]
    assert accuracy([s for s, _ in answered], [e for _, e in answered]) < 0.65


def test_training_coalesces_changes_that_arrive_while_it_trains(learners) -> None:
    learner = learners()
    release = threading.Event()
    learner.on_update(lambda: release.wait(timeout=60))  # holds the training thread after each retrain
    learner.learn(toy(12))
    for example in toy(50, seed=1, prefix="more"):
        learner.learn([example])
    release.set()
    assert learner.wait_until_trained(timeout=120)
    assert 1 <= learner.version <= 2  # 51 learn calls, at most two retrains
    assert learner.status == "learned from 62 labels"


def test_retrain_every_waits_for_that_many_changes_unless_someone_waits(learners) -> None:
    learner = learners(retrain_every=5)
    learner.learn(toy(12))
    assert learner.wait_until_trained(timeout=60)
    version = learner.version
    learner.learn(toy(2, seed=1, prefix="more"))  # 2 of 5 changes: no retrain yet
    assert learner.version == version
    assert learner.wait_until_trained(timeout=60)  # ... unless asked for
    assert learner.status == "learned from 14 labels"


def test_the_model_trained_last_serves_while_the_next_trains(learners, monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels faster than retrains (a person pressing Enter on easy items): every item still gets a suggestion,
    from the model trained last, until the next one is ready."""
    learner = learners()
    learner.learn(toy(12))
    assert learner.wait_until_trained(timeout=60)
    release = threading.Event()
    real_train = learner_module.train

    def slow_train(*args: object, **kwargs: object) -> object:
        assert release.wait(timeout=60)
        return real_train(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(learner_module, "train", slow_train)
    shown = []
    for example in toy(60, seed=1, prefix="fast"):
        [suggestion] = learner.suggest([item(example)], TOY_LABELS)
        shown.append(suggestion)
        learner.learn([example])
    assert [s.error for s in shown] == [None] * 60
    assert {s.rationale for s in shown} == {"learned from 12 labels"}
    assert accuracy(shown, toy(60, seed=1, prefix="fast")) == 1.0
    assert learner.status == "learned from 12 labels"
    release.set()
    assert learner.wait_until_trained(timeout=120)
    assert learner.status == "learned from 72 labels"


def test_labels_not_seen_yet_share_what_the_model_cannot_know_and_are_never_suggested(learners) -> None:
    """One "other" among 40 labels: the fold model that held it out had never seen that label, so the calibration
    learns how often an item's label is one the model has not met, and gives that to the labels it has not met."""
    labels = LabelSet.parse(["fruit", "car", "other", "boat", "plane"])
    learner = learners()
    learner.learn([*toy(40), Example("sofa", "sofa chair table lamp", "other")])
    assert learner.wait_until_trained(timeout=60)
    suggestions = learner.suggest([item(e) for e in toy(20, seed=1, prefix="new")], labels)
    for suggestion in suggestions:
        assert suggestion.probabilities is not None
        assert math.isclose(sum(suggestion.probabilities.values()), 1.0)
        assert suggestion.probabilities["boat"] == suggestion.probabilities["plane"] > 0  # never seen: shared evenly
        assert suggestion.label in {"fruit", "car"}
    fit = learner._fit
    assert fit is not None and fit.calibrated and fit.calibration.unseen is not None  # type: ignore[attr-defined]
    [known_only] = learner.suggest([item(toy(1, seed=2, prefix="k")[0])], LabelSet.parse(["fruit", "car", "other"]))
    assert known_only.probabilities is not None
    assert math.isclose(sum(known_only.probabilities.values()), 1.0)  # no label unseen: nothing goes elsewhere


def test_the_model_is_scikit_learns_one_vs_rest_logistic_regression() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    examples = [*toy(30), *[Example(f"o{i}", f"sofa chair table {w}", "other") for i, w in enumerate(FRUIT)]]
    triples = [(e.key, e.text, str(e.label)) for e in examples]
    fit = learner_module.train(triples)
    held_out = [e.text for e in toy(10, seed=3)] + ["sofa kiwi", "table engine"]
    model = fit.model
    features = model.encoder.encode(learner_module._hash([t for _, t, _ in triples]))
    reference = OneVsRestClassifier(LogisticRegression(C=learner_module.REGULARIZATION, solver="liblinear"))
    reference.fit(features, [label for _, _, label in triples])
    expected = reference.decision_function(model.encoder.encode(learner_module._hash(held_out)))
    assert list(reference.classes_) == list(model.linear.columns)
    assert model.scores(learner_module._hash(held_out)) == pytest.approx(expected, abs=1e-9)

    two = learner_module.train([t for t in triples if t[2] != "other"])
    binary = LogisticRegression(C=learner_module.REGULARIZATION, solver="liblinear")
    binary.fit(two.model.encoder.encode(learner_module._hash([t for _, t, y in triples if y != "other"])),
               [y for _, _, y in triples if y != "other"])  # fmt: skip
    scores = two.model.scores(learner_module._hash(held_out))
    assert scores[:, 0] == pytest.approx(0.0)  # the first label is the reference: its score is 0
    assert scores[:, 1] == pytest.approx(
        binary.decision_function(two.model.encoder.encode(learner_module._hash(held_out))), abs=1e-9
    )


def test_the_calibration_of_two_labels_is_platt_scaling_as_scikit_learn_fits_it() -> None:
    """Without the prior, scale and bias are the maximum-likelihood logistic regression of the label on the score."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-(2.5 * x - 0.7)))).astype(np.int64)
    scores = np.column_stack([np.zeros(400), x])  # two labels: the first one's score is 0
    calibration = learner_module.fit_softmax_calibration(scores, np.ones((400, 2), bool), y, ["a", "b"], prior=0.0)
    assert calibration is not None and calibration.unseen is None
    reference = LogisticRegression(C=np.inf).fit(x[:, None], y)
    assert calibration.scale == pytest.approx(reference.coef_[0, 0], rel=1e-4)
    assert calibration.bias["b"] - calibration.bias["a"] == pytest.approx(reference.intercept_[0], abs=1e-4)


def test_calibrated_on_sms_spam_after_100_labels_against_scikit_learns_sigmoid_calibration() -> None:
    """Five windows of 100 bundled messages, each held out against the other 400. The reference is scikit-learn's
    CalibratedClassifierCV (sigmoid, 3 folds) around the same logistic regression on the same features."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression

    from labelwidgets.metrics.calibration import bin_sums, ece

    frame = lw.datasets.sms_spam()
    texts, gold = list(frame.text), list(frame.gold)

    def log_loss(p: np.ndarray, spam: np.ndarray) -> float:
        return float(-np.mean(np.log(np.clip(np.where(spam, p, 1 - p), 1e-15, 1))))

    def calibration_error(p: np.ndarray, spam: np.ndarray) -> float:
        _, confidence_sums, correct_sums = bin_sums(np.maximum(p, 1 - p), (p >= 0.5) == spam, 10)
        return float(ece(confidence_sums, correct_sums, len(p)))

    ours, reference = [], []
    for start in range(0, 500, 100):
        learned = [i for i in range(500) if start <= i < start + 100]
        held_out = [i for i in range(500) if not start <= i < start + 100]
        spam = np.array([gold[i] == "spam" for i in held_out])
        fit = learner_module.train([(str(i), texts[i], gold[i]) for i in learned])
        probabilities = fit.probabilities(fit.model, learner_module._hash([texts[i] for i in held_out]))
        p = probabilities[:, fit.model.linear.columns.index("spam")]  # every label seen: nothing in the last column
        ours.append((log_loss(p, spam), calibration_error(p, spam)))
        encode = fit.model.encoder.encode
        sigmoid = CalibratedClassifierCV(
            LogisticRegression(C=learner_module.REGULARIZATION, solver="liblinear"), method="sigmoid", cv=3
        ).fit(encode(learner_module._hash([texts[i] for i in learned])), [gold[i] == "spam" for i in learned])
        q = sigmoid.predict_proba(encode(learner_module._hash([texts[i] for i in held_out])))[:, 1]
        reference.append((log_loss(q, spam), calibration_error(q, spam)))
    (our_loss, our_ece), (their_loss, their_ece) = np.mean(ours, axis=0), np.mean(reference, axis=0)
    assert our_ece <= 0.05 and our_ece <= their_ece
    assert our_loss <= 1.1 * their_loss  # within 10% (measured: 0.138 against 0.127)


def test_callbacks_are_called_from_the_training_thread_after_each_retrain(learners) -> None:
    learner = learners()
    calls: list[tuple[int, bool]] = []
    learner.on_update(lambda: calls.append((learner.version, threading.current_thread() is threading.main_thread())))
    learner.learn(toy(12))
    assert learner.wait_until_trained(timeout=60)
    learner.learn(toy(2, seed=1, prefix="more"))
    assert learner.wait_until_trained(timeout=60)
    assert [version for version, _ in calls] == list(range(1, learner.version + 1))
    assert not any(on_main for _, on_main in calls)


def test_a_failing_callback_does_not_stop_training(learners, caplog: pytest.LogCaptureFixture) -> None:
    learner = learners()
    calls = []

    def broken() -> None:
        raise RuntimeError("the widget is gone")

    learner.on_update(broken)
    learner.on_update(lambda: calls.append(learner.version))
    with caplog.at_level(logging.ERROR, logger="labelwidgets"):
        learner.learn(toy(12))
        assert learner.wait_until_trained(timeout=60)
        learner.learn(toy(2, seed=1, prefix="more"))
        assert learner.wait_until_trained(timeout=60)
    assert calls == [1, 2]
    assert "a callback of the learner learner failed after retrain 1" in caplog.text
    assert learner.status == "learned from 14 labels"


def test_empty_text_is_an_invalid_suggestion_or_the_priors(learners) -> None:
    learner = learners()
    learner.learn([*toy(12), Example("blank", "   ", "car")])
    assert learner.wait_until_trained(timeout=60)
    assert learner.n_labels == 12  # nothing to learn from a blank text
    suggestions = learner.suggest([Item("a", ""), Item("b", "  \n"), Item("c", "mango kiwi")], TOY_LABELS)
    assert [s.error for s in suggestions[:2]] == ["no text: the learner suggests from the text only"] * 2
    assert suggestions[2].label == "fruit"

    prior = FakePrior({"a": "car"})
    with_prior = learners(prior, combine=False)
    with_prior.learn(toy(12))
    assert with_prior.wait_until_trained(timeout=60)
    with_prior._switched = True  # even when the learner is shown, an item it cannot read gets the prior's
    [shown] = with_prior.suggest([Item("a", "")], TOY_LABELS)
    assert shown.model == "fake-prior" and shown.label == "car"


def test_suggest_from_several_threads_while_learning(learners) -> None:
    learner = learners(FakePrior({}))
    examples = toy(80)
    stop = threading.Event()
    failures: list[BaseException] = []
    results: list[int] = []

    def prefetch(offset: int) -> None:
        rng = random.Random(offset)
        try:
            while not stop.is_set():
                batch = [item(e) for e in rng.sample(examples, 3)]
                suggestions = learner.suggest(batch, TOY_LABELS)
                assert len(suggestions) == 3 and all(isinstance(s, Suggestion) for s in suggestions)
                assert all(s.valid or s.error for s in suggestions)
                results.append(len(suggestions))
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=prefetch, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for example in examples:
        learner.learn([example])
    assert learner.wait_until_trained(timeout=120)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert results
    assert learner.status.startswith("combining")
    assert learner.n_labels == 80


def label_one_by_one(learner: Learner, examples: Sequence[Example]) -> list[Suggestion]:
    shown = []
    for example in examples:
        [suggestion] = learner.suggest([item(example)], TOY_LABELS)
        shown.append(suggestion)
        learner.learn([example])
        assert learner.wait_until_trained(timeout=60)
    return shown


def test_switches_from_a_90_percent_prior_to_a_better_learner(learners) -> None:
    examples = toy(60)
    prior = FakePrior({e.key: e.label for e in examples}, wrong={e.key for e in examples[3::10]})
    learner = learners(prior, combine=False)
    shown = label_one_by_one(learner, examples)
    models = [s.model for s in shown]
    assert models[0] == "fake-prior"
    first = models.index("learner")
    assert first >= 10  # not before it was compared on enough labels
    assert all(model == "learner" for model in models[first:])
    assert learner.source == "learner"
    scores = learner.scores
    assert scores["learner_right"] > scores["prior_right"] and scores["compared"] == 30
    assert learner.status.startswith("learner ahead: learner 100% vs prior 90% on the last 30 labels")
    assert [s.confidence_source for s in shown[first:]] == ["learned"] * (len(shown) - first)


def test_combines_a_90_percent_prior_with_the_learner(learners) -> None:
    examples = toy(60)
    prior = FakePrior({e.key: e.label for e in examples}, wrong={e.key for e in examples[3::10]})
    learner = learners(prior)
    shown = label_one_by_one(learner, examples)
    assert [s.model for s in shown[:10]] == ["fake-prior"] * 10  # the learner has no model before 10 labels
    assert {s.model for s in shown[10:]} == {"learner+fake-prior"}
    assert {s.confidence_source for s in shown[10:]} == {"combined"}
    assert all(s.label == e.label for s, e in zip(shown[30:], examples[30:], strict=True))  # prior's misses fixed
    for suggestion in shown[10:]:
        assert suggestion.probabilities is not None
        assert math.isclose(sum(suggestion.probabilities.values()), 1.0)
    assert learner.source == "combined"
    assert learner.scores["learner_weight"] > 0.9
    assert learner.status.startswith("combining: learner 100% vs prior 90% right, log-loss ")


def test_the_status_line_is_made_from_one_reading_of_the_numbers(learners) -> None:
    examples = toy(60)
    prior = FakePrior({e.key: e.label for e in examples}, wrong={e.key for e in examples[3::10]})
    learner = learners(prior)
    label_one_by_one(learner, examples)
    standing = learner.standing()
    assert learner.status == standing.status and learner.scores == standing.scores()  # nothing changed since
    found = re.fullmatch(
        r"combining: learner (\d+)% vs prior (\d+)% right, log-loss ([\d.]+) vs ([\d.]+), on the last (\d+) labels: "
        r"learner weight (\d+)%; learned from (\d+) labels",
        standing.status,
    )
    assert found is not None, standing.status
    learner_pct, prior_pct, learner_ll, prior_ll, compared, weight_pct, trained_on = found.groups()
    scores = standing.scores()
    assert int(compared) == scores["compared"] == 30
    assert int(learner_pct) == round(100 * scores["learner_accuracy"])
    assert int(prior_pct) == round(100 * scores["prior_accuracy"])
    assert float(learner_ll) == round(scores["learner_log_loss"], 2)
    assert float(prior_ll) == round(scores["prior_log_loss"], 2)
    assert int(weight_pct) == round(100 * scores["learner_weight"])
    assert int(trained_on) == standing.trained_on == 60
    # The weight follows from the log-losses the sentence gives (its posterior weight over the window).
    advantage = standing.prior_loss - standing.learner_loss
    assert scores["learner_weight"] == pytest.approx(1 / (1 + math.exp(-advantage)))


def test_a_learner_right_more_often_but_weighted_less_says_why() -> None:
    """The sentence that contradicted itself ("learner 30% vs prior 27% ..., learner weight 1%") now carries the
    log-losses the weight comes from: the learner was right a little more often but surer of its mistakes."""
    learner_loss, prior_loss = 30 * 1.35, 30 * 1.20
    standing = Standing(
        source="combined", has_prior=True, trained_on=60, waiting="", window=30, compared=30, prior_right=8,
        learner_right=9, prior_loss=prior_loss, learner_loss=learner_loss,
        learner_weight=1 / (1 + math.exp(learner_loss - prior_loss)),
    )  # fmt: skip
    assert standing.status == (
        "combining: learner 30% vs prior 27% right, log-loss 1.35 vs 1.20, on the last 30 labels: "
        "learner weight 1%; learned from 60 labels"
    )


@pytest.mark.parametrize("combine", [False, True])
def test_a_prior_that_is_always_right_stays_shown(learners, combine: bool) -> None:
    examples = toy(50)
    learner = learners(FakePrior({e.key: e.label for e in examples}, confidence=0.99), combine=combine)
    shown = label_one_by_one(learner, examples)
    assert [s.label for s in shown] == [e.label for e in examples]
    if not combine:
        assert {s.model for s in shown} == {"fake-prior"}
        assert learner.source == "prior"


def test_prior_errors_pass_through_while_the_prior_is_shown(learners) -> None:
    class Failing:
        name = "failing"

        def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            return [Suggestion.invalid("the server said 503", model="failing") for _ in items]

    class Raising:
        name = "raising"

        def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            raise ConnectionError("no route to host")

    [shown] = learners(Failing()).suggest([Item("k", "mango")], TOY_LABELS)
    assert shown.error == "the server said 503" and shown.model == "failing"
    [shown] = learners(Raising()).suggest([Item("k", "mango")], TOY_LABELS)
    assert shown.error == "ConnectionError: no route to host" and shown.model == "raising"


def test_asks_a_prior_once_per_item(learners) -> None:
    prior = FakePrior({})
    learner = learners(prior)
    for _ in range(3):
        learner.suggest([Item("a", "mango"), Item("b", "engine")], TOY_LABELS)
    assert prior.calls == 2


def test_learn_is_forwarded_to_a_prior_that_learns_and_close_closes_it(learners) -> None:
    prior = LearningPrior({})
    learner = learners(prior)
    examples = toy(3)
    learner.learn(examples)
    learner.learn([Example(examples[0].key, examples[0].text, None)])
    assert prior.learned == [*examples, Example(examples[0].key, examples[0].text, None)]
    learner.close()
    assert prior.closed


def test_labels_outside_the_label_set_are_not_learned(learners) -> None:
    learner = learners()
    examples = toy(20)
    strays = [Example(f"stray{i}", "mango kiwi plum", "vegetable") for i in range(10)]
    learner.learn([*examples, *strays])
    assert learner.wait_until_trained(timeout=60)
    assert learner.n_labels == 30  # before it has seen the session's labels
    learner.suggest([Item("new", "mango kiwi plum")], TOY_LABELS)
    assert learner.n_labels == 20
    assert learner.wait_until_trained(timeout=60)
    [suggestion] = learner.suggest([Item("new", "mango kiwi plum")], TOY_LABELS)
    assert suggestion.label == "fruit"
    assert suggestion.probabilities is not None and set(suggestion.probabilities) == {"fruit", "car", "other"}
    assert learner.status == "learned from 20 labels"


def test_beats_the_majority_label_on_sms_spam_after_200_labels(learners) -> None:
    frame = lw.datasets.sms_spam()
    examples = [
        Example(str(key), text, gold) for key, text, gold in zip(frame.index, frame.text, frame.gold, strict=True)
    ]
    learned, held_out = examples[:200], examples[200:]
    learner = learners()
    learner.learn(learned)
    assert learner.wait_until_trained(timeout=120)
    suggestions = learner.suggest([item(e) for e in held_out], LabelSet.parse(["ham", "spam"]))
    majority = max(sum(e.label == label for e in held_out) for label in ("ham", "spam")) / len(held_out)
    assert accuracy(suggestions, held_out) > majority + 0.05
    spam = [s.probabilities["spam"] for s in suggestions if s.probabilities is not None]
    assert min(spam) < 0.1 and max(spam) > 0.9  # it tells them apart, with confidence


def test_limits_and_costs_are_the_priors(learners) -> None:
    class Paid(FakePrior):
        max_concurrency = 3
        costs_money = True

        def estimate_cost(self, items: Sequence[Item], labels: LabelSet) -> float:
            return 0.01 * len(items)

    learner = learners()
    assert learner.max_concurrency is None and not learner.costs_money
    assert learner.estimate_cost([Item("a", "x")], TOY_LABELS) == 0.0
    paid = learners(Paid({}))
    assert paid.max_concurrency == 3 and paid.costs_money
    assert paid.estimate_cost([Item("a", "x"), Item("b", "y")], TOY_LABELS) == 0.02


def test_missing_scikit_learn_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(LabelwidgetsError, match=r'needs scikit-learn: pip install "labelwidgets\[metrics\]"'):
        Learner()


def test_importing_it_loads_no_scikit_learn_and_making_one_starts_loading_it() -> None:
    """Before, scikit-learn was imported by the first retrain, after min_labels labels: 1-4 s on two busy cores in
    which a person labeling quickly saw "suggestions follow when training finishes" on item after item. Now the
    training thread imports it as soon as the learner is made, before any label."""
    code = (
        "import sys, time, labelwidgets as lw; lw.Learner; print('sklearn' in sys.modules); learner = lw.Learner()\n"
        "deadline = time.monotonic() + 60\n"
        "while 'sklearn.linear_model' not in sys.modules and time.monotonic() < deadline: time.sleep(0.01)\n"
        "print('sklearn.linear_model' in sys.modules, learner.version)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.split() == ["False", "True", "0"]  # loaded in the background, with no label and no retrain


def test_bad_arguments_are_input_errors() -> None:
    with pytest.raises(InputError, match="min_labels must be a whole number of at least 2"):
        Learner(min_labels=1)
    with pytest.raises(InputError, match="prior must be a suggester"):
        Learner("gpt-4o")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="learn takes a list of lw Example objects"):
        Learner().learn([("k", "text", "car")])  # type: ignore[list-item]


def test_protocols_repr_and_config(learners) -> None:
    learner = learners()
    assert isinstance(learner, Suggester) and isinstance(learner, LearnsFromLabels) and isinstance(learner, Updates)
    assert repr(learner) == "Learner()"
    with_prior = learners(LearningPrior({}), label_column="gold", min_labels=5, combine=False)
    assert repr(with_prior).endswith("label_column='gold', min_labels=5, combine=False)")
    config = with_prior.config()
    assert config["type"] == "Learner" and config["prior"] == {"type": "LearningPrior", "name": "fake-prior"}
    assert json.loads(json.dumps(config)) == config
    assert with_prior.label_column == "gold"
