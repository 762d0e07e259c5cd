"""`Learner`: a suggester that learns from the person's labels while they label.

The model is TF-IDF over hashed word 1-2 grams and character 2-5 grams with a one-vs-rest logistic regression
(liblinear), retrained in one background thread. Its probabilities are calibrated by a softmax with one scale and
a bias per label, fitted on out-of-fold scores from five fold models; the same fold models give cross-fitted
suggestions for items whose own label the main model has seen, so no item is ever suggested its own label.
Measurements: benchmarks/results/learner_calibration.md. scikit-learn and scipy are imported on first training.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import threading
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from labelwidgets.errors import InputError, LabelwidgetsError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example, Item, LearnsFromLabels, Suggester, Suggestion, Updates
from labelwidgets.suggesters.check import install_hint, require_modules
from labelwidgets.suggesters.validate import validate

__all__ = ["INSTALL_HINT", "Learner"]

log = logging.getLogger("labelwidgets")

INSTALL_HINT = install_hint("metrics")
FOLDS = 5
REGULARIZATION = 10.0  # liblinear's C: of 1, 10 and 100 the best on SMS spam, close on tweets (benchmarks/)
CALIBRATION_PRIOR = 1.0  # pulls the fitted scale towards 1 and the biases towards 0, as about one labeled item would
MIN_PER_LABEL_TO_CALIBRATE = 3
HASH_FEATURES = 2**20
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


_hashers_lock = threading.Lock()
_hashers: tuple[Any, Any] | None = None


def _hash(texts: Sequence[str]) -> tuple[Any, Any]:
    """Raw counts of word 1-2 grams and of character 2-5 grams (within word boundaries), hashed: no vocabulary to
    fit, so a text's features never depend on the other texts."""
    global _hashers
    with _hashers_lock:
        if _hashers is None:
            hashing_vectorizer, _ = _sklearn_parts()
            common: dict[str, Any] = {"alternate_sign": False, "norm": None, "n_features": HASH_FEATURES}
            _hashers = (
                hashing_vectorizer(ngram_range=(1, 2), **common),
                hashing_vectorizer(analyzer="char_wb", ngram_range=(2, 5), **common),
            )
        words, chars = _hashers
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
    idf: tuple[np.ndarray, np.ndarray]

    @classmethod
    def fit(cls, counts: tuple[Any, Any]) -> _Encoder:
        columns, idf = [], []
        for block in counts:
            used, document_frequency = np.unique(block.indices, return_counts=True)
            n = block.shape[0]
            columns.append(used)
            idf.append(np.log((1 + n) / (1 + document_frequency)) + 1)
        return cls((columns[0], columns[1]), (idf[0], idf[1]))

    def encode(self, counts: tuple[Any, Any]) -> Any:
        import scipy.sparse as sparse

        blocks = []
        for block, used, idf in zip(counts, self.columns, self.idf, strict=True):
            kept = block[:, used]
            kept.data = (1 + np.log(kept.data)) * idf[kept.indices]
            norms = np.sqrt(np.asarray(kept.multiply(kept).sum(axis=1)).ravel())
            norms[norms == 0] = 1
            blocks.append(sparse.csr_matrix(sparse.diags(1 / norms) @ kept))
        return sparse.hstack(blocks, format="csr")


@dataclass(frozen=True)
class _Model:
    """A fitted linear model: one score per class (binary: the score of the second class, the first at 0)."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (len(classes), features); binary: a row of zeros, then the weights
    intercept: np.ndarray
    keys: frozenset[str]  # the items whose labels it was trained on: it never suggests for them

    def scores(self, features: Any) -> np.ndarray:
        return np.asarray(features @ self.coef.T) + self.intercept


@dataclass(frozen=True)
class _Fit:
    """What one training pass produced: the model on every label, and fold models each trained without one fold."""

    encoder: _Encoder
    model: _Model
    folds: tuple[_Model | None, ...]
    held_out: dict[str, int]  # key -> the fold model trained without it
    scale: float  # calibration: probabilities = softmax(scale * scores + bias[class])
    bias: dict[str, float]
    n_labels: int
    calibrated: bool

    def probabilities(self, model: _Model, features: Any) -> np.ndarray:
        from scipy.special import softmax

        logits = self.scale * model.scores(features) + np.array([self.bias[c] for c in model.classes])
        return np.asarray(softmax(logits, axis=1))


def _fit_linear(features: Any, y: np.ndarray, classes: tuple[str, ...], keys: frozenset[str]) -> _Model:
    """One-vs-rest logistic regression on the classes present in ``y`` (indices into ``classes``)."""
    _, logistic_regression = _sklearn_parts()
    present = np.unique(y)
    width = features.shape[1]
    rows: list[np.ndarray] = []
    intercepts: list[float] = []
    targets = present[1:] if len(present) == 2 else present
    if len(present) == 2:
        rows.append(np.zeros(width))
        intercepts.append(0.0)
    for target in targets:
        classifier = logistic_regression(C=REGULARIZATION, solver="liblinear").fit(features, y == target)
        rows.append(classifier.coef_[0])
        intercepts.append(float(classifier.intercept_[0]))
    return _Model(tuple(classes[i] for i in present), np.vstack(rows), np.array(intercepts), keys)


def stratified_folds(keys: Sequence[str], y: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """A fold per item: each label's items dealt round the folds in an order fixed by the key and the seed."""
    order = sorted(range(len(keys)), key=lambda i: (int(y[i]), zlib.crc32(f"{seed}:{keys[i]}".encode())))
    folds = np.empty(len(keys), dtype=np.int64)
    for position, i in enumerate(order):  # continuing across labels keeps the folds the same size
        folds[i] = position % n_folds
    return folds


def fit_calibration(scores: np.ndarray, y: np.ndarray, prior: float) -> tuple[float, np.ndarray] | None:
    """Scale and per-class bias minimising the log-loss of softmax(scale * scores + bias) on out-of-fold scores.

    Binary, this is Platt scaling. Rows whose fold model never saw their label (``-inf`` there) are left out.
    None when too few rows remain.
    """
    from scipy.optimize import minimize
    from scipy.special import logsumexp, softmax

    rows = np.isfinite(scores[np.arange(len(y)), y])
    scores, y = scores[rows], y[rows]
    if len(y) < 4:
        return None
    n_classes = scores.shape[1]
    missing = ~np.isfinite(scores)
    finite = np.where(missing, 0.0, scores)
    onehot = np.eye(n_classes)[y]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        log_scale, bias = params[0], params[1:]
        scale = math.exp(log_scale)
        logits = np.where(missing, -np.inf, scale * finite + bias)
        log_norm = logsumexp(logits, axis=1)
        nll = float((log_norm - (scale * finite + bias)[np.arange(len(y)), y]).sum())
        residual = softmax(logits, axis=1) - onehot
        gradient = np.concatenate([[scale * float((residual * finite).sum())], residual.sum(axis=0)])
        nll += prior / 2 * (log_scale**2 + float(bias @ bias))
        gradient += prior * params
        return nll, gradient

    result = minimize(loss, np.zeros(n_classes + 1), jac=True, method="L-BFGS-B")
    return math.exp(float(result.x[0])), np.asarray(result.x[1:])


def train(
    examples: Sequence[tuple[str, str, str]],
    *,
    seed: int = 0,
    calibrate: bool = True,
    counts: HashedCounts | None = None,
) -> _Fit:
    """Fit the encoder, the model on every example, the fold models and the calibration: (key, text, label) in."""
    keys = [key for key, _, _ in examples]
    texts = [text for _, text, _ in examples]
    classes = tuple(sorted({label for _, _, label in examples}))
    if len(classes) < 2:
        raise InputError(f"the learner needs labels of at least two kinds to train, got only {list(classes)}.")
    index = {label: i for i, label in enumerate(classes)}
    y = np.array([index[label] for _, _, label in examples], dtype=np.int64)
    hashed = counts.matrices(texts) if counts is not None else _hash(texts)
    encoder = _Encoder.fit(hashed)
    with single_threaded_blas():
        features = encoder.encode(hashed)
        model = _fit_linear(features, y, classes, frozenset(keys))
        assignment = stratified_folds(keys, y, FOLDS, seed)
        out_of_fold = np.full((len(y), len(classes)), -np.inf)
        folds: list[_Model | None] = []
        for fold in range(FOLDS):
            inside = assignment != fold
            if len(np.unique(y[inside])) < 2:
                folds.append(None)
                continue
            fold_model = _fit_linear(
                features[inside], y[inside], classes, frozenset(k for k, kept in zip(keys, inside, strict=True) if kept)
            )
            folds.append(fold_model)
            columns = [index[c] for c in fold_model.classes]
            out_of_fold[np.ix_(~inside, columns)] = fold_model.scores(features[~inside])
    # With fewer examples of a label, its fold models are too unlike the model on all labels to calibrate it
    # (log-loss on SMS spam at 20 labels: 0.39 without, 0.54 with; benchmarks/learner_calibration.py).
    calibrate = calibrate and int(np.bincount(y).min()) >= MIN_PER_LABEL_TO_CALIBRATE
    fitted = fit_calibration(out_of_fold, y, CALIBRATION_PRIOR) if calibrate else None
    scale, bias = fitted if fitted is not None else (1.0, np.zeros(len(classes)))
    return _Fit(
        encoder=encoder,
        model=model,
        folds=tuple(folds),
        held_out={key: int(fold) for key, fold in zip(keys, assignment, strict=True)},
        scale=scale,
        bias={label: float(b) for label, b in zip(classes, bias, strict=True)},
        n_labels=len(examples),
        calibrated=fitted is not None,
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
    prior_loss: float  # -log of the probability each gave the label the person chose
    learner_loss: float


class Learner:
    """Suggest labels with a model that learns from the labels given in this session.

    >>> learner = lw.Learner()                              # learns after 10 labels of at least two kinds
    >>> learner = lw.Learner(lw.LocalLLM(), label_column="gold")   # a prior, mixed with what is learned

    TF-IDF (word 1-2 grams, character 2-5 grams) and logistic regression, retrained in the background after each
    label. Probabilities are calibrated once every label has 3 examples, by a scale and per-label biases fitted on
    cross-fitted scores (Platt scaling, for two labels). SMS spam, 200 labels: accuracy 0.977 and log-loss 0.077,
    against 0.931 / 0.160 uncalibrated and 0.974 / 0.090 with scikit-learn's sigmoid calibration; 1,000 labels: ECE
    0.003. A retrain takes 0.03 CPU seconds at 100 labels, 0.3 at 1,000 and 1.1 at 5,000
    (benchmarks/results/learner_calibration.md).

    Labels never seen get probability 0: the learner cannot suggest what it was never shown. No item is suggested
    its own label: an item labeled after the learner suggested for it keeps that suggestion; others (the labels a
    session starts from) get one from a fold model trained without them.

    With a ``prior``, both are asked for every item, so both are measured on the same ones. ``combine=True`` (the
    default) shows a mixture of the two, each weighted by how well it predicted the last ``window`` labels (a
    Bayesian average over the window). Replaying 500 SMS messages against priors right 90%, 97% and 75% (this one
    overconfident) of the time, it was right 0.946 / 0.966 / 0.956 of the time, against 0.936 / 0.964 / 0.942 for
    ``combine=False``: show the prior until the learner was right more often than the prior on the last ``window``
    labels (at least 10), and go back only when the prior is right more often again.
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
    ):
        if prior is not None and not (callable(getattr(prior, "suggest", None)) and hasattr(prior, "name")):
            raise InputError(f"prior must be a suggester (with a name and a suggest method), got {prior!r}.")
        for argument, value, least in (("min_labels", min_labels, 2), ("retrain_every", retrain_every, 1)):
            if not isinstance(value, int) or value < least:
                raise InputError(f"{argument} must be a whole number of at least {least}, got {value!r}.")
        if not isinstance(window, int) or window < 1:
            raise InputError(f"window must be a whole number of at least 1, got {window!r}.")
        require_sklearn()
        self.prior = prior
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
        self._examples: dict[str, tuple[str, str]] = {}  # key -> (text, label)
        self._label_names: tuple[str, ...] | None = None  # the session's labels, once suggest has seen them
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

    def _training_examples(self) -> list[tuple[str, str, str]]:  # with the lock held
        names = None if self._label_names is None else set(self._label_names)
        return [
            (key, text, label)
            for key, (text, label) in self._examples.items()
            if text.strip() and (names is None or label in names)
        ]

    def _train_once(self) -> None:
        with self._lock:
            target = self._signals.changes
            examples = self._training_examples()
        started, started_cpu = time.perf_counter(), time.thread_time()
        fit: _Fit | None = None
        error: str | None = None
        if len(examples) >= self.min_labels and len({label for _, _, label in examples}) >= 2:
            try:
                fit = train(examples, seed=self.seed, counts=self._counts)
                self._counts.keep_only([text for _, text, _ in examples])
            except Exception as failure:
                log.exception("the learner %s could not train on %d labels", self.name, len(examples))
                error = f"{type(failure).__name__}: {failure}"
        with self._lock:
            if error is None:
                self._fit = fit
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

    def _score(self, key: str, label: str) -> None:  # with the lock held
        """Record how the prior and the learner did on ``key``, as they suggested before its label was known."""
        if self.prior is None or key not in self._prior_memo or key not in self._learner_memo:
            return
        prior = self._prior_memo[key][1]
        learner = self._learner_memo[key]
        names = self._label_names or (label,)
        self._outcomes[key] = _Outcome(
            prior_right=prior.valid and prior.label == label,
            learner_right=learner.valid and learner.label == label,
            prior_loss=_loss(_distribution(prior, names, self._prior_accuracy()), label),
            learner_loss=_loss(_distribution(learner, names, None), label),
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

    def _source(self) -> str:  # with the lock held
        if self.prior is None:
            return "learner"
        if self.combine:
            return "combined" if self._fit is not None else "prior"
        return "learner" if self._switched else "prior"

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
        if prior is None:
            return learned
        shown = []
        for theirs, mine in zip(prior, learned, strict=True):
            if source == "prior" or not mine.valid:
                shown.append(theirs)  # as the prior said it, errors included
            elif source == "learner" or not theirs.valid:
                shown.append(mine)
            else:
                shown.append(self._mix(theirs, mine, labels, weight, prior_accuracy))
        return shown

    def _mix(
        self, theirs: Suggestion, mine: Suggestion, labels: LabelSet, weight: float, prior_accuracy: float
    ) -> Suggestion:
        prior = _distribution(theirs, labels.names, prior_accuracy)
        learned = _distribution(mine, labels.names, None)
        mixed = {name: (1 - weight) * prior[name] + weight * learned[name] for name in labels.names}
        label = max(mixed, key=mixed.__getitem__)
        prior_name = theirs.model or getattr(self.prior, "name", "prior")
        return dataclasses.replace(
            theirs,
            label=label,
            confidence=mixed[label],
            probabilities=mixed,
            confidence_source="combined",
            model=f"{self.name}+{prior_name}",
            rationale=(
                f"{weight:.0%} {self.name} ({mine.label} {learned[str(mine.label)]:.0%}, {mine.rationale}), "
                f"{1 - weight:.0%} {prior_name} ({theirs.label} {prior[str(theirs.label)]:.0%})"
            ),
        )

    def _see_labels(self, labels: LabelSet) -> None:
        names = tuple(labels.names)
        with self._lock:
            if names == self._label_names:
                return
            before = self._training_examples()
            self._label_names = names
            if self._training_examples() != before:  # labels outside the set now count, or no longer do
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
            fit = self._fit
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
                probabilities = fit.probabilities(model, fit.encoder.encode(_hash([items[i].text for i in rows])))
                for row, i in zip(probabilities, rows, strict=True):
                    by_class = dict(zip(model.classes, row, strict=True))
                    results[i] = self._suggestion(by_class, labels, fit, held_out=model is not fit.model)
        return [r if r is not None else Suggestion.invalid("no suggestion", model=self.name) for r in results]

    def _suggestion(self, by_class: dict[str, float], labels: LabelSet, fit: _Fit, held_out: bool) -> Suggestion:
        known = {name: float(by_class.get(name, 0.0)) for name in labels.names}
        total = sum(known.values())
        if total <= 0:
            return Suggestion.invalid("the learner has seen none of these labels", model=self.name)
        probabilities = {name: p / total for name, p in known.items()}
        label = max(probabilities, key=probabilities.__getitem__)
        rationale = f"learned from {fit.n_labels} labels"
        if held_out:
            rationale += ", by a model trained without this item's own label"
        return Suggestion(
            label=label,
            confidence=probabilities[label],
            probabilities=probabilities,
            confidence_source="learned",
            rationale=rationale,
            model=self.name,
            prompt_id=None,
            cost=0.0,
        )

    def _waiting_message(self) -> str:  # with the lock held
        examples = self._training_examples()
        kinds = len({label for _, _, label in examples})
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
        with self._lock:
            prior_right, learner_right, compared = self._tally()
            prior_loss = sum(o.prior_loss for o in self._outcomes.values())
            learner_loss = sum(o.learner_loss for o in self._outcomes.values())
            source, weight = self._source(), self._learner_weight()
        return {
            "source": source,
            "window": self.window,
            "compared": compared,
            "prior_right": prior_right,
            "learner_right": learner_right,
            "prior_accuracy": prior_right / compared if compared else None,
            "learner_accuracy": learner_right / compared if compared else None,
            "prior_log_loss": prior_loss / compared if compared else None,
            "learner_log_loss": learner_loss / compared if compared else None,
            "learner_weight": weight if source == "combined" else None,
        }

    @property
    def status(self) -> str:
        """One line for beside the suggestion, e.g. "learned from 37 labels"."""
        with self._lock:
            fit = self._fit
            own = f"learned from {fit.n_labels} labels" if fit is not None else self._waiting_message()
            prior_right, learner_right, compared = self._tally()
            source, weight = self._source(), self._learner_weight()
        if self.prior is None:
            return own
        if compared == 0:
            return (
                f"combining the prior and the learner ({own})" if source == "combined" else f"showing the prior; {own}"
            )
        versus = (
            f"learner {learner_right / compared:.0%} vs prior {prior_right / compared:.0%} "
            f"on the last {compared} labels"
        )
        if source == "combined":
            return f"combining: {versus}, learner weight {weight:.0%}; {own}"
        if source == "learner":
            return f"learner ahead: {versus}; {own}"
        return f"showing the prior: {versus}; {own}"

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
        ):
            if value != default:
                parts.append(f"{argument}={value!r}")
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
        }


def _distribution(suggestion: Suggestion, names: Sequence[str], confidence: float | None) -> dict[str, float]:
    """A suggestion's probabilities over ``names``. One with only a label and a confidence (or, lacking that, the
    given ``confidence``) spreads the rest evenly; an invalid one, or one without either, is uniform."""
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


def _loss(distribution: dict[str, float], label: str) -> float:
    return -math.log(max(distribution.get(label, 0.0), 1e-4))
