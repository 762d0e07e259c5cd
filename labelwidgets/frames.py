"""The one boundary between the frames users give and the pandas frames everything inside works on.

A public call takes any eager frame narwhals knows (pandas, polars, pyarrow, modin, cuDF) and answers in the same
kind: `intake` turns the caller's frame into pandas and notes what was given (`Given`); `Given.back` turns the pandas
results into the caller's kind again. `takes_frames` does both around a public function. A pandas frame passes
through untouched (the same object: a Labeler writes its results into it), and narwhals is imported only when a frame
of another kind arrives, so that ``import labelwidgets`` stays light. Nothing else in the package asks which kind of
frame it was given.

Frames of other kinds go through Arrow both ways (pyarrow), as ``polars.DataFrame.to_pandas`` does. Nested columns
(lists, structs: a multi-label or span column) arrive as Python lists and dicts, as the pandas side holds them.

Objects made from a frame (a Labeler, a Team, a Classroom) keep their `Given` and hand their tables back through it;
inside, they and the package read the pandas tables (a Team's ``_gold()``, a Classroom's ``_table(n)``). Objects a
public function returns that hold tables (a Leaderboard, an alt-test result) answer `AnswersInKind`: `Given.back`
makes them answer in the kind given. Public signatures take `Frame`: any frame narwhals reads, for a type checker.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeAlias, TypeVar, Union, runtime_checkable

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.missing import is_missing

#: A frame as a public call takes it: pandas, or any eager frame narwhals reads (polars, pyarrow, modin, cuDF), which
#: `takes_frames` or `intake` turns into the pandas frame the call's body reads. For a type checker: pandas or anything
#: (narwhals' ``IntoDataFrame`` names the others but has none of pandas' methods, which those bodies use).
Frame: TypeAlias = Union[pd.DataFrame, Any]  # noqa: UP007 - a runtime alias: `X | Any` fails on Python 3.10

if TYPE_CHECKING:
    from typing_extensions import Self

_P = ParamSpec("_P")
_R = TypeVar("_R")


@runtime_checkable
class AnswersInKind(Protocol):
    """An object a public call returns that holds tables (a Leaderboard, an alt-test result): it answers with them in
    the kind of frame ``given``, keeping pandas for what it reads itself."""

    def answering_in(self, given: Given) -> Self: ...


@dataclass(frozen=True)
class Given:
    """The kind of frame a caller gave: ``namespace`` is its library (``polars``), None for pandas."""

    namespace: ModuleType | None = None

    @property
    def is_pandas(self) -> bool:
        return self.namespace is None

    @property
    def name(self) -> str:
        return "pandas" if self.namespace is None else self.namespace.__name__

    def back(self, value: Any) -> Any:
        """``value`` with every pandas DataFrame and Series in it (also inside a tuple, list or dict) of the kind
        given. A meaningful index (labels, systems) becomes the first columns, as frames without an index hold it."""
        if self.namespace is None:
            return value
        if isinstance(value, pd.DataFrame):
            return self._frame(value)
        if isinstance(value, pd.Series):
            if _default_index(value.index):
                name = "" if value.name is None else str(value.name)
                return self._series(value, name)
            return self._frame(value.reset_index())
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple of tables (win_matrix)
            return type(value)(*(self.back(v) for v in value))
        if isinstance(value, (tuple, list)):
            return type(value)(self.back(v) for v in value)
        if isinstance(value, dict):
            return {k: self.back(v) for k, v in value.items()}
        if isinstance(value, AnswersInKind):
            return value.answering_in(self)
        return value

    def joined(self, given: Any, results: pd.DataFrame, rows: np.ndarray | None = None) -> Any:
        """The caller's own frame ``given`` (its ``rows``, positions in order; all of them by default) with the
        columns of ``results`` (one row each) set on it: in place of columns of the same name, after the others.
        What a frame that cannot change in place reads as "the input with the results filled in"."""
        nw = _narwhals()
        columns = nw.from_native(self.back(results.reset_index(drop=True)), eager_only=True)
        frame = nw.from_native(given, eager_only=True)
        if rows is not None:
            frame = frame[rows.tolist()]
        return frame.with_columns(*(columns[c] for c in columns.columns)).to_native()

    def _frame(self, frame: pd.DataFrame) -> Any:
        nw = _narwhals()
        if not _default_index(frame.index):
            taken = {str(c) for c in frame.columns}
            names = [str(n) if n is not None else ("index" if frame.index.nlevels == 1 else f"level_{i}")
                     for i, n in enumerate(frame.index.names)]  # fmt: skip
            frame = frame.reset_index(names=[f"{n}_index" if n in taken else n for n in names])
        return nw.from_arrow(_arrow_table(frame), native_namespace=self.namespace).to_native()

    def _series(self, series: pd.Series, name: str) -> Any:
        frame = self._frame(series.to_frame(name).reset_index(drop=True))
        return _narwhals().from_native(frame, eager_only=True)[name].to_native()


PANDAS = Given()


def kind_named(backend: str | ModuleType | None, *, what: str = "backend") -> Given:
    """The kind of frame ``backend`` names, for a call that makes a frame from nothing the caller gave (a file read
    back): ``"polars"``, ``"pyarrow"`` or the module itself (any eager library narwhals knows); pandas for None or
    ``"pandas"``."""
    name = backend if isinstance(backend, str) else getattr(backend, "__name__", None)
    if backend is None or name == "pandas":
        return PANDAS
    if not isinstance(name, str):
        raise InputError(f'{what}={backend!r}: name a library of frames, e.g. {what}="polars" (or pass the module).')
    try:
        module = importlib.import_module(name) if isinstance(backend, str) else backend
    except ModuleNotFoundError as error:
        raise InputError(f"{what}={name!r}: {name} is not installed here (pip install {name}).") from error
    nw = _narwhals()
    if nw.Implementation.from_native_namespace(module) is nw.Implementation.UNKNOWN:
        raise InputError(f'{what}={name!r} is no library of frames narwhals knows: "pandas", "polars", "pyarrow", …')
    return Given(module)


def intake(
    frame: Any, *, text: Iterable[str | None] = (), what: str = "df", of: str = ""
) -> tuple[pd.DataFrame, Given]:
    """``frame`` as a pandas DataFrame, and the kind it was given as. A pandas frame is returned itself.

    ``text`` names the columns that must hold text (the item's text, a pair's outputs): in a frame of another kind
    they must be strings, since a number or a date there is rarely the text meant. ``what`` names the argument in
    errors, ``of`` what the frame holds ("of items").
    """
    if isinstance(frame, pd.DataFrame):
        return frame, PANDAS
    nw = _narwhals()
    known = nw.from_native(frame, pass_through=True)
    if isinstance(known, nw.LazyFrame):
        raise InputError(
            f"{what} is a lazy frame ({type(frame).__module__}.{type(frame).__name__}): labeling needs its rows; "
            f"collect it first ({what}.collect())."
        )
    if not isinstance(known, nw.DataFrame):
        raise InputError(
            f"expected a pandas DataFrame{' ' + of if of else ''} (or a polars one, or another kind narwhals "
            f"reads) for {what}, got {type(frame).__name__}."
        )
    given = Given(nw.get_native_namespace(known))
    schema = known.schema
    for name in text:
        if name is not None and name in schema and schema[name] != nw.String:
            raise InputError(
                f"the text column {name!r} of this {given.name} frame holds {schema[name]}, not text: cast it to "
                f"strings first, e.g. df.with_columns(pl.col({name!r}).cast(pl.String)) in polars."
            )
    try:
        pandas_frame = known.to_pandas()
    except ModuleNotFoundError as error:
        raise InputError(
            f"a {given.name} frame becomes the pandas frame labelwidgets works on through Arrow: "
            f"pip install pyarrow ({error})."
        ) from error
    nested = [name for name, dtype in schema.items() if isinstance(dtype, (nw.List, nw.Array, nw.Struct))]
    for name in nested:  # lists and dicts, as a pandas frame holds them, not NumPy arrays
        cells = np.empty(len(pandas_frame), dtype=object)
        cells[:] = known[name].to_list()
        pandas_frame[name] = cells
    return pandas_frame, given


def intake_series(values: Any, *, what: str) -> tuple[Any, Given]:
    """A Series of another kind (polars) as a pandas Series; anything else as it is."""
    if isinstance(values, pd.Series) or not _maybe_frame(values):
        return values, PANDAS
    nw = _narwhals()
    known = nw.from_native(values, series_only=True, pass_through=True)
    if not isinstance(known, nw.Series):
        return values, PANDAS
    return known.to_pandas(), Given(nw.get_native_namespace(known))


def takes_frames(*names: str, text: Sequence[str] = ()) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Let a public function take frames of any kind for its arguments ``names`` and answer in the kind given.

    ``text`` names the arguments that name text columns (``text="text"``), checked as `intake` says. An argument
    that is not a frame (a Labeler, a Team, a list) passes through, so functions that take either keep working; a
    Labeler, Team or Classroom made from a polars frame (its ``_given``, from `intake`) makes the answer polars too.
    """

    def wrap(func: Callable[_P, _R]) -> Callable[_P, _R]:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            bound = signature.bind(*args, **kwargs)
            if not any(_maybe_frame(bound.arguments.get(name)) or _made_from_other(bound.arguments.get(name))
                       for name in names):  # fmt: skip
                return func(*args, **kwargs)
            bound.apply_defaults()
            columns = [_column_name(bound.arguments.get(t)) for t in text]
            given = PANDAS
            for name in names:
                value = bound.arguments.get(name)
                if not _maybe_frame(value):
                    made_from = getattr(value, "_given", PANDAS)  # a Labeler, Team or Classroom made from a frame
                    given = made_from if given.is_pandas and isinstance(made_from, Given) else given
                    continue
                converted, kind = _intake_any(value, text=[c for c in columns if c is not None], what=name)
                bound.arguments[name] = converted
                given = kind if given.is_pandas else given
            result = func(*bound.args, **bound.kwargs)
            return given.back(result)

        return call

    return wrap


def _intake_any(value: Any, *, text: Sequence[str], what: str) -> tuple[Any, Given]:
    nw = _narwhals()
    if isinstance(nw.from_native(value, allow_series=True, pass_through=True), nw.Series):
        return intake_series(value, what=what)
    if isinstance(nw.from_native(value, pass_through=True), (nw.DataFrame, nw.LazyFrame)):
        return intake(value, text=text, what=what)
    return value, PANDAS  # not a frame narwhals knows: the function says what it takes


def _maybe_frame(value: Any) -> bool:
    """Whether ``value`` may be a frame of another kind than pandas, without importing narwhals for the values
    that certainly are not (pandas frames, this package's own objects, plain Python values)."""
    if value is None or isinstance(value, (pd.DataFrame, pd.Series, str, bytes, int, float, Mapping, list, tuple)):
        return False
    return not type(value).__module__.startswith(("labelwidgets", "numpy", "builtins"))


def _made_from_other(value: Any) -> bool:
    """Whether ``value`` is one of this package's objects made from a frame of another kind than pandas."""
    made_from = getattr(value, "_given", None)
    return isinstance(made_from, Given) and not made_from.is_pandas


def _column_name(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _default_index(index: pd.Index) -> bool:
    """An index that says nothing but the row positions (dropped when a frame goes back to a kind without one)."""
    return isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 and index.step == 1


def _arrow_table(frame: pd.DataFrame) -> Any:
    """``frame`` as an Arrow table, column by column; a column Arrow cannot type (tuples as keys, mixed values)
    becomes text, each value as ``str`` shows it, rather than failing the whole answer."""
    import pyarrow as pa

    names = ["_".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame.columns]
    arrays = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        try:
            arrays.append(pa.array(column, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
            arrays.append(pa.array([None if is_missing(v) else str(v) for v in column.tolist()], type=pa.string()))
    return pa.table(arrays, names=names)


def _narwhals() -> Any:
    import narwhals.stable.v1 as nw

    return nw
