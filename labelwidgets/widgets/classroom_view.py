"""The live view of a `lw.Classroom`: each student against gold and the model, the class's agreement, the hardest items.

An HTML header (progress, the class's Krippendorff's alpha, what kappa 0 means, the sway of the suggestions), one plotly
``FigureWidget`` (each carries plotly.js to the browser, so one with two panels: Cohen's kappa per student against gold
and against the model, with the chance line at 0; accuracy per student with the model's on the same items) and an HTML
table of the hardest items. Which numbers, and what the header says they mean, are the kind's
(`teaching.class_answers`): with spans, the strict span F1 per student (no chance line: span F1 has no chance level),
each student's strict and partial span F1 in the header and what span F1 means instead of kappa's chance. Every number
is the Classroom's (`metrics.classroom`), nothing of its own. Everything from the data (item texts, labels, student
names) is escaped: text is shown, never run. It follows the store by polling, as the team's dashboard does: every
``poll`` seconds the Classroom reads the events that arrived (one cheap query when none did) and only then is the view
redrawn, from the kernel's thread.
"""

from __future__ import annotations

import html
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.metrics.classroom import sway_sentence
from labelwidgets.teaching.classroom import WAITING
from labelwidgets.widgets.display import html_view, mimebundle_with_text
from labelwidgets.widgets.labeler import OnKernelThread
from labelwidgets.widgets.plots import KAPPA_COLOR, LLM_COLOR, PEOPLE_COLOR, load_plotly

if TYPE_CHECKING:
    from labelwidgets.teaching.classroom import Classroom, ClassroomSnapshot

log = logging.getLogger("labelwidgets")

KAPPA_GOLD, KAPPA_MODEL, ACCURACY, MODEL_ACCURACY = range(4)
LIVE_BOOTSTRAP = 200  # resamples per redraw, as the team's dashboard: the intervals of `table` use the Classroom's
HARDEST_SHOWN = 10
TEXT_CHARS = 160


def _escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


class ClassroomView:
    """Live view of a classroom (see the module). ``refresh()`` reads the store and redraws now."""

    def __init__(self, room: Classroom, *, height: int = 380, n_boot: int = LIVE_BOOTSTRAP):
        import ipywidgets

        go, make_subplots = load_plotly()
        measures = room.answers_kind.measures
        self.room = room
        self.n_boot = n_boot
        self.errors: list[str] = []
        base = make_subplots(
            rows=1,
            cols=2,
            subplot_titles=[measures.per_student_title, "Accuracy per student"],
            horizontal_spacing=0.12,
        )
        base.update_annotations(font_size=13)
        self.figure = go.FigureWidget(base)
        number = measures.per_student[0]
        self.figure.add_bar(x=[], y=[], name=f"{number} vs gold", marker_color=KAPPA_COLOR, row=1, col=1,
                            hovertemplate=f"%{{x}}: {number} vs gold %{{y:.2f}}<extra></extra>")  # fmt: skip
        self.figure.add_bar(x=[], y=[], name=f"{number} vs the model", marker_color=LLM_COLOR, row=1, col=1,
                            hovertemplate=f"%{{x}}: {number} vs the model %{{y:.2f}}<extra></extra>")  # fmt: skip
        self.figure.add_bar(x=[], y=[], name="accuracy", marker_color=PEOPLE_COLOR, row=1, col=2,
                            hovertemplate="%{x}: accuracy %{y:.0%}<extra></extra>")  # fmt: skip
        self.figure.add_scatter(x=[], y=[], mode="markers", name="the model, same items", row=1, col=2,
                                marker={"color": LLM_COLOR, "symbol": "diamond", "size": 10},
                                hovertemplate="%{x}: the model %{y:.0%} on the same items<extra></extra>")  # fmt: skip
        if measures.chance_line:
            self.figure.add_hline(y=0, line_dash="dash", line_color="#888", row=1, col=1, annotation_text="chance",
                                  annotation_position="bottom right")  # fmt: skip
        self.figure.update_layout(height=height, template="plotly_white", barmode="group",
                                  margin={"t": 40, "l": 50, "r": 20, "b": 60},
                                  legend={"orientation": "h", "y": -0.2})  # fmt: skip
        self.figure.update_yaxes(range=[-0.5 if measures.chance_line else 0, 1.05], row=1, col=1)
        self.figure.update_yaxes(range=[0, 1.05], tickformat=".0%", row=1, col=2)
        self.header = html_view()  # not ipywidgets.HTML: marimo shows anywidgets only
        self.hardest = html_view()
        self.widget = ipywidgets.VBox([self.header, self.figure, self.hardest])
        self._on_kernel = OnKernelThread()
        self._drawn = -1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.refresh()
        self._thread = threading.Thread(target=self._poll, name="labelwidgets-classroom", daemon=True)
        self._thread.start()

    def refresh(self) -> None:
        """Read the store and redraw now."""
        with self._lock:
            shown = self.room.snapshot(n_boot=self.n_boot)
            self._drawn = shown.version
        self._on_kernel(self._draw, shown)

    def _poll(self) -> None:
        while not self._stop.wait(self.room.poll):
            try:
                if self.room.sync() != self._drawn:
                    started = time.perf_counter()
                    self.refresh()
                    log.debug("classroom view redrawn in %.3f s", time.perf_counter() - started)
            except Exception as exc:  # the store is away for a moment: keep the last picture, say why once
                message = f"the classroom view could not read the store: {exc}"
                if message not in self.errors:
                    self.errors.append(message)
                    log.warning("%s", message)

    def _draw(self, shown: ClassroomSnapshot) -> None:
        fig = self.figure
        table = shown.table
        # plotly turns entities back into characters and would read tags: names from the data are escaped
        students = [_escape(s) for s in table["student"]]
        measures = shown.measures
        with fig.batch_update():
            for index, (value, low, high) in (
                (KAPPA_GOLD, measures.per_student),
                (ACCURACY, ("accuracy", "accuracy_low", "accuracy_high")),
            ):
                trace = fig.data[index]
                trace.x = students
                trace.y = _json_safe(table[value])
                trace.error_y = _error_bars(table[value], table[low], table[high])
            fig.data[KAPPA_MODEL].x = students
            fig.data[KAPPA_MODEL].y = _json_safe(table[measures.per_student_model])
            fig.data[MODEL_ACCURACY].x = students
            fig.data[MODEL_ACCURACY].y = _json_safe(table["model_accuracy"])
            has_model = bool(len(table)) and bool(table["n_model"].gt(0).any())
            fig.data[KAPPA_MODEL].showlegend = has_model
            fig.data[MODEL_ACCURACY].showlegend = has_model
        self.header.value = self.header_html(shown)
        self.hardest.value = self.hardest_html(shown)

    def header_html(self, shown: ClassroomSnapshot) -> str:
        table, agreement, sway, progress = shown.table, shown.agreement, shown.sway, shown.progress
        lines = []
        practice = (f"{shown.n_practice} practice item{'s' if shown.n_practice != 1 else ''} without gold, not "
                    "scored" if shown.n_practice else "")  # fmt: skip
        if progress.empty:
            lines.append(f"<b>{WAITING.capitalize()}</b> ({shown.n_items:,} items)")
        else:
            answered = int(progress["answered"].sum())
            possible = len(progress) * shown.n_items
            lines.append(f"<b>{len(progress)} student{'s' if len(progress) != 1 else ''}, {answered:,} of "
                         f"{possible:,} answers</b> ({shown.n_items:,} items each)")  # fmt: skip
        parts = [practice] if practice else []
        revised = int(table["revised"].sum()) if len(table) else 0
        if revised:
            parts.append(f"{revised} answer{'s' if revised != 1 else ''} revised after feedback (not rescored)")
        modes = sorted({str(m) for m in table.get("feedback", pd.Series(dtype=object)).dropna()})
        if modes:
            parts.append(f"feedback: {', '.join(modes)}")
        if parts:
            lines.append(_escape(" · ".join(parts)))
        alpha = agreement[agreement["metric"] == shown.measures.agreement_metric]
        if len(alpha):
            row = alpha.iloc[0]
            if math.isfinite(row["value"]):
                interval = ""
                if math.isfinite(row["low"]):
                    interval = f" ({100 * shown.ci:.0f}% CI {row['low']:.2f} to {row['high']:.2f})"
                lines.append(f"Class agreement among students: {shown.measures.agreement_name} {row['value']:.2f}"
                             f"{interval}, {int(row['n']):,} items")  # fmt: skip
            elif not progress.empty:
                lines.append(f"Class agreement among students: {_escape(row['note'] or 'not yet')}")
        sentence = sway_sentence(sway)
        no_model = bool(len(sway)) and int(sway["n_visible"].sum() + sway["n_hidden"].sum()) == 0
        if sentence and not progress.empty and not no_model:
            lines.append(_escape(sentence))
        scores = shown.measures.header_scores
        if scores and len(table):
            each = " · ".join(
                f"{row['student']} " + " / ".join(_number(row[column]) for column in scores)
                for _, row in table.iterrows()
            )
            lines.append(_escape(f"{shown.measures.header_scores_name}: {each}"))
        lines.append(f"<i>{_escape(shown.measures.scale_sentence)}</i>")
        if shown.outside:
            lines.append(_escape(f"{shown.outside:,} events on items not in this DataFrame are left out"))
        return "<div class='lw-classroom-header' style='line-height:1.5'>" + "<br>".join(lines) + "</div>"

    def hardest_html(self, shown: ClassroomSnapshot) -> str:
        hardest, measures = shown.hardest, shown.measures
        wrong = hardest[hardest["n_wrong"] > 0].head(HARDEST_SHOWN)
        if wrong.empty:
            note = "no wrong answers yet" if len(hardest) else "no scored answers yet"
            return f"<p><b>Hardest items</b>: {note}.</p>"
        label_columns = [c for c in hardest.columns[-len(shown.labels) :]]
        rows = []
        for _, item in wrong.iterrows():
            text = str(item[shown.text])
            if len(text) > TEXT_CHARS:
                text = text[: TEXT_CHARS - 1] + "…"
            spread = " · ".join(f"{name} {int(item[column])}" for name, column in
                                zip(shown.labels, label_columns, strict=True) if int(item[column]))  # fmt: skip
            cells = [text, *(_cell(item, column) for column, _ in measures.hardest_columns), spread]
            rows.append("<tr>" + "".join(f"<td style='text-align:left'>{_escape(c)}</td>" for c in cells) + "</tr>")
        headers = ("item", *(header for _, header in measures.hardest_columns), "answers")
        head = "".join(f"<th style='text-align:left'>{h}</th>" for h in headers)
        return (f"<p><b>Hardest items</b> ({measures.hardest_order})</p><table class='lw-classroom-hardest'>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")  # fmt: skip

    def close(self) -> None:
        self._stop.set()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle_with_text(self.widget, repr(self.room), **kwargs)

    def __repr__(self) -> str:
        return f"ClassroomView({self.room!r})"


def _cell(item: pd.Series, column: str) -> str:
    """One cell of the hardest items: wrong answers as "2 of 3 (67%)", a set of labels joined, a share to 2 places,
    NaN (nothing of that kind, as no span missed) as an empty cell."""
    value = item[column]
    if column == "n_wrong":
        return f"{int(value)} of {int(item['n_answers'])} ({100 * item['share_wrong']:.0f}%)"
    if isinstance(value, list):
        return " + ".join(map(str, value)) or "none of these"
    if isinstance(value, float):
        return f"{value:.2f}" if math.isfinite(value) else ""  # NaN: nothing of that kind (no span missed)
    return "" if value is None else str(value)


def _number(value: Any) -> str:
    """A score to 2 places, or "undefined" (NaN: nothing to score it on)."""
    number = float(value)
    return f"{number:.2f}" if math.isfinite(number) else "undefined"


def _json_safe(values: Any) -> list[Any]:
    numbers = np.asarray(values, dtype=float)
    cells = numbers.astype(object)
    cells[~np.isfinite(numbers)] = None
    return cells.tolist()


def _error_bars(value: pd.Series, low: pd.Series, high: pd.Series) -> dict[str, Any]:
    v, lo, hi = (np.asarray(x, dtype=float) for x in (value, low, high))
    return {"type": "data", "symmetric": False, "array": _json_safe(hi - v), "arrayminus": _json_safe(v - lo),
            "color": "#555", "thickness": 1}  # fmt: skip
