"""Helpers shared by the LLM suggester tests of one label per item and of sets of labels."""

from __future__ import annotations

from typing import Any

from fault_server import Reply, Responder

from labelwidgets.suggesters.llm import llm as llm_module
from labelwidgets.suggesters.llm.llm import LLM


def refusing_response_formats(answer: str) -> Responder:
    """A provider that refuses every request with a ``response_format`` (HTTP 400) and answers ``answer`` as plain
    text to one without it."""

    def respond(request: dict[str, Any]) -> Reply:
        if "response_format" in request:
            return Reply.error(400, "response_format is not supported by this model")
        return Reply.text(answer)

    return respond


def local_smollm2(api_base: str, instructions: str, *, timeout: float, **options: Any) -> LLM:
    """An LLM on the llama-cpp-python server's bundled SmolLM2 (fixture ``llama_server``), uncached, with one retry.

    What the model accepts is learned afresh, so the test sees the structured-output fallback this server needs.
    """
    llm_module.forget_capabilities()
    return LLM("openai/smollm2", api_base=api_base, api_key="sk-local", instructions=instructions, timeout=timeout,
               max_retries=1, cache=False, **options)  # fmt: skip
