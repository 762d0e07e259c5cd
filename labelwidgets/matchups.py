"""`lw.pairs`: from a long table of many systems' outputs (one row per prompt and system) to the pairs to judge.

Each pair is one row: the prompt, the two systems (in a canonical order: the side each is shown on is drawn later,
per person, by the pair kind) and their outputs. Every pair of systems per prompt, or a balanced sample of
``per_prompt`` of them: systems that have met least so far are paired first, so that each system is judged about
as often as the others and against each of them.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.missing import is_missing

#: The columns `pairs` adds; `lw.Labeler(..., kind="pair", outputs=OUTPUTS)` judges them.
SYSTEMS = ("system_a", "system_b")
OUTPUTS = ("output_a", "output_b")


@takes_frames("long_df", text=("prompt", "output"))
def pairs(
    long_df: Frame,
    *,
    prompt: str = "prompt",
    system: str = "system",
    output: str = "output",
    per_prompt: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """The pairs of outputs to judge: one row per (prompt, two systems), with the columns ``prompt``,
    ``system_a``, ``system_b``, ``output_a`` and ``output_b``.

    >>> to_judge = lw.pairs(replies, prompt="question", system="model", output="reply", per_prompt=3, seed=0)
    >>> lw.Labeler(to_judge, kind="pair", prompt="question", outputs=("output_a", "output_b"))

    ``per_prompt=None`` gives every pair of systems for every prompt; ``per_prompt=k`` a balanced sample of ``k``
    pairs per prompt (seeded). The index names each pair by its prompt's text and its two systems, so the same pair
    has the same key when the table is made again (a store then resumes where it was).
    """
    if not isinstance(long_df, pd.DataFrame):
        raise InputError(
            f"lw.pairs takes a DataFrame with one row per prompt and system, got {type(long_df).__name__}."
        )
    missing = [c for c in (prompt, system, output) if c not in long_df.columns]
    if missing:
        raise InputError(
            f"lw.pairs: no column {missing[0]!r}; name the columns with prompt=, system= and output= (the table has "
            f"{list(long_df.columns)})."
        )
    if per_prompt is not None and (not isinstance(per_prompt, (int, np.integer)) or per_prompt < 1):
        raise InputError(f"per_prompt={per_prompt!r} must be a whole number of pairs per prompt, 1 or more, or None.")
    if long_df[system].map(is_missing).any():
        raise InputError(f"lw.pairs: some rows have no {system!r}; every output must say which system wrote it.")
    repeated = long_df.duplicated([prompt, system], keep=False)
    if repeated.any():
        first = long_df[repeated].iloc[0]
        raise InputError(
            f"lw.pairs: the system {first[system]!r} has {int(repeated.sum())} rows for one prompt (e.g. "
            f"{str(first[prompt])[:60]!r}); keep one output per prompt and system (e.g. drop_duplicates([{prompt!r}, "
            f"{system!r}]))."
        )
    rng = np.random.default_rng(seed)
    met: Counter[tuple[Hashable, Hashable]] = Counter()  # how often two systems were paired, over all prompts
    judged: Counter[Hashable] = Counter()  # how often each system was put in a pair
    rows = []
    for prompt_text, group in long_df.groupby(prompt, sort=False):
        outputs = dict(zip(group[system], group[output], strict=True))
        systems = sorted(outputs, key=str)
        candidates = [tuple(pair) for pair in itertools.combinations(systems, 2)]
        if per_prompt is not None and per_prompt < len(candidates):
            candidates = _balanced(candidates, per_prompt, met, judged, rng)
        for a, b in candidates:
            met[(a, b)] += 1
            judged[a] += 1
            judged[b] += 1
            rows.append((_pair_key(prompt_text, a, b), prompt_text, a, b, outputs[a], outputs[b]))
    if not rows:
        raise InputError(
            f"lw.pairs: no prompt has outputs from two systems or more, so there is nothing to compare (the "
            f"{system!r} column has {long_df[system].nunique()} value(s))."
        )
    table = pd.DataFrame(rows, columns=["pair", prompt, *SYSTEMS, *OUTPUTS]).set_index("pair")
    return table


def _balanced(
    candidates: list[tuple[Hashable, ...]],
    k: int,
    met: Counter[tuple[Hashable, Hashable]],
    judged: Counter[Hashable],
    rng: np.random.Generator,
) -> list[tuple[Hashable, ...]]:
    """``k`` of ``candidates``: the pairs that have met least, then whose systems were judged least, ties drawn."""
    chosen: list[tuple[Hashable, ...]] = []
    left = list(candidates)
    load = Counter(judged)
    for _ in range(k):
        draws = rng.random(len(left))
        best = min(range(len(left)), key=lambda i: (met[left[i]], load[left[i][0]] + load[left[i][1]], draws[i]))  # type: ignore[index]
        pair = left.pop(best)
        chosen.append(pair)
        load[pair[0]] += 1
        load[pair[1]] += 1
    return chosen


def _pair_key(prompt_text: object, a: object, b: object) -> str:
    digest = hashlib.sha256(str(prompt_text).encode()).hexdigest()[:12]
    return f"{digest}:{a}|{b}"


@takes_frames("labeler")  # a pair Labeler made from a polars frame: polars judgments
def judgments(labeler: Any, *, systems: tuple[str, str] | None = None) -> pd.DataFrame:
    """The verdicts of a pair Labeler's store (every annotator's decision in force, undos applied) as the table of
    judgments the pairwise statistics read: ``item``, ``annotator``, ``system_a``, ``system_b``, ``winner``,
    ``left`` (the system each person saw on the left).

    >>> lw.win_rates(lw.judgments(labeler)); lw.position_bias(lw.judgments(labeler))

    Systems are named by ``systems``, two columns holding each row's system names (``lw.pairs`` makes
    ``system_a`` and ``system_b``, used when the outputs are its ``output_a`` and ``output_b``); otherwise by the
    output columns themselves. A skipped or rejected item is no judgment; a tie, ``both_bad`` or a missing output
    stays what it is.
    """
    from labelwidgets.kinds.pair import PairVerdict, left_of
    from labelwidgets.session.fold import latest_in_force

    session = getattr(labeler, "session", None)
    kind = getattr(session, "kind", None)
    if not isinstance(kind, PairVerdict) or kind.outputs is None:
        raise InputError(
            "lw.judgments reads a pair Labeler (kind='pair', outputs=(...)); for labels, read labeler.decisions."
        )
    assert session is not None
    outputs = kind.outputs
    df = session.df
    if systems is None and outputs == OUTPUTS and all(c in df.columns for c in SYSTEMS):
        systems = SYSTEMS
    if systems is not None:
        missing = [c for c in systems if c not in df.columns]
        if missing or len(systems) != 2:
            raise InputError(f"systems= takes the two columns of system names; {missing or systems} not in the frame.")
    columns = ["item", "annotator", "system_a", "system_b", "winner", "left"]
    events = session.store.events_frame()
    if not len(events):
        return pd.DataFrame(columns=columns)
    current = latest_in_force(events)
    current = current[current["label"].notna()]
    rows = session.rows_of_keys(current["item_key"].to_numpy(dtype=object))
    current, rows = current[rows >= 0], rows[rows >= 0]
    names = [(str(df[systems[0]].iat[r]), str(df[systems[1]].iat[r])) if systems else outputs for r in rows.tolist()]
    table = []
    for (label, annotator, detail), row, (first, second) in zip(
        current[["label", "annotator", "detail"]].itertuples(index=False), rows.tolist(), names, strict=True
    ):
        by_output = {outputs[0]: first, outputs[1]: second}
        left = left_of(detail)
        table.append(
            (
                df.index[row],
                annotator,
                first,
                second,
                by_output.get(label, label),
                None if left is None else by_output.get(left),
            )
        )
    return pd.DataFrame(table, columns=columns)
