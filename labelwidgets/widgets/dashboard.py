"""`Dashboard`: live agreement and drift charts for a `Labeler`, updated in place on every decision.

The view (`DashboardView`, an anywidget) shows the header as text at once and draws the panels, one figure of
plain plotly JSON, with plotly.js: a partial bundle shipped with the package (``plotly_js/``: scatter, bar and
heatmap, 1.2 MB, 0.4 MB gzipped), which the first view of a kernel sends to the page before the Dashboard computes
anything, so that the page evaluates it meanwhile; every later view of the page uses it, and a page without it asks.
plotly's own ``FigureWidget`` sent the whole plotly.js (4.8 MB) with every figure, and importing that widget took
2-7 s in the kernel (it imports nbformat, whose jsonschema compiles grammars), which was most of a Dashboard cell's
time to paint (``benchmarks/bench_dashboard.py --paint``). Each decision moves running counts in
O(1) (O(window) at worst for the rolling window) and redraws a bounded number of points, so the cost of a decision
does not grow with the number of decisions; the bootstrap interval of Cohen's kappa is recomputed every
``interval_every`` decisions or on ``refresh()``. Above ``QUICK_ABOVE`` decisions, opening paints first without
what needs a pass in Python over every pair (the Page-Hinkley test) or another query (per-source lines, the blind
check), and a thread fills those in right after. plotly (Python) is imported only for ``dash.figure``.

The dashboard keeps no decisions of its own. What an undo, a relabel or a changed text means for an item is
decided once, by the session's event fold (`session/fold.py`): the dashboard opens on the session's decisions in
force (`LabelingSession.effective_frame`, vectorised) and then moves its counts by each change the session reports
(`LabelingSession.on_change`: the item's decision in force before and after the event).
"""

from __future__ import annotations

import copy
import functools
import gc
import itertools
import math
import statistics
import threading
import zlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import anywidget
import numpy as np
import pandas as pd
import traitlets

from labelwidgets.decision import ACTIONS, UNDO, Decision
from labelwidgets.errors import InputError
from labelwidgets.metrics.checks import object_values, sorted_labels
from labelwidgets.metrics.counts import bootstrap_confusion, kappa_from_counts, percentile_interval, wilson_interval
from labelwidgets.metrics.drift import PageHinkley, js_distance, psi, psi_reading
from labelwidgets.metrics.estimate import (
    MIN_LABELED,
    NOT_RANDOM_ORDERS,
    ShareCounts,
    estimate,
    model_answers,
    model_label_counts,
    share_rows,
)
from labelwidgets.metrics.multilabel import MultilabelCounts, label_kappa_from_counts, pair_scores
from labelwidgets.metrics.pairs import REVIEW_DECISIONS
from labelwidgets.metrics.running import RunningAgreement
from labelwidgets.metrics.span_agreement import item_sums, read_spans, scores_from_sums
from labelwidgets.suggesters.column import FromColumn
from labelwidgets.widgets.display import mimebundle_with_text
from labelwidgets.widgets.plots import (
    MAX_SOURCES,
    NEEDS_SUGGESTIONS,
    NO_PAIRS_YET,
    NOTE_CALIBRATION,
    NOTE_CONFUSION,
    NOTE_MIX,
    NOTE_OVER_TIME,
    AgreementPanels,
    ProgressPanels,
    agreement_spec,
    draw_agreement,
    draw_progress,
    first_point_note,
    header_parts,
    headline,
    load_plotly,
    mix_scores_text,
    pace_text,
    progress_header,
    progress_spec,
    wire,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from labelwidgets.kinds import AnswerKind
    from labelwidgets.labeler import Labeler
    from labelwidgets.metrics.span_agreement import Spans

_MAX_CHANGES_SHOWN = 200
#: Above this many decisions in force, the first paint leaves out the Page-Hinkley changes, the per-source lines
#: and the blind-check split (a pass over every pair in Python, and a query), and a thread fills them in after it.
QUICK_ABOVE = 20_000

#: plotly.js as the package ships it for the view (``plotly_js/README.md``): its version, and the trace types in it,
#: which are all the view's figures use. tests/test_dashboard_plotly_js.py checks both against the bundle itself.
PLOTLY_JS_VERSION = "4.1.1"
PLOTLY_JS_BUNDLE = "scatter-bar-heatmap"
_PLOTLY_JS = Path(__file__).with_name("plotly_js") / f"plotly-{PLOTLY_JS_BUNDLE}-{PLOTLY_JS_VERSION}.min.mjs.gz"

# The view: the header as text at once, the charts once plotly.js is in the page. plotly.js (a partial bundle, an ES
# module of 1.2 MB sent gzipped, 0.4 MB: Jupyter's websockets are not compressed) comes from the kernel once per page
# and is shared by every view of the page. The first view made in a kernel sends it as soon as its model opens,
# before the Dashboard computes anything, so the page loads it while the kernel works; a view rendered in a page
# without it (another page, a reload) asks for it. A page that has a plotly.js of the same major version on window,
# with these trace types, uses that one.
_VIEW_ESM = """
const CACHE = "__labelwidgets_plotly__";

// plotly.js for this page's views, by version and bundle: {plotly: a promise of Plotly, arrived, asked}. The
// performance marks "lw-dashboard:..." show in the browser's profiler when it came, was ready, and drew.
function entry(model) {
  const version = model.get("plotly_version"), bundle = model.get("plotly_bundle");
  const cache = (globalThis[CACHE] = globalThis[CACHE] || {});
  const key = version + " " + bundle;
  if (!cache[key]) {
    const found = {arrived: false, asked: false};
    found.plotly = new Promise((resolve, reject) => { found.resolve = resolve; found.reject = reject; });
    found.plotly.catch(() => { delete cache[key]; });  // a later view asks again
    cache[key] = found;
    const page = fromPage(version, bundle.split("-"));
    if (page) { found.arrived = true; found.resolve(page); }
  }
  return cache[key];
}

function fromPage(version, traces) {
  const Plotly = globalThis.Plotly;
  const major = (v) => String(v).split(".")[0];
  if (!Plotly || typeof Plotly.react !== "function" || major(Plotly.version) !== major(version)) return null;
  try {
    const errors = Plotly.validate(traces.map((type) => ({type})), {}) || [];
    return errors.some((e) => e.path && e.path[0] === "type") ? null : Plotly;
  } catch (error) { return null; }
}

const GUNZIPS = typeof DecompressionStream === "function";

// The bundle is an ES module whose default export is Plotly: imported from a blob, it leaves window.Plotly alone.
async function evaluate(source, encoding) {
  if (encoding === "gzip") {
    source = await new Response(new Blob([source]).stream().pipeThrough(new DecompressionStream("gzip"))).blob();
  }
  const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
  try { return (await import(url)).default; } finally { URL.revokeObjectURL(url); }
}

function initialize({model}) {
  const onMessage = (message, buffers) => {
    if (!message || message.type !== "plotly.js" || !buffers || !buffers.length) return;
    if (message.encoding === "gzip" && !GUNZIPS) return;  // the view asks for it as it is
    const found = entry(model);
    if (found.arrived) return;  // this page has it (another view's copy, or the page's own plotly.js)
    found.arrived = true;
    performance.mark("lw-dashboard:plotly.js-received");
    evaluate(buffers[0], message.encoding).then((Plotly) => {
      performance.mark("lw-dashboard:plotly.js-evaluated");
      found.resolve(Plotly);
    }, found.reject);
  };
  model.on("msg:custom", onMessage);
  return () => model.off("msg:custom", onMessage);
}

function render({model, el}) {
  el.classList.add("lw-dashboard");
  const header = Object.assign(document.createElement("div"), {className: "lw-dashboard-header"});
  const chart = Object.assign(document.createElement("div"), {className: "lw-dashboard-chart"});
  el.append(header, chart);
  const drawHeader = () => {
    header.replaceChildren(...model.get("header").map((runs) => {
      const line = document.createElement("div");
      for (const [text, bold] of runs) {
        line.append(Object.assign(document.createElement(bold ? "b" : "span"), {textContent: text}));
      }
      return line;
    }));
  };
  // the header is drawn by the view (it wraps); the chart keeps only the panel titles' room at its top
  const layoutOf = (figure) => {
    const margin = {...figure.layout.margin, t: 40};
    const height = figure.layout.height - ((figure.layout.margin || {}).t || 40) + 40;
    return {...figure.layout, title: {text: ""}, margin, height};
  };
  drawHeader();
  model.on("change:header", drawHeader);
  chart.style.minHeight = layoutOf(model.get("figure")).height + "px";
  chart.textContent = "Loading the charts…";
  const found = entry(model);
  if (!found.arrived && !found.asked) {  // the kernel sent it to another page, or before this page loaded
    found.asked = true;
    model.send({type: "plotly.js?", gzip: GUNZIPS});
  }
  let closed = false;
  let drawing = Promise.resolve();
  let Plotly = null;
  const draw = () => {
    if (closed || !Plotly) return;
    const figure = model.get("figure");
    drawing = drawing.then(() => Plotly.react(chart, figure.data, layoutOf(figure),
                                              {displaylogo: false, responsive: true}));
  };
  performance.mark("lw-dashboard:render");
  // the first draw after the header is painted: plotly.js takes a while to draw, the header none
  const painted = new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  Promise.all([found.plotly, painted]).then(([loaded]) => {
    Plotly = loaded;
    if (closed) return;
    chart.textContent = "";
    chart.style.minHeight = "";
    draw();
    drawing.then(() => performance.mark("lw-dashboard:drawn"), () => {});
  }, (error) => { chart.textContent = "The charts could not load: " + error.message; });
  model.on("change:figure", draw);
  return () => {
    closed = true;
    model.off("change:figure", draw);
    model.off("change:header", drawHeader);
    if (Plotly) Plotly.purge(chart);
  };
}

export default { initialize, render };
"""

_VIEW_CSS = """
.lw-dashboard .lw-dashboard-header {
  font: 13px/18px "Open Sans", verdana, arial, sans-serif; color: #2a3f5f; padding: 10px 0 0 8px;
  overflow-wrap: anywhere;
}
.lw-dashboard .lw-dashboard-chart { color: gray; font: 13px "Open Sans", verdana, arial, sans-serif; }
"""


#: Set once a view has sent plotly.js with its model: the first view in this kernel does. Later ones find it in the
#: page, or ask for it when rendered in a page that does not have it (another page, a reload).
_PLOTLY_JS_SENT = threading.Event()


@functools.cache
def _plotly_js(*, gzip: bool = True) -> bytes:
    """The plotly.js bundle the views draw with (an ES module), gzipped as it is shipped, or inflated."""
    packed = _PLOTLY_JS.read_bytes()
    return packed if gzip else zlib.decompress(packed, wbits=31)


class DashboardView(anywidget.AnyWidget):
    """The Dashboard in the browser: its header as text and its figure (plotly JSON) drawn by plotly.js.

    Made before the figure is known (``figure`` and ``header`` come when the Dashboard has computed them), so that
    the first view of a kernel sends plotly.js to the page at once and the page loads it meanwhile.
    """

    _esm = _VIEW_ESM
    _css = _VIEW_CSS
    figure = traitlets.Dict().tag(sync=True)
    header = traitlets.List(traitlets.List()).tag(sync=True)
    plotly_version = traitlets.Unicode(PLOTLY_JS_VERSION).tag(sync=True)
    plotly_bundle = traitlets.Unicode(PLOTLY_JS_BUNDLE).tag(sync=True)

    def __init__(self, figure: dict[str, Any] | None = None, header: list[Any] | None = None):
        super().__init__(figure=figure or {}, header=header or [])
        self.on_msg(self._on_message)
        if not _PLOTLY_JS_SENT.is_set():
            _PLOTLY_JS_SENT.set()
            self._send_plotly_js()

    def _send_plotly_js(self, *, gzip: bool = True) -> None:
        self.send({"type": "plotly.js", "encoding": "gzip" if gzip else "identity"}, buffers=[_plotly_js(gzip=gzip)])

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "plotly.js?":
            self._send_plotly_js(gzip=content.get("gzip") is not False)  # a browser without DecompressionStream


class _StreamEntry(NamedTuple):
    """One decision in decision order, with what is needed to undo its effect on the rolling state."""

    id: int | None
    pair: tuple[str, str] | None  # (human, suggestion) when the decision compares the two
    label: str | None  # the human label, for the label-mix windows
    detector_before: PageHinkley | None  # Page-Hinkley state before this pair, restored on undo
    change: bool  # the detector fired on this pair
    source: str | None = None  # the suggester that made the suggestion of the pair


class _SourceLine:
    """The rolling share agreeing of one suggestion source's own last ``window`` pairs, as points over time.

    With a learner and its prior, suggestions come from two sources in one session: one line each shows when the
    learner overtook the LLM. Same definition as the main line, over that source's pairs only.
    """

    def __init__(self, window: int, min_periods: int, keep: int, max_points: int):
        self.window, self.min_periods, self.max_points = window, min_periods, max_points
        self.flags: deque[bool] = deque(maxlen=keep)
        self.n_seen = 0
        self.agree = 0  # agreeing pairs among the last `window`
        self.points: list[tuple[float, int, float]] = []  # (decision number, pair number of this source, share)
        self.stride = 1

    def push(self, x: float, agrees: bool) -> None:
        self.flags.append(agrees)
        self.n_seen += 1
        self.agree += agrees
        if self.n_seen > self.window:
            self.agree -= self.flags[-self.window - 1]
        if self.n_seen % self.stride == 0:
            self.points.append((x, self.n_seen, self.share))
            if len(self.points) > self.max_points:
                self.stride *= 2
                self.points = [p for p in self.points if p[1] % self.stride == 0]

    def pop(self) -> None:
        if not self.flags or (self.n_seen > self.window and len(self.flags) <= self.window):
            raise _OutOfStep("undo reaches further back than the dashboard keeps (undo_depth)")
        if self.points and self.points[-1][1] == self.n_seen:
            self.points.pop()
        self.agree -= self.flags.pop()
        self.n_seen -= 1
        if self.n_seen >= self.window:
            self.agree += self.flags[-self.window]

    @property
    def share(self) -> float:
        n = min(self.n_seen, self.window)
        return self.agree / n if n >= self.min_periods else math.nan

    def load(self, x: np.ndarray, agrees: np.ndarray) -> None:
        """The state after these pairs (decision numbers ``x``), as pushing them one by one would leave it."""
        n = len(agrees)
        self.n_seen = n
        cum = np.concatenate([[0], np.cumsum(agrees.astype(np.int64))])
        while n // self.stride > self.max_points:
            self.stride *= 2
        drawn = np.arange(self.stride, n + 1, self.stride)
        start = np.maximum(drawn - self.window, 0)
        in_window = drawn - start
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(in_window >= self.min_periods, (cum[drawn] - cum[start]) / in_window, np.nan)
        self.points = list(zip(x[drawn - 1].astype(float).tolist(), drawn.tolist(), share.tolist(), strict=True))
        self.flags.extend(agrees[-(self.flags.maxlen or n) :].astype(bool).tolist())
        self.agree = int(cum[n] - cum[max(0, n - self.window)])


class _Progress:
    """Pace and label mix in decision order, as points over time, with undo.

    At each drawn decision: the median seconds per item of the last ``window`` timed decisions, and each label's
    share of the last ``window`` labeled ones (of a multi-label Labeler: the share of answers holding the label);
    NaN while fewer than ``min_periods``. Points are thinned like the agreement line's, to at most ``max_points``.
    """

    def __init__(self, k: int, window: int, min_periods: int, keep: int, max_points: int):
        self.k, self.window, self.min_periods, self.max_points = k, window, min_periods, max_points
        self.times: deque[float] = deque(maxlen=keep)  # seconds of the timed decisions
        self.rows: deque[tuple[int, ...]] = deque(maxlen=keep)  # which labels each labeled decision gave
        self.entries: deque[tuple[bool, bool]] = deque(maxlen=keep)  # (timed, labeled) per decision
        self.n = self.n_times = self.n_rows = 0
        self.points: list[tuple[float, float, tuple[float, ...]]] = []  # (decision number, seconds, shares)
        self.stride = 1

    def push(self, seconds: float | None, row: tuple[int, ...] | None) -> None:
        timed = seconds is not None and math.isfinite(seconds)
        if timed:
            self.times.append(float(seconds))  # type: ignore[arg-type]
            self.n_times += 1
        if row is not None:
            self.rows.append(row)
            self.n_rows += 1
        self.entries.append((timed, row is not None))
        self.n += 1
        if self.n % self.stride == 0:
            self.points.append(self.point())
            if len(self.points) > self.max_points:
                self.stride *= 2
                self.points = [p for p in self.points if int(p[0]) % self.stride == 0]

    def pop(self) -> None:
        if not self.entries:
            raise _OutOfStep("undo reaches further back than the dashboard keeps (undo_depth)")
        timed, labeled = self.entries.pop()
        if self.points and self.points[-1][0] == self.n:
            self.points.pop()
        if timed:
            self.times.pop()
            self.n_times -= 1
        if labeled:
            self.rows.pop()
            self.n_rows -= 1
        self.n -= 1
        if min(self.n_times, self.window) > len(self.times) or min(self.n_rows, self.window) > len(self.rows):
            raise _OutOfStep("undo reaches further back than the dashboard keeps (undo_depth)")

    @property
    def pace(self) -> float:
        """Median seconds per item of the last ``window`` timed decisions; NaN below ``min_periods``."""
        if min(self.n_times, self.window) < self.min_periods:
            return math.nan
        return float(statistics.median(itertools.islice(reversed(self.times), self.window)))

    @property
    def shares(self) -> tuple[float, ...]:
        n = min(self.n_rows, self.window)
        if n < self.min_periods:
            return (math.nan,) * self.k
        totals = np.sum(list(itertools.islice(reversed(self.rows), self.window)), axis=0)
        return tuple((totals / n).tolist())

    def point(self) -> tuple[float, float, tuple[float, ...]]:
        return float(self.n), self.pace, self.shares

    def load(self, seconds: np.ndarray, rows: np.ndarray, labeled: np.ndarray) -> None:
        """The state after these decisions (in decision order), as pushing them one by one would leave it."""
        n = len(seconds)
        timed = np.isfinite(seconds)
        times, given = seconds[timed], rows[labeled]
        self.n, self.n_times, self.n_rows = n, len(times), len(given)
        while n // self.stride > self.max_points:
            self.stride *= 2
        drawn = np.arange(self.stride, n + 1, self.stride)
        pace = np.full(len(drawn), np.nan)
        shares = np.full((len(drawn), self.k), np.nan)
        if len(drawn):
            # the last `window` timed (labeled) decisions at each drawn point, as a (points × window) table
            seen = np.cumsum(timed)[drawn - 1]
            enough = np.minimum(seen, self.window) >= self.min_periods
            at = seen[:, None] - self.window + np.arange(self.window)[None, :]
            table = np.where(at >= 0, times[np.clip(at, 0, None)] if len(times) else np.nan, np.nan)
            if enough.any():
                pace[enough] = np.nanmedian(table[enough], axis=1)
            seen = np.cumsum(labeled)[drawn - 1]
            in_window = np.minimum(seen, self.window)
            enough = in_window >= self.min_periods
            cum = np.zeros((len(given) + 1, self.k), dtype=np.int64)
            cum[1:] = np.cumsum(given, axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                shares = np.where(enough[:, None], (cum[seen] - cum[seen - in_window]) / in_window[:, None], np.nan)
        self.points = [(float(x), float(p), tuple(row)) for x, p, row in
                       zip(drawn.tolist(), pace.tolist(), shares.tolist(), strict=True)]  # fmt: skip
        keep = self.entries.maxlen or n
        self.times.extend(times[-keep:].tolist())
        self.rows.extend(map(tuple, given[-keep:].tolist()))
        self.entries.extend(zip(timed[-keep:].tolist(), labeled[-keep:].tolist(), strict=True))


class Dashboard:
    """Live charts of how people's decisions compare with the LLM's suggestions, next to a `Labeler`.

    >>> dash = lw.Dashboard(labeler)
    >>> dash                      # shows the charts; they follow every decision and undo

    A header and, with suggestions, four panels (``dash.figure`` is what they show, as a plotly ``go.Figure``):

    * header (the figure title; the view writes it as text above the panels): items decided; pairs compared (a
      human label and a suggestion, not skipped); the accept rate (accepted / (accepted + corrected + rejected),
      Wilson interval); Cohen's kappa between the human labels and the suggestions, with a bootstrap percentile
      interval recomputed every ``interval_every`` decisions and on ``refresh()`` (the header says at how many
      pairs).
    * agreement over time: the share of the last ``window`` pairs where the suggestion equals the human label,
      its Wilson interval (band), Cohen's kappa of the same window, and ✕ where the Page-Hinkley test
      (``detector``) finds a change in the agree/disagree stream. x is the decision number. NaN (a gap) while the
      window holds fewer than ``min_periods`` pairs. On opening it is ``lw.agreement_over_time(labeler.df)``: each
      item's decision in force, in decision order. From then on it follows every decision as it comes and keeps
      that history, so a later relabel adds a point rather than rewriting an old one (and an undo takes the
      latest point back out). At most about ``max_points`` points are drawn; older ones are thinned.
    * confusion counts, rows people's labels, columns suggestions (``lw.confusion``).
    * label mix: decided items per label from people and from the LLM, with the JS distance and PSI between the
      two mixes, and between people's last ``window`` labels and their first ``baseline`` labels (the PSI reading:
      < 0.1 stable, 0.1-0.25 moderate, > 0.25 large).
    * calibration: per confidence bin, the mean stated confidence and the share of suggestions people kept,
      and the expected calibration error (``lw.calibration``), when the suggester gives confidences.

    Every count is the current state of each item, as in ``labeler.df`` and ``lw.agreement(labeler.df)``: the
    dashboard holds no decisions of its own but moves its counts by the labeling session's own changes
    (``LabelingSession.on_change``: an item's decision in force before and after each event), so undo, relabel
    and text that changed since labeling (``labeler.stale``) resolve exactly as in the session. A ``revised``
    decision (``labeler.relabel``) counts in label agreement with its new label against the suggestion the item
    had, and not in the accept rate: revising a label is not accepting a suggestion. A failure inside the
    dashboard is recorded in ``dash.errors`` (and the labeler's ``errors``) and never stops labeling.

    Without suggestions, and for answers that are lists (``kind="multi"``, ``kind="spans"``), the panels are what
    matters then:

    * progress: items by their decision in force (labeled, skipped, …) and the items that remain, as one bar;
    * pace: seconds per item, the median of the last ``window`` decisions' ``seconds`` (the header adds the items
      a minute at that pace);
    * the label mix over time: each label's share of people's last ``window`` labels (lists: the share of the last
      ``window`` answers that hold the label; spans: that have a span with it), from ``min_periods`` labels on;
    * with suggestions, for lists: each label's agreement with them over the last ``window`` pairs, its Cohen's
      kappa (present or not) for sets of labels and its strict span F1 for spans, as ``lw.agreement_over_time``.

    The header then says decided of all, by action, and the pace; with suggestions also the pairs compared, the
    exact matches and the Jaccard of sets (strict and partial span F1 of spans). These follow every decision and
    undo, as the agreement panels do.

    Opening on a session with many decisions (restored from a store) is vectorised over the session's decisions
    in force: no stored event becomes a `Decision`, and only the last ``undo_depth`` get an entry that undo can
    rewind. After that a decision costs the same however many came before. Above ``QUICK_ABOVE`` (20,000)
    decisions the first paint leaves out the change markers, per-source lines and the blind-check split, which a
    thread fills in at once (``dash.wait()`` waits for it); decisions made meanwhile are read from the session.

    Options: ``window``/``min_periods``, the rolling window of pairs and the fewest pairs it is drawn with;
    ``baseline``, how many of people's first labels the label-mix drift compares with (default ``window``);
    ``n_boot``/``seed``/``ci``, the bootstrap of Cohen's kappa, as in ``lw.agreement``; ``n_bins``, calibration
    bins; ``max_points``, points drawn over time; ``undo_depth``, how far back an undo can rewind the rolling
    window before the dashboard starts over from the session's decisions instead; ``detector``, a
    ``PageHinkley`` whose settings it copies.

    Honest estimates, where they apply, as one line of text each in the header (and rows of ``estimates()``):

    * with a ``FromColumn`` suggester (the model's label on every row), ``lw.estimate``'s sentence for one label
      (``estimate=``: a label, or by default the one the model gives least often; ``False``: none; of a
      multi-label Labeler the share of items whose set holds it; spans have none): the
      prediction-powered share of all rows with its interval beside people's alone, and "not valid" when people's
      labels are not a random sample. From the running counts at every decision (``lw.estimate`` computes its
      prediction-powered share from the same counts); with labels given in an order that is not random, where an
      audit may separate them, ``lw.estimate`` itself, as of the kappa interval (every ``interval_every``).
    * with a ``Learner`` holding a stop set, the stopping signal (``labelwidgets.metrics.stopping``) once its
      window is full: the mean kappa between successive predictions, the threshold, and "you could stop here".

    ``dash.summary()`` gives the headline numbers as a table (``dash.estimates()`` the estimate and the stopping
    signal), ``dash.refresh()`` recomputes the interval now, and
    ``with dash.hold():`` redraws once after a scripted block of decisions.
    """

    def __init__(
        self,
        labeler: Labeler,
        *,
        window: int = 50,
        min_periods: int = 10,
        baseline: int | None = None,
        n_boot: int = 1000,
        interval_every: int = 25,
        seed: int = 0,
        ci: float = 0.95,
        n_bins: int = 10,
        max_points: int = 500,
        undo_depth: int = 10_000,
        detector: PageHinkley | None = None,
        height: int = 720,
        estimate: str | bool | None = None,
    ):
        for name, value, least in (("window", window, 1), ("min_periods", min_periods, 1), ("n_boot", n_boot, 0),
                                   ("interval_every", interval_every, 1), ("n_bins", n_bins, 1),
                                   ("max_points", max_points, 2), ("undo_depth", undo_depth, 1)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
                raise InputError(f"{name} must be an integer >= {least}, got {value!r}.")
        if baseline is not None and (not isinstance(baseline, (int, np.integer)) or baseline < 1):
            raise InputError(f"baseline must be a number of first labels (>= 1) or None, got {baseline!r}.")
        if not 0 < ci < 1:
            raise InputError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}.")
        self.labeler = labeler
        self.window = int(window)
        self.min_periods = min(int(min_periods), self.window)
        self.baseline = int(baseline) if baseline is not None else self.window
        self.n_boot = int(n_boot)
        self.interval_every = int(interval_every)
        self.seed = seed
        self.ci = float(ci)
        self.n_bins = int(n_bins)
        self.max_points = int(max_points)
        self.undo_depth = int(undo_depth)
        # its settings, not its state: the test runs over the decisions from the first, as agreement_over_time's
        self._detector_template = copy.deepcopy(detector) if detector is not None else PageHinkley()
        self._detector_template.reset()
        self.errors: list[str] = []
        #: the label whose share is estimated (None: the model's least common; False: no estimate)
        self._estimate_of = estimate
        # (label, the model's count of it over every row, rows with a model label, note): the estimate from counts
        self._estimate_plan: tuple[str, int, int, str] | None = None
        # (label, lw.estimate's rows or why it refused) as of the last interval, when an audit may be in the store
        self._estimate_slow: tuple[str, pd.DataFrame | str] | None = None
        self._lock = threading.RLock()
        self._closed = False
        self._needs_rebuild = False
        self._held = 0
        self._n_changes = 0  # changes received from the session, to notice one that arrives during a _load
        self._labels = list(labeler.session.labels.names)
        self._index = {name: i for i, name in enumerate(self._labels)}
        self._canonical = [self._index[name] for name in sorted_labels(self._labels)]
        # answers that are lists (sets of labels, spans): progress panels, with per-label agreement when suggested
        self._multi = not labeler.session.kind.answers_are_text
        # the per-label measure those panels draw: each label's kappa for sets, span F1 for spans (what
        # RunningAgreement.values gives per label), and the header's headline (what a leaderboard ranks by)
        self._per_label, self._measure = _per_label_measure(labeler.session.kind, self._labels)
        self._provisional = False  # the first paint left something out; the fill-in thread is under way
        self._filled_in = threading.Event()
        self._reset()
        self._drawn: AgreementPanels | ProgressPanels | None = None
        self._figure: tuple[dict[str, Any], go.Figure] | None = None
        # the view first, with nothing to show yet: the first one of a kernel sends plotly.js to the page now, which
        # loads it while the numbers below are computed
        self.view: DashboardView = DashboardView()
        try:
            self._open(labeler, height)
        except BaseException:
            self.close()  # stops following the session too
            raise

    def _open(self, labeler: Labeler, height: int) -> None:
        """Everything from the session's decisions, then the first figure and header, sent to the view."""
        # listen first, then read: a change that comes in between is noticed by _load, not lost
        labeler.session.on_change(self._on_change)
        quick = labeler.session.n_decided > QUICK_ABOVE
        self._load(quick=quick)
        # without suggestions (and, until multi-label running agreement, for sets of labels) the panels that
        # matter are progress, pace and the label mix over time
        self._progress_mode = self._multi or not self.has_suggestions
        self._set_agreement = self._multi and self.has_suggestions  # each label's kappa with the suggestions
        if self._progress_mode:
            agreement = self._set_agreement
            self._spec = progress_spec(self._labels, multi=self._multi, window=self.window, agreement=agreement,
                                       height=height, measure=self._measure)  # fmt: skip
        else:
            self._spec = agreement_spec(height=height)
        self._refresh_interval()
        self._draw()
        if quick:
            threading.Thread(target=self._fill_in, name="labelwidgets-dashboard-fill-in", daemon=True).start()
        else:
            self._filled_in.set()

    # ----- state ---------------------------------------------------------------------------------------------
    def _reset(self) -> None:
        k = len(self._labels)
        kind = self.labeler.session.kind
        self._running = RunningAgreement(self._labels, n_bins=self.n_bins, kind=kind)
        self._actions = dict.fromkeys(ACTIONS, 0)
        self._human_counts = [0] * k
        self._llm_counts = [0] * k
        # blind checks: pairs and agreements with the suggestion on screen (True) and hidden (False)
        self._by_visibility = {True: [0, 0], False: [0, 0]}
        # decision order: the stream, and rolling windows that can be rewound by undo
        self._stream: deque[_StreamEntry] = deque(maxlen=self.undo_depth)
        self._n_decisions = 0  # decisions in the stream (the decision number of the latest)
        self._window = RunningAgreement(self._labels, kind=kind)  # the last `window` pairs
        self._sources: dict[str, _SourceLine] = {}  # by suggester, in order of first appearance
        self._window_pairs: deque[tuple[str, str]] = deque(maxlen=self.window + self.undo_depth)
        self._n_pairs_seen = 0
        self._detector = copy.deepcopy(self._detector_template)
        self._baseline_counts = [0] * k  # people's first `baseline` labels
        self._baseline_n = 0
        self._recent_counts = [0] * k  # people's last `window` labels after the baseline
        self._recent_labels: deque[str] = deque(maxlen=self.window + self.undo_depth)
        self._n_recent_seen = 0
        self._points: list[tuple[float, int, float, float, float, float]] = []  # (x, pair number, acc, lo, hi, κ)
        self._stride = 1
        self._changes: deque[tuple[float, float]] = deque(maxlen=_MAX_CHANGES_SHOWN)
        self._progress = _Progress(k, self.window, self.min_periods, self.window + self.undo_depth, self.max_points)
        # multi-label pairs: each label's kappa over the last `window` pairs, as (x, pair number, kappas) points
        self._label_points: list[tuple[float, int, tuple[float, ...]]] = []
        self._label_stride = 1
        self._kappa_interval = (math.nan, math.nan)
        self._interval_pairs: int | None = None
        self._since_interval = 0

    def _load(self, *, quick: bool = False) -> None:
        """Start over from the session's decisions in force (on opening, and whenever out of step).

        ``quick`` leaves out the Page-Hinkley changes, the per-source lines and the blind-check split, for a first
        paint; the dashboard is then provisional (it ignores changes) until a full ``_load`` (``_fill_in``).
        """
        session = self.labeler.session
        while True:
            seen = self._n_changes
            # Read outside this dashboard's lock: the session calls in here holding its own lock.
            frame = session.effective_frame()
            if not quick and not self._multi:
                frame = self._with_visibility(frame)
            with self._lock:
                if self._n_changes == seen:  # else a change came in meanwhile, maybe in the frame or not: again
                    with _collector_paused():
                        self._reset()
                        self._build(frame, quick=quick)
                    self._provisional = quick
                    return

    def _fill_in(self) -> None:
        """After a quick first paint: everything, read again from the session; then a redraw."""
        try:
            self._load()
            with self._lock:
                self._refresh_interval()
                if not self._held:  # else the end of the hold draws
                    self._draw()
        except Exception as exc:  # a thread of the dashboard must never break labeling either
            self.errors.append(f"Dashboard could not fill in after its first paint: {exc!r}")
            with self._lock:
                self._provisional = False
                self._needs_rebuild = True  # the next decision starts over from the session
        finally:
            self._filled_in.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the dashboard shows everything; True when it does. Over more than ``QUICK_ABOVE`` decisions
        the first paint leaves out the change markers, the per-source lines and the blind-check split for a
        moment."""
        return self._filled_in.wait(timeout)

    def _with_visibility(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with ``suggestion_visible`` and ``suggester`` for every pair (the blind-check split, one line
        per source).

        A restore reads only what the fold and the DataFrame need; these are read here, for all the annotator's
        events in one query of three columns.
        """
        pairs = frame["label"].notna() & frame["suggestion"].notna()
        extra = ("suggestion_visible", "suggester")
        unknown = pairs & np.logical_or.reduce(
            [frame[c].isna() if c in frame.columns else pd.Series(True, index=frame.index) for c in extra]
        )
        if not unknown.any():
            return frame
        session = self.labeler.session
        try:
            stored = session.store.events_frame(annotator=session.annotator, columns=extra)
        except TypeError:  # a store of the older protocol: every column
            stored = session.store.events_frame(annotator=session.annotator)
        mask = unknown.to_numpy(dtype=bool)
        wanted = frame["id"].to_numpy()[mask]
        filled = {}
        for column in extra:
            by_id = pd.Series(stored[column].to_numpy(dtype=object), index=stored["id"].to_numpy())
            values = (
                frame[column].to_numpy(dtype=object, copy=True)
                if column in frame.columns
                else np.full(len(frame), None, dtype=object)
            )
            found = by_id.reindex(wanted).to_numpy(dtype=object, copy=True)
            found[pd.isna(found)] = None
            values[mask] = found
            filled[column] = values
        return frame.assign(**filled)

    def _build(self, frame: pd.DataFrame, *, quick: bool = False) -> None:
        """Every count and the rolling state from the decisions in force, vectorised; O(undo_depth) objects.

        Each text column is read once, into integer codes (the actions' positions in ``ACTIONS``, the labels' in
        the label set): at 200,000 decisions every pass over an array of text costs about 20 ms."""
        if not len(frame):
            return
        ids = pd.to_numeric(frame["id"]).to_numpy(dtype=float)
        if not (np.diff(ids) >= 0).all():  # a restored session's come in order already: no copy of every column
            frame = frame.iloc[np.argsort(ids, kind="stable")]
        codes, names = pd.factorize(frame["action"].to_numpy(dtype=object))
        unknown = sorted({str(a) for a in names if a not in ACTIONS} | ({"None"} if (codes < 0).any() else set()))
        if unknown:
            raise InputError(f"unknown actions {unknown}; expected one of {list(ACTIONS)}.")
        action = np.array([ACTIONS.index(a) for a in names], dtype=np.int64)[codes]
        self._actions = dict(zip(ACTIONS, np.bincount(action, minlength=len(ACTIONS)).tolist(), strict=True))
        no_label = np.isin(action, [ACTIONS.index(a) for a in ("skipped", "rejected")])  # as _human_label
        reviewed = np.isin(action, [ACTIONS.index(a) for a in REVIEW_DECISIONS])
        accepted = np.where(reviewed, (action == ACTIONS.index("accepted")).astype(np.int64), -1)
        seconds = _numbers(frame, "seconds", coerce=True)
        if self._multi:
            human = object_values(frame["label"])
            human[no_label] = None
            human_rows = self._label_rows(human)
            self._progress.load(seconds, human_rows, human != None)  # noqa: E711 (elementwise on an object array)
            actions = np.asarray(ACTIONS, dtype=object)[action]
            self._build_sets(frame, actions, human, human_rows)
            return
        human_codes = self._codes(frame["label"])
        human_codes[no_label] = -1
        given = human_codes >= 0
        k = len(self._labels)
        human_rows = np.zeros((len(frame), k), dtype=np.int8)
        human_rows[np.flatnonzero(given), human_codes[given]] = 1
        self._progress.load(seconds, human_rows, given)
        suggestion_codes = self._codes(frame["suggestion"])
        confidence = _numbers(frame, "confidence")
        self._running = RunningAgreement.from_codes(
            human_codes, suggestion_codes, confidence, accepted, labels=self._labels, n_bins=self.n_bins
        )
        self._human_counts = np.bincount(human_codes[given], minlength=k).tolist()
        self._llm_counts = np.bincount(suggestion_codes[suggestion_codes >= 0], minlength=k).tolist()
        is_pair = given & (suggestion_codes >= 0)
        agrees = human_codes == suggestion_codes
        if "suggestion_visible" in frame.columns:
            visible = frame["suggestion_visible"]
            known = is_pair & visible.notna().to_numpy(dtype=bool)
            shown = known & visible.where(visible.notna(), False).to_numpy(dtype=bool)
            for flag, rows in ((True, shown), (False, known & ~shown)):
                self._by_visibility[flag] = [int(rows.sum()), int((rows & agrees).sum())]
        sources = object_values(frame["suggester"]) if "suggester" in frame.columns else np.full(len(frame), None)
        self._build_stream(frame["id"].to_numpy(), human_codes, suggestion_codes, is_pair, sources, quick=quick)

    def _build_sets(self, frame: pd.DataFrame, actions: np.ndarray, human: np.ndarray, human_rows: np.ndarray) -> None:
        """Multi-label answers: the running agreement, each label's kappa over the rolling window of pairs (from the
        window sums of ``metrics.multilabel.MultilabelCounts``), and the stream that undo rewinds."""
        suggestion = object_values(frame["suggestion"])
        confidence = object_values(frame["confidence"]) if "confidence" in frame.columns else None
        accepted = np.where(np.isin(actions, REVIEW_DECISIONS), actions == "accepted", None)
        kind = self.labeler.session.kind
        self._running = RunningAgreement.from_pairs(
            human, suggestion, confidence, accepted, labels=self._labels, n_bins=self.n_bins, kind=kind
        )
        is_pair = (human != None) & (suggestion != None)  # noqa: E711 (elementwise on an object array)
        suggestion_rows = self._label_rows(suggestion)
        self._llm_counts = suggestion_rows.sum(axis=0).tolist()
        self._human_counts = human_rows.sum(axis=0).tolist()
        truth = human_rows[is_pair].astype(bool)
        predicted = suggestion_rows[is_pair].astype(bool)
        n_pairs = self._n_pairs_seen = len(truth)
        while n_pairs // self._label_stride > self.max_points:
            self._label_stride *= 2
        drawn = np.arange(self._label_stride, n_pairs + 1, self._label_stride)
        if len(drawn):
            start = np.maximum(drawn - self.window, 0)

            def window_sums(values: np.ndarray) -> np.ndarray:
                cumulative = np.concatenate([np.zeros((1, *values.shape[1:]), values.dtype), np.cumsum(values, axis=0)])
                return cumulative[drawn] - cumulative[start]

            if self._measure == SPAN_F1:
                # the window's integer sums of each pair's span matches, then the scores RunningAgreement reads
                humans, suggested = (_spans_of(side) for side in (human[is_pair], suggestion[is_pair]))
                sums = window_sums(item_sums(humans, suggested, self._labels))
                scores = scores_from_sums(sums, self._labels)
                kappas = np.column_stack([scores[name] for name in self._per_label])
            else:
                exact, jaccard, mismatches = pair_scores(truth, predicted)
                per_pair = [exact, jaccard, mismatches, truth & predicted, truth, predicted]
                counts = MultilabelCounts(
                    (drawn - start).astype(float), *(window_sums(v.astype(float)) for v in per_pair)
                )
                kappas = label_kappa_from_counts(counts)
            kappas[drawn - start < self.min_periods] = np.nan
            pair_x = (np.flatnonzero(is_pair) + 1)[drawn - 1]
            self._label_points = list(
                zip(pair_x.astype(float).tolist(), drawn.tolist(), map(tuple, kappas.tolist()), strict=True)
            )
        kept = self.window + self.undo_depth
        self._window_pairs.extend(
            zip(human[is_pair][-kept:].tolist(), suggestion[is_pair][-kept:].tolist(), strict=True)
        )
        recent = list(self._window_pairs)[-self.window :]
        self._window = RunningAgreement.from_pairs(
            [a for a, _ in recent], [b for _, b in recent], labels=self._labels, kind=kind
        )
        ids = frame["id"].to_numpy()
        self._n_decisions = len(frame)
        for row in range(max(0, len(frame) - self.undo_depth), len(frame)):
            pair = (human[row], suggestion[row]) if is_pair[row] else None
            self._stream.append(_StreamEntry(int(ids[row]), pair, None, None, False))

    def _label_rows(self, human: np.ndarray) -> np.ndarray:
        """Which labels each decision gave, one row of 0/1 per decision (all 0 without a label)."""
        rows = np.zeros((len(human), len(self._labels)), dtype=np.int8)
        given = np.flatnonzero(human != None)  # noqa: E711 (elementwise on an object array)
        if not self._multi:
            rows[given, self._codes(human)[given]] = 1
            return rows
        # few distinct sets among many items: each decoded once
        codes, answers = pd.factorize(human[given])
        if len(answers):
            rows[given] = np.array([self._answer_row(answer) for answer in answers], dtype=np.int8)[codes]
        return rows

    def _answer_row(self, answer: str | None) -> tuple[int, ...] | None:
        """The 0/1 row of one decision's answer (a label, or a multi-label set as stored); None without one."""
        if answer is None:
            return None
        session = self.labeler.session
        chosen = set(session.kind.chosen_labels(answer, session.labels)) if self._multi else {answer}
        return tuple(int(name in chosen) for name in self._labels)

    def _source_line(self, source: str) -> _SourceLine:
        line = self._sources.get(source)
        if line is None:
            line = self._sources[source] = _SourceLine(
                self.window, self.min_periods, self.window + self.undo_depth, self.max_points
            )
        return line

    def _build_stream(
        self, ids: np.ndarray, human: np.ndarray, suggested: np.ndarray, is_pair: np.ndarray, sources: np.ndarray,
        *, quick: bool = False,
    ) -> None:  # fmt: skip
        """The decision-order state (rolling window, Page-Hinkley, label-mix windows, points) after these
        decisions, as pushing them one by one would leave it; only the last ``undo_depth`` become objects."""
        n = len(ids)
        labels = self._labels
        k = len(labels)
        self._n_decisions = n
        pair_x = np.flatnonzero(is_pair) + 1  # the decision number of each pair
        h, s = human[is_pair], suggested[is_pair]
        agree = (h == s).astype(float)
        n_pairs = self._n_pairs_seen = len(h)
        # The change detector is the one Page-Hinkley test, run over the stream; the states before each pair of
        # the last undo_depth decisions are kept, so that undo can rewind it.
        tail_start = max(0, n - self.undo_depth)
        tail_pairs = int(is_pair[tail_start:].sum())
        head = n_pairs - tail_pairs
        detector = copy.deepcopy(self._detector_template)
        befores: list[PageHinkley | None] = []
        tail_alarms: list[bool] = []
        if quick:  # the test is a loop in Python over every pair: _fill_in runs it after the first paint
            alarms = np.zeros(head, dtype=bool)
            befores, tail_alarms = [None] * tail_pairs, [False] * tail_pairs
        else:
            alarms = detector.detect(agree[:head]) if head else np.zeros(0, dtype=bool)
            for x in agree[head:].tolist():
                befores.append(copy.copy(detector))
                tail_alarms.append(detector.update(x))
        self._detector = detector
        alarms = np.concatenate([alarms, np.array(tail_alarms, dtype=bool)])
        # the rolling window's values after any pair, computed only where they are needed (drawn points, alarms)
        cum_agree = np.concatenate([[0.0], np.cumsum(agree)])

        def values_at(numbers: np.ndarray) -> tuple[np.ndarray, ...]:
            start = np.maximum(numbers - self.window, 0)
            in_window = numbers - start
            agreeing = cum_agree[numbers] - cum_agree[start]
            # per-label counts of each window: (windows × window) positions, not (pairs × labels) running sums
            at = start[:, None] + np.arange(self.window)[None, :]
            inside = at < numbers[:, None]
            which = np.broadcast_to(np.arange(len(numbers))[:, None], at.shape)[inside] * k
            human_counts, suggested_counts = (
                np.bincount(which + codes[at[inside]], minlength=len(numbers) * k).reshape(-1, k) for codes in (h, s)
            )
            kappa = kappa_from_counts(agreeing, human_counts, suggested_counts)
            low, high = wilson_interval(agreeing, in_window, self.ci)
            enough = in_window >= self.min_periods
            with np.errstate(divide="ignore", invalid="ignore"):
                share = agreeing / in_window
            return tuple(np.where(enough, v, np.nan) for v in (share, low, high, kappa))

        while n_pairs // self._stride > self.max_points:  # the thinning _add_point would have reached
            self._stride *= 2
        drawn = np.arange(self._stride, n_pairs + 1, self._stride)
        if len(drawn):
            share, low, high, kappa = values_at(drawn)
            self._points = list(
                zip(pair_x[drawn - 1].astype(float).tolist(), drawn.tolist(), share.tolist(), low.tolist(),
                    high.tolist(), kappa.tolist(), strict=True)
            )  # fmt: skip
        fired = (np.flatnonzero(alarms) + 1)[-_MAX_CHANGES_SHOWN:]
        if len(fired):
            share = values_at(fired)[0]
            self._changes.extend(zip(pair_x[fired - 1].astype(float).tolist(), share.tolist(), strict=True))
        kept = self.window + self.undo_depth
        window_pairs = list(zip([labels[i] for i in h[-kept:].tolist()], [labels[i] for i in s[-kept:].tolist()],
                                strict=True))  # fmt: skip
        self._window_pairs.extend(window_pairs)
        recent_pairs = window_pairs[-self.window :]
        self._window = RunningAgreement.from_pairs(
            [a for a, _ in recent_pairs], [b for _, b in recent_pairs], labels=labels
        )
        # the label mix: people's first `baseline` labels, then a rolling window of the ones after
        said = human[human >= 0]
        self._baseline_n = min(self.baseline, len(said))
        self._baseline_counts = np.bincount(said[: self._baseline_n], minlength=k).tolist()
        recent = said[self._baseline_n :]
        self._n_recent_seen = len(recent)
        self._recent_counts = np.bincount(recent[len(recent) - min(len(recent), self.window) :], minlength=k).tolist()
        self._recent_labels.extend(labels[i] for i in recent[-kept:])
        # one rolling line per suggestion source
        sourced = is_pair & (sources != None)  # noqa: E711 (elementwise on an object array)
        for source in pd.unique(sources[sourced]):
            mine = sourced & (sources == source)
            self._source_line(str(source)).load(np.flatnonzero(mine) + 1, human[mine] == suggested[mine])
        # the stream itself, as far back as undo can reach (Python lists: indexing numpy scalars one by one is slow)
        named = [*labels, None]  # code -1: no label
        j = -1  # index of the latest pair among the tail's
        for id_, said, suggestion, pair_row, source in zip(
            ids[tail_start:].tolist(), human[tail_start:].tolist(), suggested[tail_start:].tolist(),
            is_pair[tail_start:].tolist(), sources[tail_start:].tolist(), strict=True,
        ):  # fmt: skip
            if pair_row:
                j += 1
                pair = (named[said], named[suggestion])
                self._stream.append(_StreamEntry(int(id_), pair, named[said], befores[j], bool(tail_alarms[j]),
                                                 None if source is None else str(source)))  # fmt: skip
            else:
                self._stream.append(_StreamEntry(int(id_), None, named[said], None, False))

    def _codes(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Each value's position in the label set, -1 where missing; an error for a label not in the set."""
        values = np.asarray(values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values, dtype=object)
        codes = np.asarray(pd.Index(self._labels, dtype=object).get_indexer(values), dtype=np.int64)
        unmatched = np.flatnonzero(codes < 0)  # few: only those are checked for a value
        stray = unmatched[pd.notna(values[unmatched])]
        if len(stray):
            raise InputError(f"{values[stray[0]]!r} is not one of the labels {self._labels}.")
        return codes

    # ----- one change at a time ------------------------------------------------------------------------------
    def _check(self, decision: Decision) -> None:
        """Raise before touching any count, so that a bad decision leaves the dashboard as it was."""
        if decision.action != UNDO and decision.action not in ACTIONS:
            raise InputError(f"unknown action {decision.action!r}; expected one of {[*ACTIONS, UNDO]}.")
        if decision.action == UNDO or self._multi:  # a multi-label answer was checked by the session's kind
            return
        for value in (decision.label, decision.suggestion):
            if value is not None and value not in self._index:
                raise InputError(f"{value!r} is not one of the labels {self._labels}.")
        if decision.confidence is not None and not 0 <= decision.confidence <= 1:
            raise InputError(f"confidence must lie in [0, 1], got {decision.confidence!r}.")

    def _apply(self, event: Decision, before: Decision | None, after: Decision | None) -> None:
        self._check(event)
        if after is not None:
            self._check(after)
        if before is not after:  # the item's decision in force changed: the old one leaves every count
            if before is not None:
                self._count(before, -1)
            if after is not None:
                self._count(after, +1)
        if event.action == UNDO:
            if not self._stream or self._stream[-1].id != event.undoes:
                raise _OutOfStep(f"undo of event {event.undoes}, which is not the latest decision in the stream")
            self._pop()
        else:
            self._push(event)

    def _count(self, decision: Decision, step: int) -> None:
        """Add (step=+1) or take back (-1) an item's decision in force."""
        human = _human_label(decision)
        accepted = decision.action == "accepted" if decision.action in REVIEW_DECISIONS else None
        if self._multi:
            if step > 0:
                self._running.update(human, decision.suggestion, decision.confidence, accepted)
            else:
                if self._actions[decision.action] < 1:
                    raise _OutOfStep(f"a {decision.action} decision leaves the counts, which hold none")
                try:
                    self._running.remove(human, decision.suggestion, decision.confidence, accepted)
                except InputError as exc:
                    raise _OutOfStep(str(exc)) from exc
            self._actions[decision.action] += step
            for counts, answer in ((self._human_counts, human), (self._llm_counts, decision.suggestion)):
                for j, held in enumerate(self._answer_row(answer) or ()):
                    counts[j] += step * held
            return
        if step > 0:
            self._running.update(human, decision.suggestion, decision.confidence, accepted)
        else:
            if self._actions[decision.action] < 1:
                raise _OutOfStep(f"a {decision.action} decision leaves the counts, which hold none")
            try:
                self._running.remove(human, decision.suggestion, decision.confidence, accepted)
            except InputError as exc:
                raise _OutOfStep(str(exc)) from exc
        self._actions[decision.action] += step
        if human is not None:
            self._human_counts[self._index[human]] += step
        if decision.suggestion is not None:
            self._llm_counts[self._index[decision.suggestion]] += step
        if human is not None and decision.suggestion is not None and decision.suggestion_visible is not None:
            tally = self._by_visibility[bool(decision.suggestion_visible)]
            tally[0] += step
            tally[1] += step * (human == decision.suggestion)

    # ----- the rolling state in decision order ----------------------------------------------------------------
    def _push(self, decision: Decision) -> None:
        self._n_decisions += 1
        human = _human_label(decision)
        self._progress.push(decision.seconds, self._answer_row(human))
        if self._multi:
            pair = (human, decision.suggestion) if human is not None and decision.suggestion is not None else None
            if pair is not None:
                self._window_pairs.append(pair)
                self._window.update(*pair)
                self._n_pairs_seen += 1
                if self._n_pairs_seen > self.window:
                    self._window.remove(*self._window_pairs[-self.window - 1])
                if self._n_pairs_seen % self._label_stride == 0:
                    self._label_points.append((float(self._n_decisions), self._n_pairs_seen, self._window_kappas()))
                    if len(self._label_points) > self.max_points:
                        self._label_stride *= 2
                        self._label_points = [p for p in self._label_points if p[1] % self._label_stride == 0]
            self._stream.append(_StreamEntry(decision.id, pair, None, None, False))
            return
        pair = (human, decision.suggestion) if human is not None and decision.suggestion is not None else None
        detector_before = None
        change = False
        if pair is not None:
            self._window_pairs.append(pair)
            self._window.update(*pair)
            self._n_pairs_seen += 1
            if self._n_pairs_seen > self.window:
                self._window.remove(*self._window_pairs[-self.window - 1])
            detector_before = copy.copy(self._detector)
            change = self._detector.update(float(pair[0] == pair[1]))
            self._add_point()
            if change:
                self._changes.append((float(self._n_decisions), self._window_values()[0]))
            if decision.suggester is not None:
                self._source_line(decision.suggester).push(float(self._n_decisions), pair[0] == pair[1])
        if human is not None:
            if self._baseline_n < self.baseline:
                self._baseline_counts[self._index[human]] += 1
                self._baseline_n += 1
            else:
                self._recent_labels.append(human)
                self._recent_counts[self._index[human]] += 1
                self._n_recent_seen += 1
                if self._n_recent_seen > self.window:
                    self._recent_counts[self._index[self._recent_labels[-self.window - 1]]] -= 1
        source = decision.suggester if pair is not None else None
        self._stream.append(_StreamEntry(decision.id, pair, human, detector_before, change, source))

    def _pop(self) -> None:
        entry = self._stream.pop()
        self._progress.pop()
        if self._multi:
            if entry.pair is not None:
                self._window.remove(*self._window_pairs.pop())
                self._n_pairs_seen -= 1
                if self._n_pairs_seen >= self.window:
                    if len(self._window_pairs) < self.window:
                        raise _OutOfStep("undo reaches further back than the dashboard keeps (undo_depth)")
                    self._window.update(*self._window_pairs[-self.window])
                if self._label_points and self._label_points[-1][0] == self._n_decisions:
                    self._label_points.pop()
            self._n_decisions -= 1
            return
        if entry.label is not None:
            if self._n_recent_seen > 0:
                self._recent_counts[self._index[self._recent_labels.pop()]] -= 1
                self._n_recent_seen -= 1
                if self._n_recent_seen >= self.window:
                    if len(self._recent_labels) < self.window:
                        raise _OutOfStep("undo reaches further back than the dashboard keeps (undo_depth)")
                    self._recent_counts[self._index[self._recent_labels[-self.window]]] += 1
            else:
                self._baseline_counts[self._index[entry.label]] -= 1
                self._baseline_n -= 1
        if entry.pair is not None and entry.source is not None and entry.source in self._sources:
            self._sources[entry.source].pop()
        if entry.pair is not None:
            self._window.remove(*self._window_pairs.pop())
            self._n_pairs_seen -= 1
            if self._n_pairs_seen >= self.window:
                if len(self._window_pairs) < self.window:
                    raise _OutOfStep("undo reaches further back than the dashboard keeps (undo_depth)")
                self._window.update(*self._window_pairs[-self.window])
            assert entry.detector_before is not None
            self._detector = entry.detector_before
            if self._points and self._points[-1][0] == self._n_decisions:
                self._points.pop()
            if entry.change and self._changes and self._changes[-1][0] == self._n_decisions:
                self._changes.pop()
        self._n_decisions -= 1

    def _window_kappas(self) -> tuple[float, ...]:
        """Each label's measure (kappa of sets, span F1 of spans) over the last ``window`` pairs of list answers;
        NaN below min_periods."""
        if self._window.n < self.min_periods:
            return (math.nan,) * len(self._labels)
        values = self._window.values
        return tuple(float(values.get(name, math.nan)) for name in self._per_label)

    def _window_values(self) -> tuple[float, float, float, float]:
        """(share agreeing, its Wilson low and high, Cohen's kappa) of the rolling window; NaN below min_periods."""
        n = self._window.n
        if n < self.min_periods:
            return math.nan, math.nan, math.nan, math.nan
        agree = self._window.agree
        low, high = wilson_interval(agree, n, self.ci)
        return agree / n, float(low), float(high), self._window.kappa

    def _add_point(self) -> None:
        if self._n_pairs_seen % self._stride:
            return
        self._points.append((float(self._n_decisions), self._n_pairs_seen, *self._window_values()))
        if len(self._points) > self.max_points:
            # thin the history to every other point: the drawn series stays bounded however long the session
            self._stride *= 2
            self._points = [p for p in self._points if p[1] % self._stride == 0]

    # ----- updates -------------------------------------------------------------------------------------------
    def update(self, event: Decision, before: Decision | None, after: Decision | None, *, redraw: bool = True) -> None:
        """Move the counts by one change and, with ``redraw``, update the figure in place.

        The arguments of ``LabelingSession.on_change``: ``event`` (a decision, a revision or an undo) and its
        item's decision in force ``before`` and ``after`` it. The dashboard follows its labeler by itself; call
        this only to feed it by hand. Raises ``InputError`` for a decision the labeler could not have made (a
        label outside its label set); the dashboard is then unchanged. A change that does not fit the counts
        (an undo of a decision it never saw) makes it start over from the session's decisions.
        """
        with self._lock:
            self._n_changes += 1
            if self._provisional:  # the fill-in under way reads the session again, this change included
                return
            try:
                self._apply(event, before, after)
            except _OutOfStep:
                self._load()  # the session's fold is the truth: read it again
            self._since_interval += 1
            if self._since_interval >= self.interval_every:
                self._refresh_interval()
            if redraw and not self._held:
                self._draw()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Count the decisions made inside the block but redraw only once, at its end.

        For scripted sessions: a loop of ``labeler.label(...)`` would otherwise send a redraw to the browser per
        decision, faster than anyone can watch. A person labeling by hand needs no hold.
        """
        with self._lock:
            self._held += 1
        try:
            yield
        finally:
            with self._lock:
                self._held -= 1
                if not self._held:
                    self._draw()

    def refresh(self) -> None:
        """Recompute the bootstrap interval of Cohen's kappa now and redraw."""
        with self._lock:
            self._refresh_interval()
            self._draw()

    def rebuild(self, *, redraw: bool = True) -> None:
        """Forget every count and start over from the session's decisions in force (also done by itself if out
        of step). Vectorised, like opening."""
        self._load()
        with self._lock:
            self._refresh_interval()
            if redraw:
                self._draw()

    def _on_change(self, event: Decision, before: Decision | None, after: Decision | None) -> None:
        if self._closed:
            return
        try:
            if self._needs_rebuild:
                self.rebuild()  # the session's decisions already include this one
            else:
                self.update(event, before, after)
            self._needs_rebuild = False
        except Exception as exc:  # the dashboard must never break labeling: note it, start over, go on
            message = f"Dashboard could not show {event.action} of item {event.item_key!r}: {exc!r}"
            self.errors.append(message)
            self.labeler.session.report_error(message)
            try:
                self.rebuild()
                self._needs_rebuild = False
            except Exception as again:
                self._needs_rebuild = True  # try again on the next decision
                self.errors.append(f"Dashboard could not rebuild from the decision log: {again!r}")

    def close(self) -> None:
        """Stop following the labeler and close the figure widget; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        self.labeler.session.off_change(self._on_change)
        self.view.close()

    def _refresh_estimate(self) -> None:
        """Where ``lw.estimate`` applies (a FromColumn suggester: the model's label on every row), what it needs that
        the dashboard's counts do not have: the label, the model's count of it over every row, and whether people's
        labels are a random sample (the store's sessions). With labels given in an order that is not random (an
        audit may separate them) the estimate is ``lw.estimate`` itself, as of this refresh."""
        self._estimate_plan, self._estimate_slow = None, None
        session = self.labeler.session
        suggester = session.suggester
        column = suggester.label_column if isinstance(suggester, FromColumn) else None
        if self._estimate_of is False or column is None or column not in session.df.columns:
            return
        if session.kind.about_text:
            return  # spans are about places in a text: no share of items has a label
        model_counts, model_rows = model_label_counts(model_answers(session, session.df[column]))
        of = self._estimate_of
        if of is None or of is True:  # the model's least common label (of a multi-label set: held least often)
            named = sorted((count, str(name), name) for name, count in model_counts.items() if name in self._index)
            of = named[0][2] if named else None
        if of not in self._index:
            return
        orders = {info.get("order") or "index" for info in session.store.sessions()}
        if orders & NOT_RANDOM_ORDERS:
            try:
                self._estimate_slow = (of, estimate(self.labeler, of=of, ci=self.ci, noun="items"))
            except InputError as refused:
                self._estimate_slow = (of, str(refused))
            return
        note = "order='index': people's labels are a random sample only if the rows are in random order"
        self._estimate_plan = (
            of,
            model_counts.get(of, 0),
            model_rows,
            note if "index" in orders else "",
        )

    def _estimate_rows(self) -> tuple[str, pd.DataFrame | None]:
        """The estimate's label and rows now (None, with the label, when there are too few labels), from the running
        confusion counts and the model's counts over every row: O(labels²) a draw."""
        if self._estimate_slow is not None:
            of, rows = self._estimate_slow
            return of, rows if isinstance(rows, pd.DataFrame) else None
        assert self._estimate_plan is not None
        of, model_ones, model_rows, note = self._estimate_plan
        confusion = self._running.confusion
        if self._multi:  # sets of labels: the label's own 2 × 2, rows people (absent, present), columns the model
            (neither, model_only), (people_only, both) = confusion.loc[of].to_numpy().tolist()
        else:
            matrix, at = confusion.to_numpy(), self._index[of]
            both = int(matrix[at, at])
            people_only, model_only = int(matrix[at].sum()) - both, int(matrix[:, at].sum()) - both
            neither = int(matrix.sum()) - both - people_only - model_only
        n = both + people_only + model_only + neither
        counts = ShareCounts(
            both=both, people_only=people_only, model_only=model_only, n=n,
            model_unlabeled=model_ones - (both + model_only), unlabeled=model_rows - n,
        )  # fmt: skip
        if counts.n < MIN_LABELED:
            return of, None
        z = statistics.NormalDist().inv_cdf(0.5 + self.ci / 2)
        return of, pd.DataFrame(share_rows("all", of, counts, z, True, [note] if note else [], "items"))

    def _honest_parts(self) -> list[str]:
        """The estimate and the stopping signal, each one line of text, where they apply."""
        parts = []
        if self._estimate_plan is not None or self._estimate_slow is not None:
            of, rows = self._estimate_rows()
            if rows is not None:
                parts.append("estimate: " + str(rows["sentence"].iat[0]))
            elif self._estimate_slow is not None and isinstance(self._estimate_slow[1], str):
                parts.append(f"estimate of {of}: {self._estimate_slow[1]}")
            else:
                parts.append(f"estimate of {of}: from {MIN_LABELED} labels (has {self._running.n})")
        signal = getattr(self.labeler.session.suggester, "stopping_signal", None)
        if signal is not None and signal.mean is not None:
            parts.append(signal.sentence)
        return parts

    def _refresh_interval(self) -> None:
        """Bootstrap percentile interval of Cohen's kappa, the same resampling and seed as ``lw.agreement``; and the
        estimate, at the same pace."""
        try:
            self._refresh_estimate()
        except Exception as exc:  # never break the charts or labeling over a line of text
            self._estimate_plan, self._estimate_slow = None, None
            self.errors.append(f"Dashboard could not estimate: {exc!r}")
        self._since_interval = 0
        self._interval_pairs = self._running.n
        self._kappa_interval = (math.nan, math.nan)
        if self.n_boot == 0 or not math.isfinite(self._running.kappa):
            return
        # agreement() resamples pairs in sorted label order from SeedSequence(seed).spawn(1)[0]; doing the same on
        # the running confusion counts gives its very interval, at a cost that does not grow with the pairs.
        counts = self._running.confusion.to_numpy()[np.ix_(self._canonical, self._canonical)]
        rng = np.random.default_rng(np.random.SeedSequence(self.seed).spawn(1)[0])
        drawn = bootstrap_confusion(counts, self.n_boot, rng)
        replicates = kappa_from_counts(drawn.agree, drawn.true_counts, drawn.pred_counts)
        low, high, _ = percentile_interval(replicates, self.ci)
        self._kappa_interval = (float(low), float(high))

    # ----- what is shown -------------------------------------------------------------------------------------
    @property
    def has_suggestions(self) -> bool:
        return self.labeler.session.suggester is not None or any(self._llm_counts)

    @property
    def n_decided(self) -> int:
        """Items with a decision in force."""
        return sum(self._actions.values())

    @property
    def changes(self) -> list[int]:
        """Decision numbers where the Page-Hinkley test found a change in agreement (the latest 200)."""
        return [int(x) for x, _ in self._changes]

    def _drift_values(self) -> tuple[float, float]:
        """JS distance and PSI of people's last ``window`` labels against their first ``baseline``; NaN before."""
        if self._baseline_n < self.baseline or self._n_recent_seen < self.window:
            return math.nan, math.nan
        return js_distance(self._baseline_counts, self._recent_counts), psi(self._baseline_counts, self._recent_counts)

    def _panels(self) -> AgreementPanels:
        session = self.labeler.session
        running = self._running
        suggestions = self.has_suggestions
        reviewed = sum(self._actions[a] for a in REVIEW_DECISIONS)
        accept_low, accept_high = (math.nan, math.nan)
        if reviewed:
            low, high = wilson_interval(self._actions["accepted"], reviewed, self.ci)
            accept_low, accept_high = float(low), float(high)
        header = headline(
            n_decided=self.n_decided, n_items=session.n, n_pairs=running.n, has_suggestions=suggestions,
            accept_rate=running.accept_rate, accept_low=accept_low, accept_high=accept_high, n_reviewed=reviewed,
            kappa=running.kappa, kappa_low=self._kappa_interval[0], kappa_high=self._kappa_interval[1],
            kappa_note=running.notes.get("kappa", ""), interval_pairs=self._interval_pairs, ci=self.ci,
            counts=self._actions, extra=[*self._blind_parts(), *self._honest_parts()],
        )  # fmt: skip
        panels = AgreementPanels(labels=self._labels, header=header, window=self.window)
        points = list(self._points)
        if self._n_pairs_seen and (not points or points[-1][1] != self._n_pairs_seen):
            last_pair_x = self._last_pair_x()
            points.append((last_pair_x, self._n_pairs_seen, *self._window_values()))
        if points:
            table = np.array([p[:1] + p[2:] for p in points], dtype=float)
            panels.x, panels.accuracy, panels.accuracy_low, panels.accuracy_high, panels.kappa = table.T
        if self._changes:
            panels.change_x, panels.change_y = np.array(list(self._changes), dtype=float).T
        for name, line in list(self._sources.items())[:MAX_SOURCES]:
            table = np.array([(x, share) for x, _, share in line.points], dtype=float).reshape(-1, 2)
            panels.sources.append((name, table[:, 0], table[:, 1]))
        human = np.array(self._human_counts, dtype=np.int64)
        panels.human_counts = human
        if suggestions:
            panels.confusion = running.confusion.to_numpy()
            panels.llm_counts = np.array(self._llm_counts, dtype=np.int64)
            if running.n == 0:
                panels.notes[NOTE_OVER_TIME] = NO_PAIRS_YET
                panels.notes[NOTE_CONFUSION] = NO_PAIRS_YET
            elif self._n_pairs_seen < self.min_periods:
                panels.notes[NOTE_OVER_TIME] = first_point_note(self.min_periods, self._n_pairs_seen)
            bins = running.reliability
            filled = bins[bins["count"] > 0]
            if not filled.empty:
                panels.mean_confidence = filled["mean_confidence"].to_numpy(dtype=float)
                panels.share_right = filled["accuracy"].to_numpy(dtype=float)
                panels.bin_count = filled["count"].to_numpy(dtype=np.int64)
                panels.ece = running.ece
            else:
                panels.notes[NOTE_CALIBRATION] = "No confidences yet" if running.n == 0 else "No confidences"
        else:
            for index in (NOTE_OVER_TIME, NOTE_CONFUSION, NOTE_CALIBRATION):
                panels.notes[index] = NEEDS_SUGGESTIONS
        if not human.any():
            panels.notes[NOTE_MIX] = "No labels yet"
        drift_js, drift_psi = self._drift_values()
        panels.mix_scores = mix_scores_text(
            human, panels.llm_counts, drift_js=drift_js, drift_psi=drift_psi, window=self.window,
            baseline_size=self.baseline, labeled=self._baseline_n + self._n_recent_seen,
        )  # fmt: skip
        return panels

    def _blind_parts(self) -> list[str]:
        """Agreement with the suggestion shown versus hidden, once blind-check items exist: how much it sways people."""
        (shown, shown_agree), (hidden, hidden_agree) = self._by_visibility[True], self._by_visibility[False]
        if not hidden:
            return []
        parts = []
        for name, n, agree in (("shown", shown, shown_agree), ("hidden (blind check)", hidden, hidden_agree)):
            low, high = wilson_interval(agree, n, self.ci) if n else (math.nan, math.nan)
            share = f"{100 * agree / n:.0f}% ({100 * low:.0f}–{100 * high:.0f}%)" if n else "n/a"
            parts.append(f"{name} {share} of {n:,}")
        return [f"people agree with the suggestion {parts[0]}", parts[1]]

    def _last_pair_x(self) -> float:
        for entry_back, entry in enumerate(reversed(self._stream)):
            if entry.pair is not None:
                return float(self._n_decisions - entry_back)
        return float(self._n_decisions)

    def _progress_panels(self) -> ProgressPanels:
        session = self.labeler.session
        progress = self._progress
        points = list(progress.points)
        if progress.n and (not points or points[-1][0] != progress.n):
            points.append(progress.point())
        extra = [*(self._set_agreement_parts() if self._set_agreement else []), *self._honest_parts()]
        pace = pace_text(progress.pace, self.window)
        header = progress_header(self.n_decided, session.n, self._actions, pace, extra=extra)
        panels = ProgressPanels(labels=self._labels, header=header, window=self.window, multi=self._multi,
                                counts=dict(self._actions), remaining=max(0, session.n - self.n_decided))  # fmt: skip
        if points:
            panels.pace_x = panels.mix_x = np.array([p[0] for p in points], dtype=float)
            panels.pace = np.array([p[1] for p in points], dtype=float)
            panels.mix = np.array([p[2] for p in points], dtype=float).reshape(len(points), len(self._labels))
        if not np.isfinite(panels.pace).any():
            has = progress.n_times
            panels.notes["pace"] = f"The first point comes at {self.min_periods} timed decisions (has {has})"
        if not np.isfinite(panels.mix).any():
            what = "answers" if self._multi else "labels"
            panels.notes["mix"] = f"The first point comes at {self.min_periods} {what} (has {progress.n_rows})"
        if self._set_agreement:
            points = list(self._label_points)
            if self._n_pairs_seen and (not points or points[-1][1] != self._n_pairs_seen):
                points.append((self._last_pair_x(), self._n_pairs_seen, self._window_kappas()))
            if points:
                panels.kappa_x = np.array([p[0] for p in points], dtype=float)
                panels.label_kappa = np.array([p[2] for p in points], dtype=float).reshape(len(points), -1)
            if not np.isfinite(panels.label_kappa).any():
                has = self._n_pairs_seen
                panels.notes["kappa"] = NO_PAIRS_YET if not has else first_point_note(self.min_periods, has)
        return panels

    def _set_agreement_parts(self) -> list[str]:
        """The header's agreement of multi-label answers with the suggestions (``RunningAgreement``'s numbers)."""
        running = self._running
        if not running.n:
            return ["no pairs with a suggestion yet"]
        parts = [f"{running.n:,} compared with the suggestions", f"exact match {100 * running.accuracy:.0f}%"]
        if self._measure == SPAN_F1:
            strict, partial = (running.values[name] for name in ("strict_f1", "partial_f1"))
            parts.append(f"span F1 {_fmt(strict)} (strict), {_fmt(partial)} (partial)")
        else:
            parts.append(f"Jaccard {running.jaccard:.2f}")
        if running.n_reviewed:
            parts.append(f"accept rate {100 * running.accept_rate:.0f}%")
        return parts

    def _draw(self) -> None:
        if self._progress_mode:
            progress = self._progress_panels()
            previous = self._drawn if isinstance(self._drawn, ProgressPanels) else None
            self._spec, self._drawn = draw_progress(self._spec, progress, previous), progress
        else:
            panels = self._panels()
            previous_panels = self._drawn if isinstance(self._drawn, AgreementPanels) else None
            self._spec, self._drawn = draw_agreement(self._spec, panels, previous_panels), panels
        with self.view.hold_sync():
            self.view.figure = wire(self._spec)
            self.view.header = header_parts(self._drawn.header)

    @property
    def figure(self) -> go.Figure:
        """What the charts show now, as a plotly ``go.Figure``: a copy made when asked (the view sends plain
        plotly JSON to plotly.js, without plotly's FigureWidget). ``dash.figure.show()`` opens it on its own."""
        spec = self._spec
        if self._figure is None or self._figure[0] is not spec:
            go, _ = load_plotly()
            self._figure = (spec, go.Figure(spec))
        return self._figure[1]

    def summary(self) -> pd.DataFrame:
        """The headline numbers as a table: ``metric``, ``value``, ``low``, ``high`` (intervals), ``n``, ``note``.

        Rows: ``decided`` (items), ``pairs`` (compared with a suggestion), ``accept_rate`` (Wilson), ``accuracy``
        (share of pairs agreeing, Wilson), ``cohen_kappa`` (bootstrap interval as of ``n``), ``ece`` (expected
        calibration error), ``window_accuracy`` (the last ``window`` pairs, Wilson), ``changes`` (Page-Hinkley
        alarms), ``psi_people_vs_llm`` and ``psi_drift`` (people's last ``window`` labels vs their first
        ``baseline``) with the PSI reading as the note. The estimate and the stopping signal: `estimates`.
        """
        with self._lock:
            running = self._running
            reviewed = sum(self._actions[a] for a in REVIEW_DECISIONS)
            rows: list[tuple[str, float, float, float, int, str]] = [
                ("decided", float(self.n_decided), math.nan, math.nan, self.n_decided, f"of {self.labeler.session.n}"),
                ("pairs", float(running.n), math.nan, math.nan, running.n, ""),
            ]
            low, high = wilson_interval(self._actions["accepted"], reviewed, self.ci) if reviewed else (math.nan,) * 2
            rows.append(("accept_rate", running.accept_rate, float(low), float(high), reviewed,
                         running.notes.get("accept_rate", "")))  # fmt: skip
            low, high = wilson_interval(running.agree, running.n, self.ci) if running.n else (math.nan,) * 2
            rows.append(("accuracy", running.accuracy, float(low), float(high), running.n,
                         running.notes.get("accuracy", "")))  # fmt: skip
            kappa_note = running.notes.get("kappa", "") or f"bootstrap interval at {self._interval_pairs} pairs"
            rows.append(("cohen_kappa", running.kappa, *self._kappa_interval, running.n, kappa_note))
            with_confidence = int(running.reliability["count"].sum())
            rows.append(("ece", running.ece, math.nan, math.nan, with_confidence, running.notes.get("ece", "")))
            accuracy, low, high, _ = self._window_values()
            rows.append(("window_accuracy", accuracy, low, high, self._window.n, f"last {self.window} pairs"))
            rows.append(("changes", float(len(self._changes)), math.nan, math.nan, self._n_pairs_seen,
                         ", ".join(f"at decision {x}" for x in self.changes)))  # fmt: skip
            human = np.array(self._human_counts, dtype=float)
            llm = np.array(self._llm_counts, dtype=float)
            between = psi(human, llm) if human.sum() and llm.sum() else math.nan
            rows.append(("psi_people_vs_llm", between, math.nan, math.nan, int(human.sum()),
                         psi_reading(between) or ""))  # fmt: skip
            for visible, name in ((True, "agreement_shown"), (False, "agreement_hidden")):
                n, agree = self._by_visibility[visible]
                low, high = wilson_interval(agree, n, self.ci) if n else (math.nan, math.nan)
                note = "suggestion on screen" if visible else "suggestion hidden for a blind check"
                rows.append((name, agree / n if n else math.nan, float(low), float(high), n, note))
            _, drift = self._drift_values()
            drift_note = f"last {self.window} vs first {self.baseline} labels: {psi_reading(drift) or 'not enough yet'}"
            rows.append(("psi_drift", drift, math.nan, math.nan, self._n_recent_seen, drift_note))
        return pd.DataFrame(rows, columns=["metric", "value", "low", "high", "n", "note"])

    def estimates(self) -> pd.DataFrame:
        """The header's honest lines as a table, with the columns of `summary`, where they apply: ``estimate``
        (prediction-powered, its sentence as the note), ``estimate_people_only`` and ``estimate_model_only``
        (``lw.estimate``'s rows; ``n``: people's labels in the sample), and ``stopping_kappa`` (the mean kappa of the
        stopping signal's window, NaN until it is full; its sentence as the note). Empty where neither applies."""
        rows: list[tuple[str, float, float, float, int, str]] = []
        with self._lock:
            estimated = self._estimate_rows()[1] if self._estimate_plan or self._estimate_slow else None
            if estimated is not None:
                for _, row in estimated.iterrows():
                    metric = "estimate" if row["method"] == "prediction-powered" else f"estimate_{row['method']}"
                    note = row["sentence"] or row["note"]
                    rows.append((metric.replace(" ", "_"), row["estimate"], row["low"], row["high"], int(row["n"]),
                                 f"{row['of']}: {note}"))  # fmt: skip
            signal = getattr(self.labeler.session.suggester, "stopping_signal", None)
            if signal is not None:
                mean = signal.mean
                rows.append(("stopping_kappa", math.nan if mean is None else mean, math.nan, math.nan,
                             len(signal.kappas), signal.sentence))  # fmt: skip
        return pd.DataFrame(rows, columns=["metric", "value", "low", "high", "n", "note"])

    # ----- display -------------------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle_with_text(self.view, repr(self), **kwargs)

    def __repr__(self) -> str:
        return f"Dashboard(labeler with {self.labeler.session.n} items, {self.n_decided} decisions)"


_collector_lock = threading.Lock()
_collector_pausers = 0  # how many builds are under way (two dashboards, or one and its fill-in thread)
_collector_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a dashboard builds its state, back as it was after.

    A build makes some 20,000 small objects, none of them garbage (the stream that undo rewinds, the rolling
    windows), and that many allocations start a full collection, which walks every object array of the session
    and its DataFrame (200,000 entries each): 90 ms of the 200 ms a Dashboard takes to open on 200,000 decisions.
    Reference counting still frees everything meanwhile; only cycles wait for the next collection.
    """
    global _collector_pausers, _collector_was_enabled
    with _collector_lock:
        if _collector_pausers == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pausers += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pausers -= 1
            if _collector_pausers == 0 and _collector_was_enabled:
                gc.enable()


#: The per-label measure of list answers that is span F1 (spans); sets of labels have Cohen's kappa.
SPAN_F1 = "span F1"


def _per_label_measure(kind: AnswerKind, labels: list[str]) -> tuple[list[str], str]:
    """Which of ``RunningAgreement.values`` the per-label panel draws for answers of ``kind`` (each label's Cohen's
    kappa for sets of labels, its strict span F1 for spans), and the measure's name."""
    values = RunningAgreement(labels, kind=kind).values
    for metric, said in (("cohen_kappa", "Cohen's kappa"), ("strict_f1", SPAN_F1)):
        names = [f"{metric}[{name}]" for name in labels]
        if all(name in values for name in names):
            return names, said
    return [f"cohen_kappa[{name}]" for name in labels], "Cohen's kappa"


def _spans_of(stored: np.ndarray) -> list[Spans]:
    """Stored span answers (JSON text) as the span lists the span metrics pair; each distinct text read once."""
    read: dict[str, Spans] = {}
    return [read.get(text) or read.setdefault(text, read_spans(text, "a stored answer", "Dashboard", text_ok=True))
            for text in stored.tolist()]  # fmt: skip


def _fmt(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "–"


def _numbers(frame: pd.DataFrame, column: str, *, coerce: bool = False) -> np.ndarray:
    """A column as floats, NaN where missing (or absent); ``coerce``: NaN for text too, else an error."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    try:
        return frame[column].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        if coerce:
            return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        raise InputError(f"{column} must hold numbers or be missing.") from None


def _human_label(decision: Decision) -> str | None:
    """The final human label a decision gives (none for skipped and rejected): what is compared and counted."""
    return None if decision.action in ("skipped", "rejected") else decision.label


class _OutOfStep(Exception):
    """The dashboard's running state no longer matches the session's decisions; it starts over from them."""
