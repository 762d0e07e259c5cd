"""Label suggestions from any chat model litellm can call: hosted, a local server, or a proxy.

What the user gets: one request per item, structured output constrained to the label set (one
label, or a true/false decision per label for a set of labels) where the provider allows it, a
confidence that says where it came from (token logprobs or self-consistency, never invented),
retries on rate limits and server errors, an on-disk cache, and an invalid suggestion with the
raw answer, instead of an exception, when anything goes wrong.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import logging
import math
import numbers
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.images import ImageProblem, images_in
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Example, Item, Suggestion
from labelwidgets.suggesters.check import require_modules
from labelwidgets.suggesters.llm._litellm import get_litellm
from labelwidgets.suggesters.llm.few_shot import (
    DEFAULT_MAX_EXAMPLE_CHARS,
    DEFAULT_MAX_EXAMPLES,
    SESSION,
    examples_from,
)
from labelwidgets.suggesters.llm.prompt import (
    DEFAULT_INSTRUCTIONS,
    DEFAULT_TEMPLATE,
    Message,
    ParsedAnswer,
    PromptSpec,
    PromptTemplate,
    item_text,
    label_json_schema,
    parse_answer,
    with_images,
)

if TYPE_CHECKING:
    from labelwidgets.generation import Generation

log = logging.getLogger("labelwidgets")

# Structured output, most constrained first. "json_object+schema" is llama-cpp-python's way
# of taking a schema; providers that refuse a step are moved down the ladder once, and that is remembered.
STRUCTURED_OUTPUT_MODES = ("json_schema", "json_object+schema", "json_object", "text")

CACHE_VERSION = 1
_SECRET_NAMES = {"api_key", "key", "token", "headers", "extra_headers", "default_headers"}
_SECRET_PARTS = ("secret", "password", "credential", "auth")


# Where a server is this machine or on a private network: the user runs it, and a token costs them nothing.
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "127.0.0.0/8", "::1/128",  # loopback
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",  # private networks
        "169.254.0.0/16", "fe80::/10",  # link-local
        "0.0.0.0/32", "::/128",  # "this host": where a server started with --host 0.0.0.0 is often reached
    )
)  # fmt: skip

# What a cost estimate writes the longest answer of a kind whose answers point into the text (spans) with: the
# words its spans cover (`SpanAnswers.longest_answer`: spans of 12 characters every 20).
_STAND_IN_TEXT = ("Named entity" + " " * 8) * 5

PRICE_EXAMPLE = "price=(0.15, 0.60) for $0.15 per million input tokens and $0.60 per million output tokens"


def local_server(api_base: Any) -> str | None:
    """``host:port`` of ``api_base`` when it is this machine or a private network (a server the user runs), else None.

    Only literal IP addresses and ``localhost`` count: a hostname is never resolved (no network lookups here, and a
    name can point anywhere), so a model behind one is priced like any other.
    """
    if not isinstance(api_base, str) or not api_base.strip():
        return None
    text = api_base.strip()
    try:
        parts = urlsplit(text if "//" in text else f"//{text}")  # "127.0.0.1:8000/v1" has no scheme
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number, an unbalanced [
        return None
    if not host:
        return None
    host = unquote(host).rstrip(".")
    if host != "localhost":
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if not any(address.version == net.version and address in net for net in _LOCAL_NETWORKS):
            return None
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def check_price(price: Any) -> tuple[float, float] | None:
    """``price`` as (input, output) dollars per million tokens; `InputError` unless two finite numbers ≥ 0."""
    if price is None:
        return None
    if isinstance(price, (tuple, list)) and len(price) == 2:
        try:
            values = [float(x) for x in price if isinstance(x, numbers.Real) and not isinstance(x, bool)]
        except OverflowError:  # an integer too large for a float is no price either
            values = []
        if len(values) == 2 and all(math.isfinite(value) and value >= 0 for value in values):
            return values[0], values[1]
    raise InputError(
        f"price must be (input, output) in dollars per million tokens, two finite numbers of at least 0, "
        f"e.g. {PRICE_EXAMPLE}; got {price!r}."
    )


def is_secret_param(name: str) -> bool:
    """Whether a litellm keyword carries a credential, and so must stay out of repr, caches and suggestions."""
    lowered = name.lower()
    return (
        lowered in _SECRET_NAMES
        or lowered.endswith(("_key", "_token", "_key_id"))
        or any(part in lowered for part in _SECRET_PARTS)
    )


@dataclass
class _Capabilities:
    """What one model at one address accepts, learnt from its answers."""

    mode: str = STRUCTURED_OUTPUT_MODES[0]
    logprobs: bool = True


_capabilities: dict[tuple[str, str | None], _Capabilities] = {}
_capabilities_lock = threading.Lock()


def forget_capabilities() -> None:
    """Forget what providers refused (say, after upgrading a local server), so the next call asks afresh."""
    with _capabilities_lock:
        _capabilities.clear()


class LLM:
    """Suggest labels with a chat model through litellm.

    >>> llm = LLM("gpt-4o-mini", instructions="Is this SMS spam?", few_shot=examples_df)
    >>> llm = LLM("gpt-4o-mini", few_shot="session")  # learns from the labels the person gives
    >>> llm = LLM("openai/smollm2", api_base="http://127.0.0.1:8000/v1", api_key="sk-local")

    ``few_shot`` is a DataFrame with ``few_shot_columns``, (text, label) pairs, or ``"session"``: then the LLM
    has a ``learn(examples)`` method (it is a `LearnsFromLabels`), and each prompt gets up to ``max_examples`` of
    the person's labels: never the item's own, one of each label before a second of any, the most similar to
    the item, the texts cut to fit ``max_example_chars`` together (see `labelwidgets.suggesters.llm.few_shot`).
    Such a suggestion's ``prompt_id`` is ``"<base id>+session-<k>"``, k the number of examples it was made with,
    so that ``lw.agreement(df, by="prompt_id")`` groups suggestions by how much of the session they saw.

    A multi-label set (``LabelSet.parse(names, kind="multi")``, ``Labeler(kind="multi")``) is asked for as
    ``{"labels": {"<label>": true or false, ...}}``, every label in order, constrained by a JSON schema where the
    provider takes one (the same json_schema → json_object → text ladder). A list of names is read too. A set
    with any label outside the label set is invalid as a whole. With logprobs, each label's probability is that of
    its ``true`` against its ``false`` token, given the decisions written before it, and the confidence is the
    probability of exactly the set suggested (`labelwidgets.kinds.multi.set_confidence`). An answer written as a
    list has no such tokens: no probabilities then, never invented. Self-consistency (``n_samples``) gives each
    label the share of samples that name it and suggests the labels more than half of the valid samples name.
    The answer is the one the model wrote: a sampler that penalizes repeats (llama.cpp's server does by default)
    can write a decision its logprobs rate below one half, which the confidence then shows.

    Spans of the text (``Labeler(kind="spans")``) are asked for as ``{"entities": [{"text": ..., "label": ...}]}``,
    the words copied from the text, and placed on the item's text as the answer is read (`labelwidgets.spans.align`:
    another case, spacing or composition, words cut short or run over); what cannot be placed is left out and said in
    the suggestion's ``note``, and a label outside the set makes the whole answer invalid. No token decides a span,
    so logprobs are not asked for: ``n_samples`` votes span by span (self-consistency). A few-shot example's spans
    are ``(start, end, label)`` or entities ``{"text", "label"}`` of the example's own text; with
    ``few_shot="session"`` the person's spans are sent as the entities of their texts.

    Extra keyword arguments (``api_base``, ``api_key``, ``temperature``, ...) go to
    ``litellm.completion`` as they are. Credentials are kept out of ``repr``, the cache and
    every suggestion.

    Cost: a model served at ``localhost`` or a literal loopback or private-network address (127.0.0.0/8, ::1,
    10/8, 172.16/12, 192.168/16, fc00::/7, link-local) in ``api_base`` or ``base_url`` costs nothing: its
    suggestions have ``cost=0.0`` and ``lw.suggest`` / ``lw.compare`` never ask about it. Other models are priced
    by litellm's price list, or are of unknown cost. ``price=(input, output)`` in dollars per million tokens prices
    any model, a local gateway to a paid one included, through litellm's custom pricing.
    """

    def __init__(
        self,
        model: str,
        *,
        instructions: str = DEFAULT_INSTRUCTIONS,
        few_shot: Any = None,
        few_shot_columns: tuple[str, str] = ("text", "label"),
        max_examples: int = DEFAULT_MAX_EXAMPLES,
        max_example_chars: int = DEFAULT_MAX_EXAMPLE_CHARS,
        guidelines: str | None = None,
        rationale: bool = False,
        max_concurrency: int = 8,
        timeout: float = 30,
        max_retries: int = 3,
        n_samples: int = 1,
        logprobs: bool = True,
        cache: bool | str | os.PathLike[str] = True,
        prompt_template: PromptTemplate = DEFAULT_TEMPLATE,
        name: str | None = None,
        price: tuple[float, float] | None = None,
        **litellm_kwargs: Any,
    ):
        require_modules("lw.LLM", "llm", {"litellm": "litellm"})  # looked up, not imported: that waits for a call
        if not isinstance(model, str) or not model:
            raise InputError(f"model must be a litellm model string such as 'gpt-4o-mini', got {model!r}.")
        if max_concurrency < 1 or n_samples < 1 or max_retries < 0 or timeout <= 0:
            raise InputError("max_concurrency and n_samples must be at least 1, max_retries at least 0, timeout > 0.")
        # litellm's num_retries re-runs calls through tenacity, which retries errors that cannot
        # heal (a wrong key); max_retries is the provider client's own backoff on 429, 5xx and timeouts.
        if "num_retries" in litellm_kwargs:
            max_retries = int(litellm_kwargs.pop("num_retries"))
        self.model = model
        self.name = name or model
        self.price = check_price(price)  # dollars per million (input, output) tokens; never sent to the provider
        self.instructions = instructions
        self.session_examples, self.few_shot = examples_from(
            few_shot, few_shot_columns, max_examples=max_examples, max_example_chars=max_example_chars
        )
        if self.session_examples is not None:
            # Only an LLM that learns is a LearnsFromLabels, so the session feeds labels to it and no other.
            self.learn: Callable[[Sequence[Example]], None] = self.session_examples.learn
        self.guidelines = guidelines
        self.rationale = rationale
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.n_samples = n_samples
        self.logprobs = logprobs
        self.prompt_template = prompt_template
        self._secrets = {k: v for k, v in litellm_kwargs.items() if is_secret_param(k)}
        self.litellm_kwargs = {k: v for k, v in litellm_kwargs.items() if not is_secret_param(k)}
        self._cache_setting = cache
        self._init_runtime()

    def _init_runtime(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._lock = threading.Lock()
        self._cache: Any = None
        self._cache_failed = False
        self._fatal_error: str | None = None

    def check_kind(self, labels: LabelSet) -> None:
        """Raise `InputError` for a pair of outputs: an LLM labels one text; `lw.Judge` judges pairs."""
        if labels.kind.item_columns:
            raise InputError(
                f"lw.LLM labels one text; to judge which of two outputs is better (kind={labels.kind.name!r}) use "
                f"lw.Judge({self.model!r}, ...), which takes the same keywords."
            )

    def check_images(self) -> None:
        """Raise `InputError` when litellm knows this model and knows it cannot read images (image=). A model it
        does not know (a local server's, a new name) is trusted: its server says so on the first item if it cannot."""
        litellm = get_litellm()
        try:
            litellm.get_model_info(self.model)
        except Exception:  # not in litellm's list: nothing known either way
            return
        if not litellm.supports_vision(model=self.model):
            raise InputError(
                f"lw.LLM({self.model!r}) cannot read images: litellm lists it as a model without vision. Use a "
                f"vision model (for example lw.LLM('gpt-4o-mini')), or label without a suggester."
            )

    # -- prompt --

    @property
    def api_base(self) -> str | None:
        return self.litellm_kwargs.get("api_base") or self.litellm_kwargs.get("base_url")

    @property
    def free_server(self) -> str | None:
        """``host:port`` of the local or private-network server that makes this model free; None when it is not
        free (another address, or a ``price`` was given)."""
        return None if self.price is not None else local_server(self.api_base)

    def prompt_spec(self, labels: LabelSet | None = None) -> PromptSpec:
        """What decides the prompt besides the item; with ``labels``, default instructions are those of their kind
        (one label: "Classify the text into exactly one of the labels.")."""
        instructions = self.instructions
        if labels is not None and instructions == DEFAULT_INSTRUCTIONS:
            instructions = labels.kind.default_instructions
        return PromptSpec(
            template=self.prompt_template,
            instructions=instructions,
            guidelines=self.guidelines,
            few_shot=self.few_shot,
            rationale=self.rationale,
            output="json",
        )

    def _item_spec(self, spec: PromptSpec, labels: LabelSet, *, text: str, key: str | None) -> tuple[PromptSpec, str]:
        """The prompt spec for one item (with its session examples, if the LLM learns) and its prompt id."""
        if self.session_examples is None:
            return spec, spec.prompt_id(labels)
        return self.session_examples.spec_for(spec, labels, text=text, key=key)

    def render_prompt(self, item: Item | str | Mapping[str, Any], labels: Any, *, text: str = "text") -> list[Message]:
        """Exactly the messages that will be sent for this item (a row, an Item or a text).

        With ``few_shot="session"``, an Item's own label is left out of the examples by its key; a row or a
        text has no key here, so examples with exactly its text are left out instead.
        """
        labels = LabelSet.parse(labels)
        body = item_text(item, text)
        key = item.key if isinstance(item, Item) else None
        spec, _ = self._item_spec(self.prompt_spec(labels), labels, text=body, key=key)
        return spec.render(body, labels)

    # -- money --

    def estimate_cost(self, items: Sequence[Item], labels: LabelSet | Any) -> float | None:
        """Dollars these items would cost uncached, from ``price`` or litellm's price list; None if the model has no
        price, 0.0 on a local server (see the class).

        Input tokens are counted on the exact prompts; each answer is taken as the longest answer written as JSON
        (the longest label; with a set of labels, every label and its decision), times ``n_samples``. Cached
        requests are free and not counted out.
        """
        if self.free_server is not None:
            return 0.0
        litellm = get_litellm()
        labels = LabelSet.parse(labels)
        spec = self.prompt_spec(labels)
        stand_in = _STAND_IN_TEXT if labels.kind.about_text else None
        answer = labels.kind.format_answer(labels.kind.longest_answer(labels), labels, "json", text=stand_in)
        try:
            output_tokens = litellm.token_counter(model=self.model, text=answer)
            total = 0.0
            for item in items:
                item_spec, _ = self._item_spec(spec, labels, text=item.text, key=item.key)
                messages = item_spec.render(item.text, labels)
                input_tokens = litellm.token_counter(model=self.model, messages=messages)
                prompt_cost, answer_cost = litellm.cost_per_token(
                    model=self.model,
                    prompt_tokens=input_tokens,
                    completion_tokens=output_tokens * self.n_samples,
                    **self._custom_pricing(),
                )
                total += prompt_cost + answer_cost
        except Exception:  # litellm knows no price for this model (a custom name)
            return None
        return total

    def _custom_pricing(self) -> dict[str, Any]:
        """litellm's custom pricing for ``price``, given to its cost functions (``completion_cost``,
        ``cost_per_token``) only: the request carries nothing but what the provider needs, and nothing is
        registered in litellm's process-wide price list, where it would price every other LLM of the model's name.
        """
        if self.price is None:
            return {}
        per_token = {"input_cost_per_token": self.price[0] / 1e6, "output_cost_per_token": self.price[1] / 1e6}
        return {"custom_cost_per_token": per_token}

    def _usage(self, response: Any) -> _Usage:
        """Tokens and dollars of one response: 0 on a local server, None when nothing knows the model's price."""
        usage = getattr(response, "usage", None)
        cost: float | None
        if self.free_server is not None:
            cost = 0.0
        else:
            try:
                cost = float(get_litellm().completion_cost(completion_response=response, **self._custom_pricing()))
            except Exception:  # an unpriced model has no cost, not a made-up one
                cost = None
        return _Usage(getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None), cost)

    # -- suggesting --

    def suggest(self, items: Sequence[Item], labels: LabelSet | Any) -> list[Suggestion]:
        labels = LabelSet.parse(labels)
        spec = self.prompt_spec(labels)
        try:
            spec.render("", labels)  # a bad few-shot label is the same error for every item
        except InputError as error:
            return [Suggestion.invalid(str(error), model=self.name) for _ in items]
        if len(items) <= 1:
            return [self._suggest_one(item, labels, spec) for item in items]
        with ThreadPoolExecutor(min(len(items), self.max_concurrency), thread_name_prefix="labelwidgets-llm") as pool:
            return list(pool.map(lambda item: self._suggest_one(item, labels, spec), items))

    def _suggest_one(self, item: Item, labels: LabelSet, spec: PromptSpec) -> Suggestion:
        started = time.perf_counter()
        spec, prompt_id = self._item_spec(spec, labels, text=item.text, key=item.key)
        key = None
        try:
            messages = with_images(spec.render(item.text, labels), images_in(item.fields))  # image=: image parts
            key = self._cache_key(messages, labels)
            cached = self._cache_get(key)
            if cached is not None:
                return replace(cached, cached=True, cost=0.0, latency=time.perf_counter() - started)
            if self._fatal_error is not None:
                return Suggestion.invalid(self._fatal_error, model=self.name, prompt_id=prompt_id)
            # Answers that point into the text (spans) are placed on it as they are read.
            suggestion = self._ask(messages, labels, text=item.text if labels.kind.about_text else None)
        except ImageProblem as problem:  # the item's image cannot be read: this item is invalid, the others go on
            suggestion = Suggestion.invalid(f"the item's image: {problem}")
        except Exception as error:  # one item's failure must not sink its batch
            suggestion = Suggestion.invalid(self._describe_error(error))
        suggestion = replace(suggestion, model=self.name, prompt_id=prompt_id, latency=time.perf_counter() - started)
        if suggestion.valid and key is not None:
            self._cache_set(key, suggestion)
        return suggestion

    def _ask(self, messages: list[Message], labels: LabelSet, *, text: str | None = None) -> Suggestion:
        try:
            first = self._complete(messages, labels, n=1)
        except Exception as error:
            return Suggestion.invalid(self._describe_error(error), raw=_unparsable_body(error))
        if not first.choices:
            return Suggestion.invalid("the provider returned no answer")
        answers = [_read_choice(first.choices[0], labels, text)]
        usage = self._usage(first)
        if self.n_samples == 1 or answers[0].confidence is not None:
            return answers[0].to_suggestion(usage)
        # No logprobs from this provider: ask for more samples and let them vote.
        temperature = self.litellm_kwargs.get("temperature") or 1.0
        while len(answers) < self.n_samples:
            try:
                more = self._complete(messages, labels, n=self.n_samples - len(answers), temperature=temperature)
            except Exception:
                break  # vote with what came back
            if not more.choices:
                break
            answers += [_read_choice(c, labels, text) for c in more.choices[: self.n_samples - len(answers)]]
            usage = usage + self._usage(more)
        if len(answers) == 1:  # one answer is no vote: no confidence rather than a made-up one
            return answers[0].to_suggestion(usage)
        return _vote(answers, labels, usage)

    def _complete(self, messages: list[Message], labels: LabelSet, *, n: int, temperature: float | None = None) -> Any:
        """One completion, moving down the structured-output ladder when the provider refuses a feature."""
        litellm = get_litellm()
        capabilities = self._capabilities()
        for _ in range(len(STRUCTURED_OUTPUT_MODES) + 2):  # each refusal drops a feature; the ladder is short
            mode, want_logprobs = capabilities.mode, capabilities.logprobs
            params = self._request(messages, labels, mode=mode, logprobs=want_logprobs, n=n, temperature=temperature)
            try:
                return self._call_with_retries(litellm, params)
            except Exception as error:
                if not self._drop_refused_feature(capabilities, error, mode=mode, logprobs=want_logprobs):
                    raise
        raise RuntimeError("the provider refused every way of asking")  # unreachable: the ladder ends in plain text

    def _call_with_retries(self, litellm: Any, params: dict[str, Any]) -> Any:
        try:
            import tenacity
        except ImportError:  # the provider client's own backoff, which OpenAI-compatible providers have
            return self._call(litellm, params, retries=self.max_retries)
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            wait=_backoff,
            retry=tenacity.retry_if_exception(_worth_retrying),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(self._call, litellm, params, retries=0)

    def _log_retry(self, retry_state: Any) -> None:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        log.warning(
            "%s: %s; retrying in %.1f s (attempt %d of %d)",
            self.name,
            self._redact(_short_message(error)) if isinstance(error, Exception) else error,
            retry_state.upcoming_sleep,
            retry_state.attempt_number + 1,
            self.max_retries + 1,
        )

    def _call(self, litellm: Any, params: dict[str, Any], *, retries: int) -> Any:
        with self._slots:  # held for one attempt, not through the backoff sleeps
            return litellm.completion(**params, max_retries=retries, **self._secrets)

    def _request(
        self, messages: list[Message], labels: LabelSet, *, mode: str, logprobs: bool, n: int, temperature: float | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": 0.0, "drop_params": True}
        if not _reasons_before_answering(self.model):  # a token cap would cut a reasoning model's thinking short
            params["max_tokens"] = labels.kind.answer_tokens(labels, rationale=self.rationale)
        params.update(self.litellm_kwargs)
        params.update(model=self.model, messages=messages, timeout=self.timeout)
        schema = label_json_schema(labels, rationale=self.rationale)
        if mode == "json_schema":
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "label", "schema": schema, "strict": True},
            }
        elif mode == "json_object+schema":
            params["response_format"] = {"type": "json_object", "schema": schema}
        elif mode == "json_object":
            params["response_format"] = {"type": "json_object"}
        if logprobs and self.logprobs and not labels.kind.about_text:  # no token decides a span: no logprobs
            params["logprobs"] = True
            params["top_logprobs"] = _top_logprobs(labels)
        if n > 1:
            params["n"] = n
        if temperature is not None:
            params["temperature"] = temperature
        return params

    def _capabilities(self) -> _Capabilities:
        with _capabilities_lock:
            return _capabilities.setdefault((self.model, self.api_base), _Capabilities())

    def _drop_refused_feature(
        self, capabilities: _Capabilities, error: Exception, *, mode: str, logprobs: bool
    ) -> bool:
        """Whether the error refuses structured output or logprobs; if so, stop asking for it."""
        refused = _refused_feature(error)
        with _capabilities_lock:
            if refused == "response_format" and mode != "text":
                if capabilities.mode == mode:  # another thread may have stepped down already
                    capabilities.mode = STRUCTURED_OUTPUT_MODES[STRUCTURED_OUTPUT_MODES.index(mode) + 1]
                return True
            if refused == "logprobs" and logprobs and self.logprobs:
                capabilities.logprobs = False
                return True
        return False

    @property
    def structured_output(self) -> str:
        """How answers are constrained for this model now: json_schema, json_object+schema, json_object or text."""
        return self._capabilities().mode

    # -- free text (lw.generate) --

    def generate_chat(self, messages: Sequence[Mapping[str, str]], *, max_tokens: int) -> Generation:
        """The model's reply to a chat as free text (no label set, no structured output), greedy unless this LLM
        was made with a ``temperature``, cut at ``max_tokens``; through this LLM's retries, secrets, error messages,
        cost and cache. Never raises: a failure is a `Generation` without text and with the error (`lw.generate`
        keeps it per row)."""
        from labelwidgets.generation import Generation

        chat = [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]
        key = self._generation_key(chat, max_tokens)
        cached = self._cached_generation(key)
        if cached is not None:
            return cached
        if self._fatal_error is not None:  # a wrong key or model fails every prompt: say it once, send nothing more
            return Generation.failed(self._fatal_error)
        params: dict[str, Any] = {"temperature": 0.0, "drop_params": True, "max_tokens": max_tokens}
        params.update(self.litellm_kwargs)
        params.update(model=self.model, messages=chat, timeout=self.timeout)
        try:
            response = self._call_with_retries(get_litellm(), params)
            choice = response.choices[0] if response.choices else None
            text = _get(_get(choice, "message"), "content")
        except Exception as error:  # one prompt's failure must not sink its batch
            return Generation.failed(self._describe_error(error))
        if not isinstance(text, str) or not text.strip():
            return Generation.failed("the provider returned no text")
        usage = self._usage(response)
        answer = Generation(
            text=text.strip(),
            finish_reason="length" if _get(choice, "finish_reason") == "length" else "stop",
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost=usage.cost,
        )
        cache = self._open_cache()
        if cache is not None:
            stored = {k: getattr(answer, k) for k in ("text", "finish_reason", "input_tokens", "output_tokens")}
            try:
                cache.set(key, json.dumps(stored))
            except Exception:
                pass  # the reply is still good; only its reuse is lost
        return answer

    def estimate_generation_cost(
        self, chats: Sequence[Sequence[Mapping[str, str]]], *, max_tokens: int
    ) -> float | None:
        """Dollars these chats would cost uncached with ``max_tokens`` written for each (an upper bound), from
        ``price`` or litellm's price list; 0.0 on a local server; None when nothing knows the model's price."""
        if self.free_server is not None:
            return 0.0
        litellm = get_litellm()
        total = 0.0
        try:
            for chat in chats:
                input_tokens = litellm.token_counter(model=self.model, messages=[dict(m) for m in chat])
                prompt_cost, answer_cost = litellm.cost_per_token(
                    model=self.model, prompt_tokens=input_tokens, completion_tokens=max_tokens,
                    **self._custom_pricing(),
                )  # fmt: skip
                total += prompt_cost + answer_cost
        except Exception:  # litellm knows no price for this model (a custom name)
            return None
        return total

    def _generation_key(self, chat: list[dict[str, str]], max_tokens: int) -> str:
        # As for labels: secrets, timeouts and retry counts do not change the reply.
        params = {k: v for k, v in self.litellm_kwargs.items() if k not in ("timeout", "max_retries")}
        data = {"v": CACHE_VERSION, "op": "generate", "model": self.model, "messages": chat, "params": params,
                "max_tokens": max_tokens}  # fmt: skip
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=repr).encode()).hexdigest()

    def _cached_generation(self, key: str) -> Generation | None:
        from labelwidgets.generation import Generation

        cache = self._open_cache()
        if cache is None:
            return None
        try:
            stored = json.loads(cache.get(key))
            return Generation(text=str(stored["text"]), finish_reason=stored.get("finish_reason"),
                              input_tokens=stored.get("input_tokens"), output_tokens=stored.get("output_tokens"),
                              cost=0.0, cached=True)  # fmt: skip
        except Exception:  # nothing cached, or something unreadable: ask again
            return None

    # -- errors --

    def _describe_error(self, error: Exception) -> str:
        try:
            litellm = get_litellm()
            fatal_types = (litellm.AuthenticationError, litellm.PermissionDeniedError, litellm.NotFoundError)
            fatal = isinstance(error, fatal_types)
        except Exception:
            litellm, fatal = None, False
        message = self._redact(_short_message(error))
        status = getattr(error, "status_code", None)
        retries = f"after {self.max_retries} retries" if self.max_retries else "without retries"
        if litellm is None:
            text = f"{type(error).__name__}: {message}"
        elif _unparsable_body(error) is not None:
            text = "the provider's response is not JSON; its body is kept as the raw answer"
        elif isinstance(error, litellm.Timeout):
            text = f"no answer within {self.timeout:g} s ({retries}); the provider is slow or unreachable"
        elif _credentials_missing(error):
            fatal = True
            text = (
                f"no API key for {self.model}: set the provider's key variable (for example OPENAI_API_KEY) or pass "
                f"api_key=... to lw.LLM; not retried ({message})"
            )
        elif isinstance(error, litellm.AuthenticationError):
            text = f"authentication failed for {self.model}: check api_key or the provider's key variable ({message})"
        elif isinstance(error, litellm.PermissionDeniedError):
            text = f"no permission to use {self.model}: {message}"
        elif isinstance(error, litellm.NotFoundError):
            text = f"model {self.model!r} was not found by the provider: {message}"
        elif isinstance(error, litellm.RateLimitError):
            text = f"rate limited (HTTP 429) {retries}: {message}"
        elif isinstance(error, litellm.ContextWindowExceededError):
            text = f"the prompt is too long for {self.model}: {message}"
        elif _connection_failed(error) and not isinstance(error, litellm.Timeout):
            where = self.api_base or "the provider"
            text = f"cannot reach {where} ({retries}): {message}"
        elif isinstance(status, int) and status >= 500:
            text = f"provider error (HTTP {status}) {retries}: {message}"
        elif isinstance(status, int):
            text = f"request refused (HTTP {status}): {message}"
        else:
            text = f"{type(error).__name__}: {message}"
        if fatal:  # a wrong key or model fails every item: say it once, send nothing more
            with self._lock:
                self._fatal_error = text
        return text

    def _redact(self, text: str) -> str:
        for value in _secret_strings(self._secrets):
            text = text.replace(value, "***")
        return text

    # -- cache --

    def _cache_key(self, messages: list[Message], labels: LabelSet) -> str:
        # Secrets, timeouts and retry counts do not change the answer, so they are not part of the key.
        params = {k: v for k, v in self.litellm_kwargs.items() if k not in ("timeout", "max_retries")}
        data = {
            "v": CACHE_VERSION,
            "model": self.model,
            "messages": messages,
            "params": params,
            "labels": labels.names,
            "n_samples": self.n_samples,
            "logprobs": self.logprobs,
            "rationale": self.rationale,
        }
        if labels.kind.fingerprint:  # answers of another kind are another answer (single-label keys stay as they were)
            data["kind"] = list(labels.kind.fingerprint)
        if labels.kind.about_text:  # the suggestion is cached placed on the text: how it was placed is part of it
            data["placed"] = repr(labels.kind)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=repr).encode()).hexdigest()

    @property
    def cache_dir(self) -> Path | None:
        if self._cache_setting is False or self._cache_setting is None:
            return None
        if self._cache_setting is True:
            return default_cache_dir()
        return Path(self._cache_setting).expanduser()

    def _open_cache(self) -> Any:
        with self._lock:
            if self._cache is None and not self._cache_failed and self.cache_dir is not None:
                try:
                    import diskcache

                    self._cache = diskcache.Cache(str(self.cache_dir))
                except Exception as error:  # a read-only home must not stop labeling
                    self._cache_failed = True
                    message = f"labelwidgets: LLM cache disabled, cannot open {self.cache_dir}: {error}"
                    warnings.warn(message, stacklevel=user_stacklevel())
            return self._cache

    def _cache_get(self, key: str) -> Suggestion | None:
        cache = self._open_cache()
        if cache is None:
            return None
        try:
            stored = cache.get(key)
        except Exception:
            return None
        if not isinstance(stored, str):
            return None
        try:
            return Suggestion(**json.loads(stored))
        except (TypeError, ValueError):
            return None

    def _cache_set(self, key: str, suggestion: Suggestion) -> None:
        cache = self._open_cache()
        if cache is not None:
            try:
                cache.set(key, json.dumps(suggestion.to_json()))
            except Exception:
                pass  # the answer was still good; only its reuse is lost

    def close(self) -> None:
        with self._lock:
            if self._cache is not None:
                self._cache.close()
                self._cache = None

    # -- presentation --

    def __repr__(self) -> str:
        parts = [repr(self.model)]
        if self.instructions != DEFAULT_INSTRUCTIONS:
            parts.append(f"instructions={_clip(self.instructions)!r}")
        if self.session_examples is not None:
            parts.append(f"few_shot={SESSION!r}")
        elif self.few_shot:
            parts.append(f"few_shot=<{len(self.few_shot)} examples>")
        if self.n_samples != 1:
            parts.append(f"n_samples={self.n_samples}")
        parts += [f"{k}={v!r}" for k, v in self.litellm_kwargs.items()]
        parts += [f"{k}=***" for k in self._secrets]
        if self.price is not None:
            parts.append(f"price={self.price!r}")  # dollars per million (input, output) tokens
        elif self.free_server is not None:
            parts.append(f"free: local server at {self.free_server}")
        return f"LLM({', '.join(parts)})"

    def config(self) -> dict[str, Any]:
        """A JSON-safe description of this suggester, without credentials, for stores and widget state."""
        return {
            "type": "LLM",
            "model": self.model,
            "name": self.name,
            "instructions": self.instructions,
            "guidelines": self.guidelines,
            "few_shot": SESSION if self.session_examples is not None else [list(pair) for pair in self.few_shot],
            **(self.session_examples.config() if self.session_examples is not None else {}),
            "rationale": self.rationale,
            "n_samples": self.n_samples,
            "params": json.loads(json.dumps(self.litellm_kwargs, default=repr)),
            "price": list(self.price) if self.price is not None else None,
        }

    def __getstate__(self) -> dict[str, Any]:
        # Pickles (joblib, multiprocessing) must not carry the key; the process gets it from its environment.
        state = {k: v for k, v in self.__dict__.items() if k not in ("_slots", "_lock", "_cache", "_secrets")}
        state["_secrets"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_runtime()


def default_cache_dir() -> Path:
    root = os.environ.get("LABELWIDGETS_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "llm"
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "labelwidgets" / "llm"


# -- reading answers --


@dataclass(frozen=True)
class _Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None

    def fields(self) -> dict[str, Any]:
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens, "cost": self.cost}

    def __add__(self, other: _Usage) -> _Usage:
        return _Usage(
            _plus(self.input_tokens, other.input_tokens),
            _plus(self.output_tokens, other.output_tokens),
            _plus(self.cost, other.cost),
        )


def _plus(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else a + b


@dataclass(frozen=True)
class _Answer:
    raw: str | None
    parsed: ParsedAnswer
    confidence: float | None = None
    probabilities: dict[str, float] | None = None

    def to_suggestion(self, usage: _Usage) -> Suggestion:
        common = usage.fields()
        if self.parsed.label is None:
            return Suggestion.invalid(self.parsed.error or "no label in the answer", raw=self.raw, **common)
        return Suggestion(
            label=self.parsed.label,
            confidence=self.confidence,
            probabilities=self.probabilities,
            confidence_source="logprobs" if self.confidence is not None else None,
            rationale=self.parsed.rationale,
            raw=self.raw,
            note=self.parsed.note,
            **common,
        )


def _read_choice(choice: Any, labels: LabelSet, text: str | None = None) -> _Answer:
    """One answer, and its confidence from the logprobs of the tokens where the model made its decisions (one
    choice among the labels; with a set of labels, true or false for each label). ``text`` is the item's text, for
    answers that point into it (spans, which have no such decisions)."""
    message = _get(choice, "message")
    raw = _get(message, "content")
    parsed = parse_answer(raw, labels, text=text)
    if parsed.label is None or not parsed.choices:
        return _Answer(raw, parsed)
    tokens = _token_logprobs(_get(choice, "logprobs"))
    if not tokens:
        return _Answer(raw, parsed)
    top_k = _top_logprobs(labels)
    decided = []
    for decision in parsed.choices:
        result = label_confidence(tokens, raw or "", decision.span, decision.chosen, decision.options, top_k)
        if result is None:
            return _Answer(raw, parsed)
        decided.append((decision, result))
    read = labels.kind.from_choices(parsed.label, decided, labels)
    if read is None:
        return _Answer(raw, parsed)
    return _Answer(raw, parsed, confidence=read[0], probabilities=read[1])


def _vote(answers: list[_Answer], labels: LabelSet, usage: _Usage) -> Suggestion:
    voted = labels.kind.vote([a.parsed.label for a in answers], labels)
    common = usage.fields()
    if voted is None:
        first = answers[0]
        return Suggestion.invalid(first.parsed.error or "no label in any sample", raw=first.raw, **common)
    label, confidence, probabilities = voted
    # The first sample that gave the answer shows it; with a set of labels the answer may be no sample's own.
    winner = next((a for a in answers if a.parsed.label == label), None)
    return Suggestion(
        label=label,
        confidence=confidence,
        probabilities=probabilities,
        confidence_source="self-consistency",
        rationale=winner.parsed.rationale if winner is not None else None,
        raw=winner.raw if winner is not None else None,
        note=winner.parsed.note if winner is not None else None,
        **common,
    )


TokenLogprob = tuple[str, float, list[tuple[str, float]]]


def _token_logprobs(logprobs: Any) -> list[TokenLogprob]:
    content = _get(logprobs, "content") if logprobs is not None else None
    if not content:
        return []
    tokens = []
    for entry in content:
        token, logprob = _get(entry, "token"), _get(entry, "logprob")
        if not isinstance(token, str) or logprob is None:
            return []
        top = [(_get(t, "token"), float(_get(t, "logprob"))) for t in (_get(entry, "top_logprobs") or [])]
        tokens.append((token, float(logprob), [(t, lp) for t, lp in top if isinstance(t, str)]))
    return tokens


def label_confidence(
    tokens: list[TokenLogprob],
    raw: str,
    span: tuple[int, int],
    label: str,
    labels: LabelSet | Sequence[str],
    top_k: int | None = None,
) -> tuple[float, dict[str, float] | None] | None:
    """The chosen label's probability from token logprobs, and the distribution over labels if it can be had.

    ``labels`` are the options of the decision: the label set, or any options written in its place (``true`` and
    ``false`` for one label of a set). The distribution comes from the alternatives offered at the label's first
    token: each alternative that starts exactly one label counts for that label. A label missing from a
    full list of ``top_k`` alternatives gets the smallest listed probability, an upper bound on
    its own, so the chosen label's confidence errs low. (Under constrained decoding the forced
    label can sit far down the list.) When the chosen token could start several labels, only
    the chosen label's probability is known.
    """
    names = labels.names if isinstance(labels, LabelSet) else list(labels)
    offsets, position = [], 0
    for token, _, _ in tokens:
        offsets.append(position)
        position += len(token)
    if not "".join(t for t, _, _ in tokens).startswith(raw.rstrip()[: span[1]]):
        return None  # the tokens do not spell the answer: do not guess which of them hold the label
    start, end = span
    inside = [i for i, (token, _, _) in enumerate(tokens) if offsets[i] < end and offsets[i] + len(token) > start]
    if not inside:
        return None
    joint = math.exp(sum(tokens[i][1] for i in inside))
    first = inside[0]
    token, token_logprob, alternatives = tokens[first]
    lead = raw[offsets[first] : start]  # e.g. the opening quote when it shares the label's first token
    if token not in dict(alternatives):
        alternatives = [*alternatives, (token, token_logprob)]
    if len(_labels_started_by(token[len(lead) :], names)) != 1:
        return joint, None
    mass = dict.fromkeys(names, 0.0)
    for alternative, logprob in alternatives:
        if not alternative.startswith(lead):
            continue  # e.g. an unquoted label where a JSON string was being written: not a well-formed answer
        started = _labels_started_by(alternative[len(lead) :], names)
        if len(started) == 1:
            mass[started[0]] += math.exp(logprob)
    listed = tokens[first][2]
    if top_k is not None and len(listed) >= top_k:
        floor = min(math.exp(logprob) for _, logprob in listed)
        mass = {name: value or floor for name, value in mass.items()}
    total = sum(mass.values())
    if total <= 0 or mass[label] <= 0:
        return joint, None
    probabilities = {name: value / total for name, value in mass.items()}
    return probabilities[label], probabilities


def _labels_started_by(piece: str, names: Sequence[str]) -> list[str]:
    """Labels this token could be the beginning of (or the whole of, followed by closing punctuation)."""
    folded = piece.casefold()
    if not folded.strip():
        return []
    found = []
    for name in names:
        target = name.casefold()
        if target.startswith(folded) or (folded.startswith(target) and not folded[len(target) :].strip("\"'.,}\n ")):
            found.append(name)
    return found


def _top_logprobs(labels: LabelSet) -> int:
    return min(20, len(labels) + 3)  # room for every label and a few other tokens; 20 is OpenAI's limit


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


# -- helpers --


def _refused_feature(error: BaseException) -> str | None:
    """Which request feature a provider's error refuses, if it refuses one."""
    status = getattr(error, "status_code", None)
    name = type(error).__name__
    if name in ("Timeout", "RateLimitError", "AuthenticationError", "NotFoundError", "APIConnectionError") and (
        status not in (400, 422, 500)
    ):
        return None
    if status not in (None, 400, 415, 422, 500, 501) and name != "UnsupportedParamsError":
        return None
    message = str(error).lower()
    if any(word in message for word in ("response_format", "json_schema", "json_object", "structured output")):
        return "response_format"
    if "logprobs" in message:
        return "logprobs"
    return None


_MISSING_CREDENTIALS = re.compile(
    r"missing credentials|api_key client option must be set|missing api key|no api key|api key (?:is )?(?:not|missing)",
    re.IGNORECASE,
)


def _credentials_missing(error: BaseException) -> bool:
    """A key that was never given: litellm reports it as an HTTP 500 from the client, but it is configuration."""
    return bool(_MISSING_CREDENTIALS.search(str(error)))


def _worth_retrying(error: BaseException) -> bool:
    """Timeouts, rate limits, lost connections and server errors heal; refusals, bad answers and a missing key
    do not."""
    if _credentials_missing(error):
        return False
    litellm = get_litellm()
    transient = (
        litellm.Timeout,
        litellm.RateLimitError,
        litellm.APIConnectionError,
        litellm.InternalServerError,
        litellm.ServiceUnavailableError,
        litellm.BadGatewayError,
    )
    status = getattr(error, "status_code", None)
    if not (isinstance(error, transient) or (isinstance(status, int) and status >= 500)):
        return False
    return _refused_feature(error) is None and _unparsable_body(error) is None


def _backoff(retry_state: Any) -> float:
    """The provider's Retry-After when it gives a sane one, else exponential backoff with jitter."""
    import tenacity

    error = retry_state.outcome.exception() if retry_state.outcome else None
    retry_after = _retry_after_seconds(error)
    if retry_after is not None:
        return retry_after
    return float(tenacity.wait_random_exponential(multiplier=0.5, min=0.25, max=8)(retry_state))


def _retry_after_seconds(error: BaseException | None) -> float | None:
    headers = getattr(error, "litellm_response_headers", None) or getattr(
        getattr(error, "response", None), "headers", None
    )
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name)) * scale
        except (TypeError, ValueError):
            continue
        if 0 <= value <= 60:
            return value
    return None


def _unparsable_body(error: BaseException) -> str | None:
    """The body of a response that was not JSON at all (a proxy's HTML error page, say), if that was the error."""
    cause = _cause(error, lambda e: isinstance(e, json.JSONDecodeError))
    return cause.doc[:2000] if isinstance(cause, json.JSONDecodeError) else None


def _connection_failed(error: BaseException) -> bool:
    # litellm reports a refused connection as an HTTP 500; the cause underneath says what happened.
    return (
        _cause(error, lambda e: type(e).__name__ in ("APIConnectionError", "ConnectError", "ConnectTimeout"))
        is not None
    )


def _cause(error: BaseException, wanted: Any) -> BaseException | None:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if wanted(current):
            return current
        pending += [current.__cause__, current.__context__]
    return None


@functools.lru_cache(maxsize=256)
def _reasons_before_answering(model: str) -> bool:
    try:
        return bool(get_litellm().supports_reasoning(model=model))
    except Exception:
        return False


_LITELLM_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+Error:\s*)?(?:\w+Exception\s*-\s*)?")


def _short_message(error: Exception, limit: int = 300) -> str:
    text = _LITELLM_PREFIX.sub("", str(error).strip()).strip() or type(error).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _secret_strings(secrets: Mapping[str, Any]) -> list[str]:
    values: list[str] = []
    for value in secrets.values():
        if isinstance(value, str) and len(value) >= 4:
            values.append(value)
        elif isinstance(value, Mapping):
            values += _secret_strings(value)
    return values


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
