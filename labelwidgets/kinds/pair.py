"""Two outputs judged side by side: the answer names the better output (its column), a tie, or "both_bad".

A pair is a choice among a few outcomes, so it is stored, folded, undone and scored as one label per item: the
outcomes are the two output columns, ``tie`` and, when asked for, ``both_bad``. What a pair adds is how the item is
shown: its prompt (the ``text=`` column) above its two outputs, side by side, with the side each output takes drawn
per item and per person (seeded), so that a person's preference for one side can be measured; the side is
recorded with each decision (its ``detail``), and the answer always names the output, never the side.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from labelwidgets.errors import InputError
from labelwidgets.kinds.single import SingleLabel
from labelwidgets.missing import is_missing

if TYPE_CHECKING:
    from collections.abc import Hashable

    import numpy as np
    import pandas as pd

    from labelwidgets.metrics.pairs import Columns

#: The outcomes of a pair besides its two outputs.
TIE = "tie"
BOTH_BAD = "both_bad"
#: How much of an output the browser receives; a longer one is cut there, which the view says.
OUTPUT_CHARS = 20_000


class PairVerdict(SingleLabel):
    """Which of two outputs is better, a tie, or (``both_bad=True``) both bad.

    ``kind="pair"`` with ``outputs=("reply_a", "reply_b")`` makes the answers ``"reply_a"``, ``"reply_b"``,
    ``"tie"`` (and ``"both_bad"``): the winner's column, never the side it was shown on.
    """

    name = "pair"
    fingerprint: tuple[str, ...] = ("pair",)
    default_instructions = (
        "Two responses to the same prompt follow. Judge which response is better: more helpful, correct and clear. "
        "Do not let the order of the responses or their length decide."
    )

    def __init__(self, *, both_bad: bool = False, outputs: Sequence[str] | None = None) -> None:
        self.both_bad = bool(both_bad)
        self.outputs: tuple[str, str] | None = None if outputs is None else _two_outputs(outputs)

    @property
    def item_columns(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.outputs or ()

    def bind(self, outputs: Sequence[str] | None) -> PairVerdict:
        if outputs is None:
            if self.outputs is not None:
                return self
            raise InputError(
                "kind='pair' compares two outputs per item: name their columns with outputs=('reply_a', 'reply_b') "
                "(from a long table of many systems' outputs, lw.pairs(...) makes the pairs and their columns)."
            )
        return PairVerdict(both_bad=self.both_bad, outputs=outputs)

    def default_labels(self) -> dict[str, str]:
        """The outcomes, in key order (1: the first output, 2: the second, 3: tie, 4: both bad), with what each means.
        The view maps keys 1 and 2 to the sides the outputs are shown on."""
        if self.outputs is None:
            raise InputError("a pair's answers are its outputs: give outputs=('reply_a', 'reply_b').")
        return {
            **{output: f"{output} is better" for output in self.outputs or ()},
            TIE: "both are as good",
            **({BOTH_BAD: "neither is acceptable"} if self.both_bad else {}),
        }

    def presentation(self, item_key: str, annotator: str, seed: int) -> dict[str, str] | None:
        if self.outputs is None:
            return None
        first, second = self.outputs
        # One bit per (seed, person, item): the same on every showing and after a restart, different between
        # people, and uncorrelated with the item's order, so a preference for a side shows as one, not as a system's.
        digest = hashlib.blake2b(f"{seed}\x1f{annotator}\x1f{item_key}".encode(), digest_size=1).digest()
        swapped = bool(digest[0] & 1)
        return {"left": second if swapped else first, "right": first if swapped else second}

    def item_view(self, values: Mapping[str, Any], presented: Mapping[str, str] | None) -> dict[str, Any] | None:
        if presented is None:
            return None
        sides = {}
        for side in ("left", "right"):
            column = presented[side]
            value = values.get(column)
            text = "" if is_missing(value) else str(value)
            sides[side] = {"name": column, "text": text[:OUTPUT_CHARS], "length": len(text)}
        left, right = sides["left"], sides["right"]
        return {
            **sides,
            "missing": [s["name"] for s in (left, right) if not str(s["text"]).strip()],
            "identical": bool(str(left["text"]).strip()) and left["text"] == right["text"],
        }

    def refusal(self, stored: str, values: Mapping[str, Any]) -> str | None:
        if self.outputs is None or stored not in self.outputs:
            return None
        value = values.get(stored)
        if is_missing(value) or not str(value).strip():
            return (
                f"{stored} is empty for this item, so it cannot be the better output; answer {TIE!r}"
                + (f" or {BOTH_BAD!r}" if self.both_bad else "")
                + " if that is what you judge, or skip the item."
            )
        return None

    def describe(self, stored: str | None, labels: Any, *, text: str | None = None) -> str:
        if stored is None:
            return "no verdict"
        return f"{stored} better" if self.outputs and stored in self.outputs else stored

    def agreement_rows(
        self, frame: pd.DataFrame, cols: Columns, labels: list[Hashable], *, n_boot: int, rng: np.random.Generator,
        seed: int, ci: float, n_bins: int,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """One label's rows (accuracy is agreement on every outcome, ties included; kappa over the outcomes), and
        agreement *without ties* as MT-Bench reports it: over the pairs where neither verdict is a tie."""
        from labelwidgets.metrics.agreement import verdict_rows

        rows = super().agreement_rows(frame, cols, labels, n_boot=n_boot, rng=rng, seed=seed, ci=ci, n_bins=n_bins)
        return rows + verdict_rows(frame, cols, labels, ci=ci, ties=[TIE, BOTH_BAD])

    def __repr__(self) -> str:
        options = [f"outputs={self.outputs!r}"] if self.outputs else []
        options += ["both_bad=True"] if self.both_bad else []
        return f"PairVerdict({', '.join(options)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PairVerdict) and (other.both_bad, other.outputs) == (self.both_bad, self.outputs)

    def __hash__(self) -> int:
        return hash((self.name, self.both_bad, self.outputs))


def left_of(detail: str | None) -> str | None:
    """The output a decision's person saw on the left, from its ``detail`` (None: not a pair's decision)."""
    if not detail:
        return None
    try:
        data = json.loads(detail)
    except ValueError:
        return None
    left = data.get("left") if isinstance(data, dict) else None
    return left if isinstance(left, str) else None


def _two_outputs(outputs: Sequence[str]) -> tuple[str, str]:
    if isinstance(outputs, str) or len(outputs) != 2:
        shown = repr(outputs) if isinstance(outputs, str) else f"{len(outputs)}: {list(outputs)!r}"
        raise InputError(
            f"a pair compares exactly two outputs; outputs= got {shown}. Give two column names, e.g. "
            f"outputs=('reply_a', 'reply_b'); to compare more systems, lw.pairs(long_df, ...) makes every pair."
        )
    first, second = outputs
    if not isinstance(first, str) or not isinstance(second, str) or not first or not second:
        raise InputError(f"outputs= takes two column names (strings), got {list(outputs)!r}.")
    if first == second:
        raise InputError(f"outputs= names the column {first!r} twice: a pair compares two different outputs.")
    clash = [o for o in outputs if o in (TIE, BOTH_BAD)]
    if clash:
        raise InputError(
            f"an output column may not be called {clash[0]!r}: that name is a verdict. Rename the column, e.g. "
            f"df.rename(columns={{{clash[0]!r}: 'output_{clash[0].replace(' ', '_')}'}})."
        )
    return first, second


PAIR = PairVerdict()
