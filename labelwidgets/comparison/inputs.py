"""What compare() compares: the human-labeled items of a Labeler, a DataFrame or a long table of annotations.

The items handed to suggesters carry the input columns only. The human label column, the columns a Labeler writes
with each decision (label, decision, annotator, time), a long table's item and annotator columns, and any column in
``exclude=`` never reach a suggester: a suggester that could read the answer would top the board by copying it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.keys import encode_key
from labelwidgets.kinds import SINGLE, AnswerKind, kind_named
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.checks import answer_kind
from labelwidgets.missing import is_missing
from labelwidgets.suggesters.base import Item, Suggester

#: The fields of a Labeler's result columns that come from the person's decision; suggesters never see them.
HUMAN_RESULT_FIELDS = ("label", "decision", "annotator", "decided_at", "seconds")


@dataclass
class Prepared:
    """The compared items, in the order of the input, and where each came from."""

    source: str  # "labeler", "dataframe" or "long"
    frame: pd.DataFrame  # index: the item keys as given; columns: every input column of the item's (first) row
    keys: list[str]  # encoded keys, as suggesters and the store see them
    rows: np.ndarray  # row position in the input DataFrame (-1 for a long table)
    human: np.ndarray  # the human answers as labels.kind.compared encodes them (int codes for one label each)
    labels: LabelSet
    text_column: str
    human_column: str
    excluded: dict[str, int]
    votes: list[str] | None  # per item, e.g. "spam 2 · ham 1", for a long table
    target: Any  # the Labeler or the DataFrame a relabel writes to
    hidden: tuple[str, ...] = ()  # columns of ``frame`` that hold or reveal the answer: never in an Item's fields

    def items(self) -> list[Item]:
        """The items as suggesters see them: the text, and the other input columns as fields (as lw.suggest)."""
        texts = self.frame[self.text_column].tolist()
        records = self.frame.drop(columns=[*self.hidden, self.text_column]).to_dict("records")
        return [
            Item(key=key, text=as_text(text), fields={str(k): v for k, v in record.items()})
            for key, text, record in zip(self.keys, texts, records, strict=True)
        ]


def named_suggesters(suggesters: Any) -> dict[str, Suggester]:
    if isinstance(suggesters, Mapping):
        pairs = [(str(name), s) for name, s in suggesters.items()]
    elif isinstance(suggesters, (list, tuple)):
        pairs = [(str(getattr(s, "name", "") or type(s).__name__), s) for s in suggesters]
    else:
        raise InputError(
            "suggesters must be a {name: suggester} dict (or a list of suggesters), e.g. "
            "suggesters={'vendor': lw.FromColumn('vendor_label')}; got " + type(suggesters).__name__ + "."
        )
    if not pairs:
        raise InputError("suggesters is empty: give at least one, e.g. suggesters={'vendor': lw.FromColumn('v')}.")
    names = [name for name, _ in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"two suggesters share the name(s) {repeated}; pass a dict to name each one.")
    return dict(pairs)


def is_labeler(data: Any) -> bool:
    session = getattr(data, "session", None)
    return session is not None and callable(getattr(session, "decide", None)) and hasattr(session, "df")


def prepare(
    data: Any, *, human: str | None, text: str | None, labels: Any, item: str | None, annotator: str | None,
    exclude: Iterable[str] = (), kind: str | AnswerKind | None = None,
) -> Prepared:  # fmt: skip
    """The items of ``data`` with a usable human label, and the columns suggesters must not see.

    ``kind`` is the kind of answer compared; None takes the Labeler's, a ``LabelSet``'s, or reads it from the human
    column (lists of names: multi-label). ``Prepared.human`` holds the human answers as ``AnswerKind.compared``
    encodes them."""
    if isinstance(exclude, str):
        exclude = [exclude]
    exclude = [str(c) for c in exclude]
    prepared = _prepare(data, human=human, text=text, labels=labels, item=item, annotator=annotator, kind=kind)
    _require_columns(prepared.frame, **{f"exclude[{i}]": c for i, c in enumerate(exclude)})
    hidden = [*prepared.hidden, *exclude]
    if prepared.text_column in hidden:
        raise InputError(f"the text column {prepared.text_column!r} is the input; it cannot be hidden from suggesters.")
    prepared.hidden = tuple(dict.fromkeys(hidden))
    return prepared


def check_inputs_only(named: Mapping[str, Suggester], prepared: Prepared) -> None:
    """Refuse a suggester that says it reads a hidden column (``FromColumn("label")`` on the human labels)."""
    for name, suggester in named.items():
        columns = getattr(suggester, "columns", None)
        read = columns() if callable(columns) else []
        leaked = [c for c in read if c in prepared.hidden]
        if leaked:
            raise InputError(
                f"suggesters[{name!r}] reads column {leaked[0]!r}, which holds the human labels (or reveals them; "
                f"hidden from suggesters: {list(prepared.hidden)}): it would score by copying the answer. Compare "
                "a column of another model's labels, or pass human= if this column is not the human label."
            )


def _prepare(
    data: Any, *, human: str | None, text: str | None, labels: Any, item: str | None, annotator: str | None,
    kind: str | AnswerKind | None,
) -> Prepared:  # fmt: skip
    if is_labeler(data):
        if item is not None:
            raise InputError("item= is for a long table of annotations; a Labeler has one decision per item.")
        session = data.session
        results = getattr(session, "_results", None)
        written = dict(getattr(results, "names", {}))
        prepared = _prepare_wide(
            session.df, human=human or written.get("label", "label"), text=text or session.text_column,
            labels=session.labels if labels is None else labels, keys=session.keys, source="labeler", target=data,
            kind=session.labels.kind if kind is None and labels is None else kind,
        )  # fmt: skip
        # what the person decided, and when and how long it took, says what the label is
        decided = [written[f] for f in HUMAN_RESULT_FIELDS if written.get(f) in prepared.frame.columns]
        prepared.hidden = tuple(dict.fromkeys([*prepared.hidden, *decided]))
        return prepared
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"compare() needs a pandas DataFrame or a Labeler, got {type(data).__name__}.")
    if item is not None:
        if _kind_of(data, human or "label", labels, kind) is not SINGLE:
            raise InputError(
                "item= (a long table of annotations, one majority label per item) takes one label per answer; for "
                "multi-label answers pass one row per item with its agreed set of labels."
            )
        return _prepare_long(data, human=human or "label", text=text or "text", labels=labels, item=item,
                             annotator=annotator)  # fmt: skip
    if annotator is not None:
        raise InputError("annotator= needs item= too: pass the column that identifies the item in a long table.")
    if not data.index.is_unique:
        repeated = data.index[data.index.duplicated()].unique()[:5].tolist()
        raise InputError(
            f"the DataFrame index has duplicate values (e.g. {repeated}); each row must be one item. For a long "
            "table with several annotators per item pass item='<item column>' (and annotator=), else reset_index()."
        )
    return _prepare_wide(data, human=human or "label", text=text or "text", labels=labels, keys=data.index,
                         source="dataframe", target=data, kind=kind)  # fmt: skip


def _require_columns(df: pd.DataFrame, **columns: str) -> None:
    missing = {arg: col for arg, col in columns.items() if col not in df.columns}
    if missing:
        wanted = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        listed = [str(c) for c in df.columns][:30]
        raise InputError(
            f"compare(): column(s) {list(missing.values())} not found ({wanted}); the DataFrame has {listed}."
        )


def _kind_of(df: pd.DataFrame, human: str, labels: Any, kind: str | AnswerKind | None) -> AnswerKind:
    """The kind of answer compared: ``kind`` when given, a LabelSet's own, else read from the human column."""
    if kind is not None:
        return kind_named(kind)
    if isinstance(labels, LabelSet):
        return labels.kind
    _require_columns(df, human=human)
    return answer_kind(df, "compare", human)


def _label_set(labels: Any, used: pd.Series, kind: AnswerKind, column: str) -> LabelSet:
    if labels is not None:
        return LabelSet.parse(labels, kind)
    names = sorted({str(v) for v in kind.names_seen(used, "compare", column)})
    if not names:
        raise InputError("no human labels to infer the label set from; pass labels=[...].")
    return LabelSet.parse(names, kind)


def _human_values(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(labels as an object array of str or None, mask of present values)."""
    raw = values.to_numpy(dtype=object)
    present = ~pd.isna(raw)  # is_missing, elementwise (pd.isna never calls a list-like cell missing)
    out = np.full(len(raw), None, dtype=object)
    out[present] = [str(v) for v in raw[present]]
    return out, present


def check_known(values: np.ndarray, labels: LabelSet, column: str) -> np.ndarray:
    """Codes of human labels into ``labels.names``; a label outside them is refused, listing the values."""
    codes = pd.Index(labels.names, dtype=object).get_indexer(values)
    unknown = pd.Series(values[codes < 0]).value_counts()
    if len(unknown):
        listed = ", ".join(f"{name!r} ({count}×)" for name, count in unknown.head(10).items())
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise InputError(
            f"the human labels in {column!r} include {len(unknown)} value(s) not in the labels {labels.names}: "
            f"{listed}{more}. Add them to labels=, or fix or drop those rows."
        )
    return np.asarray(codes, dtype=np.int64)


def _no_rows_error(column: str, total: int, excluded: Mapping[str, int]) -> InputError:
    why = ", ".join(f"{count} {reason}" for reason, count in excluded.items()) or "none"
    return InputError(
        f"compare() has no rows to compare: none of the {total} row(s) has a usable human label in {column!r} "
        f"(left out: {why}). Label some rows first, or pass human='<column with the human labels>'."
    )


def _prepare_wide(
    df: pd.DataFrame, *, human: str, text: str, labels: Any, keys: pd.Index, source: str, target: Any,
    kind: str | AnswerKind | None,
) -> Prepared:  # fmt: skip
    _require_columns(df, human=human, text=text)
    answer_kind_ = _kind_of(df, human, labels, kind)
    raw = df[human].to_numpy(dtype=object)
    present = ~pd.isna(raw)  # elementwise: a list of labels is never missing, [] included
    label_set = _label_set(labels, df[human][present], answer_kind_, human)
    excluded = {"without a human label": int((~present).sum())} if (~present).any() else {}
    if not present.any():
        raise _no_rows_error(human, len(df), excluded)
    rows = np.flatnonzero(present)
    codes = label_set.kind.compared(raw[rows], label_set, column=human)
    frame = df.iloc[rows]
    frame.index = keys[rows]
    encoded = [encode_key(k) for k in frame.index]
    return Prepared(source, frame, encoded, rows, codes, label_set, text, human, excluded, None, target, (human,))


def _prepare_long(
    df: pd.DataFrame, *, human: str, text: str, labels: Any, item: str, annotator: str | None
) -> Prepared:
    _require_columns(df, item=item, human=human, text=text, **({"annotator": annotator} if annotator else {}))
    if df[item].isna().any():
        raise InputError(f"{int(df[item].isna().sum())} row(s) have no {item!r}: every annotation needs its item.")
    values, present = _human_values(df[human])
    excluded: dict[str, int] = {}
    if (~present).any():
        excluded["annotation rows without a label"] = int((~present).sum())
    label_set = _label_set(labels, pd.Series(values[present], dtype=object), SINGLE, human)
    check_known(values[present], label_set, human)
    votes_frame = pd.DataFrame({"item": df[item].to_numpy()[present], "label": values[present]})
    if annotator is not None:
        who = df[annotator].to_numpy()[present]
        repeated = pd.DataFrame({"item": votes_frame["item"], "who": who}).duplicated(keep=False)
        if repeated.any():
            examples = votes_frame.loc[repeated.to_numpy(), "item"].unique()[:3].tolist()
            raise InputError(
                f"some annotators labeled an item more than once (e.g. items {examples}); keep one label each, e.g. "
                f"df.drop_duplicates([{item!r}, {annotator!r}], keep='last')."
            )
    first = df.drop_duplicates(item, keep="first")
    counts = votes_frame.groupby(["item", "label"], sort=False).size().unstack(fill_value=0)
    counts = counts.reindex(index=pd.Index(first[item]), fill_value=0)
    ordered = counts.reindex(columns=[n for n in label_set.names if n in counts.columns], fill_value=0)
    totals = ordered.to_numpy()
    top = totals.max(axis=1) if totals.size else np.zeros(len(ordered), dtype=np.int64)
    labeled = top > 0
    tied = labeled & ((totals == top[:, None]).sum(axis=1) > 1)
    if (~labeled).any():
        excluded["items without a human label"] = int((~labeled).sum())
    if tied.any():
        excluded["items where the annotators tie"] = int(tied.sum())
    keep = labeled & ~tied
    if not keep.any():
        raise _no_rows_error(human, len(first), excluded)
    majority = np.asarray(ordered.columns, dtype=object)[totals.argmax(axis=1)][keep]
    codes = check_known(majority, label_set, human)
    frame = first.iloc[np.flatnonzero(keep)].set_index(item, drop=False)
    frame[human] = majority
    names = list(ordered.columns)
    votes = [
        " · ".join(f"{names[j]} {int(c)}" for j, c in sorted(enumerate(row), key=lambda x: -x[1]) if c)
        for row in totals[keep]
    ]
    encoded = [encode_key(k) for k in frame.index]
    rows = np.full(len(frame), -1, dtype=np.int64)
    hidden = (human, item, *([annotator] if annotator else []))
    return Prepared("long", frame, encoded, rows, codes, label_set, text, human, excluded, votes, df, hidden)


def as_text(value: Any) -> str:
    """A cell as the text a suggester reads: a missing one is empty, anything else its str()."""
    if isinstance(value, str):
        return value
    return "" if is_missing(value) else str(value)
