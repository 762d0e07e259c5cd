"""`Learner`: a suggester that learns from the person's labels while they label.

The model is TF-IDF over hashed word 1-2 grams and character 2-5 grams with logistic regression (liblinear),
retrained in one background thread. What differs between kinds of answer is chosen once, as a task object: one
label per item is a one-vs-rest model whose scores go through a softmax; a set of labels per item is one binary
model per label (present or absent). Either is calibrated on out-of-fold scores from five fold models, which
score their held-out texts as new texts are scored (without the n-grams only those texts use); the same fold models
give cross-fitted suggestions for items whose own label the main model has seen, so no item is ever suggested its
own label.
Measurements: benchmarks/results/learner_calibration.md. scikit-learn and scipy are imported in the training
thread, which starts when the learner is made.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import logging
import math
import threading
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from labelwidgets.errors import InputError, LabelwidgetsError
from labelwidgets.kinds import MULTI, SINGLE
from labelwidgets.kinds.multi import encode_set, set_confidence
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.stopping import StabilizingPredictions, StoppingSignal
from labelwidgets.suggesters.base import Example, Item, LearnsFromLabels, Suggester, Suggestion, Updates
from labelwidgets.suggesters.check import install_hint, require_modules
from labelwidgets.suggesters.validate import validate

__all__ = ["INSTALL_HINT", "Learner", "Standing"]

log = logging.getLogger("labelwidgets")

INSTALL_HINT = install_hint("metrics")
FOLDS = 5
REGULARIZATION = 10.0  # liblinear's C: of 1, 10 and 100 the best on SMS spam, close on tweets (benchmarks/)
CALIBRATION_PRIOR = 1.0  # pulls the fitted log-scale and the biases towards 0, as about one labeled item would
MIN_CALIBRATION_ROWS = 4
HASH_FEATURES = 2**20
_DEFAULT_STOPPING = repr(StabilizingPredictions())
MIN_COMPARED = 10  # labeled items both the prior and the learner suggested for, before the learner may take over


def require_sklearn() -> None:
    """Raise a clear error now, rather than in the training thread, when scikit-learn or scipy is missing."""
    require_modules("lw.Learner", "metrics", {"sklearn": "scikit-learn", "scipy": "scipy"})


def _sklearn_parts() -> tuple[Any, Any]:
    try:
        from sklearn.feature_extraction.text import HashingVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as error:
        raise LabelwidgetsError(f"lw.Learner needs scikit-learn: {INSTALL_HINT}") from error
    return HashingVectorizer, LogisticRegression


TRAINING_MODULES = ("scipy.optimize", "scipy.sparse", "scipy.special", "sklearn.linear_model", "threadpoolctl")


def warm_up() -> None:
    """Import what training needs and build the hashers, so that the first retrain costs what any retrain does:
    when the first retrain paid for the imports, a person labeling quickly saw no suggestion for as long as they
    took (benchmarks/results/learning.md, "a fast labeler")."""
    for name in TRAINING_MODULES:
        importlib.import_module(name)
    _hashers_now()


_hashers_lock = threading.Lock()
_hashers: tuple[Any, Any] | None = None


def _hashers_now() -> tuple[Any, Any]:
    global _hashers
    with _hashers_lock:
        if _hashers is None:
            hashing_vectorizer, _ = _sklearn_parts()
            common: dict[str, Any] = {"alternate_sign": False, "norm": None, "n_features": HASH_FEATURES}
            _hashers = (
                hashing_vectorizer(ngram_range=(1, 2), **common),
                hashing_vectorizer(analyzer="char_wb", ngram_range=(2, 5), **common),
            )
        return _hashers


def _hash(texts: Sequence[str]) -> tuple[Any, Any]:
    """Raw counts of word 1-2 grams and of character 2-5 grams (within word boundaries), hashed: no vocabulary to
    fit, so a text's features never depend on the other texts."""
    words, chars = _hashers_now()
    return words.transform(texts), chars.transform(texts)


class HashedCounts:
    """Hashed counts per text, kept from one retrain to the next: hashing character n-grams is otherwise most of the
    time a retrain takes (0.85 s of 2.3 s at 5,000 SMS messages)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = {}

    def matrices(self, texts: Sequence[str]) -> tuple[Any, Any]:
        import scipy.sparse as sparse

        with self._lock:
            new = [text for text in dict.fromkeys(texts) if text not in self._rows]
            if new:
                words, chars = _hash(new)
                for i, text in enumerate(new):
                    self._rows[text] = (_row(words, i), _row(chars, i))
            rows = [self._rows[text] for text in texts]
        matrices = []
        for block in (0, 1):
            lengths = [len(row[block][0]) for row in rows]
            indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
            indices = np.concatenate([row[block][0] for row in rows]) if rows else np.empty(0, np.int32)
            data = np.concatenate([row[block][1] for row in rows]) if rows else np.empty(0)
            matrices.append(sparse.csr_matrix((data, indices, indptr), shape=(len(rows), HASH_FEATURES)))
        return matrices[0], matrices[1]

    def keep_only(self, texts: Sequence[str]) -> None:
        with self._lock:
            wanted = set(texts)
            for text in [text for text in self._rows if text not in wanted]:
                del self._rows[text]


def _row(matrix: Any, i: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end].copy(), matrix.data[start:end].copy()


_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter: Any = None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """One BLAS thread while training: OpenBLAS's spinning threads, fighting the kernel and a local model for two
    cores, made fits 5-10x slower (measured). Counted, so that trainers of several learners restore it once."""
    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            from threadpoolctl import threadpool_limits

            _blas_limiter = threadpool_limits(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limiter is not None:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


@dataclass(frozen=True)
class _Encoder:
    """Sublinear TF-IDF weights from the training texts, each block (words, characters) L2-normalised. Only the
    hashed columns the training texts use are kept: a solver over 2^21 mostly empty columns is several times slower."""

    columns: tuple[np.ndarray, np.ndarray]
    idf: tuple[np.ndarray, np.ndarray]  # 0 for a column this encoder is to ignore (`without`)
    frequency: tuple[np.ndarray, np.ndarray]  # the training texts that use each column

    @classmethod
    def fit(cls, counts: tuple[Any, Any]) -> _Encoder:
        columns, idf, frequency = [], [], []
        for block in counts:
            used, document_frequency = np.unique(block.indices, return_counts=True)
            n = block.shape[0]
            columns.append(used)
            idf.append(np.log((1 + n) / (1 + document_frequency)) + 1)
            frequency.append(document_frequency)
        return cls((columns[0], columns[1]), (idf[0], idf[1]), (frequency[0], frequency[1]))

    def without(self, counts: tuple[Any, Any]) -> _Encoder:
        """The vocabulary of the training texts but those in ``counts`` (some of them): the n-grams only they use
        get no weight, so that they are encoded as a model trained without them encodes new texts. Encoded with
        every training text's vocabulary, a held-out text's scores were smaller than a new text's, and the
        calibration fitted on them overconfident (TweetEval irony at 100 labels: ECE 0.101, against 0.061)."""
        idf = []
        for block, used, weights, frequency in zip(counts, self.columns, self.idf, self.frequency, strict=True):
            theirs, uses = np.unique(block.indices, return_counts=True)
            left = frequency.copy()
            left[np.searchsorted(used, theirs)] -= uses
            idf.append(np.where(left > 0, weights, 0.0))
        return _Encoder(self.columns, (idf[0], idf[1]), self.frequency)

    def encode(self, counts: tuple[Any, Any]) -> Any:
        """Each text's counts of the kept columns, weighted and normalised; an n-gram no training text used is
        dropped before normalising. The columns are found by binary search in the sorted kept ones: selecting them
        from the 2^20 hashed columns with scipy's fancy indexing took most of a retrain's time at 100 labels."""
        import scipy.sparse as sparse

        blocks = []
        for block, used, idf in zip(counts, self.columns, self.idf, strict=True):
            n = block.shape[0]
            position = np.minimum(np.searchsorted(used, block.indices), max(len(used) - 1, 0))
            kept = used[position] == block.indices if len(used) else np.zeros(len(block.indices), dtype=bool)
            rows = np.repeat(np.arange(n), np.diff(block.indptr))[kept]
            data = (1 + np.log(block.data[kept])) * idf[position[kept]]
            norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
            norms[norms == 0] = 1
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
            blocks.append(sparse.csr_matrix((data / norms[rows], position[kept], indptr), shape=(n, len(used))))
        return sparse.hstack(blocks, format="csr")


@dataclass(frozen=True)
class _Linear:
    """Linear scores, one column per target: a label (one label per item) or a label's presence (a set of labels).

    A column every training answer agreed on is a constant: no weights, and an intercept that is the log-odds of
    the label with half an example of each outcome added (Jeffreys), never a certainty.
    """

    columns: tuple[str, ...]
    coef: np.ndarray  # (columns, features)
    intercept: np.ndarray
    learned: np.ndarray  # per column: False for a constant

    def scores(self, features: Any) -> np.ndarray:
        return np.asarray(features @ self.coef.T) + self.intercept


def _logistic(features: Any, target: np.ndarray) -> tuple[np.ndarray, float]:
    """One binary logistic regression: weights and intercept."""
    _, logistic_regression = _sklearn_parts()
    classifier = logistic_regression(C=REGULARIZATION, solver="liblinear").fit(features, target)
    return classifier.coef_[0], float(classifier.intercept_[0])


def _jeffreys_log_odds(present: int, n: int) -> float:
    return math.log((present + 0.5) / (n - present + 0.5))


@dataclass(frozen=True)
class _Model:
    """A linear model, the vocabulary it was trained with, and the items whose labels it saw (never suggested to)."""

    encoder: _Encoder
    linear: _Linear
    keys: frozenset[str]

    def scores(self, counts: tuple[Any, Any]) -> np.ndarray:
        return self.linear.scores(self.encoder.encode(counts))


# -- calibration --


class _Calibration(Protocol):
    def probabilities(self, linear: _Linear, scores: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class _SoftmaxCalibration:
    """softmax(scale * scores + bias[label]) over the labels a model knows, and one more outcome, "a label this
    model was not trained on", whose logit is ``unseen`` (None: never; it is the last column `probabilities` gives).

    The extra outcome is what the fold models meet when an item's label had too few examples to reach their
    training folds: on Banking77 at 100 labels a third of the items have a label not yet seen, and a model that
    cannot know that says 0.45 where it is right 0.28 of the time (benchmarks/results/learner_calibration.md).
    """

    scale: float = 1.0
    bias: Mapping[str, float] = dataclasses.field(default_factory=dict)
    unseen: float | None = None

    def probabilities(self, linear: _Linear, scores: np.ndarray) -> np.ndarray:
        from scipy.special import softmax

        bias = np.array([self.bias.get(column, 0.0) for column in linear.columns])
        unseen = np.full((len(scores), 1), -np.inf if self.unseen is None else self.unseen)
        return np.asarray(softmax(np.hstack([self.scale * scores + bias, unseen]), axis=1))


@dataclass(frozen=True)
class _SigmoidCalibration:
    """Each label's probability of applying: sigmoid(scale * score + bias[label]), one scale for every label (the
    labels share the evidence about how far the scores can be trusted); a constant column keeps its own estimate."""

    scale: float = 1.0
    bias: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def probabilities(self, linear: _Linear, scores: np.ndarray) -> np.ndarray:
        from scipy.special import expit

        bias = np.array([self.bias.get(column, 0.0) for column in linear.columns])
        return np.asarray(expit(np.where(linear.learned, self.scale * scores + bias, scores)))


def fit_softmax_calibration(
    scores: np.ndarray, known: np.ndarray, y: np.ndarray, columns: Sequence[str], prior: float
) -> _SoftmaxCalibration | None:
    """Scale, per-label biases and, when some item's own label was unknown to the fold model that scored it, the
    logit of "a label not trained on": the least log-loss on out-of-fold ``scores`` (``known`` marks the labels
    each row's fold model was trained on), plus a Gaussian prior of strength ``prior`` on the log-scale and the
    biases. For two labels, every one known, this is Platt scaling. None when too few rows say anything."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp, softmax

    rows = known.any(axis=1)  # a fold model that could not be trained says nothing about the items it held out
    scores, known, y = scores[rows], known[rows], y[rows]
    n, width = scores.shape
    if n < MIN_CALIBRATION_ROWS:
        return None
    own_known = known[np.arange(n), y]
    with_unseen = not own_known.all()
    target = np.where(own_known, y, width)  # the extra outcome is the last column
    finite = np.where(known, scores, 0.0)
    onehot = np.eye(width + 1)[target]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        log_scale, bias = params[0], params[1:]
        scale = math.exp(log_scale)
        unseen = np.full((n, 1), bias[width] if with_unseen else -np.inf)
        logits = np.hstack([np.where(known, scale * finite + bias[:width], -np.inf), unseen])
        nll = float((logsumexp(logits, axis=1) - logits[np.arange(n), target]).sum())
        residual = softmax(logits, axis=1) - onehot
        gradient = np.concatenate([[scale * float((residual[:, :width] * finite).sum())], residual.sum(axis=0)])
        return nll + prior / 2 * float(params @ params), gradient + prior * params

    result = minimize(loss, np.zeros(width + 2), jac=True, method="L-BFGS-B")
    bias = result.x[1:]
    return _SoftmaxCalibration(
        scale=math.exp(float(result.x[0])),
        bias={column: float(b) for column, b in zip(columns, bias[:width], strict=True)},
        unseen=float(bias[width]) if with_unseen else None,
    )


def fit_sigmoid_calibration(
    scores: np.ndarray, known: np.ndarray, present: np.ndarray, columns: Sequence[str], prior: float
) -> _SigmoidCalibration | None:
    """One scale and a bias per label: the least summed log-loss of sigmoid(scale * score + bias) on the
    out-of-fold scores each fold model learned (``known``), plus the same prior as `fit_softmax_calibration`."""
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    if int(known.sum()) < MIN_CALIBRATION_ROWS:
        return None
    weight = known.astype(float)
    x = np.where(known, scores, 0.0)
    t = present.astype(float)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        scale = math.exp(params[0])
        z = scale * x + params[1:]
        nll = -float((weight * (t * log_expit(z) + (1 - t) * log_expit(-z))).sum())
        residual = weight * (expit(z) - t)
        gradient = np.concatenate([[scale * float((residual * x).sum())], residual.sum(axis=0)])
        return nll + prior / 2 * float(params @ params), gradient + prior * params

    result = minimize(loss, np.zeros(len(columns) + 1), jac=True, method="L-BFGS-B")
    return _SigmoidCalibration(
        scale=math.exp(float(result.x[0])),
        bias={column: float(b) for column, b in zip(columns, result.x[1:], strict=True)},
    )


# -- what a kind of answer changes --


class _Task(Protocol):
    """What a kind of answer changes in learning: how a stored answer is read, what is fitted and calibrated, how
    probabilities become a suggestion, and how two suggestions are mixed and scored against the person's answer.
    The learner picks one per label set and is otherwise the same for every kind."""

    def answer(self, stored: str, names: Sequence[str] | None) -> Any | None:
        """The answer a training label gives, or None when it is not one over ``names`` (None: any)."""
        ...

    def columns(self, answers: Sequence[Any], names: Sequence[str] | None) -> tuple[str, ...]: ...

    def fit(self, features: Any, answers: Sequence[Any], columns: Sequence[str]) -> _Linear: ...

    def calibrate(
        self, scores: np.ndarray, known: np.ndarray, answers: Sequence[Any], columns: Sequence[str]
    ) -> _Calibration | None: ...

    def uncalibrated(self) -> _Calibration: ...

    def named(
        self, row: np.ndarray, linear: _Linear, labels: LabelSet, n_labels: int
    ) -> tuple[dict[str, float], list[str]] | None:
        """A row of `_Calibration.probabilities` as probabilities over the label set's names, and the names the
        learner may suggest; None when it knows none of them."""
        ...

    def decide(self, probabilities: Mapping[str, float], choosable: Sequence[str]) -> tuple[str, float]:
        """The answer (stored text) the probabilities point to, and its probability."""
        ...

    def distribution(self, suggestion: Suggestion, labels: LabelSet, confidence: float | None) -> dict[str, float]:
        """A suggestion's probabilities (``confidence`` stands in for a missing one); even when invalid."""
        ...

    def probability_of(self, distribution: Mapping[str, float], stored: str) -> float:
        """The probability a distribution gives the answer ``stored``."""
        ...


class _OneLabel:
    """One label per item: a one-vs-rest logistic regression, its scores through a softmax over the labels seen."""

    def answer(self, stored: str, names: Sequence[str] | None) -> str | None:
        return stored if names is None or stored in names else None

    def columns(self, answers: Sequence[Any], names: Sequence[str] | None) -> tuple[str, ...]:
        return tuple(sorted(set(answers)))

    def fit(self, features: Any, answers: Sequence[Any], columns: Sequence[str]) -> _Linear:
        """The labels present in ``answers``; for two, one model (the first label's scores are 0)."""
        present = sorted(set(answers))
        y = np.array(answers, dtype=object)
        rows: list[np.ndarray] = []
        intercepts: list[float] = []
        if len(present) == 2:
            rows.append(np.zeros(features.shape[1]))
            intercepts.append(0.0)
        for target in present[1:] if len(present) == 2 else present:
            weights, intercept = _logistic(features, y == target)
            rows.append(weights)
            intercepts.append(intercept)
        return _Linear(tuple(present), np.vstack(rows), np.array(intercepts), np.ones(len(present), dtype=bool))

    def calibrate(
        self, scores: np.ndarray, known: np.ndarray, answers: Sequence[Any], columns: Sequence[str]
    ) -> _Calibration | None:
        index = {column: i for i, column in enumerate(columns)}
        y = np.array([index[answer] for answer in answers], dtype=np.int64)
        return fit_softmax_calibration(scores, known, y, columns, CALIBRATION_PRIOR)

    def uncalibrated(self) -> _Calibration:
        return _SoftmaxCalibration()

    def named(
        self, row: np.ndarray, linear: _Linear, labels: LabelSet, n_labels: int
    ) -> tuple[dict[str, float], list[str]] | None:
        """What the model does not know of (the last column) is spread evenly over the labels it was not trained
        on, and never suggested: it cannot tell them apart."""
        probabilities = {name: 0.0 for name in labels.names}
        for column, p in zip(linear.columns, row[:-1], strict=True):
            if column in probabilities:
                probabilities[column] = float(p)
        choosable = [column for column in linear.columns if column in probabilities]
        unseen = [name for name in labels.names if name not in linear.columns]
        for name in unseen:
            probabilities[name] = float(row[-1]) / len(unseen)
        total = sum(probabilities.values())
        if not choosable or total <= 0:
            return None
        return {name: p / total for name, p in probabilities.items()}, choosable

    def decide(self, probabilities: Mapping[str, float], choosable: Sequence[str]) -> tuple[str, float]:
        label = max(choosable, key=lambda name: probabilities[name])
        return label, probabilities[label]

    def distribution(self, suggestion: Suggestion, labels: LabelSet, confidence: float | None) -> dict[str, float]:
        """One with only a label and a confidence (or, lacking that, the given ``confidence``) spreads the rest
        evenly; an invalid one, or one without either, is uniform."""
        names = labels.names
        uniform = {name: 1 / len(names) for name in names}
        if not suggestion.valid:
            return uniform
        if suggestion.probabilities:
            given = {name: max(0.0, float(suggestion.probabilities.get(name, 0.0))) for name in names}
            total = sum(given.values())
            if total > 0 and math.isfinite(total):
                return {name: p / total for name, p in given.items()}
        top = suggestion.confidence if suggestion.confidence is not None else confidence
        if top is None or not math.isfinite(top) or len(names) < 2:
            return uniform if suggestion.label not in names else {n: float(n == suggestion.label) for n in names}
        top = min(1.0, max(0.0, top))
        return {name: top if name == suggestion.label else (1 - top) / (len(names) - 1) for name in names}

    def probability_of(self, distribution: Mapping[str, float], stored: str) -> float:
        return distribution.get(stored, 0.0)


class _SetOfLabels:
    """Any number of labels per item: one logistic regression per label, present against absent, trained on
    every decided item ("none of these" is an absence of every label). The suggestion is the set of labels with
    probability at least one half; its confidence the probability of exactly that set, labels independent."""

    def answer(self, stored: str, names: Sequence[str] | None) -> frozenset[str] | None:
        try:
            chosen = json.loads(stored)
        except ValueError:
            return None
        if not isinstance(chosen, list) or not all(isinstance(name, str) for name in chosen):
            return None
        if names is not None and not set(chosen) <= set(names):
            return None
        return frozenset(chosen)

    def columns(self, answers: Sequence[Any], names: Sequence[str] | None) -> tuple[str, ...]:
        return tuple(sorted(set().union(*answers, names or ())))

    def fit(self, features: Any, answers: Sequence[Any], columns: Sequence[str]) -> _Linear:
        n = len(answers)
        rows, intercepts, learned = [], [], []
        for column in columns:
            present = np.array([column in answer for answer in answers])
            if 0 < present.sum() < n:
                weights, intercept = _logistic(features, present)
                rows.append(weights)
                intercepts.append(intercept)
                learned.append(True)
            else:
                rows.append(np.zeros(features.shape[1]))
                intercepts.append(_jeffreys_log_odds(int(present.sum()), n))
                learned.append(False)
        return _Linear(tuple(columns), np.vstack(rows), np.array(intercepts), np.array(learned))

    def calibrate(
        self, scores: np.ndarray, known: np.ndarray, answers: Sequence[Any], columns: Sequence[str]
    ) -> _Calibration | None:
        present = np.array([[column in answer for column in columns] for answer in answers], dtype=bool)
        return fit_sigmoid_calibration(scores, known, present, columns, CALIBRATION_PRIOR)

    def uncalibrated(self) -> _Calibration:
        return _SigmoidCalibration()

    def named(
        self, row: np.ndarray, linear: _Linear, labels: LabelSet, n_labels: int
    ) -> tuple[dict[str, float], list[str]] | None:
        """A label no trained-on answer gave has the probability of a label absent from all ``n_labels``."""
        absent = 1 / (1 + math.exp(-_jeffreys_log_odds(0, n_labels)))
        known = dict(zip(linear.columns, row, strict=True))
        return {name: float(known.get(name, absent)) for name in labels.names}, labels.names

    def decide(self, probabilities: Mapping[str, float], choosable: Sequence[str]) -> tuple[str, float]:
        chosen = [name for name in choosable if probabilities[name] >= 0.5]
        return encode_set(chosen), set_confidence(probabilities, chosen)

    def distribution(self, suggestion: Suggestion, labels: LabelSet, confidence: float | None) -> dict[str, float]:
        """Per label, the probability that it applies. One with only a set and a confidence (or the given
        ``confidence``) is taken as equally sure of each label: c ** (1 / labels) for each, so that the set's
        probability is c; an invalid one is one half for every label."""
        names = labels.names
        if not suggestion.valid:
            return {name: 0.5 for name in names}
        given = suggestion.probabilities or {}
        if all(isinstance(given.get(name), (int, float)) and 0 <= given[name] <= 1 for name in names):
            return {name: float(given[name]) for name in names}
        stored, _ = labels.kind.suggested(suggestion.label, labels)
        chosen = set(json.loads(stored)) if stored is not None else set()
        top = suggestion.confidence if suggestion.confidence is not None else confidence
        each = 1.0 if top is None or not math.isfinite(top) else max(0.5, min(1.0, top) ** (1 / len(names)))
        return {name: each if name in chosen else 1 - each for name in names}

    def probability_of(self, distribution: Mapping[str, float], stored: str) -> float:
        return set_confidence(distribution, json.loads(stored))


_TASKS: dict[str, _Task] = {SINGLE.name: _OneLabel(), MULTI.name: _SetOfLabels()}


def _task_of_answers(answers: Sequence[str]) -> _Task:
    """Before the learner has seen the label set, the answers say which kind they are: a set of labels is stored
    as a JSON list of names, which no single label is."""
    sets = _TASKS[MULTI.name]
    if answers and all(sets.answer(answer, None) is not None for answer in answers):
        return sets
    return _TASKS[SINGLE.name]


@dataclass(frozen=True)
class _Fit:
    """What one training pass produced: the model on every label, fold models each trained without one fold (with
    their own vocabulary), and the calibration fitted on the fold models' scores."""

    task: _Task
    model: _Model
    folds: tuple[_Model | None, ...]
    held_out: dict[str, int]  # key -> the fold model trained without it
    calibration: _Calibration
    n_labels: int
    calibrated: bool

    def probabilities(self, model: _Model, counts: tuple[Any, Any]) -> np.ndarray:
        return self.calibration.probabilities(model.linear, model.scores(counts))


def stratified_folds(keys: Sequence[str], strata: Sequence[str], n_folds: int, seed: int) -> np.ndarray:
    """A fold per item: each answer's items dealt round the folds in an order fixed by the key and the seed."""
    order = sorted(range(len(keys)), key=lambda i: (strata[i], zlib.crc32(f"{seed}:{keys[i]}".encode())))
    folds = np.empty(len(keys), dtype=np.int64)
    for position, i in enumerate(order):  # continuing across answers keeps the folds the same size
        folds[i] = position % n_folds
    return folds


def train(
    examples: Sequence[tuple[str, str, str]],
    *,
    task: _Task | None = None,
    names: Sequence[str] | None = None,
    seed: int = 0,
    calibrate: bool = True,
    counts: HashedCounts | None = None,
) -> _Fit:
    """Fit the model, the fold models and the calibration: (key, text, stored answer) in. ``task`` defaults to
    the kind the answers are; ``names`` (the label set's, when known) are the labels a set may hold."""
    stored = [answer for _, _, answer in examples]
    task = task if task is not None else _task_of_answers(stored)
    if len(set(stored)) < 2:
        raise InputError(f"the learner needs answers of at least two kinds to train, got only {sorted(set(stored))}.")
    answers: list[Any] = []
    for text in stored:
        answer = task.answer(text, names)
        if answer is None:
            raise InputError(f"{text!r} is not an answer over the labels {list(names or [])}.")
        answers.append(answer)
    keys = [key for key, _, _ in examples]
    texts = [text for _, text, _ in examples]
    columns = task.columns(answers, names)
    hashed = counts.matrices(texts) if counts is not None else _hash(texts)
    encoder = _Encoder.fit(hashed)
    with single_threaded_blas():
        features = encoder.encode(hashed)
        model = _Model(encoder, task.fit(features, answers, columns), frozenset(keys))
        assignment = stratified_folds(keys, stored, FOLDS, seed)
        out_of_fold = np.zeros((len(keys), len(columns)))
        known = np.zeros((len(keys), len(columns)), dtype=bool)
        index = {column: i for i, column in enumerate(columns)}
        folds: list[_Model | None] = []
        for fold in range(FOLDS):
            inside, outside = np.flatnonzero(assignment != fold), np.flatnonzero(assignment == fold)
            if len({stored[i] for i in inside}) < 2:
                folds.append(None)
                continue
            held_out = (hashed[0][outside], hashed[1][outside])
            linear = task.fit(features[inside], [answers[i] for i in inside], columns)
            fold_model = _Model(encoder.without(held_out), linear, frozenset(keys[i] for i in inside))
            folds.append(fold_model)
            where = np.array([index[column] for column in linear.columns], dtype=np.int64)
            out_of_fold[np.ix_(outside, where)] = fold_model.scores(held_out)
            known[np.ix_(outside, where)] = linear.learned
        # Inside too: L-BFGS-B's BLAS threads made a calibration 25 times slower on two busy cores (0.18 s, not 7 ms).
        calibration = task.calibrate(out_of_fold, known, answers, columns) if calibrate else None
    return _Fit(
        task=task,
        model=model,
        folds=tuple(folds),
        held_out={key: int(fold) for key, fold in zip(keys, assignment, strict=True)},
        calibration=calibration if calibration is not None else task.uncalibrated(),
        n_labels=len(examples),
        calibrated=calibration is not None,
    )


class _Signals:
    """What the learner and its training thread share: the lock, and whether a retrain is due. The thread holds
    this and a weak reference to the learner, so a learner nobody uses any more is collected and its thread ends."""

    def __init__(self, retrain_every: int):
        self.cond = threading.Condition()
        self.retrain_every = retrain_every
        self.changes = 0  # changes to the training data so far
        self.trained = 0  # of which the current model reflects this many
        self.settled = 0  # ... and the callbacks after its retrain have returned
        self.flush = False  # someone waits: train even before retrain_every changes
        self.run = 0  # the training thread that should be running; any other ends

    def due(self) -> bool:
        pending = self.changes - self.trained
        return pending >= self.retrain_every or (pending > 0 and self.flush)

    def stop(self) -> None:
        with self.cond:
            self.run += 1
            self.cond.notify_all()


def _train_forever(learner_ref: weakref.ref[Learner], signals: _Signals, run: int) -> None:
    try:
        warm_up()
    except Exception:  # the first retrain meets the same error and reports it
        log.debug("the learner's warm-up failed", exc_info=True)
    while True:
        with signals.cond:
            while signals.run == run and not signals.due():
                signals.cond.wait()
            if signals.run != run:
                return
        learner = learner_ref()
        if learner is None:
            return
        learner._train_once()
        del learner


@dataclass(frozen=True)
class _Outcome:
    """How the prior and the learner did on one labeled item, as they suggested before its label was known."""

    prior_right: bool
    learner_right: bool
    prior_loss: float  # -log of the probability each gave the answer the person chose
    learner_loss: float


@dataclass(frozen=True)
class Standing:
    """Every number the learner reports, read at one moment: `Learner.status` (the sentence) and
    `Learner.scores` (the numbers) are both made from one of these, so they cannot disagree.

    Over the last ``compared`` labeled items (at most ``window``) the prior and the learner were right
    ``prior_right`` and ``learner_right`` times, with summed log-losses ``prior_loss`` and ``learner_loss`` (of
    the probability each gave the person's answer). With ``combine=True`` the learner's weight follows from the
    log-losses alone: 1 / (1 + exp(learner_loss - prior_loss)); the accuracies are shown beside it, and a learner
    right more often can still weigh little when it was sure of its mistakes.
    """

    source: str  # what is shown: "learner", "prior" or "combined"
    has_prior: bool
    trained_on: int | None  # labels the current model learned from; None before the first model
    waiting: str  # why there is no model yet ("" once there is one)
    window: int
    compared: int
    prior_right: int
    learner_right: int
    prior_loss: float
    learner_loss: float
    learner_weight: float
    stopping: StoppingSignal | None = None  # the stabilizing-predictions signal, when the learner holds a stop set

    @property
    def own(self) -> str:
        """What the learner says of itself: "learned from 37 labels" (and whether its predictions have stopped
        changing), or why it has no model yet."""
        if self.trained_on is None:
            return self.waiting
        learned = f"learned from {self.trained_on} labels"
        if self.stopping is None or self.stopping.mean is None:  # said once it has a full window to say it of
            return learned
        return f"{learned}; {self.stopping.sentence}"

    @property
    def status(self) -> str:
        """One line for beside the suggestion, e.g. "learned from 37 labels"."""
        if not self.has_prior:
            return self.own
        if self.compared == 0:
            if self.source == "combined":
                return f"combining the prior and the learner ({self.own})"
            return f"showing the prior; {self.own}"
        n = self.compared
        right = f"learner {self.learner_right / n:.0%} vs prior {self.prior_right / n:.0%}"
        if self.source == "combined":
            return (
                f"combining: {right} right, log-loss {self.learner_loss / n:.2f} vs {self.prior_loss / n:.2f}, "
                f"on the last {n} labels: learner weight {self.learner_weight:.0%}; {self.own}"
            )
        if self.source == "learner":
            return f"learner ahead: {right} on the last {n} labels; {self.own}"
        return f"showing the prior: {right} on the last {n} labels; {self.own}"

    def scores(self) -> dict[str, Any]:
        """The numbers, as `Learner.scores` gives them."""
        n = self.compared
        return {
            "source": self.source,
            "window": self.window,
            "compared": n,
            "prior_right": self.prior_right,
            "learner_right": self.learner_right,
            "prior_accuracy": self.prior_right / n if n else None,
            "learner_accuracy": self.learner_right / n if n else None,
            "prior_log_loss": self.prior_loss / n if n else None,
            "learner_log_loss": self.learner_loss / n if n else None,
            "learner_weight": self.learner_weight if self.source == "combined" else None,
            "stopping": None if self.stopping is None else self.stopping.scores(),
        }


class Learner:
    """Suggest labels with a model that learns from the labels given in this session.

    >>> learner = lw.Learner()                              # learns after 10 labels of at least two kinds
    >>> learner = lw.Learner(lw.LocalLLM(), label_column="gold")   # a prior, mixed with what is learned

    TF-IDF (word 1-2 grams, character 2-5 grams) and logistic regression, retrained in the background after each
    label; the model trained last keeps suggesting while the next one trains, and training's imports start when
    the learner is made, so a fast labeler is not left without suggestions. One label per item: a softmax over
    one-vs-rest scores. A set of labels per item (``kind="multi"``): one model per label, present against absent,
    trained on every decided item; the suggestion is the set of labels with probability at least one half, with
    each label's probability, and as confidence the probability of exactly that set.

    Probabilities are calibrated from the first model on, by a scale and per-label biases fitted on cross-fitted
    scores (one label per item: also how often an item's label is one the model has not seen yet, which goes to the
    labels it has not seen). Expected calibration error at 100 labels, mean of 8 orders of each pool: SMS spam
    0.026, TweetEval emotion 0.031 and irony 0.061, Davidson 0.052, Banking77 0.061; per label on GoEmotions 0.015
    (benchmarks/results/learner_calibration.md). A retrain takes 0.04 CPU seconds at 100 labels, 0.24 at 1,000 and
    1.5 at 5,000.

    Labels never seen are never suggested. No item is suggested its own label: an item labeled after the learner
    suggested for it keeps that suggestion; others (the labels a session starts from) get one from a fold model
    trained without them.

    With a ``prior``, both are asked for every item, so both are measured on the same ones. ``combine=True`` (the
    default) shows a mixture of the two, each weighted by how well it predicted the last ``window`` labels (a
    Bayesian average over the window). Replaying 500 SMS messages against priors right 90%, 97% and 75% (this one
    overconfident) of the time, it was right 0.942 / 0.968 / 0.954 of the time, against 0.936 / 0.962 / 0.940 for
    ``combine=False``: show the prior until the learner was right more often than the prior on the last ``window``
    labels (at least 10), and go back only when the prior is right more often again. The status line and `scores`
    are made from one `Standing`, read at once.

    When to stop: with a stop set held aside (the Labeler's feed holds up to 1,000 unlabeled items when the session
    opens), every ``stopping.every`` new labels the retrain also predicts the stop set, and the stabilizing-predictions
    signal (Bloodgood & Vijay-Shanker 2009; `labelwidgets.metrics.stopping`) compares those predictions with the
    previous ones: the status says "you could stop here" once Cohen's kappa has averaged at least the threshold (0.99)
    over the window (3). It is computed in the training thread, after the model is in use, so nobody waits for it.
    ``stopping=False`` turns it off; ``stopping=StabilizingPredictions(threshold=..., window=..., every=...)`` sets it.
    """

    def __init__(
        self,
        prior: Suggester | None = None,
        *,
        label_column: str | None = None,
        min_labels: int = 10,
        retrain_every: int = 1,
        window: int = 30,
        combine: bool = True,
        name: str = "learner",
        seed: int = 0,
        stopping: StabilizingPredictions | bool = True,
    ):
        if prior is not None and not (callable(getattr(prior, "suggest", None)) and hasattr(prior, "name")):
            raise InputError(f"prior must be a suggester (with a name and a suggest method), got {prior!r}.")
        for argument, value, least in (("min_labels", min_labels, 2), ("retrain_every", retrain_every, 1)):
            if not isinstance(value, int) or value < least:
                raise InputError(f"{argument} must be a whole number of at least {least}, got {value!r}.")
        if not isinstance(window, int) or window < 1:
            raise InputError(f"window must be a whole number of at least 1, got {window!r}.")
        if not isinstance(stopping, (bool, StabilizingPredictions)):
            raise InputError(
                f"stopping must be True, False or a StabilizingPredictions (labelwidgets.metrics.stopping), got "
                f"{stopping!r}."
            )
        require_sklearn()
        self.prior = prior
        #: The stabilizing-predictions rule, fed by the retrains once a stop set is held aside; None: off.
        self.stopping: StabilizingPredictions | None = (
            StabilizingPredictions() if stopping is True else stopping if stopping is not False else None
        )
        self._stop_set: list[str] = []  # the texts held aside (`hold_aside`), predicted after every `every` labels
        self._stop_counts: tuple[Any, Any] | None = None  # their hashed counts, made once in the training thread
        self._stop_signal: StoppingSignal | None = None
        self.label_column = label_column
        self.min_labels = min_labels
        self.retrain_every = retrain_every
        self.window = window
        self.combine = combine
        self.name = name
        self.seed = seed
        self.version = 0  # finished retrains
        self.last_train_seconds: float | None = None  # wall clock
        self.last_train_cpu_seconds: float | None = None  # the training thread's own, without a busy machine's waits
        self._signals = _Signals(retrain_every)
        self._lock = self._signals.cond  # guards everything below; never held while training or asking the prior
        self._examples: dict[str, tuple[str, str]] = {}  # key -> (text, stored answer)
        self._labels: LabelSet | None = None  # the session's labels, once suggest has seen them
        self._task: _Task | None = None  # chosen by the labels' kind, once seen
        self._fit: _Fit | None = None
        self._counts = HashedCounts()  # the training thread's
        self._train_error: str | None = None
        self._callbacks: list[Callable[[], None]] = []
        # The latest suggestion for each key while it had no label: what each is scored on when the label comes.
        self._learner_memo: dict[str, Suggestion] = {}
        self._prior_memo: dict[str, tuple[str, Suggestion]] = {}  # key -> (text, suggestion)
        self._outcomes: OrderedDict[str, _Outcome] = OrderedDict()  # the last `window` labeled items
        self._switched = False  # combine=False: the learner is shown
        self._thread: threading.Thread | None = None
        self._finalizer = weakref.finalize(self, self._signals.stop)
        self._prior_learns = isinstance(prior, LearnsFromLabels)
        if isinstance(prior, Updates):
            prior.on_update(self._prior_updated)
        with self._lock:
            self._start_thread()  # it imports what training needs now, not when the tenth label arrives

    # -- learning --

    def learn(self, examples: Sequence[Example]) -> None:
        """Take labels (``label=None`` withdraws one); returns at once, training follows in the background."""
        if isinstance(examples, Example):
            examples = [examples]
        for example in examples:
            if not isinstance(example, Example):
                raise InputError(f"learn takes a list of lw Example objects, got {type(example).__name__}.")
        with self._lock:
            changes = 0
            for example in examples:
                current = self._examples.get(example.key)
                if example.label is None:
                    if current is not None:
                        del self._examples[example.key]
                        self._outcomes.pop(example.key, None)
                        changes += 1
                    continue
                text = example.text if isinstance(example.text, str) else ""
                if current != (text, example.label):
                    self._examples[example.key] = (text, example.label)
                    self._score(example.key, example.label)
                    changes += 1
            if changes:
                self._signals.changes += changes
                self._update_switch()
                self._start_thread()
                self._lock.notify_all()
        if self._prior_learns and self.prior is not None:
            try:
                self.prior.learn(examples)  # type: ignore[attr-defined]
            except Exception:
                log.exception("the prior %s failed to learn from %d labels", self.prior.name, len(examples))

    def on_update(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after each retrain, from the training thread."""
        with self._lock:
            self._callbacks.append(callback)

    def hold_aside(self, items: Sequence[Item]) -> None:
        """Hold ``items`` aside as the stop set of the stopping signal: unlabeled items whose predictions are compared
        from one batch of labels to the next (the same items every time; the first call wins). A Labeler's feed holds
        a random sample of the unlabeled items when the session opens."""
        if self.stopping is None:
            return
        texts = [item.text if isinstance(item.text, str) else "" for item in items][: self.stopping.stop_set]
        with self._lock:
            if self._stop_set or not texts:
                return
            self._stop_set = texts
            self._stop_signal = dataclasses.replace(self.stopping.signal, stop_set=len(texts))

    @property
    def stopping_signal(self) -> StoppingSignal | None:
        """Where the stopping signal stands (None without a stop set): its kappas, the rule, and ``stop``."""
        with self._lock:
            return self._stop_signal

    def wait_until_trained(self, timeout: float | None = None) -> bool:
        """Block until the model reflects every label learned so far, and the callbacks after its retrain have
        returned; False if ``timeout`` seconds pass first."""
        with self._lock:
            target = self._signals.changes
            if self._signals.settled >= target:
                return True
            if threading.current_thread() is self._thread:  # a callback waiting for its own thread would wait forever
                return False
            self._signals.flush = True
            self._start_thread()
            self._lock.notify_all()
            return self._lock.wait_for(lambda: self._signals.settled >= target, timeout)

    def close(self) -> None:
        """Stop the training thread (a later ``learn`` starts it again) and close the prior."""
        with self._lock:
            thread, self._thread = self._thread, None
        self._signals.stop()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        close = getattr(self.prior, "close", None)
        if callable(close):
            close()

    def _start_thread(self) -> None:  # with the lock held
        if self._thread is not None and self._thread.is_alive():
            return
        self._signals.run += 1
        self._thread = threading.Thread(
            target=_train_forever,
            args=(weakref.ref(self), self._signals, self._signals.run),
            name=f"labelwidgets-learner-{self.name}",
            daemon=True,
        )
        self._thread.start()

    def _current_task(self) -> _Task:  # with the lock held
        if self._task is not None:
            return self._task
        return _task_of_answers([answer for _, answer in self._examples.values()])

    def _training_examples(self) -> list[tuple[str, str, str]]:  # with the lock held
        task = self._current_task()
        names = None if self._labels is None else self._labels.names
        return [
            (key, text, answer)
            for key, (text, answer) in self._examples.items()
            if text.strip() and task.answer(answer, names) is not None
        ]

    def _train_once(self) -> None:
        with self._lock:
            target = self._signals.changes
            examples = self._training_examples()
            task = self._current_task()
            names = None if self._labels is None else self._labels.names
        started, started_cpu = time.perf_counter(), time.thread_time()
        fit: _Fit | None = None
        error: str | None = None
        if len(examples) >= self.min_labels and len({answer for _, _, answer in examples}) >= 2:
            try:
                fit = train(examples, task=task, names=names, seed=self.seed, counts=self._counts)
                self._counts.keep_only([text for _, text, _ in examples])
            except Exception as failure:
                log.exception("the learner %s could not train on %d labels", self.name, len(examples))
                error = f"{type(failure).__name__}: {failure}"
        with self._lock:
            if error is None:
                self._fit = fit  # in use at once: the stop set is predicted after, while the new model suggests
        stop_predictions = self._predict_stop_set(fit) if fit is not None else None
        with self._lock:
            if stop_predictions is not None and self.stopping is not None and fit is not None:
                self._stop_signal = self.stopping.update(stop_predictions, labels=fit.n_labels)
            self._train_error = error
            self._signals.trained = max(self._signals.trained, target)
            if self._signals.trained >= self._signals.changes:
                self._signals.flush = False
            self.version += 1
            self.last_train_seconds = time.perf_counter() - started
            self.last_train_cpu_seconds = time.thread_time() - started_cpu
            callbacks = list(self._callbacks)
            self._lock.notify_all()
        self._call(callbacks, f"retrain {self.version}")
        with self._lock:
            self._signals.settled = max(self._signals.settled, target)
            self._lock.notify_all()

    def _predict_stop_set(self, fit: _Fit) -> list[str] | None:
        """The new model's answer for each stop-set item (training thread), when this retrain is the next the
        stopping signal compares; None otherwise."""
        with self._lock:
            labels, texts, counts = self._labels, self._stop_set, self._stop_counts
            due = self.stopping is not None and self.stopping.due(fit.n_labels)
        if not texts or labels is None or not due:
            return None
        if counts is None:
            counts = self._stop_counts = _hash(texts)
        predictions = []
        for row in fit.probabilities(fit.model, counts):
            named = fit.task.named(row, fit.model.linear, labels, fit.n_labels)
            predictions.append("" if named is None else fit.task.decide(*named)[0])
        return predictions

    def _prior_updated(self) -> None:
        with self._lock:
            self._prior_memo.clear()  # what the prior said before it changed is not what it says now
            callbacks = list(self._callbacks)
        self._call(callbacks, "its prior updated")

    def _call(self, callbacks: list[Callable[[], None]], after: str) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("a callback of the learner %s failed after %s", self.name, after)

    # -- the prior against the learner --

    def _score(self, key: str, answer: str) -> None:  # with the lock held
        """Record how the prior and the learner did on ``key``, as they suggested before its label was known."""
        labels = self._labels
        if self.prior is None or labels is None or key not in self._prior_memo or key not in self._learner_memo:
            return
        task = self._current_task()
        prior = self._prior_memo[key][1]
        learner = self._learner_memo[key]
        self._outcomes[key] = _Outcome(
            prior_right=_stored(prior, labels) == answer,
            learner_right=_stored(learner, labels) == answer,
            prior_loss=_loss(task.probability_of(task.distribution(prior, labels, self._prior_accuracy()), answer)),
            learner_loss=_loss(task.probability_of(task.distribution(learner, labels, None), answer)),
        )
        self._outcomes.move_to_end(key)
        while len(self._outcomes) > self.window:
            self._outcomes.popitem(last=False)

    def _update_switch(self) -> None:  # with the lock held
        if self.prior is None or self.combine:
            return
        prior_right, learner_right, compared = self._tally()
        if compared < min(MIN_COMPARED, self.window):
            return
        # Strictly more right, either way: a tie keeps what is shown, so it does not flap.
        if not self._switched and learner_right > prior_right:
            self._switched = True
        elif self._switched and prior_right > learner_right:
            self._switched = False

    def _tally(self) -> tuple[int, int, int]:  # with the lock held
        prior_right = sum(o.prior_right for o in self._outcomes.values())
        learner_right = sum(o.learner_right for o in self._outcomes.values())
        return prior_right, learner_right, len(self._outcomes)

    def _learner_weight(self) -> float:  # with the lock held
        """The learner's share of the mixture: its posterior weight, given how well each predicted the window."""
        advantage = sum(o.prior_loss - o.learner_loss for o in self._outcomes.values())
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, advantage))))

    def _prior_accuracy(self) -> float:  # with the lock held
        """What a prior that gives no confidence is taken to have: its recent accuracy, with one right and one wrong
        added so that it is never 0 or 1."""
        prior_right, _, compared = self._tally()
        return (prior_right + 1) / (compared + 2)

    def _usable_fit(self) -> _Fit | None:  # with the lock held
        """The model trained last, while it answers the kind the labels are now."""
        fit = self._fit
        return fit if fit is not None and fit.task is self._current_task() else None

    def _source(self) -> str:  # with the lock held
        if self.prior is None:
            return "learner"
        if self.combine:
            return "combined" if self._usable_fit() is not None else "prior"
        return "learner" if self._switched else "prior"

    def standing(self) -> Standing:
        """Every number the status line and `scores` say, read at once."""
        with self._lock:
            fit = self._usable_fit()
            prior_right, learner_right, compared = self._tally()
            return Standing(
                source=self._source(),
                has_prior=self.prior is not None,
                trained_on=fit.n_labels if fit is not None else None,
                waiting="" if fit is not None else self._waiting_message(),
                window=self.window,
                compared=compared,
                prior_right=prior_right,
                learner_right=learner_right,
                prior_loss=sum(o.prior_loss for o in self._outcomes.values()),
                learner_loss=sum(o.learner_loss for o in self._outcomes.values()),
                learner_weight=self._learner_weight(),
                stopping=self._stop_signal if fit is not None else None,
            )

    # -- suggesting --

    def suggest(self, items: Sequence[Item], labels: LabelSet | Any) -> list[Suggestion]:
        labels = LabelSet.parse(labels)
        self._see_labels(labels)
        prior = self._ask_prior(items, labels) if self.prior is not None else None
        learned = self._suggest_learned(items, labels)
        with self._lock:
            for i, (item, suggestion) in enumerate(zip(items, learned, strict=True)):
                if item.key in self._examples:
                    continue  # a suggestion after the label is not what either would have said without it
                self._learner_memo[item.key] = suggestion
                if prior is not None:
                    self._prior_memo[item.key] = (item.text, prior[i])
            source = self._source()
            weight = self._learner_weight()
            prior_accuracy = self._prior_accuracy()
            task = self._current_task()
        if prior is None:
            return learned
        shown = []
        for theirs, mine in zip(prior, learned, strict=True):
            if source == "prior" or not mine.valid:
                shown.append(theirs)  # as the prior said it, errors included
            elif source == "learner" or not theirs.valid:
                shown.append(mine)
            else:
                shown.append(self._mix(theirs, mine, labels, task, weight, prior_accuracy))
        return shown

    def _mix(
        self, theirs: Suggestion, mine: Suggestion, labels: LabelSet, task: _Task, weight: float, prior_accuracy: float
    ) -> Suggestion:
        prior = task.distribution(theirs, labels, prior_accuracy)
        learned = task.distribution(mine, labels, None)
        mixed = {name: (1 - weight) * prior[name] + weight * learned[name] for name in labels.names}
        label, confidence = task.decide(mixed, labels.names)
        prior_name = theirs.model or getattr(self.prior, "name", "prior")
        mine_said, theirs_said = _stored(mine, labels), _stored(theirs, labels)
        assert mine_said is not None and theirs_said is not None  # both valid
        return dataclasses.replace(
            theirs,
            label=label,
            confidence=confidence,
            probabilities=mixed,
            confidence_source="combined",
            model=f"{self.name}+{prior_name}",
            rationale=(
                f"{weight:.0%} {self.name} ({labels.describe(mine_said)} "
                f"{task.probability_of(learned, mine_said):.0%}, {mine.rationale}), "
                f"{1 - weight:.0%} {prior_name} ({labels.describe(theirs_said)} "
                f"{task.probability_of(prior, theirs_said):.0%})"
            ),
        )

    def check_images(self) -> None:
        """Raise `InputError`: a Learner learns from the words of a text column, and cannot use images (image=)."""
        raise InputError(
            "lw.Learner cannot use images: it learns from the words of the text column. Label the images without a "
            "suggester, or use lw.LLM with a vision model (for example lw.LLM('gpt-4o-mini'))."
        )

    def check_kind(self, labels: LabelSet) -> None:
        """Raise `InputError` for answers a Learner cannot give: spans of the text (it classifies whole texts). The
        Labeler, ``lw.suggest`` and ``lw.compare`` ask this before they start."""
        if labels.kind.item_columns:
            raise InputError(
                f"lw.Learner cannot judge {labels.kind.name}s of outputs: it learns labels of one text. Use lw.Judge "
                f"with a chat model (a local server works too): lw.Judge('openai/<model>', "
                f"api_base='http://127.0.0.1:8080/v1', api_key='sk-local')."
            )
        if labels.kind.name not in _TASKS:
            raise InputError(
                f"lw.Learner cannot suggest {labels.kind.name}: it is a classifier that learns labels of whole texts, "
                f"it does not find words in them. Use lw.LLM with a chat model, for example a local server: "
                f"lw.LLM('openai/<model>', api_base='http://127.0.0.1:8080/v1', api_key='sk-local'), with "
                f"few_shot='session' to learn from the spans you give."
            )
        prior_check = getattr(self.prior, "check_kind", None)
        if callable(prior_check):
            prior_check(labels)

    def _see_labels(self, labels: LabelSet) -> None:
        self.check_kind(labels)
        with self._lock:
            if labels == self._labels:
                return
            before = (self._training_examples(), self._current_task())
            self._labels = labels
            self._task = _TASKS[labels.kind.name]
            if (self._training_examples(), self._task) != before:  # other labels count now, or another kind
                self._signals.changes += 1
                self._start_thread()
                self._lock.notify_all()
            self._learner_memo.clear()
            self._prior_memo.clear()

    def _ask_prior(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        prior = self.prior
        assert prior is not None
        answers: list[Suggestion | None] = [None] * len(items)
        if not self._prior_learns:  # the same prior says the same again: ask it once per item
            with self._lock:
                for i, item in enumerate(items):
                    memo = self._prior_memo.get(item.key)
                    if memo is not None and memo[0] == item.text and memo[1].valid:
                        answers[i] = memo[1]
        missing = [i for i, answer in enumerate(answers) if answer is None]
        if missing:
            asked = [items[i] for i in missing]
            try:
                fresh = list(prior.suggest(asked, labels))
                if len(fresh) != len(asked):
                    raise RuntimeError(f"returned {len(fresh)} suggestions for {len(asked)} items")
                fresh = [validate(answer, labels, name=prior.name) for answer in fresh]
            except Exception as error:  # one failing prior must not take the learner's suggestions with it
                fresh = [Suggestion.invalid(f"{type(error).__name__}: {error}", model=prior.name) for _ in asked]
            for i, answer in zip(missing, fresh, strict=True):
                answers[i] = answer
        return [answer for answer in answers if answer is not None]

    def _suggest_learned(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        with self._lock:
            fit = self._usable_fit()
            memos = {item.key: self._learner_memo.get(item.key) for item in items}
            waiting = self._waiting_message() if fit is None else ""  # it goes through every label
        results: list[Suggestion | None] = [None] * len(items)
        chosen: dict[int, _Model] = {}  # item index -> a model that never saw its label
        for i, item in enumerate(items):
            memo = memos[item.key]
            if not isinstance(item.text, str) or not item.text.strip():
                results[i] = Suggestion.invalid("no text: the learner suggests from the text only", model=self.name)
            elif fit is None:
                results[i] = Suggestion.invalid(waiting, model=self.name)
            elif item.key not in fit.model.keys:
                chosen[i] = fit.model
            elif memo is not None:
                results[i] = memo
            else:
                fold = fit.held_out.get(item.key)
                fold_model = fit.folds[fold] if fold is not None else None
                if fold_model is None or item.key in fold_model.keys:
                    results[i] = Suggestion.invalid(
                        "the learner has no model trained without this item's own label", model=self.name
                    )
                else:
                    chosen[i] = fold_model
        if chosen and fit is not None:
            for model in {id(m): m for m in chosen.values()}.values():
                rows = [i for i, m in chosen.items() if m is model]
                probabilities = fit.probabilities(model, _hash([items[i].text for i in rows]))
                for row, i in zip(probabilities, rows, strict=True):
                    results[i] = self._suggestion(row, model, labels, fit, held_out=model is not fit.model)
        return [r if r is not None else Suggestion.invalid("no suggestion", model=self.name) for r in results]

    def _suggestion(self, row: np.ndarray, model: _Model, labels: LabelSet, fit: _Fit, held_out: bool) -> Suggestion:
        named = fit.task.named(row, model.linear, labels, fit.n_labels)
        if named is None:
            return Suggestion.invalid("the learner has seen none of these labels", model=self.name)
        probabilities, choosable = named
        label, confidence = fit.task.decide(probabilities, choosable)
        rationale = f"learned from {fit.n_labels} labels"
        if held_out:
            rationale += ", by a model trained without this item's own label"
        return Suggestion(
            label=label,
            confidence=confidence,
            probabilities=probabilities,
            confidence_source="learned",
            rationale=rationale,
            model=self.name,
            prompt_id=None,
            cost=0.0,
        )

    def _waiting_message(self) -> str:  # with the lock held
        examples = self._training_examples()
        kinds = len({answer for _, _, answer in examples})
        if len(examples) >= self.min_labels and kinds >= 2:
            if self._train_error is not None:
                return f"the learner could not train: {self._train_error}"
            return f"learning from {len(examples)} labels: suggestions follow when training finishes"
        one_kind = ", all of one kind" if examples and kinds < 2 else ""
        return (
            f"needs labels: learns after {self.min_labels} labels of at least two kinds (has {len(examples)}{one_kind})"
        )

    # -- what runs over many items ask: the prior's limits and costs --

    @property
    def max_concurrency(self) -> int | None:
        """The prior's limit on calls at once (a local model takes turns); the learner itself needs none."""
        return getattr(self.prior, "max_concurrency", None)

    @property
    def batch_size(self) -> int | None:
        return getattr(self.prior, "batch_size", None)

    @property
    def costs_money(self) -> bool:
        return bool(getattr(self.prior, "costs_money", False))

    def estimate_cost(self, items: Sequence[Item], labels: LabelSet | Any) -> float | None:
        """What asking the prior about ``items`` would cost (at most: items it was asked about before are free)."""
        estimate = getattr(self.prior, "estimate_cost", None)
        if callable(estimate):
            return estimate(items, labels)
        return None if self.costs_money else 0.0

    # -- what the session shows --

    @property
    def n_labels(self) -> int:
        """Labels the learner holds now (with text, and in the session's labels once it has seen them)."""
        with self._lock:
            return len(self._training_examples())

    @property
    def source(self) -> str:
        """What is shown: "learner", "prior", or "combined" (a mixture of the two)."""
        with self._lock:
            return self._source()

    @property
    def scores(self) -> dict[str, Any]:
        """How the prior and the learner did on the last ``window`` labeled items, and the learner's weight."""
        return self.standing().scores()

    @property
    def status(self) -> str:
        """One line for beside the suggestion, e.g. "learned from 37 labels"."""
        return self.standing().status

    def __repr__(self) -> str:
        parts = [] if self.prior is None else [repr(self.prior)]
        for argument, value, default in (
            ("label_column", self.label_column, None),
            ("min_labels", self.min_labels, 10),
            ("retrain_every", self.retrain_every, 1),
            ("window", self.window, 30),
            ("combine", self.combine, True),
            ("name", self.name, "learner"),
            ("seed", self.seed, 0),
            ("stopping", self.stopping, _DEFAULT_STOPPING),
        ):
            if (repr(value) if argument == "stopping" else value) != default:
                parts.append(f"{argument}={'False' if value is None else repr(value)}")
        return f"Learner({', '.join(parts)})"

    def config(self) -> dict[str, Any]:
        """A JSON-safe description of this suggester, for stores and widget state."""
        prior: dict[str, Any] | None = None
        if self.prior is not None:
            describe = getattr(self.prior, "config", None)
            prior = describe() if callable(describe) else {"type": type(self.prior).__name__, "name": self.prior.name}
        return {
            "type": "Learner",
            "name": self.name,
            "prior": prior,
            "label_column": self.label_column,
            "min_labels": self.min_labels,
            "retrain_every": self.retrain_every,
            "window": self.window,
            "combine": self.combine,
            "seed": self.seed,
            "stopping": None if self.stopping is None else repr(self.stopping),
        }


def _stored(suggestion: Suggestion, labels: LabelSet) -> str | None:
    """A suggestion's answer as stored text, the form the person's answers are compared in; None when invalid."""
    if not suggestion.valid:
        return None
    stored, _ = labels.kind.suggested(suggestion.label, labels)
    return stored


def _loss(probability: float) -> float:
    return -math.log(max(probability, 1e-4))
