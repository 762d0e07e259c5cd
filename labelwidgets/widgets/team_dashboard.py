"""`team.dashboard()`: agreement between the people of a team, live, from the shared store.

One plotly ``FigureWidget`` with three panels (each FigureWidget carries plotly.js to the browser, so one, not three):
labels per person and the team's complete items; Cohen's kappa for every pair of people (with multi-label answers, their
mean Jaccard; with spans, their strict span F1); agreement per label (Krippendorff's alpha of "this label or not"; with
spans, the mean over pairs of the strict span F1 on that label's spans). The header has Krippendorff's alpha and Fleiss'
kappa (with multi-label answers, alpha with MASI; with spans, the mean pairwise strict and partial span F1) with their
intervals and the items behind them. Which rows are drawn is the team's answers' (`team.answers`: ``pair_metric``,
``label_metric``, ``overall``). Every number is `lw.Team.agreement`'s (`metrics.team`), nothing of its own. It follows
the store by polling: every ``team.poll`` seconds one cheap query asks for the latest event id, and only when it moved
are the decisions read again and the figure redrawn, from the kernel's thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.widgets.display import mimebundle_with_text
from labelwidgets.widgets.labeler import OnKernelThread
from labelwidgets.widgets.plots import HEADER_FONT_PX, HEADER_TOP, PEOPLE_COLOR, header_margin, load_plotly

if TYPE_CHECKING:
    from labelwidgets.team.team import Team, TeamSnapshot

log = logging.getLogger("labelwidgets")

PROGRESS, PAIRS, PER_LABEL = range(3)
TEAM_BAR = "done"  # items with `overlap` labels, beside each person's count
#: How the per-label panel's hover names its number (`Team.agreement` metric -> words).
LABEL_NUMBER = {"krippendorff_alpha": "alpha", "mean_strict_f1": "strict span F1"}
LIVE_BOOTSTRAP = 200  # resamples per redraw: about 0.1 s at 10,000 decisions (metrics.team measures)


class TeamDashboard:
    """Live agreement between people (see the module). ``refresh()`` redraws now; ``summary()`` is the table."""

    def __init__(self, team: Team, *, height: int = 420, n_boot: int = LIVE_BOOTSTRAP):
        go, make_subplots = load_plotly()
        self.team = team
        self.n_boot = n_boot
        self.errors: list[str] = []
        base = make_subplots(
            rows=1,
            cols=3,
            subplot_titles=["Labels per person; items done", team.answers.pair_title, team.answers.label_title],
            horizontal_spacing=0.12,
        )
        base.update_annotations(font_size=13)
        self.figure = go.FigureWidget(base)
        self.figure.add_bar(x=[], y=[], marker_color=PEOPLE_COLOR, name="labels", row=1, col=1,
                            hovertemplate="%{x}: %{y} labels<extra></extra>")  # fmt: skip
        self.figure.add_heatmap(z=[[None]], x=[""], y=[""], colorscale="RdBu", zmin=-1, zmax=1,
                                texttemplate="%{z:.2f}", showscale=False, row=1, col=2,
                                hovertemplate="%{y} and %{x}: %{z:.2f}<extra></extra>")  # fmt: skip
        per_label = LABEL_NUMBER.get(team.answers.label_metric, team.answers.label_metric)
        self.figure.add_bar(x=[], y=[], marker_color="#2ca02c", name=per_label, row=1, col=3,
                            hovertemplate=f"%{{x}}: {per_label} %{{y:.2f}}<extra></extra>")  # fmt: skip
        self.figure.update_layout(height=height, showlegend=False, template="plotly_white",
                                  margin={"t": header_margin(""), "l": 50, "r": 20, "b": 60},
                                  # pinned to the top, so that the margin below it can grow with the header's lines
                                  title={"text": "", "x": 0.01, "xanchor": "left", "y": 1, "yref": "container",
                                         "yanchor": "top", "pad": {"t": HEADER_TOP},
                                         "font": {"size": HEADER_FONT_PX}})  # fmt: skip
        self.figure.update_yaxes(range=[-0.2, 1.05], row=1, col=3)
        self._on_kernel = OnKernelThread()
        self._seen = -1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.table = pd.DataFrame()
        self.refresh()
        self._thread = threading.Thread(target=self._poll, name="labelwidgets-team-dashboard", daemon=True)
        self._thread.start()

    def refresh(self) -> None:
        """Read the store and redraw now."""
        with self._lock:
            shown = self.team.snapshot(n_boot=self.n_boot)
            self._seen = shown.version
        self.table = shown.agreement
        self._on_kernel(self._draw, shown)

    def summary(self) -> pd.DataFrame:
        """The numbers drawn, as `Team.agreement(by_label=True)` gives them."""
        return self.table

    def _poll(self) -> None:
        while not self._stop.wait(self.team.poll):
            try:
                if self.team.store.latest_id() != self._seen:
                    started = time.perf_counter()
                    self.refresh()
                    log.debug("team dashboard redrawn in %.3f s", time.perf_counter() - started)
            except Exception as exc:  # the store is away for a moment: keep the last picture, say why once
                message = f"the team dashboard could not read the store: {exc}"
                if message not in self.errors:
                    self.errors.append(message)
                    log.warning("%s", message)

    def _draw(self, shown: TeamSnapshot) -> None:
        fig = self.figure
        table, progress = shown.agreement, shown.progress
        people = [str(p) for p in progress.index if not str(p).startswith("(")]
        labeled = progress["labeled"].astype(int).to_dict() if len(progress) else {}
        complete = labeled.get("(team: items complete)", 0)
        # each pair's number about the whole answer (rows about one label, with multi-label answers, are not drawn)
        pairs = table[(table["metric"] == shown.pair_metric) & table["annotator"].notna() & table["label"].isna()]
        names = sorted(set(pairs["annotator"]) | set(pairs["other"])) or people
        grid = np.full((len(names), len(names)), math.nan)
        position = {name: i for i, name in enumerate(names)}
        for a, b, value in zip(pairs["annotator"], pairs["other"], pairs["value"], strict=True):
            grid[position[a], position[b]] = grid[position[b], position[a]] = value
        # the team-wide number for each label (rows of a pair about one label are not drawn)
        per_label = table[(table["metric"] == shown.label_metric) & table["label"].notna() & table["annotator"].isna()]
        with fig.batch_update():
            fig.data[PROGRESS].x = [*people, TEAM_BAR]
            fig.data[PROGRESS].y = [*(labeled[p] for p in people), complete]
            # plain lists with None, not NaN: a FigureWidget sends lists as JSON, which has no NaN
            fig.data[PAIRS].z = _json_safe(grid) if len(names) else [[None]]
            fig.data[PAIRS].x = names or [""]
            fig.data[PAIRS].y = names or [""]
            fig.data[PER_LABEL].x = per_label["label"].tolist()
            fig.data[PER_LABEL].y = _json_safe(per_label["value"].to_numpy(dtype=float))
            header = self.header(shown, complete)
            fig.layout.title.text = header
            fig.layout.margin.t = header_margin(header)

    def header(self, shown: TeamSnapshot, complete: int) -> str:
        table = shown.agreement

        def overall(metric: str) -> pd.Series | None:
            rows = table[(table["metric"] == metric) & table["annotator"].isna() & table["label"].isna()]
            return None if rows.empty else rows.iloc[0]

        parts = [f"{complete:,} of {shown.n_items:,} items have {shown.overlap} labels"]
        for metric, name in shown.overall:
            row = overall(metric)
            if row is None:
                continue
            if isinstance(row["value"], float) and math.isfinite(row["value"]):
                interval = f" (95% CI {row['low']:.2f}–{row['high']:.2f})" if math.isfinite(row["low"]) else ""
                parts.append(f"{name} {row['value']:.2f}{interval}, {int(row['n']):,} items")
            else:
                parts.append(f"{name}: {row['note'] or 'not yet'}")
        agreement = overall("percent_agreement")
        if agreement is not None and isinstance(agreement["value"], float) and math.isfinite(agreement["value"]):
            parts.append(f"people agree on {100 * agreement['value']:.0f}% of pairs")
        return "<br>".join(parts)

    def close(self) -> None:
        self._stop.set()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle_with_text(self.figure, repr(self), **kwargs)

    def __repr__(self) -> str:
        return f"TeamDashboard({self.team!r})"


def _json_safe(values: np.ndarray) -> list[Any]:
    cells = np.asarray(values, dtype=object)
    cells[~np.isfinite(np.asarray(values, dtype=float))] = None
    return cells.tolist()
