"""Static plotly figures of human-vs-LLM agreement and label drift, built from a results DataFrame after the fact,
and the figures of the live ``Dashboard``.

``plot_agreement(df)`` draws the same four panels as the live ``Dashboard``; ``plot_drift(df, by=...)`` follows
agreement and the label mix over decisions, weeks or any column. Every number comes from
``labelwidgets.metrics``; this module only lays them out. The Dashboard's figures are plain plotly JSON
(``agreement_spec``, ``progress_spec``), changed by ``draw_agreement``/``draw_progress`` into new specs that share
what did not change: no plotly validators on the way (they cost a third of a second for four panels) and nothing
for the Dashboard to import from plotly but plotly.js itself. plotly is imported inside the functions, so
``import labelwidgets`` stays light.
"""

from __future__ import annotations

import base64
import math
import re
import textwrap
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.metrics.agreement import agreement, confusion
from labelwidgets.metrics.calibration import calibration
from labelwidgets.metrics.checks import (
    answer_kind,
    object_values,
    require_columns,
    require_frame,
    sorted_labels,
)
from labelwidgets.metrics.counts import kappa_note
from labelwidgets.metrics.drift import (
    PSI_LARGE,
    PSI_MODERATE,
    agreement_over_time,
    js_distance,
    label_drift,
    psi,
    psi_reading,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

# Fixed trace and annotation positions of the four-panel figure: the Dashboard updates them in place by index.
BAND_LOW, BAND_HIGH, ACCURACY, KAPPA, CHANGES, HEATMAP, HUMAN_BARS, LLM_BARS, DIAGONAL, RELIABILITY = range(10)
#: One line per suggestion source (a learner and its prior) once suggestions come from more than one.
MAX_SOURCES = 3
SOURCE_LINES = tuple(range(10, 10 + MAX_SOURCES))
SOURCE_COLORS = ("#9467bd", "#8c564b", "#e377c2")
TITLE_OVER_TIME, TITLE_CONFUSION, TITLE_MIX, TITLE_CALIBRATION = range(4)
NOTE_OVER_TIME, NOTE_CONFUSION, NOTE_MIX, NOTE_CALIBRATION, MIX_SCORES = range(4, 9)

PEOPLE_COLOR = "#1f77b4"
# plotly's sequential Blues, light to dark: by name, plotly.js would draw its own Blues, which runs dark to light
BLUES = [[i / 8, color] for i, color in enumerate(
    ["rgb(247,251,255)", "rgb(222,235,247)", "rgb(198,219,239)", "rgb(158,202,225)", "rgb(107,174,214)",
     "rgb(66,146,198)", "rgb(33,113,181)", "rgb(8,81,156)", "rgb(8,48,107)"]
)]  # fmt: skip
LLM_COLOR = "#ff7f0e"
KAPPA_COLOR = "#2ca02c"
CHANGE_COLOR = "#d62728"
NEEDS_SUGGESTIONS = "Agreement needs suggestions:<br>give the Labeler a suggester=…"
NO_PAIRS_YET = "No pairs yet"
PSI_SCALE = "PSI < 0.1 stable, > 0.25 large"
MIX_SCORES_HOVER = (
    "JS: Jensen-Shannon distance of the two label mixes (0 the same, 1 nothing in common)<br>"
    "PSI: population stability index; < 0.1 stable, 0.1–0.25 moderate, > 0.25 large"
)

# The header is a plotly title, which is cut off rather than wrapped: lines of at most this many characters of
# 13-px text fit a 500-px-wide cell with room to spare (Open Sans averages about 6.5 px a character).
HEADER_LINE_CHARS = 66
HEADER_FONT_PX = 13
HEADER_LINE_PX = 18
HEADER_TOP = 10
SUBPLOT_TITLE_PX = 32


# ---------------------------------------------------------------------------------------------------------------
# what the four-panel figure shows; filled from a DataFrame here and from running counts by the Dashboard


@dataclass
class AgreementPanels:
    """Everything the four-panel agreement figure draws. Arrays are plain numbers; NaN leaves a gap."""

    labels: list[str]
    header: str
    window: int
    # agreement over time, one point per compared decision; x is the decision number (1 = first decision)
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    accuracy: np.ndarray = field(default_factory=lambda: np.empty(0))
    accuracy_low: np.ndarray = field(default_factory=lambda: np.empty(0))
    accuracy_high: np.ndarray = field(default_factory=lambda: np.empty(0))
    kappa: np.ndarray = field(default_factory=lambda: np.empty(0))
    change_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    change_y: np.ndarray = field(default_factory=lambda: np.empty(0))
    # per suggestion source (the suggester that made it): (name, x, share agreeing in its last ``window`` pairs),
    # drawn when there are two or more
    sources: list[tuple[str, np.ndarray, np.ndarray]] = field(default_factory=list)
    # confusion counts, rows people's labels and columns suggestions, in ``labels`` order
    confusion: np.ndarray | None = None
    # label mix: how many decided items carry each label, from people and from the LLM
    human_counts: np.ndarray | None = None
    llm_counts: np.ndarray | None = None
    mix_scores: str = ""
    # reliability bins of the suggestion confidences (bins without pairs left out)
    mean_confidence: np.ndarray = field(default_factory=lambda: np.empty(0))
    share_right: np.ndarray = field(default_factory=lambda: np.empty(0))
    bin_count: np.ndarray = field(default_factory=lambda: np.empty(0))
    ece: float = math.nan
    notes: dict[int, str] = field(default_factory=dict)  # annotation index -> message in an empty panel


def _fmt(value: float, digits: int = 2) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _percent(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{100 * value:.0f}%"


def _visible_length(text: str) -> int:
    return len(re.sub(r"<[^>]+>", "", text))


def header_lines(parts: Sequence[str], *, limit: int = HEADER_LINE_CHARS) -> list[str]:
    """``parts`` joined with " · " into lines of at most ``limit`` visible characters; a longer part is wrapped.

    A plotly title never wraps by itself and is cut off at the figure's edge, so the header is laid out for the
    narrowest notebook cell (about 500 px) and stays a few short lines in a wide one.
    """
    lines: list[str] = []
    current = ""
    for part in parts:
        pieces = [part] if _visible_length(part) <= limit else textwrap.wrap(part, limit, break_on_hyphens=False)
        for piece in pieces:
            joined = f"{current} · {piece}" if current else piece
            if current and _visible_length(joined) > limit:
                lines.append(current)
                current = piece
            else:
                current = joined
        if len(pieces) > 1:  # a wrapped part ends its own line
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    return lines


def header_margin(header: str) -> int:
    """Top margin in px that fits ``header`` (lines of 13-px text) above the subplot titles."""
    return HEADER_TOP + HEADER_LINE_PX * (header.count("<br>") + 1) + SUBPLOT_TITLE_PX


def headline(
    *,
    n_decided: int,
    n_items: int | None,
    n_pairs: int,
    has_suggestions: bool,
    accept_rate: float,
    accept_low: float,
    accept_high: float,
    n_reviewed: int,
    kappa: float,
    kappa_low: float,
    kappa_high: float,
    kappa_note: str,
    interval_pairs: int | None,
    ci: float,
    counts: dict[str, int] | None = None,
    extra: Sequence[str] = (),
) -> str:
    """The figure title: decided items, accept rate and Cohen's kappa with their intervals, in short lines.

    ``kappa_low``/``kappa_high`` are a bootstrap interval computed on ``interval_pairs`` pairs (None: no interval);
    ``kappa_note`` says why kappa is n/a, or what its value means (a constant suggester). ``counts`` (decisions per
    action) is shown instead of agreement when there are no suggestions; ``extra`` parts end the header.
    """
    progress = f"<b>{n_decided:,} decided</b>"
    if n_items:
        progress = f"<b>{n_decided:,} of {n_items:,} decided ({100 * n_decided / n_items:.0f}%)</b>"
    level = f"{100 * ci:.0f}%"
    if not has_suggestions:
        done = [f"{name} {count:,}" for name, count in (counts or {}).items() if count]
        lines = header_lines([progress, *done]) + header_lines([NEEDS_SUGGESTIONS.replace("<br>", " ")])
        return "<br>".join(lines + header_lines(extra))
    accept = f"accept rate {_percent(accept_rate)}"
    if n_reviewed and math.isfinite(accept_low):
        accept += f" ({level} CI {_percent(accept_low)}–{_percent(accept_high)}, of {n_reviewed:,} reviewed)"
    kappa_text = f"Cohen's kappa {_fmt(kappa)}"
    if math.isfinite(kappa) and interval_pairs is not None and math.isfinite(kappa_low):
        kappa_text += f" ({level} CI {_fmt(kappa_low)} to {_fmt(kappa_high)}, bootstrap at {interval_pairs:,} pairs)"
    lines = header_lines([progress, f"{n_pairs:,} compared with the LLM"])
    lines += header_lines([accept])
    lines += header_lines([f"{kappa_text}: {kappa_note}" if kappa_note else kappa_text])
    return "<br>".join(lines + header_lines(extra))


def first_point_note(min_periods: int, n_pairs: int) -> str:
    """The agreement-over-time panel's message while its window holds too few pairs for a first point."""
    return f"The first point comes at {min_periods} pairs (has {n_pairs})"


def mix_scores_text(
    human: np.ndarray,
    llm: np.ndarray | None,
    *,
    drift_js: float,
    drift_psi: float,
    window: int,
    baseline_size: int,
    labeled: int,
) -> str:
    """Lines for the label-mix panel: people vs LLM, and people's recent labels vs their first ones (JS, PSI).

    ``drift_js``/``drift_psi`` compare people's last ``window`` labels with their first ``baseline_size`` (NaN while
    there are fewer than ``baseline_size + window`` labels; ``labeled`` says how many there are).
    """
    # short lines: the text sits inside a panel that is under 200 px wide in a narrow cell
    lines = []
    if llm is not None and human.sum() > 0 and llm.sum() > 0:
        value = psi(human, llm)
        lines += ["People vs LLM:", f"JS {_fmt(js_distance(human, llm))} · PSI {_fmt(value, 3)} ({psi_reading(value)})"]
    lines.append(f"People, last {window} vs first {baseline_size}:")
    if math.isfinite(drift_psi):
        lines.append(f"JS {_fmt(drift_js)} · PSI {_fmt(drift_psi, 3)} ({psi_reading(drift_psi)})")
    else:
        lines.append(f"needs {baseline_size + window} labels (has {labeled})")
    lines.append(PSI_SCALE)
    return "<br>".join(lines)


def load_plotly() -> tuple[Any, Any]:
    """plotly.graph_objects and make_subplots, or an error that says how to install plotly."""
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as exc:
        raise ImportError(
            "the charts need plotly 6 or newer: pip install 'labelwidgets[plots]' (or pip install plotly)."
        ) from exc
    return go, make_subplots


# ---------------------------------------------------------------------------------------------------------------
# figure specs: plain plotly JSON (``{"data": [...], "layout": {...}}``), written without plotly's validators, which
# take a third of a second to build the four panels. The Dashboard sends a spec to plotly.js as it is;
# ``plot_agreement`` wraps it in a ``go.Figure``.

# plotly_white, the part of the template these figures use: a named template is resolved in Python, not plotly.js
_AXIS_STYLE: dict[str, Any] = {
    "gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "zerolinewidth": 2, "ticks": "",
    "automargin": True, "title": {"standoff": 15},
}  # fmt: skip
_LAYOUT_STYLE: dict[str, Any] = {"font": {"color": "#2a3f5f"}, "paper_bgcolor": "white", "plot_bgcolor": "white",
                                 "hovermode": "closest", "hoverlabel": {"align": "left"}}  # fmt: skip
# the 2 × 2 grid of make_subplots(rows=2, cols=2, horizontal_spacing=0.15, vertical_spacing=0.2)
_COLUMNS = ([0.0, 0.425], [0.575, 1.0])
_ROWS = ([0.6, 1.0], [0.0, 0.4])
_PANEL_AXES = {1: ("x", "y"), 2: ("x2", "y2"), 3: ("x3", "y3"), 4: ("x4", "y4")}


def _grid(layout: dict[str, Any], domains: dict[int, tuple[list[float], list[float]]], titles: Sequence[str]) -> None:
    """Axes of each numbered panel over its (x, y) domain, and the panel titles above them."""
    annotations = layout.setdefault("annotations", [])
    for (panel, (x_domain, y_domain)), title in zip(domains.items(), titles, strict=True):
        x, y = _PANEL_AXES[panel]
        layout[f"xaxis{x[1:]}"] = {**_AXIS_STYLE, "domain": x_domain, "anchor": y}
        layout[f"yaxis{y[1:]}"] = {**_AXIS_STYLE, "domain": y_domain, "anchor": x}
        annotations.append({"text": title, "x": sum(x_domain) / 2, "y": y_domain[1], "xref": "paper",
                            "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 13}})  # fmt: skip


def _on(panel: int, trace: dict[str, Any]) -> dict[str, Any]:
    x, y = _PANEL_AXES[panel]
    return {**trace, "xaxis": x, "yaxis": y}


def _panel_note(panel: int) -> dict[str, Any]:
    """An empty message in the middle of a panel (the panel's note, e.g. "No pairs yet")."""
    x, y = _PANEL_AXES[panel]
    return {"text": "", "x": 0.5, "y": 0.5, "xref": f"{x} domain", "yref": f"{y} domain", "showarrow": False,
            "font": {"size": 13, "color": "gray"}}  # fmt: skip


def _base_layout(height: int) -> dict[str, Any]:
    return {
        **_LAYOUT_STYLE,
        "height": height,
        "margin": {"t": header_margin(""), "l": 60, "r": 30, "b": 60},
        # pinned to the top of the figure, so that the margin below it can grow with the header's lines
        "title": {"text": "", "x": 0.01, "xanchor": "left", "y": 1, "yref": "container", "yanchor": "top",
                  "pad": {"t": HEADER_TOP}, "font": {"size": HEADER_FONT_PX}},
        "legend": {"orientation": "h", "y": -0.1, "x": 0, "traceorder": "normal"},
    }  # fmt: skip


def agreement_spec(*, height: int = 720) -> dict[str, Any]:
    """The empty four-panel figure as plotly JSON, traces and annotations at the fixed indexes above."""
    empty: list[float] = []
    data = [
        _on(1, {"type": "scatter", "x": empty, "y": empty, "mode": "lines", "line": {"width": 0},
                "showlegend": False, "hoverinfo": "skip", "name": "interval low"}),
        _on(1, {"type": "scatter", "x": empty, "y": empty, "mode": "lines", "line": {"width": 0}, "fill": "tonexty",
                "fillcolor": "rgba(31, 119, 180, 0.2)", "name": "share agreeing, interval (Wilson)",
                "hoverinfo": "skip"}),
        _on(1, {"type": "scatter", "x": empty, "y": empty, "mode": "lines", "line": {"color": PEOPLE_COLOR},
                "name": "share agreeing",
                "hovertemplate": "decision %{x}<br>share agreeing %{y:.2f}<extra></extra>"}),
        _on(1, {"type": "scatter", "x": empty, "y": empty, "mode": "lines",
                "line": {"color": KAPPA_COLOR, "dash": "dot"}, "name": "Cohen's kappa",
                "hovertemplate": "decision %{x}<br>Cohen's kappa %{y:.2f}<extra></extra>"}),
        _on(1, {"type": "scatter", "x": empty, "y": empty, "mode": "markers",
                "marker": {"symbol": "x", "size": 11, "color": CHANGE_COLOR}, "name": "change detected (Page-Hinkley)",
                "hovertemplate": "change detected at decision %{x}<extra></extra>"}),
        _on(2, {"type": "heatmap", "z": [[0]], "x": [""], "y": [""], "colorscale": BLUES, "showscale": False,
                "texttemplate": "%{z}", "zmin": 0,
                "hovertemplate": "people: %{y}<br>LLM: %{x}<br>%{z} items<extra></extra>"}),
        _on(3, {"type": "bar", "x": empty, "y": empty, "name": "people's labels", "marker": {"color": PEOPLE_COLOR}}),
        _on(3, {"type": "bar", "x": empty, "y": empty, "name": "LLM's suggestions", "marker": {"color": LLM_COLOR}}),
        _on(4, {"type": "scatter", "x": [0, 1], "y": [0, 1], "mode": "lines", "line": {"color": "gray", "dash": "dash"},
                "name": "perfect calibration", "hoverinfo": "skip"}),
        _on(4, {"type": "scatter", "x": empty, "y": empty, "mode": "lines+markers", "line": {"color": LLM_COLOR},
                "name": "LLM: share right", "customdata": empty,
                "hovertemplate": "confidence %{x:.2f}<br>share right %{y:.2f}<br>%{customdata} pairs<extra></extra>"}),
        *(_on(1, {"type": "scatter", "x": empty, "y": empty, "mode": "lines",
                  "line": {"color": color, "width": 1.5, "dash": "dash"}, "name": "", "visible": False,
                  "hovertemplate": "decision %{x}<br>share agreeing %{y:.2f}<extra>%{fullData.name}</extra>"})
          for color in SOURCE_COLORS),
    ]  # fmt: skip
    layout = {**_base_layout(height), "barmode": "group"}
    domains = {1: (_COLUMNS[0], _ROWS[0]), 2: (_COLUMNS[1], _ROWS[0]), 3: (_COLUMNS[0], _ROWS[1]),
               4: (_COLUMNS[1], _ROWS[1])}  # fmt: skip
    _grid(layout, domains, ["Agreement with the LLM", "Confusion: people × LLM", "Label mix: people vs LLM",
                            "Calibration"])  # fmt: skip
    layout["annotations"] += [_panel_note(panel) for panel in (1, 2, 3, 4)]
    layout["annotations"].append(
        {**_panel_note(3), "x": 0.99, "y": 0.99, "xanchor": "right", "yanchor": "top", "align": "right",
         "font": {"size": 10}, "bgcolor": "rgba(255,255,255,0.7)", "hovertext": MIX_SCORES_HOVER}
    )  # fmt: skip
    layout["xaxis"]["title"] = {**_AXIS_STYLE["title"], "text": "decision number"}
    layout["yaxis"]["title"] = {**_AXIS_STYLE["title"], "text": "share agreeing · Cohen's kappa"}
    layout["xaxis2"]["title"] = {**_AXIS_STYLE["title"], "text": "LLM suggested"}
    layout["yaxis2"]["title"] = {"text": "people said", "standoff": 2}
    layout["yaxis2"]["autorange"] = "reversed"
    layout["yaxis3"]["title"] = {**_AXIS_STYLE["title"], "text": "decided items"}
    layout["xaxis4"].update(title={**_AXIS_STYLE["title"], "text": "LLM confidence"}, range=[0, 1])
    layout["yaxis4"].update(title={"text": "share people kept", "standoff": 2}, range=[0, 1.02])
    return {"data": data, "layout": layout}


# ----- changes: what a redraw sends ------------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """``value`` as JSON-ready Python: arrays as (nested) lists with None for NaN (a gap), NumPy scalars as numbers."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            cells = value.astype(object)
            cells[~np.isfinite(value)] = None
            return cells.tolist()
        return value.tolist()
    if isinstance(value, np.generic):
        item = value.item()
        return None if isinstance(item, float) and not math.isfinite(item) else item
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_value(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def wire(value: Any) -> Any:
    """``value`` (a spec, or part of one) as JSON for plotly.js, NumPy arrays as typed-array specs
    (``{"dtype": "f8", "bdata": <base64>, "shape": "2, 2"}``, NaN a gap), which plotly.js reads as they are: a
    redraw then sends a few strings instead of thousands of numbers for the widget layer to walk one by one."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "b":
            value = value.astype(np.uint8)
        elif value.dtype.kind in "iu":
            fits = not value.size or (value.min() >= np.iinfo(np.int32).min and value.max() <= np.iinfo(np.int32).max)
            value = value.astype(np.int32 if fits else np.float64)
        elif value.dtype.kind != "f":
            return json_value(value)
        value = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
        typed = {"dtype": {"u": "u1", "i": "i4"}.get(value.dtype.kind, "f4" if value.itemsize == 4 else "f8"),
                 "bdata": base64.b64encode(value.tobytes()).decode("ascii")}  # fmt: skip
        if value.ndim > 1:
            typed["shape"] = ", ".join(str(n) for n in value.shape)
        return typed
    if isinstance(value, dict):
        return {key: wire(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    return value


def _stored(value: Any) -> Any:
    """What a spec holds: arrays as NumPy arrays (for ``wire`` and ``go.Figure``), the rest JSON-ready."""
    return np.ascontiguousarray(value) if isinstance(value, np.ndarray) else json_value(value)


_STEP = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")


def _set_path(node: Any, steps: list[tuple[str, int | None]], value: Any) -> Any:
    """A copy of ``node`` with ``value`` at ``steps`` (None removes the key, as in plotly's restyle and relayout).

    Containers along the path are copied, the rest shared: what was sent before is never changed in place.
    """
    (key, index), rest = steps[0], steps[1:]
    copy = dict(node or {})
    if index is not None:
        items = list(copy.get(key, []))
        items[index] = _set_path(items[index], rest, value) if rest else value
        copy[key] = items
    elif rest:
        copy[key] = _set_path(copy.get(key), rest, value)
    elif value is None:
        copy.pop(key, None)
    else:
        copy[key] = value
    return copy


def with_changes(spec: dict[str, Any], traces: dict[int, dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """A new spec: ``spec`` with trace ``traces`` ({index: {"marker.size": ...}}) and ``layout``
    ({"annotations[4].text": ...}) properties set; unchanged parts are shared with ``spec``."""
    data = list(spec["data"])
    for index, props in traces.items():
        for path, value in props.items():
            steps = [(name, None if i is None or i == "" else int(i)) for name, i in _STEP.findall(path)]
            data[index] = _set_path(data[index], steps, _stored(value))
    new_layout = spec["layout"]
    for path, value in layout.items():
        steps = [(name, None if i == "" else int(i)) for name, i in _STEP.findall(path)]
        new_layout = _set_path(new_layout, steps, _stored(value))
    return {"data": data, "layout": new_layout}


def draw_agreement(
    spec: dict[str, Any], panels: AgreementPanels, previous: AgreementPanels | None = None
) -> dict[str, Any]:
    """``spec`` (from ``agreement_spec``) showing ``panels``, as a new spec; with ``previous`` (what was drawn
    last), only what changed is written."""

    def changed(*names: str) -> bool:
        return previous is None or any(not _same(getattr(panels, n), getattr(previous, n)) for n in names)

    labels = panels.labels
    traces: dict[int, dict[str, Any]] = {}
    layout: dict[str, Any] = {}
    for index, name in ((BAND_LOW, "accuracy_low"), (BAND_HIGH, "accuracy_high"), (ACCURACY, "accuracy"),
                        (KAPPA, "kappa")):  # fmt: skip
        if changed("x", name):
            traces[index] = {"x": panels.x, "y": getattr(panels, name)}
    if changed("change_x", "change_y"):
        traces[CHANGES] = {"x": panels.change_x, "y": panels.change_y}
    if changed("sources"):
        lines = panels.sources if len(panels.sources) >= 2 else []
        for i, index in enumerate(SOURCE_LINES):
            if i < len(lines):
                name, x, share = lines[i]
                traces[index] = {"x": x, "y": share, "name": f"{name} (last {panels.window} of its pairs)",
                                 "visible": True}  # fmt: skip
            else:
                traces[index] = {"visible": False}
    if changed("labels", "confusion"):
        if panels.confusion is not None:
            # before the first pair, an all-white grid of the labels (no counts) under the panel's note
            empty = not panels.confusion.any()
            traces[HEATMAP] = {"z": panels.confusion, "x": labels, "y": labels, "visible": True,
                               "zmax": 1 if empty else None, "zauto": False if empty else None,
                               "texttemplate": "" if empty else "%{z}"}  # fmt: skip
        else:
            traces[HEATMAP] = {"visible": False}
    if previous is None or (panels.confusion is None) != (previous.confusion is None):
        layout["xaxis2.visible"] = layout["yaxis2.visible"] = panels.confusion is not None
    if changed("labels", "human_counts"):
        human = panels.human_counts if panels.human_counts is not None else np.zeros(len(labels), dtype=np.int64)
        traces[HUMAN_BARS] = {"x": labels, "y": human}
    if changed("labels", "llm_counts"):
        llm = panels.llm_counts if panels.llm_counts is not None else np.zeros(len(labels), dtype=np.int64)
        traces[LLM_BARS] = {"x": labels, "y": llm, "visible": panels.llm_counts is not None}
    if changed("human_counts", "llm_counts"):
        # headroom above the bars for the drift scores written at the top of the panel
        shown = [c for c in (panels.human_counts, panels.llm_counts) if c is not None and c.size]
        tallest = max([0, *(int(np.max(c)) for c in shown)])
        layout["yaxis3.range"] = [0, max(tallest, 1) * 1.9]
        layout["yaxis3.showticklabels"] = tallest > 0  # no 0.5-item ticks before the first label
    drawn = _has_points(panels)
    if previous is None or drawn != _has_points(previous):
        # until the first point, a blank panel with its note rather than an axis autoscaled to nothing
        for axis in ("xaxis", "yaxis"):
            layout[f"{axis}.showticklabels"] = drawn
            layout[f"{axis}.autorange"] = True if drawn else None
            layout[f"{axis}.range"] = None if drawn else [0, 1]
    if changed("mean_confidence", "share_right", "bin_count"):
        traces[RELIABILITY] = {"x": panels.mean_confidence, "y": panels.share_right, "customdata": panels.bin_count,
                               "marker.size": _marker_sizes(panels.bin_count)}  # fmt: skip
    if changed("window"):
        layout[f"annotations[{TITLE_OVER_TIME}].text"] = f"Agreement with the LLM (last {panels.window} pairs)"
        layout[f"annotations[{TITLE_CONFUSION}].text"] = "Confusion: people × LLM"
        layout[f"annotations[{TITLE_MIX}].text"] = "Label mix: people vs LLM"
    if changed("ece"):
        ece = f" (ECE {panels.ece:.3f})" if math.isfinite(panels.ece) else ""
        layout[f"annotations[{TITLE_CALIBRATION}].text"] = f"Calibration{ece}"
    if changed("notes"):
        for index in (NOTE_OVER_TIME, NOTE_CONFUSION, NOTE_MIX, NOTE_CALIBRATION):
            layout[f"annotations[{index}].text"] = panels.notes.get(index, "")
    if changed("mix_scores"):
        layout[f"annotations[{MIX_SCORES}].text"] = panels.mix_scores
    if changed("header"):
        layout["title.text"] = panels.header
        layout["margin.t"] = header_margin(panels.header)
    return with_changes(spec, traces, layout)


def _has_points(panels: AgreementPanels) -> bool:
    return bool(np.isfinite(panels.accuracy).any() or np.isfinite(panels.kappa).any())


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if a is None or b is None or np.shape(a) != np.shape(b):
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f"))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _marker_sizes(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    if counts.size == 0:
        return counts
    return 6 + 14 * np.sqrt(counts / counts.max())


# ---------------------------------------------------------------------------------------------------------------
# from a DataFrame


def _with_order(df: pd.DataFrame, decided_at: str | None, decision: str | None, label: str) -> tuple[pd.DataFrame, str]:
    """``df`` and the name of a column giving decision order; without ``decided_at`` the row order is used."""
    if decided_at is not None and decided_at in df.columns:
        return df, decided_at
    if decided_at is not None and decided_at != "decided_at":
        raise InputError(f"there is no column {decided_at!r} (decided_at=); the columns are {list(df.columns)}.")
    decided = df[decision].notna() if decision is not None and decision in df.columns else df[label].notna()
    order = pd.Series(np.arange(len(df), dtype=float), index=df.index).where(decided)
    return df.assign(_decision_order=order.to_numpy()), "_decision_order"


def _label_names(df: pd.DataFrame, columns: Sequence[str], labels: Iterable[Hashable] | None) -> list[Hashable]:
    if labels is not None:
        return list(labels)
    values: list[Any] = []
    for column in columns:
        if column in df.columns:
            values.extend(object_values(df[column]))
    return sorted_labels(values)


def _counts(values: pd.Series, names: Sequence[Hashable]) -> np.ndarray:
    counts = values.dropna().value_counts()
    return np.array([int(counts.get(name, 0)) for name in names], dtype=np.int64)


def _metric(table: pd.DataFrame, name: str) -> pd.Series:
    return table.loc[table["metric"] == name].iloc[0]


@public
@takes_frames("df")
def plot_agreement(
    df: Frame,
    *,
    window: int = 50,
    min_periods: int = 10,
    labels: Iterable[Hashable] | None = None,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    confidence: str | None = "confidence",
    decided_at: str | None = "decided_at",
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    n_bins: int = 10,
    height: int = 720,
) -> go.Figure:
    """The four panels of the live ``Dashboard`` as a static figure, from a results DataFrame (e.g. ``labeler.df``).

    * title: decided rows, pairs compared, accept rate (Wilson interval) and Cohen's kappa (bootstrap interval), all
      from ``lw.agreement``;
    * agreement over time: the share of the last ``window`` pairs where the suggestion equals the human label, with
      its Wilson interval, Cohen's kappa of the same window, and ✕ where the Page-Hinkley test finds a change
      (``lw.agreement_over_time``), against the decision number in ``decided_at`` order (row order without it);
    * confusion counts (``lw.confusion``); label mix of people and LLM over the decided rows, with the JS distance
      and PSI between them and between people's last ``window`` labels and their first ``window``; calibration of
      the suggestion confidences (``lw.calibration``) with the expected calibration error.
    """
    require_frame(df, "plot_agreement")
    require_columns(df, "plot_agreement", label=label)
    frame, order = _with_order(df, decided_at, decision, label)
    has_suggestions = suggestion in frame.columns and frame[suggestion].notna().any()
    kind = answer_kind(frame, "plot_agreement", *([label, suggestion] if has_suggestions else [label]))
    if not kind.answers_are_text:  # sets of labels, spans: the Dashboard's figure for them
        return _list_answers_figure(frame, order, kind, labels=labels, label=label, suggestion=suggestion,
                                    decision=decision, has_suggestions=bool(has_suggestions), window=window,
                                    min_periods=min_periods, ci=ci, height=height)  # fmt: skip
    names = _label_names(frame, [label, suggestion] if has_suggestions else [label], labels)
    shown = [str(name) for name in names]
    decided = frame[frame[order].notna()]
    human_counts = _counts(decided[label], names)
    panels = AgreementPanels(labels=shown, header="", window=window, human_counts=human_counts)
    decision_counts = (
        decided[decision].value_counts().to_dict() if decision is not None and decision in decided.columns else {}
    )

    if not has_suggestions:
        panels.header = headline(
            n_decided=len(decided), n_items=len(frame), n_pairs=0, has_suggestions=False, accept_rate=math.nan,
            accept_low=math.nan, accept_high=math.nan, n_reviewed=0, kappa=math.nan, kappa_low=math.nan,
            kappa_high=math.nan, kappa_note="", interval_pairs=None, ci=ci, counts=decision_counts,
        )  # fmt: skip
        for index in (NOTE_OVER_TIME, NOTE_CONFUSION, NOTE_CALIBRATION):
            panels.notes[index] = NEEDS_SUGGESTIONS
        panels.mix_scores = _drift_text_from_frame(decided, label, order, window, names, human_counts, None)
        return load_plotly()[0].Figure(draw_agreement(agreement_spec(height=height), panels))

    conf_column = confidence if confidence is not None and confidence in frame.columns else None
    table = agreement(
        frame, label=label, suggestion=suggestion, decision=decision, confidence=conf_column, labels=names,
        n_boot=n_boot, seed=seed, ci=ci, n_bins=n_bins,
    )  # fmt: skip
    n_pairs = int(_metric(table, "n")["n"])
    confusion_counts = confusion(frame, label=label, suggestion=suggestion, decision=decision, labels=names).to_numpy()
    accept = _metric(table, "accept_rate")
    kappa = _metric(table, "cohen_kappa")
    panels.header = headline(
        n_decided=len(decided), n_items=len(frame), n_pairs=n_pairs, has_suggestions=True,
        accept_rate=float(accept["value"]), accept_low=float(accept["low"]), accept_high=float(accept["high"]),
        n_reviewed=int(accept["n"]), kappa=float(kappa["value"]), kappa_low=float(kappa["low"]),
        kappa_high=float(kappa["high"]), interval_pairs=n_pairs if n_boot else None, ci=ci,
        kappa_note=kappa_note(confusion_counts.sum(axis=1), confusion_counts.sum(axis=0), names),
    )  # fmt: skip

    over_time = agreement_over_time(
        frame, window=window, min_periods=min_periods, label=label, suggestion=suggestion, decision=decision,
        decided_at=order, ci=ci,
    )  # fmt: skip
    number = np.arange(1, len(over_time) + 1, dtype=float)
    compared = over_time["agree"].notna().to_numpy()
    panels.x = number[compared]
    for name in ("accuracy", "accuracy_low", "accuracy_high", "kappa"):
        setattr(panels, name, over_time[name].to_numpy(dtype=float)[compared])
    changed = over_time["change"].to_numpy(dtype=bool)
    panels.change_x = number[changed]
    panels.change_y = over_time["accuracy"].to_numpy(dtype=float)[changed]
    if n_pairs == 0:
        panels.notes[NOTE_OVER_TIME] = NO_PAIRS_YET
        panels.notes[NOTE_CONFUSION] = NO_PAIRS_YET
    elif n_pairs < min(min_periods, window):
        panels.notes[NOTE_OVER_TIME] = first_point_note(min(min_periods, window), n_pairs)

    panels.confusion = confusion_counts
    panels.llm_counts = _counts(decided[suggestion], names)
    panels.mix_scores = _drift_text_from_frame(decided, label, order, window, names, human_counts, panels.llm_counts)

    if conf_column is not None and frame[conf_column].notna().any():
        bins = calibration(frame, label=label, suggestion=suggestion, decision=decision, confidence=conf_column,
                           n_bins=n_bins)  # fmt: skip
        filled = bins[bins["count"] > 0]
        panels.mean_confidence = filled["mean_confidence"].to_numpy(dtype=float)
        panels.share_right = filled["accuracy"].to_numpy(dtype=float)
        panels.bin_count = filled["count"].to_numpy(dtype=np.int64)
        panels.ece = float(_metric(table, "ece")["value"])
        if filled.empty:
            panels.notes[NOTE_CALIBRATION] = "No pair has a confidence"
    else:
        panels.notes[NOTE_CALIBRATION] = "No confidences: the suggester gave none"
    return load_plotly()[0].Figure(draw_agreement(agreement_spec(height=height), panels))


def _drift_text_from_frame(
    decided: pd.DataFrame, label: str, order: str, window: int, names: list[Hashable], human: np.ndarray,
    llm: np.ndarray | None,
) -> str:  # fmt: skip
    labeled = int(decided[label].notna().sum())
    drift_js = drift_psi = math.nan
    if labeled:
        drift = label_drift(decided, column=label, baseline=window, window=window, decided_at=order, labels=names)
        drift_js, drift_psi = float(drift["js_distance"].iloc[-1]), float(drift["psi"].iloc[-1])
    return mix_scores_text(human, llm, drift_js=drift_js, drift_psi=drift_psi, window=window, baseline_size=window,
                           labeled=labeled)  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# drift


#: The per-label measure of agreement with the suggestions drawn over time: the first of these that
#: ``lw.agreement_over_time`` gives per label (``kappa[x]`` for sets of labels, ``strict_f1[x]`` for spans).
_PER_LABEL_MEASURES = (("kappa", "Cohen's kappa"), ("strict_f1", "span F1"))


def _list_answers_figure(
    frame: pd.DataFrame, order: str, kind: Any, *, labels: Iterable[Hashable] | None, label: str, suggestion: str,
    decision: str | None, has_suggestions: bool, window: int, min_periods: int, ci: float, height: int,
) -> go.Figure:  # fmt: skip
    """Sets of labels or spans per item, from a results DataFrame: the figure the live Dashboard draws for them
    (items by decision, pace, each label's share of the answers over the last ``window``, and with suggestions each
    label's agreement with them over the last ``window`` pairs), all from ``lw.agreement_over_time``'s columns."""
    decided = frame[frame[order].notna()].sort_values(order, kind="stable")
    cells = decided[label]
    if labels is not None:
        names = [str(name) for name in labels]
    else:
        seen = kind.names_seen(frame[label], "plot_agreement", label)
        if has_suggestions:
            seen = sorted({*seen, *kind.names_seen(frame[suggestion], "plot_agreement", suggestion)}, key=str)
        names = [str(name) for name in seen]
    counts = decided[decision].value_counts().to_dict() if decision is not None and decision in decided else {}
    number = np.arange(1, len(decided) + 1, dtype=float)
    seconds = pd.to_numeric(decided["seconds"], errors="coerce") if "seconds" in decided.columns else None
    pace_values = (
        seconds.rolling(window, min_periods=min(min_periods, window)).median().to_numpy(dtype=float)
        if seconds is not None
        else np.full(len(decided), np.nan)
    )
    finite_pace = pace_values[np.isfinite(pace_values)]
    pace = pace_text(float(finite_pace[-1]), window) if finite_pace.size else ""
    # Each label's share of the answers holding it, over the last `window` answers (a skip holds no answer).
    answered = cells.map(lambda cell: isinstance(cell, (list, tuple)))
    held = np.array([[_holds(cell, name) for name in names] for cell in cells[answered]], dtype=float).reshape(
        int(answered.sum()), len(names)
    )
    shares = pd.DataFrame(held).rolling(window, min_periods=min(min_periods, window)).mean().to_numpy(dtype=float)
    extra: list[str] = []
    panels = ProgressPanels(labels=names, header="", window=window, multi=True, counts=counts,
                            remaining=max(0, len(frame) - len(decided)))  # fmt: skip
    panels.pace_x, panels.pace = number, pace_values
    panels.mix_x, panels.mix = number[answered.to_numpy()], shares
    measure = _PER_LABEL_MEASURES[0][1]
    if has_suggestions:
        over_time = agreement_over_time(frame, window=window, min_periods=min_periods, label=label,
                                        suggestion=suggestion, decision=decision, decided_at=order, ci=ci)  # fmt: skip
        column, measure = next(
            ((c, m) for c, m in _PER_LABEL_MEASURES if any(k.startswith(f"{c}[") for k in over_time.columns)),
            _PER_LABEL_MEASURES[0],
        )
        compared = over_time["agree"].notna().to_numpy()
        per_label = [f"{column}[{name}]" for name in names]
        values = over_time.reindex(columns=per_label).to_numpy(dtype=float)[compared]
        panels.kappa_x, panels.label_kappa = np.arange(1, len(over_time) + 1, dtype=float)[compared], values
        table = agreement(frame, label=label, suggestion=suggestion, decision=decision, labels=names, ci=ci, seed=0)
        headline_metric = kind.ranking().default  # what a leaderboard of these answers ranks by
        row = table[(table["metric"] == headline_metric) & (table.get("group", "all") == "all")]
        if len(row):
            value, low, high = (float(row[c].iloc[0]) for c in ("value", "low", "high"))
            said = headline_metric.replace("_", " ")
            extra.append(
                f"{said} with the suggestions {value:.2f} ({low:.2f}–{high:.2f}), {int(row['n'].iloc[0]):,} items"
            )
        if not np.isfinite(panels.label_kappa).any():
            panels.notes["kappa"] = (
                NO_PAIRS_YET if not compared.any() else first_point_note(min_periods, int(compared.sum()))
            )
    if not np.isfinite(panels.mix).any():
        panels.notes["mix"] = f"The first point comes at {min(min_periods, window)} answers (has {int(answered.sum())})"
    if not np.isfinite(panels.pace).any():
        panels.notes["pace"] = "No times: the seconds column is missing or empty"
    panels.header = progress_header(len(decided), len(frame), counts, pace, extra=extra)
    spec = progress_spec(names, multi=True, window=window, agreement=has_suggestions, height=height, measure=measure)
    return load_plotly()[0].Figure(draw_progress(spec, panels))


def _holds(cell: Any, name: str) -> bool:
    """Whether an answer, as the DataFrame shows it (a list of label names, or of spans: dicts with a "label", or
    (start, end, label)), holds label ``name``."""
    return any(_label_of(part) == name for part in cell)


def _label_of(part: Any) -> Any:
    if isinstance(part, str):
        return part
    if isinstance(part, dict):
        return part.get("label")
    return part[2] if isinstance(part, (list, tuple)) and len(part) == 3 else None


def _week_of(times: pd.Series) -> pd.Series:
    """The Monday (00:00, same time zone) of each timestamp's week; NaT stays NaT."""
    values = pd.to_datetime(times)
    return (values - pd.to_timedelta(values.dt.day_of_week, unit="D")).dt.normalize()


def _group_names(groups: pd.Series) -> list[Any]:
    return sorted(groups.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _threshold_lines(fig: Any, row: int) -> None:
    fig.add_hrect(y0=PSI_MODERATE, y1=PSI_LARGE, fillcolor="orange", opacity=0.08, line_width=0, row=row, col=1)
    fig.add_hline(y=PSI_MODERATE, line={"color": "orange", "dash": "dot", "width": 1}, row=row, col=1,
                  annotation_text="PSI 0.1: moderate", annotation_position="top left")  # fmt: skip
    fig.add_hline(y=PSI_LARGE, line={"color": "red", "dash": "dot", "width": 1}, row=row, col=1,
                  annotation_text="PSI 0.25: large", annotation_position="top left")  # fmt: skip


@public
@takes_frames("df")
def plot_drift(
    df: Frame,
    *,
    by: str | None = None,
    window: int = 100,
    min_periods: int = 10,
    baseline: Any = None,
    labels: Iterable[Hashable] | None = None,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    decided_at: str | None = "decided_at",
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    height: int | None = None,
) -> go.Figure:
    """Is agreement or the label mix changing? A static figure from a results DataFrame.

    ``by=None`` follows the session in decision order (``decided_at``; row order without it), x = decision number:

    * top: the share of the last ``window`` pairs where the suggestion equals the human label, with its Wilson
      interval, Cohen's kappa of the window, and ✕ where the Page-Hinkley test finds a change
      (``lw.agreement_over_time``); left out when there are no suggestions;
    * bottom: how far people's last ``window`` labels are from their first ``baseline`` labels (default
      ``window``): Jensen-Shannon distance and PSI (``lw.label_drift``), with the PSI reading bands
      (< 0.1 stable, 0.1-0.25 moderate, > 0.25 large).

    ``by="week"`` groups the decisions by the week of ``decided_at``; any other column name groups by its values.
    Panels: people's label shares per group; Cohen's kappa (bootstrap interval) and the share agreeing (Wilson)
    per group from ``lw.agreement(df, by=...)``; and the JS distance and PSI of each group's label mix against the
    ``baseline`` group (default: the first group).
    """
    _, make_subplots = load_plotly()
    require_frame(df, "plot_drift")
    require_columns(df, "plot_drift", label=label)
    frame, order = _with_order(df, decided_at, decision, label)
    has_suggestions = suggestion in frame.columns and frame[suggestion].notna().any()
    kind = answer_kind(frame, "plot_drift", *([label, suggestion] if has_suggestions else [label]))
    if not kind.answers_are_text:
        if by is not None:
            raise InputError(
                f"plot_drift(by={by!r}) compares groups of single labels; for {kind.name} answers use "
                f"lw.agreement(df, by={by!r}) (every measure per group, with intervals) or plot_drift(df) without by="
            )
        return _list_answers_figure(frame, order, kind, labels=labels, label=label, suggestion=suggestion,
                                    decision=decision, has_suggestions=bool(has_suggestions), window=window,
                                    min_periods=min_periods, ci=ci, height=height or 560)  # fmt: skip
    names = _label_names(frame, [label, suggestion] if has_suggestions else [label], labels)

    if by is None:
        rows = 2 if has_suggestions else 1
        titles = [f"Agreement with the LLM, rolling over the last {window} pairs"] if has_suggestions else []
        titles.append(f"Drift of people's label mix: last {window} labels vs the first {baseline or window}")
        fig = make_subplots(rows=rows, cols=1, subplot_titles=titles, vertical_spacing=0.14)
        if has_suggestions:
            _agreement_over_time_traces(fig, frame, order, window, min_periods, label, suggestion, decision, ci)
        _label_drift_traces(fig, frame, order, window, baseline, names, label, row=rows)
        fig.update_layout(height=height or 300 * rows + 120, template="plotly_white", legend_traceorder="normal",
                          title="Agreement and label drift in decision order")  # fmt: skip
        return fig

    group_column = "_week" if by == "week" and "week" not in frame.columns else by
    if group_column == "_week":
        no_times = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        frame = frame.assign(_week=_week_of(frame[order]) if order == decided_at else no_times)
        if frame["_week"].isna().all():
            raise InputError("plot_drift(by='week') needs a decided_at column with the decision times.")
    require_columns(frame, "plot_drift", by=group_column)
    decided = frame[frame[order].notna()]
    groups = _group_names(decided[group_column])
    if not groups:
        raise InputError(f"plot_drift(by={by!r}): no decided row has a value in {group_column!r}.")
    shown_groups = [g.strftime("week of %Y-%m-%d") if isinstance(g, pd.Timestamp) else str(g) for g in groups]
    reference = groups[0] if baseline is None else baseline
    if reference not in groups:
        raise InputError(f"plot_drift(): baseline={baseline!r} is not one of the groups {shown_groups}.")

    rows = 3 if has_suggestions else 2
    titles = [f"People's label shares by {by}"]
    if has_suggestions:
        titles.append(f"Agreement with the LLM by {by}")
    shown_reference = shown_groups[groups.index(reference)]
    titles.append(f"Drift of people's label mix vs {shown_reference}")
    fig = make_subplots(rows=rows, cols=1, subplot_titles=titles, vertical_spacing=0.1, shared_xaxes=True)

    counts = np.vstack([_counts(decided.loc[decided[group_column] == g, label], names) for g in groups])
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(totals > 0, counts / np.maximum(totals, 1), np.nan)
    for j, name in enumerate(names):
        fig.add_bar(x=shown_groups, y=shares[:, j], name=f"{name}", customdata=counts[:, j],
                    hovertemplate=f"{name}: %{{y:.0%}} (%{{customdata}} labels)<extra></extra>",
                    legendgroup="labels", row=1, col=1)  # fmt: skip
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="share of labels", range=[0, 1], row=1, col=1)

    if has_suggestions:
        table = agreement(decided, label=label, suggestion=suggestion, decision=decision, by=group_column,
                          labels=names, n_boot=n_boot, seed=seed, ci=ci)  # fmt: skip
        for metric, title, color in (("cohen_kappa", "Cohen's kappa", KAPPA_COLOR),
                                     ("accuracy", "share agreeing", PEOPLE_COLOR)):  # fmt: skip
            rows_of = table[table["metric"] == metric].set_index("group").reindex(groups)
            value = rows_of["value"].to_numpy(dtype=float)
            fig.add_scatter(
                x=shown_groups, y=value, mode="lines+markers", name=title, line={"color": color},
                error_y={"type": "data", "symmetric": False,
                         "array": rows_of["high"].to_numpy(dtype=float) - value,
                         "arrayminus": value - rows_of["low"].to_numpy(dtype=float)},
                customdata=rows_of["n"].to_numpy(), row=2, col=1,
                hovertemplate=f"{title} %{{y:.2f}} (%{{customdata}} pairs)<extra></extra>",
            )  # fmt: skip
        fig.update_yaxes(title_text="Cohen's kappa · share agreeing", row=2, col=1)

    base = counts[groups.index(reference)]
    js_values, psi_values = [], []
    for row_counts in counts:
        usable = base.sum() > 0 and row_counts.sum() > 0
        js_values.append(js_distance(base, row_counts) if usable else math.nan)
        psi_values.append(psi(base, row_counts) if usable else math.nan)
    readings = [psi_reading(v) or "n/a" for v in psi_values]
    fig.add_scatter(x=shown_groups, y=psi_values, mode="lines+markers+text", name="PSI", text=readings,
                    textposition="top center", line={"color": CHANGE_COLOR}, row=rows, col=1,
                    hovertemplate="PSI %{y:.3f} (%{text})<extra></extra>")  # fmt: skip
    fig.add_scatter(x=shown_groups, y=js_values, mode="lines+markers", name="JS distance",
                    line={"color": "purple", "dash": "dot"}, row=rows, col=1,
                    hovertemplate="JS distance %{y:.3f}<extra></extra>")  # fmt: skip
    _threshold_lines(fig, rows)
    fig.update_yaxes(title_text="PSI · JS distance", rangemode="tozero", row=rows, col=1)
    fig.update_layout(height=height or 260 * rows + 120, template="plotly_white", legend_traceorder="normal",
                      title=f"Agreement and label drift by {by}")  # fmt: skip
    return fig


def _agreement_over_time_traces(
    fig: Any, frame: pd.DataFrame, order: str, window: int, min_periods: int, label: str, suggestion: str,
    decision: str | None, ci: float,
) -> None:  # fmt: skip
    over_time = agreement_over_time(frame, window=window, min_periods=min_periods, label=label,
                                    suggestion=suggestion, decision=decision, decided_at=order, ci=ci)  # fmt: skip
    number = np.arange(1, len(over_time) + 1, dtype=float)
    compared = over_time["agree"].notna().to_numpy()
    x = number[compared]
    column = {name: over_time[name].to_numpy(dtype=float)[compared] for name in
              ("accuracy", "accuracy_low", "accuracy_high", "kappa")}  # fmt: skip
    fig.add_scatter(x=x, y=column["accuracy_low"], mode="lines", line={"width": 0}, showlegend=False,
                    hoverinfo="skip", row=1, col=1)  # fmt: skip
    fig.add_scatter(x=x, y=column["accuracy_high"], mode="lines", line={"width": 0}, fill="tonexty",
                    fillcolor="rgba(31, 119, 180, 0.2)", name="share agreeing, interval (Wilson)",
                    hoverinfo="skip", row=1, col=1)  # fmt: skip
    fig.add_scatter(x=x, y=column["accuracy"], mode="lines", name="share agreeing", line={"color": PEOPLE_COLOR},
                    row=1, col=1)  # fmt: skip
    fig.add_scatter(x=x, y=column["kappa"], mode="lines", name="Cohen's kappa",
                    line={"color": KAPPA_COLOR, "dash": "dot"}, row=1, col=1)  # fmt: skip
    changed = over_time["change"].to_numpy(dtype=bool)
    fig.add_scatter(x=number[changed], y=over_time["accuracy"].to_numpy(dtype=float)[changed], mode="markers",
                    marker={"symbol": "x", "size": 11, "color": CHANGE_COLOR},
                    name="change detected (Page-Hinkley)", row=1, col=1)  # fmt: skip
    fig.update_xaxes(title_text="decision number", row=1, col=1)
    fig.update_yaxes(title_text="share agreeing · Cohen's kappa", row=1, col=1)


def _label_drift_traces(
    fig: Any, frame: pd.DataFrame, order: str, window: int, baseline: Any, names: list[Hashable], label: str,
    row: int,
) -> None:  # fmt: skip
    if baseline is not None and not isinstance(baseline, (int, np.integer)):
        raise InputError(f"with by=None, baseline is a number of first labels, got {baseline!r}.")
    decided = frame[frame[order].notna()]
    number = pd.Series(np.arange(1, len(decided) + 1, dtype=float),
                       index=decided.sort_values(order, kind="stable").index)  # fmt: skip
    if decided[label].notna().any():
        drift = label_drift(decided, column=label, baseline=int(baseline or window), window=window,
                            decided_at=order, labels=names)  # fmt: skip
        x = number.loc[drift.index].to_numpy()
        js_values = drift["js_distance"].to_numpy(dtype=float)
        psi_values = drift["psi"].to_numpy(dtype=float)
        readings = drift["reading"].fillna("").to_numpy(dtype=object)
    else:
        x = js_values = psi_values = np.empty(0)
        readings = np.empty(0, dtype=object)
    fig.add_scatter(x=x, y=psi_values, mode="lines", name="PSI", line={"color": CHANGE_COLOR}, customdata=readings,
                    hovertemplate="decision %{x}<br>PSI %{y:.3f} (%{customdata})<extra></extra>",
                    row=row, col=1)  # fmt: skip
    fig.add_scatter(x=x, y=js_values, mode="lines", name="JS distance", line={"color": "purple", "dash": "dot"},
                    hovertemplate="decision %{x}<br>JS distance %{y:.3f}<extra></extra>", row=row, col=1)  # fmt: skip
    _threshold_lines(fig, row)
    finite = np.flatnonzero(np.isfinite(psi_values))
    if finite.size:
        last = finite[-1]
        fig.add_annotation(x=x[last], y=psi_values[last], text=f"now: PSI {psi_values[last]:.3f} ({readings[last]})",
                           showarrow=True, arrowhead=2, ax=-60, ay=-30, row=row, col=1)  # fmt: skip
    else:
        fig.add_annotation(text=f"Label drift needs {int(baseline or window) + window} labels", x=0.5, y=0.5,
                           xref="x domain", yref="y domain", showarrow=False, row=row, col=1)  # fmt: skip
    fig.update_xaxes(title_text="decision number", row=row, col=1)
    fig.update_yaxes(title_text="PSI · JS distance", rangemode="tozero", row=row, col=1)


# ---------------------------------------------------------------------------------------------------------------
# progress, pace and label mix: the Dashboard without suggestions (or of a multi-label Labeler)

#: Colors of the decisions in the progress bar, and of what is left.
ACTION_COLORS = {"labeled": PEOPLE_COLOR, "accepted": KAPPA_COLOR, "corrected": LLM_COLOR, "rejected": CHANGE_COLOR,
                 "skipped": "#7f7f7f", "revised": "#9467bd"}  # fmt: skip
REMAINING_COLOR = "#dde3ec"
#: The progress figure's panels, in order: their titles come first among the annotations, then a note for each.
PROGRESS_PANELS = ("progress", "pace", "mix", "kappa")


@dataclass
class ProgressPanels:
    """Everything the progress figure draws: decided items by action, pace and the label mix over time."""

    labels: list[str]
    header: str
    window: int
    multi: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # items by their decision in force's action
    remaining: int = 0
    # x is the decision number; seconds per item is the median of the last ``window`` timed decisions
    pace_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    pace: np.ndarray = field(default_factory=lambda: np.empty(0))
    # each label's share of the last ``window`` labeled decisions (multi-label: of answers holding the label)
    mix_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    mix: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # (points, labels)
    # multi-label answers with suggestions: each label's Cohen's kappa (present/absent) over the last ``window``
    # pairs, one column per label
    kappa_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    label_kappa: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    notes: dict[str, str] = field(default_factory=dict)  # by panel name (PROGRESS_PANELS) -> message


def pace_text(seconds: float, window: int) -> str:
    """The header's pace: the median seconds per item of the last ``window`` decisions, and items a minute at it."""
    if not math.isfinite(seconds) or seconds <= 0:
        return ""
    return f"pace {seconds:.1f} s per item (median of the last {window}) ≈ {60 / seconds:.0f} items a minute"


def progress_header(n_decided: int, n_items: int | None, counts: dict[str, int], pace: str,
                    extra: Sequence[str] = ()) -> str:  # fmt: skip
    """The progress figure's title: items decided of all, by action, and the pace."""
    progress = f"<b>{n_decided:,} decided</b>"
    if n_items:
        progress = f"<b>{n_decided:,} of {n_items:,} decided ({100 * n_decided / n_items:.0f}%)</b>"
    done = [f"{name} {count:,}" for name, count in counts.items() if count]
    return "<br>".join(header_lines([progress, *done]) + header_lines([pace] if pace else []) + header_lines(extra))


def progress_spec(
    labels: Sequence[str], *, multi: bool, window: int, agreement: bool = False, height: int = 560,
    measure: str = "Cohen's kappa",
) -> dict[str, Any]:  # fmt: skip
    """The empty progress figure: a stacked bar of decided items by action and what remains (trace per action,
    then "remaining"), the pace line, and one line per label of the label mix over time; with ``agreement`` (a
    multi-label Labeler with suggestions), one line per label of its kappa over the last ``window`` pairs."""
    bars = [
        _on(1, {"type": "bar", "orientation": "h", "x": [0], "y": [""], "name": name, "marker": {"color": color},
                "texttemplate": f"{name} %{{x}}", "textposition": "inside", "insidetextanchor": "middle",
                "showlegend": False,
                "hovertemplate": f"{name}: %{{x}} items<extra></extra>"})
        for name, color in [*ACTION_COLORS.items(), ("remaining", REMAINING_COLOR)]
    ]  # fmt: skip
    pace = _on(2, {"type": "scatter", "x": [], "y": [], "mode": "lines", "line": {"color": PEOPLE_COLOR},
                   "name": "seconds per item", "showlegend": False,
                   "hovertemplate": "decision %{x}<br>%{y:.1f} s per item<extra></extra>"})  # fmt: skip
    what = "answers holding it" if multi else "labels"
    mix = [
        _on(3, {"type": "scatter", "x": [], "y": [], "mode": "lines", "name": name,
                "line": {"color": MIX_COLORS[j % len(MIX_COLORS)]},
                "hovertemplate": f"decision %{{x}}<br>{name}: %{{y:.0%}} of the last {window} {what}<extra></extra>"})
        for j, name in enumerate(labels)
    ]  # fmt: skip
    kappas = [
        _on(4, {"type": "scatter", "x": [], "y": [], "mode": "lines", "name": name, "showlegend": False,
                "line": {"color": MIX_COLORS[j % len(MIX_COLORS)], "dash": "dot"},
                "hovertemplate": f"decision %{{x}}<br>{name}: {measure} %{{y:.2f}}<extra></extra>"})
        for j, name in enumerate(labels)
    ] if agreement else []  # fmt: skip
    layout = {**_base_layout(height), "barmode": "stack"}
    mix_width = _COLUMNS[0] if agreement else [0.0, 1.0]
    domains = {1: (_COLUMNS[0], _ROWS[0]), 2: (_COLUMNS[1], _ROWS[0]), 3: (mix_width, _ROWS[1])}
    mix_title = f"Share of answers holding each label (last {window})" if multi else (
        f"Label mix over time (share of the last {window} labels)")  # fmt: skip
    titles = ["Progress: items by decision", "Pace: seconds per item", mix_title]
    if agreement:
        domains[4] = (_COLUMNS[1], _ROWS[1])
        short = "kappa" if measure == "Cohen's kappa" else measure
        titles.append(f"Each label's {short} with the suggestions (last {window})")
    _grid(layout, domains, titles)
    layout["annotations"] += [_panel_note(panel) for panel in domains]
    layout["xaxis"]["title"] = {**_AXIS_STYLE["title"], "text": "items"}
    layout["yaxis"]["showticklabels"] = False
    layout["xaxis2"]["title"] = {**_AXIS_STYLE["title"], "text": "decision number"}
    layout["yaxis2"].update(title={"text": f"seconds (median of last {window})", "standoff": 2}, rangemode="tozero")
    layout["xaxis3"]["title"] = {**_AXIS_STYLE["title"], "text": "decision number"}
    layout["yaxis3"].update(title={**_AXIS_STYLE["title"], "text": "share"}, range=[0, 1.02], tickformat=".0%")
    layout["legend"]["y"] = -0.16
    if agreement:
        layout["xaxis4"]["title"] = {**_AXIS_STYLE["title"], "text": "decision number"}
        layout["yaxis4"].update(title={"text": measure, "standoff": 2}, range=[-0.2, 1.02])
    return {"data": [*bars, pace, *mix, *kappas], "layout": layout}


#: plotly's default colors, then more: up to 20 labels get a color of their own.
MIX_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
              "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
              "#dbdb8d", "#9edae5")  # fmt: skip
PACE_TRACE = len(ACTION_COLORS) + 1
MIX_TRACES_START = PACE_TRACE + 1


def draw_progress(
    spec: dict[str, Any], panels: ProgressPanels, previous: ProgressPanels | None = None
) -> dict[str, Any]:
    """``spec`` (from ``progress_spec``) showing ``panels``, as a new spec; only what changed since ``previous``."""

    def changed(*names: str) -> bool:
        return previous is None or any(not _same(getattr(panels, n), getattr(previous, n)) for n in names)

    traces: dict[int, dict[str, Any]] = {}
    layout: dict[str, Any] = {}
    if changed("counts", "remaining"):
        for index, name in enumerate([*ACTION_COLORS, "remaining"]):
            count = panels.remaining if name == "remaining" else panels.counts.get(name, 0)
            traces[index] = {"x": [count], "visible": bool(count)}
    if changed("pace_x", "pace"):
        traces[PACE_TRACE] = {"x": panels.pace_x, "y": panels.pace}
    k = len(panels.labels)
    if changed("mix_x", "mix"):
        for j in range(k):
            shares = panels.mix[:, j] if panels.mix.size else np.empty(0)
            traces[MIX_TRACES_START + j] = {"x": panels.mix_x, "y": shares}
    n_panels = 3 + (MIX_TRACES_START + 2 * k <= len(spec["data"]))  # the kappa panel is there
    if n_panels == 4 and changed("kappa_x", "label_kappa"):
        for j in range(k):
            kappa = panels.label_kappa[:, j] if panels.label_kappa.size else np.empty(0)
            traces[MIX_TRACES_START + k + j] = {"x": panels.kappa_x, "y": kappa}
    if changed("notes"):
        for i, panel in enumerate(PROGRESS_PANELS[:n_panels]):
            layout[f"annotations[{n_panels + i}].text"] = panels.notes.get(panel, "")
    if changed("header"):
        layout["title.text"] = panels.header
        layout["margin.t"] = header_margin(panels.header)
    return with_changes(spec, traces, layout)


def header_parts(header: str) -> list[list[list[str | bool]]]:
    """The header's lines as [text, bold] runs: what a view writes as text, never as HTML."""
    lines = []
    for line in header.split("<br>"):
        runs: list[list[str | bool]] = []
        bold = False
        for piece in re.split(r"(</?b>)", line):
            if piece in ("<b>", "</b>"):
                bold = piece == "<b>"
            elif piece:
                runs.append([piece, bold])
        lines.append(runs)
    return lines
