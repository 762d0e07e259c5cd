"""The process that runs the local model for `LocalLLM`, so that a crash in native code cannot take the kernel.

    python -m labelwidgets.suggesters.local_worker MODEL.gguf N_CTX N_THREADS

It loads the GGUF once, says whether that worked, then answers one JSON request per line on
stdin with one JSON reply per line on stdout, until stdin closes (its parent went away or
closed it) or its parent process changes. Replies: ``{"ok": true, ...}`` or
``{"ok": false, "kind": "input" | "too_long" | "missing" | "error", "error": "..."}``.

Every label is scored by the model's log-likelihood of answering with exactly that label after
the prompt, and the scores are normalized over the label set (`Engine.distribution`). When each label is
decided on its own (a set of labels per item), the model is asked about each label in turn, and the label's
probability is that of answering yes rather than no (`Engine.memberships`).

Text is written only when asked (``op: "generate"``, `Engine.generate`, for `lw.generate`): greedy, so the same
prompt gets the same reply.
"""

from __future__ import annotations

import collections
import faulthandler
import functools
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, cast

from labelwidgets.errors import InputError, LabelwidgetsError
from labelwidgets.kinds import kind_named
from labelwidgets.labels import Label, LabelSet
from labelwidgets.suggesters.llm.prompt import Message, PromptSpec, PromptTemplate

# Inputs with no content, whose scores show the model's bias towards some labels (Zhao et al. 2021).
CONTENT_FREE_TEXTS = ("N/A", "", "[MASK]")

INSTALL_HINT = 'pip install "labelwidgets[local]"'

# Calibrations kept: one per prompt without its text, and session examples make one per distinct set of them.
MAX_CALIBRATIONS = 256

# Small models loop on a phrase when decoding greedily; llama.cpp's usual penalty breaks most loops.
GENERATE_REPEAT_PENALTY = 1.1
GENERATE_PENALTY_WINDOW = 64  # the last tokens penalized, as llama.cpp's repeat_last_n

# The answers to "does this label apply?": both spellings a chat model starts an answer with.
YES, NO = ("yes", "Yes"), ("no", "No")


class PromptTooLong(InputError):
    """The instructions and few-shot examples leave no room for the item's text in the context window."""


class Engine:
    """A llama.cpp model and context, and the label-likelihood scoring done with them (not thread-safe)."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int):
        try:
            import llama_cpp
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as error:
            raise LabelwidgetsError(f"LocalLLM needs llama-cpp-python: {INSTALL_HINT}") from error
        self.n_ctx = n_ctx
        try:
            self.llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                logits_all=False,  # only the last position's logits are read; all of them would cost n_ctx x vocab
                verbose=False,
            )
        except ValueError as error:  # llama-cpp-python's way of saying the file did not load
            raise InputError(
                f"llama.cpp could not load the model at {path} ({error}); give the path of a complete .gguf model "
                f"file (download it again if it may be truncated)."
            ) from error
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
        self._bias: collections.OrderedDict[tuple[str, tuple[str, ...]], dict[str, float]] = collections.OrderedDict()

    def distribution(
        self, spec: PromptSpec, text: str, labels: LabelSet, calibrate: bool
    ) -> tuple[dict[str, float], int]:
        """The normalized label probabilities for one text, and the prompt's length in tokens."""
        log_likelihoods, prompt_tokens = self.score(spec, text, labels)
        probabilities = _normalize(log_likelihoods)
        if calibrate:
            bias = self.label_bias(spec, labels)
            probabilities = _normalize({k: math.log(p) - math.log(bias[k]) for k, p in probabilities.items()})
        return probabilities, prompt_tokens

    def label_bias(self, spec: PromptSpec, labels: LabelSet) -> dict[str, float]:
        # The bias depends on the examples in the prompt (Zhao et al. calibrate each prompt), so it is keyed by them.
        key = (spec.prompt_id(labels), tuple(labels.names))
        if key in self._bias:
            self._bias.move_to_end(key)
            return self._bias[key]
        answers = [_normalize(self.score(spec, text, labels)[0]) for text in CONTENT_FREE_TEXTS]
        bias = {name: max(sum(a[name] for a in answers) / len(answers), 1e-12) for name in labels.names}
        self._bias[key] = bias
        if len(self._bias) > MAX_CALIBRATIONS:
            self._bias.popitem(last=False)
        return bias

    def memberships(self, spec: PromptSpec, text: str, labels: LabelSet) -> tuple[dict[str, float], int]:
        """For each label, the probability that the model answers yes rather than no when asked whether the label
        applies to the text (each label asked on its own), and the longest prompt's length in tokens.

        Not calibrated: a content-free text has none of the labels, so its answers are no bias to divide out.
        """
        answers = {word: [*self.tokens(word, special=False), self.end_of_answer] for word in (*YES, *NO)}
        probabilities: dict[str, float] = {}
        longest = 0
        for name in labels.names:
            asking = functools.partial(_question, spec, labels, name)
            log_likelihoods, prompt_tokens = self._score(asking, text, answers)
            said = _normalize(log_likelihoods)
            probabilities[name] = sum(said[word] for word in YES)
            longest = max(longest, prompt_tokens)
        return probabilities, longest

    def generate(self, messages: list[Message], *, max_tokens: int) -> dict[str, Any]:
        """The model's reply to the chat, greedy (the same reply every time), at most ``max_tokens`` tokens; with
        the prompt's and the reply's length in tokens and why it stopped (``"stop"``, or ``"length"`` when cut)."""
        prompt = self.tokens(self.format(messages), special=True)
        room = self.n_ctx - max_tokens
        if len(prompt) > room:
            raise PromptTooLong(
                f"the prompt is {len(prompt)} tokens and the reply may take {max_tokens}: more than "
                f"n_ctx={self.n_ctx}. Shorten the prompt, lower max_tokens, or raise n_ctx."
            )
        _evaluate_prompt(self.llama, prompt)
        written: list[int] = []
        finish = "length"
        while len(written) < max_tokens:
            token = _greedy_next(self.llama, recent=[*prompt, *written][-GENERATE_PENALTY_WINDOW:])
            if token == self.end_of_answer or _ends_generation(self.llama, token):
                finish = "stop"
                break
            written.append(token)
            self.llama.eval([token])
        text = self.llama.detokenize(written).decode("utf-8", errors="ignore")
        return {"text": text.strip(), "finish_reason": finish, "prompt_tokens": len(prompt),
                "output_tokens": len(written)}  # fmt: skip

    def format(self, messages: list[Message]) -> str:
        if self.formatter is not None:
            return self.formatter(messages=cast(Any, messages)).prompt
        # A GGUF without a chat template: a plain transcript ending where the answer starts.
        turns = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
        return "\n\n".join(turns) + "\n\nAssistant:"

    def tokens(self, text: str, *, special: bool) -> list[int]:
        tokens: list[int] = self.llama.tokenize(text.encode(), add_bos=False, special=special)
        return tokens

    def score(self, spec: PromptSpec, text: str, labels: LabelSet) -> tuple[dict[str, float], int]:
        """Log-likelihood of answering with each label (and then ending the answer), and the prompt's length."""
        answers = {name: [*self.tokens(name, special=False), self.end_of_answer] for name in labels.names}
        return self._score(lambda body: spec.render(body, labels), text, answers)

    def _score(
        self, render: Callable[[str], list[Message]], text: str, answers: Mapping[str, list[int]]
    ) -> tuple[dict[str, float], int]:
        """Log-likelihood of each answer's tokens after the prompt ``render`` makes of the text, and its length."""
        room = self.n_ctx - max(len(t) for t in answers.values()) - 1
        prompt = self.tokens(self.format(render(text)), special=True)
        if len(prompt) > room:
            prompt = self._shortened_prompt(render, text, room, len(prompt))
        _evaluate_prompt(self.llama, prompt)
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
                    next_logprobs[prefix] = _logprobs_after(self.llama, len(prompt), prefix, needed[prefix])
                total += next_logprobs[prefix][token]
            log_likelihoods[name] = total
        return log_likelihoods, len(prompt)

    def _shortened_prompt(self, render: Callable[[str], list[Message]], text: str, room: int, length: int) -> list[int]:
        """Cut the item's text so that the prompt fits the context window."""
        text_tokens = self.tokens(text, special=False)
        keep = len(text_tokens) - (length - room) - 8  # the cut may change tokenization at the seam
        if keep <= 0:
            raise PromptTooLong(
                f"the instructions and few-shot examples alone need about {length - len(text_tokens)} tokens; "
                f"n_ctx={self.n_ctx} leaves no room for the text. Raise n_ctx or use fewer examples."
            )
        shortened = self.llama.detokenize(text_tokens[:keep]).decode("utf-8", errors="ignore") + " ..."
        return self.tokens(self.format(render(shortened)), special=True)


def _evaluate_prompt(llama: Any, prompt: list[int]) -> None:
    # The system prompt and few-shot turns are the same for every item: keep what is already evaluated.
    done = llama.input_ids[: llama.n_tokens].tolist()
    shared = 0
    for a, b in zip(done, prompt, strict=False):
        if a != b:
            break
        shared += 1
    # The last tokens are evaluated again for their logits, always two or more: llama.cpp computes a batch of one
    # token with other kernels, whose logits differ enough (0.1 and more) to change the answer for a prompt
    # scored twice in a row.
    llama.n_tokens = max(0, min(shared, len(prompt) - 2))
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


def _ends_generation(llama: Any, token: int) -> bool:
    """Whether the model's vocabulary marks the token as an end of generation (end of text, end of turn)."""
    import llama_cpp

    return bool(llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llama.model), token))


def _greedy_next(llama: Any, *, recent: list[int]) -> int:
    """The most likely next token after what is evaluated, the recent tokens' logits penalized as llama.cpp does
    (divided when positive, multiplied when negative). Greedy by hand rather than llama-cpp-python's sampler: it
    keeps the context state `_evaluate_prompt` shares with scoring, and it is the same on every run."""
    import llama_cpp
    import numpy as np

    last = llama_cpp.llama_get_logits(llama.ctx)
    logits = np.ctypeslib.as_array(last, shape=(llama.n_vocab(),)).astype(np.float64)
    seen = np.unique(np.asarray(recent, dtype=np.int64))
    logits[seen] = np.where(logits[seen] > 0, logits[seen] / GENERATE_REPEAT_PENALTY,
                            logits[seen] * GENERATE_REPEAT_PENALTY)  # fmt: skip
    return int(np.argmax(logits))


def _question(spec: PromptSpec, labels: LabelSet, label: str, text: str) -> list[Message]:
    return spec.render_question(text, labels, label)


def _token_text(llama: Any, token: int) -> str:
    return cast(str, llama.detokenize([token], special=True).decode("utf-8", errors="ignore"))


def _normalize(log_scores: Mapping[str, float]) -> dict[str, float]:
    top = max(log_scores.values())
    weights = {name: math.exp(score - top) for name, score in log_scores.items()}
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items()}


# -- the wire format: a request carries the prompt spec and labels, as JSON --


def spec_to_json(spec: PromptSpec) -> dict[str, Any]:
    return {
        "system": spec.template.system,
        "user": spec.template.user,
        "instructions": spec.instructions,
        "guidelines": spec.guidelines,
        "few_shot": [list(pair) for pair in spec.few_shot],
        "rationale": spec.rationale,
        "output": spec.output,
    }


def spec_from_json(data: Mapping[str, Any]) -> PromptSpec:
    return PromptSpec(
        template=PromptTemplate(system=data["system"], user=data["user"]),
        instructions=data["instructions"],
        guidelines=data["guidelines"],
        few_shot=tuple((str(text), str(label)) for text, label in data["few_shot"]),
        rationale=bool(data["rationale"]),
        output=data["output"],
    )


def labels_from_json(data: list[Mapping[str, Any]], kind: str = "single") -> LabelSet:
    # Built as given: parsing again could re-assign keys, which would change the prompt id.
    return LabelSet(tuple(Label(x["name"], x["description"], x["key"]) for x in data), kind_named(kind))


def handle(engine: Engine, request: Mapping[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op == "generate":
        messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in request["messages"]]
        return {"ok": True, **engine.generate(cast(Any, messages), max_tokens=int(request["max_tokens"]))}
    spec = spec_from_json(request["spec"])
    labels = labels_from_json(request["labels"], request.get("kind", "single"))
    if op == "distribution":
        probabilities, prompt_tokens = engine.distribution(spec, request["text"], labels, bool(request["calibrate"]))
        return {"ok": True, "probabilities": probabilities, "prompt_tokens": prompt_tokens}
    if op == "memberships":
        probabilities, prompt_tokens = engine.memberships(spec, request["text"], labels)
        return {"ok": True, "probabilities": probabilities, "prompt_tokens": prompt_tokens}
    if op == "format":
        label = request.get("label")
        messages = (
            spec.render(request["text"], labels)
            if label is None
            else spec.render_question(request["text"], labels, label)
        )
        return {"ok": True, "prompt": engine.format(messages)}
    raise ValueError(f"unknown request {op!r}")


def _failure(error: BaseException) -> dict[str, Any]:
    if isinstance(error, PromptTooLong):
        return {"ok": False, "kind": "too_long", "error": str(error)}
    if isinstance(error, InputError):
        return {"ok": False, "kind": "input", "error": str(error)}
    if isinstance(error, LabelwidgetsError):
        return {"ok": False, "kind": "missing", "error": str(error)}
    return {"ok": False, "kind": "error", "error": f"{type(error).__name__}: {error}"}


def _exit_when_orphaned(parent: int) -> None:
    # EOF on stdin covers a parent that dies; this covers one whose pipe end leaked into a forked child.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def main(argv: list[str]) -> int:
    faulthandler.enable()  # a native crash leaves its Python stack on stderr, for the parent's log
    path, n_ctx, n_threads = Path(argv[0]), int(argv[1]), int(argv[2])
    # Replies get their own descriptor; anything native code prints to stdout goes to stderr instead.
    replies: IO[bytes] = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()

    def reply(message: Mapping[str, Any]) -> None:
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()

    started = time.perf_counter()
    try:
        engine = Engine(path, n_ctx, n_threads)
    except Exception as error:
        reply(_failure(error))
        return 0
    reply({"ok": True, "pid": os.getpid(), "load_seconds": time.perf_counter() - started})
    for line in sys.stdin.buffer:
        try:
            answer = handle(engine, json.loads(line))
        except Exception as error:  # one request's failure must not end the worker
            answer = _failure(error)
        reply(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
