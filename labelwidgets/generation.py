"""`lw.generate`: fill an output column with a model's replies to each row's prompt, so that a comparison can start
from two prompts and no outputs yet.

>>> lw.generate(df, lw.LLM("gpt-4o-mini"), prompt="Answer in one sentence: {question}", column="reply_b")
>>> lw.generate(df, lw.LocalLLM(), prompt="question", column="reply_a", max_tokens=64)   # offline, bundled model
>>> lw.Labeler(df, kind="pair", prompt="question", outputs=("reply_a", "reply_b"))

Generation is not what this package is for; this is the small step before judging. It behaves as `lw.suggest`
does: a cost estimate and a confirmation above ``confirm_above`` dollars before anything is sent, an on-disk cache
(an `lw.LLM`'s own: the same model, messages and settings answer from it at no cost), a progress bar, and a failure
that costs its row, never the run: the row's output stays empty and its error goes to ``<column>_error``.

``prompt=`` is either

* the name of a column: each row's text in it is the prompt, as it is; or
* a template with ``{column}`` placeholders, filled from each row: ``"Answer briefly: {question}"``. Every
  placeholder must name a column; write a literal brace as ``{{`` or ``}}``.

A string that is neither a column nor has a placeholder is refused (it would send every row the same prompt).
A row with a missing value in a column the prompt reads is not sent: its output stays empty, its error says why.

Replies are greedy (temperature 0 unless the LLM was made with another ``temperature``), so the same prompt gives
the same reply. A reply cut at ``max_tokens`` is kept, and ``<column>_finish`` says ``"length"`` for it (``"stop"``
for a reply that ended by itself).
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from labelwidgets.errors import CostNotConfirmed, InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.missing import is_missing
from labelwidgets.suggesters.cost import _NobodyToAsk, ask, check_confirm_above
from labelwidgets.suggesters.runner import ProgressCallback

if TYPE_CHECKING:
    from labelwidgets.suggesters.llm.llm import LLM
    from labelwidgets.suggesters.local import LocalLLM

#: The longest reply asked for unless said otherwise; also what a cost estimate prices every reply at.
DEFAULT_MAX_TOKENS = 256


@dataclass(frozen=True)
class Generation:
    """One reply to one prompt, or why there is none (``text`` None, ``error`` says why)."""

    text: str | None
    error: str | None = None
    finish_reason: str | None = None  # "stop": the reply ended by itself; "length": cut at max_tokens
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    cached: bool = False

    @classmethod
    def failed(cls, error: str) -> Generation:
        return cls(text=None, error=error)


@dataclass(frozen=True)
class PromptSource:
    """Where each row's prompt comes from: a column as it is, or a template filled from columns."""

    text: str
    columns: tuple[str, ...]
    is_template: bool

    @classmethod
    def parse(cls, prompt: Any, df: pd.DataFrame) -> PromptSource:
        if not isinstance(prompt, str) or not prompt:
            raise InputError(
                f"prompt= must be a column name or a template such as 'Answer briefly: {{question}}', got {prompt!r}."
            )
        if prompt in df.columns:
            return cls(prompt, (prompt,), is_template=False)
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(prompt) if name is not None]
        except ValueError as error:  # a lone "{" or "}"
            raise InputError(
                f"prompt={prompt!r} is not a column and not a valid template ({error}); write a literal brace as "
                f"{{{{ or }}}}."
            ) from None
        if not fields:
            raise InputError(
                f"prompt={prompt!r} is not a column and has no {{column}} placeholder, so every row would get the "
                f"same prompt. Name a column (one of {list(df.columns)}) or put one in braces, e.g. "
                f"'{prompt.rstrip()} {{{df.columns[0] if len(df.columns) else 'question'}}}'."
            )
        unknown = [name for name in fields if name not in df.columns]
        if unknown:
            shown = "{" + unknown[0] + "}"
            raise InputError(
                f"prompt={prompt!r}: the placeholder {shown} names no column; the columns are {list(df.columns)}. "
                f"Placeholders are plain column names (a literal brace is {{{{ or }}}})."
            )
        return cls(prompt, tuple(dict.fromkeys(fields)), is_template=True)

    def row_prompt(self, row: dict[str, Any]) -> str | None:
        """The prompt for one row; None when a column it reads is missing there."""
        if any(is_missing(row[c]) for c in self.columns):
            return None
        if not self.is_template:
            return str(row[self.text])
        return self.text.format_map({c: row[c] for c in self.columns})


@public
@takes_frames("df")
def generate(
    df: Frame,
    model: LLM | LocalLLM,
    *,
    prompt: str,
    column: str,
    system: str | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overwrite: bool = False,
    progress: bool | ProgressCallback = True,
    confirm_above: float | None = 1.0,
) -> pd.DataFrame:
    """Write ``model``'s reply to each row's prompt into ``df[column]`` (in place) and return ``df``.

    ``model`` is an `lw.LLM` (any litellm model; its cache, retries, concurrency, price and credentials are used) or
    an `lw.LocalLLM` (offline; the bundled SmolLM2-135M writes short, often weak replies: a demo, not a system to
    compare). ``prompt`` is a column name or a template with ``{column}`` placeholders (see the module). ``system``
    is an optional system message sent before every prompt.

    Beside ``column`` it writes ``<column>_error`` (why a row has no reply, else None) and ``<column>_finish``
    (``"stop"``, or ``"length"`` for a reply cut at ``max_tokens``). Existing columns are never overwritten unless
    ``overwrite=True``. Columns are written only when every row has been tried, so an interrupted run leaves ``df``
    as it was; run it again and the LLM's cache answers the rows it already did.

    Money, as `lw.suggest`: before anything is sent, the run is priced (the exact prompts, and ``max_tokens`` for
    every reply: an upper bound). Above ``confirm_above`` dollars, or when the price is unknown, it asks for a yes
    and raises ``CostNotConfirmed`` where nobody can answer; ``confirm_above=None`` never asks. A LocalLLM, and an
    LLM on a local server, are free.
    """
    from labelwidgets.suggesters.llm.llm import LLM
    from labelwidgets.suggesters.local import LocalLLM

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"generate() needs a pandas DataFrame, got {type(df).__name__}.")
    if not isinstance(model, (LLM, LocalLLM)):
        raise InputError(
            f"generate() needs an lw.LLM or an lw.LocalLLM as model, got {type(model).__name__}; e.g. "
            f"lw.LLM('gpt-4o-mini') or lw.LocalLLM() (offline)."
        )
    source = PromptSource.parse(prompt, df)
    if not isinstance(column, str) or not column:
        raise InputError(f"column= must name the output column to write, e.g. column='reply_b'; got {column!r}.")
    if column in source.columns:
        raise InputError(f"column={column!r} is a column the prompt reads; write the replies to another column.")
    if system is not None and not isinstance(system, str):
        raise InputError(f"system= must be a string (a system message) or None, got {type(system).__name__}.")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise InputError(f"max_tokens must be a positive whole number of tokens, got {max_tokens!r}.")
    written = {"text": column, "error": f"{column}_error", "finish": f"{column}_finish"}
    taken = [name for name in written.values() if name in df.columns]
    if taken and not overwrite:
        raise InputError(
            f"the DataFrame already has column(s) {taken}; generate() will not overwrite them. Choose another "
            f"column= or pass overwrite=True."
        )
    limit = check_confirm_above(confirm_above)

    rows = df[list(source.columns)].to_dict("records")
    prompts = [source.row_prompt(row) for row in rows]
    asked = [p for p in prompts if p is not None]
    messages = [_messages(p, system) for p in asked]
    if isinstance(model, LLM):
        _confirm_cost(model, messages, max_tokens, limit)
        answers = _generate_with_llm(model, messages, max_tokens, progress)
    else:
        answers = _generate_locally(model, messages, max_tokens, progress)
    replies = iter(answers)
    missing = f"no prompt: a column it reads ({', '.join(source.columns)}) is empty in this row"
    done = [Generation.failed(missing) if p is None else next(replies) for p in prompts]
    df[written["text"]] = pd.Series([g.text for g in done], index=df.index, dtype=object)
    df[written["error"]] = pd.Series([g.error for g in done], index=df.index, dtype=object)
    df[written["finish"]] = pd.Series([g.finish_reason for g in done], index=df.index, dtype=object)
    return df


def _messages(prompt: str, system: str | None) -> list[dict[str, str]]:
    head = [{"role": "system", "content": system}] if system else []
    return [*head, {"role": "user", "content": prompt}]


# -- money --


def _confirm_cost(model: LLM, messages: Sequence[list[dict[str, str]]], max_tokens: int, limit: float | None) -> None:
    """Ask before a run that costs more than ``limit`` dollars or an unknown amount, as `lw.suggest` does."""
    if limit is None or not messages:
        return
    dollars = model.estimate_generation_cost(messages, max_tokens=max_tokens)
    if dollars is not None and dollars <= limit:
        return
    what = f"generate() would send {len(messages):,} prompts to {model.name}"
    if dollars is None:
        because = "its cost cannot be estimated (litellm has no price for it; give price=(input, output) to lw.LLM)."
        advice = "Pass confirm_above=None to run without asking, or try a few rows first (e.g. df.head(5))."
    else:
        because = (f"estimated cost ${dollars:,.2f} with max_tokens={max_tokens} per reply, above "
                   f"confirm_above=${limit:,.2f}.")  # fmt: skip
        advice = (f"Pass confirm_above={math.ceil(dollars * 1.2 * 100) / 100:g} (or None to never ask), lower "
                  f"max_tokens, or use fewer rows.")  # fmt: skip
    try:
        confirmed = ask(f"{what}; {because} Proceed? [y/N] ")
    except _NobodyToAsk as nobody:  # a script, nbconvert, CI
        raise CostNotConfirmed(f"generate() did not run: {because} Nobody can confirm {nobody}. {advice}") from None
    if not confirmed:
        raise CostNotConfirmed(f"generate() did not run: {because} Not confirmed. {advice}")


# -- through litellm --


def _generate_with_llm(
    model: LLM, messages: Sequence[list[dict[str, str]]], max_tokens: int, progress: bool | ProgressCallback
) -> list[Generation]:
    results: list[Generation | None] = [None] * len(messages)
    bar = _progress(len(messages), f"generate ({model.name})", progress)
    try:
        if len(messages) <= 1:  # no pool for one row
            for i, chat in enumerate(messages):
                answer = model.generate_chat(chat, max_tokens=max_tokens)
                results[i] = answer
                bar.advance(1, int(answer.text is None))
        else:
            pool = ThreadPoolExecutor(
                min(len(messages), model.max_concurrency), thread_name_prefix="labelwidgets-generate"
            )
            try:
                futures = {
                    pool.submit(model.generate_chat, chat, max_tokens=max_tokens): i for i, chat in enumerate(messages)
                }
                for future in as_completed(futures):
                    answer = future.result()
                    results[futures[future]] = answer
                    bar.advance(1, int(answer.text is None))
            finally:  # Ctrl-C: prompts not yet sent are dropped, so no more money is spent
                pool.shutdown(wait=False, cancel_futures=True)
    finally:
        bar.close()
    return [r if r is not None else Generation.failed("no answer") for r in results]


# -- on this machine --


def _generate_locally(
    model: LocalLLM, messages: Sequence[list[dict[str, str]]], max_tokens: int, progress: bool | ProgressCallback
) -> list[Generation]:
    results: list[Generation] = []
    bar = _progress(len(messages), f"generate ({model.name})", progress)
    try:
        for chat in messages:  # one at a time: one llama.cpp context, and a crash costs one row
            answer = model.generate_chat(chat, max_tokens=max_tokens)
            results.append(answer)
            bar.advance(1, int(answer.text is None))
    finally:
        bar.close()
    return results


def _progress(total: int, desc: str, progress: bool | ProgressCallback) -> Any:
    from labelwidgets.suggesters.runner import _Progress  # the bar lw.suggest shows, with the failures counted

    return _Progress(total, desc, progress)
