"""`export` and `read_labels`: a source's rows to a JSONL, Parquet or CSV file and back, as the same DataFrame.

Each format keeps its rows plain, so that every other reader (pandas, `datasets.load_dataset`, DuckDB, a
spreadsheet) reads them as they are: the header (`labelwidgets.interchange.header.Header`) travels in Parquet's
schema metadata, and beside a JSONL or CSV file as ``<file>.meta.json`` (a header line in the JSONL itself would be
read as one more item by every reader that does not know it).
"""

from __future__ import annotations

import csv
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, user_stacklevel
from labelwidgets.frames import kind_named
from labelwidgets.interchange.header import (
    HEADER_KEY,
    Column,
    Header,
    as_text,
    cells_of,
    decode_column,
    dtype_of,
    dtype_spec,
    encode_column,
    from_text,
    is_missing,
    missing_of,
)
from labelwidgets.interchange.rows import ANSWERS_KEY, EXPORTED_KEY, Rows, rows_of, warn_if_empty
from labelwidgets.keys import decode_key, encode_key
from labelwidgets.session.results import adopt_results

FORMATS = (".jsonl", ".parquet", ".csv")
#: The suffix of the header beside a JSONL or CSV file.
SIDECAR = ".meta.json"
#: Names tried, in order, for the column of item keys when the index has no name of its own that is free.
_KEY_NAMES = ("key", "item_key", "_key")


def export(
    source: Any,
    path: str | os.PathLike[str],
    *,
    events: bool = False,
    overwrite: bool = False,
    model_only: bool = True,
    format: str | None = None,
) -> Path:
    """Write ``source`` (a `Labeler`, a `Team`, or a DataFrame a Labeler wrote) to ``path``: ``.jsonl``, ``.parquet``
    or ``.csv``, one row per item; `read_labels` reads it back as the same DataFrame.

    A Labeler's rows are its DataFrame as it wrote it (the item's columns, the answer as the kind shows it, the
    decision: labeled, accepted, corrected, revised, rejected or skipped, the suggestion and its confidence, the
    annotator, ``decided_at`` in UTC, ``seconds``) plus, from its store, ``suggestion_visible`` (False: blind),
    ``suggester`` and ``prompt_id``. A Team's rows are its items with ``gold`` (the settled answer), ``gold_how``
    (unanimous, majority, adjudicated, unresolved) and the rest of `Team.gold` as ``gold_<column>``, ``answers``
    (each member's answer, action and time), ``annotators``, ``decided_at`` (the latest decision on the item) and
    ``seconds`` (summed over its decisions).

    ``model_only=False`` leaves out the items labeled by a model alone: a suggestion (a suggester's, a FromColumn
    column, `lw.suggest`'s) and no decision by a person. An ``accepted`` decision is a person's and is kept: they
    saw the suggestion and kept it (a hidden, blind suggestion cannot be accepted). A Team's answers are all people's.

    ``events=True`` also writes the event log beside it (``labels.events.jsonl``: `Labeler.decisions`; for a Team its
    store's events, answers as stored). An existing file is refused unless ``overwrite=True``; a source with no
    decision yet gives a file with the header alone, and a warning. Returns the path written.

    ``format="label-studio"`` writes Label Studio tasks (a ``.json`` list: each item's ``data``, every person's
    answer as an annotation, the suggestion as a prediction) and their labeling config beside them
    (``tasks.label_config.xml``); ``format="argilla"`` writes Argilla 2.x records (``.json`` or ``.jsonl``) as its
    SDK logs them, and their dataset settings beside them (``records.settings.json``). `lw.read_label_studio` and
    `lw.read_argilla` read what those servers export back.
    """
    if format is not None:
        from labelwidgets.interchange.servers import export_to_server

        if events:
            raise InputError(f"events=True writes the event log beside a .jsonl, .parquet or .csv file, not {format}.")
        return export_to_server(source, Path(path), format, overwrite=overwrite, model_only=model_only)
    target = Path(path)
    suffix = _format_of(target)
    rows = rows_of(source, model_only=model_only)
    frame = warn_if_empty(rows, f"export to {target.name}")
    log = _events_of(source) if events else None
    log_target = target.with_name(f"{target.name[: -len(suffix)]}.events{suffix}")
    targets = [target, *([log_target] if log is not None else [])]
    if suffix != ".parquet":
        targets += [_sidecar(t) for t in list(targets)]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        raise InputError(f"{existing} already exist(s): pass overwrite=True to replace, or choose another path.")
    _WRITERS[suffix](target, frame, _header(frame, rows))
    if log is not None:
        events_rows = Rows(frame=log, source="events", kind=rows.kind, labels=rows.labels)
        _WRITERS[suffix](log_target, log, _header(log, events_rows))
    return target


def read_labels(path: str | os.PathLike[str], *, backend: str | ModuleType | None = None) -> Any:
    """The DataFrame `export` wrote to ``path``: the same columns, dtypes (times tz-aware in UTC), index and item keys.

    ``backend="polars"`` (or ``"pyarrow"``, or the module) gives it as a frame of that library instead, as narwhals'
    readers name it: the index (item keys, when the export had them there) then comes first as columns. A polars
    frame cannot carry which columns a Labeler wrote, so resume on the pandas frame (or the Labeler's store).

    The columns a Labeler wrote are marked as its own, so ``lw.Labeler(lw.read_labels(path), ...)`` resumes on the
    frame: with the store that Labeler had, its decisions are restored from the store; with another, the answers
    in the file are kept (with a warning) and the rows decided now are overwritten. A JSONL or CSV file without its
    ``.meta.json`` header is read as plain rows, its types guessed, with a warning.
    """
    given = kind_named(backend)  # an unknown backend is said before the file is read
    return given.back(_read_labels(Path(path)))


def _read_labels(source: Path) -> pd.DataFrame:
    suffix = _format_of(source)
    if not source.exists():
        raise InputError(f"{source} does not exist.")
    header, columns = _READERS[suffix](source)
    if header is None:
        warnings.warn(
            f"{source} has no labelwidgets header ({source.name}{SIDECAR}): read as plain rows, types guessed; a "
            "Labeler will not take its columns for its own.",
            stacklevel=user_stacklevel(),
        )
        return pd.DataFrame(columns)
    return _frame(header, columns, keys_as_text=suffix != ".jsonl")


# ----- header ---------------------------------------------------------------------------------------------------


def _header(frame: pd.DataFrame, rows: Rows) -> Header:
    index = frame.index
    default_index = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 and index.step == 1
    taken = {str(c) for c in frame.columns}
    if default_index:
        key_column = ""
    elif index.nlevels == 1 and index.name is not None and str(index.name) not in taken:
        key_column = str(index.name)
    else:
        key_column = next(n for n in (*_KEY_NAMES, "_".join(taken) + "_key") if n not in taken)
    if len(set(map(str, frame.columns))) != len(frame.columns):
        raise InputError("the DataFrame has duplicate column names: a file's columns are told apart by name.")
    return Header(
        source=rows.source,
        columns=[
            Column(str(c), dtype_spec(frame[c].dtype), cells_of(frame[c]), missing_of(frame[c])) for c in frame.columns
        ],
        key_column=key_column,
        index_names=[] if default_index else [None if n is None else str(n) for n in index.names],
        index_dtype=None if default_index or index.nlevels > 1 else dtype_spec(index.dtype),
        kind=rows.kind,
        labels=rows.labels,
        outputs=rows.outputs,
        text=rows.text,
        answer=rows.answer,
        decision=rows.decision,
        suggestion=rows.suggestion,
        written=rows.written,
        written_source=rows.written_source,
        provenance=rows.provenance,
    )


def _encoded(frame: pd.DataFrame, header: Header, *, keys_as_text: bool) -> dict[str, list[Any]]:
    """The file's columns as JSON values, the item keys first (as `encode_key` text, or its JSON value)."""
    out: dict[str, list[Any]] = {}
    if header.key_column:
        encoded = [encode_key(k) for k in frame.index.tolist()]
        out[header.key_column] = encoded if keys_as_text else [json.loads(k) for k in encoded]
    for column in header.columns:
        out[column.name] = encode_column(frame[column.name], column.cells)
    return out


def _frame(header: Header, columns: dict[str, list[Any]], *, keys_as_text: bool) -> pd.DataFrame:
    n = len(next(iter(columns.values()))) if columns else 0
    if header.key_column:
        cells = columns[header.key_column]
        keys = [decode_key(k if keys_as_text else json.dumps(k)) for k in cells]
        index = _index(keys, header)
    else:
        index = pd.RangeIndex(n)
    frame = pd.DataFrame({c.name: decode_column(columns[c.name], c, index) for c in header.columns}, index=index)
    frame = frame[[c.name for c in header.columns]] if header.columns else pd.DataFrame(index=index)
    if header.written:
        adopt_results(frame, header.written, header.written_source)
    if header.provenance:
        frame.attrs[EXPORTED_KEY] = list(header.provenance)
    if header.source != "events":
        frame.attrs[ANSWERS_KEY] = Rows(
            frame=frame,
            source=header.source,
            kind=header.kind,
            labels=header.labels,
            outputs=header.outputs,
            text=header.text,
            answer=header.answer,
            decision=header.decision,
            suggestion=header.suggestion,
        ).describe_answers()
    return frame


def _index(keys: list[Any], header: Header) -> pd.Index:
    names = header.index_names
    if len(names) > 1:
        return (
            pd.MultiIndex.from_tuples(keys, names=names)
            if keys
            else pd.MultiIndex.from_arrays([[] for _ in names], names=names)
        )
    name = names[0] if names else None
    cells = np.empty(len(keys), dtype=object)
    cells[:] = keys
    if header.index_dtype is not None:
        try:
            return pd.Index(cells, name=name).astype(dtype_of(header.index_dtype))
        except (TypeError, ValueError):
            pass
    return pd.Index(cells, name=name)


# ----- formats ----------------------------------------------------------------------------------------------------


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{path.name}: the file name must end in one of {list(FORMATS)} (the format is read from it).")
    return suffix


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def _read_sidecar(path: Path) -> Header | None:
    sidecar = _sidecar(path)
    if not sidecar.exists():
        return None
    return Header.from_json(sidecar.read_text(encoding="utf-8"), str(sidecar))


def _write_jsonl(path: Path, frame: pd.DataFrame, header: Header) -> None:
    columns = _encoded(frame, header, keys_as_text=False)
    names = list(columns)
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode  # one encoder: json.dumps makes one a row
    with path.open("w", encoding="utf-8") as out:
        rows = zip(*columns.values(), strict=True)
        out.writelines(encode(dict(zip(names, values, strict=True))) + "\n" for values in rows)
    _sidecar(path).write_text(header.to_json(), encoding="utf-8")


def _read_jsonl(path: Path) -> tuple[Header | None, Any]:
    header = _read_sidecar(path)
    records: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(
                    f"{path.name}, line {number}: not JSON ({error.msg}, column {error.colno}); each line of a JSONL "
                    "file is one JSON object."
                ) from error
            if not isinstance(record, dict):
                raise InputError(f"{path.name}, line {number}: a JSON {type(record).__name__}, not an object.")
            records.append(record)
    if header is None:
        return None, records
    names = ([header.key_column] if header.key_column else []) + [c.name for c in header.columns]
    try:
        return header, {n: [r[n] for r in records] for n in names}
    except KeyError as error:
        row = next(i for i, r in enumerate(records, start=1) if error.args[0] not in r)
        raise InputError(f"{path.name}: row {row} lacks the column {error.args[0]!r} its header names.") from None


def _write_csv(path: Path, frame: pd.DataFrame, header: Header) -> None:
    columns = _encoded(frame, header, keys_as_text=True)
    cells = {c.name: c.cells for c in header.columns}
    texts = {
        name: [v if name == header.key_column else as_text(v, cells[name]) for v in values]
        for name, values in columns.items()
    }
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(list(texts))
        writer.writerows(zip(*texts.values(), strict=True))
    _sidecar(path).write_text(header.to_json(), encoding="utf-8")


def _read_csv(path: Path) -> tuple[Header | None, Any]:
    header = _read_sidecar(path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if header is None:
        return None, table
    cells = {c.name: c.cells for c in header.columns}
    columns: dict[str, list[Any]] = {}
    for name in ([header.key_column] if header.key_column else []) + list(cells):
        if name not in table.columns:
            raise InputError(f"{path.name} has no column {name!r}, which its header names.")
        values = [None if is_missing(v) else v for v in table[name].tolist()]
        columns[name] = values if name == header.key_column else [from_text(v, cells[name]) for v in values]
    return header, columns


def _write_parquet(path: Path, frame: pd.DataFrame, header: Header) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = _encoded(frame, header, keys_as_text=True)
    arrays = {}
    for name, values in columns.items():
        cells = "text" if name == header.key_column else header.column(name).cells
        arrays[name] = _arrow_column(pa, frame[name] if cells == "time" else None, values, cells)
    table = pa.table(arrays)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), HEADER_KEY.encode(): header.to_json()})
    pq.write_table(table, path)


def _arrow_column(pa: Any, times: pd.Series | None, values: list[Any], cells: str) -> Any:
    """A column as Parquet keeps it best: text, numbers, booleans and UTC times typed; lists and records nested
    (a list of strings, a list of ``{start, end, label, text}``), or as JSON text when Arrow cannot type them."""
    if times is not None:
        return pa.array(times)
    if cells == "text":
        return pa.array(values, type=pa.string())
    if cells == "bool":
        return pa.array(values, type=pa.bool_())
    if cells == "number":
        return pa.array(values)
    try:
        nested = pa.array(values)
        if nested.to_pylist() == values and not pa.types.is_string(nested.type):
            return nested
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        pass
    return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values], type=pa.string())


def _read_parquet(path: Path) -> tuple[Header | None, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    metadata = table.schema.metadata or {}
    if HEADER_KEY.encode() not in metadata:
        return None, table.to_pandas()
    header = Header.from_json(metadata[HEADER_KEY.encode()], str(path))
    columns: dict[str, list[Any]] = {}
    for name in table.column_names:
        values = table.column(name).to_pylist()
        if (
            name != header.key_column
            and header.column(name).cells == "json"
            and pa.types.is_string(table.schema.field(name).type)
        ):
            values = [None if v is None else json.loads(v) for v in values]
        columns[name] = values
    return header, columns


_WRITERS: dict[str, Callable[[Path, pd.DataFrame, Header], None]] = {
    ".jsonl": _write_jsonl,
    ".csv": _write_csv,
    ".parquet": _write_parquet,
}
_READERS: dict[str, Callable[[Path], tuple[Header | None, Any]]] = {
    ".jsonl": _read_jsonl,
    ".csv": _read_csv,
    ".parquet": _read_parquet,
}


# ----- the event log ------------------------------------------------------------------------------------------------


def _events_of(source: Any) -> pd.DataFrame:
    from labelwidgets.labeler import Labeler
    from labelwidgets.team.team import Team

    if isinstance(source, Labeler):
        return source.decisions_pandas()  # pandas, whichever kind of frame the Labeler was given
    if isinstance(source, Team):
        events = source.store.events_frame()
        keys = np.empty(len(events), dtype=object)
        keys[:] = [decode_key(k) for k in events["item_key"].tolist()]
        return events.assign(key=keys).reset_index(drop=True)
    raise InputError(
        "events=True writes the event log of a Labeler or a Team; a DataFrame holds each item's latest decision only."
    )
