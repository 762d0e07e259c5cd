"""`lw.Judge`: a chat model that judges which of two outputs is better (``kind="pair"``), in both orders.

A judge reads the prompt and the two outputs as "Response A" and "Response B" and answers ``A``, ``B`` or ``tie``
(and ``both_bad`` when the pair asks for it). Asked in both orders (``swap=True``, the default), a verdict that
follows the order rather than the outputs (A first, then A again with the outputs swapped) is *inconsistent*: the
suggestion is then invalid, shown with both verdicts and never accepted (MT-Bench counts such a verdict as a tie;
`lw.position_bias` measures how often it happens). A consistent verdict's confidence is the mean of the two orders'
logprob confidences, where the provider gives them.

The calls, the structured-output ladder, the cache, retries, cost and secrets are `lw.LLM`'s: a Judge is an LLM
whose item text is the prompt with the two responses, over the label set ``A``, ``B``, ``tie``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.kinds.pair import BOTH_BAD, TIE, PairVerdict
from labelwidgets.labels import LabelSet
from labelwidgets.missing import is_missing
from labelwidgets.suggesters.base import Item, Suggestion
from labelwidgets.suggesters.llm.llm import LLM

JUDGE_INSTRUCTIONS = (
    "You are a careful, impartial judge. Read the prompt and the two responses to it, then decide which response "
    "is better: more helpful, correct, relevant and clear. The order of the responses and their length must not "
    "influence you. Answer A if Response A is better, B if Response B is better, or tie if they are equally good."
)
_BOTH_BAD_INSTRUCTION = " Answer both_bad if neither response is acceptable."


class Judge(LLM):
    """Judge pairs of outputs with a chat model through litellm (any litellm model; a local server works too).

    >>> judge = lw.Judge("gpt-4o-mini", instructions="Which reply answers the customer better?")
    >>> lw.Labeler(df, kind="pair", prompt="question", outputs=("reply_a", "reply_b"), suggester=judge)

    ``swap=True`` asks each pair in both orders (twice the calls): a verdict that flips with the order is shown as
    inconsistent, never as a win. ``swap=False`` asks once, in the order of ``outputs``. Every other keyword is
    `lw.LLM`'s (``api_base``, ``price``, ``logprobs``, ``cache``, ...); few-shot examples are not taken.
    """

    def __init__(self, model: str, *, instructions: str = JUDGE_INSTRUCTIONS, swap: bool = True, **kwargs: Any):
        if kwargs.get("few_shot") is not None:
            raise InputError("lw.Judge takes no few_shot examples; describe what makes a response better in "
                             "instructions= or guidelines= instead.")  # fmt: skip
        super().__init__(model, instructions=instructions, **kwargs)
        self.swap = bool(swap)

    def check_kind(self, labels: LabelSet) -> None:
        """Raise `InputError` unless the labels are a pair's verdicts (``kind="pair"`` with its outputs)."""
        kind = labels.kind
        if not isinstance(kind, PairVerdict) or kind.outputs is None:
            raise InputError(
                f"lw.Judge judges pairs of outputs: use it with kind='pair' and outputs=('reply_a', 'reply_b'), not "
                f"kind={kind.name!r} (lw.LLM suggests labels)."
            )

    def suggest(self, items: Sequence[Item], labels: LabelSet | Any) -> list[Suggestion]:
        labels = LabelSet.parse(labels)
        self.check_kind(labels)
        kind = labels.kind
        assert isinstance(kind, PairVerdict)
        if not items:
            return []
        orders = self._orders(kind)
        asked = [_as_responses(item, order) for item in items for order in orders]
        answers = LLM.suggest(self, asked, _verdict_labels(kind))
        n = len(orders)
        return [self._combine(item, kind, orders, answers[i * n : (i + 1) * n]) for i, item in enumerate(items)]

    def prompt_spec(self, labels: LabelSet | None = None) -> Any:
        spec = super().prompt_spec(labels)
        if labels is not None and BOTH_BAD in labels.names and _BOTH_BAD_INSTRUCTION not in spec.instructions:
            spec = replace(spec, instructions=spec.instructions + _BOTH_BAD_INSTRUCTION)
        return spec

    def judgments(self, df: pd.DataFrame, *, prompt: str, outputs: tuple[str, str], both_bad: bool = False,
                  systems: tuple[str, str] | None = None) -> pd.DataFrame:  # fmt: skip
        """Every row of ``df`` judged in each order asked, as the table of judgments the pairwise statistics read
        (`lw.win_rates`, `lw.position_bias`, `lw.judge_agreement`): one row per order, with the system shown first
        as ``left``. ``systems`` names columns holding each row's system names (as `lw.pairs` makes them);
        without it, the output columns are the systems."""
        kind = PairVerdict(both_bad=both_bad, outputs=outputs)
        orders = self._orders(kind)
        asked = [(row, order) for row in range(len(df)) for order in orders]
        items = [
            Item(key=str(df.index[row]), text=str(df[prompt].iat[row]), fields={c: df[c].iat[row] for c in outputs})
            for row in range(len(df))
        ]
        answers = LLM.suggest(self, [_as_responses(items[row], order) for row, order in asked], _verdict_labels(kind))
        table = []
        for (row, order), answer in zip(asked, answers, strict=True):
            names = _system_names(df, row, outputs, systems)
            winner = _winner(answer, order)
            table.append({
                "item": df.index[row],
                "annotator": self.name,
                "system_a": names[outputs[0]],
                "system_b": names[outputs[1]],
                "winner": None if winner is None else names.get(winner, winner),
                "left": names[order[0]],
            })  # fmt: skip
        return pd.DataFrame(table, columns=["item", "annotator", "system_a", "system_b", "winner", "left"])

    def _orders(self, kind: PairVerdict) -> list[tuple[str, str]]:
        first, second = kind.outputs or ("", "")
        return [(first, second), (second, first)] if self.swap else [(first, second)]

    def _combine(
        self, item: Item, kind: PairVerdict, orders: list[tuple[str, str]], answers: Sequence[Suggestion]
    ) -> Suggestion:
        empty = [c for c in kind.item_columns if is_missing(item.fields.get(c)) or not str(item.fields.get(c)).strip()]
        usage = _usage(answers)
        if empty:
            return Suggestion.invalid(f"{' and '.join(empty)} empty: nothing to judge", model=self.name, **usage)
        bad = next((a for a in answers if not a.valid), None)
        if bad is not None:
            return replace(bad, **usage)
        verdicts = [_winner(a, order) for a, order in zip(answers, orders, strict=True)]
        asked = zip(orders, verdicts, answers, strict=True)
        raw = json.dumps([{"first": order[0], "verdict": v, "said": a.raw} for order, v, a in asked])
        if len(set(verdicts)) > 1:
            said = "; ".join(f"{order[0]} shown first: {v}" for order, v in zip(orders, verdicts, strict=True))
            # No raw text: the view would show it as a label the suggester got wrong; the error says both verdicts.
            return Suggestion.invalid(
                f"inconsistent: the verdict follows the order, not the outputs ({said})", model=self.name, **usage
            )
        confidences = [a.confidence for a in answers if a.confidence is not None]
        known = sum(confidences) / len(confidences) if len(confidences) == len(answers) else None
        identical = str(item.fields.get(orders[0][0])) == str(item.fields.get(orders[0][1]))
        return Suggestion(
            label=verdicts[0],
            confidence=known,
            confidence_source=answers[0].confidence_source if known is not None else None,
            rationale=answers[0].rationale,
            model=self.name,
            prompt_id=answers[0].prompt_id,
            raw=raw,
            note="the two outputs are identical" if identical else None,
            **usage,
        )

    def __repr__(self) -> str:
        return super().__repr__().replace("LLM(", "Judge(", 1).rstrip(")") + f", swap={self.swap})"


def _verdict_labels(kind: PairVerdict) -> LabelSet:
    """What the judge answers: A, B, tie (both_bad), whichever outputs and sides the pair has."""
    verdicts = {"A": "Response A is better", "B": "Response B is better", TIE: "both are as good"}
    if kind.both_bad:
        verdicts[BOTH_BAD] = "neither is acceptable"
    return LabelSet.parse(verdicts)


def _as_responses(item: Item, order: tuple[str, str]) -> Item:
    """The item as the judge reads it: its prompt, then the outputs of ``order`` as Response A and Response B."""
    first, second = (_shown(item.fields.get(c)) for c in order)
    text = (
        f"[Prompt]\n{item.text}\n\n[Response A]\n{first}\n[End of Response A]\n\n"
        f"[Response B]\n{second}\n[End of Response B]"
    )
    return Item(key=None if item.key is None else f"{item.key}#{order[0]}", text=text, fields={})


def _shown(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def _winner(answer: Suggestion, order: tuple[str, str]) -> str | None:
    """The output (or tie, both_bad) a verdict over Response A / B names, given the order they were shown in."""
    if not answer.valid:
        return None
    return {"A": order[0], "B": order[1]}.get(answer.label or "", answer.label)


def _usage(answers: Sequence[Suggestion]) -> dict[str, Any]:
    def total(name: str) -> Any:
        values = [getattr(a, name) for a in answers]
        return None if all(v is None for v in values) else sum(v or 0 for v in values)

    return {name: total(name) for name in ("input_tokens", "output_tokens", "cost")}


def _system_names(
    df: pd.DataFrame, row: int, outputs: tuple[str, str], systems: tuple[str, str] | None
) -> dict[str, str]:
    if systems is None:
        return {outputs[0]: outputs[0], outputs[1]: outputs[1]}
    return {outputs[0]: str(df[systems[0]].iat[row]), outputs[1]: str(df[systems[1]].iat[row])}
