"""The money guard in front of every run over many items (`lw.suggest`, `lw.compare`). It fails closed.

A suggester says what a run would cost with ``estimate_cost(items, labels) -> float | None`` (dollars). Before a
run the guard asks for a yes, on stdin, when

* the estimates add up to more than ``confirm_above`` dollars, or
* any cost is **unknown**: ``estimate_cost`` returned None (e.g. ``lw.LLM`` with a model litellm has no price
  for, at an address that is not a local server), raised, or returned something that is not a finite number; or
  the suggester has no ``estimate_cost`` but says ``costs_money = True``. An unknown cost is asked about whatever
  ``confirm_above`` is, since it could be anything.

An ``lw.LLM`` whose ``api_base`` is ``localhost`` or a literal loopback or private-network address estimates 0.0
(the user runs that server), and ``lw.LLM(..., price=(input, output))`` estimates from its own price in dollars
per million tokens, a local gateway to a paid model included (see `labelwidgets.suggesters.llm.llm.LLM`).

Where nobody can answer (a script without a terminal, nbconvert, CI) it raises `CostNotConfirmed` instead.
``confirm_above=None`` turns the guard off: you accept whatever the run costs.

A suggester without ``estimate_cost`` and without ``costs_money = True`` is free (``FromColumn``, ``LocalLLM``,
a rules function, a scikit-learn model) and is never asked about.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labelwidgets.errors import CostNotConfirmed, InputError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Item, Suggester


@dataclass(frozen=True)
class CostEstimate:
    """What a run would cost: dollars per suggester that could say, and why the others could not."""

    known: dict[str, float] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)  # suggester -> why its cost is unknown

    @property
    def total(self) -> float:
        """Dollars of the suggesters whose cost is known (a lower bound when some are unknown)."""
        return sum(self.known.values())


def check_confirm_above(confirm_above: Any) -> float | None:
    if confirm_above is None:
        return None
    if isinstance(confirm_above, bool) or not isinstance(confirm_above, (int, float)) or not confirm_above >= 0:
        raise InputError(f"confirm_above must be a number of dollars or None, got {confirm_above!r}.")
    return float(confirm_above)


def estimate(suggesters: Mapping[str, Suggester], items: Sequence[Item], labels: LabelSet) -> CostEstimate:
    """Ask every suggester what ``items`` would cost; free suggesters are left out of both lists."""
    known: dict[str, float] = {}
    unknown: dict[str, str] = {}
    for name, suggester in suggesters.items():
        method = getattr(suggester, "estimate_cost", None)
        if not callable(method):
            if getattr(suggester, "costs_money", False):
                unknown[name] = "it costs money and has no estimate_cost()"
            continue
        try:
            value = method(items, labels)
        except Exception as error:  # an estimate that fails is an unknown cost, never a free one
            unknown[name] = f"its estimate failed ({type(error).__name__}: {error})"
            continue
        if value is None:
            unknown[name] = "no price is known for it"
            continue
        try:
            dollars = float(value)
        except (TypeError, ValueError):
            unknown[name] = f"its estimate is {value!r}, not a number of dollars"
            continue
        if not math.isfinite(dollars) or dollars < 0:
            unknown[name] = f"its estimate is {value!r}, not a number of dollars"
            continue
        known[name] = dollars
    return CostEstimate(known, unknown)


def confirm_cost(
    suggesters: Mapping[str, Suggester],
    items: Sequence[Item],
    labels: LabelSet,
    confirm_above: float | None,
    *,
    caller: str,
) -> CostEstimate | None:
    """Ask before a run that costs more than ``confirm_above`` dollars or an unknown amount (see the module).

    Returns the estimate (None when ``confirm_above`` is None, which asks nothing); raises `CostNotConfirmed` on
    a no, or where nobody can answer. ``caller`` names the function in the messages, e.g. ``"compare()"``.
    """
    if confirm_above is None:
        return None
    found = estimate(suggesters, items, labels)
    if not found.unknown and found.total <= confirm_above:
        return found
    what = f"{caller} would run {_count(len(suggesters), 'suggester')} on {len(items):,} items"
    reasons = []
    if found.known:
        listed = ", ".join(f"{name} ${value:,.2f}" for name, value in found.known.items())
        over = f", above confirm_above=${confirm_above:,.2f}" if found.total > confirm_above else ""
        reasons.append(f"estimated cost ${found.total:,.2f} ({listed}){over}")
    if found.unknown:
        listed = "; ".join(f"{name}: {why}" for name, why in found.unknown.items())
        reasons.append(f"the cost of {_count(len(found.unknown), 'suggester')} cannot be estimated ({listed})")
    because = " and ".join(reasons) + "."
    situation = f"{what}; {because}"
    if found.unknown:
        advice = ("Pass confirm_above=None to run without asking (you accept whatever it costs), "
                  "or try it on a few rows first (e.g. df.sample(20, random_state=0)).")  # fmt: skip
    else:
        enough = math.ceil(found.total * 1.2 * 100) / 100
        advice = (f"Pass confirm_above={enough:g} (or confirm_above=None to never ask), "
                  "or use fewer rows (e.g. df.sample(200, random_state=0)).")  # fmt: skip
    try:
        confirmed = ask(f"{situation} Proceed? [y/N] ")
    except _NobodyToAsk as nobody:
        raise CostNotConfirmed(f"{caller} did not run: {because} Nobody can confirm {nobody}. {advice}") from None
    if not confirmed:
        raise CostNotConfirmed(f"{caller} did not run: {because} Not confirmed. {advice}")
    return found


class _NobodyToAsk(Exception):
    """No person can answer here (a script without a terminal, nbconvert, CI); says where, for the message."""


def ask(question: str) -> bool:
    """A yes on stdin, in a terminal or a notebook; raises _NobodyToAsk where nobody can answer."""
    in_kernel = "ipykernel" in sys.modules and _ipython_kernel() is not None
    if not in_kernel and (sys.stdin is None or not sys.stdin.isatty()):
        raise _NobodyToAsk("in this non-interactive run")
    try:
        answer = input(question)
    except (EOFError, OSError, NotImplementedError, RuntimeError) as error:  # StdinNotImplementedError in nbconvert
        raise _NobodyToAsk(f"in this run ({type(error).__name__})") from None
    return answer.strip().lower() in ("y", "yes")


def _ipython_kernel() -> Any:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:
        return None
    return getattr(shell, "kernel", None)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
